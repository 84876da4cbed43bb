"""System predictions: the types systems return, JSONL loading, and validation.

Systems do not know troopbench's entity ids, so they name things by text.
One :class:`Prediction` per document; a layer left as ``None`` is *not
attempted* (and reported as such, never as zero). The JSON form of a
prediction is one line of a predictions JSONL file and is checked against
``predictions.schema.json``; see README "Prediction format".

Validation is per item: an item that breaks the schema, whose offsets fall
outside the text, or whose ``text`` disagrees with the document at its
offsets is rejected with an :class:`ItemError` naming the file or system,
the document, the item and what is wrong; a rejected item still counts as
one spurious prediction, so garbage can never raise a score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.layers import LAYERS
from benchmark.layers.entities import PredictedEntity
from benchmark.layers.stances import PredictedStance
from benchmark.layers.timexes import PredictedTimex
from benchmark.layers.troops import PredictedTroopCount
from benchmark.schemas import json_pointer, schema_validator
from benchmark.spans import Span

# ------------------------------------------------------------ what systems return


@dataclass(frozen=True, slots=True)
class EntityPrediction:
    """A named-entity mention: ``type`` and offsets and/or ``text``."""

    type: str
    start: int | None = None
    end: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class TimexPrediction:
    """A temporal expression: TIMEX3 ``value`` and offsets and/or ``text``."""

    value: str
    type: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    mod: str | None = None


@dataclass(frozen=True, slots=True)
class TroopPrediction:
    """A troop count: ``value`` and ``location`` (a name, or None)."""

    value: int
    location: str | None
    force: str | None = None
    qualifier: str | None = None
    time: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceSpan:
    start: int
    end: int
    text: str | None = None


@dataclass(frozen=True, slots=True)
class StancePrediction:
    """A stance: ``holder`` (a name, or the offsets of a mention of it) and
    ``label``; evidence spans optional."""

    holder: str | EvidenceSpan
    label: str
    evidence: tuple[EvidenceSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class Prediction:
    """Everything a system says about one document; ``None`` = layer not attempted."""

    doc_id: str
    entities: Sequence[EntityPrediction] | None = None
    timexes: Sequence[TimexPrediction] | None = None
    troop_counts: Sequence[TroopPrediction] | None = None
    stances: Sequence[StancePrediction] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSONL form (``None`` fields are left out)."""
        out: dict[str, Any] = {"doc_id": self.doc_id}
        for layer in LAYERS:
            items = getattr(self, layer)
            if items is not None:
                out[layer] = [_item_json(item) for item in items]
        return out


#: Keys written even when None: the schema requires them (null allowed).
_REQUIRED_NULLABLE = frozenset({"location"})


def _item_json(item: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in item.__slots__:  # type: ignore[attr-defined]
        value = getattr(item, name)
        if name == "evidence":
            out[name] = [_item_json(e) for e in value]
        elif isinstance(value, EvidenceSpan):  # a stance holder given by offsets
            out[name] = _item_json(value)
        elif value is not None or name in _REQUIRED_NULLABLE:
            out[name] = value
    return out


# ------------------------------------------------------------ validated form


@dataclass(frozen=True, slots=True)
class ItemError:
    """A rejected item, a failed document, or a broken line."""

    source: str
    doc_id: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.doc_id}: {self.pointer or '/'}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"doc_id": self.doc_id, "item": self.pointer, "message": self.message}


