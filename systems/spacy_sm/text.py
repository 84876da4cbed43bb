"""Boilerplate and prose lines for spacy-sm: every layer skips page furniture."""

from __future__ import annotations

import re

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\s*\$?\s*[\d.,]+\s*\$?\s*$",  # donation buttons: "2,500 $", "$ 5"
        r"^\s*click (?:here )?to (?:see|view|enlarge)\b",
        r"^\s*(?:photo |image )?credits?\s*:",
        r"https?://|www\.",
        r"^\s*leave a (?:comment|reply)\s*$",
        r"^\s*scroll to top\s*$",
        r"e-?mail address will not be published|required fields are marked",
        r"\bdo you like this content\b|\bconsider (?:helping|supporting) us\b",
        r"\b(?:remove|takedown|take down)\b.*\barticles?\b",
        r"^\s*(?:share|subscribe|advertisement)\b.{0,30}$",
    )
]


def is_boilerplate(line: str) -> bool:
    """Whether a line is page furniture rather than article prose."""
    return any(p.search(line) for p in _BOILERPLATE)


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for every non-empty, non-boilerplate line of ``text``."""
    out = []
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not is_boilerplate(line):
            out.append((offset, line))
        offset += len(line) + 1
    return out


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
