"""The LLM system's stance layer: instructions, schema, grounding of the evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry
from benchmark.layers.stances import LABELS
from benchmark.predictions import EvidenceSpan, StancePrediction
from benchmark.spans import Span
from systems.llm.grounding import Grounder
from systems.llm.layer import LayerTask, surface

INSTRUCTIONS = """\
Task "stances": the question is whether United States troops should leave or
be withdrawn from Iraq. List each named person, organisation, government or
country whose own position on that question the text reports:
- "holder": the holder's name as written in the text;
- "label": FAVOR if the holder wants, demands or supports the withdrawal;
  AGAINST if the holder wants the troops to stay, rejects or resists the
  withdrawal; NEUTRAL if the holder explicitly takes no side or says no
  decision has been made;
- "evidence": the exact words of the text that show the position (one short
  passage, copied character for character).
One entry per holder; leave out people whose position the text does not give."""

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "holder": {"type": "string"},
        "label": {"enum": list(LABELS)},
        "evidence": {"type": "string"},
    },
    "required": ["holder", "label", "evidence"],
    "additionalProperties": False,
}


def convert(
    items: Sequence[Mapping[str, Any]], grounder: Grounder, document: Document
) -> list[StancePrediction]:
    out = []
    for item in items:
        holder = item["holder"].strip()
        if not holder:
            continue
        evidence: tuple[EvidenceSpan, ...] = ()
        if item["evidence"].strip():
            where = grounder.locate(item["evidence"], reuse=True)
            if where.start is not None and where.end is not None:
                text = document.text[where.start : where.end]
                evidence = (EvidenceSpan(where.start, where.end, text),)
        out.append(StancePrediction(holder, item["label"], evidence))
    return out


def examples(gold: GoldDocument, registry: Registry) -> list[tuple[Span, dict[str, Any]]]:
    out = []
    for s in gold.stances:
        if not s.evidence:
            continue
        entry = registry.entries.get(s.holder)
        holder = surface(gold.document, s.holder_mentions[0]) if s.holder_mentions else None
        holder = holder or (entry.name if entry else s.holder)
        span = s.evidence[0]
        item = {"holder": holder, "label": s.label, "evidence": surface(gold.document, span)}
        out.append((span, item))
    return out


TASK = LayerTask("stances", INSTRUCTIONS, ITEM_SCHEMA, convert, examples)
