"""Text structure for the rules system: boilerplate, prose lines, sentences, Title Case."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[\d.,\s]*[$\u20ac\u00a3]\s*$",  # donation buttons: "2,500 $"
        r"^[$\u20ac\u00a3]\s*[\d.,]+\s*$",  # "$ 2,500"
        r"^(?:click|tap)\b.*\b(?:image|photo|picture|enlarge|full[- ]?size|gallery)",
        r"^(?:photo |image )?credits?\s*:?\s*$",  # "Credit:"
        r"https?://|\bwww\.\w",  # URL lines
        r"^leave a (?:comment|reply)\b",
        r"^(?:scroll|back) to top\b",
        r"^do you like this (?:content|article|story)\b",
        r"\bconsider (?:helping|supporting|donating|subscribing)\b",
        r"\be-?mail address will not be published\b",
        r"\brequired fields are marked\b",
        r"\b(?:remove|removal|takedown|take down)\b.*\barticles?\b",
        r"^(?:share|tweet|print|subscribe|sign up|advertisement)\b.{0,30}$",
        r"^(?:related|read more|see also)\s*:",
    )
)

_ABBREVIATION_END = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Gen|Maj|Lt|Col|Sgt|Adm|Capt|Cmdr|Cpl|Pvt|Mr|Mrs|Ms|Dr|Prof|"
    r"Sen|Rep|Gov|St|Jr|Sr|Rev|Brig|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"vs|etc|approx|Inc|Ltd|Co)\.)$"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"\u201d\u2019)\]]*(?=\s+[\"\u201c\u2018(\[]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Region:
    """A half-open character range of the document."""

    start: int
    end: int


def is_boilerplate(line: str) -> bool:
    """Whether a line is page furniture rather than article prose."""
    stripped = line.strip()
    return not stripped or any(p.search(stripped) for p in _BOILERPLATE)


def prose_lines(text: str) -> list[Region]:
    """The non-empty, non-boilerplate lines, without surrounding whitespace."""
    out = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        if is_boilerplate(line):
            continue
        lead = len(line) - len(line.lstrip())
        out.append(Region(match.start() + lead, match.start() + len(line.rstrip())))
    return out


def split_sentences(text: str, line: Region) -> list[Region]:
    """Sentences of one prose line (abbreviations such as "Gen." do not end one)."""
    out = []
    start = line.start
    segment = text[line.start : line.end]
    for match in _SENTENCE_END.finditer(segment):
        end = line.start + match.end()
        if _ABBREVIATION_END.search(text[start : line.start + match.start() + 1]):
            continue
        out.append(Region(start, end))
        start = end + len(text[end : line.end]) - len(text[end : line.end].lstrip())
    if start < line.end:
        out.append(Region(start, line.end))
    return out


def is_title_case(line: str) -> bool:
    """A headline in Title Case, where capitals say nothing about names."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z\u2019'\-]*", line) if len(w) > 3]
    if len(words) < 3 or line.rstrip().endswith("."):
        return False
    capitalised = sum(w[0].isupper() for w in words)
    return capitalised / len(words) >= 0.75


@dataclass(frozen=True)
class Layout:
    """A document's prose lines, their sentences, and which lines are Title Case."""

    text: str
    lines: tuple[Region, ...]
    sentences: tuple[Region, ...]
    title_case: frozenset[int]  # start offsets of Title Case lines

    @classmethod
    def of(cls, text: str) -> Layout:
        lines = prose_lines(text)
        sentences = [s for line in lines for s in split_sentences(text, line)]
        title_case = frozenset(
            line.start for line in lines if is_title_case(text[line.start : line.end])
        )
        return cls(text, tuple(lines), tuple(sentences), title_case)

    def line_of(self, pos: int) -> Region:
        for line in self.lines:
            if line.start <= pos < line.end:
                return line
        raise ValueError(f"offset {pos} is not in a prose line")

    def sentence_of(self, pos: int) -> Region:
        for sentence in self.sentences:
            if sentence.start <= pos < sentence.end:
                return sentence
        raise ValueError(f"offset {pos} is not in a sentence")
