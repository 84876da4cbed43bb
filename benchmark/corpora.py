"""Finding and loading corpora by name or path: troopbench's own, bundled ones, TimeML folders.

A corpus is named on the command line by ``--corpus REF``, where REF is

* ``troopbench`` (the default): the five articles (``seeds/`` + ``gold/``);
* the name of a bundled corpus: a folder ``gold/<name>/`` with a
  ``corpus.json`` manifest (:func:`bundled_names`; ``te3-platinum``);
* a path to a folder with a ``corpus.json`` manifest (an imported corpus,
  ``troopbench import timeml``), or to a folder of ``.tml`` files (its name is
  the folder's name; it annotates timexes).

The manifest (``corpus.json``) says ``name``, ``title``, ``format``
(``timeml``: the documents are ``tml/*.tml``; ``json``: ``texts/<doc_id>.txt``
and ``gold/<doc_id>.json`` in troopbench's gold format, with an optional
``gold/entities.json`` registry), ``layers`` (the layers the gold annotates),
``source``, ``licence``, ``citation`` and, optionally, ``overlays``: layers
added from other files when they are present. The one overlay is
``entities``: ``entities/<doc_id>.json`` files
(``{"doc_id": ..., "entities": [{"start", "end", "text", "type", "entity"}]}``)
and an ``entities.json`` registry (the schema of ``gold/entities.json``).
While an overlay's files are absent, its layer is *pending*: not annotated,
and no system that attempts it may run on the corpus (its gold is being made
blind; see DEVELOPERS rule "systems run on a corpus only after its gold is
committed").
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmark.corpus import DEFAULT_CORPUS, TROOPBENCH, CorpusInfo, Published, default_gold_dir
from benchmark.gold import (
    REGISTRY_FILE,
    Gold,
    GoldError,
    Problem,
    assemble_gold,
    check_documents,
    check_registry,
    load_gold,
    read_json_or_record,
    validate_gold,
)
from benchmark.layers import LAYERS
from benchmark.timeml import TimexTag, read_timeml_file, write_timeml

MANIFEST = "corpus.json"
FORMATS = ("timeml", "json")
OVERLAYS = ("entities",)
ENTITY_DIR = "entities"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class CorpusNotFound(Exception):
    """A corpus reference that names no corpus (the message says what there is)."""


def bundled_names() -> tuple[str, ...]:
    """troopbench's corpus first, then every bundled corpus (``gold/<name>/corpus.json``)."""
    found = sorted(p.parent.name for p in default_gold_dir().glob(f"*/{MANIFEST}"))
    return (DEFAULT_CORPUS, *found)


def _manifest(path: Path) -> tuple[CorpusInfo | None, list[Problem]]:
    problems: list[Problem] = []
    data = read_json_or_record(path, problems)
    if data is None:
        return None, problems
    file = f"{path.parent.name}/{MANIFEST}"
    if not isinstance(data, dict):
        return None, [Problem(file, "", "not a JSON object")]
    for key in ("name", "title", "format", "source", "licence", "citation"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(Problem(file, f"/{key}", "a non-empty string is needed"))
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers or any(x not in LAYERS for x in layers):
        problems.append(Problem(file, "/layers", f"a non-empty list of {', '.join(LAYERS)}"))
    overlays = data.get("overlays", [])
    if not isinstance(overlays, list) or any(x not in OVERLAYS for x in overlays):
        problems.append(Problem(file, "/overlays", f"a list of {', '.join(OVERLAYS)}"))
    published = _published(file, data.get("published", []), problems)
    known = {"name", "title", "format", "layers", "overlays", "source", "licence", "citation"}
    unknown = sorted(set(data) - known - {"published"})
    if unknown:
        problems.append(Problem(file, "", f"unknown key(s) {', '.join(unknown)}"))
    if isinstance(data.get("format"), str) and data["format"] not in FORMATS:
        problems.append(Problem(file, "/format", f"{data['format']!r} is not one of {FORMATS}"))
    if isinstance(data.get("name"), str) and not NAME.fullmatch(data["name"]):
        problems.append(
            Problem(file, "/name", f"{data['name']!r}: lower-case letters, digits, '.', '_', '-'")
        )
    if data.get("name") == DEFAULT_CORPUS:
        problems.append(Problem(file, "/name", f"{DEFAULT_CORPUS!r} is troopbench's own corpus"))
    if problems:
        return None, problems
    annotated = tuple(x for x in LAYERS if x in layers)
    info = CorpusInfo(
        name=data["name"],
        layers=annotated,
        title=data["title"],
        source=data["source"],
        licence=data["licence"],
        citation=data["citation"],
        format=data["format"],
        pending=tuple(x for x in LAYERS if x in overlays and x not in annotated),
        path=str(path.parent),
        published=published,
    )
    return info, []


def _published(file: str, data: Any, problems: list[Problem]) -> tuple[Published, ...]:
    """The manifest's ``published`` figures: ``[{"run", "layer", "source", "metrics":
    {"value_f1": 0.7761, ...}}]`` (fractions, not percentages)."""
    out = []
    if not isinstance(data, list):
        problems.append(Problem(file, "/published", "a list of published figures"))
        return ()
    for i, item in enumerate(data):
        ok = (
            isinstance(item, dict)
            and set(item) == {"run", "layer", "source", "metrics"}
            and all(isinstance(item[k], str) and item[k] for k in ("run", "layer", "source"))
            and item["layer"] in LAYERS
            and isinstance(item["metrics"], dict)
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1
                for v in item["metrics"].values()
            )
        )
        if not ok:
            problems.append(
                Problem(
                    file,
                    f"/published/{i}",
                    'needs "run", "layer" (a layer), "source" and "metrics" (name: fraction)',
                )
            )
            continue
        metrics = tuple((str(k), float(v)) for k, v in item["metrics"].items())
        out.append(Published(item["run"], item["layer"], item["source"], metrics))
    return tuple(out)


