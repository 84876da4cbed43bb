"""troopbench: a gold-annotated benchmark and scoring harness for news IE.

Heavy modules load lazily; ``import benchmark`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from benchmark.gold import Gold

__all__ = ["__version__", "load_gold"]


def load_gold(gold_dir: Any = None, seeds_dir: Any = None) -> Gold:
    """Load troopbench's gold annotations (or a gold folder given as a path).

    Returns a :class:`benchmark.gold.Gold`: the entity registry and, per
    document, its text, metadata and four annotation layers.
    """
    from benchmark.gold import load_gold as _load

    return _load(gold_dir, seeds_dir)
