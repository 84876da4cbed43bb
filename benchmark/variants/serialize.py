"""Gold documents and registries back to the on-disk gold format (gold/FORMAT.md), byte for byte.

The inverse of :mod:`benchmark.gold`'s loader: key order, two-space
indentation, non-ASCII kept, a final newline. Loading a gold file and
writing it back with :func:`document_bytes` gives the same bytes, which is
what the identity transformation is tested against.
"""

from __future__ import annotations

import json
from typing import Any

from benchmark.gold import GoldDocument, Registry
from benchmark.spans import Span


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def document_json(gold: GoldDocument) -> dict[str, Any]:
    """The JSON object of a gold document file."""
    doc = gold.document
    timexes = []
    for t in gold.timexes:
        item = {**_span(t.span), "type": t.type, "value": t.value}
        if t.mod is not None:
            item["mod"] = t.mod
        timexes.append(item)
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "dct": doc.dct.isoformat(),
        "dct_certainty": doc.dct_certainty,
        "dct_evidence": [{**_span(e.span), "note": e.note} for e in doc.dct_evidence],
        "entities": [{**_span(m.span), "type": m.type, "entity": m.entity} for m in gold.entities],
        "timexes": timexes,
        "troop_counts": [
            {
                **_span(c.span),
                "value": c.value,
                "qualifier": c.qualifier,
                "force": c.force,
                "location": c.location,
                "time": c.time,
            }
            for c in gold.troop_counts
        ],
        "stances": [
            {
                "holder": s.holder,
                "holder_mentions": [_span(m) for m in s.holder_mentions],
                "label": s.label,
                "evidence": [_span(e) for e in s.evidence],
            }
            for s in gold.stances
        ],
    }


def registry_json(registry: Registry) -> dict[str, Any]:
    """The JSON object of ``entities.json`` (entries sorted by id; metonyms, if any, in
    their order)."""
    data: dict[str, Any] = {
        "entities": [
            {"id": e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases)}
            for _, e in sorted(registry.entries.items())
        ]
    }
    if registry.metonyms:
        data["metonyms"] = [
            {"doc_id": m.doc_id, "name": m.name, "entity": m.entity, "note": m.note}
            for m in registry.metonyms
        ]
    return data


def dumps(data: Any) -> bytes:
    """Gold-file bytes: two-space indentation, UTF-8, non-ASCII kept, final newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def document_bytes(gold: GoldDocument) -> bytes:
    return dumps(document_json(gold))


def registry_bytes(registry: Registry) -> bytes:
    return dumps(registry_json(registry))
