"""Documents: the article texts and their metadata, what a corpus is, and where the data lives.

In a checkout the data is ``seeds/`` and ``gold/`` beside the package; in an
installed wheel the same two folders ship inside the package as
``benchmark/_data/``. :func:`data_root` finds whichever is there.

A *corpus* (:class:`CorpusInfo`) is documents, the layers their gold
annotates and their provenance. troopbench's five articles are the default
corpus, :data:`TROOPBENCH`; others (``gold/<name>/corpus.json``, a folder of
TimeML files, an imported corpus folder) are found and loaded by
:mod:`benchmark.corpora`.
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


#: The name of troopbench's own corpus (the five articles), the default everywhere.
DEFAULT_CORPUS = "troopbench"


@dataclass(frozen=True, slots=True)
class Published:
    """A figure published for a corpus (not run here): a run, a layer, its metrics, where from."""

    run: str
    layer: str
    source: str
    metrics: tuple[tuple[str, float], ...]

    def metric(self, key: str) -> float | None:
        return dict(self.metrics).get(key)


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    """A corpus's identity, the layers its gold annotates, and its provenance.

    ``layers``: the annotated layers; a layer outside it is *not annotated*:
    never scored, never zero, never in a mean. ``pending``: layers whose gold
    is declared for this corpus but not committed yet (an overlay still being
    annotated blind); no system that attempts one may run on the corpus.
    ``strict``: the troopbench corpus's own extra checks (doc ids
    ``NNN_<16 hex>``, an entity registry, dct evidence spans, the title a line
    of the text). ``format``: ``troopbench`` (seeds + gold), ``json`` (an
    imported corpus folder) or ``timeml`` (a folder of ``.tml`` files).
    """

    name: str
    layers: tuple[str, ...]
    title: str = ""
    source: str = ""
    licence: str = ""
    citation: str = ""
    format: str = "troopbench"
    strict: bool = False
    pending: tuple[str, ...] = ()
    path: str = ""  # where it was loaded from (not part of any hash)
    published: tuple[Published, ...] = ()  # reference figures, shown as "not run here"

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_CORPUS

    def to_dict(self) -> dict[str, object]:
        """The manifest fields (``corpus.json``), without the load path."""
        out: dict[str, object] = {
            "name": self.name,
            "title": self.title,
            "format": self.format,
            "layers": list(self.layers),
            "source": self.source,
            "licence": self.licence,
            "citation": self.citation,
        }
        if self.pending:
            out["overlays"] = list(self.pending)
        if self.published:
            out["published"] = [
                {"run": x.run, "layer": x.layer, "source": x.source, "metrics": dict(x.metrics)}
                for x in self.published
            ]
        return out


TROOPBENCH = CorpusInfo(
    name=DEFAULT_CORPUS,
    layers=("entities", "timexes", "troop_counts", "stances"),
    title="troopbench: five news articles on US troops in Iraq",
    source="seeds/ (the articles, byte for byte) and gold/ (four layers, adjudicated)",
    licence="annotations CC-BY-4.0; article texts (c) their publishers (gold/README.md)",
    citation="troopbench (this repository)",
    format="troopbench",
    strict=True,
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span the document creation time rests on, with the reason."""

    span: Span
    note: str


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its exact text and the metadata a system may use.

    ``dct`` is the document creation time that relative expressions resolve
    against; systems receive it, as in TempEval. ``dct_time`` is its time of
    day when the corpus gives one (a TimeML DCT may), else None. ``title`` may
    be empty when a corpus has none. Nothing here is an answer.
    """

    doc_id: str
    text: str
    title: str
    dct: dt.date
    dct_certainty: str
    dct_evidence: tuple[Evidence, ...] = ()
    dct_time: dt.time | None = None

    @property
    def dct_value(self) -> str:
        """The dct as a TIMEX3 value: ``YYYY-MM-DD``, with ``THH:MM[:SS]`` when it has a time."""
        if self.dct_time is None:
            return self.dct.isoformat()
        return f"{self.dct.isoformat()}T{format_time(self.dct_time)}"

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def format_time(time: dt.time) -> str:
    """``HH:MM`` when the seconds are zero, else ``HH:MM:SS``."""
    return time.strftime("%H:%M" if time.second == 0 else "%H:%M:%S")


def parse_dct(value: str) -> tuple[dt.date, dt.time | None]:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` → (date, time or None); ValueError if neither."""
    day, sep, clock = value.partition("T")
    if len(day) != 10:
        raise ValueError(f"{value!r} is not a calendar date")
    date = dt.date.fromisoformat(day)
    if not sep:
        return date, None
    if len(clock) not in (5, 8):
        raise ValueError(f"{value!r}: the time of day must be HH:MM or HH:MM:SS")
    return date, dt.time.fromisoformat(clock)


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
