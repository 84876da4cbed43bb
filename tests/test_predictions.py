"""Prediction files: a catalogue of broken inputs, each reported and counted as spurious."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.predictions import Prediction, load_predictions, parse_prediction
from benchmark.scoring import evaluate

DOC = "900_00000000000000a1"
TEXT = "Pentagon denies US pullback from Iraq\n"


@pytest.mark.parametrize(
    ("raw", "pointer", "message"),
    [
        (
            {"doc_id": DOC, "entities": [{"type": "ORG"}]},
            "/entities/0",
            "is not valid under any of the given schemas",
        ),
        (
            {"doc_id": DOC, "entities": [{"type": "ORG", "start": 0}]},
            "/entities/0",
            "'end' is a dependency of 'start'",
        ),
        (
            {"doc_id": DOC, "entities": [{"type": "ORG", "start": 0, "end": 999}]},
            "/entities/0",
            "end 999 is beyond the end",
        ),
        (
            {"doc_id": DOC, "entities": [{"type": "ORG", "start": 5, "end": 5}]},
            "/entities/0",
            "empty or inverted span",
        ),
        (
            {
                "doc_id": DOC,
                "entities": [{"type": "ORG", "start": 0, "end": 8, "text": "Pentagram"}],
            },
            "/entities/0",
            "text 'Pentagram' does not match the document at [0:8], which reads 'Pentagon'",
        ),
        (
            {"doc_id": DOC, "timexes": [{"text": "Monday"}]},
            "/timexes/0",
            "'value' is a required property",
        ),
        (
            {"doc_id": DOC, "timexes": [{"value": "2024", "text": "x", "type": "WHEN"}]},
            "/timexes/0/type",
            "'WHEN' is not a TIMEX3 type (allowed: DATE, TIME, DURATION, SET)",
        ),
        (
            {"doc_id": DOC, "troop_counts": [{"value": "2,500", "location": "Iraq"}]},
            "/troop_counts/0/value",
            "is not of type 'integer'",
        ),
        (
            {"doc_id": DOC, "troop_counts": [{"value": 2500}]},
            "/troop_counts/0",
            "'location' is a required property",
        ),
        (
            {"doc_id": DOC, "stances": [{"holder": "US", "label": "pro"}]},
            "/stances/0/label",
            "'pro' is not a stance label (allowed: FAVOR, AGAINST, NEUTRAL)",
        ),
        (
            {
                "doc_id": DOC,
                "stances": [
                    {"holder": "US", "label": "AGAINST", "evidence": [{"start": 0, "end": 500}]}
                ],
            },
            "/stances/0",
            "end 500 is beyond the end",
        ),
        ({"doc_id": DOC, "entities": "Pentagon"}, "/entities", "expected a list, got str"),
        ({"doc_id": DOC, "relations": []}, "", "unknown key(s) relations"),
    ],
)
def test_bad_items_are_reported_and_counted_spurious(
    raw: dict[str, Any], pointer: str, message: str
) -> None:
    parsed, errors = parse_prediction(raw, TEXT, "preds.jsonl")
    assert errors, "expected a rejection"
    assert any(e.pointer == pointer and message in e.message for e in errors), [
        str(e) for e in errors
    ]
    assert str(errors[0]).startswith(f"preds.jsonl: {DOC}: ")
    if pointer:
        layer = pointer.split("/")[1]
        assert parsed.invalid.get(layer, 0) == 1


def test_not_an_object() -> None:
    parsed, errors = parse_prediction(["x"], TEXT, "s")
    assert errors[0].message == "expected a JSON object, got list"
    assert parsed.attempted() == frozenset()


def test_offsets_only_and_text_only_items() -> None:
    raw = {
        "doc_id": DOC,
        "entities": [{"type": "ORG", "start": 0, "end": 8}, {"type": "GPE", "text": "Iraq"}],
    }
    parsed, errors = parse_prediction(raw, TEXT, "s")
    assert not errors
    assert parsed.entities is not None
    assert parsed.entities[0].text == "Pentagon" and parsed.entities[0].span is not None
    assert parsed.entities[1].span is None and parsed.entities[1].text == "Iraq"


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_file_level_problems(tmp_path: Path, mini_gold: Gold) -> None:
    texts = {d: g.document.text for d, g in mini_gold.documents.items()}
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            "{oops",
            {"doc_id": "nope", "entities": []},
            {"doc_id": DOC, "entities": []},
            {"doc_id": DOC, "entities": []},
        ],
    )
    loaded = load_predictions(path, texts)
    messages = [str(e) for e in loaded.errors]
    assert messages[0].startswith("p.jsonl: line 1: /: not valid JSON")
    assert "p.jsonl: line 2: /doc_id: unknown doc_id 'nope'" in messages[1]
    assert (
        messages[2] == f"p.jsonl: line 4: /doc_id: second line for {DOC}; only the first is scored"
    )
    assert set(loaded.documents) == {DOC}


def test_garbage_never_raises_a_score(mini_gold: Gold) -> None:
    texts = {d: g.document.text for d, g in mini_gold.documents.items()}
    perfect = gold_as_predictions(mini_gold, mini_gold.registry)
    base = evaluate(mini_gold, perfect, frozenset(LAYERS)).metrics("entities")["strict_precision"]
    doc = mini_gold.documents[DOC]
    raw = {
        "doc_id": DOC,
        "entities": [
            {"type": m.type, "start": m.span.start, "end": m.span.end} for m in doc.entities
        ],
    }
    raw["entities"].append({"type": "ORG", "start": 0, "end": 4000})
    parsed, errors = parse_prediction(raw, texts[DOC], "s")
    assert len(errors) == 1
    scored = evaluate(mini_gold, {**perfect, DOC: parsed}, frozenset({"entities"})).metrics(
        "entities"
    )
    assert scored["strict_precision"] < base == 1.0


def test_cli_score_predictions_file(
    tmp_path: Path, mini_copy: Path, mini_gold: Gold, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = mini_gold.documents[DOC]
    lines = [
        {
            "doc_id": DOC,
            "entities": [{"type": m.type, "text": m.span.text} for m in doc.entities],
            "timexes": [
                {"value": t.value, "start": t.span.start, "end": t.span.end} for t in doc.timexes
            ],
        }
    ]
    path = write_jsonl(tmp_path / "mine.jsonl", lines)
    results = tmp_path / "results"
    code = main(
        [
            "score",
            str(path),
            "--name",
            "mine",
            "--results",
            str(results),
            "--gold",
            str(mini_copy / "gold"),
            "--seeds",
            str(mini_copy / "seeds"),
        ]
    )
    assert code == 0
    data = json.loads((results / "mine.json").read_text(encoding="utf-8"))
    assert data["not_attempted"] == ["troop_counts", "stances"]
    ents = data["layers"]["entities"]["metrics"]
    # document 900 named everything (offset-free), document 901 was skipped: it still counts
    assert ents["offset_free_precision"] == 1.0
    # ids per document: 900 {pentagon, us, iraq, american}, 901 {baghdad, us, syria, lloyd_austin}
    assert ents["offset_free_recall"] == pytest.approx(4 / 8)
    assert ents["strict_f1"] == 0.0 and ents["unanchored"] == 7
    tmx = data["layers"]["timexes"]["metrics"]
    assert tmx["value_recall"] == pytest.approx(2 / 4)
    assert "not attempted" in capsys.readouterr().out


def test_troop_prediction_without_location_round_trips() -> None:
    from benchmark.predictions import TroopPrediction

    pred = Prediction(DOC, troop_counts=[TroopPrediction(value=900, location=None)])
    raw = pred.to_json()
    assert raw["troop_counts"] == [{"value": 900, "location": None}]
    parsed, errors = parse_prediction(raw, TEXT, "s")
    assert errors == []
    assert parsed.troop_counts is not None and parsed.troop_counts[0].location is None
