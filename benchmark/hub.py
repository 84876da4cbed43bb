"""Exporting the gold as a Hugging Face Hub dataset, and publishing it.

:func:`export` writes a Hub dataset repository folder: one Parquet file per
configuration, laid out as ``Dataset.push_to_hub`` lays them out
(``<config>/test-00000-of-00001.parquet``), a dataset card (``README.md``)
whose YAML declares the configurations and their features, and
``LICENSE.md``. Everything is generated from the gold alone (plus, when given,
the results folder and the gold's ``README.md``); nothing depends on the date,
the machine or the output folder, so exporting twice (with the same versions
of ``datasets`` and ``pyarrow``) gives the same bytes.

Configurations (split ``test`` only):

================  ==========================================================
documents         one row per article: metadata, text, and the four layers
                  nested as lists of structs (the default configuration)
entities          one row per entity mention, with ``doc_id``
timexes           one row per temporal expression, with ``doc_id``
troop_counts      one row per troop count, with ``doc_id``
stances           one row per stance, with ``doc_id``
entity_registry   one row per registry entity
================  ==========================================================

:func:`push` builds the export in a temporary folder and publishes it in one
commit with :mod:`huggingface_hub`. The heavy libraries (``datasets``,
``huggingface_hub``, ``pyarrow``) are imported inside functions only.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmark.atomic import UnsafeOutput, claim_folder, safe_target, write_text_atomic
from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES
from benchmark.layers.stances import LABELS
from benchmark.layers.timexes import TIMEX_TYPES
from benchmark.layers.troops import QUALIFIERS, TIMES
from benchmark.spans import Span
from benchmark.variants.hub import DESCRIPTION as CONTRAST_DESCRIPTION
from benchmark.variants.hub import card_section as contrast_card_section
from benchmark.variants.hub import contrast_features, contrast_rows

if TYPE_CHECKING:
    from datasets import Features

    from benchmark.gold import Gold, GoldDocument

DEFAULT_REPO_ID = "troopbench/troopbench"
SPLIT = "test"
DEFAULT_CONFIG = "documents"
CONFIGS: tuple[str, ...] = (
    "documents",
    "entities",
    "timexes",
    "troop_counts",
    "stances",
    "entity_registry",
    "metonyms",
    "contrast",
)
CARD_FILE = "README.md"
LICENSE_FILE = "LICENSE.md"
#: The file an export leaves in its folder: only such a folder, a new or empty one, or
#: one holding nothing but what an export (or a clone of the Hub repository) holds, is
#: written into; ``hub export .`` in a checkout is refused.
EXPORT_MARKER = ".troopbench-export"
EXPORT_NAMES = frozenset({CARD_FILE, LICENSE_FILE, "data", ".git", ".gitattributes"})
LICENSE_NAME = "troopbench-annotations-cc-by-4.0-texts-not-licensed"
PRETTY_NAME = "troopbench: US troops in Iraq, annotated news"

EXIT_OK = 0
EXIT_FAILED = 1

CONFIG_DESCRIPTIONS: dict[str, str] = {
    "documents": "one row per article: metadata, text and all four layers nested",
    "entities": "one row per named-entity mention",
    "timexes": "one row per temporal expression (TIMEX3)",
    "troop_counts": "one row per number of military personnel",
    "stances": "one row per (document, holder) stance toward the withdrawal",
    "entity_registry": "one row per entity of the corpus-wide registry",
    "metonyms": "one row per document-scoped metonym (a name that, in one article, "
    "names another registry entity), used to resolve stance holders",
    "contrast": CONTRAST_DESCRIPTION,
}


def data_path(config: str) -> str:
    """Path in the repository of a configuration's single Parquet file."""
    return f"{config}/{SPLIT}-00000-of-00001.parquet"


def dct_certainties() -> tuple[str, ...]:
    """The ``dct_certainty`` labels of troopbench's articles, read from the gold JSON
    Schema (``metadata``, a dct given outside the text as TimeML's is, never occurs
    there)."""
    from benchmark.schemas import load_schema

    enum = load_schema("gold")["$defs"]["document"]["properties"]["dct_certainty"]["enum"]
    return tuple(x for x in enum if x != "metadata")


# ---------------------------------------------------------------- features


def _span_fields() -> dict[str, Any]:
    from datasets import Value

    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _entity_fields() -> dict[str, Any]:
    from datasets import ClassLabel, Value

    return {
        **_span_fields(),
        "type": ClassLabel(names=list(ENTITY_TYPES)),
        "entity": Value("string"),
    }


