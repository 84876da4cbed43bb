"""Resampling units: boilerplate patterns, placement rules, per-unit scoring."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.layers.entities import PredictedEntity
from benchmark.layers.stances import PredictedStance
from benchmark.layers.timexes import PredictedTimex
from benchmark.layers.troops import PredictedTroopCount
from benchmark.predictions import DocPredictions
from benchmark.runner import build_results
from benchmark.scoring import evaluate, flatten
from benchmark.spans import Span
from benchmark.units import (
    BOILERPLATE_PATTERNS,
    boilerplate_kind,
    corpus_units,
    is_boilerplate,
    segment,
)

SEEDS = Path(__file__).parent.parent / "seeds"
A, B = "900_00000000000000a1", "901_00000000000000b2"


def noisy(gold: Gold, seed: int) -> dict[str, DocPredictions]:
    """Gold-as-predictions with every kind of error planted (deterministic per seed)."""
    rnd = random.Random(seed)
    out = {}
    for doc_id, dp in gold_as_predictions(gold, gold.registry).items():
        text = gold.documents[doc_id].document.text
        ents = []
        for e in dp.entities or ():
            r = rnd.random()
            assert e.span is not None
            if r < 0.2:
                continue  # missed
            if r < 0.35:
                e = dataclasses.replace(e, type=rnd.choice(["ORG", "GPE", "PERSON", "NORP"]))
            elif r < 0.55 and e.span.end - e.span.start > 2:
                span = Span(e.span.start, e.span.end - 1, text[e.span.start : e.span.end - 1])
                e = PredictedEntity(rnd.choice([e.type, "ORG"]), span.text, span)
            ents.append(e)
        start = rnd.randrange(0, len(text) - 10)
        ents += [
            PredictedEntity("ORG", "Baghdad talks", None),  # offset-free, found in 901's title
            PredictedEntity("ORG", "Nowhere Inc", None),  # offset-free, found nowhere
            PredictedEntity(
                "LOC", text[start : start + 5], Span(start, start + 5, text[start : start + 5])
            ),
        ]
        tmx = [
            dataclasses.replace(t, value="2024") if rnd.random() < 0.4 else t
            for t in dp.timexes or ()
        ]
        tmx.append(PredictedTimex("PRESENT_REF", None, "nowhere-to-be-found", None))
        trp = [
            *(dp.troop_counts or ()),
            PredictedTroopCount(900, "Iraq"),
            PredictedTroopCount(7, "Mars"),
        ]
        sts = [
            dataclasses.replace(s, label="NEUTRAL") if rnd.random() < 0.5 else s
            for s in dp.stances or ()
        ]
        sts += [PredictedStance("Lloyd Austin", "FAVOR"), PredictedStance("Nobody Here", "AGAINST")]
        out[doc_id] = dataclasses.replace(
            dp,
            entities=tuple(ents),
            timexes=tuple(tmx),
            troop_counts=tuple(trp),
            stances=tuple(sts),
            invalid={"entities": rnd.randrange(2), "stances": 1, "troop_counts": rnd.randrange(2)},
        )
    return out


# ------------------------------------------------------------------ boilerplate

SPEC_BOILERPLATE = [
    "0 $",
    "2,500 $",
    "5,000 $",
    "115 $",
    "Click to see full-size image",
    "Do you like this content? Consider helping us!",
    "Credit:",
    "1: https://www.washingtonpost.com/national-security/2024/01/25/iraq-syria-pentagon-military/",
    "The Mention Sources Can Contact is to remove/Changing this articles",
    "Leave a Comment",
    "Your email address will not be published. Required fields are marked *",
    "Scroll to Top",
]
GENERIC_BOILERPLATE = [
    "$ 25",
    "10 €",
    "Click here to view the full-size photo.",
    "Please consider supporting us.",
    "Photo credits:",
    "https://example.org/a?b=c",
    "[2] http://example.org",
    "Leave a Reply",
    "Post a comment",
    "Your e-mail address will not be published.",
    "Back to top",
    "  Scroll to Top  ",
]
PROSE = [
    "Around 2,500 American troops in Iraq and 900 in Syria are leading an international coalition.",
    "Mustafa Salim contributed to this report.",
    "Pentagon Says It Won't Withdraw Troops from Iraq",
    "The US has no plans to withdraw troops, the Pentagon said, citing a $5,000 grant.",
    "Credit: the Pentagon said that troops will stay.",
    "See https://example.org for the full statement, the ministry said.",
    "Readers can contact the ministry, which will not remove the troops, the article said.",
    "Leave a comment on the deal, Austin told reporters.",
    "2,500",
]


@pytest.mark.parametrize("line", SPEC_BOILERPLATE + GENERIC_BOILERPLATE)
def test_boilerplate_lines_match(line: str) -> None:
    assert is_boilerplate(line), line


@pytest.mark.parametrize("line", PROSE)
def test_prose_lines_do_not_match(line: str) -> None:
    assert boilerplate_kind(line) is None, line


def test_every_pattern_is_used_by_the_spec_lines() -> None:
    kinds = {boilerplate_kind(line) for line in SPEC_BOILERPLATE}
    assert kinds == {kind for kind, _ in BOILERPLATE_PATTERNS}


@pytest.mark.skipif(not (SEEDS / "001_3a9edc2c992913d8.txt").is_file(), reason="seeds not present")
def test_the_seeds_have_exactly_the_spec_boilerplate() -> None:
    found = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        units = segment(path.stem, text)
        found[path.stem[:3]] = [
            text[line.start : line.end] for line in units.lines if line.kind == "boilerplate"
        ]
    assert found == {
        "000": [],
        "001": [*SPEC_BOILERPLATE[:4], SPEC_BOILERPLATE[4], SPEC_BOILERPLATE[5]],
        "002": [],
        "003": SPEC_BOILERPLATE[6:],
        "004": [],
    }


# ------------------------------------------------------------------ units and placement

TEXT = (
    "Title line\r\n\nFirst paragraph about Iraq, 2,500 troops.\n0 $\n"
    "Second: the PENTAGON said 2500.\n"
)


def test_segmentation_and_ids() -> None:
    units = segment("d", TEXT)
    assert [line.kind for line in units.lines] == [
        "prose",
        "blank",
        "prose",
        "boilerplate",
        "prose",
        "blank",
    ]
    assert units.ids == ("d:1", "d:3", "d:5", "d:unplaced")
    assert TEXT[units.lines[0].start : units.lines[0].end] == "Title line"  # no \r
    assert corpus_units([("d", TEXT), ("e", "x")]) == (*units.ids, "e:1", "e:unplaced")


def test_placement_rules() -> None:
    units = segment("d", TEXT)
    assert units.at(0) == "d:1"
    assert units.at(TEXT.index("Iraq")) == "d:3"
    assert units.at(TEXT.index("0 $")) == "d:unplaced"  # boilerplate
    assert units.at(TEXT.index("\n\n") + 1) == "d:unplaced"  # blank line
    assert units.of_text("pentagon") == "d:5"  # case-insensitive
    assert units.of_text("Iraq") == "d:3"  # the first paragraph where it occurs
    assert units.of_text("Mars") == units.of_text("") == "d:unplaced"
    assert units.of_number(2500) == "d:3"  # "2,500"
    assert units.of_number(500) == "d:unplaced"  # not inside "2,500" or "2500"
    assert units.of_number(0) == "d:unplaced"  # only on the boilerplate line
    assert units.of_spans([TEXT.index("Second"), TEXT.index("First")]) == "d:3"  # earliest
    assert units.of_spans([]) is None


def test_items_are_placed_by_the_documented_rules(mini_gold: Gold) -> None:
    text = mini_gold.documents[A].document.text
    second = text.index("The Pentagon")
    pred = DocPredictions(
        A,
        entities=(
            PredictedEntity("ORG", "parliament", None),
            PredictedEntity("ORG", "Atlantis", None),
        ),
        stances=(
            PredictedStance("Atlantis", "FAVOR", (Span(second, second + 3, "The"),)),
            PredictedStance("US", "FAVOR"),  # no evidence: first paragraph naming "US" (the title)
            PredictedStance("Atlantis Council", "AGAINST"),  # no evidence, name nowhere
        ),
        invalid={"entities": 2},
    )
    ev = evaluate(mini_gold, {A: pred}, frozenset({"entities", "stances"}))
    ents = {u: c for u, c in ev.per_unit["entities"].items() if u.startswith(A)}
    # "parliament" occurs in paragraph 2; "Atlantis" nowhere; rejected items unplaced
    assert ents[f"{A}:2"].schemas["strict"].spu == 1
    assert ents[f"{A}:unplaced"].schemas["strict"].spu == 1 + 2
    stn = ev.per_unit["stances"]
    assert stn[f"{A}:2"].tuples.fp == 1  # by its evidence
    assert stn[f"{A}:1"].tuples.fp == 1  # "US" is first named in the title
    assert stn[f"{A}:unplaced"].tuples.fp == 1
    # gold stances are placed by their first evidence span (both in paragraph 2): missed there
    assert stn[f"{A}:2"].tuples.fn == 2 and stn[f"{A}:1"].tuples.fn == 0


# ------------------------------------------------------------------ per-unit sums


def _systems(gold: Gold) -> dict[str, dict[str, DocPredictions]]:
    return {
        "perfect": gold_as_predictions(gold, gold.registry),
        "empty": {},
        **{f"noisy{seed}": noisy(gold, seed) for seed in range(8)},
    }


def test_units_sum_to_document_totals_for_every_count(mini_gold: Gold) -> None:
    """Span-level counts by partition, set-level counts by attribution: every field sums."""
    for name, preds in _systems(mini_gold).items():
        ev = evaluate(mini_gold, preds, frozenset(LAYERS))
        assert ev.units == corpus_units(
            [(d, g.document.text) for d, g in mini_gold.documents.items()]
        )
        for layer in LAYERS:
            assert list(ev.per_unit[layer]) == list(ev.units)
            for doc_id in mini_gold.documents:
                rows = [
                    flatten(layer, c) for u, c in ev.per_unit[layer].items() if u.startswith(doc_id)
                ]
                summed = tuple(sum(col) for col in zip(*rows, strict=True))
                assert summed == flatten(layer, ev.per_doc[layer][doc_id]), (name, layer, doc_id)
        results = build_results(mini_gold, system=name, version="1", evaluation=ev, errors=[])
        assert all(results["layers"][layer]["per_unit"]["consistent"] for layer in LAYERS)


def test_span_level_counts_come_from_matching_per_unit(mini_gold: Gold) -> None:
    """A prediction in another paragraph than its gold twin cannot match it."""
    text = mini_gold.documents[A].document.text
    title_pentagon = Span(0, 8, "Pentagon")
    gold_first = mini_gold.documents[A].entities[0]
    assert gold_first.span == title_pentagon
    pred = DocPredictions(A, entities=(PredictedEntity("ORG", "Pentagon", title_pentagon),))
    ev = evaluate(mini_gold, {A: pred}, frozenset({"entities"}))
    assert ev.per_unit["entities"][f"{A}:1"].schemas["strict"].cor == 1
    assert ev.per_unit["entities"][f"{A}:2"].schemas["strict"].cor == 0
    assert text.index("\n") > 8


def test_a_predicted_span_across_a_line_break_is_flagged(mini_gold: Gold) -> None:
    """The documented exception: such a span is placed by its start and matched there only."""
    text = mini_gold.documents[A].document.text
    newline = text.index("\n")
    span = Span(newline, newline + 9, text[newline : newline + 9])  # "\nThe Pent"
    pred = DocPredictions(A, entities=(PredictedEntity("ORG", span.text, span),))
    ev = evaluate(mini_gold, {A: pred}, frozenset({"entities"}))
    assert (
        ev.per_doc["entities"][A].schemas["partial"].par == 1
    )  # document level: overlaps "Pentagon"
    assert (
        ev.per_unit["entities"][f"{A}:unplaced"].schemas["partial"].spu == 1
    )  # per unit: spurious
    results = build_results(mini_gold, system="x", version="1", evaluation=ev, errors=[])
    assert results["layers"]["entities"]["per_unit"]["consistent"] is False
