"""troopbench's built-in baseline systems (plugins of the ``troopbench.systems`` group)."""
