"""Loading and validating the gold annotations.

:func:`validate_gold` checks a gold folder against the gold JSON Schema and
against everything a schema cannot express, and returns *every* problem it
finds as a :class:`Problem` (``file: json-pointer: what is wrong``).
:func:`load_gold` returns the typed :class:`Gold` or raises
:class:`GoldError` carrying that list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchmark.aliases import AliasIndex, normalize_name
from benchmark.corpus import (
    Document,
    Evidence,
    default_gold_dir,
    default_seeds_dir,
    read_seed,
    seed_paths,
)
from benchmark.inputs import InputError, read_json_file
from benchmark.layers.entities import EntityMention
from benchmark.layers.stances import Stance
from benchmark.layers.timexes import Timex, is_timex3_value
from benchmark.layers.troops import TroopCount
from benchmark.schemas import json_pointer, schema_validator
from benchmark.spans import Span

REGISTRY_FILE = "entities.json"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer or '/'}: {self.message}"


class GoldError(Exception):
    """The gold folder is invalid; ``problems`` lists everything found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the gold annotations:\n{lines}")


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One entity of the corpus-wide registry."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Metonym:
    """A document-scoped metonym: in ``doc_id``, ``name`` refers to ``entity``
    (e.g. "Baghdad" for the Iraqi government); used to resolve stance holders."""

    doc_id: str
    name: str
    entity: str
    note: str


@dataclass(frozen=True)
class Registry:
    """The corpus-wide entity registry (``gold/entities.json``)."""

    entries: Mapping[str, RegistryEntry]
    metonyms: tuple[Metonym, ...] = ()

    def metonym_index(self, doc_id: str) -> AliasIndex:
        """The metonyms declared for one document, as an alias index."""
        names: dict[str, list[str]] = {}
        for m in self.metonyms:
            if m.doc_id == doc_id:
                names.setdefault(m.entity, []).append(m.name)
        return AliasIndex.build(names)

    @cached_property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        """id → every name of the entity (canonical name first)."""
        return {i: (e.name, *e.aliases) for i, e in self.entries.items()}

    @cached_property
    def types(self) -> dict[str, str]:
        return {i: e.type for i, e in self.entries.items()}

    @cached_property
    def index(self) -> AliasIndex:
        return AliasIndex.build(self.aliases)


@dataclass(frozen=True, slots=True)
class GoldDocument:
    """A document with its four gold layers."""

    document: Document
    entities: tuple[EntityMention, ...]
    timexes: tuple[Timex, ...]
    troop_counts: tuple[TroopCount, ...]
    stances: tuple[Stance, ...]

    @property
    def doc_id(self) -> str:
        return self.document.doc_id


@dataclass(frozen=True)
class Gold:
    """The whole gold: registry, documents in doc_id order, and its hash."""

    registry: Registry
    documents: Mapping[str, GoldDocument]
    sha256: str

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def __iter__(self) -> Iterator[GoldDocument]:
        return iter(self.documents.values())


# ---------------------------------------------------------------- reading JSON


def _read_json(path: Path, problems: list[Problem]) -> Any:
    """The file's JSON, checked against the input bounds (:mod:`benchmark.inputs`: a
    BOM is accepted, bytes that are not UTF-8 are reported with their offset);
    None, with the problem recorded, if it cannot be read."""
    try:
        return read_json_file(path)
    except InputError as exc:
        problems.append(Problem(path.name, exc.pointer, exc.message))
    except OSError as exc:
        problems.append(Problem(path.name, "", f"cannot be read: {exc.strerror}"))
    return None


SUMS_FILE = "SHA256SUMS"


def _seed_problems(seeds_dir: Path) -> list[Problem]:
    """Seeds whose bytes do not match ``SHA256SUMS`` (when the folder has one)."""
    sums = seeds_dir / SUMS_FILE
    if not sums.is_file():
        return []
    problems = []
    listed: dict[str, str] = {}
    for n, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.strip().partition("  ")
        if not line.strip():
            continue
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            problems.append(Problem(SUMS_FILE, f"line {n}", "not a 'sha256  name' line"))
            continue
        listed[name.lstrip("*")] = digest
    for path in sorted(seeds_dir.glob("*.txt")):
        expected = listed.get(path.name)
        if expected is None:
            problems.append(Problem(path.name, "", f"not listed in {SUMS_FILE}"))
            continue
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            problems.append(
                Problem(
                    path.name,
                    "",
                    f"sha256 {actual[:12]}… does not match {SUMS_FILE} ({expected[:12]}…): "
                    "the article is not byte for byte the published one",
                )
            )
    for name in sorted(set(listed) - {p.name for p in seeds_dir.glob("*.txt")}):
        problems.append(Problem(name, "", f"listed in {SUMS_FILE} but missing"))
    return problems


