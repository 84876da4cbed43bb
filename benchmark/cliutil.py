"""What the command line and the Hub commands share: exit codes and loading the gold.

Both :mod:`benchmark.cli` and :mod:`benchmark.hub` import from here, so that
imports flow one way (the CLI imports the Hub commands, never the reverse).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmark.gold import Gold

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_ABORTED = 4
EXIT_INTERRUPTED = 130


def load_gold_or_report(args: argparse.Namespace) -> Gold | None:
    """The gold of ``--corpus`` (default troopbench's, whose folders ``--gold``/``--seeds``
    may replace); on problems, print them all and return None."""
    from benchmark.corpora import CorpusNotFound, load_corpus
    from benchmark.gold import GoldError

    try:
        return load_corpus(
            getattr(args, "corpus", None), getattr(args, "gold", None), getattr(args, "seeds", None)
        )
    except CorpusNotFound as exc:
        print(f"troopbench: {exc}", file=sys.stderr)
        return None
    except GoldError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"troopbench: the gold is invalid ({len(exc.problems)} problem(s))", file=sys.stderr)
        return None
