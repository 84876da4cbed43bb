"""Closed vocabularies of the prediction format, and the message for a value outside one.

Every field of a prediction whose values form a closed set (entity type,
TIMEX3 type and mod, troop qualifier and time, stance label) is checked
against that set; a value outside it rejects the item with a message that
names the value, the allowed values and the nearest allowed one, e.g.
``'PERSN' is not an entity type; did you mean PERSON? (allowed: PERSON,
NORP, ...)``. The sets themselves live in the layer modules.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.layers.entities import ENTITY_TYPES
from benchmark.layers.stances import LABELS
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES
from benchmark.layers.troops import QUALIFIERS, TIMES


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A closed set of values of one field, and what to call a member in a message."""

    field: str
    what: str
    values: tuple[str, ...]

    def __contains__(self, value: object) -> bool:
        return value in self.values


#: The closed fields of each layer's items.
VOCABULARIES: Mapping[str, tuple[Vocabulary, ...]] = {
    "entities": (Vocabulary("type", "an entity type", ENTITY_TYPES),),
    "timexes": (
        Vocabulary("type", "a TIMEX3 type", TIMEX_TYPES),
        Vocabulary("mod", "a TIMEX3 mod", TIMEX_MODS),
    ),
    "troop_counts": (
        Vocabulary("qualifier", "a troop-count qualifier", QUALIFIERS),
        Vocabulary("time", "a troop-count time", TIMES),
    ),
    "stances": (Vocabulary("label", "a stance label", LABELS),),
}


def _key(value: str) -> str:
    """Case, spaces and hyphens ignored: ``more than`` ~ ``more_than``, ``gpe`` ~ ``GPE``."""
    return value.strip().upper().replace("-", "_").replace(" ", "_")


def nearest(value: str, allowed: Sequence[str]) -> str | None:
    """The allowed value ``value`` most likely meant, or None when none is close.

    In order: the same value ignoring case, spaces and hyphens; an allowed
    value that starts the given one or that the given one starts
    (``ORGANIZATION`` → ``ORG``, ``PER`` → ``PERSON``), the closest of several
    by similarity; else the most similar one with a
    :class:`difflib.SequenceMatcher` ratio of at least 0.6 (``PERSN`` →
    ``PERSON``, ``FAVOUR`` → ``FAVOR``).
    """
    key = _key(value)
    if not key:
        return None
    keys = {_key(a): a for a in allowed}
    if key in keys:
        return keys[key]

    def similarity(candidate: str) -> float:
        return difflib.SequenceMatcher(None, key, candidate).ratio()

    prefixed = [
        k
        for k in keys
        if len(min(k, key, key=len)) >= 3 and (key.startswith(k) or k.startswith(key))
    ]
    if prefixed:
        return keys[max(prefixed, key=lambda k: (similarity(k), -len(k)))]
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def outside_message(vocabulary: Vocabulary, value: str) -> str:
    """``'PERSN' is not an entity type; did you mean PERSON? (allowed: ...)``"""
    shown = value if len(value) <= 60 else value[:57] + "..."
    guess = nearest(value, vocabulary.values) if len(value) <= 60 else None
    hint = f"; did you mean {guess}?" if guess else ""
    return f"{shown!r} is not {vocabulary.what}{hint} (allowed: {', '.join(vocabulary.values)})"


def vocabulary_problem(layer: str, item: Any) -> tuple[str, str] | None:
    """(field, message) for the first closed field of ``item`` whose string value is
    outside its vocabulary; None when there is none (other shapes are the schema's)."""
    if not isinstance(item, dict):
        return None
    for vocabulary in VOCABULARIES.get(layer, ()):
        value = item.get(vocabulary.field)
        if isinstance(value, str) and value not in vocabulary:
            return vocabulary.field, outside_message(vocabulary, value)
    return None
