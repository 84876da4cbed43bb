"""Scoring: (gold, validated predictions) → per-document counts → metrics.

Pure functions. Every gold document is scored for every attempted layer,
whether or not the system produced anything for it (a skipped document
counts, with nothing predicted). Layers the system does not attempt are
absent from the result and reported as "not attempted", never as zero.

Per-unit counts
---------------
:func:`evaluate` also scores every *unit* (a paragraph, see
:mod:`benchmark.units`) so that :mod:`benchmark.stats` can resample units.
Two kinds of metric are treated differently (:func:`score_units`):

* **Span-level metrics** (entity mentions in all four schemas and per type;
  timex strict, relaxed and value P/R/F1 and the type/value/mod accuracies):
  gold and predictions of a document are partitioned by unit and the layer's
  own matcher is run on each unit. Gold spans never cross a line break, so
  no alignment can pair items of two paragraphs, and the per-document totals
  equal the sums over units (tested on the fixture corpus). The one
  exception: a *predicted* span that itself crosses a line break is placed in
  the paragraph of its start and can only be aligned there, while the
  document-level matcher may align it with a gold span on the next line;
  such a results file says ``"consistent": false`` under ``per_unit``.
* **Document-level set metrics** do not decompose by paragraph: entity-level
  (offset-free) P/R/F1 over sets of entity ids, timex offset-free P/R/F1
  over sets of values, troop tuples (a multiset per document) with their
  attribute accuracies, and every stance count (sets of (holder, label) and
  of holders, per-label sets, label pairs). Partitioning them would change
  the metric (an entity named in three paragraphs would become three gold
  items; a stance whose predicted evidence lies in another paragraph than
  the gold evidence would become a false positive *and* a miss). They are
  therefore matched once per document, exactly as the scorer does, and each
  outcome is *attributed* to one unit: a true positive, a miss, a label pair
  or an attribute decision to the unit of its gold item (the first mention of
  an entity id, the first timex with a value, the gold troop count, the gold
  stance), a false positive to the unit of its predicted item (the earliest
  among the predictions that produced it), and rejected items to the
  unplaced unit. Sums over units equal the document totals by construction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import add
from typing import Any

from benchmark.aliases import unresolved_key
from benchmark.gold import Gold, GoldDocument, Registry
from benchmark.layers import LAYERS
from benchmark.layers.entities import (
    ENTITY_TYPES,
    PER_TYPE_SCHEMAS,
    SCHEMAS,
    EntityCounts,
    count_mentions,
    doc_alias_index,
    entity_key,
    match_entities,
)
from benchmark.layers.stances import (
    CONFLICT,
    LABELS,
    StanceCounts,
    match_stances,
    resolve_holder,
)
from benchmark.layers.timexes import TimexCounts, match_timexes
from benchmark.layers.troops import TroopCounts, match_troops, pair_troops
from benchmark.metrics import PRF, Accuracy, Score
from benchmark.predictions import DocPredictions
from benchmark.units import DocUnits, segment

Counts = EntityCounts | TimexCounts | TroopCounts | StanceCounts

COUNT_TYPES: dict[str, type[Any]] = {
    "entities": EntityCounts,
    "timexes": TimexCounts,
    "troop_counts": TroopCounts,
    "stances": StanceCounts,
}

#: The metric each layer's leaderboard is ranked by.
PRIMARY: dict[str, str] = {
    "entities": "strict_f1",
    "timexes": "value_f1",
    "troop_counts": "tuple_f1",
    "stances": "tuple_f1",
}


def _resolve(name: str | None, registry: Registry) -> str | None:
    if name is None:
        return None
    return registry.index.resolve(name) or unresolved_key(name)


def resolved_troops(pred: DocPredictions, registry: Registry) -> list[Any]:
    """Predicted troop counts with location and force names resolved to ids, in order."""
    return [
        dataclasses.replace(
            p, location=_resolve(p.location, registry), force=_resolve(p.force, registry)
        )
        for p in pred.troop_counts or ()
    ]


def resolved_stances(gold_doc: GoldDocument, pred: DocPredictions, registry: Registry) -> list[Any]:
    """Predicted stances with holder names resolved to ids, in order (see
    :func:`benchmark.layers.stances.resolve_holder`)."""
    metonyms = registry.metonym_index(gold_doc.doc_id)
    return [
        dataclasses.replace(p, holder=resolve_holder(p.holder, metonyms, registry.index))
        for p in pred.stances or ()
    ]


def score_layer(
    layer: str, gold_doc: GoldDocument, pred: DocPredictions, registry: Registry
) -> Counts:
    """One document's counts for one attempted layer."""
    invalid = pred.invalid.get(layer, 0)
    if layer == "entities":
        return match_entities(
            gold_doc.entities, pred.entities or (), registry.aliases, registry.types, invalid
        )
    if layer == "timexes":
        return match_timexes(gold_doc.timexes, pred.timexes or (), invalid)
    if layer == "troop_counts":
        return match_troops(gold_doc.troop_counts, resolved_troops(pred, registry), invalid)
    if layer == "stances":
        return match_stances(gold_doc.stances, resolved_stances(gold_doc, pred, registry), invalid)
    raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


