"""The messages sent to the model: a fixed system message, the document, the tasks.

Everything fixed here and in the layer modules was written for troopbench
from the label definitions; no text of the corpus articles or of
``gold/GUIDELINES.md`` (which quotes them) is part of it. The document being
extracted comes first in the user message (so requests about the same
document share a prefix a server can cache), with its creation date (dct)
for resolving relative dates, then the task instructions and the shape of the
answer.

k-shot examples (``shots`` > 0) are passages of *other* documents of the gold
with their gold answers (leave one document out): never the document being
extracted. Passages are sentences or lines around gold items, chosen
deterministically: documents in id order, round robin, each document's
richest passages first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.corpus import Document
from benchmark.gold import Gold
from systems.llm.layer import LayerTask, combined_schema
from systems.llm.parsing import AnswerSchema

SYSTEM = (
    "You are an information extraction engine working for an evaluation benchmark. "
    "You read one news article and answer with exactly one JSON object that follows "
    "the JSON Schema you are given: no explanations, no markdown, no code fences. "
    "Copy mention text from the article character for character. If there is nothing "
    "to report for a task, give an empty list."
)

_PASSAGE_REACH = 300


@dataclass(frozen=True, slots=True)
class Example:
    """A passage of another document and its gold answer (a JSON object)."""

    doc_id: str
    passage: str
    answer: str


def document_block(document: Document) -> str:
    return (
        f"Document creation date (dct): {document.dct.isoformat()}\n"
        f"Title: {document.title}\n"
        f"Article:\n<<<\n{document.text}\n>>>"
    )


def answer_schema(tasks: Sequence[LayerTask]) -> dict[str, Any]:
    return tasks[0].answer_schema() if len(tasks) == 1 else combined_schema(tasks)


_CHECKERS: dict[tuple[str, ...], AnswerSchema] = {}


def answer_checker(tasks: Sequence[LayerTask]) -> AnswerSchema:
    """The answer schema of ``tasks`` with its checkers, built once per layer set."""
    key = tuple(t.layer for t in tasks)
    if key not in _CHECKERS:
        _CHECKERS[key] = AnswerSchema(answer_schema(tasks))
    return _CHECKERS[key]


def user_message(
    document: Document, tasks: Sequence[LayerTask], examples: Sequence[Example] = ()
) -> str:
    parts = [document_block(document), ""]
    parts += [t.instructions + "\n" for t in tasks]
    schema = json.dumps(answer_schema(tasks), separators=(",", ":"))
    parts.append(f"Answer with one JSON object matching this JSON Schema:\n{schema}")
    if examples:
        parts.append("\nWorked examples from other articles (passage, then the answer for it):")
        for ex in examples:
            parts.append(f"Passage:\n<<<\n{ex.passage}\n>>>\nAnswer: {ex.answer}")
        parts.append("\nNow answer for the whole article above.")
    return "\n".join(parts)


def messages(
    document: Document, tasks: Sequence[LayerTask], examples: Sequence[Example] = ()
) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": user_message(document, tasks, examples)},
    ]


def repair_messages(
    original: Sequence[dict[str, str]], answer: str, problem: str
) -> list[dict[str, str]]:
    """The conversation so far plus a request to fix the answer (one repair)."""
    return [
        *original,
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": (
                f"That answer cannot be used: {problem}. Reply again with only the corrected "
                "JSON object, following the JSON Schema exactly."
            ),
        },
    ]


def _passage_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - _PASSAGE_REACH)
    cut = max(text.rfind("\n", lo, start), text.rfind(". ", lo, start))
    left = cut + 1 if cut >= 0 else lo
    hi = min(len(text), end + _PASSAGE_REACH)
    stops = [i for i in (text.find("\n", end, hi), text.find(". ", end, hi)) if i >= 0]
    right = min(stops) + 1 if stops else hi
    while left < start and text[left].isspace():
        left += 1
    return left, right


def select_examples(
    gold: Gold, exclude_doc: str, tasks: Sequence[LayerTask], k: int
) -> list[Example]:
    """``k`` passages with gold answers from documents other than ``exclude_doc``."""
    if k <= 0:
        return []
    per_doc: list[list[Example]] = []
    for gdoc in gold:
        if gdoc.doc_id == exclude_doc:
            continue
        text = gdoc.document.text
        items = [(t, span, item) for t in tasks for span, item in t.examples(gdoc, gold.registry)]
        seen: dict[tuple[int, int], list[tuple[LayerTask, dict[str, Any]]]] = {}
        for _, span, _ in items:
            bounds = _passage_bounds(text, span.start, span.end)
            if bounds in seen:
                continue
            seen[bounds] = [
                (t, item) for t, s, item in items if s.start >= bounds[0] and s.end <= bounds[1]
            ]
        ranked = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        examples = []
        for (lo, hi), inside in ranked:
            answer = {t.layer: [item for tt, item in inside if tt is t] for t in tasks}
            examples.append(Example(gdoc.doc_id, text[lo:hi], json.dumps(answer)))
        if examples:
            per_doc.append(examples)
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < k and any(depth < len(exs) for exs in per_doc):
        for exs in per_doc:
            if depth < len(exs) and len(chosen) < k:
                chosen.append(exs[depth])
        depth += 1
    return chosen
