"""The runner records failures per document and goes on; results files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.predictions import EntityPrediction, Prediction, TimexPrediction
from benchmark.runner import (
    RunAborted,
    results_path,
    run_system,
    score_outcome,
    validate_results,
    write_json_atomic,
)

BAD_DOC = "900_00000000000000a1"


class GoldEcho:
    """Test double: returns the gold entities and timexes of the mini corpus."""

    name = "echo"
    version = "1"
    layers = ("entities", "timexes")

    def __init__(self, gold: Gold, misbehave: str = "") -> None:
        self.gold = gold
        self.misbehave = misbehave

    def extract(self, document: Document) -> Prediction:
        if document.doc_id == BAD_DOC:
            if self.misbehave == "raise":
                raise RuntimeError("boom")
            if self.misbehave == "hang":
                time.sleep(30)
            if self.misbehave == "garbage":
                return {"entities": "lots"}  # type: ignore[return-value]
            if self.misbehave == "bad-items":
                return Prediction(
                    document.doc_id, entities=[EntityPrediction("ORG", 0, 99_999)], timexes=[]
                )
        doc = self.gold.documents[document.doc_id]
        return Prediction(
            document.doc_id,
            entities=[
                EntityPrediction(m.type, m.span.start, m.span.end, m.span.text)
                for m in doc.entities
            ],
            timexes=[
                TimexPrediction(t.value, t.type, t.span.start, t.span.end) for t in doc.timexes
            ],
        )


def documents(gold: Gold) -> list[Document]:
    return [d.document for d in gold]


def test_perfect_system_scores_one(mini_gold: Gold) -> None:
    outcome = run_system(GoldEcho(mini_gold), documents(mini_gold))
    results = score_outcome(mini_gold, outcome)
    assert not validate_results(results)
    assert results["errors"] == []
    assert results["not_attempted"] == ["troop_counts", "stances"]
    for layer in ("entities", "timexes"):
        metrics = results["layers"][layer]["metrics"]
        assert all(v == 1.0 for k, v in metrics.items() if k.endswith(("_f1", "_accuracy"))), (
            layer,
            metrics,
        )


@pytest.mark.parametrize(
    ("misbehave", "message"),
    [
        ("raise", "extract raised RuntimeError: boom"),
        ("hang", "timeout after 0.5 s"),
        ("garbage", "extract returned dict, expected a Prediction"),
        ("bad-items", "end 99999 is beyond the end of the text"),
    ],
)
def test_failures_are_recorded_and_the_run_goes_on(
    mini_gold: Gold, misbehave: str, message: str
) -> None:
    started = time.perf_counter()
    outcome = run_system(GoldEcho(mini_gold, misbehave), documents(mini_gold), timeout=0.5)
    assert time.perf_counter() - started < 10
    assert len(outcome.errors) == 1
    error = outcome.errors[0]
    assert error.doc_id == BAD_DOC and message in error.message
    assert set(outcome.predictions) == set(mini_gold.documents)  # the other document was extracted
    results = score_outcome(mini_gold, outcome)
    assert results["errors"] == [error.to_dict()]
    ents = results["layers"]["entities"]["per_document"]
    assert ents["901_00000000000000b2"]["schemas"]["strict"]["cor"] == 5
    bad = ents[BAD_DOC]["schemas"]["strict"]
    assert bad["cor"] == 0 and bad["mis"] == 7  # the failed document still counts
    if misbehave == "bad-items":
        assert bad["spu"] == 1  # the invalid item is spurious


def test_fail_fast_stops(mini_gold: Gold) -> None:
    with pytest.raises(RunAborted, match="boom"):
        run_system(GoldEcho(mini_gold, "raise"), documents(mini_gold), fail_fast=True)


def test_undeclared_layers_are_ignored(mini_gold: Gold) -> None:
    class Sneaky(GoldEcho):
        layers = ("entities",)

    outcome = run_system(Sneaky(mini_gold), documents(mini_gold))
    assert outcome.layers == ("entities",)
    assert all("layer not declared" in e.message for e in outcome.errors) and outcome.errors
    assert all(p.timexes is None for p in outcome.predictions.values())


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})  # not serialisable: fails mid-way
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize("durable", [True, False])
def test_write_text_atomic_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, durable: bool
) -> None:
    from benchmark.atomic import write_text_atomic

    path = tmp_path / "deep" / "LEADERBOARD.md"
    write_text_atomic(path, "old\n", durable=durable)
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "new\ud800\n", durable=durable)  # fails inside the write
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in path.parent.iterdir()] == ["LEADERBOARD.md"]
    write_text_atomic(path, "new\r\n", durable=durable)
    assert path.read_bytes() == b"new\r\n"


def test_results_path_is_safe(tmp_path: Path) -> None:
    assert results_path(tmp_path, "../../etc/passwd").parent == tmp_path
    assert results_path(tmp_path, "spacy-sm").name == "spacy-sm.json"


def test_results_signature(mini_gold: Gold) -> None:
    results = score_outcome(mini_gold, run_system(GoldEcho(mini_gold), documents(mini_gold)))
    sig = results["signature"]
    assert sig["gold_hash"] == mini_gold.sha256
    assert sig["line"].startswith("troopbench:") and f"gold:{mini_gold.short_hash}" in sig["line"]
    assert set(results["layers"]) | set(results["not_attempted"]) == set(LAYERS)


# ------------------------------------------------------------------ per-unit counts and predictions


def test_results_carry_per_unit_counts_and_rejected_items(mini_gold: Gold) -> None:
    from benchmark.scoring import unit_fields
    from benchmark.units import corpus_units

    outcome = run_system(GoldEcho(mini_gold, "bad-items"), documents(mini_gold))
    results = score_outcome(mini_gold, outcome)
    assert not validate_results(results)
    units = corpus_units([(d, g.document.text) for d, g in mini_gold.documents.items()])
    for layer in ("entities", "timexes"):
        per_unit = results["layers"][layer]["per_unit"]
        assert per_unit["fields"] == list(unit_fields(layer))
        assert list(per_unit["counts"]) == list(units)
        assert all(len(row) == len(per_unit["fields"]) for row in per_unit["counts"].values())
        assert per_unit["consistent"] is True
    assert results["layers"]["entities"]["invalid"] == {BAD_DOC: 1}
    assert results["layers"]["timexes"]["invalid"] == {}
    strict_spu = per_unit_value(results, "entities", f"{BAD_DOC}:unplaced", "strict.spu")
    assert strict_spu == 1  # the rejected item sits in the document's unplaced unit
    assert "unit:paragraph1" in results["signature"]["line"]


def per_unit_value(results: dict, layer: str, unit: str, field: str) -> int:  # type: ignore[type-arg]
    per_unit = results["layers"][layer]["per_unit"]
    return int(per_unit["counts"][unit][per_unit["fields"].index(field)])


def test_count_rows_stay_on_one_line(tmp_path: Path, mini_gold: Gold) -> None:
    results = score_outcome(mini_gold, run_system(GoldEcho(mini_gold), documents(mini_gold)))
    path = tmp_path / "r.json"
    write_json_atomic(path, results)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == results
    row = next(iter(results["layers"]["entities"]["per_unit"]["counts"].values()))
    assert json.dumps(row) in text  # "[0, 1, ...]" on one line
    assert '"format": "troopbench-results/1"' in text  # the rest is indented as before


def test_predictions_file_round_trips_the_score(tmp_path: Path, mini_gold: Gold) -> None:
    from benchmark.error_report import restore_invalid
    from benchmark.predictions import load_predictions
    from benchmark.runner import predictions_path, write_predictions_atomic
    from benchmark.scoring import evaluate

    outcome = run_system(GoldEcho(mini_gold, "bad-items"), documents(mini_gold))
    results = score_outcome(mini_gold, outcome)
    path = predictions_path(tmp_path, "echo")
    assert path.name == "echo.predictions.jsonl"
    write_predictions_atomic(path, outcome.predictions)
    texts = {d: g.document.text for d, g in mini_gold.documents.items()}
    loaded = load_predictions(path, texts)
    assert loaded.errors == ()  # only validated items were written
    again = evaluate(mini_gold, restore_invalid(results, loaded.documents), loaded.attempted())
    for layer in outcome.layers:
        assert {d: c.to_dict() for d, c in again.per_doc[layer].items()} == results["layers"][
            layer
        ]["per_document"]


def test_cli_score_writes_predictions_beside_results(tmp_path: Path, mini_copy: Path) -> None:
    from benchmark.cli import main

    line = {
        "doc_id": BAD_DOC,
        "entities": [
            {"type": "ORG", "start": 0, "end": 8},
            {"type": "ORG", "start": 0, "end": 999},
        ],
    }
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    common = [
        "--results",
        str(tmp_path / "results"),
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
    ]
    # one rejected item: exit 1 (docs/reliability.md, exit codes), and both files are still written
    assert main(["score", str(source), "--name", "cli", *common]) == 1
    written = (
        (tmp_path / "results" / "cli.predictions.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert [json.loads(x) for x in written] == [
        {"doc_id": BAD_DOC, "entities": [{"type": "ORG", "start": 0, "end": 8, "text": "Pentagon"}]}
    ]
    results = json.loads((tmp_path / "results" / "cli.json").read_text(encoding="utf-8"))
    assert results["layers"]["entities"]["invalid"] == {BAD_DOC: 1}


def test_results_validation_reports_what_the_schema_reports(mini_gold: Gold) -> None:
    """validate_results checks plain count rows itself: the problems must be the
    schema's own, row errors included."""
    from benchmark.schemas import schema_validator

    def schema_problems(data: dict) -> list[str]:  # type: ignore[type-arg]
        errors = schema_validator("results").iter_errors(data)
        return [
            f"{'/' + '/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
        ]

    results = score_outcome(mini_gold, run_system(GoldEcho(mini_gold), documents(mini_gold)))
    assert validate_results(results) == schema_problems(results) == []
    damaged = json.loads(json.dumps(results))
    rows = damaged["layers"]["entities"]["per_unit"]["counts"]
    first, second, third = list(rows)[:3]
    rows[first][0] = -1
    rows[first][1] = 1.5
    rows[second] = "x"
    rows[third][2] = True
    rows["no-unit-number"] = [1, 2]
    damaged["layers"]["timexes"]["per_unit"]["counts"] = []
    damaged["system"]["name"] = ""
    problems = validate_results(damaged)
    assert problems == schema_problems(damaged)
    assert len(problems) == 7