def _timex_fields() -> dict[str, Any]:
    from datasets import ClassLabel, Value

    return {
        **_span_fields(),
        "type": ClassLabel(names=list(TIMEX_TYPES)),
        "value": Value("string"),
        "mod": Value("string"),  # null when the expression has no TIMEX3 mod
    }


def _troop_fields() -> dict[str, Any]:
    from datasets import ClassLabel, Value

    return {
        **_span_fields(),
        "value": Value("int64"),
        "qualifier": ClassLabel(names=list(QUALIFIERS)),
        "force": Value("string"),  # registry id, or null
        "location": Value("string"),  # registry id, or null
        "time": ClassLabel(names=list(TIMES)),
    }


def _stance_fields() -> dict[str, Any]:
    from datasets import ClassLabel, List, Value

    return {
        "holder": Value("string"),
        "holder_mentions": List(_span_fields()),
        "label": ClassLabel(names=list(LABELS)),
        "evidence": List(_span_fields()),
    }


def config_features() -> dict[str, Features]:
    """The declared :class:`datasets.Features` of every configuration."""
    from datasets import ClassLabel, Features, List, Value

    doc_id = {"doc_id": Value("string")}
    documents = Features(
        {
            "doc_id": Value("string"),
            "title": Value("string"),
            "dct": Value("string"),  # ISO date kept as text, never a date type
            "dct_certainty": ClassLabel(names=list(dct_certainties())),
            "dct_evidence": List({**_span_fields(), "note": Value("string")}),
            "text": Value("string"),
            "entities": List(_entity_fields()),
            "timexes": List(_timex_fields()),
            "troop_counts": List(_troop_fields()),
            "stances": List(_stance_fields()),
        }
    )
    registry = Features(
        {
            "id": Value("string"),
            "name": Value("string"),
            "type": ClassLabel(names=list(ENTITY_TYPES)),
            "aliases": List(Value("string")),
        }
    )
    return {
        "contrast": contrast_features(documents, registry),
        "documents": documents,
        "entities": Features({**doc_id, **_entity_fields()}),
        "timexes": Features({**doc_id, **_timex_fields()}),
        "troop_counts": Features({**doc_id, **_troop_fields()}),
        "stances": Features({**doc_id, **_stance_fields()}),
        "entity_registry": registry,
        "metonyms": Features(
            {
                "doc_id": Value("string"),
                "name": Value("string"),
                "entity": Value("string"),  # registry id
                "note": Value("string"),
            }
        ),
    }


