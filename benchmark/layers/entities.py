"""Layer 1: named-entity mentions — records and matchers.

Mention level (predictions with offsets), the four SemEval-2013 Task 9.1
schemas:

=========  =====================================================
strict     exact boundaries and the same type
exact      exact boundaries, type ignored
partial    overlap counts, a non-exact overlap earns half credit
type       overlap and the same type, boundaries ignored
=========  =====================================================

Only predictions with offsets and a type of :data:`ENTITY_TYPES` take part
in an alignment; every other valid prediction (unknown type, or no offsets)
and every rejected item is SPU in every schema, never dropped.

Two one-to-one alignments are used (:mod:`benchmark.spans`, both independent
of input order, the label being the type):

* strict, exact and partial use the *boundaries-first* alignment: exact
  boundaries first, then the same type, then the largest overlap;
* type uses the *label-first* alignment: the same type first, then exact
  boundaries, then the largest overlap. The type schema ignores boundaries,
  so it pairs a gold mention with a same-type overlap before a wrong-type
  exact match. Example: gold ORG[0,5); predictions GPE[0,5) and ORG[1,4).
  Strict/exact/partial pair ORG[0,5) with GPE[0,5) (strict INC, exact COR,
  partial COR) and ORG[1,4) is SPU; type pairs ORG[0,5) with ORG[1,4) (COR)
  and GPE[0,5) is SPU. Against nervaluate 1.2.1, which matches greedily in
  prediction order: with GPE[0,5) listed first it gives type INC 1, SPU 1
  (as troopbench did before this rule); with ORG[1,4) first it gives type
  COR 1, SPU 1, as troopbench now does in either order, but then also exact
  INC and partial PAR, losing the exact-boundary match that troopbench keeps.
  POS is the number of gold mentions and ACT the number of predictions in
  both.

For an aligned pair:

=========  ==========================  ==================
schema     correct (COR) when          otherwise
=========  ==========================  ==================
strict     same boundaries and type    INC
exact      same boundaries             INC
partial    same boundaries             PAR (half credit)
type       same type                   INC
=========  ==========================  ==================

An unaligned gold mention is MIS and an unaligned prediction SPU.
POS = COR + INC + PAR + MIS is always the number of gold mentions and ACT =
COR + INC + PAR + SPU the number of predictions (plus rejected items).

Per type ``T`` (schemas strict, partial and type; see
:data:`PER_TYPE_SCHEMAS`) the counts take the view of items labelled ``T``:
a gold ``T`` aligned with a predicted ``T`` is scored as above (strict: COR
for exact boundaries, INC for an overlap; partial: COR or PAR; type: COR,
from the label-first alignment); a gold ``T`` left unaligned or aligned with
another type is MIS for ``T``; a predicted ``T`` (offsets or not) left
unaligned or aligned with a gold of another type is SPU for ``T``. So POS_T
is the number of gold ``T`` and ACT_T the number of predicted ``T``, and the
macro-F1 of a schema is the unweighted mean of F1_T over the types present
in gold or predictions of the corpus (0.0 if none). Per-type *exact* would
equal per-type strict by construction (a pair only counts for ``T`` when both
sides are ``T``), so it is not reported.

Entity level (offset-free), per document. Gold: the set of ids of the
document's gold mentions (untyped), and of (id, registry type of id)
(typed). Each valid prediction (with or without offsets; its name is its
``text``, or the text of its span) gives one key: the id its name resolves
to among the entities mentioned in the document (normalised comparison,
:mod:`benchmark.aliases`, with every gold surface form and registry alias of
those entities; an ambiguous name takes the alphabetically first id), else
``"?" + normalised name``. Untyped: the set of keys, whatever the predicted
type (an unknown type included). Typed: the set of (key, predicted type).
P/R/F1 of sets: TP = |gold ∩ predicted|, FP = |predicted| - TP + rejected
items, FN = |gold| - TP. So repeating a name is one item; two names that
normalise alike are one item; two unresolved names that normalise
differently (two spellings) are two false positives. A system with offsets
is scored both ways, using the text of its spans as the names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.aliases import AliasIndex, unresolved_key
from benchmark.metrics import PRF, NERCounts, Score, macro_f1
from benchmark.spans import Span, align_label_first, align_phases

ENTITY_TYPES: tuple[str, ...] = ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT")
SCHEMAS: tuple[str, ...] = ("strict", "exact", "partial", "type")
#: Schemas reported per type and macro-averaged (per-type exact = per-type strict).
PER_TYPE_SCHEMAS: tuple[str, ...] = ("strict", "partial", "type")
_KNOWN_TYPES = frozenset(ENTITY_TYPES)


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A gold mention: its span, its type and the registry id it refers to."""

    span: Span
    type: str
    entity: str


