"""Transformation ``all``: ``dates``, then ``names``, then ``numbers``, each on the previous output.

Each step draws with the same seed; the steps' keys differ by name, so their
draws are independent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmark.variants.core import Source, apply_rewrite
from benchmark.variants.dates import Dates
from benchmark.variants.names import Names
from benchmark.variants.numbers import Numbers


@dataclass(frozen=True)
class All:
    """The three transformations in sequence."""

    name: str = "all"
    steps: tuple[Dates | Names | Numbers, ...] = field(default=(Dates(), Names(), Numbers()))

    @property
    def version(self) -> str:
        return "2:" + "+".join(f"{s.name}{s.version}" for s in self.steps)

    def transform(self, source: Source, seed: int, redraw: int = 0) -> Source:
        for step in self.steps:
            source = apply_rewrite(source, step.rewrite(source, seed, redraw))
        return source
