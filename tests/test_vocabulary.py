"""Closed vocabularies: a value outside one is a rejected item named with the nearest value.

Checked at every way in: the validator (unit), ``troopbench score`` (exit 1, the
results file lists it) and ``troopbench run`` (exit 1, recorded); the pytest
plugin is covered in ``test_pytest_plugin.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from benchmark.layers.entities import ENTITY_TYPES
from benchmark.layers.stances import LABELS
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES
from benchmark.layers.troops import QUALIFIERS, TIMES
from benchmark.predictions import parse_prediction
from benchmark.vocabulary import VOCABULARIES, nearest

MINI = Path(__file__).parent / "fixtures" / "mini"
DOC = "900_00000000000000a1"
TEXT = (MINI / "seeds" / f"{DOC}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "allowed", "expected"),
    [
        # the four silent cases
        ("PERSN", ENTITY_TYPES, "PERSON"),
        ("Person", ENTITY_TYPES, "PERSON"),
        ("ORGANIZATION", ENTITY_TYPES, "ORG"),
        ("gpe", ENTITY_TYPES, "GPE"),
        # prefixes either way, spelling variants
        ("ORGANISATION", ENTITY_TYPES, "ORG"),
        ("LOCATION", ENTITY_TYPES, "LOC"),
        ("FACILITY", ENTITY_TYPES, "FAC"),
        ("PER", ENTITY_TYPES, "PERSON"),
        ("EVENTS", ENTITY_TYPES, "EVENT"),
        # nothing close: no guess
        ("MISC", ENTITY_TYPES, None),
        ("DATE", ENTITY_TYPES, None),
        ("", ENTITY_TYPES, None),
        ("favour", LABELS, "FAVOR"),
        ("Neutral", LABELS, "NEUTRAL"),
        ("pro", LABELS, None),
        ("more than", QUALIFIERS, "more_than"),
        ("approximate", QUALIFIERS, "approximately"),
        ("about", QUALIFIERS, None),
        ("historic", TIMES, "historical"),
        ("date", TIMEX_TYPES, "DATE"),
        ("APPROXIMATELY", TIMEX_MODS, "APPROX"),
        ("on or after", TIMEX_MODS, "ON_OR_AFTER"),
    ],
)
def test_nearest(value: str, allowed: tuple[str, ...], expected: str | None) -> None:
    assert nearest(value, allowed) == expected


def test_every_closed_field_of_the_schema_is_checked() -> None:
    """The vocabularies here are the schema's enums, field for field."""
    schema = json.loads(
        (Path(__file__).parents[1] / "benchmark/schemas/predictions.schema.json").read_text()
    )
    definitions = {
        "entities": "entity",
        "timexes": "timex",
        "troop_counts": "troopCount",
        "stances": "stance",
    }
    for layer, name in definitions.items():
        enums = {
            field: tuple(spec["enum"])
            for field, spec in schema["$defs"][name]["properties"].items()
            if isinstance(spec, dict) and "enum" in spec
        }
        assert enums == {v.field: v.values for v in VOCABULARIES[layer]}, layer


def _item(layer: str, field: str = "", value: str = "") -> dict[str, Any]:
    """A valid item of ``layer``, with ``field`` set to ``value`` if given."""
    base: dict[str, dict[str, Any]] = {
        "entities": {"type": "GPE", "text": "Iraq"},
        "timexes": {"value": "2024", "text": "2024"},
        "troop_counts": {"value": 2500, "location": "Iraq"},
        "stances": {"holder": "US", "label": "FAVOR"},
    }
    return {**base[layer], field: value} if field else base[layer]


