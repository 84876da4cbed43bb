"""Troop-count matcher: hand-computed tables."""

from __future__ import annotations

import random

import pytest

from benchmark.layers.troops import PredictedTroopCount, TroopCount, match_troops
from benchmark.metrics import PRF, Accuracy
from benchmark.spans import Span


def g(
    value: int,
    location: str | None,
    qualifier: str = "exact",
    force: str | None = "us",
    time: str = "current",
    start: int = 0,
) -> TroopCount:
    return TroopCount(Span(start, start + 3, "abc"), value, qualifier, force, location, time)


def p(
    value: int,
    location: str | None,
    qualifier: str | None = "exact",
    force: str | None = "us",
    time: str | None = "current",
) -> PredictedTroopCount:
    return PredictedTroopCount(value, location, force, qualifier, time)


@pytest.mark.parametrize(
    ("gold", "pred", "tuples", "qualifier", "force", "time"),
    [
        (
            [g(2500, "iraq")],
            [p(2500, "iraq")],
            PRF(1, 0, 0),
            Accuracy(1, 1),
            Accuracy(1, 1),
            Accuracy(1, 1),
        ),
        # wrong location: a miss and a false positive
        ([g(2500, "iraq")], [p(2500, "syria")], PRF(0, 1, 1), Accuracy(), Accuracy(), Accuracy()),
        # right tuple, wrong qualifier and missing time
        (
            [g(2500, "iraq", "approximately")],
            [p(2500, "iraq", "exact", time=None)],
            PRF(1, 0, 0),
            Accuracy(0, 1),
            Accuracy(1, 1),
            Accuracy(0, 1),
        ),
        # multiset: the same tuple twice in gold, predicted three times
        (
            [g(2500, "iraq"), g(2500, "iraq", start=50)],
            [p(2500, "iraq")] * 3,
            PRF(2, 1, 0),
            Accuracy(2, 2),
            Accuracy(2, 2),
            Accuracy(2, 2),
        ),
        # unresolved location never matches
        ([g(900, "syria")], [p(900, "?syrai")], PRF(0, 1, 1), Accuracy(), Accuracy(), Accuracy()),
        ([], [], PRF(), Accuracy(), Accuracy(), Accuracy()),
    ],
)
def test_troop_table(gold, pred, tuples, qualifier, force, time) -> None:  # type: ignore[no-untyped-def]
    counts = match_troops(gold, pred)
    assert counts.tuples == tuples
    assert counts.qualifier == qualifier
    assert counts.force == force
    assert counts.time == time


def test_pairing_maximises_attribute_agreement_whatever_the_order() -> None:
    gold = [g(2500, "iraq", "approximately", start=0), g(2500, "iraq", "exact", start=40)]
    pred = [p(2500, "iraq", "exact"), p(2500, "iraq", "approximately")]
    for order in (pred, pred[::-1]):
        assert match_troops(gold, order).qualifier == Accuracy(2, 2)
        assert match_troops(gold[::-1], order).qualifier == Accuracy(2, 2)


def test_invalid_items_are_false_positives() -> None:
    assert match_troops([g(5000, "iraq")], [], invalid=1).tuples == PRF(0, 1, 1)


def test_order_independence_random() -> None:
    rng = random.Random(11)
    locs = ["iraq", "syria", None]
    gold = [
        g(
            rng.choice([900, 2500, 5000]),
            rng.choice(locs),
            rng.choice(["exact", "approximately"]),
            start=i,
        )
        for i in range(20)
    ]
    pred = [
        p(
            rng.choice([900, 2500, 5000]),
            rng.choice(locs),
            rng.choice(["exact", "approximately", None]),
        )
        for _ in range(20)
    ]
    base = match_troops(gold, pred)
    for _ in range(10):
        rng.shuffle(gold)
        rng.shuffle(pred)
        assert match_troops(gold, pred) == base
