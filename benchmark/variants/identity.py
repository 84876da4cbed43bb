"""Transformation ``identity``: no edit at all; its variant must equal the original byte for byte.

Not part of the contrast suite: it exists to test the remapping core and the
serialiser end to end.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.variants.base import RewriteStep
from benchmark.variants.core import Rewrite, Source


@dataclass(frozen=True)
class Identity(RewriteStep):
    """Change nothing."""

    name: str = "identity"
    version: str = "1"

    def rewrite(self, source: Source, seed: int, redraw: int = 0) -> Rewrite:
        return Rewrite()
