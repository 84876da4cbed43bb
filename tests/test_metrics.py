"""Count types, the zero-division policy, and aggregation."""

from __future__ import annotations

import pytest

from benchmark.metrics import PRF, Accuracy, NERCounts, f_measure, macro_f1, safe_ratio


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "p", "r", "f1", "no_pred", "no_gold"),
    [
        (1, 1, 1, 0.5, 0.5, 0.5, False, False),
        (3, 1, 0, 0.75, 1.0, 6 / 7, False, False),
        (0, 0, 0, 0.0, 0.0, 0.0, True, True),  # 0/0 precision and recall are 0, flagged
        (0, 2, 0, 0.0, 0.0, 0.0, False, True),
        (0, 0, 4, 0.0, 0.0, 0.0, True, False),
    ],
)
def test_prf_score(
    tp: int, fp: int, fn: int, p: float, r: float, f1: float, no_pred: bool, no_gold: bool
) -> None:
    score = PRF(tp, fp, fn).score()
    assert score.precision == pytest.approx(p)
    assert score.recall == pytest.approx(r)
    assert score.f1 == pytest.approx(f1)
    assert (score.no_predictions, score.no_gold) == (no_pred, no_gold)


def test_counts_add_fieldwise_and_sum() -> None:
    assert PRF(1, 2, 3) + PRF(10, 20, 30) == PRF(11, 22, 33)
    assert sum([PRF(1, 0, 0), PRF(0, 1, 0), PRF(0, 0, 1)]) == PRF(1, 1, 1)
    assert NERCounts(1, 2, 3, 4, 5) + NERCounts(1, 1, 1, 1, 1) == NERCounts(2, 3, 4, 5, 6)
    assert Accuracy(1, 2) + Accuracy(3, 4) == Accuracy(4, 6)


def test_add_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        PRF(1, 0, 0) + Accuracy(1, 1)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("counts", "partial", "p", "r"),
    [
        # POS = 1+1+2+1 = 5, ACT = 1+1+2+3 = 7
        (NERCounts(cor=1, inc=1, par=2, mis=1, spu=3), False, 1 / 7, 1 / 5),
        (NERCounts(cor=1, inc=1, par=2, mis=1, spu=3), True, 2 / 7, 2 / 5),
        (NERCounts(), True, 0.0, 0.0),
    ],
)
def test_ner_counts_score(counts: NERCounts, partial: bool, p: float, r: float) -> None:
    score = counts.score(partial_credit=partial)
    assert score.precision == pytest.approx(p)
    assert score.recall == pytest.approx(r)
    assert score.f1 == pytest.approx(f_measure(p, r))


def test_round_trip_dicts() -> None:
    assert PRF.from_dict(PRF(1, 2, 3).to_dict()) == PRF(1, 2, 3)
    assert NERCounts.from_dict(NERCounts(1, 2, 3, 4, 5).to_dict()) == NERCounts(1, 2, 3, 4, 5)


def test_accuracy_and_helpers() -> None:
    assert Accuracy(0, 0).value == 0.0 and Accuracy(0, 0).empty
    assert Accuracy(3, 4).value == 0.75
    assert safe_ratio(1, 0) == 0.0
    assert macro_f1([]) == 0.0
    assert macro_f1([PRF(1, 0, 0).score(), PRF(0, 1, 1).score()]) == 0.5
