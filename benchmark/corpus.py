"""Documents: the article texts and their metadata, and where the data lives.

In a checkout the data is ``seeds/`` and ``gold/`` beside the package; in an
installed wheel the same two folders ship inside the package as
``benchmark/_data/``. :func:`data_root` finds whichever is there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from benchmark.spans import Span

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder holding ``seeds/`` and ``gold/`` (packaged copy first)."""
    packaged = _PACKAGE / "_data"
    if (packaged / "seeds").is_dir():
        return packaged
    return _PACKAGE.parent


def default_seeds_dir() -> Path:
    return data_root() / "seeds"


def default_gold_dir() -> Path:
    return data_root() / "gold"


def baseline_results_dir() -> Path | None:
    """The built-in systems' committed results (packaged in a wheel, ``results/`` in a
    checkout); None when there are none."""
    folder = data_root() / "results"
    return folder if folder.is_dir() else None


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span the document creation time rests on, with the reason."""

    span: Span
    note: str


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its exact text and the metadata a system may use.

    ``dct`` is the document creation time that relative expressions resolve
    against; systems receive it, as in TempEval. Nothing here is an answer.
    """

    doc_id: str
    text: str
    title: str
    dct: dt.date
    dct_certainty: str
    dct_evidence: tuple[Evidence, ...] = ()

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_seed(path: Path) -> str:
    """The article text exactly as stored: UTF-8, nothing normalised.

    Newlines are kept as they are (``newline=""``), so offsets are the same
    on every platform.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def seed_paths(seeds_dir: Path) -> dict[str, Path]:
    """``doc_id`` → seed file, for every ``*.txt`` in ``seeds_dir``."""
    return {p.stem: p for p in sorted(seeds_dir.glob("*.txt"))}


def read_checksums(path: Path) -> dict[str, str]:
    """Parse a ``sha256sum``-style file: file name → hex digest."""
    sums: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*")] = digest
    return sums