@dataclass(frozen=True, slots=True)
class DocPredictions:
    """One document's validated predictions, ready to score.

    Troop locations and forces and stance holders are still *names* here;
    the scorer resolves them against the gold registry. ``invalid`` counts
    the rejected items per layer (each scored as spurious).
    """

    doc_id: str
    entities: tuple[PredictedEntity, ...] | None = None
    timexes: tuple[PredictedTimex, ...] | None = None
    troop_counts: tuple[PredictedTroopCount, ...] | None = None
    stances: tuple[PredictedStance, ...] | None = None
    invalid: Mapping[str, int] = field(default_factory=dict)

    def attempted(self) -> frozenset[str]:
        return frozenset(layer for layer in LAYERS if getattr(self, layer) is not None)

    def to_json(self) -> dict[str, Any]:
        """The JSONL prediction format of the validated items (attempted layers only).

        Reading it back with :func:`parse_prediction` gives these items again;
        rejected items are gone (``invalid`` is kept in results files instead).
        """
        out: dict[str, Any] = {"doc_id": self.doc_id}
        for layer in LAYERS:
            items = getattr(self, layer)
            if items is not None:
                out[layer] = [_validated_json(layer, item) for item in items]
        return out


def _offsets_json(span: Span | None, text: str | None) -> dict[str, Any]:
    if span is not None:
        return {"start": span.start, "end": span.end, "text": span.text}
    return {"text": text} if text else {}


def _validated_json(layer: str, item: Any) -> dict[str, Any]:
    out: dict[str, Any]
    if layer == "entities":
        out = {"type": item.type, **_offsets_json(item.span, item.text)}
    elif layer == "timexes":
        out = {"value": item.value}
        if item.type is not None:
            out["type"] = item.type
        out.update(_offsets_json(item.span, item.text))
        if item.mod is not None:
            out["mod"] = item.mod
    elif layer == "troop_counts":
        out = {"value": item.value, "location": item.location}
        for key in ("force", "qualifier", "time"):
            if getattr(item, key) is not None:
                out[key] = getattr(item, key)
        if item.span is not None:
            out.update(_offsets_json(item.span, None))
    else:
        holder = item.holder_span
        out = {
            "holder": item.holder if holder is None else _offsets_json(holder, None),
            "label": item.label,
        }
        if item.evidence:
            out["evidence"] = [_offsets_json(e, None) for e in item.evidence]
    return out


def _span_of(item: Mapping[str, Any], text: str) -> tuple[Span | None, str | None]:
    """Span and surface from offsets and/or text; raises ValueError when inconsistent."""
    if "start" not in item:
        return None, item.get("text")
    start, end = item["start"], item["end"]
    if end > len(text):
        raise ValueError(f"end {end} is beyond the end of the text ({len(text)} characters)")
    if start >= end:
        raise ValueError(f"empty or inverted span: start {start} >= end {end}")
    surface = text[start:end]
    if item.get("text") is not None and item["text"] != surface:
        raise ValueError(
            f"text {item['text']!r} does not match the document at [{start}:{end}], "
            f"which reads {surface!r}"
        )
    return Span(start, end, surface), surface


def _convert(layer: str, item: Mapping[str, Any], text: str) -> object:
    if layer == "stances":
        evidence = tuple(s for s in (_span_of(e, text)[0] for e in item.get("evidence", ())) if s)
        holder = item["holder"]
        if isinstance(holder, str):
            return PredictedStance(holder=holder, label=item["label"], evidence=evidence)
        try:
            span, _ = _span_of(holder, text)
        except ValueError as error:
            raise ValueError(f"holder: {error}") from error
        assert span is not None  # the schema requires start and end
        return PredictedStance(span.text, item["label"], evidence, holder_span=span)
    span, surface = _span_of(item, text)
    if layer == "entities":
        return PredictedEntity(type=item["type"], text=surface or "", span=span)
    if layer == "timexes":
        return PredictedTimex(
            value=item["value"], type=item.get("type"), text=surface, span=span, mod=item.get("mod")
        )
    return PredictedTroopCount(
        value=item["value"],
        location=item["location"],
        force=item.get("force"),
        qualifier=item.get("qualifier"),
        time=item.get("time"),
        span=span,
    )


_ITEM_DEF = {
    "entities": "entity",
    "timexes": "timex",
    "troop_counts": "troopCount",
    "stances": "stance",
}


