"""Layer 3: troop counts — records and matcher.

A troop count is scored as the tuple (document, value, location id).
Predicted locations and forces are names, resolved to registry ids through
:mod:`benchmark.aliases`; a name that resolves to nothing can never match.

Gold and predicted tuples are matched as multisets: a tuple predicted twice
and present once in gold is one true positive and one false positive. Within
a tuple, gold and predicted items are paired to agree on as many attributes
as possible (a total order on attributes breaks ties, so the pairing does not
depend on input order). Attribute accuracy (qualifier, force, time) is
computed over those pairs; a missing predicted attribute is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmark.metrics import PRF, Accuracy
from benchmark.spans import Span

QUALIFIERS: tuple[str, ...] = ("exact", "approximately", "more_than", "less_than")
TIMES: tuple[str, ...] = ("current", "historical", "planned")
ATTRIBUTES: tuple[str, ...] = ("qualifier", "force", "time")


@dataclass(frozen=True, slots=True)
class TroopCount:
    """A gold troop count; ``force`` and ``location`` are registry ids or None."""

    span: Span
    value: int
    qualifier: str
    force: str | None
    location: str | None
    time: str


@dataclass(frozen=True, slots=True)
class PredictedTroopCount:
    """A predicted troop count, with ``force`` and ``location`` already resolved
    to ids (or to unresolved keys, see :func:`benchmark.aliases.unresolved_key`)."""

    value: int
    location: str | None
    force: str | None = None
    qualifier: str | None = None
    time: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class TroopCounts:
    """One document's (or a corpus's) troop-count counts; supports ``+``."""

    tuples: PRF = PRF()
    qualifier: Accuracy = Accuracy()
    force: Accuracy = Accuracy()
    time: Accuracy = Accuracy()

    def __add__(self, other: TroopCounts) -> TroopCounts:
        return TroopCounts(
            tuples=self.tuples + other.tuples,
            qualifier=self.qualifier + other.qualifier,
            force=self.force + other.force,
            time=self.time + other.time,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "tuples": self.tuples.to_dict(),
            "qualifier": self.qualifier.to_dict(),
            "force": self.force.to_dict(),
            "time": self.time.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TroopCounts:
        return cls(
            tuples=PRF.from_dict(data["tuples"]),  # type: ignore[arg-type]
            qualifier=Accuracy.from_dict(data["qualifier"]),  # type: ignore[arg-type]
            force=Accuracy.from_dict(data["force"]),  # type: ignore[arg-type]
            time=Accuracy.from_dict(data["time"]),  # type: ignore[arg-type]
        )


def _attrs(item: TroopCount | PredictedTroopCount) -> tuple[str, str, str]:
    return (item.qualifier or "", item.force or "", item.time or "")


def _pair_within_key(
    gold: list[TroopCount], pred: list[PredictedTroopCount]
) -> list[tuple[TroopCount, PredictedTroopCount]]:
    """Greedy pairing maximising attribute agreement, deterministic."""
    candidates = []
    for gi, g in enumerate(gold):
        for pj, p in enumerate(pred):
            agree = sum(a == b for a, b in zip(_attrs(g), _attrs(p), strict=True))
            candidates.append((-agree, _attrs(g), _attrs(p), g.span.start, gi, pj))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, gi, pj in candidates:
        if gi in used_g or pj in used_p:
            continue
        used_g.add(gi)
        used_p.add(pj)
        pairs.append((gold[gi], pred[pj]))
    return pairs


def pair_troops(
    gold: Sequence[TroopCount], pred: Sequence[PredictedTroopCount]
) -> list[tuple[TroopCount, PredictedTroopCount]]:
    """Matched (gold, predicted) pairs: same (value, location) tuple, paired
    within a tuple to agree on as many attributes as possible (see module doc)."""
    by_key_gold: dict[tuple[int, str | None], list[TroopCount]] = {}
    by_key_pred: dict[tuple[int, str | None], list[PredictedTroopCount]] = {}
    for g in gold:
        by_key_gold.setdefault((g.value, g.location), []).append(g)
    for p in pred:
        by_key_pred.setdefault((p.value, p.location), []).append(p)
    pairs: list[tuple[TroopCount, PredictedTroopCount]] = []
    for key, golds in by_key_gold.items():
        pairs.extend(_pair_within_key(golds, by_key_pred.get(key, [])))
    return pairs


def match_troops(
    gold: Sequence[TroopCount], pred: Sequence[PredictedTroopCount], invalid: int = 0
) -> TroopCounts:
    """All troop-count counts for one document; invalid items are false positives."""
    pairs = pair_troops(gold, pred)
    tp = len(pairs)
    n = len(pairs)
    return TroopCounts(
        tuples=PRF(tp=tp, fp=len(pred) + invalid - tp, fn=len(gold) - tp),
        qualifier=Accuracy(sum(g.qualifier == p.qualifier for g, p in pairs), n),
        force=Accuracy(sum(g.force == p.force for g, p in pairs), n),
        time=Accuracy(sum(g.time == p.time for g, p in pairs), n),
    )
