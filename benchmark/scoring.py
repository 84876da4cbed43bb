"""Scoring: (gold, validated predictions) → per-document counts → metrics.

Pure functions. Every gold document is scored for every attempted layer,
whether or not the system produced anything for it (a skipped document
counts, with nothing predicted). Layers the system does not attempt are
absent from the result and reported as "not attempted", never as zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Any

from benchmark.aliases import unresolved_key
from benchmark.gold import Gold, GoldDocument, Registry
from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES, SCHEMAS, EntityCounts, match_entities
from benchmark.layers.stances import LABELS, StanceCounts, holder_index, match_stances, resolve_holder
from benchmark.layers.timexes import TimexCounts, match_timexes
from benchmark.layers.troops import TroopCounts, match_troops
from benchmark.metrics import Score
from benchmark.predictions import DocPredictions

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


def score_layer(layer: str, gold_doc: GoldDocument, pred: DocPredictions, registry: Registry) -> Counts:
    """One document's counts for one attempted layer."""
    invalid = pred.invalid.get(layer, 0)
    if layer == "entities":
        return match_entities(
            gold_doc.entities, pred.entities or (), registry.aliases, registry.types, invalid
        )
    if layer == "timexes":
        return match_timexes(gold_doc.timexes, pred.timexes or (), invalid)
    if layer == "troop_counts":
        resolved = [
            dataclasses.replace(
                p, location=_resolve(p.location, registry), force=_resolve(p.force, registry)
            )
            for p in pred.troop_counts or ()
        ]
        return match_troops(gold_doc.troop_counts, resolved, invalid)
    if layer == "stances":
        doc_index = holder_index(gold_doc.stances, registry.aliases)
        resolved_stances = [
            dataclasses.replace(p, holder=resolve_holder(p.holder, doc_index, registry.index))
            for p in pred.stances or ()
        ]
        return match_stances(gold_doc.stances, resolved_stances, invalid)
    raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


@dataclass(frozen=True)
class Evaluation:
    """Per-document counts for every attempted layer, in doc_id order."""

    attempted: tuple[str, ...]
    per_doc: Mapping[str, Mapping[str, Counts]]  # layer -> doc_id -> counts

    def total(self, layer: str) -> Counts:
        counts = list(self.per_doc[layer].values())
        return reduce(add, counts) if counts else COUNT_TYPES[layer]()

    def metrics(self, layer: str) -> dict[str, Any]:
        return layer_metrics(layer, self.total(layer))


def evaluate(
    gold: Gold, predictions: Mapping[str, DocPredictions], attempted: frozenset[str]
) -> Evaluation:
    """Score predictions against every gold document, for each attempted layer."""
    layers = tuple(layer for layer in LAYERS if layer in attempted)
    per_doc: dict[str, dict[str, Counts]] = {layer: {} for layer in layers}
    for doc_id, gold_doc in gold.documents.items():
        pred = predictions.get(doc_id) or DocPredictions(doc_id)
        for layer in layers:
            per_doc[layer][doc_id] = score_layer(layer, gold_doc, pred, gold.registry)
    return Evaluation(layers, per_doc)


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
            out[f"{schema}_macro_f1"] = counts.macro(schema)
        _prf("offset_free", counts.offset_free.score(), out, empty)
        _prf("offset_free_typed", counts.offset_free_typed.score(), out, empty)
        out["per_type"] = {
            t: {s: counts.type_score(t, s).f1 for s in SCHEMAS}
            for t in ENTITY_TYPES
            if t in counts.per_type
        }
        out["unanchored"] = counts.unanchored
    elif isinstance(counts, TimexCounts):
        _prf("strict", counts.strict.score(), out, empty)
        _prf("relaxed", counts.relaxed.score(), out, empty)
        _prf("value", counts.value.score(), out, empty)
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
