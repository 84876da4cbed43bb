"""Count and score value types, and aggregation over documents.

Every matcher in :mod:`benchmark.layers` turns one document's gold and
predictions into *counts*; everything reported is computed from sums of those
counts. Counts are small frozen value types that support ``+`` so that a
corpus total is ``sum(per_document_counts, start=Zero)``.

Zero-division policy
--------------------
A ratio whose denominator is zero is reported as ``0.0``, never as NaN and
never as 1.0, and the :class:`Score` carries flags saying which denominators
were empty (``no_predictions``: nothing was predicted, so precision is
undefined; ``no_gold``: nothing was there to find, so recall is undefined).
An F1 whose precision and recall are both 0 is 0. Accuracy over zero items is
0.0 with ``empty=True``. Reports print an empty denominator as ``n/a`` where
the flag is set, so a reader can tell "undefined" from "zero".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Self


def safe_ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is zero."""
    return numerator / denominator if denominator else 0.0


def f_measure(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall; 0.0 when both are 0."""
    return safe_ratio(2 * precision * recall, precision + recall)


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 with flags for empty denominators."""

    precision: float
    recall: float
    f1: float
    no_predictions: bool = False
    no_gold: bool = False

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "no_predictions": self.no_predictions,
            "no_gold": self.no_gold,
        }


class _Additive:
    """Field-wise ``+`` and (de)serialisation for frozen integer count types."""

    __slots__ = ()

    def __add__(self, other: Self) -> Self:
        if type(other) is not type(self):
            return NotImplemented
        return type(self)(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))  # type: ignore[arg-type]
        )

    def __radd__(self, other: object) -> Self:
        # Lets ``sum()`` start from its default 0.
        if other == 0:
            return self
        return NotImplemented

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> Self:
        return cls(**{f.name: int(data[f.name]) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PRF(_Additive):
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def n_predicted(self) -> int:
        return self.tp + self.fp

    @property
    def n_gold(self) -> int:
        return self.tp + self.fn

    def score(self) -> Score:
        precision = safe_ratio(self.tp, self.n_predicted)
        recall = safe_ratio(self.tp, self.n_gold)
        return Score(
            precision,
            recall,
            f_measure(precision, recall),
            no_predictions=self.n_predicted == 0,
            no_gold=self.n_gold == 0,
        )


@dataclass(frozen=True, slots=True)
class NERCounts(_Additive):
    """SemEval-2013 Task 9.1 counts, as reported by nervaluate.

    ``cor`` correct, ``inc`` incorrect, ``par`` partial, ``mis`` missed,
    ``spu`` spurious. ``POS = cor + inc + par + mis`` (gold items) and
    ``ACT = cor + inc + par + spu`` (predicted items).
    """

    cor: int = 0
    inc: int = 0
    par: int = 0
    mis: int = 0
    spu: int = 0

    @property
    def possible(self) -> int:
        return self.cor + self.inc + self.par + self.mis

    @property
    def actual(self) -> int:
        return self.cor + self.inc + self.par + self.spu

    def score(self, *, partial_credit: bool = False) -> Score:
        """P = credit/ACT, R = credit/POS.

        ``credit`` is ``cor`` or, with ``partial_credit`` (the *partial*
        schema), ``cor + 0.5 * par``.
        """
        credit = self.cor + (0.5 * self.par if partial_credit else 0.0)
        precision = safe_ratio(credit, self.actual)
        recall = safe_ratio(credit, self.possible)
        return Score(
            precision,
            recall,
            f_measure(precision, recall),
            no_predictions=self.actual == 0,
            no_gold=self.possible == 0,
        )


@dataclass(frozen=True, slots=True)
class Accuracy(_Additive):
    """Correct decisions out of a total; accuracy over zero items is 0.0."""

    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return safe_ratio(self.correct, self.total)

    @property
    def empty(self) -> bool:
        return self.total == 0


def mean_left_to_right(values: Iterable[float]) -> float:
    """Mean of ``values``: added one by one, in the order given, to 0.0, then
    divided by their number; 0.0 for no values.

    Written out because the order and the rounding of a float sum are part of
    the specification (docs/scoring.md): Python 3.12's built-in
    ``sum`` compensates rounding errors and 3.11's does not, so ``sum`` could
    change a figure in its last bit between interpreter versions.
    """
    total = 0.0
    count = 0
    for value in values:
        total += value
        count += 1
    return safe_ratio(total, count)


def macro_f1(scores: Iterable[Score]) -> float:
    """Unweighted mean of F1 over ``scores``, in the order given (see
    :func:`mean_left_to_right`); 0.0 for no scores at all."""
    return mean_left_to_right(s.f1 for s in scores)
