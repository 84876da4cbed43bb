"""Loading and validating the gold annotations of a corpus.

:func:`validate_gold` checks a gold folder against the gold JSON Schema and
against everything a schema cannot express, and returns *every* problem it
finds as a :class:`Problem` (``file: json-pointer: what is wrong``).
:func:`load_gold` returns the typed :class:`Gold` or raises
:class:`GoldError` carrying that list.

What is checked depends on the corpus (:class:`benchmark.corpus.CorpusInfo`):
every corpus's gold must give exactly the layers the corpus annotates, spans
that match the text and TIMEX3 values of the grammar; troopbench's own corpus
(``strict``) also requires its doc id form, an entity registry, dct evidence
spans and a title that is a line of the text. :func:`check_documents` and
:func:`assemble_gold` do the same for documents read from other formats
(:mod:`benchmark.corpora`).
"""

from __future__ import annotations

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
    TROOPBENCH,
    CorpusInfo,
    Document,
    Evidence,
    default_gold_dir,
    default_seeds_dir,
    parse_dct,
    read_seed,
    seed_paths,
)
from benchmark.inputs import InputError, read_json_file
from benchmark.layers import LAYERS
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
    """The whole gold of a corpus: registry, documents in doc_id order, its hash,
    and the corpus (which layers it annotates, where it comes from)."""

    registry: Registry
    documents: Mapping[str, GoldDocument]
    sha256: str
    corpus: CorpusInfo = TROOPBENCH

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers this gold annotates (the others are "not annotated")."""
        return self.corpus.layers

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


def read_json_or_record(path: Path, problems: list[Problem]) -> Any:
    """A JSON input file's data, or None with its problem appended to ``problems``."""
    return _read_json(path, problems)


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
    ids = {entry["id"] for entry in data.get("entities", ())}
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


#: The doc id form of troopbench's own corpus (a contrast variant adds ``~kind~n``).
STRICT_DOC_ID = re.compile(r"[0-9]{3}_[0-9a-f]{16}(?:~[a-z]+~[0-9]+)?")


def _corpus_problems(
    file: str, data: Mapping[str, Any], text: str, corpus: CorpusInfo
) -> list[Problem]:
    """The layers a document gives against those its corpus annotates, and the
    troopbench corpus's own stricter checks."""
    problems: list[Problem] = []
    for layer in LAYERS:
        if layer in corpus.layers and layer not in data:
            problems.append(
                Problem(
                    file,
                    f"/{layer}",
                    f"missing: corpus {corpus.name!r} annotates {layer} (an "
                    "empty list says a document has none)",
                )
            )
        elif layer not in corpus.layers and layer in data:
            problems.append(
                Problem(
                    file,
                    f"/{layer}",
                    f"corpus {corpus.name!r} does not annotate {layer}; leave the key out "
                    "(a layer that is not annotated is never scored as zero)",
                )
            )
    if not corpus.strict:
        return problems
    if not STRICT_DOC_ID.fullmatch(data["doc_id"]):
        problems.append(
            Problem(
                file, "/doc_id", f"doc_id {data['doc_id']!r} is not of the form NNN_<16 hex digits>"
            )
        )
    if data["title"] not in text.split("\n"):
        problems.append(
            Problem(file, "/title", f"title {data['title']!r} is not a line of the article")
        )
    if "T" in data["dct"]:
        problems.append(Problem(file, "/dct", f"{data['dct']!r}: this corpus's dct is a date"))
    if data["dct_certainty"] not in ("stated", "inferred"):
        problems.append(
            Problem(file, "/dct_certainty", f"{data['dct_certainty']!r} is not stated or inferred")
        )
    if not data.get("dct_evidence"):
        problems.append(
            Problem(file, "/dct_evidence", "at least one span must say what the dct rests on")
        )
    return problems


