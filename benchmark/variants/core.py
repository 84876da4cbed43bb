"""The offset-remapping core: apply text edits to a gold document and carry every span along.

A transformation never touches offsets itself. It returns a :class:`Rewrite`:
a list of text :class:`Edit` s (``start``, ``end``, ``replacement``, in the
coordinates of the document it was given) plus the attribute changes that
follow from them (a new dct, new TIMEX3 values, new troop values, a new
registry, new dct-evidence notes), keyed by the *original* position of the
item. :func:`apply_rewrite` applies the edits once and remaps every span of
every layer: entity mentions, timexes, troop counts, stance holder mentions
and evidence, and dct evidence; the title follows its line.

Remapping rules, for a span ``[s, e)`` and an edit ``[a, b) → r``:

* the edit ends at or before ``s`` (an insertion at ``s`` included): the span
  shifts by ``len(r) - (b - a)``;
* the edit starts at or after ``e`` (an insertion at ``e`` included): no change;
* the edit lies inside the span (``s <= a`` and ``b <= e``, the whole span
  included): the span's end moves by the edit's length change and its text
  is re-read from the new text;
* anything else cuts through the span (overlaps one boundary, or swallows
  the span with more around it): :class:`SpanCutError` naming the span.

Edits must not overlap one another (:class:`EditError`). A span that would
become empty is an error too. Zero-division does not arise here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from benchmark.corpus import Document, Evidence
from benchmark.gold import GoldDocument, Registry, RegistryEntry
from benchmark.layers.stances import Stance
from benchmark.layers.timexes import Timex
from benchmark.spans import Span


class EditError(ValueError):
    """Edits that cannot be applied together (overlapping, or outside the text)."""


class SpanCutError(ValueError):
    """An edit cuts through an annotated span without replacing it whole."""


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace ``text[start:end]`` by ``replacement`` (``start == end`` inserts)."""

    start: int
    end: int
    replacement: str


Key = tuple[int, int]


@dataclass(frozen=True)
class Rewrite:
    """What a transformation changes; every key is an item's *original* (start, end)."""

    edits: tuple[Edit, ...] = ()
    dct: dt.date | None = None
    timex_values: Mapping[Key, str] = field(default_factory=dict)
    troop_values: Mapping[Key, int] = field(default_factory=dict)
    notes: Mapping[Key, str] = field(default_factory=dict)
    registry: Registry | None = None


@dataclass(frozen=True)
class Source:
    """A gold document together with the registry its ids and aliases refer to."""

    gold: GoldDocument
    registry: Registry


