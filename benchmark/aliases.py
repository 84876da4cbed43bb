"""Name normalisation and resolution of predicted names to gold entity ids.

Systems do not know troopbench's entity ids, so offset-free entities, troop
locations and forces, and stance holders are predicted as *names*. A name
resolves to an id when its normalised form equals the normalised form of one
of the id's known names.

Normalisation (:func:`normalize_name`), applied to both sides:

1. Unicode NFKC (folds the no-break space into a space), then case-fold;
2. curly apostrophes become straight ones; a trailing possessive (``'s`` or a
   bare ``'``) is removed;
3. periods are removed (``U.S.`` = ``US``);
4. a leading ``the`` is removed;
5. runs of whitespace become one space; leading and trailing space is
   stripped.

Hyphens and other punctuation are kept: ``Harakat-al-Nujaba`` and ``Harakat
al-Nujaba`` are different strings, and the registry lists both as aliases.
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
    """Normalise a name for comparison (see module docstring)."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    s = _SPACES.sub(" ", s).strip()
    s = _POSSESSIVE.sub("", s)
    s = s.replace(".", "")
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