@dataclass(frozen=True, slots=True)
class PredictedEntity:
    """A predicted mention: a type, and a span or at least a name."""

    type: str
    text: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class EntityCounts:
    """One document's (or a corpus's) entity counts; supports ``+``."""

    schemas: Mapping[str, NERCounts] = field(
        default_factory=lambda: {s: NERCounts() for s in SCHEMAS}
    )
    per_type: Mapping[str, Mapping[str, NERCounts]] = field(default_factory=dict)
    offset_free: PRF = PRF()
    offset_free_typed: PRF = PRF()
    unanchored: int = 0

    def __add__(self, other: EntityCounts) -> EntityCounts:
        types = sorted(set(self.per_type) | set(other.per_type))
        empty = {s: NERCounts() for s in PER_TYPE_SCHEMAS}
        return EntityCounts(
            schemas={s: self.schemas[s] + other.schemas[s] for s in SCHEMAS},
            per_type={
                t: {
                    s: self.per_type.get(t, empty)[s] + other.per_type.get(t, empty)[s]
                    for s in PER_TYPE_SCHEMAS
                }
                for t in types
            },
            offset_free=self.offset_free + other.offset_free,
            offset_free_typed=self.offset_free_typed + other.offset_free_typed,
            unanchored=self.unanchored + other.unanchored,
        )

    def score(self, schema: str) -> Score:
        return self.schemas[schema].score(partial_credit=schema == "partial")

    def type_score(self, entity_type: str, schema: str) -> Score:
        return self.per_type[entity_type][schema].score(partial_credit=schema == "partial")

    def macro(self, schema: str) -> float:
        """Mean F1 over the types present in gold or predictions (a :data:`PER_TYPE_SCHEMAS`)."""
        if schema not in PER_TYPE_SCHEMAS:
            raise ValueError(f"no per-type figures for schema {schema!r}; see PER_TYPE_SCHEMAS")
        return macro_f1(self.type_score(t, schema) for t in sorted(self.per_type))

    def to_dict(self) -> dict[str, object]:
        return {
            "schemas": {s: c.to_dict() for s, c in self.schemas.items()},
            "per_type": {
                t: {s: c.to_dict() for s, c in by_schema.items()}
                for t, by_schema in sorted(self.per_type.items())
            },
            "offset_free": self.offset_free.to_dict(),
            "offset_free_typed": self.offset_free_typed.to_dict(),
            "unanchored": self.unanchored,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EntityCounts:
        schemas = data["schemas"]
        per_type = data["per_type"]
        assert isinstance(schemas, Mapping) and isinstance(per_type, Mapping)
        return cls(
            schemas={s: NERCounts.from_dict(schemas[s]) for s in SCHEMAS},
            per_type={
                t: {s: NERCounts.from_dict(by[s]) for s in PER_TYPE_SCHEMAS}
                for t, by in per_type.items()
            },
            offset_free=PRF.from_dict(data["offset_free"]),  # type: ignore[arg-type]
            offset_free_typed=PRF.from_dict(data["offset_free_typed"]),  # type: ignore[arg-type]
            unanchored=int(data["unanchored"]),  # type: ignore[arg-type]
        )


def _boundary_schemas(
    exact_same: int, exact_diff: int, over_same: int, over_diff: int, mis: int, spu: int
) -> dict[str, NERCounts]:
    """Strict, exact and partial counts from the four kinds of boundaries-first pair."""
    exact, over = exact_same + exact_diff, over_same + over_diff
    return {
        "strict": NERCounts(cor=exact_same, inc=exact_diff + over, mis=mis, spu=spu),
        "exact": NERCounts(cor=exact, inc=over, mis=mis, spu=spu),
        "partial": NERCounts(cor=exact, par=over, mis=mis, spu=spu),
    }


def count_mentions(
    gold: Sequence[EntityMention], pred: Sequence[PredictedEntity], invalid: int = 0
) -> tuple[dict[str, NERCounts], dict[str, dict[str, NERCounts]], int]:
    """Mention-level counts per schema and per type, and the unanchored count.

    ``invalid`` predictions (rejected by validation) count as spurious.
    """
    known = _KNOWN_TYPES
    g_spans = [(g.span.start, g.span.end) for g in gold]
    g_types = [g.type for g in gold]
    p_spans: list[tuple[int, int]] = []
    p_types: list[str] = []
    unplaced_types: list[str] = []  # known types without offsets: SPU for their type
    unanchored = unknown = 0
    for p in pred:
        span = p.span
        if span is None:
            unanchored += 1
            if p.type in known:
                unplaced_types.append(p.type)
        elif p.type in known:
            p_spans.append((span.start, span.end))
            p_types.append(p.type)
        else:
            unknown += 1
    pred_by_type = Counter(p_types)
    pred_by_type.update(unplaced_types)
    exact_pairs, over_pairs, taken_g, taken_p = align_phases(g_spans, p_spans, g_types, p_types)
    # the same type: (type, exact) of same-type pairs; exact pairs come from the first phase
    same_exact = Counter(t for gi, pj in exact_pairs if (t := g_types[gi]) == p_types[pj])
    same_over = Counter(t for gi, pj in over_pairs if (t := g_types[gi]) == p_types[pj])
    n_same_exact = sum(same_exact.values())
    n_same_over = sum(same_over.values())
    typed_pairs = align_label_first(g_spans, p_spans, g_types, p_types)
    same_typed = Counter(t for gi, pj in typed_pairs if (t := g_types[gi]) == p_types[pj])
    n_same_typed = sum(same_typed.values())
    # unknown types, missing offsets and invalid items can never be aligned
    never = unanchored + unknown + invalid
    overall = _boundary_schemas(
        n_same_exact,
        len(exact_pairs) - n_same_exact,
        n_same_over,
        len(over_pairs) - n_same_over,
        len(gold) - len(taken_g),
        len(p_spans) - len(taken_p) + never,
    )
    overall["type"] = NERCounts(
        cor=n_same_typed,
        inc=len(typed_pairs) - n_same_typed,
        mis=len(gold) - len(typed_pairs),
        spu=len(p_spans) - len(typed_pairs) + never,
    )
    gold_by_type = Counter(g_types)
    by_type = {}
    for t in sorted(set(gold_by_type) | set(pred_by_type)):
        exact, over, typed = same_exact[t], same_over[t], same_typed[t]
        mis, spu = gold_by_type[t] - exact - over, pred_by_type[t] - exact - over
        by_type[t] = {
            "strict": NERCounts(cor=exact, inc=over, mis=mis, spu=spu),
            "partial": NERCounts(cor=exact, par=over, mis=mis, spu=spu),
            "type": NERCounts(cor=typed, mis=gold_by_type[t] - typed, spu=pred_by_type[t] - typed),
        }
    return overall, by_type, unanchored


def doc_alias_index(
    gold: Sequence[EntityMention], registry_aliases: Mapping[str, Sequence[str]]
) -> AliasIndex:
    """Names of the entities mentioned in one document: gold surfaces and aliases."""
    names: dict[str, list[str]] = {}
    for g in gold:
        names.setdefault(g.entity, []).append(g.span.text)
    for entity_id in names:
        names[entity_id].extend(registry_aliases.get(entity_id, ()))
    return AliasIndex.build(names)


def entity_key(name: str, index: AliasIndex) -> str:
    """Offset-free key of a predicted name: its resolved id, else its unresolved key."""
    return index.resolve(name) or unresolved_key(name)


def _set_prf(gold: set[object], pred: set[object]) -> PRF:
    tp = len(gold & pred)
    return PRF(tp=tp, fp=len(pred) - tp, fn=len(gold) - tp)


def count_entity_level(
    gold: Sequence[EntityMention],
    pred: Sequence[PredictedEntity],
    index: AliasIndex,
    gold_types: Mapping[str, str],
    invalid: int = 0,
) -> tuple[PRF, PRF]:
    """Offset-free counts: (ids, (id, type) pairs), invalid items as false positives."""
    gold_ids = {g.entity for g in gold}
    gold_typed = {(g.entity, gold_types.get(g.entity, g.type)) for g in gold}
    pred_ids: set[object] = set()
    pred_typed: set[object] = set()
    for p in pred:
        key = entity_key(p.text, index)
        pred_ids.add(key)
        pred_typed.add((key, p.type))
    untyped = _set_prf(set(gold_ids), pred_ids)
    typed = _set_prf(set(gold_typed), pred_typed)
    return untyped + PRF(fp=invalid), typed + PRF(fp=invalid)


def match_entities(
    gold: Sequence[EntityMention],
    pred: Sequence[PredictedEntity],
    registry_aliases: Mapping[str, Sequence[str]],
    gold_types: Mapping[str, str],
    invalid: int = 0,
) -> EntityCounts:
    """All entity counts for one document."""
    overall, by_type, unanchored = count_mentions(gold, pred, invalid)
    index = doc_alias_index(gold, registry_aliases)
    untyped, typed = count_entity_level(gold, pred, index, gold_types, invalid)
    return EntityCounts(
        schemas=overall,
        per_type=by_type,
        offset_free=untyped,
        offset_free_typed=typed,
        unanchored=unanchored,
    )