def parse_prediction(
    raw: Any, text: str, source: str, doc_id: str | None = None
) -> tuple[DocPredictions, list[ItemError]]:
    """Validate one document's JSON predictions item by item.

    The top level must be an object with the expected keys; a layer that is
    not a list is rejected whole (one error, no items). Each bad item is
    dropped, reported, and counted as one spurious prediction.
    """
    errors: list[ItemError] = []
    doc = doc_id or (raw.get("doc_id", "?") if isinstance(raw, Mapping) else "?")
    if not isinstance(raw, Mapping):
        errors.append(
            ItemError(source, doc, "", f"expected a JSON object, got {type(raw).__name__}")
        )
        return DocPredictions(doc), errors
    unknown = sorted(set(raw) - {"doc_id", *LAYERS})
    if unknown:
        errors.append(
            ItemError(
                source,
                doc,
                "",
                f"unknown key(s) {', '.join(unknown)}; expected doc_id and {', '.join(LAYERS)}",
            )
        )
    layers: dict[str, tuple[object, ...] | None] = {}
    invalid: dict[str, int] = {}
    for layer in LAYERS:
        if layer not in raw:
            layers[layer] = None
            continue
        items = raw[layer]
        if not isinstance(items, list):
            errors.append(
                ItemError(source, doc, f"/{layer}", f"expected a list, got {type(items).__name__}")
            )
            layers[layer] = ()
            invalid[layer] = 1
            continue
        validator = schema_validator("predictions", _ITEM_DEF[layer])
        kept = []
        for i, item in enumerate(items):
            pointer = f"/{layer}/{i}"
            schema_errors = sorted(
                validator.iter_errors(item), key=lambda e: list(map(str, e.absolute_path))
            )
            if schema_errors:
                first = schema_errors[0]
                errors.append(
                    ItemError(
                        source, doc, pointer + json_pointer(first.absolute_path), first.message
                    )
                )
                invalid[layer] = invalid.get(layer, 0) + 1
                continue
            try:
                kept.append(_convert(layer, item, text))
            except ValueError as exc:
                errors.append(ItemError(source, doc, pointer, str(exc)))
                invalid[layer] = invalid.get(layer, 0) + 1
        layers[layer] = tuple(kept)
    return DocPredictions(doc, invalid=invalid, **layers), errors  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PredictionsFile:
    """A whole predictions JSONL file, validated against the gold documents."""

    documents: Mapping[str, DocPredictions]
    errors: tuple[ItemError, ...]

    def attempted(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for doc in self.documents.values():
            out |= doc.attempted()
        return out


def load_predictions(path: Path, texts: Mapping[str, str]) -> PredictionsFile:
    """Read a JSONL predictions file (one object per document).

    Lines that are not JSON, name an unknown document or repeat one are
    reported and skipped; a document with no line counts as predicted empty
    for every attempted layer (scored against the gold index).
    """
    documents: dict[str, DocPredictions] = {}
    errors: list[ItemError] = []
    source = path.name
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"line {lineno}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(
                    ItemError(source, where, "", f"not valid JSON: {exc.msg} at column {exc.colno}")
                )
                continue
            doc_id = raw.get("doc_id") if isinstance(raw, dict) else None
            if not isinstance(doc_id, str) or doc_id not in texts:
                known = ", ".join(sorted(texts))
                errors.append(
                    ItemError(
                        source, where, "/doc_id", f"unknown doc_id {doc_id!r}; known: {known}"
                    )
                )
                continue
            if doc_id in documents:
                errors.append(
                    ItemError(
                        source,
                        where,
                        "/doc_id",
                        f"second line for {doc_id}; only the first is scored",
                    )
                )
                continue
            parsed, item_errors = parse_prediction(raw, texts[doc_id], source, doc_id)
            documents[doc_id] = parsed
            errors.extend(item_errors)
    return PredictionsFile(documents, tuple(errors))
