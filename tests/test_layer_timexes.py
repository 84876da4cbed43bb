"""Timex matcher: hand-computed tables, TIMEX3 grammar."""

from __future__ import annotations

import random

import pytest

from benchmark.layers.timexes import PredictedTimex, Timex, is_timex3_value, match_timexes
from benchmark.metrics import PRF, Accuracy
from benchmark.spans import Span


def g(start: int, end: int, value: str, type_: str = "DATE") -> Timex:
    return Timex(Span(start, end, "x" * (end - start)), type_, value)


def p(start: int | None, end: int | None, value: str, type_: str = "DATE") -> PredictedTimex:
    span = Span(start, end, "x" * (end - start)) if start is not None and end is not None else None
    return PredictedTimex(value, type_, "x", span)


@pytest.mark.parametrize(
    ("gold", "pred", "strict", "relaxed", "value", "type_acc", "value_acc"),
    [
        # exact span, right value
        (
            [g(0, 6, "2024-01-08")],
            [p(0, 6, "2024-01-08")],
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            Accuracy(1, 1),
            Accuracy(1, 1),
        ),
        # overlapping span ("last week" vs "week"), wrong value
        (
            [g(0, 9, "2024-W01")],
            [p(5, 9, "2024-W02")],
            PRF(0, 1, 1),
            PRF(1, 0, 0),
            PRF(0, 1, 1),
            Accuracy(1, 1),
            Accuracy(0, 1),
        ),
        # wrong type, right value
        (
            [g(0, 9, "P2D", "DURATION")],
            [p(0, 9, "P2D", "DATE")],
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            PRF(1, 0, 0),
            Accuracy(0, 1),
            Accuracy(1, 1),
        ),
        # a miss and a spurious one
        (
            [g(0, 4, "2024")],
            [p(10, 14, "2024")],
            PRF(0, 1, 1),
            PRF(0, 1, 1),
            PRF(0, 1, 1),
            Accuracy(0, 0),
            Accuracy(0, 0),
        ),
        # duplicate prediction: one match, one false positive
        (
            [g(0, 4, "2024")],
            [p(0, 4, "2024"), p(0, 4, "2024")],
            PRF(1, 1, 0),
            PRF(1, 1, 0),
            PRF(1, 1, 0),
            Accuracy(1, 1),
            Accuracy(1, 1),
        ),
        # no offsets: false positive at span level
        (
            [g(0, 4, "2024")],
            [p(None, None, "2024")],
            PRF(0, 1, 1),
            PRF(0, 1, 1),
            PRF(0, 1, 1),
            Accuracy(0, 0),
            Accuracy(0, 0),
        ),
        # empty inputs
        ([], [], PRF(), PRF(), PRF(), Accuracy(), Accuracy()),
    ],
)
def test_timex_table(gold, pred, strict, relaxed, value, type_acc, value_acc) -> None:  # type: ignore[no-untyped-def]
    counts = match_timexes(gold, pred)
    assert counts.strict == strict
    assert counts.relaxed == relaxed
    assert counts.value == value
    assert counts.type_accuracy == type_acc
    assert counts.value_accuracy == value_acc


def test_value_f1_equals_relaxed_f1_times_value_accuracy() -> None:
    rng = random.Random(7)
    for _ in range(50):
        gold = [
            g(i * 10, i * 10 + 5, rng.choice(["2024", "2023"])) for i in range(rng.randint(1, 8))
        ]
        pred = [
            p(i * 10 + rng.randint(0, 3), i * 10 + 6, rng.choice(["2024", "2023"]))
            for i in range(rng.randint(1, 8))
        ]
        c = match_timexes(gold, pred)
        assert c.value.score().f1 == pytest.approx(c.relaxed.score().f1 * c.value_accuracy.value)


def test_offset_free_uses_value_sets() -> None:
    gold = [g(0, 4, "2024"), g(10, 14, "2024"), g(20, 26, "2024-01")]
    pred = [p(None, None, "2024"), p(None, None, "2019")]
    assert match_timexes(gold, pred).offset_free == PRF(tp=1, fp=1, fn=1)


def test_invalid_items_are_false_positives() -> None:
    counts = match_timexes([g(0, 4, "2024")], [p(0, 4, "2024")], invalid=2)
    assert counts.strict == PRF(1, 2, 0)
    assert counts.offset_free == PRF(1, 2, 0)


def test_order_independence() -> None:
    rng = random.Random(3)
    gold = [g(i * 7, i * 7 + rng.randint(2, 6), str(2000 + i % 3)) for i in range(30)]
    pred = [
        p(s, s + rng.randint(1, 8), str(2000 + rng.randint(0, 2)))
        for s in (rng.randint(0, 200) for _ in range(30))
    ]
    base = match_timexes(gold, pred)
    for _ in range(10):
        rng.shuffle(gold)
        rng.shuffle(pred)
        assert match_timexes(gold, pred) == base


@pytest.mark.parametrize(
    "value",
    [
        "2024",
        "2024-01",
        "2024-01-08",
        "2024-W02",
        "2023-FA",
        "2024-Q1",
        "201X",
        "20XX",
        "2024-01-08T14:00",
        "2024-01-08TMO",
        "PAST_REF",
        "PRESENT_REF",
        "FUTURE_REF",
        "P2D",
        "P20Y",
        "PXW",
        "PXY",
        "P1D",
        "PT5H",
        "P1DT2H",
    ],
)
def test_valid_timex3_values(value: str) -> None:
    assert is_timex3_value(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2024-13",
        "2024-01-32",
        "24-01-08",
        "2024-W54",
        "2023-AU",
        "P",
        "PT",
        "P2",
        "NOW",
        "past_ref",
        "2024/01/08",
        "P2X",
        "2024-01-08T25:00",
    ],
)
def test_invalid_timex3_values(value: str) -> None:
    assert not is_timex3_value(value)
