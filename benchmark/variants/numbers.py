"""Transformation ``numbers``: every troop count, and every other number of 10 or more, changes.

A number written in digits ("2,500", "170,000", "900", "153") gets another
value of the same shape: as many digits, as many significant digits (so
"2,500" becomes something like "3,100" and "170,000" something like
"140,000"), between half and twice the original, commas kept or left out as
in the original. A round number with one significant digit may take a second
one ("5,000" becomes "3,000" or "6,500"): one digit alone leaves it six
values at most, too few for ten distinct variants. Each distinct number of
a document maps to one new number, so repeated mentions of one count still
agree. Troop counts change, and so do the numbers that are not troop counts
(casualties, attacks, the "2,500 $" donation buttons), so that a system
cannot pass by remembering which numbers to skip. A new number is never one
of the document's original numbers and never repeats another new one.

Left alone: numbers inside a timex (dates, "two decades") or an entity
mention, explicit dates and years outside them (see :mod:`.dates`), and
numbers below 10 (list markers, days of the month). A troop count written
without digits cannot be rewritten and is an error naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from benchmark.variants.base import RewriteStep, TransformError, draw, seed_key
from benchmark.variants.core import Edit, Key, Rewrite, Source
from benchmark.variants.dates import explicit_sites

NUMBER = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d+)(?![\d]|[,.]\d)")


def shape(written: str) -> tuple[int, int, bool]:
    """(digit count, significant digits, commas) of a written number."""
    digits = written.replace(",", "")
    significant = len(digits.rstrip("0")) or 1
    return len(digits), significant, "," in written


def render(value: int, commas: bool) -> str:
    return f"{value:,}" if commas else str(value)


def alternative(written: str, key: str, avoid: set[int]) -> int:
    """Another value of the same shape as ``written`` (module doc), between half and twice
    the original, not in ``avoid`` (deterministic in ``key``)."""
    n_digits, significant, _ = shape(written)
    original = int(written.replace(",", ""))
    kept = max(significant, 2)  # a round "5,000" may become "6,500" (module doc)
    scale = 10 ** (n_digits - kept)
    low = max(10 ** (kept - 1), -(-original // (2 * scale)))
    high = min(10**kept, 2 * original // scale + 1)
    for attempt in range(1000):
        head = low + draw(key, attempt, high - low)
        if significant > 1 and head % 10 == 0:
            continue  # "2,500" must not become "3,000": as many significant digits
        if head * scale not in avoid:
            return head * scale
    raise TransformError(f"no alternative value for {written!r}")


def number_sites(source: Source) -> list[re.Match[str]]:
    """The numbers of the text that this transformation rewrites (see module doc)."""
    gold = source.gold
    text = gold.document.text
    blocked = [(t.span.start, t.span.end) for t in gold.timexes]
    blocked += [(m.span.start, m.span.end) for m in gold.entities]
    blocked += [(s.start, s.end) for s in explicit_sites(text, with_bare=False)]
    out = []
    for m in NUMBER.finditer(text):
        if int(m.group().replace(",", "")) < 10:
            continue
        if any(s < m.end() and m.start() < e for s, e in blocked):
            continue
        out.append(m)
    return out


@dataclass(frozen=True)
class Numbers(RewriteStep):
    """Change every troop count, and the other numbers beside them, keeping their written form."""

    name: str = "numbers"
    version: str = "2"

    def rewrite(self, source: Source, seed: int, redraw: int = 0) -> Rewrite:
        gold = source.gold
        key = seed_key(self.name, self.version, gold.doc_id, seed, redraw)
        sites = number_sites(source)
        original = {int(m.group().replace(",", "")) for m in NUMBER.finditer(gold.document.text)}
        mapping: dict[int, int] = {}
        for m in sites:
            value = int(m.group().replace(",", ""))
            if value not in mapping:
                avoid = original | set(mapping.values())
                mapping[value] = alternative(m.group(), f"{key}|{value}", avoid)
        edits = tuple(
            Edit(
                m.start(),
                m.end(),
                render(mapping[int(m.group().replace(",", ""))], "," in m.group()),
            )
            for m in sites
        )
        troop_values: dict[Key, int] = {}
        for i, c in enumerate(gold.troop_counts):
            inside = [m for m in sites if c.span.start <= m.start() and m.end() <= c.span.end]
            if len(inside) != 1:
                raise TransformError(
                    f"troop_counts[{i}] {c.span.text!r} at [{c.span.start}:{c.span.end}]: "
                    f"{len(inside)} numbers in digits to rewrite, need exactly 1"
                )
            troop_values[(c.span.start, c.span.end)] = mapping[c.value]
        return Rewrite(edits=edits, troop_values=troop_values)