# ---------------------------------------------------------------- rows


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _layer_rows(gold: Gold, layer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(doc_id, row) for every item of one layer, in document then file order."""
    for doc in gold:
        for item in getattr(doc, layer):
            yield doc.doc_id, _item_row(layer, item)


def _item_row(layer: str, item: Any) -> dict[str, Any]:
    """One annotation as a plain row (labels as strings)."""
    if layer == "entities":
        return {**_span(item.span), "type": item.type, "entity": item.entity}
    if layer == "timexes":
        return {**_span(item.span), "type": item.type, "value": item.value, "mod": item.mod}
    if layer == "troop_counts":
        return {
            **_span(item.span),
            "value": item.value,
            "qualifier": item.qualifier,
            "force": item.force,
            "location": item.location,
            "time": item.time,
        }
    if layer == "stances":
        return {
            "holder": item.holder,
            "holder_mentions": [_span(s) for s in item.holder_mentions],
            "label": item.label,
            "evidence": [_span(s) for s in item.evidence],
        }
    raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


def _document_rows(gold: Gold) -> list[dict[str, Any]]:
    return [_document_row(doc) for doc in gold]


def _document_row(doc: GoldDocument) -> dict[str, Any]:
    """One ``documents`` row (also the base of a ``contrast`` row)."""
    d = doc.document
    row: dict[str, Any] = {
        "doc_id": d.doc_id,
        "title": d.title,
        "dct": d.dct.isoformat(),
        "dct_certainty": d.dct_certainty,
        "dct_evidence": [{**_span(e.span), "note": e.note} for e in d.dct_evidence],
        "text": d.text,
    }
    for layer in LAYERS:
        row[layer] = [_item_row(layer, item) for item in getattr(doc, layer)]
    return row


def config_rows(gold: Gold, config: str) -> list[dict[str, Any]]:
    """The rows of one configuration, labels as strings."""
    if config == "documents":
        return _document_rows(gold)
    if config == "contrast":
        return contrast_rows(gold, _document_row)
    if config == "entity_registry":
        return [
            {"id": e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases)}
            for e in gold.registry.entries.values()
        ]
    if config == "metonyms":
        return [
            {"doc_id": m.doc_id, "name": m.name, "entity": m.entity, "note": m.note}
            for m in gold.registry.metonyms
        ]
    if config in LAYERS:
        return [{"doc_id": doc_id, **row} for doc_id, row in _layer_rows(gold, config)]
    raise ValueError(f"unknown configuration {config!r}; configurations are {', '.join(CONFIGS)}")


def _columns(rows: Sequence[Mapping[str, Any]], features: Features) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in features}


# ---------------------------------------------------------------- Parquet


@dataclass(frozen=True, slots=True)
class ConfigInfo:
    """What the dataset card says about one written configuration."""

    name: str
    features: Features
    num_examples: int
    num_bytes: int  # Arrow size in memory (``dataset_size``)
    download_size: int  # Parquet file size


@contextlib.contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Silence ``datasets`` progress bars for the duration, then restore them."""
    from datasets.utils.tqdm import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    was_disabled = are_progress_bars_disabled()
    disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            enable_progress_bars()


def _write_config(
    directory: Path, config: str, rows: Sequence[Mapping[str, Any]], features: Features
) -> ConfigInfo:
    from datasets import Dataset

    dataset = Dataset.from_dict(_columns(rows, features), features=features, split=SPLIT)
    path = safe_target(directory, directory / data_path(config))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:  # written beside, then renamed: a planted link is replaced, never written through
        dataset.to_parquet(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ConfigInfo(config, features, len(dataset), dataset.data.nbytes, path.stat().st_size)


# ---------------------------------------------------------------- dataset card


def _card_metadata(infos: Sequence[ConfigInfo]) -> str:
    """The YAML front matter, written with the same classes ``push_to_hub`` uses."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    card = DatasetCardData(
        pretty_name=PRETTY_NAME,
        license="other",
        license_name=LICENSE_NAME,
        license_link=LICENSE_FILE,
        language=["en"],
        multilinguality=["monolingual"],
        size_categories=["n<1K"],
        source_datasets=["original"],
        # annotators were AI model sessions, adjudicated (gold/README.md, "Agreement")
        annotations_creators=["machine-generated"],
        language_creators=["found"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition", "multi-class-classification"],
        tags=[
            "stance-detection",
            "temporal-expressions",
            "timex3",
            "information-extraction",
            "news",
            "iraq",
        ],
    )
    dataset_infos = DatasetInfosDict()
    for info in infos:
        splits = SplitDict()
        splits.add(SplitInfo(name=SPLIT, num_bytes=info.num_bytes, num_examples=info.num_examples))
        dataset_infos[info.name] = DatasetInfo(
            config_name=info.name,
            features=info.features,
            splits=splits,
            download_size=info.download_size,
            dataset_size=info.num_bytes,
        )
    dataset_infos.to_dataset_card_data(card)
    configs = MetadataConfigs(
        {
            info.name: {
                "data_files": [{"split": SPLIT, "path": data_path(info.name)}],
                **({"default": True} if info.name == DEFAULT_CONFIG else {}),
            }
            for info in infos
        }
    )
    configs.to_dataset_card_data(card)
    return card.to_yaml()


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    from tabulate import tabulate

    return tabulate(list(rows), list(headers), tablefmt="github", disable_numparse=True)


def _count_table(title: str, counts: Counter[str], labels: Sequence[str]) -> str:
    rows = [[label, str(counts.get(label, 0))] for label in labels]
    rows.append(["**total**", f"**{sum(counts.values())}**"])
    return _table([title, "count"], rows)


def statistics_section(gold: Gold) -> str:
    """Counts per layer and per label, computed from the gold."""
    docs = list(gold)

    def count(layer: str, attr: str) -> Counter[str]:
        return Counter(getattr(item, attr) for d in docs for item in getattr(d, layer))

    overview = [
        ["documents", str(len(docs))],
        ["characters of text", str(sum(len(d.document.text) for d in docs))],
        ["registry entities", str(len(gold.registry.entries))],
        *([layer, str(sum(len(getattr(d, layer)) for d in docs))] for layer in LAYERS),
    ]
    mods = Counter(t.mod for d in docs for t in d.timexes if t.mod is not None)
    parts = [
        _table(["", "count"], overview),
        _count_table("entity type", count("entities", "type"), ENTITY_TYPES),
        _count_table(
            "registry entity type",
            Counter(e.type for e in gold.registry.entries.values()),
            ENTITY_TYPES,
        ),
        _count_table("timex type", count("timexes", "type"), TIMEX_TYPES),
        _count_table("timex mod", mods, sorted(mods))
        if mods
        else "No temporal expression carries a `mod`.",
        _count_table("troop-count qualifier", count("troop_counts", "qualifier"), QUALIFIERS),
        _count_table("troop-count time", count("troop_counts", "time"), TIMES),
        _count_table("stance label", count("stances", "label"), LABELS),
        _count_table(
            "dct certainty", Counter(d.document.dct_certainty for d in docs), dct_certainties()
        ),
    ]
    return "\n\n".join(parts)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def agreement_section(readme: Path | None) -> str | None:
    """The body of the "Agreement" section of the gold's README, headings nested
    under a level-2 heading; ``None`` when there is no such file or section."""
    if readme is None or not readme.is_file():
        return None
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = level = None
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and "agreement" in m.group(2).lower():
            start, level = i + 1, len(m.group(1))
            break
    if start is None or level is None:
        return None
    body: list[str] = []
    for line in lines[start:]:
        m = _HEADING.match(line)
        if m and len(m.group(1)) <= level:
            break
        if m:  # nest sub-headings below the card's "## Agreement"
            depth = min(6, len(m.group(1)) - level + 2)
            line = f"{'#' * depth} {m.group(2)}"
        body.append(line)
    text = "\n".join(body).strip()
    return text or None


def leaderboard_section(gold: Gold, results_dir: Path | None, top: int = 3) -> str:
    """The best ``top`` systems per layer from a results folder, or a sentence."""
    from benchmark.leaderboard import LAYER_TITLES, PRIMARY_TITLES, load_results, md_text
    from benchmark.scoring import PRIMARY

    entries = (
        load_results(results_dir, gold.sha256).current
        if results_dir and results_dir.is_dir()
        else ()
    )
    rows = []
    for layer in LAYERS:
        attempted = [e for e in entries if layer in e.data["layers"]]
        attempted.sort(key=lambda e: (-(e.metric(layer, PRIMARY[layer]) or 0.0), e.name))
        for e in attempted[:top]:
            score = e.metric(layer, PRIMARY[layer])
            rows.append(
                [
                    LAYER_TITLES[layer],
                    md_text(e.name),
                    md_text(e.version, 40),
                    PRIMARY_TITLES[layer],
                    "\u2013" if score is None else f"{score:.3f}",
                ]
            )
    if not rows:
        return (
            "No results have been scored against this version of the gold yet; "
            "see `LEADERBOARD.md` in the source repository for the current leaderboard."
        )
    return (
        f"Top {top} systems per layer, from `LEADERBOARD.md` of the source repository "
        "(scores are comparable only under the same signature):\n\n"
        + _table(["layer", "system", "version", "primary metric", "score"], rows)
    )


def _citation(repo_id: str, gold: Gold) -> str:
    from benchmark import __version__

    return "\n".join(
        [
            "```bibtex",
            "@misc{troopbench,",
            "  title        = {troopbench: a gold-annotated benchmark for information extraction",
            "                  from news about US troops in Iraq},",
            "  author       = {{troopbench developers}},",
            f"  howpublished = {{\\url{{https://huggingface.co/datasets/{repo_id}}}}},",
            f"  note         = {{troopbench {__version__}, gold {gold.short_hash}}}",
            "}",
            "```",
        ]
    )


LICENSE_TEXT = """\
# Licence

troopbench's **annotations** (every field of every configuration except the
article texts, i.e. the `text` column of `documents` and the `text` of each
span, which are quotations of it) are licensed under the Creative Commons
Attribution 4.0 International licence (CC BY 4.0,
<https://creativecommons.org/licenses/by/4.0/>).

The **article texts** remain the property of their publishers. They are not
licensed by the troopbench developers and no licence to them is granted here.
They are included, unchanged, only so that the annotations (character offsets
into the exact text) can be used for research and evaluation. If you hold the
rights to one of the texts and want it removed, open a discussion on the
dataset repository.
"""


def _configurations_section(present: Sequence[str]) -> str:
    rows = [
        [
            f"`{c}`" + (" (default)" if c == DEFAULT_CONFIG else ""),
            f"`{data_path(c)}`",
            CONFIG_DESCRIPTIONS[c],
        ]
        for c in CONFIGS
        if c in present
    ]
    rows += [
        [f"`{c}`", f"`{data_path(c)}`", 'another corpus (see "Other corpora")']
        for c in present
        if c not in CONFIGS
    ]
    text = _table(["configuration", "file", "content"], rows)
    missing = [c for c in CONFIGS if c not in present]
    if missing:
        names = ", ".join(f"`{c}`" for c in missing)
        text += (
            f"\n\nThis version of the gold has no items in {names}: "
            "no configuration is published for it."
        )
    return text


def _body(
    gold: Gold, present: Sequence[str], repo_id: str, agreement: str | None, leaderboard: str
) -> str:
    docs = list(gold)
    dcts = sorted(d.document.dct.isoformat() for d in docs)
    span = f"{dcts[0]} to {dcts[-1]}" if dcts else "no dates"
    agreement_text = agreement or (
        "Inter-annotator agreement figures (two independent annotation passes, compared with "
        "`troopbench agreement`) are reported in `gold/README.md` of the source repository."
    )
    return f"""\
# {PRETTY_NAME}

troopbench is an evaluation dataset and a scoring harness for information
extraction from news. Its corpus is {len(docs)} English news articles
(document dates {span}) about whether US troops will leave Iraq,
hand-annotated in four layers: named entities linked to a corpus-wide entity
registry, temporal expressions (TimeML TIMEX3), troop counts, and actors'
stances toward the withdrawal. There is a single split, `{SPLIT}`: the
dataset is for evaluation, not training.

Gold version: `{gold.sha256}` (scores are comparable only against the same
gold). The data are generated by `troopbench hub export` from the gold
files; nothing was edited by hand.

## Configurations

{_configurations_section(present)}

Closed label sets are `ClassLabel` features (stored as integers; use
`dataset.features[...].int2str` to get the names). Offsets are `int32`.
`dct` is an ISO date kept as a string. Nullable fields: a timex `mod`, a
troop count's `force` and `location`.

## Annotation layers and conventions

- **Offsets** are half-open, 0-based indices into the Python `str` of the
  article text exactly as stored (UTF-8, nothing normalised: a curly quote or
  a no-break space is one character): `text[start:end] == span_text` holds for
  every span of every layer.
- **Document creation time** (`dct`, `YYYY-MM-DD`): `stated` when a full date
  is printed in the document, else `inferred`; `dct_evidence` lists the spans
  it rests on, each with a one-line note.
- **Entities**: named mentions typed {", ".join(ENTITY_TYPES)}; `entity` is
  the id of the referent in `entity_registry` (shared by all its mentions
  across documents). Spans in this layer do not overlap.
- **Temporal expressions**: TimeML TIMEX3 `type` ({", ".join(TIMEX_TYPES)}),
  `value` and optional `mod`. Relative expressions ("Monday", "last week")
  are resolved against the document's `dct`. Values are kept as strings:
  they include forms such as `2024-W01`, `2023-FA`, `PAST_REF` or `P2D` that
  no date type can hold.
- **Troop counts**: numbers of military personnel; `value` is an integer,
  `qualifier` one of {", ".join(QUALIFIERS)}; `force` and `location` are
  registry ids, or null when the text does not say; `time` one of
  {", ".join(TIMES)}.
- **Stances**: one record per (document, holder): `holder` is a registry
  id, `holder_mentions` the spans naming it, `label` one of
  {", ".join(LABELS)} toward the withdrawal of US troops from Iraq, and
  `evidence` the spans that support the label. A holder named by a
  system resolves first through the `metonyms` of its document (in two
  articles "Baghdad" names the Iraqi government, `iraq`, not the city), then
  through the registry's names and aliases.

## Statistics

{statistics_section(gold)}

## Agreement

{agreement_text}

## Usage

```python
from datasets import load_dataset

documents = load_dataset("{repo_id}", split="{SPLIT}")  # the default configuration
entities = load_dataset("{repo_id}", "entities", split="{SPLIT}")
print(entities.features["type"].int2str(entities[0]["type"]))
```

To score a system, write its predictions as JSON Lines (the format is
documented in the troopbench repository) and run the scorer:

```sh
pip install troopbench   # once released; until then, from a clone: pip install .
troopbench score predictions.jsonl --name my-system
```

The scorer checks the predictions, scores each layer against this gold
(SemEval-2013 Task 9.1 schemas for entities, TempEval-3 for temporal
expressions, tuple F1 for troop counts and stances) and writes a results file
for the leaderboard.

## Leaderboard

{leaderboard}

## Licence

The annotations are released under CC BY 4.0; the article texts are **not**
licensed by us: they remain their publishers' and are included for research
and evaluation only. See [`{LICENSE_FILE}`]({LICENSE_FILE}).

## Limitations

- The corpus is tiny ({len(docs)} articles, one topic, English only, a few
  news outlets): scores have wide confidence intervals and say little about
  other domains. It is a test set; do not train on it.
- Each layer follows troopbench's own guidelines; other NER, TimeML or stance
  conventions will disagree at the margins (span boundaries, what counts as a
  named entity, whether a stance is stated or implied).
- Stance labels concern one target (the withdrawal of US troops from Iraq)
  and reflect the annotators' reading of reported statements.
- The texts are reproduced as published, with their errors, and may describe
  violence and political conflict.

## Citation

{_citation(repo_id, gold)}
"""


def corpus_features(gold: Gold) -> Features:
    """The features of another corpus's configuration: one row per document, with the
    layers that corpus annotates (timexes, and entities once they are annotated)."""
    from datasets import Features, List, Value

    fields: dict[str, Any] = {
        "doc_id": Value("string"),
        "title": Value("string"),
        "dct": Value("string"),  # ISO date (a time of day when the corpus gives one)
        "text": Value("string"),
    }
    if "entities" in gold.layers:
        fields["entities"] = List(_entity_fields())
    if "timexes" in gold.layers:
        fields["timexes"] = List(_timex_fields())
    return Features(fields)


def corpus_rows(gold: Gold) -> list[dict[str, Any]]:
    """One row per document of another corpus (see :func:`corpus_features`)."""
    rows = []
    for doc in gold:
        d = doc.document
        row: dict[str, Any] = {
            "doc_id": d.doc_id,
            "title": d.title,
            "dct": d.dct_value,
            "text": d.text,
        }
        if "entities" in gold.layers:
            row["entities"] = [_item_row("entities", m) for m in doc.entities]
        if "timexes" in gold.layers:
            row["timexes"] = [_item_row("timexes", t) for t in doc.timexes]
        rows.append(row)
    return rows


def corpora_section(corpora: Sequence[Gold]) -> str:
    """The card's section on the other corpora's configurations: provenance, licence, citation."""
    if not corpora:
        return ""
    parts = ["## Other corpora", ""]
    for gold in corpora:
        c = gold.corpus
        layers = ", ".join(c.layers) + (f" (pending: {', '.join(c.pending)})" if c.pending else "")
        parts += [
            f"### `{c.name}`",
            "",
            f"{c.title}. Configuration `{c.name}` (`{data_path(c.name)}`): one row per "
            f"document ({len(gold.documents)}), with its text, title, dct and the layers the "
            f"corpus annotates: {layers}. Gold version `{gold.sha256}`. It is used to measure "
            "transfer: each system's score on news it was never developed on (the Transfer "
            "section of the leaderboard).",
            "",
            f"- Source: {c.source}",
            f"- Licence: {c.licence}. This licence, not troopbench's, covers this "
            "configuration; redistribute it with the notice and the citation below.",
            f"- Citation: {c.citation}",
            "",
        ]
    return "\n".join(parts)


def dataset_card(
    gold: Gold,
    infos: Sequence[ConfigInfo],
    *,
    repo_id: str = DEFAULT_REPO_ID,
    results_dir: Path | None = None,
    gold_readme: Path | None = None,
    corpora: Sequence[Gold] = (),
) -> str:
    """The whole ``README.md`` of the Hub repository."""
    present = [info.name for info in infos]
    body = _body(
        gold,
        present,
        repo_id,
        agreement_section(gold_readme),
        leaderboard_section(gold, results_dir),
    )
    contrast = contrast_card_section(gold, "contrast" in present).replace("{repo_id}", repo_id)
    others = corpora_section(corpora)
    if others:
        contrast = contrast.rstrip("\n") + "\n\n" + others
    body = body.replace("\n## Leaderboard\n", "\n" + contrast + "\n## Leaderboard\n", 1)
    return f"---\n{_card_metadata(infos)}\n---\n\n{body}"


# ---------------------------------------------------------------- export


def export(
    directory: Path | str,
    gold: Gold,
    results_dir: Path | str | None = None,
    *,
    repo_id: str = DEFAULT_REPO_ID,
    gold_readme: Path | str | None = None,
    corpora: Sequence[Gold] = (),
) -> list[Path]:
    """Write the Hub repository folder for ``gold`` into ``directory``; each of ``corpora``
    (other corpora, such as te3-platinum) becomes one more configuration, named after it,
    with its licence and citation in the card.

    Returns the files written: ``README.md``, ``LICENSE.md`` and one Parquet
    file per configuration, in that order. A layer with no item anywhere in
    the gold gets no configuration of its own (``datasets`` cannot load an
    empty split); the card says so. ``directory`` must be troopbench's own
    (new, empty, exported to before, or a clone of the Hub repository; see
    :data:`EXPORT_MARKER`); :class:`~benchmark.atomic.UnsafeOutput` otherwise.
    Every file is written beside its place and renamed, and no folder on the way
    may be a symbolic link, so a planted link is replaced, never written through.
    """
    out = Path(directory)
    claim_folder(out, EXPORT_MARKER, EXPORT_NAMES)
    features = config_features()
    rows = {config: config_rows(gold, config) for config in CONFIGS}
    with _quiet_datasets():
        # ``datasets`` cannot load an empty split, so an empty layer gets no configuration.
        infos = [_write_config(out, c, rows[c], features[c]) for c in CONFIGS if rows[c]]
        infos += [
            _write_config(out, o.corpus.name, corpus_rows(o), corpus_features(o)) for o in corpora
        ]
    card = dataset_card(
        gold,
        infos,
        repo_id=repo_id,
        results_dir=Path(results_dir) if results_dir is not None else None,
        gold_readme=Path(gold_readme) if gold_readme is not None else None,
        corpora=corpora,
    )
    licence = LICENSE_TEXT
    for o in corpora:
        licence += (
            f"\nThe configuration `{o.corpus.name}` is not troopbench's: {o.corpus.licence}. "
            f"Cite: {o.corpus.citation}\n"
        )
    write_text_atomic(safe_target(out, out / CARD_FILE), card)
    write_text_atomic(safe_target(out, out / LICENSE_FILE), licence)
    return [out / CARD_FILE, out / LICENSE_FILE, *(out / data_path(i.name) for i in infos)]


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A file of the export as it will appear in the repository."""

    path_in_repo: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def exported_files(directory: Path, paths: Sequence[Path]) -> list[ExportedFile]:
    """The written files with their repository paths and contents."""
    return [ExportedFile(p.relative_to(directory).as_posix(), p.read_bytes()) for p in paths]


def build_export(
    gold: Gold,
    *,
    repo_id: str = DEFAULT_REPO_ID,
    results_dir: Path | None = None,
    gold_readme: Path | None = None,
    corpora: Sequence[Gold] = (),
) -> list[ExportedFile]:
    """Export into a temporary folder and return the files in memory."""
    with tempfile.TemporaryDirectory(prefix="troopbench-hub-") as tmp:
        paths = export(
            tmp, gold, results_dir, repo_id=repo_id, gold_readme=gold_readme, corpora=corpora
        )
        return exported_files(Path(tmp), paths)


# ---------------------------------------------------------------- push


class PushError(Exception):
    """Publishing failed; the message is one line, safe to print."""


def resolve_token() -> str | None:
    """``HF_TOKEN`` from the environment, else the user's saved login."""
    token = os.environ.get("HF_TOKEN")
    if token:
        return token
    from huggingface_hub import get_token
    from huggingface_hub.errors import OIDCError

    try:
        return get_token()
    except (OIDCError, OSError):
        return None


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean "could not reach or talk to the Hub"."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    errors: list[type[BaseException]] = [
        OfflineModeIsEnabled,
        HfHubHTTPError,
        OSError,
        TimeoutError,
    ]
    for module in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError):
            errors.append(__import__(module).HTTPError)
    with contextlib.suppress(ImportError):
        import requests

        errors.append(requests.RequestException)
    return tuple(errors)


