"""Character spans and the one-to-one span alignments shared by span layers.

A span is half-open: ``start`` is the index of its first character in the
document's Python ``str``, ``end`` the index one past its last, and
``text[start:end]`` is its surface.

Labels
------
A caller may give every gold and predicted item a *label*: a string, or a
tuple of strings (all items of one call have the same shape). The label must
hold every attribute the caller scores besides the span (an entity's type; a
timex's value, type and mod), so that two items with the same span and the
same label are interchangeable. The *disagreement* of a gold and a predicted
label is the tuple of booleans "component i differs" (a string is a
1-tuple); tuples of booleans compare lexicographically, so agreeing on the
first component weighs more than agreeing on all later ones together.

Boundaries-first alignment (:func:`align`, :func:`align_phases`)
---------------------------------------------------------------
Gold and predicted spans are paired one-to-one, independent of the order in
which either list is given:

1. candidate pairs are all (gold, predicted) pairs that overlap by at least
   one character;
2. candidates are ranked by: exact boundaries first, then the smaller
   label disagreement, then the larger overlap, then the smaller combined
   length, then the gold span, the predicted span, the gold label and the
   predicted label (a total order up to interchangeable items, so the result
   cannot depend on input order);
3. pairs are taken greedily in that order, skipping any whose gold or
   predicted item is already taken.

Exact matches are therefore always made before any overlap match, and among
overlaps the best label agreement, then the largest overlap, wins. Identical
duplicate predictions compete for the same gold item; one gets it, the others
remain unmatched (spurious).

Label-first alignment (:func:`align_label_first`)
-------------------------------------------------
The same, except that step 2 ranks the label disagreement before the exact
boundaries: (smaller disagreement, exact boundaries first, larger overlap,
smaller combined length, gold span, predicted span, gold label, predicted
label). It serves metrics that ignore boundaries (the entity *type* schema).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: A label: one attribute, or several compared component by component.
Label = str | tuple[str, ...]


def disagreement(gold_label: Label, pred_label: Label) -> tuple[bool, ...]:
    """Which components of two labels differ (see module doc); smaller is better."""
    if isinstance(gold_label, str) and isinstance(pred_label, str):
        return (gold_label != pred_label,)
    if isinstance(gold_label, tuple) and isinstance(pred_label, tuple):
        if len(gold_label) != len(pred_label):
            raise ValueError("gold and predicted labels have different numbers of components")
        return tuple(g != p for g, p in zip(gold_label, pred_label, strict=True))
    raise TypeError("gold and predicted labels must both be strings or both tuples")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open character span with its surface text."""

    start: int
    end: int
    text: str

    def overlap(self, other: Span) -> int:
        return max(0, min(self.end, other.end) - max(self.start, other.start))

    def to_dict(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Alignment:
    """Result of :func:`align`: matched index pairs and the leftovers."""

    pairs: tuple[tuple[int, int], ...]
    unmatched_gold: tuple[int, ...]
    unmatched_pred: tuple[int, ...]


def _overlapping_pairs(
    gold: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """All (gold index, pred index) pairs whose spans share a character.

    Sweeps both lists sorted by start, so the cost is O((n + m) log(n + m) + k)
    for k overlapping pairs rather than O(n * m).
    """
    g_order = sorted(range(len(gold)), key=lambda i: gold[i])
    p_order = sorted(range(len(pred)), key=lambda j: pred[j])
    pairs: list[tuple[int, int]] = []
    active: list[int] = []  # pred indices that may still overlap later golds
    pj = 0
    for gi in g_order:
        g_start, g_end = gold[gi]
        while pj < len(p_order) and pred[p_order[pj]][0] < g_end:
            active.append(p_order[pj])
            pj += 1
        still: list[int] = []
        for j in active:
            p_start, p_end = pred[j]
            if p_end > g_start:
                still.append(j)
                if p_start < g_end:
                    pairs.append((gi, j))
            # a pred ending at or before this gold's start cannot overlap a
            # later gold either (golds are sorted by start), so it is dropped
        active = still
    return pairs


def _exact_phase(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    gold_labels: Sequence[Label] | None,
    pred_labels: Sequence[Label] | None,
) -> list[tuple[int, int]]:
    """Pairs with identical boundaries; the smallest label disagreement first within a span."""
    g_index = dict(zip(gold, range(len(gold)), strict=True))
    if len(g_index) == len(gold):
        # fast path: gold spans are distinct, so each predicted span names at
        # most one gold; if no two predictions share a gold's span either,
        # every hit is a pair and no ranking is needed
        hits = [(g_index[span], pj) for pj, span in enumerate(pred) if span in g_index]
        if len({gi for gi, _ in hits}) == len(hits):
            return hits
    golds_at: dict[tuple[int, int], list[int]] = {}
    for gi, span in enumerate(gold):
        golds_at.setdefault(span, []).append(gi)
    preds_at: dict[tuple[int, int], list[int]] = {}
    for pj, span in enumerate(pred):
        if span in golds_at:
            preds_at.setdefault(span, []).append(pj)
    pairs: list[tuple[int, int]] = []
    for span, pjs in preds_at.items():
        gis = golds_at[span]
        if len(gis) == 1 and len(pjs) == 1:
            pairs.append((gis[0], pjs[0]))
            continue
        g_lab: Sequence[Label] = gold_labels or [""] * len(gold)
        p_lab: Sequence[Label] = pred_labels or [""] * len(pred)
        # gi and pj only separate items with the same span and label: interchangeable
        ranked = sorted(
            (disagreement(g_lab[gi], p_lab[pj]), g_lab[gi], p_lab[pj], gi, pj)
            for gi in gis
            for pj in pjs
        )
        used_g: set[int] = set()
        used_p: set[int] = set()
        for *_, gi, pj in ranked:
            if gi not in used_g and pj not in used_p:
                used_g.add(gi)
                used_p.add(pj)
                pairs.append((gi, pj))
    return pairs


def _overlap_phase(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    gold_labels: Sequence[Label] | None,
    pred_labels: Sequence[Label] | None,
    taken_g: set[int],
    taken_p: set[int],
) -> list[tuple[int, int]]:
    """Ranked greedy pairs among the spans the exact phase left (adds to the taken sets).

    No pair found here has identical boundaries: after the exact phase, every
    span shared by both sides has all its gold or all its predicted items taken.
    """
    rest_g = [gi for gi in range(len(gold)) if gi not in taken_g]
    rest_p = [pj for pj in range(len(pred)) if pj not in taken_p]
    if not rest_g or not rest_p:
        return []
    candidates = []
    for a, b in _overlapping_pairs([gold[i] for i in rest_g], [pred[j] for j in rest_p]):
        gi, pj = rest_g[a], rest_p[b]
        g, p = gold[gi], pred[pj]
        g_label: Label = gold_labels[gi] if gold_labels is not None else ""
        p_label: Label = pred_labels[pj] if pred_labels is not None else ""
        overlap = min(g[1], p[1]) - max(g[0], p[0])
        length = (g[1] - g[0]) + (p[1] - p[0])
        key = (disagreement(g_label, p_label), -overlap, length, g, p, g_label, p_label)
        candidates.append((key, gi, pj))
    candidates.sort(key=lambda c: c[0])
    pairs: list[tuple[int, int]] = []
    for _, gi, pj in candidates:
        if gi in taken_g or pj in taken_p:
            continue
        taken_g.add(gi)
        taken_p.add(pj)
        pairs.append((gi, pj))
    return pairs


def align_phases(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    gold_labels: Sequence[Label] | None = None,
    pred_labels: Sequence[Label] | None = None,
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], set[int], set[int]]:
    """:func:`align`'s pairs split by phase, unordered: (exact-boundary pairs,
    overlap pairs, taken gold indices, taken predicted indices).

    Every pair of the second list has different boundaries. Scorers that only
    count pairs use this and skip building the sorted :class:`Alignment`.
    """
    if (gold_labels is None) != (pred_labels is None):
        raise ValueError("give labels for both sides or for neither")
    exact = _exact_phase(gold, pred, gold_labels, pred_labels)
    taken_g = {gi for gi, _ in exact}
    taken_p = {pj for _, pj in exact}
    over = _overlap_phase(gold, pred, gold_labels, pred_labels, taken_g, taken_p)
    return exact, over, taken_g, taken_p


def align(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    gold_labels: Sequence[Label] | None = None,
    pred_labels: Sequence[Label] | None = None,
) -> Alignment:
    """Pair gold and predicted ``(start, end)`` spans one-to-one (see module doc).

    Exact-boundary pairs are found first with a hash lookup; only the spans
    left over go through the overlap sweep and the ranked greedy choice, so
    the cost stays close to linear in the number of spans.
    """
    exact, over, taken_g, taken_p = align_phases(gold, pred, gold_labels, pred_labels)
    return Alignment(
        pairs=tuple(sorted(exact + over)),
        unmatched_gold=tuple(i for i in range(len(gold)) if i not in taken_g),
        unmatched_pred=tuple(j for j in range(len(pred)) if j not in taken_p),
    )


def align_label_first(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    gold_labels: Sequence[Label],
    pred_labels: Sequence[Label],
) -> list[tuple[int, int]]:
    """Pairs of the label-first alignment (see module doc), unordered.

    The best possible key belongs to pairs with the same boundaries and the
    same label, and such pairs only compete with identical items; they are
    paired first with a hash lookup, and only the items left over go through
    the ranked greedy choice.
    """
    unpaired: dict[tuple[tuple[int, int], Label], list[int]] = {}
    for gi, (span, label) in enumerate(zip(gold, gold_labels, strict=True)):
        unpaired.setdefault((span, label), []).append(gi)
    pairs: list[tuple[int, int]] = []
    taken_g: set[int] = set()
    taken_p: set[int] = set()
    for pj, (span, label) in enumerate(zip(pred, pred_labels, strict=True)):
        waiting = unpaired.get((span, label))
        if waiting:
            gi = waiting.pop()
            pairs.append((gi, pj))
            taken_g.add(gi)
            taken_p.add(pj)
    rest_g = [gi for gi in range(len(gold)) if gi not in taken_g]
    rest_p = [pj for pj in range(len(pred)) if pj not in taken_p]
    if not rest_g or not rest_p:
        return pairs
    candidates = []
    for a, b in _overlapping_pairs([gold[i] for i in rest_g], [pred[j] for j in rest_p]):
        gi, pj = rest_g[a], rest_p[b]
        g, p = gold[gi], pred[pj]
        g_label, p_label = gold_labels[gi], pred_labels[pj]
        overlap = min(g[1], p[1]) - max(g[0], p[0])
        length = (g[1] - g[0]) + (p[1] - p[0])
        key = (disagreement(g_label, p_label), g != p, -overlap, length, g, p, g_label, p_label)
        candidates.append((key, gi, pj))
    candidates.sort(key=lambda c: c[0])
    for _, gi, pj in candidates:
        if gi in taken_g or pj in taken_p:
            continue
        taken_g.add(gi)
        taken_p.add(pj)
        pairs.append((gi, pj))
    return pairs
