"""What each layer module of the LLM system provides: :class:`LayerTask`.

A layer task holds the instructions for one annotation layer (written for
troopbench from the label definitions, in our own words: no text of the
articles or of the guidelines), the JSON Schema of one answer item, how the
answer items become troopbench predictions (grounding mention text to
offsets), and how a gold item becomes an answer item for k-shot examples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry
from benchmark.spans import Span
from systems.llm.grounding import Grounder

#: One converted answer item: a prediction object of benchmark.predictions.
Converter = Callable[[Sequence[Mapping[str, Any]], Grounder, Document], list[Any]]
#: The gold items of a document as (span, answer item), for k-shot examples.
ExampleSource = Callable[[GoldDocument, Registry], list[tuple[Span, dict[str, Any]]]]


@dataclass(frozen=True)
class LayerTask:
    """One layer as the model sees it (module doc)."""

    layer: str  # the troopbench layer name
    instructions: str
    item_schema: Mapping[str, Any]
    convert: Converter
    examples: ExampleSource

    def answer_schema(self) -> dict[str, Any]:
        """The JSON Schema of an answer for this layer alone: ``{layer: [item, ...]}``."""
        return {
            "type": "object",
            "properties": {self.layer: {"type": "array", "items": dict(self.item_schema)}},
            "required": [self.layer],
            "additionalProperties": False,
        }


def combined_schema(tasks: Sequence[LayerTask]) -> dict[str, Any]:
    """The JSON Schema of one answer covering every task's layer."""
    return {
        "type": "object",
        "properties": {t.layer: {"type": "array", "items": dict(t.item_schema)} for t in tasks},
        "required": [t.layer for t in tasks],
        "additionalProperties": False,
    }


def surface(document: Document, span: Span) -> str:
    return document.text[span.start : span.end]
