"""The ``troopbench variants`` command's arguments, kept apart from the contrast suite's code.

The CLI builds every subcommand's parser on each start; this module imports
nothing of the contrast suite (``benchmark.variants`` and its generators), so
a command that does not use the suite does not pay for importing it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: Seeds per (document, transformation) in the default suite (see perf/README.md).
DEFAULT_SEEDS = 10


def _seed(text: str) -> int:
    """A variant's seed: a whole number from 0 (the suite's seeds are 0, 1, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number from 0")
    return value


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add the ``variants`` subcommand's parser to ``sub`` and return it."""
    p = sub.add_parser(
        "variants",
        help="list the contrast-set transformations; show or write one variant; check the suite",
    )
    p.add_argument("document", nargs="?", metavar="DOC_ID", help="document id (or a prefix: 003)")
    p.add_argument("transformation", nargs="?", metavar="TRANSFORMATION")
    p.add_argument("seed", nargs="?", type=_seed, metavar="SEED", help="a whole number from 0")
    p.add_argument("--write", type=Path, metavar="DIR", help="write seeds/ and gold/ to DIR")
    p.add_argument("--suite", action="store_true", help="summarise the whole contrast suite")
    p.add_argument("--check", action="store_true", help="with --suite: validate every variant")
    p.add_argument(
        "--variant-seeds",
        type=int,
        default=DEFAULT_SEEDS,
        metavar="N",
        help=f"with --suite: seeds per document and transformation (default {DEFAULT_SEEDS})",
    )
    return p
