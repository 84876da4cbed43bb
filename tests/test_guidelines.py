"""Every example the guidelines quote from the corpus occurs verbatim in its article."""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.corpus import read_seed, seed_paths

ROOT = Path(__file__).resolve().parent.parent
QUOTE = re.compile(r"\[(\d{3})\] `([^`]+)`")


def test_guideline_quotes_are_verbatim() -> None:
    text = (ROOT / "gold" / "GUIDELINES.md").read_text(encoding="utf-8")
    seeds = {doc_id[:3]: read_seed(path) for doc_id, path in seed_paths(ROOT / "seeds").items()}
    quotes = QUOTE.findall(text)
    assert len(quotes) > 300
    missing = [(doc, q) for doc, q in quotes if q not in seeds[doc]]
    assert missing == []


def test_guidelines_cover_every_layer_and_the_hard_cases() -> None:
    text = (ROOT / "gold" / "GUIDELINES.md").read_text(encoding="utf-8")
    for heading in (
        "Layer 1: entity mentions",
        "Layer 2: temporal expressions",
        "Layer 3: troop counts",
        "Layer 4: stances",
        "Hard cases",
        "Document creation times",
    ):
        assert heading in text
