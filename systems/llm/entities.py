"""The LLM system's entity layer: instructions, answer schema, grounding.

The model lists named mentions with a type; each is grounded to offsets
(:mod:`systems.llm.grounding`), or kept offset-free when it cannot be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry
from benchmark.layers.entities import ENTITY_TYPES
from benchmark.predictions import EntityPrediction
from benchmark.spans import Span
from systems.llm.grounding import Grounder
from systems.llm.layer import LayerTask, surface

INSTRUCTIONS = """\
Task "entities": list every mention of a named entity, in the order they appear.
A mention is a proper name as written in the text; skip pronouns, common nouns
and job titles on their own. If a name occurs several times, list it each time.
Give the exact characters of the text in "text" and one type:
- PERSON: an individual human being named by name.
- NORP: a nationality, a religious group or a political group, usually written
  as an adjective or a plural (for example "Canadian", "Buddhists", "Tories").
- ORG: an organisation with a name: a government body, a ministry, an army or
  militia, a party, a company, a news agency, an international body.
- GPE: a place that has a government: a country, a state or province, a city.
- LOC: a named place without a government: a region, a river, a sea, a desert.
- FAC: a named built structure: a base, an airport, a building, a bridge.
- EVENT: a named happening: a war, a battle, a named military operation, a summit."""

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "type": {"enum": list(ENTITY_TYPES)},
    },
    "required": ["text", "type"],
    "additionalProperties": False,
}


def convert(
    items: Sequence[Mapping[str, Any]], grounder: Grounder, document: Document
) -> list[EntityPrediction]:
    out = []
    for item in items:
        where = grounder.locate(item["text"])
        if where.start is not None and where.end is not None:
            text = document.text[where.start : where.end]
            out.append(EntityPrediction(item["type"], where.start, where.end, text))
        elif item["text"].strip():
            out.append(EntityPrediction(item["type"], text=item["text"].strip()))
    return out


def examples(gold: GoldDocument, registry: Registry) -> list[tuple[Span, dict[str, Any]]]:
    return [
        (m.span, {"text": surface(gold.document, m.span), "type": m.type}) for m in gold.entities
    ]


TASK = LayerTask("entities", INSTRUCTIONS, ITEM_SCHEMA, convert, examples)
