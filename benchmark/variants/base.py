"""What every transformation is: a named, versioned pure function of (source, seed) to a rewrite.

Randomness comes from :func:`draw`, integers derived from SHA-256 of a text
key (:func:`seed_key`), so a variant depends only on (document,
transformation, seed, redraw) and on nothing that could change between
Python versions.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from benchmark.variants.core import Rewrite, Source, apply_rewrite


class TransformError(ValueError):
    """A transformation cannot rewrite this document faithfully; the message names the item."""


class Transformation(Protocol):
    """A named, versioned transformation of a gold document, deterministic in ``seed``."""

    name: str

    @property
    def version(self) -> str: ...

    def transform(self, source: Source, seed: int, redraw: int = 0) -> Source: ...


class RewriteStep:
    """Mixin: a transformation given by one :class:`Rewrite` applied by the core."""

    def rewrite(self, source: Source, seed: int, redraw: int = 0) -> Rewrite:
        raise NotImplementedError

    def transform(self, source: Source, seed: int, redraw: int = 0) -> Source:
        return apply_rewrite(source, self.rewrite(source, seed, redraw))


def seed_key(name: str, version: str, doc_id: str, seed: int, redraw: int = 0) -> str:
    """The key a transformation draws from for (document, seed); ``redraw`` > 0 gives
    another, independent draw for the same seed (the suite asks for one when a seed's
    variant repeats an earlier one, :mod:`benchmark.variants.suite`)."""
    key = f"{name}|{version}|{doc_id}|{seed}"
    return f"{key}|redraw{redraw}" if redraw else key


def draw(key: str, index: int, below: int) -> int:
    """A deterministic integer in ``[0, below)`` for (``key``, ``index``)."""
    if below <= 0:
        raise ValueError(f"below must be positive, not {below}")
    digest = hashlib.sha256(f"{key}|{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % below


#: Letters of names: a match must not continue into a word.
WORD_LEFT = r"(?<![\w’'-])"
WORD_RIGHT = r"(?![\w-])"


def word_pattern(form: str) -> re.Pattern[str]:
    """``form`` as a whole word (not inside a longer word or hyphenated name)."""
    return re.compile(WORD_LEFT + re.escape(form) + WORD_RIGHT)


def survives(form: str, text: str) -> bool:
    """Whether ``form`` occurs in ``text`` not inside a longer word or number.

    Looser than :func:`word_pattern`: "October" survives in "mid-October",
    "Sudani" in "al-Sudani".
    """
    pattern = r"(?<![^\W_])" + re.escape(form) + r"(?![^\W_])"
    return re.search(pattern, text) is not None
