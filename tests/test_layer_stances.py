"""Stance matcher: hand-computed tables, label metrics, holder resolution."""

from __future__ import annotations

import pytest

from benchmark.aliases import AliasIndex
from benchmark.layers.stances import (
    CONFLICT,
    PredictedStance,
    Stance,
    StanceCounts,
    match_stances,
    resolve_holder,
)
from benchmark.metrics import PRF, Accuracy
from benchmark.spans import Span


def g(holder: str, label: str, mention: str = "X") -> Stance:
    return Stance(holder, (Span(0, len(mention), mention),), label, (Span(0, 1, "x"),))


def p(holder: str, label: str) -> PredictedStance:
    return PredictedStance(holder, label)


@pytest.mark.parametrize(
    ("gold", "pred", "tuples", "holders", "pairs"),
    [
        (
            [g("us", "AGAINST")],
            [p("us", "AGAINST")],
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            (("AGAINST", "AGAINST"),),
        ),
        # right holder, wrong label
        (
            [g("us", "AGAINST")],
            [p("us", "FAVOR")],
            PRF(0, 1, 1),
            PRF(1, 0, 0),
            (("AGAINST", "FAVOR"),),
        ),
        # hedging: two labels for one holder -> CONFLICT, one tuple right, one wrong
        (
            [g("us", "AGAINST")],
            [p("us", "AGAINST"), p("us", "FAVOR")],
            PRF(1, 1, 0),
            PRF(1, 0, 0),
            (("AGAINST", CONFLICT),),
        ),
        # duplicate identical predictions are one tuple
        (
            [g("us", "AGAINST")],
            [p("us", "AGAINST"), p("us", "AGAINST")],
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            (("AGAINST", "AGAINST"),),
        ),
        # missed holder and spurious holder
        ([g("iraq", "FAVOR")], [p("?someone", "FAVOR")], PRF(0, 1, 1), PRF(0, 1, 1), ()),
        ([], [], PRF(), PRF(), ()),
    ],
)
def test_stance_table(gold, pred, tuples, holders, pairs) -> None:  # type: ignore[no-untyped-def]
    counts = match_stances(gold, pred)
    assert counts.tuples == tuples
    assert counts.holders == holders
    assert counts.label_pairs == pairs


def test_label_metrics_and_f_avg() -> None:
    gold = [
        g("us", "AGAINST"),
        g("iraq", "FAVOR"),
        g("pentagon", "AGAINST"),
        g("austin", "NEUTRAL"),
    ]
    pred = [p("us", "AGAINST"), p("iraq", "AGAINST"), p("pentagon", "AGAINST"), p("sadr", "FAVOR")]
    c = match_stances(gold, pred)
    # tuples: gold 4, pred 4, tp 2 (us, pentagon)
    assert c.tuples == PRF(2, 2, 2)
    assert c.label_accuracy == Accuracy(2, 3)  # us ok, iraq wrong, pentagon ok
    # AGAINST tuples: gold {us, pentagon}, pred {us, iraq, pentagon}: P 2/3 R 1 F1 0.8
    assert c.per_label["AGAINST"] == PRF(2, 1, 0)
    # FAVOR tuples: gold {iraq}, pred {sadr}: F1 0
    assert c.per_label["FAVOR"] == PRF(0, 1, 1)
    assert c.f_avg() == pytest.approx((0.8 + 0.0) / 2)
    # macro-F1 over labels on pairs (AGAINST,AGAINST), (FAVOR,AGAINST), (AGAINST,AGAINST):
    # AGAINST: P 2/3 R 1 F1 0.8; FAVOR: P 0 (0/0) R 0 F1 0 -> 0.4
    assert c.label_macro_f1() == pytest.approx(0.4)


def test_stance_counts_add_and_round_trip() -> None:
    a = match_stances([g("us", "AGAINST")], [p("us", "AGAINST")])
    b = match_stances([g("iraq", "FAVOR")], [p("iraq", "NEUTRAL")])
    total = a + b
    assert total.tuples == PRF(1, 1, 1)
    assert total.label_pairs == (("AGAINST", "AGAINST"), ("FAVOR", "NEUTRAL"))
    assert StanceCounts.from_dict(total.to_dict()) == total


def test_holder_resolution_metonyms_then_registry_never_the_gold() -> None:
    # the document declares "Baghdad" a metonym of iraq; the registry knows the city
    metonyms = AliasIndex.build({"iraq": ["Baghdad"]})
    registry = AliasIndex.build(
        {"baghdad": ["Baghdad"], "iraq": ["Iraq", "Iraqi government"], "us": ["US", "U.S."]}
    )
    assert resolve_holder("Baghdad's", metonyms, registry) == "iraq"
    assert resolve_holder("Baghdad", AliasIndex.build({}), registry) == "baghdad"
    assert resolve_holder("the Iraqi government", metonyms, registry) == "iraq"
    assert resolve_holder("U.S.", metonyms, registry) == "us"
    assert resolve_holder("Nobody Known", metonyms, registry) == "?nobody known"