# ------------------------------------------------------------ per-unit scoring


def _partition(
    items: Sequence[Any], place: Callable[[Any], str], units: DocUnits
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {u: [] for u in units.ids}
    for item in items:
        out[place(item)].append(item)
    return out


def _earliest(table: dict[Any, str], key: Any, unit: str, order: Mapping[str, int]) -> None:
    if key not in table or order[unit] < order[table[key]]:
        table[key] = unit


def _attribute(
    gold: Mapping[Any, str], pred: Mapping[Any, str], invalid: int, unplaced: str
) -> dict[str, PRF]:
    """Set P/R counts attributed to units: TP and FN to the gold key's unit, FP
    to the predicted key's unit, ``invalid`` false positives to ``unplaced``."""
    tally: dict[str, list[int]] = {}
    for key, unit in gold.items():
        tally.setdefault(unit, [0, 0, 0])[0 if key in pred else 2] += 1
    for key, unit in pred.items():
        if key not in gold:
            tally.setdefault(unit, [0, 0, 0])[1] += 1
    if invalid:
        tally.setdefault(unplaced, [0, 0, 0])[1] += invalid
    return {u: PRF(*v) for u, v in tally.items()}


def place_entity(p: Any, units: DocUnits) -> str:
    """Unit of a predicted entity or timex: its span start, else its text."""
    return units.at(p.span.start) if p.span is not None else units.of_text(p.text)


def place_troop(p: Any, units: DocUnits) -> str:
    """Unit of a predicted troop count: its span start, else where its value is written."""
    return units.at(p.span.start) if p.span is not None else units.of_number(p.value)


def place_gold_stance(s: Any, units: DocUnits) -> str:
    """Unit of a gold stance: its earliest evidence span, else its earliest holder mention."""
    return (
        units.of_spans(e.start for e in s.evidence)
        or units.of_spans(m.start for m in s.holder_mentions)
        or units.unplaced
    )


def place_predicted_stance(p: Any, units: DocUnits) -> str:
    """Unit of a predicted stance (holder still a name): earliest evidence, else
    the holder's offsets, else where the name is written."""
    if p.holder_span is not None:
        return units.of_spans(e.start for e in p.evidence) or units.at(p.holder_span.start)
    return units.of_spans(e.start for e in p.evidence) or units.of_text(p.holder)


def _entity_units(
    gold_doc: GoldDocument, pred: DocPredictions, registry: Registry, units: DocUnits
) -> dict[str, EntityCounts]:
    preds = pred.entities or ()
    invalid = pred.invalid.get("entities", 0)
    order = {u: i for i, u in enumerate(units.ids)}
    gold_by = _partition(gold_doc.entities, lambda g: units.at(g.span.start), units)
    placed = [(p, place_entity(p, units)) for p in preds]
    pred_by: dict[str, list[Any]] = {u: [] for u in units.ids}
    for p, u in placed:
        pred_by[u].append(p)
    # entity level (offset-free), mirroring layers.entities.count_entity_level
    index = doc_alias_index(gold_doc.entities, registry.aliases)
    gold_ids: dict[Any, str] = {}
    gold_typed: dict[Any, str] = {}
    for g in sorted(gold_doc.entities, key=lambda m: (m.span.start, m.span.end)):
        unit = units.at(g.span.start)
        _earliest(gold_ids, g.entity, unit, order)
        _earliest(gold_typed, (g.entity, registry.types.get(g.entity, g.type)), unit, order)
    pred_ids: dict[Any, str] = {}
    pred_typed: dict[Any, str] = {}
    for p, unit in placed:
        key = entity_key(p.text, index)
        _earliest(pred_ids, key, unit, order)
        _earliest(pred_typed, (key, p.type), unit, order)
    free = _attribute(gold_ids, pred_ids, invalid, units.unplaced)
    typed = _attribute(gold_typed, pred_typed, invalid, units.unplaced)
    out: dict[str, EntityCounts] = {}
    for u in units.ids:
        overall, by_type, unanchored = count_mentions(
            gold_by[u], pred_by[u], invalid if u == units.unplaced else 0
        )
        out[u] = EntityCounts(
            schemas=overall,
            per_type=by_type,
            offset_free=free.get(u, PRF()),
            offset_free_typed=typed.get(u, PRF()),
            unanchored=unanchored,
        )
    return out


def _timex_units(
    gold_doc: GoldDocument, pred: DocPredictions, units: DocUnits
) -> dict[str, TimexCounts]:
    preds = pred.timexes or ()
    invalid = pred.invalid.get("timexes", 0)
    order = {u: i for i, u in enumerate(units.ids)}
    gold_by = _partition(gold_doc.timexes, lambda g: units.at(g.span.start), units)
    placed = [(p, place_entity(p, units)) for p in preds]
    pred_by: dict[str, list[Any]] = {u: [] for u in units.ids}
    for p, u in placed:
        pred_by[u].append(p)
    gold_values: dict[Any, str] = {}
    for g in sorted(gold_doc.timexes, key=lambda t: (t.span.start, t.span.end)):
        _earliest(gold_values, g.value, units.at(g.span.start), order)
    pred_values: dict[Any, str] = {}
    for p, unit in placed:
        _earliest(pred_values, p.value, unit, order)
    free = _attribute(gold_values, pred_values, invalid, units.unplaced)
    out: dict[str, TimexCounts] = {}
    for u in units.ids:
        counts = match_timexes(gold_by[u], pred_by[u], invalid if u == units.unplaced else 0)
        out[u] = dataclasses.replace(counts, offset_free=free.get(u, PRF()))
    return out


def _troop_units(
    gold_doc: GoldDocument, pred: DocPredictions, registry: Registry, units: DocUnits
) -> dict[str, TroopCounts]:
    """Troop tuples are a multiset per document: matched as in layers.troops, attributed."""
    resolved = resolved_troops(pred, registry)
    invalid = pred.invalid.get("troop_counts", 0)
    tally: dict[str, list[int]] = {u: [0] * 9 for u in units.ids}  # tp fp fn, (correct, total) x 3
    paired_gold: set[int] = set()
    paired_pred: set[int] = set()
    for g, p in pair_troops(gold_doc.troop_counts, resolved):
        row = tally[units.at(g.span.start)]
        row[0] += 1
        for i, attr in enumerate(("qualifier", "force", "time")):
            row[3 + 2 * i] += getattr(g, attr) == getattr(p, attr)
            row[4 + 2 * i] += 1
        paired_gold.add(id(g))
        paired_pred.add(id(p))
    for g in gold_doc.troop_counts:
        if id(g) not in paired_gold:
            tally[units.at(g.span.start)][2] += 1
    for p in resolved:
        if id(p) not in paired_pred:
            tally[place_troop(p, units)][1] += 1
    tally[units.unplaced][1] += invalid
    return {
        u: TroopCounts(PRF(*v[:3]), Accuracy(*v[3:5]), Accuracy(*v[5:7]), Accuracy(*v[7:9]))
        for u, v in tally.items()
    }


def _stance_units(
    gold_doc: GoldDocument, pred: DocPredictions, registry: Registry, units: DocUnits
) -> dict[str, StanceCounts]:
    """Stance sets are per document: matched as in layers.stances, attributed."""
    resolved = resolved_stances(gold_doc, pred, registry)
    raw = pred.stances or ()
    invalid = pred.invalid.get("stances", 0)
    order = {u: i for i, u in enumerate(units.ids)}
    gold_unit: dict[str, str] = {}
    gold_tuples: dict[Any, str] = {}
    for s in gold_doc.stances:
        unit = place_gold_stance(s, units)
        gold_unit.setdefault(s.holder, unit)
        gold_tuples.setdefault((s.holder, s.label), unit)
    pred_tuples: dict[Any, str] = {}
    pred_holders: dict[Any, str] = {}
    pred_labels: dict[str, set[str]] = {}
    for r, p in zip(raw, resolved, strict=True):
        unit = place_predicted_stance(r, units)
        _earliest(pred_tuples, (p.holder, p.label), unit, order)
        _earliest(pred_holders, p.holder, unit, order)
        pred_labels.setdefault(p.holder, set()).add(p.label)
    tuples = _attribute(gold_tuples, pred_tuples, invalid, units.unplaced)
    holders = _attribute(gold_unit, pred_holders, invalid, units.unplaced)
    per_label = {
        lab: _attribute(
            {k: u for k, u in gold_tuples.items() if k[1] == lab},
            {k: u for k, u in pred_tuples.items() if k[1] == lab},
            0,
            units.unplaced,
        )
        for lab in LABELS
    }
    gold_labels = {s.holder: s.label for s in gold_doc.stances}
    pairs: dict[str, list[tuple[str, str]]] = {u: [] for u in units.ids}
    for holder in sorted(gold_labels):
        if holder in pred_labels:
            labels = pred_labels[holder]
            predicted = next(iter(labels)) if len(labels) == 1 else CONFLICT
            pairs[gold_unit[holder]].append((gold_labels[holder], predicted))
    return {
        u: StanceCounts(
            tuples=tuples.get(u, PRF()),
            holders=holders.get(u, PRF()),
            per_label={lab: per_label[lab].get(u, PRF()) for lab in LABELS},
            label_pairs=tuple(pairs[u]),
        )
        for u in units.ids
    }


def score_units(
    layer: str, gold_doc: GoldDocument, pred: DocPredictions, registry: Registry, units: DocUnits
) -> dict[str, Counts]:
    """One document's counts per unit (every unit of the document, in order); see module doc."""
    if layer == "entities":
        return _entity_units(gold_doc, pred, registry, units)  # type: ignore[return-value]
    if layer == "timexes":
        return _timex_units(gold_doc, pred, units)  # type: ignore[return-value]
    if layer == "troop_counts":
        return _troop_units(gold_doc, pred, registry, units)  # type: ignore[return-value]
    if layer == "stances":
        return _stance_units(gold_doc, pred, registry, units)  # type: ignore[return-value]
    raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


@dataclass(frozen=True)
class Evaluation:
    """Per-document and per-unit counts for every attempted layer, in doc_id order.

    ``per_unit[layer]`` maps every unit id of the corpus (see
    :mod:`benchmark.units`), in corpus order, to its counts; ``invalid[layer]``
    maps doc ids to the number of items rejected by validation (nonzero only).
    """

    attempted: tuple[str, ...]
    per_doc: Mapping[str, Mapping[str, Counts]]  # layer -> doc_id -> counts
    per_unit: Mapping[str, Mapping[str, Counts]] = field(default_factory=dict)
    invalid: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def units(self) -> tuple[str, ...]:
        for layer in self.attempted:
            return tuple(self.per_unit.get(layer, {}))
        return ()

    def total(self, layer: str) -> Counts:
        counts = list(self.per_doc[layer].values())
        return reduce(add, counts) if counts else COUNT_TYPES[layer]()

    def metrics(self, layer: str) -> dict[str, Any]:
        return layer_metrics(layer, self.total(layer))


def evaluate(
    gold: Gold, predictions: Mapping[str, DocPredictions], attempted: frozenset[str]
) -> Evaluation:
    """Score predictions against every gold document, for each attempted layer that
    the gold's corpus annotates (the others are "not annotated": never scored)."""
    layers = tuple(layer for layer in LAYERS if layer in attempted and layer in gold.layers)
    per_doc: dict[str, dict[str, Counts]] = {layer: {} for layer in layers}
    per_unit: dict[str, dict[str, Counts]] = {layer: {} for layer in layers}
    invalid: dict[str, dict[str, int]] = {layer: {} for layer in layers}
    for doc_id, gold_doc in gold.documents.items():
        pred = predictions.get(doc_id) or DocPredictions(doc_id)
        units = segment(doc_id, gold_doc.document.text)
        for layer in layers:
            per_doc[layer][doc_id] = score_layer(layer, gold_doc, pred, gold.registry)
            per_unit[layer].update(score_units(layer, gold_doc, pred, gold.registry, units))
            if pred.invalid.get(layer):
                invalid[layer][doc_id] = pred.invalid[layer]
    return Evaluation(layers, per_doc, per_unit, invalid)


# ------------------------------------------------------------ flat count vectors

_NER = ("cor", "inc", "par", "mis", "spu")
_PRF = ("tp", "fp", "fn")
_ACC = ("correct", "total")
PAIR_LABELS: tuple[str, ...] = (*LABELS, CONFLICT)


def unit_fields(layer: str) -> tuple[str, ...]:
    """Names of the integer counts kept per unit in results files (see :func:`flatten`)."""
    if layer == "entities":
        return (
            *(f"{s}.{k}" for s in SCHEMAS for k in _NER),
            *(f"strict.{t}.{k}" for t in ENTITY_TYPES for k in _NER),
            *(f"offset_free.{k}" for k in _PRF),
            *(f"offset_free_typed.{k}" for k in _PRF),
            "unanchored",
        )
    if layer == "timexes":
        return (
            *(f"{m}.{k}" for m in ("strict", "relaxed", "value", "offset_free") for k in _PRF),
            *(
                f"{m}.{k}"
                for m in ("type_accuracy", "value_accuracy", "mod_accuracy")
                for k in _ACC
            ),
            "unanchored",
        )
    if layer == "troop_counts":
        return (
            *(f"tuples.{k}" for k in _PRF),
            *(f"{a}.{k}" for a in ("qualifier", "force", "time") for k in _ACC),
        )
    if layer == "stances":
        return (
            *(f"tuples.{k}" for k in _PRF),
            *(f"holders.{k}" for k in _PRF),
            *(f"per_label.{lab}.{k}" for lab in LABELS for k in _PRF),
            *(f"pairs.{g}.{p}" for g in LABELS for p in PAIR_LABELS),
        )
    raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


def flatten(layer: str, counts: Counts) -> tuple[int, ...]:
    """A counts object as the integer vector named by :func:`unit_fields`.

    Everything the leaderboard's F1 figures are computed from survives
    (per-type counts for the strict schema only, label pairs as a confusion
    table), so any of them can be recomputed from a sum of vectors.
    """
    out: list[int] = []
    if isinstance(counts, EntityCounts):
        for s in SCHEMAS:
            out += [getattr(counts.schemas[s], k) for k in _NER]
        for t in ENTITY_TYPES:
            by = counts.per_type.get(t)
            out += [getattr(by["strict"], k) for k in _NER] if by else [0] * len(_NER)
        out += [getattr(counts.offset_free, k) for k in _PRF]
        out += [getattr(counts.offset_free_typed, k) for k in _PRF]
        out.append(counts.unanchored)
    elif isinstance(counts, TimexCounts):
        for m in ("strict", "relaxed", "value", "offset_free"):
            out += [getattr(getattr(counts, m), k) for k in _PRF]
        for m in ("type_accuracy", "value_accuracy", "mod_accuracy"):
            out += [getattr(getattr(counts, m), k) for k in _ACC]
        out.append(counts.unanchored)
    elif isinstance(counts, TroopCounts):
        out += [getattr(counts.tuples, k) for k in _PRF]
        for a in ("qualifier", "force", "time"):
            out += [getattr(getattr(counts, a), k) for k in _ACC]
    elif isinstance(counts, StanceCounts):
        out += [getattr(counts.tuples, k) for k in _PRF]
        out += [getattr(counts.holders, k) for k in _PRF]
        for lab in LABELS:
            out += [getattr(counts.per_label[lab], k) for k in _PRF]
        pairs = {(g, p): 0 for g in LABELS for p in PAIR_LABELS}
        for pair in counts.label_pairs:
            pairs[pair] += 1
        out += list(pairs.values())
    else:
        raise TypeError(f"not a counts type for layer {layer!r}: {type(counts).__name__}")
    if len(out) != len(unit_fields(layer)):
        raise TypeError(f"counts of type {type(counts).__name__} do not belong to layer {layer!r}")
    return tuple(out)


# ------------------------------------------------------------ flat metric tables


def _prf(prefix: str, score: Score, out: dict[str, Any], empty: list[str]) -> None:
    out[f"{prefix}_precision"] = score.precision
    out[f"{prefix}_recall"] = score.recall
    out[f"{prefix}_f1"] = score.f1
    if score.no_predictions:
        empty.append(f"{prefix}: no predictions (precision 0/0, reported as 0)")
    if score.no_gold:
        empty.append(f"{prefix}: no gold items (recall 0/0, reported as 0)")


def layer_metrics(layer: str, counts: Counts) -> dict[str, Any]:
    """Flat ``name → value`` metrics for one layer, plus ``empty_denominators``."""
    out: dict[str, Any] = {}
    empty: list[str] = []
    if isinstance(counts, EntityCounts):
        for schema in SCHEMAS:
            _prf(schema, counts.score(schema), out, empty)
        for schema in PER_TYPE_SCHEMAS:
            out[f"{schema}_macro_f1"] = counts.macro(schema)
        _prf("offset_free", counts.offset_free.score(), out, empty)
        _prf("offset_free_typed", counts.offset_free_typed.score(), out, empty)
        out["per_type"] = {
            t: {s: counts.type_score(t, s).f1 for s in PER_TYPE_SCHEMAS}
            for t in ENTITY_TYPES
            if t in counts.per_type
        }
        out["unanchored"] = counts.unanchored
    elif isinstance(counts, TimexCounts):
        _prf("strict", counts.strict.score(), out, empty)
        _prf("relaxed", counts.relaxed.score(), out, empty)
        _prf("value", counts.value.score(), out, empty)
        out["type_f1"] = counts.type_f1()
        out["type_accuracy"] = counts.type_accuracy.value
        out["value_accuracy"] = counts.value_accuracy.value
        out["mod_accuracy"] = counts.mod_accuracy.value
        _prf("offset_free", counts.offset_free.score(), out, empty)
        out["unanchored"] = counts.unanchored
    elif isinstance(counts, TroopCounts):
        _prf("tuple", counts.tuples.score(), out, empty)
        for attr in ("qualifier", "force", "time"):
            out[f"{attr}_accuracy"] = getattr(counts, attr).value
    elif isinstance(counts, StanceCounts):
        _prf("tuple", counts.tuples.score(), out, empty)
        _prf("holder", counts.holders.score(), out, empty)
        for label in LABELS:
            out[f"{label.lower()}_f1"] = counts.label_score(label).f1
        out["f_avg"] = counts.f_avg()
        out["label_accuracy"] = counts.label_accuracy.value
        out["label_macro_f1"] = counts.label_macro_f1()
        if counts.label_accuracy.empty:
            empty.append("label_accuracy: no gold holder found (0/0, reported as 0)")
    else:
        raise TypeError(f"not a counts type for layer {layer!r}: {type(counts).__name__}")
    out["empty_denominators"] = empty
    return out
