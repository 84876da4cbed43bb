"""Layer 2: temporal expressions (TimeML TIMEX3) — records, value grammar, matcher.

Span matching follows TempEval-3, made one-to-one and independent of input
order. Gold and predicted timexes are aligned by
:func:`benchmark.spans.align` with the label (value, type, mod) of each item
(a missing type or mod is the empty string): exact boundaries first, then
the smaller disagreement on (value, type, mod) compared in that order (the
right value outranks the right type and mod together), then the larger
overlap, then the smaller combined length, then the spans and labels
themselves. So of two predictions on one gold span, the one with the right
value is paired, whichever line comes first; two predictions that tie on all
of this are identical and interchangeable.

* ``strict``: P/R/F1 counting only pairs with exact boundaries;
* ``relaxed``: P/R/F1 counting every aligned (overlapping) pair;
* ``type`` and ``value`` accuracy: over the relaxed pairs, the share whose
  type (value) equals gold's; ``mod`` accuracy likewise, a missing mod
  counting as its own value;
* ``value`` P/R/F1: pairs with the right value over predictions and over gold.
  This equals TempEval-3's attribute F1, relaxed F1 times value accuracy;
* ``type_f1``: TempEval-3's type F1, relaxed F1 times type accuracy.

TempEval-3's official toolkit pairs differently in one case: when one
prediction overlaps two gold timexes, it pairs the prediction with the first
gold timex in text order (it matches token ids); troopbench pairs it with the
gold timex whose attributes agree (the order above). The counts can differ
only there; see docs/scoring.md ("Timexes") and the hand-computed case in
tests/test_te3_parity.py.

Denominators: every prediction (with or without offsets) plus the rejected
items counts in the predicted total of strict, relaxed and value P/R/F1;
every gold timex in the gold total. Predictions without offsets cannot be
aligned, so they are false positives there.

Offset-free (``offset_free``): P/R/F1 over the *sets* of values per document
(gold values vs the values of all valid predictions, with and without
offsets); each rejected item adds one false positive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmark.metrics import PRF, Accuracy, Score
from benchmark.spans import Alignment, Span, align

TIMEX_TYPES: tuple[str, ...] = ("DATE", "TIME", "DURATION", "SET")
TIMEX_MODS: tuple[str, ...] = (
    "BEFORE",
    "AFTER",
    "ON_OR_BEFORE",
    "ON_OR_AFTER",
    "LESS_THAN",
    "MORE_THAN",
    "EQUAL_OR_LESS",
    "EQUAL_OR_MORE",
    "START",
    "MID",
    "END",
    "APPROX",
)

# The TIMEX3 value grammar of TimeML 1.2.1 (ISO 8601 as the TimeML guidelines
# extend it), plus the deviations found in published TimeML corpora
# (:data:`CORPUS_DEVIATIONS`); gold/FORMAT.md lists both. Any digit may be an
# X (unknown); a year's X digits are its trailing ones.
_CENTURY = r"(?:\d\d|\dX|XX)"  # "19": 1900-1999
_DECADE = r"(?:\d{3}|\d\dX|\dXX|XXX)"  # "199": the 1990s
_YEAR = r"(?:\d{4}|\d{3}X|\d{2}XX|\dXXX|XXXX)"
_MONTH = r"(?:0[1-9]|1[0-2]|XX)"
_DAY = r"(?:0[1-9]|[12]\d|3[01]|XX)"
_WEEK = r"(?:0[1-9]|[1-4]\d|5[0-3]|XX)"
_WEEKDAY = r"(?:[1-7]|X|WE)"
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
_CLOCK = r"(?:(?:[01]\d|2[0-4]|XX)(?::(?:[0-5]\d|XX)(?::(?:[0-5]\d|60|XX)(?:\.\d+)?)?)?)"
_PART_OF_DAY = r"(?:MO|MI|AF|EV|NI|DT)"
_TIME = rf"(?:T(?:{_CLOCK}{_ZONE}|{_PART_OF_DAY}))"


def _grammar(week: str) -> re.Pattern[str]:
    week_date = rf"{_YEAR}-W{week}(?:-{_WEEKDAY})?"
    date = (
        rf"(?:{_YEAR}-{_MONTH}-{_DAY}{_TIME}?"
        rf"|{week_date}{_TIME}?"
        rf"|{_YEAR}-{_MONTH}"
        rf"|{_YEAR}-(?:SP|SU|FA|WI)"
        rf"|{_YEAR}-(?:Q[1-4X]|H[12X])"
        rf"|{_YEAR}|{_DECADE}|{_CENTURY})"
    )
    return re.compile(rf"^(?:{date}|{_DURATION}|{_REF})$")


_NUM = r"(?:\d+(?:\.\d+)?|X+)"
_DATE_UNIT = r"(?:Y|M|W|D|DE|CE|ML|L|Q|H|WE)"
_DURATION = rf"P(?:(?:{_NUM}{_DATE_UNIT})+(?:T(?:{_NUM}[HMS])+)?|T(?:{_NUM}[HMS])+)"
_REF = r"(?:PAST_REF|PRESENT_REF|FUTURE_REF)"
#: TimeML 1.2.1's value grammar.
TIMEML_VALUE = _grammar(_WEEK)

#: Values outside TimeML 1.2.1 that published TimeML corpora use, accepted as they are:
#: (what it is, an example, the grammar that accepts it). gold/FORMAT.md lists them.
CORPUS_DEVIATIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "an ISO week number without its leading zero",
        "2000-W7",
        _grammar(r"(?:[1-9])"),
    ),
)


def timeml_deviation(value: str) -> str | None:
    """Which listed corpus deviation ``value`` is (None for a TimeML 1.2.1 value or garbage)."""
    if TIMEML_VALUE.fullmatch(value):
        return None
    for what, _, grammar in CORPUS_DEVIATIONS:
        if grammar.fullmatch(value):
            return what
    return None


def is_timex3_value(value: str) -> bool:
    """Whether ``value`` is a TIMEX3 value: TimeML 1.2.1's grammar or a listed
    corpus deviation (see gold/FORMAT.md)."""
    return TIMEML_VALUE.fullmatch(value) is not None or timeml_deviation(value) is not None


@dataclass(frozen=True, slots=True)
class Timex:
    """A gold temporal expression."""

    span: Span
    type: str
    value: str
    mod: str | None = None


@dataclass(frozen=True, slots=True)
class PredictedTimex:
    """A predicted temporal expression: a value, and a span or at least its text."""

    value: str
    type: str | None = None
    text: str | None = None
    span: Span | None = None
    mod: str | None = None


@dataclass(frozen=True, slots=True)
class TimexCounts:
    """One document's (or a corpus's) timex counts; supports ``+``."""

    strict: PRF = PRF()
    relaxed: PRF = PRF()
    value: PRF = PRF()
    type_accuracy: Accuracy = Accuracy()
    value_accuracy: Accuracy = Accuracy()
    mod_accuracy: Accuracy = Accuracy()
    offset_free: PRF = PRF()
    unanchored: int = 0

    def __add__(self, other: TimexCounts) -> TimexCounts:
        return TimexCounts(
            strict=self.strict + other.strict,
            relaxed=self.relaxed + other.relaxed,
            value=self.value + other.value,
            type_accuracy=self.type_accuracy + other.type_accuracy,
            value_accuracy=self.value_accuracy + other.value_accuracy,
            mod_accuracy=self.mod_accuracy + other.mod_accuracy,
            offset_free=self.offset_free + other.offset_free,
            unanchored=self.unanchored + other.unanchored,
        )

    def value_f1(self) -> Score:
        return self.value.score()

    def type_f1(self) -> float:
        """TempEval-3's type F1: type accuracy over the relaxed pairs times relaxed F1
        (0.0 when nothing is paired; see the zero-division policy in benchmark.metrics)."""
        return self.type_accuracy.value * self.relaxed.score().f1

    def to_dict(self) -> dict[str, object]:
        return {
            "strict": self.strict.to_dict(),
            "relaxed": self.relaxed.to_dict(),
            "value": self.value.to_dict(),
            "type_accuracy": self.type_accuracy.to_dict(),
            "value_accuracy": self.value_accuracy.to_dict(),
            "mod_accuracy": self.mod_accuracy.to_dict(),
            "offset_free": self.offset_free.to_dict(),
            "unanchored": self.unanchored,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TimexCounts:
        return cls(
            strict=PRF.from_dict(data["strict"]),  # type: ignore[arg-type]
            relaxed=PRF.from_dict(data["relaxed"]),  # type: ignore[arg-type]
            value=PRF.from_dict(data["value"]),  # type: ignore[arg-type]
            type_accuracy=Accuracy.from_dict(data["type_accuracy"]),  # type: ignore[arg-type]
            value_accuracy=Accuracy.from_dict(data["value_accuracy"]),  # type: ignore[arg-type]
            mod_accuracy=Accuracy.from_dict(data["mod_accuracy"]),  # type: ignore[arg-type]
            offset_free=PRF.from_dict(data["offset_free"]),  # type: ignore[arg-type]
            unanchored=int(data["unanchored"]),  # type: ignore[arg-type]
        )


def align_timexes(gold: Sequence[Timex], anchored: Sequence[PredictedTimex]) -> Alignment:
    """The timex alignment (module doc) of gold and predictions that have offsets."""
    return align(
        [(g.span.start, g.span.end) for g in gold],
        [(p.span.start, p.span.end) for p in anchored if p.span is not None],
        [(g.value, g.type, g.mod or "") for g in gold],
        [(p.value, p.type or "", p.mod or "") for p in anchored if p.span is not None],
    )


def match_timexes(
    gold: Sequence[Timex], pred: Sequence[PredictedTimex], invalid: int = 0
) -> TimexCounts:
    """All timex counts for one document; ``invalid`` items count as false positives."""
    anchored = [p for p in pred if p.span is not None]
    result = align_timexes(gold, anchored)
    n_pairs = len(result.pairs)
    n_pred = len(pred) + invalid
    exact = same_type = same_value = same_mod = 0
    for gi, pj in result.pairs:
        g, p = gold[gi], anchored[pj]
        assert p.span is not None
        exact += (g.span.start, g.span.end) == (p.span.start, p.span.end)
        same_type += g.type == p.type
        same_value += g.value == p.value
        same_mod += g.mod == p.mod
    gold_values = {g.value for g in gold}
    pred_values = {p.value for p in pred}
    free_tp = len(gold_values & pred_values)
    return TimexCounts(
        strict=PRF(tp=exact, fp=n_pred - exact, fn=len(gold) - exact),
        relaxed=PRF(tp=n_pairs, fp=n_pred - n_pairs, fn=len(gold) - n_pairs),
        value=PRF(tp=same_value, fp=n_pred - same_value, fn=len(gold) - same_value),
        type_accuracy=Accuracy(same_type, n_pairs),
        value_accuracy=Accuracy(same_value, n_pairs),
        mod_accuracy=Accuracy(same_mod, n_pairs),
        offset_free=PRF(
            tp=free_tp, fp=len(pred_values) - free_tp + invalid, fn=len(gold_values) - free_tp
        ),
        unanchored=len(pred) - len(anchored),
    )
