"""Layer 1: named-entity mentions — records and matchers.

Mention level (predictions with offsets), the four SemEval-2013 Task 9.1
schemas:

=========  =====================================================
strict     exact boundaries and the same type
exact      exact boundaries, type ignored
partial    overlap counts, a non-exact overlap earns half credit
type       overlap and the same type
=========  =====================================================

Gold and predicted mentions are aligned one-to-one by
:func:`benchmark.spans.align` (exact boundaries first, then the same type,
then the largest overlap; independent of input order). For an aligned pair:

=========  ==========================  ==================
schema     correct (COR) when          otherwise
=========  ==========================  ==================
strict     same boundaries and type    INC
exact      same boundaries             INC
partial    same boundaries             PAR (half credit)
type       same type                   INC
=========  ==========================  ==================

An unaligned gold mention is MIS and an unaligned prediction SPU in every
schema. A prediction whose type is not one of :data:`ENTITY_TYPES` is never
aligned: it is SPU in every schema. A prediction without offsets cannot be
placed and is also SPU at mention level (it is scored offset-free below).

Per type ``T`` the counts take the view of items labelled ``T``: a gold ``T``
aligned with a predicted ``T`` is scored as above; a gold ``T`` left
unaligned or aligned with another type is MIS for ``T``; a predicted ``T``
left unaligned or aligned with a gold of another type is SPU for ``T``. So
POS_T is the number of gold ``T`` and ACT_T the number of predicted ``T``,
and the macro average is the mean over the types present in gold or
predictions.

Entity level (offset-free): per document, the gold set is the entity ids
mentioned in it. A predicted name resolves to an id when its normalised form
(:mod:`benchmark.aliases`) equals a normalised gold surface form or registry
alias of an entity mentioned in that document; names that resolve to nothing
are false positives, one per distinct normalised name. P/R/F1 is computed on
the sets of ids (``offset_free``) and of (id, type) pairs
(``offset_free_typed``). A system with offsets is scored both ways, using the
text of its spans as the names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.aliases import AliasIndex, unresolved_key
from benchmark.metrics import PRF, NERCounts, Score, macro_f1
from benchmark.spans import Span, align_phases

ENTITY_TYPES: tuple[str, ...] = ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT")
SCHEMAS: tuple[str, ...] = ("strict", "exact", "partial", "type")
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
        empty = {s: NERCounts() for s in SCHEMAS}
        return EntityCounts(
            schemas={s: self.schemas[s] + other.schemas[s] for s in SCHEMAS},
            per_type={
                t: {
                    s: self.per_type.get(t, empty)[s] + other.per_type.get(t, empty)[s]
                    for s in SCHEMAS
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
        """Mean F1 over the types present in gold or predictions."""
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
                t: {s: NERCounts.from_dict(by[s]) for s in SCHEMAS} for t, by in per_type.items()
            },
            offset_free=PRF.from_dict(data["offset_free"]),  # type: ignore[arg-type]
            offset_free_typed=PRF.from_dict(data["offset_free_typed"]),  # type: ignore[arg-type]
            unanchored=int(data["unanchored"]),  # type: ignore[arg-type]
        )


def _schema_counts(
    exact_same: int, exact_diff: int, over_same: int, over_diff: int, mis: int, spu: int
) -> dict[str, NERCounts]:
    """Per-schema counts from the four kinds of aligned pair (see module doc)."""
    exact, over = exact_same + exact_diff, over_same + over_diff
    return {
        "strict": NERCounts(cor=exact_same, inc=exact_diff + over, mis=mis, spu=spu),
        "exact": NERCounts(cor=exact, inc=over, mis=mis, spu=spu),
        "partial": NERCounts(cor=exact, par=over, mis=mis, spu=spu),
        "type": NERCounts(cor=exact_same + over_same, inc=exact_diff + over_diff, mis=mis, spu=spu),
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
    # unknown types, missing offsets and invalid items can never be aligned
    spu = len(p_spans) - len(taken_p) + unanchored + unknown + invalid
    overall = _schema_counts(
        n_same_exact,
        len(exact_pairs) - n_same_exact,
        n_same_over,
        len(over_pairs) - n_same_over,
        len(gold) - len(taken_g),
        spu,
    )
    gold_by_type = Counter(g_types)
    by_type = {}
    for t in sorted(set(gold_by_type) | set(pred_by_type)):
        exact, over = same_exact[t], same_over[t]
        by_type[t] = _schema_counts(
            exact, 0, over, 0, gold_by_type[t] - exact - over, pred_by_type[t] - exact - over
        )
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
        key = index.resolve(p.text) or unresolved_key(p.text)
        if p.type not in ENTITY_TYPES:
            key = unresolved_key(f"{p.text}\x00{p.type}")
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
