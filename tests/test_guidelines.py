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


TE3_TML = ROOT / "gold" / "te3-platinum" / "tml"
BACKTICKED = re.compile(r"`([^`\n]+)`")


def _te3_texts() -> dict[str, str]:
    import xml.etree.ElementTree as ET

    texts = {}
    for path in sorted(TE3_TML.glob("*.tml")):
        node = ET.parse(path).getroot().find("TEXT")
        assert node is not None, path
        texts[path.stem] = "".join(node.itertext())
    return texts


def test_section_11_quotes_no_te3_platinum_text() -> None:
    """§11 (news in general) uses made-up examples only: no backtick-quoted phrase of it
    (two words or more; single names such as `Europe` and ids are not quotations)
    occurs, as whole words, in any te3-platinum text."""
    guidelines = (ROOT / "gold" / "GUIDELINES.md").read_text(encoding="utf-8")
    section = guidelines[guidelines.index("## 11. ") :]
    phrases = sorted({q for q in BACKTICKED.findall(section) if len(q.split()) >= 2})
    assert len(phrases) > 80
    texts = _te3_texts()
    assert len(texts) == 20
    found = [
        (phrase, doc_id)
        for phrase in phrases
        for doc_id, text in texts.items()
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
    ]
    assert found == []
