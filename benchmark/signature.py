"""The signature every reported number carries (as sacrebleu's does).

A signature names what produced a score: the troopbench version, the gold
version (a hash over the canonical gold and the article texts), the matching
settings of each layer, and the statistics settings: the resampling unit
(:mod:`benchmark.units`: ``paragraph1``, or ``origin-paragraph1`` for the
contrast suite, whose variants of one paragraph are resampled together), the
confidence level and number of bootstrap resamples of the intervals, the
number of trials and the level of the paired approximate randomization
test, and the random seed (:mod:`benchmark.stats`).
Two numbers are comparable only when their signatures are equal; the same
signature and the same results files give the same intervals and p-values,
byte for byte.

The corpus scored against is named too (``corpus:te3-platinum``) for every
corpus but troopbench's own: a signature that names no corpus is troopbench's,
as every signature written before other corpora existed is, so those results
stay comparable and byte for byte reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.corpus import DEFAULT_CORPUS
from benchmark.units import UNIT_SCHEME, UNIT_SCHEMES

#: Matching settings, versioned: change a tag whenever a matcher's semantics change.
MATCH_SETTINGS: dict[str, str] = {
    # v2: the type schema aligns same-type-first; no per-type exact; offset-free
    # untyped ignores the predicted type
    "ent": "semeval13-1to1-v2",
    # v2: ties broken by agreement on (value, type, mod), never by input order
    "tmx": "tempeval3-relaxed-v2",
    "trp": "value+location",  # (doc, value, location id) multiset
    # v2: holders resolve through registry metonyms and aliases, never the gold
    # stances; label macro-F1 averages CONFLICT too when it is predicted
    "stn": "holder+label-v2",
    "alias": "norm2",  # aliases.normalize_name, version 2: periods before the possessive
}


@dataclass(frozen=True, slots=True)
class StatsSettings:
    """How intervals and significance tests are computed (all part of the signature)."""

    bootstrap_trials: int = 10_000
    permutation_trials: int = 10_000
    seed: int = 12345
    alpha: float = 0.05
    confidence: float = 0.95
    #: the resampling unit: paragraphs, or (contrast suite) original paragraphs with their
    #: variants as one cluster (:mod:`benchmark.units`, :mod:`benchmark.stats`)
    unit: str = UNIT_SCHEME

    def __post_init__(self) -> None:
        if self.unit not in UNIT_SCHEMES:
            raise ValueError(f"unknown unit {self.unit!r}; units are {', '.join(UNIT_SCHEMES)}")
        if self.bootstrap_trials < 1 or self.permutation_trials < 1:
            raise ValueError("the numbers of bootstrap resamples and test trials must be positive")
        if not 0.0 < self.alpha < 1.0 or not 0.0 < self.confidence < 1.0:
            raise ValueError("alpha and the confidence level must lie strictly between 0 and 1")
        if self.seed < 0 or self.seed >= 2**32:
            raise ValueError("the seed must be an integer in [0, 2**32)")

    def items(self) -> tuple[tuple[str, str], ...]:
        return (
            ("unit", self.unit),
            ("ci", f"bootstrap-pct{self.confidence * 100:g}"),
            ("boot", str(self.bootstrap_trials)),
            ("ar", str(self.permutation_trials)),
            ("alpha", f"{self.alpha:g}"),
            ("seed", str(self.seed)),
        )


DEFAULT_STATS = StatsSettings()


@dataclass(frozen=True, slots=True)
class Signature:
    version: str
    gold_hash: str
    settings: tuple[tuple[str, str], ...] = (*MATCH_SETTINGS.items(), *DEFAULT_STATS.items())
    corpus: str = DEFAULT_CORPUS

    def line(self) -> str:
        """One line, ``key:value`` pairs joined by ``|``."""
        parts = [f"troopbench:{self.version}"]
        if self.corpus != DEFAULT_CORPUS:
            parts.append(f"corpus:{self.corpus}")
        parts.append(f"gold:{self.gold_hash[:12]}")
        parts += [f"{k}:{v}" for k, v in self.settings]
        return "|".join(parts)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "version": self.version,
            "gold_hash": self.gold_hash,
            "settings": dict(self.settings),
            "line": self.line(),
        }
        if self.corpus != DEFAULT_CORPUS:
            out["corpus"] = self.corpus
        return out


def current_signature(
    gold_hash: str, stats: StatsSettings | None = None, corpus: str = DEFAULT_CORPUS
) -> Signature:
    from benchmark import __version__

    settings = (*MATCH_SETTINGS.items(), *(stats or DEFAULT_STATS).items())
    return Signature(__version__, gold_hash, settings, corpus)
