"""Layer 4: stances of named actors toward the withdrawal of US troops from Iraq.

Holder resolution (:func:`resolve_holder`). A predicted holder is a name, or
the offsets of a mention in the document (then its name is the text at those
offsets). The name resolves, by normalised comparison
(:mod:`benchmark.aliases`), in this order:

1. to the id of a *document-scoped metonym* the registry declares for this
   document (``gold/entities.json``, ``metonyms``: e.g. in 000 "Baghdad"
   names the Iraqi government, ``iraq``);
2. else to the id of a registry name or alias (an ambiguous name takes the
   alphabetically first of its ids);
3. else to the unresolved key ``"?" + normalised name``, which matches
   nothing.

The gold stances themselves (their holder mentions) play no part: the answer
key is never consulted to resolve a prediction.

Scores, per document (the resolved holders make the keys):

* ``tuples``: P/R/F1 over the *sets* of (holder, label); TP = |gold ∩
  predicted|, FP = |predicted| - TP + rejected items, FN = |gold| - TP;
* ``holders``: the same over the sets of holders;
* ``per_label[L]``: the same over the (holder, L) tuples, for each label
  (rejected items not counted); the SemEval-2016 Task 6 score ``F_avg`` is
  the mean of F1(FAVOR) and F1(AGAINST) computed from the corpus sums;
* label pairs: each gold holder that the system also named contributes one
  (gold label, predicted label) pair; a system that gives one holder several
  different labels in one document gets the pseudo-label ``CONFLICT`` for it,
  which is never right (hedging earns no label credit; each of its tuples
  still counts in ``tuples``). Label accuracy is the share of pairs whose two
  labels are equal; label macro-F1 is scikit-learn's macro F1 over the pairs
  with its default label set, the labels present among the gold or the
  predicted labels of the pairs, ``CONFLICT`` included when it occurs (its F1
  is always 0, since no gold label is ``CONFLICT``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.aliases import AliasIndex, unresolved_key
from benchmark.metrics import PRF, Accuracy, Score, mean_left_to_right, safe_ratio
from benchmark.spans import Span

LABELS: tuple[str, ...] = ("FAVOR", "AGAINST", "NEUTRAL")
CONFLICT = "CONFLICT"


@dataclass(frozen=True, slots=True)
class Stance:
    """A gold stance record."""

    holder: str
    holder_mentions: tuple[Span, ...]
    label: str
    evidence: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class PredictedStance:
    """A predicted stance: ``holder`` is a name (the mention's text when the
    system gave ``holder_span``), or after resolution an id or unresolved key."""

    holder: str
    label: str
    evidence: tuple[Span, ...] = ()
    holder_span: Span | None = None


@dataclass(frozen=True, slots=True)
class StanceCounts:
    """One document's (or a corpus's) stance counts; supports ``+``."""

    tuples: PRF = PRF()
    holders: PRF = PRF()
    per_label: Mapping[str, PRF] = field(default_factory=lambda: {lab: PRF() for lab in LABELS})
    label_pairs: tuple[tuple[str, str], ...] = ()

    def __add__(self, other: StanceCounts) -> StanceCounts:
        return StanceCounts(
            tuples=self.tuples + other.tuples,
            holders=self.holders + other.holders,
            per_label={lab: self.per_label[lab] + other.per_label[lab] for lab in LABELS},
            label_pairs=self.label_pairs + other.label_pairs,
        )

    @property
    def label_accuracy(self) -> Accuracy:
        return Accuracy(sum(g == p for g, p in self.label_pairs), len(self.label_pairs))

    def label_macro_f1(self) -> float:
        """Macro-F1 of labels on found holders (scikit-learn's
        ``f1_score(average="macro", zero_division=0)``, written out).

        Averaged over the labels present among the gold or predicted labels of
        those pairs, ``CONFLICT`` included when predicted (its F1 is 0), in
        sorted label order, added left to right
        (:func:`benchmark.metrics.mean_left_to_right`); 0.0 when the system
        found no gold holder.
        """
        labels = sorted({label for pair in self.label_pairs for label in pair})
        return mean_left_to_right(self._pair_f1(label) for label in labels)

    def _pair_f1(self, label: str) -> float:
        """F1 of one label over the label pairs: 2·TP / (gold count + predicted count)."""
        tp = sum(g == label == p for g, p in self.label_pairs)
        gold = sum(g == label for g, _ in self.label_pairs)
        pred = sum(p == label for _, p in self.label_pairs)
        return safe_ratio(2 * tp, gold + pred)

    def f_avg(self) -> float:
        """SemEval-2016 Task 6: mean of F1(FAVOR) and F1(AGAINST)."""
        return safe_ratio(
            self.per_label["FAVOR"].score().f1 + self.per_label["AGAINST"].score().f1, 2
        )

    def label_score(self, label: str) -> Score:
        return self.per_label[label].score()

    def to_dict(self) -> dict[str, object]:
        return {
            "tuples": self.tuples.to_dict(),
            "holders": self.holders.to_dict(),
            "per_label": {lab: self.per_label[lab].to_dict() for lab in LABELS},
            "label_pairs": [list(p) for p in self.label_pairs],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StanceCounts:
        per_label = data["per_label"]
        assert isinstance(per_label, Mapping)
        pairs = data["label_pairs"]
        assert isinstance(pairs, list)
        return cls(
            tuples=PRF.from_dict(data["tuples"]),  # type: ignore[arg-type]
            holders=PRF.from_dict(data["holders"]),  # type: ignore[arg-type]
            per_label={lab: PRF.from_dict(per_label[lab]) for lab in LABELS},
            label_pairs=tuple((str(g), str(p)) for g, p in pairs),
        )


def resolve_holder(name: str, metonyms: AliasIndex, registry: AliasIndex) -> str:
    """A predicted holder name → id: the document's declared metonyms first,
    then the registry's names and aliases; else an unresolved key (module doc)."""
    return metonyms.resolve(name) or registry.resolve(name) or unresolved_key(name)


def _set_prf(gold: set[object], pred: set[object], extra_fp: int = 0) -> PRF:
    tp = len(gold & pred)
    return PRF(tp=tp, fp=len(pred) - tp + extra_fp, fn=len(gold) - tp)


def match_stances(
    gold: Sequence[Stance], pred: Sequence[PredictedStance], invalid: int = 0
) -> StanceCounts:
    """All stance counts for one document; invalid items are false positives."""
    gold_tuples = {(s.holder, s.label) for s in gold}
    pred_tuples = {(p.holder, p.label) for p in pred}
    gold_labels = {s.holder: s.label for s in gold}
    pred_labels: dict[str, set[str]] = {}
    for p in pred:
        pred_labels.setdefault(p.holder, set()).add(p.label)
    pairs = []
    for holder in sorted(gold_labels):
        if holder in pred_labels:
            labels = pred_labels[holder]
            predicted = next(iter(labels)) if len(labels) == 1 else CONFLICT
            pairs.append((gold_labels[holder], predicted))
    return StanceCounts(
        tuples=_set_prf(gold_tuples, pred_tuples, invalid),
        holders=_set_prf(set(gold_labels), set(pred_labels), invalid),
        per_label={
            lab: _set_prf(
                {t for t in gold_tuples if t[1] == lab}, {t for t in pred_tuples if t[1] == lab}
            )
            for lab in LABELS
        },
        label_pairs=tuple(pairs),
    )