def _schema_problems(file: str, data: Any, definition: str) -> list[Problem]:
    """The schema's complaints about ``data``. While statistics are cached (the
    command line), content that passed this schema before (the same canonical JSON
    and the same schema code: :func:`benchmark.statcache.check_mark`) is not
    validated again."""
    from benchmark.statcache import check_mark, set_mark

    mark = check_mark(f"gold-schema:{definition}", _canonical(data), _SCHEMA_CODE)
    if mark is not None and mark.exists():
        return []
    validator = schema_validator("gold", definition)
    problems = [
        Problem(file, json_pointer(err.absolute_path), err.message)
        for err in sorted(
            validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
        )
    ]
    if mark is not None and not problems:
        set_mark(mark)
    return problems


#: The code a gold file's schema check depends on.
_SCHEMA_CODE = ("benchmark.schemas",)


# ---------------------------------------------------------------- semantic checks


_NUMBER = re.compile(r"\d[\d,]*")


def _check_span(file: str, pointer: str, span: Mapping[str, Any], text: str) -> list[Problem]:
    start, end, surface = span["start"], span["end"], span["text"]
    if end > len(text):
        return [
            Problem(
                file, pointer, f"end {end} is beyond the end of the text ({len(text)} characters)"
            )
        ]
    if start >= end:
        return [Problem(file, pointer, f"empty or inverted span: start {start} >= end {end}")]
    if text[start:end] != surface:
        return [
            Problem(
                file,
                pointer,
                f"text {surface!r} does not match the document at [{start}:{end}], "
                f"which reads {text[start:end]!r}",
            )
        ]
    return []


def _check_flat(file: str, layer: str, items: Sequence[Mapping[str, Any]]) -> list[Problem]:
    order = sorted(range(len(items)), key=lambda i: (items[i]["start"], items[i]["end"]))
    problems = []
    for a, b in pairwise(order):
        if items[b]["start"] < items[a]["end"]:
            problems.append(
                Problem(
                    file,
                    f"/{layer}/{b}",
                    f"span [{items[b]['start']}:{items[b]['end']}] {items[b]['text']!r} overlaps "
                    f"/{layer}/{a} [{items[a]['start']}:{items[a]['end']}] {items[a]['text']!r}; "
                    "spans in this layer must be flat",
                )
            )
    return problems


