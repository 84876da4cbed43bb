"""Layer 1 (entity mentions): hand-computed tables for the matcher.

Every expected count below was worked out by hand from the semantics in the
docstring of :mod:`benchmark.layers.entities` (SemEval-2013 Task 9.1 schemas,
one-to-one alignment exact-first, then same type, then largest overlap).
Counts are written ``(COR, INC, PAR, MIS, SPU)`` per schema.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from benchmark.layers.entities import (
    ENTITY_TYPES,
    PER_TYPE_SCHEMAS,
    SCHEMAS,
    EntityCounts,
    EntityMention,
    PredictedEntity,
    count_mentions,
    match_entities,
)
from benchmark.metrics import PRF, NERCounts
from benchmark.spans import Span

# A made-up text; only the offsets matter to the mention-level matcher.
TEXT = (
    "General George Casey told the Iraqi Army in Baghdad that US forces would stay "
    "until the Pentagon said otherwise, a spokesman for the Mahdi Army in Najaf said."
)

Triple = tuple[int, int, str]
Row = tuple[int, int, int, int, int]


def gold_of(items: list[Triple]) -> list[EntityMention]:
    return [EntityMention(Span(s, e, TEXT[s:e]), t, f"ent_{s}_{e}") for s, e, t in items]


def pred_of(items: list[Triple]) -> list[PredictedEntity]:
    return [PredictedEntity(t, TEXT[s:e], Span(s, e, TEXT[s:e])) for s, e, t in items]


def row(counts: NERCounts) -> Row:
    return (counts.cor, counts.inc, counts.par, counts.mis, counts.spu)


def same(r: Row) -> dict[str, Row]:
    """The same row in all four schemas."""
    return dict.fromkeys(SCHEMAS, r)


def by_schema(strict: Row, exact: Row, partial: Row, type_: Row) -> dict[str, Row]:
    return {"strict": strict, "exact": exact, "partial": partial, "type": type_}


# (id, gold, predicted, invalid, expected rows per schema)
CASES: list[tuple[str, list[Triple], list[Triple], int, dict[str, Row]]] = [
    (
        # gold [0,20) PERSON, pred identical -> COR everywhere
        "exact-match",
        [(0, 20, "PERSON")],
        [(0, 20, "PERSON")],
        0,
        same((1, 0, 0, 0, 0)),
    ),
    (
        # same boundaries, PERSON vs ORG: strict needs type -> INC; exact and
        # partial look at boundaries only -> COR; type -> INC
        "wrong-type-same-span",
        [(0, 20, "PERSON")],
        [(0, 20, "ORG")],
        0,
        by_schema((0, 1, 0, 0, 0), (1, 0, 0, 0, 0), (1, 0, 0, 0, 0), (0, 1, 0, 0, 0)),
    ),
    (
        # [0,20) vs [8,20) same type: boundaries differ -> strict INC, exact INC,
        # partial PAR, type COR (overlap and same type)
        "boundary-error-same-type",
        [(0, 20, "PERSON")],
        [(8, 20, "PERSON")],
        0,
        by_schema((0, 1, 0, 0, 0), (0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (1, 0, 0, 0, 0)),
    ),
    (
        # [26,40) ORG vs [30,43) NORP: boundaries and type wrong -> INC, INC, PAR, INC
        "boundary-error-wrong-type",
        [(26, 40, "ORG")],
        [(30, 43, "NORP")],
        0,
        by_schema((0, 1, 0, 0, 0), (0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (0, 1, 0, 0, 0)),
    ),
    (
        # pred [26,51) overlaps gold [26,40) by 14 and gold [44,51) by 7: only the
        # larger overlap is aligned (INC/INC/PAR/COR), the other gold is MIS
        "one-pred-two-golds",
        [(26, 40, "ORG"), (44, 51, "ORG")],
        [(26, 51, "ORG")],
        0,
        by_schema((0, 1, 0, 1, 0), (0, 1, 0, 1, 0), (0, 0, 1, 1, 0), (1, 0, 0, 1, 0)),
    ),
    (
        # gold [26,40); preds [22,30) (overlap 4) and [30,45) (overlap 10): the
        # larger overlap is aligned, the other pred is SPU
        "two-preds-one-gold",
        [(26, 40, "ORG")],
        [(22, 30, "ORG"), (30, 45, "ORG")],
        0,
        by_schema((0, 1, 0, 0, 1), (0, 1, 0, 0, 1), (0, 0, 1, 0, 1), (1, 0, 0, 0, 1)),
    ),
    (
        # gold [26,40); preds [26,35) then [26,40): exact is aligned first -> COR,
        # the partial one is SPU (in every schema)
        "two-preds-one-gold-one-exact",
        [(26, 40, "ORG")],
        [(26, 35, "ORG"), (26, 40, "ORG")],
        0,
        same((1, 0, 0, 0, 1)),
    ),
    (
        # exact boundaries beat the same type: gold [26,40) ORG, preds [26,40)
        # NORP (exact, wrong type) and [26,38) ORG (same type, overlap 12): for
        # strict/exact/partial the NORP pred is aligned -> strict INC, exact
        # COR, partial COR, ORG SPU; the type schema aligns the same type
        # first -> ORG COR, NORP SPU
        "exact-beats-same-type",
        [(26, 40, "ORG")],
        [(26, 38, "ORG"), (26, 40, "NORP")],
        0,
        by_schema((0, 1, 0, 0, 1), (1, 0, 0, 0, 1), (1, 0, 0, 0, 1), (1, 0, 0, 0, 1)),
    ),
    (
        # the same type beats a larger overlap: gold [26,40) ORG, preds [26,39)
        # NORP (overlap 13) and [28,40) ORG (overlap 12): ORG is aligned
        "same-type-beats-larger-overlap",
        [(26, 40, "ORG")],
        [(26, 39, "NORP"), (28, 40, "ORG")],
        0,
        by_schema((0, 1, 0, 0, 1), (0, 1, 0, 0, 1), (0, 0, 1, 0, 1), (1, 0, 0, 0, 1)),
    ),
    (
        # two identical exact predictions: one COR, the duplicate SPU
        "duplicate-exact-preds",
        [(0, 20, "PERSON")],
        [(0, 20, "PERSON"), (0, 20, "PERSON")],
        0,
        same((1, 0, 0, 0, 1)),
    ),
    (
        # two identical boundary-error predictions: one aligned, one SPU
        "duplicate-partial-preds",
        [(0, 20, "PERSON")],
        [(8, 20, "PERSON"), (8, 20, "PERSON")],
        0,
        by_schema((0, 1, 0, 0, 1), (0, 1, 0, 0, 1), (0, 0, 1, 0, 1), (1, 0, 0, 0, 1)),
    ),
    (
        # nested gold "the Iraqi Army" [26,40) ORG > "Iraqi" [30,35) NORP, both
        # predicted exactly -> 2 COR
        "nested-both-exact",
        [(26, 40, "ORG"), (30, 35, "NORP")],
        [(30, 35, "NORP"), (26, 40, "ORG")],
        0,
        same((2, 0, 0, 0, 0)),
    ),
    (
        # nested gold, only the inner one predicted: it is aligned with the inner
        # gold (exact), the outer gold is MIS
        "nested-inner-only",
        [(26, 40, "ORG"), (30, 35, "NORP")],
        [(30, 35, "NORP")],
        0,
        same((1, 0, 0, 1, 0)),
    ),
    (
        # nested gold, inner span predicted as ORG: exact boundaries with the
        # inner NORP gold beat the same-type overlap with the outer ORG gold ->
        # strict INC, exact COR, partial COR, outer gold MIS; the type schema
        # pairs it with the outer ORG gold (COR) and the inner NORP is MIS
        "nested-inner-span-outer-type",
        [(26, 40, "ORG"), (30, 35, "NORP")],
        [(30, 35, "ORG")],
        0,
        by_schema((0, 1, 0, 1, 0), (1, 0, 0, 1, 0), (1, 0, 0, 1, 0), (1, 0, 0, 1, 0)),
    ),
    (
        # only the outer gold; pred is the nested inner span with another type
        "nested-pred-inside-gold",
        [(26, 40, "ORG")],
        [(30, 35, "NORP")],
        0,
        by_schema((0, 1, 0, 0, 0), (0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (0, 1, 0, 0, 0)),
    ),
    (
        # a type outside ENTITY_TYPES is never aligned, even with exact
        # boundaries: gold MIS, pred SPU in every schema (not dropped)
        "unknown-type",
        [(0, 20, "PERSON")],
        [(0, 20, "MISC")],
        0,
        same((0, 0, 0, 1, 1)),
    ),
    (
        # no gold: every prediction is SPU
        "empty-gold",
        [],
        [(0, 20, "PERSON"), (44, 51, "GPE")],
        0,
        same((0, 0, 0, 0, 2)),
    ),
    (
        # no predictions: every gold is MIS
        "empty-pred",
        [(0, 20, "PERSON"), (44, 51, "GPE")],
        [],
        0,
        same((0, 0, 0, 2, 0)),
    ),
    ("both-empty", [], [], 0, same((0, 0, 0, 0, 0))),
    (
        # 2 invalid items (rejected by validation) are SPU on top of a COR
        "invalid-items-spurious",
        [(0, 20, "PERSON")],
        [(0, 20, "PERSON")],
        2,
        same((1, 0, 0, 0, 2)),
    ),
    (
        # invalid items alone, nothing in gold
        "invalid-only",
        [],
        [],
        1,
        same((0, 0, 0, 0, 1)),
    ),
]


@pytest.mark.parametrize(
    ("gold", "pred", "invalid", "expected"),
    [pytest.param(g, p, i, e, id=name) for name, g, p, i, e in CASES],
)
def test_hand_computed_counts(
    gold: list[Triple], pred: list[Triple], invalid: int, expected: dict[str, Row]
) -> None:
    overall, _, unanchored = count_mentions(gold_of(gold), pred_of(pred), invalid)
    assert {s: row(overall[s]) for s in SCHEMAS} == expected
    assert unanchored == 0
    for s in SCHEMAS:
        # POS is the number of gold mentions, ACT the number of predictions
        assert overall[s].possible == len(gold)
        assert overall[s].actual == len(pred) + invalid


# (id, gold, predicted, schema, expected (P, R, F1)), computed by hand
PRF_CASES = [
    # COR 1 of ACT 1, POS 1
    ("exact-match", [(0, 20, "PERSON")], [(0, 20, "PERSON")], "strict", (1.0, 1.0, 1.0)),
    # INC 1: P = 0/1, R = 0/1
    ("wrong-type-strict", [(0, 20, "PERSON")], [(0, 20, "ORG")], "strict", (0.0, 0.0, 0.0)),
    # PAR 1 MIS 1: ACT 1, POS 2; credit 0.5 -> P 0.5, R 0.25, F1 = 2*.5*.25/.75 = 1/3
    (
        "one-pred-two-golds-partial",
        [(26, 40, "ORG"), (44, 51, "ORG")],
        [(26, 51, "ORG")],
        "partial",
        (0.5, 0.25, 1 / 3),
    ),
    # COR 1 SPU 1 in the type schema: P 1/2, R 1/1, F1 2/3
    (
        "two-preds-one-gold-type",
        [(26, 40, "ORG")],
        [(22, 30, "ORG"), (30, 45, "ORG")],
        "type",
        (0.5, 1.0, 2 / 3),
    ),
    # strict on the same: INC 1 SPU 1 -> 0
    (
        "two-preds-one-gold-strict",
        [(26, 40, "ORG")],
        [(22, 30, "ORG"), (30, 45, "ORG")],
        "strict",
        (0.0, 0.0, 0.0),
    ),
    # COR 2 of golds 3, preds 4 (2 exact, 1 spurious, 1 wrong type):
    # P 2/4, R 2/3, F1 = 2*(1/2)(2/3)/(7/6) = 4/7
    (
        "mixed-strict",
        [(0, 20, "PERSON"), (26, 40, "ORG"), (44, 51, "GPE")],
        [(0, 20, "PERSON"), (26, 40, "ORG"), (44, 51, "LOC"), (57, 59, "GPE")],
        "strict",
        (0.5, 2 / 3, 4 / 7),
    ),
]


@pytest.mark.parametrize(
    ("gold", "pred", "schema", "expected"),
    [pytest.param(g, p, s, e, id=name) for name, g, p, s, e in PRF_CASES],
)
def test_hand_computed_prf(
    gold: list[Triple], pred: list[Triple], schema: str, expected: tuple[float, float, float]
) -> None:
    counts = match_entities(gold_of(gold), pred_of(pred), {}, {})
    score = counts.score(schema)
    assert (score.precision, score.recall, score.f1) == pytest.approx(expected)


def test_unanchored_prediction_is_spurious_and_counted() -> None:
    gold = gold_of([(0, 20, "PERSON")])
    pred = [
        PredictedEntity("PERSON", "George Casey"),  # no offsets
        PredictedEntity("MISC", "Casey"),  # no offsets, unknown type
    ]
    counts = match_entities(gold, pred, {}, {})
    # the gold is MIS, both predictions SPU, in every schema
    assert {s: row(counts.schemas[s]) for s in SCHEMAS} == same((0, 0, 0, 1, 2))
    assert counts.unanchored == 2
    # a predicted PERSON without offsets is still a predicted PERSON: ACT_PERSON
    # = 1 (SPU), POS_PERSON = 1 (MIS); the unknown type has no per-type entry
    assert set(counts.per_type) == {"PERSON"}
    assert {s: row(c) for s, c in counts.per_type["PERSON"].items()} == {
        s: (0, 0, 0, 1, 1) for s in PER_TYPE_SCHEMAS
    }


def test_per_type_counts_and_macro_f1() -> None:
    gold = gold_of([(0, 20, "PERSON"), (26, 40, "ORG"), (44, 51, "GPE")])
    pred = [
        *pred_of(
            [
                (0, 20, "PERSON"),  # exact hit
                (26, 40, "PERSON"),  # ORG gold, same span, wrong type
                (46, 51, "GPE"),  # boundary error, same type
                (57, 59, "LOC"),  # spurious
            ]
        ),
        PredictedEntity("ORG", "Pentagon"),  # unanchored
    ]
    counts = match_entities(gold, pred, {}, {})
    # overall strict: COR 1 (PERSON), INC 2 (ORG/PERSON, GPE boundary), SPU 2
    assert row(counts.schemas["strict"]) == (1, 2, 0, 0, 2)
    assert row(counts.schemas["exact"]) == (2, 1, 0, 0, 2)
    assert row(counts.schemas["partial"]) == (2, 0, 1, 0, 2)
    assert row(counts.schemas["type"]) == (2, 1, 0, 0, 2)
    per = {t: {s: row(c) for s, c in by.items()} for t, by in counts.per_type.items()}

    def per_type(strict: Row, partial: Row, typed: Row) -> dict[str, Row]:
        return {"strict": strict, "partial": partial, "type": typed}

    assert per == {
        # gold PERSON found (COR); the PERSON predicted on the ORG gold is SPU
        "PERSON": per_type((1, 0, 0, 0, 1), (1, 0, 0, 0, 1), (1, 0, 0, 0, 1)),
        # the ORG gold aligned with a PERSON: MIS for ORG; unanchored ORG: SPU
        "ORG": per_type((0, 0, 0, 1, 1), (0, 0, 0, 1, 1), (0, 0, 0, 1, 1)),
        # boundary error, same type
        "GPE": per_type((0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (1, 0, 0, 0, 0)),
        "LOC": per_type((0, 0, 0, 0, 1), (0, 0, 0, 0, 1), (0, 0, 0, 0, 1)),
    }
    # POS_T = gold of type T, ACT_T = predicted of type T
    for t, by in counts.per_type.items():
        for c in by.values():
            assert c.possible == sum(1 for g in gold if g.type == t)
            assert c.actual == sum(1 for p in pred if p.type == t)
    # PERSON F1: P 1/2, R 1 -> 2/3. ORG, LOC: 0. GPE strict 0, type 1, partial
    # P = R = 0.5 -> 0.5. Macro over the 4 types present:
    assert counts.macro("strict") == pytest.approx((2 / 3) / 4)
    with pytest.raises(ValueError, match="no per-type figures"):
        counts.macro("exact")  # per-type exact would equal per-type strict
    assert counts.macro("type") == pytest.approx((2 / 3 + 1) / 4)
    assert counts.macro("partial") == pytest.approx((2 / 3 + 0.5) / 4)
    assert counts.type_score("GPE", "partial").f1 == pytest.approx(0.5)
    assert counts.type_score("GPE", "strict").f1 == 0.0


def test_partial_credit_formula() -> None:
    c = NERCounts(cor=3, inc=1, par=2, mis=1, spu=2)
    assert (c.possible, c.actual) == (7, 8)
    # partial: credit = 3 + 0.5 * 2 = 4 -> P 4/8, R 4/7, F1 = 2PR/(P+R) = 8/15
    s = c.score(partial_credit=True)
    assert (s.precision, s.recall, s.f1) == pytest.approx((0.5, 4 / 7, 8 / 15))
    # without partial credit: P 3/8, R 3/7, F1 = 2/5
    s = c.score()
    assert (s.precision, s.recall, s.f1) == pytest.approx((3 / 8, 3 / 7, 0.4))
    # EntityCounts uses the partial formula for the partial schema only
    ec = EntityCounts(schemas=dict.fromkeys(SCHEMAS, c))
    assert ec.score("partial").precision == pytest.approx(0.5)
    for schema in ("strict", "exact", "type"):
        assert ec.score(schema).precision == pytest.approx(3 / 8)


@pytest.mark.parametrize(
    ("gold", "pred", "no_predictions", "no_gold"),
    [
        pytest.param([], [], True, True, id="both-empty"),
        pytest.param([], [(0, 20, "PERSON")], False, True, id="empty-gold"),
        pytest.param([(0, 20, "PERSON")], [], True, False, id="empty-pred"),
    ],
)
def test_zero_division_policy(
    gold: list[Triple], pred: list[Triple], no_predictions: bool, no_gold: bool
) -> None:
    counts = match_entities(gold_of(gold), pred_of(pred), {}, {})
    for schema in SCHEMAS:
        score = counts.score(schema)
        # 0.0, never NaN and never 1.0, with flags for the empty denominators
        assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)
        assert (score.no_predictions, score.no_gold) == (no_predictions, no_gold)
    assert counts.macro("strict") == 0.0
    assert counts.offset_free.score().f1 == 0.0


def test_zero_counts_default() -> None:
    empty = EntityCounts()
    assert empty.per_type == {}
    score = empty.score("strict")
    assert score.to_dict() == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "no_predictions": True,
        "no_gold": True,
    }
    assert empty.macro("partial") == 0.0


# ------------------------------------------------------------ order independence

ALL_TYPES = (*ENTITY_TYPES, "MISC")


def _noisy_doc(rng: random.Random) -> tuple[list[EntityMention], list[PredictedEntity]]:
    """Random gold (overlaps and nesting allowed) and noisy predictions."""
    n = len(TEXT)
    gold: list[EntityMention] = []
    for _ in range(rng.randrange(0, 8)):
        s = rng.randrange(0, n - 1)
        e = min(n, s + rng.randrange(1, 20))
        gold.append(EntityMention(Span(s, e, TEXT[s:e]), rng.choice(ENTITY_TYPES), f"e{s}"))
    pred: list[PredictedEntity] = []
    for g in gold:
        r = rng.random()
        s, e, t = g.span.start, g.span.end, g.type
        if r < 0.15:
            continue  # missed
        if r < 0.35:
            t = rng.choice(ALL_TYPES)  # type confusion (maybe unknown)
        elif r < 0.6:
            s = min(n - 1, max(0, s + rng.randrange(-3, 4)))
            e = min(n, max(s + 1, e + rng.randrange(-3, 4)))
        if rng.random() < 0.1:
            pred.append(PredictedEntity(t, TEXT[s:e]))  # unanchored
            continue
        pred.append(PredictedEntity(t, TEXT[s:e], Span(s, e, TEXT[s:e])))
        if rng.random() < 0.15:
            pred.append(pred[-1])  # duplicate
    for _ in range(rng.randrange(0, 4)):  # spurious
        s = rng.randrange(0, n - 1)
        e = min(n, s + rng.randrange(1, 15))
        pred.append(PredictedEntity(rng.choice(ALL_TYPES), TEXT[s:e], Span(s, e, TEXT[s:e])))
    return gold, pred


@pytest.mark.parametrize("seed", range(5))
def test_order_independence_on_noisy_data(seed: int) -> None:
    rng = random.Random(seed)
    aliases = {"e0": ["General George Casey"]}
    for _ in range(60):
        gold, pred = _noisy_doc(rng)
        invalid = rng.randrange(0, 2)
        reference = match_entities(gold, pred, aliases, {}, invalid)
        for _ in range(4):
            g2, p2 = gold[:], pred[:]
            rng.shuffle(g2)
            rng.shuffle(p2)
            assert match_entities(g2, p2, aliases, {}, invalid) == reference
        # invariants: POS = gold, ACT = predictions + invalid, overall and per type
        for s in SCHEMAS:
            assert reference.schemas[s].possible == len(gold)
            assert reference.schemas[s].actual == len(pred) + invalid
        for t, by in reference.per_type.items():
            for c in by.values():
                assert c.possible == sum(1 for g in gold if g.type == t)
                assert c.actual == sum(1 for p in pred if p.type == t)
        known = Counter(g.type for g in gold) + Counter(
            p.type for p in pred if p.type in ENTITY_TYPES
        )
        assert set(reference.per_type) == set(known)
        assert reference.unanchored == sum(1 for p in pred if p.span is None)


# ------------------------------------------------------------ addition and dicts


def test_ner_counts_add_fieldwise() -> None:
    a = NERCounts(1, 2, 3, 4, 5)
    b = NERCounts(10, 20, 30, 40, 50)
    assert a + b == NERCounts(11, 22, 33, 44, 55)
    assert sum([a, b, a]) == NERCounts(12, 24, 36, 48, 60)
    assert NERCounts.from_dict(a.to_dict()) == a
    assert a.to_dict() == {"cor": 1, "inc": 2, "par": 3, "mis": 4, "spu": 5}


def _counts_a() -> EntityCounts:
    gold = gold_of([(0, 20, "PERSON"), (26, 40, "ORG")])
    pred = pred_of([(0, 20, "PERSON"), (30, 40, "ORG"), (57, 59, "LOC")])
    return match_entities(gold, pred, {}, {}, invalid=1)


def _counts_b() -> EntityCounts:
    gold = gold_of([(44, 51, "GPE"), (0, 20, "PERSON")])
    pred = [*pred_of([(44, 51, "NORP")]), PredictedEntity("PERSON", "Casey")]
    return match_entities(gold, pred, {}, {})


def test_entity_counts_add_fieldwise() -> None:
    a, b = _counts_a(), _counts_b()
    total = a + b
    for s in SCHEMAS:
        assert total.schemas[s] == a.schemas[s] + b.schemas[s]
    assert set(total.per_type) == set(a.per_type) | set(b.per_type)
    zero = NERCounts()
    for t in total.per_type:
        for s in PER_TYPE_SCHEMAS:
            expected = a.per_type.get(t, {}).get(s, zero) + b.per_type.get(t, {}).get(s, zero)
            assert total.per_type[t][s] == expected
    assert total.offset_free == a.offset_free + b.offset_free
    assert total.offset_free_typed == a.offset_free_typed + b.offset_free_typed
    assert total.unanchored == a.unanchored + b.unanchored == 1
    # the empty counts are a neutral element
    assert EntityCounts() + a == a
    assert (a + b) + a == a + (b + a)


def test_entity_counts_dict_round_trip() -> None:
    total = _counts_a() + _counts_b()
    data = total.to_dict()
    assert EntityCounts.from_dict(data) == total
    assert EntityCounts.from_dict(json.loads(json.dumps(data))) == total
    assert EntityCounts.from_dict(EntityCounts().to_dict()) == EntityCounts()


# ------------------------------------------------------------ offset-free entity level

DOC = "The United States said the Pentagon would send more troops to Baghdad."
REGISTRY_ALIASES = {
    "united_states": ["US", "America"],
    "pentagon": ["Department of Defense"],
    "baghdad": [],
    "iraq": ["Iraq"],  # in the registry, not mentioned in DOC
}
GOLD_TYPES = {"united_states": "GPE", "pentagon": "ORG", "baghdad": "GPE", "iraq": "GPE"}


def _doc_gold() -> list[EntityMention]:
    out = []
    for surface, entity, etype in (
        ("United States", "united_states", "GPE"),
        ("Pentagon", "pentagon", "ORG"),
        ("Baghdad", "baghdad", "GPE"),
    ):
        s = DOC.index(surface)
        out.append(EntityMention(Span(s, s + len(surface), surface), etype, entity))
    return out


@pytest.mark.parametrize(
    ("names", "untyped", "typed"),
    [
        # "U.S." -> "us" = alias "US"; "the Pentagon's" -> "pentagon": 2 TP, Baghdad FN
        pytest.param(
            [("GPE", "U.S."), ("ORG", "the Pentagon's")], (2, 0, 1), (2, 0, 1), id="aliases"
        ),
        # the gold surface itself, any case; twice is still one id
        pytest.param(
            [("GPE", "BAGHDAD"), ("GPE", "Baghdad")], (1, 0, 2), (1, 0, 2), id="surface-once"
        ),
        # unknown names are one FP per distinct normalised name:
        # "Foo Bar", "foo  bar." and "the Foo Bar" all normalise to "foo bar"
        pytest.param(
            [("PERSON", "Foo Bar"), ("PERSON", "foo  bar."), ("PERSON", "the Foo Bar")],
            (0, 1, 3),
            (0, 1, 3),
            id="unknown-name-once",
        ),
        # an alias of an entity not mentioned in this document does not resolve
        pytest.param([("GPE", "Iraq")], (0, 1, 3), (0, 1, 3), id="not-in-doc"),
        # typed: "US" as ORG finds the id but not the (id, type) pair
        pytest.param(
            [("ORG", "US"), ("ORG", "Department of Defense")], (2, 0, 1), (1, 1, 2), id="typed"
        ),
        # typed: one unknown name with two types is one untyped FP, two typed FPs
        pytest.param(
            [("PERSON", "Foo Bar"), ("ORG", "Foo Bar")], (0, 1, 3), (0, 2, 3), id="typed-unknown"
        ),
        # the untyped score ignores the type, an unknown one included; typed,
        # (pentagon, MISC) matches no gold pair
        pytest.param([("MISC", "Pentagon")], (1, 0, 2), (0, 1, 3), id="unknown-type"),
        pytest.param([], (0, 0, 3), (0, 0, 3), id="nothing"),
    ],
)
def test_offset_free_entity_level(
    names: list[tuple[str, str]], untyped: tuple[int, int, int], typed: tuple[int, int, int]
) -> None:
    pred = [PredictedEntity(t, name) for t, name in names]
    counts = match_entities(_doc_gold(), pred, REGISTRY_ALIASES, GOLD_TYPES)
    assert counts.offset_free == PRF(*untyped)
    assert counts.offset_free_typed == PRF(*typed)
    assert counts.unanchored == len(pred)


def test_offset_free_uses_span_text_and_invalid() -> None:
    # a system with offsets is scored offset-free on the text of its spans
    s = DOC.index("Pentagon")
    pred = [
        PredictedEntity("ORG", "Pentagon", Span(s, s + 8, "Pentagon")),
        PredictedEntity("GPE", "U.S."),
    ]
    counts = match_entities(_doc_gold(), pred, REGISTRY_ALIASES, GOLD_TYPES, invalid=2)
    # ids: pentagon, united_states -> TP 2; Baghdad FN; invalid items FP
    assert counts.offset_free == PRF(tp=2, fp=2, fn=1)
    assert counts.offset_free_typed == PRF(tp=2, fp=2, fn=1)
    assert counts.offset_free.score().precision == pytest.approx(0.5)
    assert counts.offset_free.score().recall == pytest.approx(2 / 3)
    # mention level: Pentagon COR; the unanchored prediction and the two invalid SPU
    assert row(counts.schemas["strict"]) == (1, 0, 0, 2, 3)
    assert counts.unanchored == 1


def test_offset_free_typed_uses_registry_type() -> None:
    # the registry type of an entity wins over the type of its mention
    gold = _doc_gold()
    pred = [PredictedEntity("ORG", "United States")]
    counts = match_entities(gold, pred, REGISTRY_ALIASES, {**GOLD_TYPES, "united_states": "ORG"})
    assert counts.offset_free_typed == PRF(tp=1, fp=0, fn=2)
