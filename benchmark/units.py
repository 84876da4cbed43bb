"""Resampling units: the paragraphs of the articles, and where each item goes.

Confidence intervals and significance tests (:mod:`benchmark.stats`)
resample *units*, not items, because F1 does not decompose per item and
items within one paragraph are not independent. This module defines the unit
and the placement of every gold and predicted item in one unit; it is pure
(no scoring, no numpy).

Units
-----
A unit is a *paragraph*: a line of the article text (lines are separated by
``\\n``; a trailing ``\\r`` is ignored) that is neither blank nor boilerplate.
Its id is ``"<doc_id>:<line number>"``, 1-based. Each document also has one
*unplaced* unit, ``"<doc_id>:unplaced"``, for what cannot be placed in a
paragraph (below). Every document has the same units for every system: the
unit list depends on the article texts alone, so two systems' per-unit counts
line up for paired tests. An empty unit (a paragraph with nothing in it, or
an unplaced unit that stayed empty) is resampled like any other and adds
nothing to a resample, exactly as an empty paragraph does.

Boilerplate
-----------
Boilerplate is page furniture, not article prose (ANNOTATION-SPEC.md: it
gets nothing in any layer). :data:`BOILERPLATE_PATTERNS` is the one place it
is defined: whole-line, case-insensitive regular expressions, matched against
the line stripped of surrounding whitespace. They cover the donation buttons
and appeal of 001 and the credit label, numbered URL, takedown notice and
comment-form lines of 003, written generally enough for the same furniture on
other sites (currency amounts alone on a line, "Leave a Reply", "Back to
top", bare URLs, ...).

Placement
---------
Each item is assigned to exactly one unit:

* an item with a span: the paragraph holding its start offset;
* a gold stance: the paragraph of its first evidence span ("first" = earliest
  in the text), or of its first holder mention if it has no evidence;
* a predicted stance: likewise by its earliest evidence span; without
  evidence, the first paragraph in which its holder name occurs
  (case-insensitively);
* an offset-free entity or timex prediction: the first paragraph in which its
  text occurs (case-insensitively);
* an offset-free troop count: the first paragraph in which its value is
  written, with or without thousands separators ("2,500" or "2500");
* everything else goes to the document's unplaced unit: an item whose start
  lies on a boilerplate or blank line, an offset-free prediction whose text
  (or value, or holder name) occurs in no paragraph, and items rejected by
  validation (they have no trustworthy position but still count as
  spurious).

Why the unplaced unit rather than dropping such items or guessing a
paragraph: dropping them would let garbage raise a score in resamples, and a
guessed paragraph would tie an error to unrelated text. One unplaced unit per
document keeps every count, keeps the unit list the same for all systems,
and lets those errors vary between resamples like any other paragraph.
Predictions on boilerplate are exactly the false positives the spec warns
about; they land in the unplaced unit because boilerplate is not a paragraph.

Only false positives depend on where a *prediction* is placed for the
document-level set metrics: :mod:`benchmark.scoring` credits a true positive
or a miss to the unit of its gold item (see ``score_units`` there).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

#: Version tag of the unit definition; it is part of the signature.
UNIT_SCHEME = "paragraph1"
#: The resampling unit of the contrast suite: an original paragraph together with that
#: paragraph in every variant of its article (:func:`origin_unit`); part of the signature.
ORIGIN_UNIT_SCHEME = "origin-paragraph1"
UNIT_SCHEMES = (UNIT_SCHEME, ORIGIN_UNIT_SCHEME)

UNPLACED = "unplaced"

#: Whole-line patterns (case-insensitive, against the stripped line) of page furniture.
BOILERPLATE_PATTERNS: tuple[tuple[str, str], ...] = (
    # (what it is, pattern)
    ("amount button", r"(?:\d[\d,.]*\s*[$€£]|[$€£]\s*\d[\d,.]*)"),
    (
        "image link",
        r"click (?:here )?to (?:see|view|enlarge)(?: the)? full[- ]size (?:image|photo|picture)\.?",
    ),
    (
        "donation appeal",
        r"(?:do you (?:like|enjoy) this (?:content|article)\?\s*)?"
        r"(?:please )?consider (?:helping|supporting|donating to) us[.!]?",
    ),
    ("credit label", r"(?:photo |image )?credits?:"),
    ("URL line", r"(?:(?:\[\d+\]|\d+\s*[:.)])\s*)?https?://\S+"),
    ("takedown notice", r".{0,60}\bcan contact\b.{0,40}\bto remove\b.{0,40}\barticles?\.?"),
    ("comment form", r"leave a (?:comment|reply)|post a comment"),
    ("e-mail notice", r"your e-?mail address will not be published\..{0,80}"),
    ("page navigation", r"(?:scroll|back|go) to (?:the )?top"),
)

_BOILERPLATE = tuple(re.compile(p, re.IGNORECASE) for _, p in BOILERPLATE_PATTERNS)


def boilerplate_kind(line: str) -> str | None:
    """Which boilerplate pattern a line matches (whole line, stripped), if any."""
    stripped = line.strip()
    for (kind, _), pattern in zip(BOILERPLATE_PATTERNS, _BOILERPLATE, strict=True):
        if pattern.fullmatch(stripped):
            return kind
    return None


def is_boilerplate(line: str) -> bool:
    return boilerplate_kind(line) is not None


def unplaced_id(doc_id: str) -> str:
    return f"{doc_id}:{UNPLACED}"


def origin_unit(unit: str) -> str:
    """The original article's unit of a unit id: ``000_x~dates~3:7`` → ``000_x:7`` (the same
    line, or the unplaced unit, of the article the variant was made from; transformations
    never add or remove a line). An original's unit is its own origin unit."""
    from benchmark.variants.ids import origin_id  # variant ids; imported late: no cycle

    doc_id, sep, place = unit.rpartition(":")
    return f"{origin_id(doc_id)}{sep}{place}" if sep else unit


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document: its number (1-based), offsets and kind."""

    number: int
    start: int
    end: int  # exclusive, before the line break
    kind: str  # "prose", "blank" or "boilerplate"


@dataclass(frozen=True)
class DocUnits:
    """A document's lines, its units, and the placement rules (module doc)."""

    doc_id: str
    text: str
    lines: tuple[Line, ...]

    @cached_property
    def _starts(self) -> list[int]:
        return [line.start for line in self.lines]

    @cached_property
    def prose(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.kind == "prose")

    @property
    def unplaced(self) -> str:
        return unplaced_id(self.doc_id)

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """This document's unit ids: its paragraphs in order, then the unplaced unit."""
        return (*(self.line_id(line) for line in self.prose), self.unplaced)

    def line_id(self, line: Line) -> str:
        return f"{self.doc_id}:{line.number}"

    def line_at(self, offset: int) -> Line:
        index = max(0, bisect.bisect_right(self._starts, offset) - 1)
        return self.lines[index]

    def at(self, offset: int) -> str:
        """The unit holding character ``offset`` (unplaced if not in a paragraph)."""
        line = self.line_at(offset)
        if line.kind != "prose" or not line.start <= offset < line.end:
            return self.unplaced
        return self.line_id(line)

    def _first(self, pattern: re.Pattern[str]) -> str:
        for line in self.prose:
            if pattern.search(self.text, line.start, line.end):
                return self.line_id(line)
        return self.unplaced

    def of_text(self, text: str | None) -> str:
        """The first paragraph in which ``text`` occurs, case-insensitively."""
        if not text or not text.strip():
            return self.unplaced
        return self._first(re.compile(re.escape(text.strip()), re.IGNORECASE))

    def of_number(self, value: int) -> str:
        """The first paragraph in which ``value`` is written (with or without separators)."""
        forms = sorted({f"{value:,}", str(value)}, key=len, reverse=True)
        alternatives = "|".join(re.escape(f) for f in forms)
        return self._first(re.compile(rf"(?<![\d,.])(?:{alternatives})(?![\d]|[,.]\d)"))

    def of_spans(self, starts: Iterable[int]) -> str | None:
        """The unit of the earliest of ``starts``; None when there are none."""
        first = min(starts, default=None)
        return None if first is None else self.at(first)


def segment(doc_id: str, text: str) -> DocUnits:
    """Split a document into lines and classify them (prose, blank, boilerplate)."""
    lines: list[Line] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        end = start + len(raw)
        body = raw[:-1] if raw.endswith("\r") else raw
        if not body.strip():
            kind = "blank"
        elif is_boilerplate(body):
            kind = "boilerplate"
        else:
            kind = "prose"
        lines.append(Line(number, start, start + len(body), kind))
        start = end + 1
    return DocUnits(doc_id, text, tuple(lines))


def corpus_units(documents: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Every unit id of a corpus, given (doc_id, text) pairs in doc_id order."""
    out: list[str] = []
    for doc_id, text in documents:
        out.extend(segment(doc_id, text).ids)
    return tuple(out)
