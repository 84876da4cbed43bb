"""Differential tests of the entity-mention matcher against nervaluate 1.2.1 and seqeval.

nervaluate 1.2.1 (``Evaluator(true, pred, tags, loader="dict")``) takes spans
as dicts ``{"label", "start", "end"}`` whose ``end`` is INCLUSIVE (its overlap
is ``min(end) - max(start) + 1``), so our half-open ``[start, end)`` is passed
as ``end - 1``. Its schemas map to ours as strict -> strict, exact -> exact,
partial -> partial, ent_type -> type.

Where nervaluate 1.2.1 departs from a correct one-to-one alignment (read from
``nervaluate/strategies.py`` and ``evaluator.py``):

* it walks the predictions in list order and gives each the first not yet
  taken gold it overlaps (strict, exact, partial: an exact match wins only if
  the exact gold is not already taken; ent_type: the closest same-label gold).
  So when one gold is overlapped by several predictions, or one prediction
  overlaps several golds, the result depends on input order and an exact
  match can be lost to an earlier partial one;
* predictions whose label is not in ``tags`` are silently dropped, not
  counted as spurious;
* "overlap" means at least ``min_overlap_percentage`` (default 1.0) percent of
  the GOLD span's length, so a 1-character overlap with a gold longer than
  100 characters is no overlap at all.

The generator therefore only produces documents where nervaluate's behaviour
is well defined and correct: gold spans do not overlap one another and are at
most 30 characters long; each prediction overlaps at most one gold and each
gold is overlapped by at most one prediction (so there are no duplicates),
and every label is in the tag set. Under these restrictions every overlapping
(gold, prediction) pair is an isolated component, any order-dependent greedy
matcher finds the same pairs as ours, and per-type evaluation (nervaluate
filters both lists by label and matches again) sees exactly the same-type
pairs that ours does. So we compare COR/INC/PAR/MIS/SPU and P/R/F1 overall
AND per type. Predictions are shuffled before being handed to nervaluate, to
show that the restriction really removes its order dependence.

The explicit tests at the end document cases outside the restriction where
nervaluate 1.2.1 gives a different (wrong, for our documented semantics)
answer; they assert both values so they notice if nervaluate changes.

Finally the strict schema is cross-checked against seqeval's micro (and per
type) precision/recall/F1 on BIO tags over whitespace-tokenised text.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from benchmark.layers.entities import (
    ENTITY_TYPES,
    PER_TYPE_SCHEMAS,
    EntityCounts,
    EntityMention,
    PredictedEntity,
    match_entities,
)
from benchmark.metrics import NERCounts
from benchmark.spans import Span

nervaluate = pytest.importorskip("nervaluate")

NERVALUATE_SCHEMA = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
TAGS = list(ENTITY_TYPES)
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")

Triple = tuple[int, int, str]
Doc = tuple[str, list[Triple], list[Triple]]  # text, gold, predicted (half-open)


def _filler(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("abcdefgh ") for _ in range(length))


def _other_type(rng: random.Random, t: str) -> str:
    return rng.choice([u for u in ENTITY_TYPES if u != t])


def generate_doc(rng: random.Random) -> Doc:
    """One document under the restriction described in the module docstring.

    Layout: filler (>= 6 characters), then a segment, then filler, ... Each
    segment holds either one gold span with at most one prediction kept within
    2 characters of it (exact, wrong type, boundary error, boundary error and
    wrong type, or just touching it), or one spurious prediction alone. Gaps of at least 6
    characters keep neighbouring segments from touching.
    """
    parts: list[str] = []
    gold: list[Triple] = []
    pred: list[Triple] = []
    pos = 0

    def emit(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    for _ in range(rng.randrange(0, 9)):
        emit(_filler(rng, rng.randrange(6, 12)))
        length = rng.randrange(1, 31)
        start, end = pos, pos + length
        emit(_filler(rng, length))
        t = rng.choice(ENTITY_TYPES)
        kind = rng.choices(
            ("spurious", "exact", "type", "boundary", "boundary-type", "missed", "adjacent"),
            weights=(1, 3, 1, 2, 1, 1, 1),
        )[0]
        if kind == "spurious":
            pred.append((start, end, t))
            continue
        gold.append((start, end, t))
        if kind == "missed":
            continue
        if kind == "adjacent":
            # touches the gold without overlapping it (MIS + SPU); catches an
            # off-by-one in the conversion to nervaluate's inclusive ends
            k = rng.randrange(1, 3)
            pred.append(rng.choice([(start - k, start, t), (end, end + k, t)]))
            continue
        if kind in ("boundary", "boundary-type"):
            while True:
                ps = start + rng.randrange(-2, 3)
                pe = end + rng.randrange(-2, 3)
                if ps < pe and min(pe, end) > max(ps, start) and (ps, pe) != (start, end):
                    break
        else:
            ps, pe = start, end
        pt = _other_type(rng, t) if kind in ("type", "boundary-type") else t
        pred.append((ps, pe, pt))
    emit(_filler(rng, 6))
    return "".join(parts), gold, pred


def ours(docs: list[Doc]) -> EntityCounts:
    total = EntityCounts()
    for text, gold, pred in docs:
        g = [EntityMention(Span(s, e, text[s:e]), t, f"e{s}") for s, e, t in gold]
        p = [PredictedEntity(t, text[s:e], Span(s, e, text[s:e])) for s, e, t in pred]
        total = total + match_entities(g, p, {}, {})
    return total


def _as_dicts(spans: list[Triple]) -> list[dict[str, Any]]:
    # nervaluate's end is inclusive
    return [{"label": t, "start": s, "end": e - 1} for s, e, t in spans]


def theirs(docs: list[Doc], tags: list[str] = TAGS) -> dict[str, Any]:
    true = [_as_dicts(gold) for _, gold, _ in docs]
    pred = [_as_dicts(p) for _, _, p in docs]
    return nervaluate.Evaluator(true, pred, tags=tags, loader="dict").evaluate()


def _row(r: Any) -> tuple[int, int, int, int, int]:
    return (r.correct, r.incorrect, r.partial, r.missed, r.spurious)


def _our_row(c: NERCounts) -> tuple[int, int, int, int, int]:
    return (c.cor, c.inc, c.par, c.mis, c.spu)


def test_nervaluate_end_is_inclusive() -> None:
    # [0, 5) and [5, 10) do not overlap in our half-open convention; passed as
    # inclusive ends 4 and 9, nervaluate agrees (one MIS, one SPU)
    result = theirs([("x" * 10, [(0, 5, "PERSON")], [(5, 10, "PERSON")])])["overall"]
    assert _row(result["strict"]) == (0, 0, 0, 1, 1)


@pytest.mark.parametrize("seed", range(4))
def test_counts_equal_nervaluate(seed: int) -> None:
    rng = random.Random(seed)
    docs = []
    for _ in range(60):
        text, gold, pred = generate_doc(rng)
        rng.shuffle(pred)  # nervaluate is order dependent in general, not here
        docs.append((text, gold, pred))
    mine = ours(docs)
    result = theirs(docs)
    # the data exercises every outcome
    strict = mine.schemas["strict"]
    assert min(strict.cor, strict.inc, strict.mis, strict.spu, mine.schemas["partial"].par) > 0
    for schema, theirs_name in NERVALUATE_SCHEMA.items():
        r = result["overall"][theirs_name]
        assert _our_row(mine.schemas[schema]) == _row(r), schema
        score = mine.score(schema)
        assert (score.precision, score.recall, score.f1) == pytest.approx(
            (r.precision, r.recall, r.f1)
        ), schema
    assert set(mine.per_type) == set(result["entities"])
    for t, by_schema in mine.per_type.items():
        for schema in PER_TYPE_SCHEMAS:  # per-type exact is not reported (= strict)
            r = result["entities"][t][NERVALUATE_SCHEMA[schema]]
            assert _our_row(by_schema[schema]) == _row(r), (t, schema)
            score = mine.type_score(t, schema)
            assert (score.precision, score.recall, score.f1) == pytest.approx(
                (r.precision, r.recall, r.f1)
            ), (t, schema)


# ------------------------------------------------------------ where nervaluate 1.2.1 differs


def test_nervaluate_loses_exact_match_to_earlier_overlap() -> None:
    # gold A [0,10) and B [20,30); prediction P1 [5,25) overlaps both, P2 is
    # exactly A. Ours aligns exact matches first: P2-A COR, then P1-B (strict
    # INC). nervaluate takes predictions in list order: P1 grabs A (the first
    # gold it overlaps) as INC, P2 then finds A taken and is SPU, B is MIS.
    gold = [(0, 10, "PERSON"), (20, 30, "PERSON")]
    pred = [(5, 25, "PERSON"), (0, 10, "PERSON")]
    docs = [("x" * 30, gold, pred)]
    mine = ours(docs)
    assert _our_row(mine.schemas["strict"]) == (1, 1, 0, 0, 0)
    assert _our_row(mine.schemas["type"]) == (2, 0, 0, 0, 0)
    result = theirs(docs)["overall"]
    assert _row(result["strict"]) == (0, 1, 0, 1, 1)
    assert _row(result["ent_type"]) == (1, 0, 0, 1, 1)
    # ours is independent of the prediction order
    assert ours([("x" * 30, gold, pred[::-1])]) == mine


def test_nervaluate_two_predictions_on_one_gold_is_order_dependent() -> None:
    # gold [0,10); predictions [0,5) (partial) and [0,10) (exact). Ours: the
    # exact one is COR, the other SPU, in either order. nervaluate: partial
    # first -> INC + SPU (the exact match is lost); exact first -> COR + SPU.
    gold = [(0, 10, "PERSON")]
    partial_first = [("x" * 10, gold, [(0, 5, "PERSON"), (0, 10, "PERSON")])]
    exact_first = [("x" * 10, gold, [(0, 10, "PERSON"), (0, 5, "PERSON")])]
    for docs in (partial_first, exact_first):
        assert _our_row(ours(docs).schemas["strict"]) == (1, 0, 0, 0, 1)
    assert _row(theirs(partial_first)["overall"]["strict"]) == (0, 1, 0, 0, 1)
    assert _row(theirs(exact_first)["overall"]["strict"]) == (1, 0, 0, 0, 1)


def test_type_schema_prefers_same_type_overlap_where_nervaluate_depends_on_order() -> None:
    # gold ORG[0,5); predictions GPE[0,5) and ORG[1,4). Ours, in either order:
    # strict/exact/partial align the exact boundaries (GPE[0,5)), type aligns
    # the same type first (ORG[1,4)) -> type COR 1, SPU 1. nervaluate 1.2.1 is
    # greedy in prediction order: GPE first gives type INC 1 SPU 1; ORG first
    # gives type COR 1 SPU 1 (as ours) but then loses the exact match (exact
    # INC, partial PAR).
    gold = [(0, 5, "ORG")]
    gpe_first = [("x" * 10, gold, [(0, 5, "GPE"), (1, 4, "ORG")])]
    org_first = [("x" * 10, gold, [(1, 4, "ORG"), (0, 5, "GPE")])]
    for docs in (gpe_first, org_first):
        mine = ours(docs)
        assert _our_row(mine.schemas["type"]) == (1, 0, 0, 0, 1)
        assert _our_row(mine.schemas["exact"]) == (1, 0, 0, 0, 1)
        assert _our_row(mine.schemas["partial"]) == (1, 0, 0, 0, 1)
    first, second = theirs(gpe_first)["overall"], theirs(org_first)["overall"]
    assert _row(first["ent_type"]) == (0, 1, 0, 0, 1)
    assert _row(first["exact"]) == (1, 0, 0, 0, 1)
    assert _row(second["ent_type"]) == (1, 0, 0, 0, 1)
    assert _row(second["exact"]) == (0, 1, 0, 0, 1)
    assert _row(second["partial"]) == (0, 0, 1, 0, 1)


def test_nervaluate_drops_unknown_labels() -> None:
    # a prediction whose type is outside the type set: ours SPU (a system
    # cannot improve its precision by inventing labels); nervaluate drops it.
    docs = [("x" * 10, [(0, 10, "PERSON")], [(0, 10, "MISC")])]
    assert _our_row(ours(docs).schemas["strict"]) == (0, 0, 0, 1, 1)
    assert _row(theirs(docs)["overall"]["strict"]) == (0, 0, 0, 1, 0)


def test_nervaluate_overlap_threshold_is_relative_to_gold_length() -> None:
    # gold [0,200), prediction [199,205): one character of overlap, 0.5 % of
    # the gold, below nervaluate's default 1 % threshold, so it reports MIS +
    # SPU; ours counts any overlap (partial PAR, strict INC).
    docs = [("x" * 205, [(0, 200, "PERSON")], [(199, 205, "PERSON")])]
    mine = ours(docs)
    assert _our_row(mine.schemas["strict"]) == (0, 1, 0, 0, 0)
    assert _our_row(mine.schemas["partial"]) == (0, 0, 1, 0, 0)
    assert _row(theirs(docs)["overall"]["strict"]) == (0, 0, 0, 1, 1)
    assert _row(theirs(docs)["overall"]["partial"]) == (0, 0, 0, 1, 1)


# ------------------------------------------------------------ seqeval, strict schema


TokenDoc = tuple[str, list[str], list[str], list[Triple], list[Triple]]
TokenSpan = tuple[int, int, str]


def generate_tokens(rng: random.Random) -> TokenDoc:
    """Whitespace-tokenised text, BIO gold and predicted tags, and char spans.

    Gold and predicted spans are token-aligned and do not overlap within one
    side (BIO cannot express overlap); adjacent spans of the same type occur
    and are separated by a ``B-`` tag. Predictions include the unknown type
    ``MISC``, spurious from both schemes' point of view.
    """
    n = rng.randrange(1, 25)
    tokens = [rng.choice(WORDS) for _ in range(n)]
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok) + 1
    text = " ".join(tokens)

    def spans_over(free: list[bool], count: int, types: tuple[str, ...]) -> list[TokenSpan]:
        out = []
        for _ in range(count):
            i = rng.randrange(n)
            j = min(n, i + rng.randrange(1, 4))
            if all(free[i:j]):
                for k in range(i, j):
                    free[k] = False
                out.append((i, j, rng.choice(types)))
        return out

    gold_tok = spans_over([True] * n, rng.randrange(0, 5), ENTITY_TYPES)
    taken = [True] * n
    pred_tok: list[TokenSpan] = []
    for i, j, t in gold_tok:
        r = rng.random()
        if r < 0.2:
            continue  # missed
        if r < 0.35:
            t = rng.choice((*ENTITY_TYPES, "MISC"))
        elif r < 0.55:
            i = min(n - 1, max(0, i + rng.randrange(-1, 2)))
            j = min(n, max(i + 1, j + rng.randrange(-1, 2)))
        if all(taken[i:j]):
            for k in range(i, j):
                taken[k] = False
            pred_tok.append((i, j, t))
    pred_tok += spans_over(taken, rng.randrange(0, 3), (*ENTITY_TYPES, "MISC"))

    def bio(spans: list[TokenSpan]) -> list[str]:
        tags = ["O"] * n
        for i, j, t in spans:
            tags[i] = f"B-{t}"
            for k in range(i + 1, j):
                tags[k] = f"I-{t}"
        return tags

    def chars(spans: list[TokenSpan]) -> list[Triple]:
        return [(starts[i], starts[j - 1] + len(tokens[j - 1]), t) for i, j, t in spans]

    return text, bio(gold_tok), bio(pred_tok), chars(gold_tok), chars(pred_tok)


@pytest.mark.parametrize("seed", range(3))
def test_strict_equals_seqeval(seed: int) -> None:
    seqeval_metrics = pytest.importorskip("seqeval.metrics")
    rng = random.Random(seed)
    y_true, y_pred, docs = [], [], []
    for _ in range(80):
        text, true_tags, pred_tags, gold, pred = generate_tokens(rng)
        y_true.append(true_tags)
        y_pred.append(pred_tags)
        docs.append((text, gold, pred))
    strict = ours(docs).score("strict")
    assert strict.precision == pytest.approx(seqeval_metrics.precision_score(y_true, y_pred))
    assert strict.recall == pytest.approx(seqeval_metrics.recall_score(y_true, y_pred))
    assert strict.f1 == pytest.approx(seqeval_metrics.f1_score(y_true, y_pred))
    # per type too (seqeval reports every type seen in gold or predictions)
    mine = ours(docs)
    report = seqeval_metrics.classification_report(
        y_true, y_pred, output_dict=True, zero_division=0
    )
    for t in mine.per_type:
        score = mine.type_score(t, "strict")
        assert (score.precision, score.recall, score.f1) == pytest.approx(
            (report[t]["precision"], report[t]["recall"], report[t]["f1-score"])
        ), t
        assert report[t]["support"] == mine.per_type[t]["strict"].possible
