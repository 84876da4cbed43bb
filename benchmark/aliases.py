"""Name normalisation and resolution of predicted names to gold entity ids.

Systems do not know troopbench's entity ids, so offset-free entities, troop
locations and forces, and stance holders are predicted as *names*. A name
resolves to an id when its normalised form equals the normalised form of one
of the id's known names.

Normalisation (:func:`normalize_name`), applied to both sides, in this order
(docs/scoring.md, "Name normalisation", is the same specification):

1. Unicode NFKC (folds the no-break space into a space, full-width letters
   into ASCII), then ``str.casefold``;
2. the curly apostrophes U+2018 and U+2019 become the straight ``'``;
3. every period ``.`` is removed (``U.S.`` = ``US``);
4. runs of whitespace become one space; leading and trailing space is
   stripped;
5. one trailing possessive is removed: ``'s`` or a bare ``'`` at the very
   end (``Iraq's`` = ``Iraq``; ``militias'`` = ``militias``; ``U.S.'s.`` =
   ``US``, since periods went first);
6. one leading ``the`` followed by whitespace is removed;
7. whitespace is collapsed and stripped again.

Hyphens and all other punctuation, including apostrophes inside a name
(``Asa'ib``), are kept: ``Harakat-al-Nujaba`` and ``Harakat al-Nujaba`` are
different strings, and the registry lists both as aliases. A name that
normalises to the empty string never resolves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_POSSESSIVE = re.compile(r"(?:'s|')$")
_LEADING_THE = re.compile(r"^the\s+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Normalise a name for comparison (see module docstring, steps 1-7)."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    s = s.replace(".", "")
    s = _SPACES.sub(" ", s).strip()
    s = _POSSESSIVE.sub("", s)
    s = _LEADING_THE.sub("", s)
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True, slots=True)
class AliasIndex:
    """Maps normalised names to the sorted tuple of ids that carry them."""

    table: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, names_by_id: Mapping[str, Iterable[str]]) -> AliasIndex:
        table: dict[str, set[str]] = {}
        for entity_id, names in names_by_id.items():
            for name in names:
                key = normalize_name(name)
                if key:
                    table.setdefault(key, set()).add(entity_id)
        return cls({k: tuple(sorted(v)) for k, v in table.items()})

    def candidates(self, name: str) -> tuple[str, ...]:
        return self.table.get(normalize_name(name), ())

    def resolve(self, name: str) -> str | None:
        """The id a name resolves to; an ambiguous name resolves to the
        alphabetically first of its ids (deterministic, and documented);
        ``None`` when no id carries the name."""
        ids = self.candidates(name)
        return ids[0] if ids else None


def unresolved_key(name: str) -> str:
    """Stand-in id for a predicted name that resolves to no gold id.

    It can never equal a registry id (ids are snake_case and never start
    with ``?``), so an unresolved name is always a false positive, and two
    spellings that normalise alike are one false positive, not two.
    """
    return "?" + normalize_name(name)