def resolve_corpus(ref: str | Path | None) -> CorpusInfo:
    """The corpus ``ref`` names (module doc); :class:`CorpusNotFound` or
    :class:`GoldError` (a bad manifest) otherwise. Nothing is loaded yet."""
    if ref is None or str(ref) == DEFAULT_CORPUS:
        return TROOPBENCH
    bundled = default_gold_dir() / str(ref)
    if NAME.fullmatch(str(ref)) and (bundled / MANIFEST).is_file():
        path = bundled
    else:
        path = Path(ref)
        if not path.is_dir():
            raise CorpusNotFound(
                f"no corpus {str(ref)!r}: not a bundled corpus ({', '.join(bundled_names())}) "
                "and not a folder"
            )
    if (path / MANIFEST).is_file():
        info, problems = _manifest(path / MANIFEST)
        if info is None:
            raise GoldError(problems)
        return info
    if any(path.glob("*.tml")):
        name = path.resolve().name.lower()
        if not NAME.fullmatch(name) or name == DEFAULT_CORPUS:
            raise CorpusNotFound(
                f"{path}: the folder name {path.resolve().name!r} cannot name a corpus "
                "(lower-case letters, digits, '.', '_', '-'; not 'troopbench'); "
                f"import it with a name: troopbench import timeml {path} --out DIR --name NAME"
            )
        return CorpusInfo(
            name=name,
            layers=("timexes",),
            title=f"TimeML files in {path}",
            source=str(path),
            licence="unknown",
            citation="unknown",
            format="timeml",
            path=str(path),
        )
    raise CorpusNotFound(f"{path}: neither a {MANIFEST} nor any .tml file in this folder")


def _timeml_documents(
    folder: Path,
) -> tuple[list[Problem], dict[str, tuple[str, Any]], dict[str, str]]:
    problems: list[Problem] = []
    raw: dict[str, tuple[str, Any]] = {}
    texts: dict[str, str] = {}
    paths = sorted(folder.glob("*.tml"))
    if not paths:
        problems.append(Problem(str(folder), "", "no TimeML documents (*.tml) found"))
    for path in paths:
        document, found = read_timeml_file(path)
        problems += [Problem(p.file, p.item, p.message) for p in found]
        if document is not None:
            raw[document.doc_id] = (path.name, document.to_gold())
            texts[document.doc_id] = document.text
    return problems, raw, texts


