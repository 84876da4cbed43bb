"""One module per annotation layer: its record types and its matcher."""

LAYERS: tuple[str, ...] = ("entities", "timexes", "troop_counts", "stances")