def check_edits(edits: Sequence[Edit], length: int) -> tuple[Edit, ...]:
    """The edits sorted by position; :class:`EditError` when two overlap or one is out of range."""
    ordered = tuple(sorted(edits))
    for e in ordered:
        if not 0 <= e.start <= e.end <= length:
            raise EditError(f"edit [{e.start}:{e.end}] is outside the text (length {length})")
    for a, b in pairwise(ordered):
        if b.start < a.end or (b.start == a.end == b.end == a.start):
            raise EditError(
                f"edits [{a.start}:{a.end}] → {a.replacement!r} and "
                f"[{b.start}:{b.end}] → {b.replacement!r} overlap"
            )
    return ordered


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with ``edits`` applied (they must not overlap)."""
    ordered = check_edits(edits, len(text))
    out: list[str] = []
    pos = 0
    for e in ordered:
        out += [text[pos : e.start], e.replacement]
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


class Remapper:
    """Maps spans of the old text to spans of the new one (see module doc)."""

    def __init__(self, edits: Sequence[Edit], old_text: str) -> None:
        self.edits = check_edits(edits, len(old_text))
        self.new_text = apply_edits(old_text, self.edits)
        self._ends = [e.end for e in self.edits]
        self._starts = [e.start for e in self.edits]
        shift = 0
        self._before: list[int] = []  # cumulative shift of all edits before index i
        for e in self.edits:
            self._before.append(shift)
            shift += len(e.replacement) - (e.end - e.start)
        self._before.append(shift)

    def span(self, span: Span, name: str) -> Span:
        """The remapped span; :class:`SpanCutError` naming ``name`` when an edit cuts it."""
        s, e = span.start, span.end
        # edits entirely before the span: end <= s (insertions at s included)
        first_inside = bisect_right(self._ends, s)
        # edits that start before e (insertions at e excluded)
        last = bisect_left(self._starts, e)
        for edit in self.edits[first_inside:last]:
            if not (s <= edit.start and edit.end <= e):
                raise SpanCutError(
                    f"edit [{edit.start}:{edit.end}] → {edit.replacement!r} cuts through "
                    f"{name} [{s}:{e}] {span.text!r}"
                )
        start = s + self._before[first_inside]
        end = e + self._before[last]
        if end <= start:
            raise SpanCutError(f"an edit leaves {name} [{s}:{e}] {span.text!r} empty")
        return Span(start, end, self.new_text[start:end])


def _title(old_text: str, new_text: str, title: str) -> str:
    lines = old_text.split("\n")
    if title not in lines:
        return title
    new_lines = new_text.split("\n")
    if len(new_lines) != len(lines):
        raise EditError("an edit added or removed a line break; the title cannot be followed")
    return new_lines[lines.index(title)]


def apply_rewrite(source: Source, rewrite: Rewrite, doc_id: str | None = None) -> Source:
    """Apply ``rewrite`` to ``source``: new text, every span remapped, attributes replaced.

    ``doc_id`` renames the document (variants get ids such as
    ``000_cfbd3f9e2e2eb4de~dates~3``).
    """
    gold = source.gold
    doc = gold.document
    remap = Remapper(rewrite.edits, doc.text)

    def key(span: Span) -> Key:
        return (span.start, span.end)

    evidence = tuple(
        Evidence(
            remap.span(ev.span, f"dct_evidence[{i}]"), rewrite.notes.get(key(ev.span), ev.note)
        )
        for i, ev in enumerate(doc.dct_evidence)
    )
    document = Document(
        doc_id=doc_id or doc.doc_id,
        text=remap.new_text,
        title=_title(doc.text, remap.new_text, doc.title),
        dct=rewrite.dct or doc.dct,
        dct_certainty=doc.dct_certainty,
        dct_evidence=evidence,
    )
    entities = tuple(
        dataclasses.replace(m, span=remap.span(m.span, f"entities[{i}] ({m.entity})"))
        for i, m in enumerate(gold.entities)
    )
    timexes = tuple(
        Timex(
            remap.span(t.span, f"timexes[{i}]"),
            t.type,
            rewrite.timex_values.get(key(t.span), t.value),
            t.mod,
        )
        for i, t in enumerate(gold.timexes)
    )
    troops = tuple(
        dataclasses.replace(
            c,
            span=remap.span(c.span, f"troop_counts[{i}]"),
            value=rewrite.troop_values.get(key(c.span), c.value),
        )
        for i, c in enumerate(gold.troop_counts)
    )
    stances = tuple(
        Stance(
            s.holder,
            tuple(
                remap.span(m, f"stances[{i}] ({s.holder}) holder_mentions[{j}]")
                for j, m in enumerate(s.holder_mentions)
            ),
            s.label,
            tuple(
                remap.span(ev, f"stances[{i}] ({s.holder}) evidence[{j}]")
                for j, ev in enumerate(s.evidence)
            ),
        )
        for i, s in enumerate(gold.stances)
    )
    return Source(
        GoldDocument(document, entities, timexes, troops, stances),
        rewrite.registry or source.registry,
    )


def registry_following(source: Source, edits: tuple[Edit, ...]) -> Registry:
    """The registry with the new text of every edited entity mention added to its aliases."""
    added: dict[str, list[str]] = {}
    for m in source.gold.entities:
        inside = [
            Edit(e.start - m.span.start, e.end - m.span.start, e.replacement)
            for e in edits
            if m.span.start <= e.start and e.end <= m.span.end
        ]
        if inside:
            added.setdefault(m.entity, []).append(apply_edits(m.span.text, inside))
    if not added:
        return source.registry
    entries = dict(source.registry.entries)
    for entity, forms in added.items():
        entry = entries[entity]
        aliases = tuple(dict.fromkeys((*entry.aliases, *forms)))
        entries[entity] = RegistryEntry(entry.id, entry.name, entry.type, aliases)
    return dataclasses.replace(source.registry, entries=entries)


__all__ = [
    "Edit",
    "EditError",
    "Remapper",
    "Rewrite",
    "Source",
    "SpanCutError",
    "apply_edits",
    "apply_rewrite",
    "check_edits",
    "registry_following",
]