def _document_problems(
    file: str,
    data: Mapping[str, Any],
    doc_id: str,
    text: str,
    registry: Mapping[str, Mapping[str, Any]],
    corpus: CorpusInfo = TROOPBENCH,
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
    problems += _corpus_problems(file, data, text, corpus)
    try:
        parse_dct(data["dct"])
    except ValueError:
        problems.append(
            Problem(file, "/dct", f"{data['dct']!r} is not a calendar date (with a time of day)")
        )
    for i, ev in enumerate(data.get("dct_evidence", ())):
        problems += _check_span(file, f"/dct_evidence/{i}", ev, text)

    for i, m in enumerate(data.get("entities", ())):
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
    problems += _check_flat(file, "entities", data.get("entities", ()))

    for i, t in enumerate(data.get("timexes", ())):
        problems += _check_span(file, f"/timexes/{i}", t, text)
        if not is_timex3_value(t["value"]):
            problems.append(
                Problem(file, f"/timexes/{i}/value", f"{t['value']!r} is not a TIMEX3 value")
            )
    problems += _check_flat(file, "timexes", data.get("timexes", ()))

    for i, c in enumerate(data.get("troop_counts", ())):
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
    for i, s in enumerate(data.get("stances", ())):
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


#: Layers whose items name registry ids: a corpus annotating one needs a registry.
REGISTRY_LAYERS = ("entities", "troop_counts", "stances")


def needs_registry(corpus: CorpusInfo) -> bool:
    """Whether ``corpus`` must have an entity registry (troopbench's always does)."""
    return corpus.strict or any(layer in corpus.layers for layer in REGISTRY_LAYERS)


def check_registry(
    file: str, registry_data: Any, problems: list[Problem]
) -> Mapping[str, Any] | None:
    """A registry's data if it is valid against the schema (its problems recorded), else None."""
    schema = _schema_problems(file, registry_data, "registry")
    problems += schema or _registry_problems(file, registry_data)
    return None if schema else registry_data


def check_documents(
    corpus: CorpusInfo,
    registry_data: Mapping[str, Any] | None,
    raw: Mapping[str, tuple[str, Any]],
    texts: Mapping[str, str],
    registry_file: str = REGISTRY_FILE,
) -> tuple[list[Problem], dict[str, Any]]:
    """Problems of the documents ``raw`` (doc id → (file name, parsed JSON)) against
    their ``texts`` and the registry, for ``corpus``; and the documents that are
    valid (doc id → data). ``registry_data`` None: no registry (or a broken one,
    already reported when the corpus needs it)."""
    problems: list[Problem] = []
    docs: dict[str, Any] = {}
    registry_map = {e["id"]: e for e in registry_data["entities"]} if registry_data else {}
    for doc_id, (file, data) in raw.items():
        schema = _schema_problems(file, data, "document")
        if schema:
            problems += schema
            continue
        if registry_data is None and needs_registry(corpus):
            continue  # registry problems already reported; ids cannot be checked
        problems += _document_problems(file, data, doc_id, texts[doc_id], registry_map, corpus)
        docs[doc_id] = data
    for i, m in enumerate(registry_data.get("metonyms", ()) if registry_data else ()):
        if m["doc_id"] not in texts:
            problems.append(
                Problem(registry_file, f"/metonyms/{i}/doc_id", f"no document {m['doc_id']!r}")
            )
    return problems, docs


def _collect(
    gold_dir: Path, seeds_dir: Path, corpus: CorpusInfo = TROOPBENCH
) -> tuple[list[Problem], Any, dict[str, Any], dict[str, str]]:
    problems: list[Problem] = []
    seeds = seed_paths(seeds_dir)
    if not seeds:
        problems.append(Problem(str(seeds_dir), "", "no seed articles (*.txt) found"))
    problems += _seed_problems(seeds_dir)
    registry_path = gold_dir / REGISTRY_FILE
    registry_data = None
    if not registry_path.is_file():
        if needs_registry(corpus):
            problems.append(
                Problem(REGISTRY_FILE, "", f"the entity registry is missing from {gold_dir}")
            )
    else:
        registry_data = _read_json(registry_path, problems)
        if registry_data is not None:
            registry_data = check_registry(REGISTRY_FILE, registry_data, problems)
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
    raw: dict[str, tuple[str, Any]] = {}
    for doc_id in texts:
        data = _read_json(doc_files[doc_id], problems)
        if data is not None:
            raw[doc_id] = (doc_files[doc_id].name, data)
    more, docs = check_documents(corpus, registry_data, raw, texts)
    return problems + more, registry_data, docs, texts


def validate_gold(
    gold_dir: Path | None = None, seeds_dir: Path | None = None, corpus: CorpusInfo = TROOPBENCH
) -> list[Problem]:
    """Every problem in a gold folder (empty when it is valid)."""
    problems, *_ = _collect(
        gold_dir or default_gold_dir(), seeds_dir or default_seeds_dir(), corpus
    )
    return problems


def _span(d: Mapping[str, Any]) -> Span:
    return Span(d["start"], d["end"], d["text"])


def _build_document(doc_id: str, text: str, data: Mapping[str, Any]) -> GoldDocument:
    dct, dct_time = parse_dct(data["dct"])
    document = Document(
        doc_id=doc_id,
        text=text,
        title=data["title"],
        dct=dct,
        dct_certainty=data["dct_certainty"],
        dct_evidence=tuple(Evidence(_span(e), e["note"]) for e in data.get("dct_evidence", ())),
        dct_time=dct_time,
    )
    return GoldDocument(
        document=document,
        entities=tuple(
            sorted(
                (EntityMention(_span(m), m["type"], m["entity"]) for m in data.get("entities", ())),
                key=lambda m: (m.span.start, m.span.end),
            )
        ),
        timexes=tuple(
            sorted(
                (
                    Timex(_span(t), t["type"], t["value"], t.get("mod"))
                    for t in data.get("timexes", ())
                ),
                key=lambda t: (t.span.start, t.span.end),
            )
        ),
        troop_counts=tuple(
            sorted(
                (
                    TroopCount(
                        _span(c), c["value"], c["qualifier"], c["force"], c["location"], c["time"]
                    )
                    for c in data.get("troop_counts", ())
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
            for s in data.get("stances", ())
        ),
    )


def assemble_gold(
    corpus: CorpusInfo,
    registry_data: Mapping[str, Any] | None,
    docs: Mapping[str, Any],
    texts: Mapping[str, str],
) -> Gold:
    """The typed :class:`Gold` of checked documents (see :func:`check_documents`).

    Its hash covers the canonical JSON of the registry (when there is one) and
    of every document, and every text; for troopbench's corpus it is the gold
    hash of every earlier release.
    """
    registry = Registry(
        {
            e["id"]: RegistryEntry(e["id"], e["name"], e["type"], tuple(e["aliases"]))
            for e in sorted((registry_data or {}).get("entities", ()), key=lambda e: e["id"])
        },
        tuple(
            Metonym(m["doc_id"], m["name"], m["entity"], m["note"])
            for m in (registry_data or {}).get("metonyms", ())
        ),
    )
    documents = {
        doc_id: _build_document(doc_id, texts[doc_id], docs[doc_id]) for doc_id in sorted(docs)
    }
    return Gold(registry, documents, _digest(registry_data, docs, texts), corpus)


def _digest(registry_data: Any, docs: Mapping[str, Any], texts: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    if registry_data is not None:
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


def load_gold(
    gold_dir: Path | str | None = None,
    seeds_dir: Path | str | None = None,
    corpus: CorpusInfo = TROOPBENCH,
) -> Gold:
    """Load and validate a gold folder; raise :class:`GoldError` if anything is wrong.

    With no arguments, loads troopbench's own gold (from the checkout, or the
    copy shipped inside the installed package). Other corpora:
    :func:`benchmark.corpora.load_corpus`.
    """
    gdir = Path(gold_dir) if gold_dir is not None else default_gold_dir()
    sdir = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    problems, registry_data, docs, texts = _collect(gdir, sdir, corpus)
    if problems:
        raise GoldError(problems)
    return assemble_gold(corpus, registry_data, docs, texts)
