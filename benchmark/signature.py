"""The signature every reported number carries (as sacrebleu's does).

A signature names what produced a score: the troopbench version, the gold
version (a hash over the canonical gold and the article texts) and the
matching settings of each layer. Two numbers are comparable only when their
signatures are equal.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Matching settings, versioned: change a tag whenever a matcher's semantics change.
MATCH_SETTINGS: dict[str, str] = {
    "ent": "semeval13-1to1",  # four schemas, exact-then-largest-overlap alignment
    "tmx": "tempeval3-relaxed",  # overlap alignment, value F1 = relaxed F1 x value accuracy
    "trp": "value+location",  # (doc, value, location id) multiset
    "stn": "holder+label",  # (doc, holder id, label) sets
    "alias": "norm1",  # aliases.normalize_name, version 1
}


@dataclass(frozen=True, slots=True)
class Signature:
    version: str
    gold_hash: str
    settings: tuple[tuple[str, str], ...] = tuple(MATCH_SETTINGS.items())

    def line(self) -> str:
        """One line, ``key:value`` pairs joined by ``|``."""
        parts = [f"troopbench:{self.version}", f"gold:{self.gold_hash[:12]}"]
        parts += [f"{k}:{v}" for k, v in self.settings]
        return "|".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "gold_hash": self.gold_hash,
            "settings": dict(self.settings),
            "line": self.line(),
        }


def current_signature(gold_hash: str) -> Signature:
    from benchmark import __version__

    return Signature(__version__, gold_hash)
