"""The ``llm`` system: an extractor for any OpenAI-compatible chat-completions server.

One module per concern: :mod:`~systems.llm.transport` (HTTP, retries,
budget), :mod:`~systems.llm.cache` (responses), :mod:`~systems.llm.prompts`
and the layer modules :mod:`~systems.llm.entities`,
:mod:`~systems.llm.timexes`, :mod:`~systems.llm.troops`,
:mod:`~systems.llm.stances` (instructions, schemas, conversion),
:mod:`~systems.llm.parsing` (lenient JSON and validation),
:mod:`~systems.llm.grounding` (text to offsets), :mod:`~systems.llm.serve`
(a local llama.cpp server) and :mod:`~systems.llm.system` (the extractor).
"""

from __future__ import annotations

from systems.llm.system import LLMSystem

__all__ = ["LLMSystem"]
