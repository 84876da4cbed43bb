"""The committed gold: pinned counts and spot-checked records, so an accidental
edit fails CI; and the gold scored as a system gets 1.0 everywhere."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

import benchmark
from benchmark.agreement import gold_as_predictions
from benchmark.gold import Gold, validate_gold
from benchmark.layers import LAYERS
from benchmark.layers.stances import resolve_holder
from benchmark.scoring import evaluate


@pytest.fixture(scope="module")
def gold() -> Gold:
    return benchmark.load_gold()


def test_gold_validates() -> None:
    assert validate_gold() == []


# (entities, timexes, troop_counts, stances) per document
COUNTS = {
    "000_cfbd3f9e2e2eb4de": (76, 11, 1, 4),
    "001_3a9edc2c992913d8": (73, 7, 1, 9),
    "002_3909ecee38eeaec9": (91, 8, 2, 6),
    "003_5d9fcba85c3d5cb5": (104, 18, 3, 6),
    "004_548f20d3808859fa": (52, 6, 1, 5),
}


@pytest.mark.parametrize(("doc_id", "counts"), COUNTS.items())
def test_counts_per_layer_per_document(
    gold: Gold, doc_id: str, counts: tuple[int, int, int, int]
) -> None:
    doc = gold.documents[doc_id]
    assert (len(doc.entities), len(doc.timexes), len(doc.troop_counts), len(doc.stances)) == counts


def test_corpus_totals(gold: Gold) -> None:
    assert list(gold.documents) == sorted(COUNTS)
    assert len(gold.registry.entries) == 78
    assert len(gold.registry.metonyms) == 2
    types = Counter(m.type for d in gold for m in d.entities)
    assert types == {
        "GPE": 191,
        "ORG": 77,
        "NORP": 72,
        "PERSON": 50,
        "LOC": 2,
        "FAC": 3,
        "EVENT": 1,
    }
    assert Counter(s.label for d in gold for s in d.stances) == {
        "FAVOR": 14,
        "AGAINST": 11,
        "NEUTRAL": 5,
    }


@pytest.mark.parametrize(
    ("doc_id", "dct", "certainty", "title"),
    [
        (
            "000_cfbd3f9e2e2eb4de",
            "2024-01-08",
            "inferred",
            "US has no plans to withdraw troops from Iraq, Pentagon says",
        ),
        (
            "001_3a9edc2c992913d8",
            "2020-01-16",
            "inferred",
            "Pentagon Says It Won’t Withdraw Troops from Iraq",
        ),
        (
            "002_3909ecee38eeaec9",
            "2024-01-25",
            "inferred",
            "Pentagon says US received no request to quit Iraq",
        ),
        (
            "003_5d9fcba85c3d5cb5",
            "2024-01-25",
            "stated",
            "U.S. signals it is open to withdrawing some troops from Iraq",
        ),
        (
            "004_548f20d3808859fa",
            "2020-01-06",
            "inferred",
            "Pentagon denies reports on US pullback from Iraq",
        ),
    ],
)
def test_metadata(gold: Gold, doc_id: str, dct: str, certainty: str, title: str) -> None:
    doc = gold.documents[doc_id].document
    assert doc.dct == dt.date.fromisoformat(dct)
    assert doc.dct_certainty == certainty
    assert doc.title == title
    assert doc.dct_evidence


@pytest.mark.parametrize(
    ("doc_id", "start", "end", "text", "type_", "entity"),
    [
        ("000_cfbd3f9e2e2eb4de", 0, 2, "US", "GPE", "us"),
        ("004_548f20d3808859fa", 420, 422, "IS", "ORG", "isis"),
        ("004_548f20d3808859fa", 49, 59, "Washington", "GPE", "washington"),
        # revision 2 (gold/ADJUDICATION.md R4, R5, R6)
        ("001_3a9edc2c992913d8", 1089, 1094, "Iraqi", "NORP", "iraqi"),
        ("002_3909ecee38eeaec9", 2473, 2483, "Gaza Strip", "GPE", "gaza"),
        ("004_548f20d3808859fa", 1794, 1809, "Baghdad airport", "FAC", "baghdad_airport"),
    ],
)
def test_entity_spot_checks(
    gold: Gold, doc_id: str, start: int, end: int, text: str, type_: str, entity: str
) -> None:
    mentions = {(m.span.start, m.span.end): m for m in gold.documents[doc_id].entities}
    m = mentions[start, end]
    assert (m.span.text, m.type, m.entity) == (text, type_, entity)


@pytest.mark.parametrize(
    ("doc_id", "text", "value", "type_", "mod"),
    [
        (
            "000_cfbd3f9e2e2eb4de",
            "this week",
            "2024-W02",
            "DATE",
            None,
        ),  # resolved mechanically (guidelines)
        # revision 2 (R7): two timexes, as in TimeML
        ("000_cfbd3f9e2e2eb4de", "Days", "PXD", "DURATION", None),
        ("000_cfbd3f9e2e2eb4de", "Christmas", "2023-12-25", "DATE", None),
        ("002_3909ecee38eeaec9", "the next few days", "PXD", "DURATION", None),  # R8 kept
        ("001_3a9edc2c992913d8", "late December 2019", "2019-12", "DATE", "END"),
        ("001_3a9edc2c992913d8", "every day", "P1D", "SET", None),
        ("002_3909ecee38eeaec9", "This week", "2024-W04", "DATE", None),
        ("003_5d9fcba85c3d5cb5", "two decades", "P20Y", "DURATION", None),
        ("003_5d9fcba85c3d5cb5", "the fall", "2023-FA", "DATE", None),
        ("004_548f20d3808859fa", "a day", "P1D", "DURATION", None),
    ],
)
def test_timex_spot_checks(
    gold: Gold, doc_id: str, text: str, value: str, type_: str, mod: str | None
) -> None:
    found = [t for t in gold.documents[doc_id].timexes if t.span.text == text]
    assert found, text
    assert (found[0].value, found[0].type, found[0].mod) == (value, type_, mod)


def test_troop_counts(gold: Gold) -> None:
    rows = sorted(
        (d.doc_id[:3], c.span.text, c.value, c.qualifier, c.force, c.location, c.time)
        for d in gold
        for c in d.troop_counts
    )
    assert rows == [
        ("000", "2,500", 2500, "exact", "us", "iraq", "current"),
        ("001", "5,000", 5000, "approximately", "us", "iraq", "current"),
        ("002", "2,500", 2500, "approximately", "us", "iraq", "current"),
        ("002", "900", 900, "approximately", "us", "syria", "current"),  # R9
        ("003", "170,000", 170000, "more_than", "us", "iraq", "historical"),
        ("003", "2,500", 2500, "approximately", "us", "iraq", "current"),
        ("003", "900", 900, "exact", "us", "syria", "current"),
        ("004", "5,000", 5000, "more_than", "us", "iraq", "current"),
    ]


@pytest.mark.parametrize(
    ("doc_id", "holder", "label", "evidence_start"),
    [
        ("000_cfbd3f9e2e2eb4de", "pat_ryder", "AGAINST", "I’m not aware of any plans"),
        ("001_3a9edc2c992913d8", "muqtada_al_sadr", "FAVOR", "demanded that Iraqis stage"),
        ("001_3a9edc2c992913d8", "us", "NEUTRAL", "remains in discussion with Iraq"),
        ("002_3909ecee38eeaec9", "sabrina_singh", "AGAINST", "We've received no request"),
        ("003_5d9fcba85c3d5cb5", "lloyd_austin", "NEUTRAL", "left the door open Thursday"),
        ("004_548f20d3808859fa", "william_seely", "FAVOR", "In due deference"),
        # revision 2: R1 (new record), R2 (holder name cut from the evidence)
        ("003_5d9fcba85c3d5cb5", "iraq", "NEUTRAL", "is announcing “the success"),
        ("002_3909ecee38eeaec9", "iraq", "FAVOR", "contrary to statements"),
    ],
)
def test_stance_spot_checks(
    gold: Gold, doc_id: str, holder: str, label: str, evidence_start: str
) -> None:
    stances = {s.holder: s for s in gold.documents[doc_id].stances}
    s = stances[holder]
    assert s.label == label
    assert s.evidence[0].text.startswith(evidence_start)
    assert s.holder_mentions


def test_no_annotation_in_boilerplate(gold: Gold) -> None:
    text = gold.documents["001_3a9edc2c992913d8"].document.text
    buttons_end = text.index("Pentagon Says It Won’t")
    footer = text.index("Do you like this content?")
    doc = gold.documents["001_3a9edc2c992913d8"]
    for item in [*doc.entities, *doc.timexes, *doc.troop_counts]:
        assert buttons_end <= item.span.start < footer, item
    text3 = gold.documents["003_5d9fcba85c3d5cb5"].document.text
    credit = text3.index("Credit:")
    doc3 = gold.documents["003_5d9fcba85c3d5cb5"]
    for item in [*doc3.entities, *doc3.timexes, *doc3.troop_counts]:
        assert item.span.end <= credit, item


def test_gold_scored_as_a_system_is_perfect(gold: Gold) -> None:
    evaluation = evaluate(gold, gold_as_predictions(gold, gold.registry), frozenset(LAYERS))
    for layer in LAYERS:
        metrics = evaluation.metrics(layer)
        scores = {k: v for k, v in metrics.items() if isinstance(v, float)}
        assert scores and all(v == 1.0 for v in scores.values()), (layer, scores)
        assert metrics["empty_denominators"] == []
    per_type = evaluation.metrics("entities")["per_type"]
    assert all(v == 1.0 for by_schema in per_type.values() for v in by_schema.values())


def test_no_holder_mention_inside_its_own_evidence(gold: Gold) -> None:
    # guidelines 8.6 (A2): the holder's name is never part of its evidence
    for doc in gold:
        for s in doc.stances:
            for m in s.holder_mentions:
                for e in s.evidence:
                    assert not (e.start <= m.start and m.end <= e.end), (doc.doc_id, s.holder, m)


def test_every_holder_mention_resolves_to_its_holder(gold: Gold) -> None:
    # a system naming a holder as the article names it is right: through the
    # document's declared metonyms, then the registry (never the gold stances)
    for doc in gold:
        metonyms = gold.registry.metonym_index(doc.doc_id)
        for s in doc.stances:
            for m in s.holder_mentions:
                resolved = resolve_holder(m.text, metonyms, gold.registry.index)
                assert resolved == s.holder, (doc.doc_id, m.text, resolved, s.holder)
