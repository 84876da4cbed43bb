"""The prediction-format example of docs/formats.md is valid against the real article text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import benchmark
from benchmark.predictions import parse_prediction

ROOT = Path(__file__).resolve().parent.parent


def format_example() -> dict[str, object]:
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split("## Prediction format", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block is not None
    data: dict[str, object] = json.loads(block.group(1))
    return data


def test_the_format_example_has_the_real_offsets() -> None:
    example = format_example()
    gold = benchmark.load_gold()
    doc_id = str(example["doc_id"])
    text = gold.documents[doc_id].document.text
    parsed, errors = parse_prediction(example, text, "docs/formats.md", doc_id)
    assert errors == []
    # every item with offsets says what the article reads there
    for layer in ("entities", "timexes"):
        for item in example[layer]:  # type: ignore[attr-defined]
            if "start" in item:
                assert text[item["start"] : item["end"]] == item["text"]
                assert text.find(item["text"]) <= item["start"]
    assert parsed.attempted() == frozenset(("entities", "timexes", "troop_counts", "stances"))