def _one_line(exc: BaseException, token: str | None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if token:
        text = text.replace(token, "***")
    return text[:300]


def push(
    repo_id: str,
    *,
    private: bool,
    revision: str | None,
    token: str | None,
    gold: Gold,
    api: Any = None,
    results_dir: Path | None = None,
    gold_readme: Path | None = None,
    corpora: Sequence[Gold] = (),
) -> Any:
    """Publish the export of ``gold`` (and ``corpora`` as configurations) to the dataset
    repository ``repo_id``.

    Creates the repository if needed (``exist_ok``), then adds every exported
    file in one commit on ``revision`` (default branch when ``None``).
    Returns the :class:`huggingface_hub.CommitInfo`. Raises :class:`PushError`
    with a one-line message on a network or Hub error.
    """
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HFValidationError

    from benchmark import __version__

    files = build_export(
        gold, repo_id=repo_id, results_dir=results_dir, gold_readme=gold_readme, corpora=corpora
    )
    hub = api if api is not None else HfApi(token=token)
    operations = [
        CommitOperationAdd(path_in_repo=f.path_in_repo, path_or_fileobj=f.content) for f in files
    ]
    try:
        hub.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        return hub.create_commit(
            repo_id=repo_id,
            repo_type="dataset",
            operations=operations,
            commit_message=f"troopbench {__version__}: gold {gold.short_hash}",
            commit_description=f"Exported by `troopbench hub push` from gold {gold.sha256}.",
            revision=revision,
        )
    except HFValidationError as exc:
        raise PushError(f"invalid repository id or revision: {_one_line(exc, token)}") from None
    except _network_errors() as exc:
        raise PushError(f"{type(exc).__name__}: {_one_line(exc, token)}") from None


# ---------------------------------------------------------------- CLI


def _gold_readme(args: argparse.Namespace) -> Path:
    from benchmark.corpus import default_gold_dir

    return (args.gold if args.gold is not None else default_gold_dir()) / "README.md"


def _print_files(files: Sequence[ExportedFile]) -> None:
    from tabulate import tabulate

    rows = [[f.path_in_repo, str(f.size), f.sha256] for f in files]
    print(tabulate(rows, ["file", "bytes", "sha256"], tablefmt="simple", disable_numparse=True))


def export_command(args: argparse.Namespace) -> int:
    """``troopbench hub export DIR``."""
    from benchmark.cliutil import EXIT_INVALID
    from benchmark.cliutil import load_gold_or_report as _load_gold

    corpus = getattr(args, "corpus", None)
    gold = _load_gold(argparse.Namespace(corpus=None, gold=args.gold, seeds=args.seeds))
    if gold is None:
        return EXIT_INVALID
    corpora = _other_corpora(corpus)
    if corpora is None:
        return EXIT_INVALID
    directory: Path = args.directory
    try:
        paths = export(
            directory,
            gold,
            args.results,
            repo_id=args.repo_id,
            gold_readme=_gold_readme(args),
            corpora=corpora,
        )
    except UnsafeOutput as exc:
        print(f"troopbench hub export: {exc}; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(
            f"troopbench hub export: cannot write {directory}: {_one_line(exc, None)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    _print_files(exported_files(directory, paths))
    print(f"wrote {len(paths)} files to {directory} (gold {gold.short_hash})")
    return EXIT_OK


def _other_corpora(corpus: str | None) -> list[Gold] | None:
    """The other corpora a Hub export adds as configurations: every bundled one, or only
    ``corpus`` (``--corpus``); None (said) when one does not load."""
    from benchmark.cliutil import load_gold_or_report
    from benchmark.corpora import bundled_names

    names = list(bundled_names()[1:]) if corpus is None else [corpus]
    out = []
    for name in names:
        if name == "troopbench":
            continue
        other = load_gold_or_report(argparse.Namespace(corpus=name, gold=None, seeds=None))
        if other is None:
            return None
        out.append(other)
    return out


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"troopbench hub push: {message}", file=sys.stderr)
    return code


def _repo_id_problem(repo_id: str) -> str | None:
    """Why ``repo_id`` is not a valid Hub repository id (checked locally), or None."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        return _one_line(exc, None)
    return None


def _describe_target(args: argparse.Namespace) -> str:
    extras = [f"revision {args.revision or 'main'}", *(["private"] if args.private else [])]
    return f"dataset {args.repo_id} ({', '.join(extras)})"


def _publish(args: argparse.Namespace, gold: Gold, options: Mapping[str, Any]) -> int:
    """The networked part of ``hub push``: token, offline check, commit."""
    token = resolve_token()
    if not token:
        return _fail(
            "no Hugging Face token: set HF_TOKEN or run `hf auth login` (or use --dry-run)"
        )
    from huggingface_hub import constants

    if constants.is_offline_mode():
        return _fail("offline mode is on (HF_HUB_OFFLINE=1): unset it to publish, or use --dry-run")
    try:
        info = push(
            args.repo_id,
            private=args.private,
            revision=args.revision,
            token=token,
            gold=gold,
            **options,
        )
    except PushError as exc:
        return _fail(f"could not publish to {args.repo_id}: {exc}")
    url = getattr(info, "commit_url", None)
    print(f"pushed gold {gold.short_hash} to {_describe_target(args)}")
    print(url if isinstance(url, str) else f"https://huggingface.co/datasets/{args.repo_id}")
    return EXIT_OK


def push_command(args: argparse.Namespace) -> int:
    """``troopbench hub push REPO_ID [--private] [--revision R] [--dry-run]``."""
    from benchmark.cliutil import EXIT_INVALID, EXIT_USAGE
    from benchmark.cliutil import load_gold_or_report as _load_gold

    problem = _repo_id_problem(args.repo_id)
    if problem is not None:
        return _fail(f"invalid repository id {args.repo_id!r}: {problem}", EXIT_USAGE)
    gold = _load_gold(argparse.Namespace(corpus=None, gold=args.gold, seeds=args.seeds))
    if gold is None:
        return EXIT_INVALID
    corpora = _other_corpora(getattr(args, "corpus", None))
    if corpora is None:
        return EXIT_INVALID
    options = {
        "results_dir": args.results,
        "gold_readme": _gold_readme(args),
        "corpora": corpora,
    }
    if not args.dry_run:
        return _publish(args, gold, options)
    files = build_export(gold, repo_id=args.repo_id, **options)
    _print_files(files)
    print(f"dry run: would push {len(files)} files to {_describe_target(args)}; nothing was sent")
    return EXIT_OK
