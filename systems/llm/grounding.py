"""Grounding: turning the mention texts a model answers with into character offsets.

A model names what it found by text; troopbench scores spans. For each answer
the :class:`Grounder` of a document tries, in order:

1. an **exact** occurrence of the answer (trimmed of surrounding whitespace
   and quotes) in the text that starts and ends on word boundaries, in text
   order; successive answers with the same text take successive occurrences,
   so three answers "Iraq" land on the first three mentions of Iraq;
2. a **case-insensitive** occurrence on word boundaries, with the same rule;
   then an exact, then a case-insensitive occurrence inside longer words;
3. a **fuzzy** match: the run of whole words of the text (as many words as
   the answer, give or take one) most similar to the answer by
   :class:`difflib.SequenceMatcher` ratio on lowercased text, if that ratio is
   at least ``threshold`` (default 0.85) and the run is not already taken by
   an earlier answer. For answers of four words or more, only runs holding at
   least half of the answer's words are compared (a run that similar shares
   most words in practice; this keeps a sentence-long answer to a few ms);
4. otherwise the answer stays **offset-free**: it keeps its text and is
   scored by name.

The work is bounded: one grounder (one layer of one document) spends at most
``budget`` units (default :data:`FUZZY_BUDGET`, about half a second). A fuzzy
search costs one unit per word run it compares (the text's runs of the
answer's three sizes: some 3,000 for a 1,000-word article); a regular-
expression search for the occurrences of a new answer text costs one unit
per word of the text plus the answer's length (an exact search for a text
that does not occur at all is free). So the budget covers hundreds of
answers that match nothing. An answer whose search would pass the budget is
not searched: it stays offset-free and is counted in ``unsearched`` (the
system records that as a problem of the layer). A fuzzy search that found
nothing is not repeated for the same text (its result cannot change: runs
only get taken). So 20,000 answers matching nothing cost about the budget,
not 20,000 searches, and the outcome does not depend on timing.

``reuse=True`` (used for stance evidence, which several answers may share)
ignores what earlier answers took and always returns the first match.

Exact matches count as ``exact``; case-insensitive and fuzzy ones as
``fuzzy``; the rest as ``unaligned`` (see :class:`Alignment`).
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from difflib import SequenceMatcher

DEFAULT_THRESHOLD = 0.85
#: Word runs one grounder compares in its fuzzy searches, at most (module doc).
FUZZY_BUDGET = 500_000
_TRIM = " \t\r\n\"'“”‘’`"
_WORD = re.compile(r"\w[\w'’.-]*\w|\w", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Alignment:
    """Where an answer landed: offsets (both None when offset-free) and how."""

    start: int | None
    end: int | None
    how: str  # "exact" | "fuzzy" | "unaligned"

    @property
    def aligned(self) -> bool:
        return self.start is not None


@dataclass(frozen=True, slots=True)
class AlignmentCounts:
    """How many answers aligned exactly, fuzzily (incl. case-insensitively), or not."""

    exact: int = 0
    fuzzy: int = 0
    unaligned: int = 0

    def __add__(self, other: AlignmentCounts) -> AlignmentCounts:
        return AlignmentCounts(
            self.exact + other.exact, self.fuzzy + other.fuzzy, self.unaligned + other.unaligned
        )


def _boundary(text: str, start: int, end: int) -> bool:
    before = start == 0 or not text[start - 1].isalnum()
    after = end == len(text) or not text[end].isalnum()
    return before and after


class Grounder:
    """Aligns the answers about one document (module doc); keeps what it has used."""

    def __init__(
        self, text: str, threshold: float = DEFAULT_THRESHOLD, budget: int = FUZZY_BUDGET
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the fuzzy threshold must lie in (0, 1], not {threshold}")
        self.text = text
        self.threshold = threshold
        self.budget = budget
        self.spent = 0  # word runs compared so far
        self.unsearched = 0  # answers left offset-free because the budget was spent
        self._found_nothing: set[tuple[str, bool]] = set()
        self._taken: set[tuple[int, int]] = set()
        self._words: list[tuple[int, int]] | None = None
        self._lowered: list[str] = []
        self._occurrences: dict[tuple[str, int], list[tuple[tuple[int, int], bool]]] = {}
        self.counts = AlignmentCounts()

    def locate(self, answer: str, *, reuse: bool = False) -> Alignment:
        """Ground one answer; later calls with the same text take later occurrences
        (unless ``reuse``)."""
        needle = answer.strip(_TRIM)
        if not needle:
            return self._count(Alignment(None, None, "unaligned"))
        taken = frozenset() if reuse else self._taken
        for bounded in (True, False):
            for how, flags in (("exact", 0), ("fuzzy", re.IGNORECASE)):
                if not self._afford_occurrences(needle, flags):
                    self.unsearched += 1
                    return self._count(Alignment(None, None, "unaligned"))
                found = self._next_occurrence(needle, flags, bounded, taken)
                if found is not None:
                    return self._count(Alignment(found[0], found[1], how))
        target = needle.lower()
        if (target, reuse) in self._found_nothing or (target, True) in self._found_nothing:
            return self._count(Alignment(None, None, "unaligned"))
        cost = self._fuzzy_cost(needle)
        if self.spent + cost > self.budget:
            self.unsearched += 1
            return self._count(Alignment(None, None, "unaligned"))
        self.spent += cost
        fuzzy = self._fuzzy(needle, taken)
        if fuzzy is not None:
            return self._count(Alignment(fuzzy[0], fuzzy[1], "fuzzy"))
        self._found_nothing.add((target, reuse))
        return self._count(Alignment(None, None, "unaligned"))

    def _afford_occurrences(self, needle: str, flags: int) -> bool:
        """Whether the occurrences of ``needle`` are known or within the budget; a
        regular-expression search of the text costs as much as one pass over its
        word runs plus the needle's length (its compilation), and is charged."""
        key = (needle, flags)
        if key in self._occurrences or (flags == 0 and needle not in self.text):
            return True
        cost = len(self._word_spans()) + len(needle)
        if self.spent + cost > self.budget:
            return False
        self.spent += cost
        return True

    def _fuzzy_cost(self, needle: str) -> int:
        """The word runs a fuzzy search for ``needle`` visits."""
        n = max(1, len(_WORD.findall(needle)))
        words = len(self._word_spans())
        return sum(max(0, words - size + 1) for size in (n, n - 1, n + 1) if size >= 1)

    def _count(self, alignment: Alignment) -> Alignment:
        c = self.counts
        self.counts = AlignmentCounts(
            c.exact + (alignment.how == "exact"),
            c.fuzzy + (alignment.how == "fuzzy"),
            c.unaligned + (alignment.how == "unaligned"),
        )
        if alignment.start is not None and alignment.end is not None:
            self._taken.add((alignment.start, alignment.end))
        return alignment

    def _next_occurrence(
        self, needle: str, flags: int, bounded: bool, taken: Set[tuple[int, int]]
    ) -> tuple[int, int] | None:
        """The first occurrence not in ``taken``, on word boundaries or not."""
        key = (needle, flags)
        if flags == 0 and needle not in self.text:
            return None
        if key not in self._occurrences:
            self._occurrences[key] = [
                ((m.start(), m.end()), _boundary(self.text, m.start(), m.end()))
                for m in re.finditer(re.escape(needle), self.text, flags)
            ]
        for span, on_boundary in self._occurrences[key]:
            if on_boundary == bounded and span not in taken:
                return span
        return None

    def _word_spans(self) -> list[tuple[int, int]]:
        if self._words is None:
            self._words = [(m.start(), m.end()) for m in _WORD.finditer(self.text)]
            self._lowered = [self.text[s:e].lower() for s, e in self._words]
        return self._words

    def _fuzzy(self, needle: str, taken: Set[tuple[int, int]]) -> tuple[int, int] | None:
        target = needle.lower()
        needle_words = set(_WORD.findall(target))
        n = max(1, len(_WORD.findall(needle)))
        words = self._word_spans()
        # long answers: only runs holding at least half of the answer's words
        shared = [w in needle_words for w in self._lowered] if n >= 4 else None
        best: tuple[float, int, int] | None = None
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        for size in (n, n - 1, n + 1):
            if size < 1:
                continue
            hits = sum(shared[:size]) if shared is not None else 0
            for i in range(len(words) - size + 1):
                if shared is not None:
                    if i:
                        hits += shared[i + size - 1] - shared[i - 1]
                    if 2 * hits < n:
                        continue
                start, end = words[i][0], words[i + size - 1][1]
                if (start, end) in taken:
                    continue
                matcher.set_seq1(self.text[start:end].lower())
                if matcher.real_quick_ratio() < self.threshold:
                    continue
                if matcher.quick_ratio() < self.threshold:
                    continue
                ratio = matcher.ratio()
                if ratio >= self.threshold and (best is None or ratio > best[0]):
                    best = (ratio, start, end)
        return None if best is None else (best[1], best[2])
