"""System predictions: the types systems return, JSONL loading, and validation.

Systems do not know troopbench's entity ids, so they name things by text.
One :class:`Prediction` per document; a layer left as ``None`` is *not
attempted* (and reported as such, never as zero). The JSON form of a
prediction is one line of a predictions JSONL file and is checked against
``predictions.schema.json``; see docs/formats.md, "Prediction format".

Validation is per item: an item that breaks the schema, whose offsets fall
outside the text, or whose ``text`` disagrees with the document at its
offsets is rejected with an :class:`ItemError` naming the file or system,
the document, the item and what is wrong (a value outside a closed vocabulary,
such as entity type ``PERSN``, is named with the allowed values and the
nearest one: :mod:`benchmark.vocabulary`); a rejected item still counts as
one spurious prediction, so garbage can never raise a score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.inputs import BOUNDS, Bounds, InputError, check_value, iter_jsonl, open_regular
from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES, PredictedEntity
from benchmark.layers.stances import PredictedStance
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES, PredictedTimex
from benchmark.layers.troops import PredictedTroopCount
from benchmark.schemas import json_pointer, schema_validator
from benchmark.spans import Span
from benchmark.vocabulary import vocabulary_problem

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
        surface = item.get("text")
        if surface is not None and len(surface) > len(text):
            raise ValueError(
                f"text of {len(surface):,} characters cannot occur in a document of "
                f"{len(text):,} characters"
            )
        return None, surface
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


def _is_int(value: Any, minimum: int) -> bool:
    return type(value) is int and value >= minimum


def _offsets_ok(item: Mapping[str, Any]) -> bool:
    """``$defs/offsets`` of the predictions schema: start and end together (integers,
    at least 0 and 1), a non-empty ``text``, at least one of the two."""
    has_start, has_end = "start" in item, "end" in item
    if has_start != has_end:
        return False
    if has_start and not (_is_int(item["start"], 0) and _is_int(item["end"], 1)):
        return False
    if "text" in item:
        text = item["text"]
        if type(text) is not str or not text:
            return False
    return has_start or "text" in item


_ENTITY_KEYS = frozenset({"type", "start", "end", "text"})
_TIMEX_KEYS = frozenset({"value", "type", "mod", "start", "end", "text"})
_ENTITY_TYPES = frozenset(ENTITY_TYPES)
_TIMEX_TYPES = frozenset(TIMEX_TYPES)
_TIMEX_MODS = frozenset(TIMEX_MODS)


def _entity_ok(item: Any) -> bool:
    """Exactly ``$defs/entity``, for the common case (tested against the schema)."""
    if type(item) is not dict or not item.keys() <= _ENTITY_KEYS:
        return False
    kind = item.get("type")
    return type(kind) is str and kind in _ENTITY_TYPES and _offsets_ok(item)


def _timex_ok(item: Any) -> bool:
    """Exactly ``$defs/timex``, for the common case (tested against the schema)."""
    if type(item) is not dict or not item.keys() <= _TIMEX_KEYS:
        return False
    value = item.get("value")
    if type(value) is not str or not value:
        return False
    if "type" in item and not (type(item["type"]) is str and item["type"] in _TIMEX_TYPES):
        return False
    if "mod" in item and not (type(item["mod"]) is str and item["mod"] in _TIMEX_MODS):
        return False
    return _offsets_ok(item)


#: Checks that accept exactly what the schema accepts, many times faster than
#: jsonschema; an item they refuse goes to the schema, which says what is wrong.
_FAST_CHECKS = {"entities": _entity_ok, "timexes": _timex_ok}


@dataclass(frozen=True, slots=True)
class Rejected:
    """Stands in for an item of a system's :class:`Prediction` that could not even be
    turned into JSON (a dict, a number, ...): :func:`parse_prediction` rejects it
    with ``message``, counted like any other invalid item."""

    message: str
    pointer: str = ""  # where inside the document, if more precise than the item


def _check_item(
    layer: str, item: Any, pointer: str, text: str, bounds: Bounds
) -> tuple[object | None, tuple[str, str] | None]:
    """(converted item, None) or (None, (pointer, message))."""
    if isinstance(item, Rejected):
        return None, (item.pointer or pointer, item.message)
    try:
        check_value(item, pointer, bounds)
    except InputError as exc:
        return None, (exc.pointer, exc.message)
    fast = _FAST_CHECKS.get(layer)
    schema_errors = []
    if fast is None or not fast(item):  # the schema judges, and says what is wrong
        outside = vocabulary_problem(layer, item)  # said better than the schema's enum
        if outside is not None:
            return None, (f"{pointer}/{outside[0]}", outside[1])
        validator = schema_validator("predictions", _ITEM_DEF[layer])
        schema_errors = sorted(
            validator.iter_errors(item), key=lambda e: list(map(str, e.absolute_path))
        )
    if schema_errors:
        first = schema_errors[0]
        return None, (pointer + json_pointer(first.absolute_path), first.message)
    try:
        return _convert(layer, item, text), None
    except ValueError as exc:
        return None, (pointer, str(exc))


def parse_prediction(
    raw: Any, text: str, source: str, doc_id: str | None = None, bounds: Bounds = BOUNDS
) -> tuple[DocPredictions, list[ItemError]]:
    """Validate one document's JSON predictions item by item.

    The top level must be an object with the expected keys; a layer that is
    not a list is rejected whole (one error, counted as one invalid item), and
    so is a layer of more than ``bounds.max_items`` items (counted as that many).
    Each bad item (out of bounds, against the schema, or inconsistent with the
    text) is dropped, reported, and counted as one spurious prediction.
    """
    errors: list[ItemError] = []
    doc = doc_id or (raw.get("doc_id", "?") if isinstance(raw, Mapping) else "?")
    if not isinstance(doc, str):
        doc = "?"
    if not isinstance(raw, Mapping):
        errors.append(
            ItemError(source, doc, "", f"expected a JSON object, got {type(raw).__name__}")
        )
        return DocPredictions(doc), errors
    unknown = sorted(str(k) for k in set(raw) - {"doc_id", *LAYERS})
    if unknown:
        shown = ", ".join(k[:40] for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        errors.append(
            ItemError(
                source,
                doc,
                "",
                f"unknown key(s) {shown}; expected doc_id and {', '.join(LAYERS)}",
            )
        )
    layers: dict[str, tuple[object, ...] | None] = {}
    invalid: dict[str, int] = {}
    for layer in LAYERS:
        if layer not in raw:
            layers[layer] = None
            continue
        items = raw[layer]
        if not isinstance(items, list | tuple):
            message = (
                items.message
                if isinstance(items, Rejected)
                else f"expected a list, got {type(items).__name__}"
            )
            errors.append(ItemError(source, doc, f"/{layer}", message))
            layers[layer] = ()
            invalid[layer] = 1
            continue
        if len(items) > bounds.max_items:
            errors.append(
                ItemError(
                    source,
                    doc,
                    f"/{layer}",
                    f"{len(items):,} items; at most {bounds.max_items:,} allowed per layer "
                    "and document; all rejected",
                )
            )
            layers[layer] = ()
            invalid[layer] = len(items)
            continue
        kept = []
        for i, item in enumerate(items):
            converted, problem = _check_item(layer, item, f"/{layer}/{i}", text, bounds)
            if problem is not None:
                errors.append(ItemError(source, doc, *problem))
                invalid[layer] = invalid.get(layer, 0) + 1
            else:
                kept.append(converted)
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


def _some(ids: Sequence[str], shown: int = 5) -> str:
    """The first ``shown`` of ``ids``, and how many more: a message stays one short line."""
    head = ", ".join(ids[:shown])
    return head if len(ids) <= shown else f"{head} and {len(ids) - shown:,} more"


def load_predictions(
    path: Path,
    texts: Mapping[str, str],
    *,
    bounds: Bounds = BOUNDS,
    progress: Callable[[int], None] | None = None,
) -> PredictionsFile:
    """Read a JSONL predictions file (one object per document), one line at a time.

    Lines that are not UTF-8 or not JSON, are out of bounds, name an unknown
    document or repeat one are reported (file, line, pointer, reason) and
    skipped; the other lines are scored. A document with no line counts as
    predicted empty for every attempted layer (scored against the gold index).
    ``progress`` is called with the bytes read after each line.
    """
    documents: dict[str, DocPredictions] = {}
    errors: list[ItemError] = []
    source = path.name
    with open_regular(path) as handle:  # a FIFO or a device is refused, never read
        for line in iter_jsonl(handle, bounds):
            if progress is not None:
                progress(line.size)
            where = f"line {line.number}"
            if line.error is not None:
                errors.append(ItemError(source, where, line.error.pointer, line.error.message))
                continue
            raw = line.value
            doc_id = raw.get("doc_id") if isinstance(raw, dict) else None
            if not isinstance(doc_id, str) or doc_id not in texts:
                known = _some(sorted(texts))
                shown = repr(doc_id)[:80]
                errors.append(
                    ItemError(
                        source,
                        where,
                        "/doc_id",
                        f"unknown doc_id {shown}; known: {known}",
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
            at = f"{source} line {line.number}"
            parsed, item_errors = parse_prediction(raw, texts[doc_id], at, doc_id, bounds)
            documents[doc_id] = parsed
            errors.extend(item_errors)
    return PredictionsFile(documents, tuple(errors))