CASES = [
    (
        "entities",
        "type",
        "PERSN",
        "'PERSN' is not an entity type; did you mean PERSON? "
        "(allowed: PERSON, NORP, ORG, GPE, LOC, FAC, EVENT)",
    ),
    (
        "entities",
        "type",
        "MISC",
        "'MISC' is not an entity type (allowed: PERSON, NORP, ORG, GPE, LOC, FAC, EVENT)",
    ),
    (
        "timexes",
        "type",
        "Date",
        "'Date' is not a TIMEX3 type; did you mean DATE? (allowed: DATE, TIME, DURATION, SET)",
    ),
    ("timexes", "mod", "ABOUT", "'ABOUT' is not a TIMEX3 mod (allowed: BEFORE, AFTER, "),
    (
        "troop_counts",
        "qualifier",
        "approx",
        "'approx' is not a troop-count qualifier; did you mean approximately? "
        "(allowed: exact, approximately, more_than, less_than)",
    ),
    (
        "troop_counts",
        "time",
        "now",
        "'now' is not a troop-count time (allowed: current, historical, planned)",
    ),
    (
        "stances",
        "label",
        "AGAINS",
        "'AGAINS' is not a stance label; did you mean AGAINST? (allowed: FAVOR, AGAINST, NEUTRAL)",
    ),
]


@pytest.mark.parametrize(("layer", "field", "value", "message"), CASES)
def test_a_value_outside_the_vocabulary_is_rejected_and_named(
    layer: str, field: str, value: str, message: str
) -> None:
    good = _item(layer)
    parsed, errors = parse_prediction(
        {"doc_id": DOC, layer: [_item(layer, field, value), good]}, TEXT, "p.jsonl"
    )
    assert [(e.pointer, e.message[: len(message)]) for e in errors] == [
        (f"/{layer}/0/{field}", message)
    ]
    assert parsed.invalid == {layer: 1}  # counted as spurious
    assert len(getattr(parsed, layer)) == 1  # the good item is kept


def test_a_value_of_another_json_type_is_left_to_the_schema() -> None:
    _, errors = parse_prediction(
        {"doc_id": DOC, "entities": [{"type": 5, "text": "Iraq"}]}, TEXT, "p.jsonl"
    )
    assert [e.pointer for e in errors] == ["/entities/0/type"]
    assert "5 is not one of" in errors[0].message


# ------------------------------------------------------------ the command line


def _troopbench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TROOPBENCH_CACHE_DIR": str(cwd / "cache")}
    gold = ["--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds")]
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args, *gold],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


PERSN = "'PERSN' is not an entity type; did you mean PERSON?"


def test_score_exits_1_and_the_results_list_the_value(tmp_path: Path) -> None:
    line = {"doc_id": DOC, "entities": [{"type": "PERSN", "text": "Lloyd Austin"}]}
    (tmp_path / "p.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    done = _troopbench(tmp_path, "score", "p.jsonl", "--name", "mine")
    assert done.returncode == 1, done.stderr
    assert f"p.jsonl line 1: {DOC}: /entities/0/type: {PERSN}" in done.stderr
    results = json.loads((tmp_path / "results" / "mine.json").read_text(encoding="utf-8"))
    assert [(e["item"], e["message"][: len(PERSN)]) for e in results["errors"]] == [
        ("/entities/0/type", PERSN)
    ]


MISSPELLED = """
    from benchmark.predictions import EntityPrediction, Prediction

    class System:
        name = "misspelled"
        version = "1"
        layers = ("entities",)

        def extract(self, document):
            at = document.text.index("US")
            return Prediction(document.doc_id, entities=[
                EntityPrediction("PERSN", at, at + 4), EntityPrediction("GPE", at, at + 4)])
"""


def test_run_exits_1_and_records_the_value(tmp_path: Path) -> None:
    (tmp_path / "misspelled.py").write_text(textwrap.dedent(MISSPELLED), encoding="utf-8")
    done = _troopbench(tmp_path, "run", "misspelled:System", "--no-leaderboard")
    assert done.returncode == 1, done.stderr
    assert f"recorded: misspelled: {DOC}: /entities/0/type: {PERSN}" in done.stderr
    # one line per message, however many items carry it
    assert done.stderr.count(PERSN) == 1
    assert "... and 1 more with this message" in done.stderr
    assert "misspelled predicted 2 item(s) outside the prediction format" in done.stderr
    results = json.loads((tmp_path / "results" / "misspelled.json").read_text(encoding="utf-8"))
    assert [e["item"] for e in results["errors"]] == ["/entities/0/type"] * 2
    assert results["layers"]["entities"]["invalid"] == {DOC: 1, "901_00000000000000b2": 1}
