"""Contrast-suite results: scored like the originals, written apart (``results/contrast/``).

A contrast results file has the layout of an original one (the leaderboard's
statistics read it the same way); its signature's gold hash is the suite's
hash, its unit is ``origin-paragraph1`` (its per-unit counts are per variant
paragraph, and statistics resample them by origin paragraph,
:mod:`benchmark.stats`), and its ``suite`` block says what the variants were
made of, how many there are and which transformations fell short of distinct
variants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmark.predictions import DocPredictions, ItemError
from benchmark.runner import RunOutcome, build_results
from benchmark.signature import DEFAULT_STATS, StatsSettings, current_signature
from benchmark.systems import Exposure
from benchmark.units import ORIGIN_UNIT_SCHEME
from benchmark.usage import Usage
from benchmark.variants.suite import TRANSFORMATIONS, Suite, evaluate_suite

CONTRAST_DIR = "contrast"
#: The statistics settings of the contrast suite: the defaults, resampled by origin paragraph.
CONTRAST_STATS = dataclasses.replace(DEFAULT_STATS, unit=ORIGIN_UNIT_SCHEME)


def contrast_settings(settings: StatsSettings) -> StatsSettings:
    """``settings`` for statistics on the contrast suite (unit: origin paragraph)."""
    return dataclasses.replace(settings, unit=ORIGIN_UNIT_SCHEME)


def contrast_dir(results_dir: Path) -> Path:
    """Where contrast results live, beside the original results."""
    return results_dir / CONTRAST_DIR


def suite_block(suite: Suite) -> dict[str, Any]:
    """What the suite is made of (written into every contrast results file)."""
    from benchmark.variants.names import faker_version, gender_guesser_version

    return {
        "name": "contrast",
        "hash": suite.sha256,
        "gold_hash": suite.gold.sha256,
        "seeds": suite.seeds,
        "documents": len(suite.variants),
        "distinct": len({v.gold.document.text for v in suite}),
        "shortfalls": [s.line() for s in suite.shortfalls],
        "transformations": {name: t.version for name, t in TRANSFORMATIONS.items()},
        "faker": faker_version(),
        "gender_guesser": gender_guesser_version(),
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
    results["signature"] = current_signature(suite.sha256, CONTRAST_STATS).to_dict()
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