def _entity_overlay(
    root: Path, raw: dict[str, tuple[str, Any]], problems: list[Problem]
) -> Mapping[str, Any] | None:
    """Merge ``entities/<doc_id>.json`` into ``raw``; the registry's data (None if broken)."""
    registry_path = root / REGISTRY_FILE
    registry_data = None
    if not registry_path.is_file():
        problems.append(
            Problem(REGISTRY_FILE, "", f"the entity overlay's registry is missing from {root}")
        )
    else:
        data = read_json_or_record(registry_path, problems)
        if data is not None:
            registry_data = check_registry(REGISTRY_FILE, data, problems)
    files = {p.stem: p for p in sorted((root / ENTITY_DIR).glob("*.json"))}
    for doc_id in sorted(set(raw) - set(files)):
        problems.append(
            Problem(
                f"{ENTITY_DIR}/{doc_id}.json",
                "",
                "missing: every document needs one (an empty list says it has no entity)",
            )
        )
    for doc_id in sorted(set(files) - set(raw)):
        problems.append(Problem(f"{ENTITY_DIR}/{doc_id}.json", "", f"no document {doc_id!r}"))
    for doc_id in sorted(set(files) & set(raw)):
        file = f"{ENTITY_DIR}/{doc_id}.json"
        data = read_json_or_record(files[doc_id], problems)
        if data is None:
            continue
        if not isinstance(data, dict) or set(data) != {"doc_id", "entities"}:
            problems.append(Problem(file, "", 'an object with exactly "doc_id" and "entities"'))
            continue
        if data["doc_id"] != doc_id:
            problems.append(
                Problem(file, "/doc_id", f"{data['doc_id']!r} does not match the file name")
            )
            continue
        _, document = raw[doc_id]
        # the entity items are checked with the document (pointers /entities/i)
        raw[doc_id] = (file, {**document, "entities": data["entities"]})
    return registry_data


def _collect(
    info: CorpusInfo,
) -> tuple[list[Problem], CorpusInfo, Any, dict[str, Any], dict[str, str]]:
    root = Path(info.path)
    registry_data: Any = None
    if info.format == "timeml":
        folder = root / "tml" if (root / MANIFEST).is_file() else root
        problems, raw, texts = _timeml_documents(folder)
        overlay = root / ENTITY_DIR
        if "entities" in info.pending and (overlay.is_dir() or (root / REGISTRY_FILE).is_file()):
            registry_data = _entity_overlay(root, raw, problems)
            info = dataclasses.replace(
                info,
                layers=tuple(x for x in LAYERS if x in info.layers or x == "entities"),
                pending=tuple(x for x in info.pending if x != "entities"),
            )
        more, docs = check_documents(info, registry_data, raw, texts)
        return problems + more, info, registry_data, docs, texts
    raise AssertionError(f"format {info.format!r} is loaded by load_gold")


def _json_dirs(info: CorpusInfo) -> tuple[Path, Path]:
    root = Path(info.path)
    return root / "gold", root / "texts"


def validate_corpus(
    info: CorpusInfo, gold_dir: Path | None = None, seeds_dir: Path | None = None
) -> list[Problem]:
    """Every problem of a corpus's gold (empty when it is valid)."""
    if info.is_default:
        return validate_gold(gold_dir, seeds_dir, info)
    if info.format == "json":
        gold, texts = _json_dirs(info)
        return validate_gold(gold, texts, info)
    return _collect(info)[0]


def load_corpus(
    ref: str | Path | CorpusInfo | None = None,
    gold_dir: Path | None = None,
    seeds_dir: Path | None = None,
) -> Gold:
    """A corpus's gold, loaded and checked (:class:`GoldError` listing every problem;
    :class:`CorpusNotFound` for a reference that names nothing). ``gold_dir`` and
    ``seeds_dir`` replace the folders of troopbench's own corpus."""
    info = ref if isinstance(ref, CorpusInfo) else resolve_corpus(ref)
    if info.is_default:
        return load_gold(gold_dir, seeds_dir, info)
    if gold_dir is not None or seeds_dir is not None:
        raise CorpusNotFound("--gold and --seeds replace troopbench's own corpus, not another")
    if info.format == "json":
        gold, texts = _json_dirs(info)
        return load_gold(gold, texts, info)
    problems, info, registry_data, docs, texts = _collect(info)
    if problems:
        raise GoldError(problems)
    return assemble_gold(info, registry_data, docs, texts)


# ---------------------------------------------------------------- import / export


def _gold_document_json(gold: Gold, doc_id: str) -> dict[str, Any]:
    """One document as gold JSON (gold/FORMAT.md) with the layers its corpus annotates."""
    doc = gold.documents[doc_id]
    d = doc.document
    out: dict[str, Any] = {
        "doc_id": doc_id,
        "title": d.title,
        "dct": d.dct_value,
        "dct_certainty": d.dct_certainty,
    }
    if d.dct_evidence:
        out["dct_evidence"] = [
            {"start": e.span.start, "end": e.span.end, "text": e.span.text, "note": e.note}
            for e in d.dct_evidence
        ]
    if "entities" in gold.layers:
        out["entities"] = [
            {
                "start": m.span.start,
                "end": m.span.end,
                "text": m.span.text,
                "type": m.type,
                "entity": m.entity,
            }
            for m in doc.entities
        ]
    if "timexes" in gold.layers:
        timexes = []
        for t in doc.timexes:
            item: dict[str, Any] = {
                "start": t.span.start,
                "end": t.span.end,
                "text": t.span.text,
                "type": t.type,
                "value": t.value,
            }
            if t.mod is not None:
                item["mod"] = t.mod
            timexes.append(item)
        out["timexes"] = timexes
    return out


