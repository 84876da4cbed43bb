"""The LLM system's troop-count layer: instructions, schema, grounding of the number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry
from benchmark.predictions import TroopPrediction
from benchmark.spans import Span
from systems.llm.grounding import Grounder
from systems.llm.layer import LayerTask, surface

QUALIFIERS = ("exact", "approximately", "more_than", "less_than")
TIMES = ("current", "historical", "planned")

INSTRUCTIONS = """\
Task "troop_counts": list every stated number of military personnel (soldiers,
troops, service members, advisers, marines) that are stationed, deployed,
sent or to be withdrawn somewhere. Do not list people killed or wounded, or
civilians, or sums of money. For each:
- "text": the exact characters of the number as written (digits or words);
- "value": the number as an integer;
- "location": the name of the country or place where they are, or null;
- "force": whose personnel they are (a country or organisation name), or null;
- "qualifier": exact, approximately ("about", "some"), more_than or less_than;
- "time": current (there now, as of the dct), historical (in the past) or
  planned (a future deployment or withdrawal)."""

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "value": {"type": "integer", "minimum": 0},
        "location": {"type": ["string", "null"]},
        "force": {"type": ["string", "null"]},
        "qualifier": {"enum": list(QUALIFIERS)},
        "time": {"enum": list(TIMES)},
    },
    "required": ["text", "value", "location", "force", "qualifier", "time"],
    "additionalProperties": False,
}


def _name(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def convert(
    items: Sequence[Mapping[str, Any]], grounder: Grounder, document: Document
) -> list[TroopPrediction]:
    out = []
    for item in items:
        where = grounder.locate(item["text"])
        common = {
            "value": item["value"],
            "location": _name(item["location"]),
            "force": _name(item["force"]),
            "qualifier": item["qualifier"],
            "time": item["time"],
        }
        if where.start is not None and where.end is not None:
            text = document.text[where.start : where.end]
            out.append(TroopPrediction(**common, start=where.start, end=where.end, text=text))
        else:
            out.append(TroopPrediction(**common))
    return out


def examples(gold: GoldDocument, registry: Registry) -> list[tuple[Span, dict[str, Any]]]:
    def name(entity_id: str | None) -> str | None:
        entry = registry.entries.get(entity_id) if entity_id else None
        return entry.name if entry else None

    return [
        (
            t.span,
            {
                "text": surface(gold.document, t.span),
                "value": t.value,
                "location": name(t.location),
                "force": name(t.force),
                "qualifier": t.qualifier,
                "time": t.time,
            },
        )
        for t in gold.troop_counts
    ]


TASK = LayerTask("troop_counts", INSTRUCTIONS, ITEM_SCHEMA, convert, examples)
