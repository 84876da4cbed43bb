"""The LLM system's temporal-expression layer: TIMEX3 instructions, schema, grounding.

The document creation time (dct) is given in the prompt, and the model is
asked to resolve relative expressions against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES
from benchmark.predictions import TimexPrediction
from benchmark.spans import Span
from systems.llm.grounding import Grounder
from systems.llm.layer import LayerTask, surface

TYPES = TIMEX_TYPES
MODS = TIMEX_MODS

INSTRUCTIONS = (
    """\
Task "timexes": list every temporal expression (TimeML TIMEX3), in text order:
words that name a point or period in time, a length of time, or a recurrence.
Give the exact characters of the text in "text", then:
- "type": DATE for a calendar day, week, month, season, year, decade or a
  relative or vague reference to one; TIME for a time of day or a part of a
  day; DURATION for an amount of time; SET for something that repeats.
- "value": the normalised value. Resolve relative and partial expressions
  against the document creation date (dct) given above. Formats: 2021-03-09,
  2021-03, 2021, 2021-W10, 2021-Q1, 1990s as 199X; PRESENT_REF, PAST_REF or
  FUTURE_REF for vague now/past/future; a duration as P plus an amount and a
  unit (P3D, P2W, P6M, P1Y, PT5H), with X for an unknown amount (PXY).
- "mod": a modifier when the expression says "before", "after", "less than",
  "more than", "start/middle/end of", "about", otherwise null. One of:
  """
    + ", ".join(MODS)
    + "."
)

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "type": {"enum": list(TYPES)},
        "value": {"type": "string"},
        "mod": {"enum": [*MODS, None]},
    },
    "required": ["text", "type", "value", "mod"],
    "additionalProperties": False,
}


def convert(
    items: Sequence[Mapping[str, Any]], grounder: Grounder, document: Document
) -> list[TimexPrediction]:
    out = []
    for item in items:
        where = grounder.locate(item["text"])
        value = item["value"].strip() or "XXXX"
        mod = item.get("mod") or None
        if where.start is not None and where.end is not None:
            text = document.text[where.start : where.end]
            out.append(TimexPrediction(value, item["type"], where.start, where.end, text, mod))
        elif item["text"].strip():
            out.append(TimexPrediction(value, item["type"], text=item["text"].strip(), mod=mod))
    return out


def examples(gold: GoldDocument, registry: Registry) -> list[tuple[Span, dict[str, Any]]]:
    return [
        (
            t.span,
            {
                "text": surface(gold.document, t.span),
                "type": t.type,
                "value": t.value,
                "mod": t.mod,
            },
        )
        for t in gold.timexes
    ]


TASK = LayerTask("timexes", INSTRUCTIONS, ITEM_SCHEMA, convert, examples)