def _registry_json(gold: Gold) -> dict[str, Any]:
    out: dict[str, Any] = {
        "entities": [
            {"id": e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases)}
            for e in gold.registry.entries.values()
        ]
    }
    if gold.registry.metonyms:
        out["metonyms"] = [
            {"doc_id": m.doc_id, "name": m.name, "entity": m.entity, "note": m.note}
            for m in gold.registry.metonyms
        ]
    return out


def import_corpus(gold: Gold, out: Path, name: str | None = None) -> CorpusInfo:
    """Write ``gold`` (a TimeML corpus, loaded) as a ``json`` corpus folder: ``corpus.json``,
    ``texts/<doc_id>.txt`` (the text exactly, UTF-8, newlines as they are) and
    ``gold/<doc_id>.json`` (+ ``gold/entities.json`` when it annotates entities).
    Loading the folder gives the same documents, annotations and gold hash."""
    from benchmark.atomic import write_text_atomic

    if gold.layers and any(x in gold.layers for x in ("troop_counts", "stances")):
        raise ValueError("only timexes and entities are imported")
    info = dataclasses.replace(gold.corpus, name=name or gold.corpus.name, format="json", path="")
    if not NAME.fullmatch(info.name) or info.name == DEFAULT_CORPUS:
        raise ValueError(f"{info.name!r} cannot name a corpus (lower-case letters, digits, . _ -)")
    (out / "texts").mkdir(parents=True, exist_ok=True)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    for doc_id, doc in gold.documents.items():
        with (out / "texts" / f"{doc_id}.txt").open("w", encoding="utf-8", newline="") as f:
            f.write(doc.document.text)
        text = json.dumps(_gold_document_json(gold, doc_id), indent=2, ensure_ascii=False)
        write_text_atomic(out / "gold" / f"{doc_id}.json", text + "\n")
    if "entities" in gold.layers:
        text = json.dumps(_registry_json(gold), indent=2, ensure_ascii=False)
        write_text_atomic(out / "gold" / REGISTRY_FILE, text + "\n")
    manifest = {k: v for k, v in info.to_dict().items() if k != "overlays"}
    write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return info


def export_timeml(
    gold: Gold,
    out: Path,
    timexes: Mapping[str, Sequence[TimexTag]] | None = None,
    *,
    nbsp_to_space: bool = False,
) -> list[Path]:
    """Write one ``<doc_id>.tml`` per document of ``gold`` into ``out``: its gold timexes,
    or ``timexes`` (doc id → tags, e.g. a system's predictions) when given. The files
    written, in doc id order (see :func:`benchmark.timeml.write_timeml`)."""
    from benchmark.atomic import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_id, doc in gold.documents.items():
        d = doc.document
        if timexes is None:
            tags: Sequence[TimexTag] = [
                TimexTag(t.span.start, t.span.end, t.value, t.type, t.mod) for t in doc.timexes
            ]
        else:
            tags = timexes.get(doc_id, ())
        text = write_timeml(doc_id, d.text, d.title, d.dct_value, tags, nbsp_to_space=nbsp_to_space)
        path = out / f"{doc_id}.tml"
        write_text_atomic(path, text)
        written.append(path)
    return written


def prediction_tags(
    predictions: Mapping[str, Any],
) -> tuple[dict[str, list[TimexTag]], list[str]]:
    """Predicted timexes as tags per document, and one line per prediction left out:
    one without offsets (TimeML needs them) or one overlapping an earlier one (XML
    cannot cross them; the earlier one, in text order, is kept)."""
    tags: dict[str, list[TimexTag]] = {}
    left_out: list[str] = []
    for doc_id, pred in predictions.items():
        keep: list[TimexTag] = []
        anchored = []
        for t in pred.timexes or ():
            if t.span is None:
                left_out.append(f"{doc_id}: {t.text!r} ({t.value}): no offsets")
            else:
                anchored.append(t)
        for t in sorted(anchored, key=lambda t: (t.span.start, -t.span.end)):
            if keep and t.span.start < keep[-1].end:
                left_out.append(
                    f"{doc_id}: [{t.span.start}:{t.span.end}] {t.span.text!r}: overlaps "
                    f"[{keep[-1].start}:{keep[-1].end}]"
                )
                continue
            keep.append(TimexTag(t.span.start, t.span.end, t.value, t.type, t.mod))
        tags[doc_id] = keep
    return tags, left_out