def _registry_problems(file: str, data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    owners: dict[str, str] = {}
    for i, entry in enumerate(data["entities"]):
        pointer = f"/entities/{i}"
        if entry["id"] in seen:
            problems.append(
                Problem(
                    file,
                    pointer + "/id",
                    f"duplicate id {entry['id']!r} (first at /entities/{seen[entry['id']]})",
                )
            )
        seen.setdefault(entry["id"], i)
        for j, alias in enumerate(entry["aliases"]):
            key = normalize_name(alias)
            other = owners.get(key)
            if other is not None and other != entry["id"]:
                problems.append(
                    Problem(
                        file,
                        f"{pointer}/aliases/{j}",
                        f"alias {alias!r} also belongs to {other!r}; an alias must name one entity",
                    )
                )
            owners.setdefault(key, entry["id"])
    ids = {entry["id"] for entry in data["entities"]}
    declared: dict[tuple[str, str], str] = {}
    for i, m in enumerate(data.get("metonyms", ())):
        pointer = f"/metonyms/{i}"
        if m["entity"] not in ids:
            problems.append(
                Problem(
                    file, pointer + "/entity", f"entity id {m['entity']!r} is not in the registry"
                )
            )
        key = (m["doc_id"], normalize_name(m["name"]))
        if not key[1]:
            problems.append(
                Problem(file, pointer + "/name", f"{m['name']!r} normalises to nothing")
            )
        elif declared.setdefault(key, m["entity"]) != m["entity"]:
            problems.append(
                Problem(
                    file,
                    pointer + "/name",
                    f"{m['name']!r} is already a metonym of {declared[key]!r} in {m['doc_id']}",
                )
            )
    return problems


def _document_problems(
    file: str,
    data: Mapping[str, Any],
    doc_id: str,
    text: str,
    registry: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    problems: list[Problem] = []
    if data["doc_id"] != doc_id:
        problems.append(
            Problem(
                file,
                "/doc_id",
                f"doc_id {data['doc_id']!r} does not match the file name {doc_id!r}",
            )
        )
    if data["title"] not in text.split("\n"):
        problems.append(
            Problem(file, "/title", f"title {data['title']!r} is not a line of the article")
        )
    try:
        dt.date.fromisoformat(data["dct"])
    except ValueError:
        problems.append(Problem(file, "/dct", f"{data['dct']!r} is not a calendar date"))
    for i, ev in enumerate(data["dct_evidence"]):
        problems += _check_span(file, f"/dct_evidence/{i}", ev, text)

    for i, m in enumerate(data["entities"]):
        pointer = f"/entities/{i}"
        problems += _check_span(file, pointer, m, text)
        entry = registry.get(m["entity"])
        if entry is None:
            problems.append(
                Problem(
                    file, pointer + "/entity", f"entity id {m['entity']!r} is not in the registry"
                )
            )
            continue
        if entry["type"] != m["type"]:
            problems.append(
                Problem(
                    file,
                    pointer + "/type",
                    f"type {m['type']} differs from the registry's {entry['type']} "
                    f"for {m['entity']!r}",
                )
            )
        names = {normalize_name(a) for a in (entry["name"], *entry["aliases"])}
        if normalize_name(m["text"]) not in names:
            problems.append(
                Problem(
                    file,
                    pointer + "/text",
                    f"{m['text']!r} is not among the registry aliases of {m['entity']!r}",
                )
            )
    problems += _check_flat(file, "entities", data["entities"])

    for i, t in enumerate(data["timexes"]):
        problems += _check_span(file, f"/timexes/{i}", t, text)
        if not is_timex3_value(t["value"]):
            problems.append(
                Problem(file, f"/timexes/{i}/value", f"{t['value']!r} is not a TIMEX3 value")
            )
    problems += _check_flat(file, "timexes", data["timexes"])

    for i, c in enumerate(data["troop_counts"]):
        pointer = f"/troop_counts/{i}"
        problems += _check_span(file, pointer, c, text)
        digits = _NUMBER.search(c["text"])
        if digits and int(digits.group().replace(",", "")) != c["value"]:
            problems.append(
                Problem(
                    file,
                    pointer + "/value",
                    f"value {c['value']} does not match the number written {c['text']!r}",
                )
            )
        for key in ("force", "location"):
            if c[key] is not None and c[key] not in registry:
                problems.append(
                    Problem(file, f"{pointer}/{key}", f"{key} {c[key]!r} is not in the registry")
                )

    holders: dict[str, int] = {}
    for i, s in enumerate(data["stances"]):
        pointer = f"/stances/{i}"
        if s["holder"] not in registry:
            problems.append(
                Problem(file, pointer + "/holder", f"holder {s['holder']!r} is not in the registry")
            )
        if s["holder"] in holders:
            problems.append(
                Problem(
                    file,
                    pointer + "/holder",
                    f"second stance for {s['holder']!r} (first at /stances/"
                    f"{holders[s['holder']]}); one record per holder per document",
                )
            )
        holders.setdefault(s["holder"], i)
        for key in ("holder_mentions", "evidence"):
            for j, span in enumerate(s[key]):
                problems += _check_span(file, f"{pointer}/{key}/{j}", span, text)
    return problems


# ---------------------------------------------------------------- public API


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def _collect(
    gold_dir: Path, seeds_dir: Path
) -> tuple[list[Problem], Any, dict[str, Any], dict[str, str]]:
    problems: list[Problem] = []
    seeds = seed_paths(seeds_dir)
    if not seeds:
        problems.append(Problem(str(seeds_dir), "", "no seed articles (*.txt) found"))
    problems += _seed_problems(seeds_dir)
    registry_path = gold_dir / REGISTRY_FILE
    registry_data = None
    if not registry_path.is_file():
        problems.append(
            Problem(REGISTRY_FILE, "", f"the entity registry is missing from {gold_dir}")
        )
    else:
        registry_data = _read_json(registry_path, problems)
        if registry_data is not None:
            schema = _schema_problems(REGISTRY_FILE, registry_data, "registry")
            problems += schema or _registry_problems(REGISTRY_FILE, registry_data)
            if schema:
                registry_data = None
    doc_files = {p.stem: p for p in sorted(gold_dir.glob("*.json")) if p.name != REGISTRY_FILE}
    for doc_id in sorted(set(seeds) - set(doc_files)):
        problems.append(
            Problem(f"{doc_id}.json", "", f"seed {seeds[doc_id].name} has no gold file")
        )
    for doc_id in sorted(set(doc_files) - set(seeds)):
        problems.append(
            Problem(doc_files[doc_id].name, "", f"no seed article {doc_id}.txt for this gold file")
        )
    texts = {doc_id: read_seed(seeds[doc_id]) for doc_id in sorted(set(seeds) & set(doc_files))}
    docs: dict[str, Any] = {}
    registry_map = {e["id"]: e for e in registry_data["entities"]} if registry_data else {}
    for doc_id, text in texts.items():
        file = doc_files[doc_id].name
        data = _read_json(doc_files[doc_id], problems)
        if data is None:
            continue
        schema = _schema_problems(file, data, "document")
        if schema:
            problems += schema
            continue
        if registry_data is None:
            continue  # registry problems already reported; ids cannot be checked
        problems += _document_problems(file, data, doc_id, text, registry_map)
        docs[doc_id] = data
    for i, m in enumerate(registry_data.get("metonyms", ()) if registry_data else ()):
        if m["doc_id"] not in texts:
            problems.append(
                Problem(REGISTRY_FILE, f"/metonyms/{i}/doc_id", f"no document {m['doc_id']!r}")
            )
    return problems, registry_data, docs, texts


def validate_gold(gold_dir: Path | None = None, seeds_dir: Path | None = None) -> list[Problem]:
    """Every problem in a gold folder (empty when it is valid)."""
    problems, *_ = _collect(gold_dir or default_gold_dir(), seeds_dir or default_seeds_dir())
    return problems


def _span(d: Mapping[str, Any]) -> Span:
    return Span(d["start"], d["end"], d["text"])


def _build_document(doc_id: str, text: str, data: Mapping[str, Any]) -> GoldDocument:
    document = Document(
        doc_id=doc_id,
        text=text,
        title=data["title"],
        dct=dt.date.fromisoformat(data["dct"]),
        dct_certainty=data["dct_certainty"],
        dct_evidence=tuple(Evidence(_span(e), e["note"]) for e in data["dct_evidence"]),
    )
    return GoldDocument(
        document=document,
        entities=tuple(
            sorted(
                (EntityMention(_span(m), m["type"], m["entity"]) for m in data["entities"]),
                key=lambda m: (m.span.start, m.span.end),
            )
        ),
        timexes=tuple(
            sorted(
                (Timex(_span(t), t["type"], t["value"], t.get("mod")) for t in data["timexes"]),
                key=lambda t: (t.span.start, t.span.end),
            )
        ),
        troop_counts=tuple(
            sorted(
                (
                    TroopCount(
                        _span(c), c["value"], c["qualifier"], c["force"], c["location"], c["time"]
                    )
                    for c in data["troop_counts"]
                ),
                key=lambda c: (c.span.start, c.span.end),
            )
        ),
        stances=tuple(
            Stance(
                s["holder"],
                tuple(_span(m) for m in s["holder_mentions"]),
                s["label"],
                tuple(_span(e) for e in s["evidence"]),
            )
            for s in data["stances"]
        ),
    )


def load_gold(gold_dir: Path | str | None = None, seeds_dir: Path | str | None = None) -> Gold:
    """Load and validate a gold folder; raise :class:`GoldError` if anything is wrong.

    With no arguments, loads troopbench's own gold (from the checkout, or the
    copy shipped inside the installed package).
    """
    gdir = Path(gold_dir) if gold_dir is not None else default_gold_dir()
    sdir = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    problems, registry_data, docs, texts = _collect(gdir, sdir)
    if problems:
        raise GoldError(problems)
    registry = Registry(
        {
            e["id"]: RegistryEntry(e["id"], e["name"], e["type"], tuple(e["aliases"]))
            for e in sorted(registry_data["entities"], key=lambda e: e["id"])
        },
        tuple(
            Metonym(m["doc_id"], m["name"], m["entity"], m["note"])
            for m in registry_data.get("metonyms", ())
        ),
    )
    documents = {
        doc_id: _build_document(doc_id, texts[doc_id], docs[doc_id]) for doc_id in sorted(docs)
    }
    return Gold(registry, documents, _digest(registry_data, docs, texts))


def _digest(registry_data: Any, docs: Mapping[str, Any], texts: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    digest.update(_canonical(registry_data))
    for doc_id in sorted(docs):
        digest.update(_canonical(docs[doc_id]))
        digest.update(hashlib.sha256(texts[doc_id].encode("utf-8")).digest())
    return digest.hexdigest()


def gold_hash_unchecked(gold_dir: Path | None = None, seeds_dir: Path | None = None) -> str:
    """The hash :func:`load_gold` gives a valid gold folder, computed without its checks
    (for listing systems quickly; ``troopbench validate`` checks). Raises OSError or
    ValueError when a file cannot be read."""
    gdir = gold_dir if gold_dir is not None else default_gold_dir()
    sdir = seeds_dir if seeds_dir is not None else default_seeds_dir()
    seeds = seed_paths(sdir)
    doc_files = {p.stem: p for p in sorted(gdir.glob("*.json")) if p.name != REGISTRY_FILE}
    both = sorted(set(seeds) & set(doc_files))
    registry_data = json.loads((gdir / REGISTRY_FILE).read_text(encoding="utf-8"))
    docs = {d: json.loads(doc_files[d].read_text(encoding="utf-8")) for d in both}
    return _digest(registry_data, docs, {d: read_seed(seeds[d]) for d in both})
