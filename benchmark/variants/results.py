"""Contrast-suite results: scored like the originals, written apart (``results/contrast/``).

A contrast results file has the layout of an original one (the leaderboard's
statistics read it the same way); its signature's gold hash is the suite's
hash, and its ``suite`` block says what the variants were made of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmark.predictions import DocPredictions, ItemError
from benchmark.runner import RunOutcome, build_results
from benchmark.systems import Exposure
from benchmark.usage import Usage
from benchmark.variants.suite import TRANSFORMATIONS, Suite, evaluate_suite

CONTRAST_DIR = "contrast"


def contrast_dir(results_dir: Path) -> Path:
    """Where contrast results live, beside the original results."""
    return results_dir / CONTRAST_DIR


def suite_block(suite: Suite) -> dict[str, Any]:
    """What the suite is made of (written into every contrast results file)."""
    from benchmark.variants.names import faker_version

    return {
        "name": "contrast",
        "hash": suite.sha256,
        "gold_hash": suite.gold.sha256,
        "seeds": suite.seeds,
        "documents": len(suite.variants),
        "transformations": {name: t.version for name, t in TRANSFORMATIONS.items()},
        "faker": faker_version(),
    }


def contrast_results(
    suite: Suite,
    *,
    system: str,
    version: str,
    predictions: Mapping[str, DocPredictions],
    attempted: frozenset[str],
    errors: Sequence[ItemError],
    exposure: Exposure | None = None,
    source: str = "",
    options: Mapping[str, str] | None = None,
    usage: Mapping[str, Usage] | None = None,
) -> dict[str, Any]:
    """The results document of validated predictions on the contrast suite; ``source``,
    ``options`` and ``usage`` as :func:`~benchmark.runner.build_results` takes them."""
    evaluation = evaluate_suite(suite, predictions, attempted)
    results = build_results(
        suite.as_gold(),
        system=system,
        version=version,
        evaluation=evaluation,
        errors=errors,
        exposure=exposure,
        source=source,
        options=options,
        usage=usage,
    )
    results["suite"] = suite_block(suite)
    return results


def score_contrast(
    suite: Suite, outcome: RunOutcome, exposure: Exposure | None = None
) -> dict[str, Any]:
    """The results document of one system's run on the contrast suite."""
    return contrast_results(
        suite,
        system=outcome.system,
        version=outcome.version,
        predictions=outcome.predictions,
        attempted=frozenset(outcome.layers),
        errors=outcome.errors,
        exposure=exposure or outcome.exposure,
        source=outcome.source,
        options=outcome.options,
        usage=outcome.usage,
    )
