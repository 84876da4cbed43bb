"""The committed results are reproducible: re-running a system gives them back exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import benchmark
from benchmark.leaderboard import load_results
from benchmark.runner import run_system, score_outcome
from benchmark.systems import SystemUnavailable, declared_exposure, load_system

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = ("date", "platform")


def stable(results: dict[str, Any]) -> dict[str, Any]:
    """A results document without the fields that name when and where it ran."""
    return {k: v for k, v in results.items() if k not in VOLATILE}


def rerun(name: str) -> dict[str, Any]:
    gold = benchmark.load_gold()
    system = load_system(name)
    outcome = run_system(system, [d.document for d in gold])
    # round-trip through JSON, as the committed file was written
    return json.loads(json.dumps(score_outcome(gold, outcome, declared_exposure(system))))


def committed(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "results" / f"{name}.json").read_text(encoding="utf-8"))


def test_rules_reproduces_its_committed_result_exactly() -> None:
    assert stable(rerun("rules")) == stable(committed("rules"))


@pytest.mark.parametrize(
    "name",
    [
        "dateparser",
        "spacy-sm",
        "stance-lr",
        "recognizers-dates",
        "spacy-md",
        "spacy-sm-raw",
        pytest.param("heideltime", marks=pytest.mark.slow),
    ],
)
def test_other_baselines_reproduce(name: str) -> None:
    try:
        load_system(name)
    except SystemUnavailable as exc:
        pytest.skip(str(exc))
    assert stable(rerun(name)) == stable(committed(name))


def test_committed_results_are_current_and_complete() -> None:
    gold = benchmark.load_gold()
    loaded = load_results(ROOT / "results", gold.sha256)
    assert not loaded.stale and not loaded.broken
    assert {e.name for e in loaded.current} == {
        "rules",
        "dateparser",
        "spacy-sm",
        "stance-lr",
        "heideltime",
        "recognizers-dates",
        "spacy-md",
        "spacy-sm-raw",
    }


def test_every_committed_result_carries_its_systems_declared_exposure() -> None:
    for path in sorted((ROOT / "results").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            system = load_system(data["system"]["name"])
        except SystemUnavailable:
            continue
        declared = declared_exposure(system)
        assert data["system"]["exposure"] == declared.level, path.name
        assert data["system"]["exposure_note"] == declared.note, path.name
