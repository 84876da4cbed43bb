"""The Hugging Face Hub export and push, tested offline.

Loading goes through ``datasets.load_dataset`` on the exported folder with
``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE`` set and every cache in a temporary
folder. Publishing is tested against an autospec of ``HfApi``; the only test
that talks to the real Hub is marked ``hub`` and skipped unless ``HF_TOKEN``
is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from benchmark import hub
from benchmark.agreement import gold_as_predictions
from benchmark.cli import main
from benchmark.gold import Gold, load_gold
from benchmark.layers import LAYERS
from benchmark.runner import build_results
from benchmark.scoring import evaluate

MINI = Path(__file__).parent / "fixtures" / "mini"
GOLD_ARGS = ["--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds")]
FAKE_TOKEN = "hf_FAKEtoken0123456789abcdefSECRET"
REPO_ID = "user/troopbench"
SPAN_KEYS = {"start", "end", "text"}


# ---------------------------------------------------------------- environment


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Offline Hub, caches under a temporary folder; yields the datasets cache."""
    root = tmp_path_factory.mktemp("hf")
    cache = root / "datasets-cache"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "HF_HOME": str(root / "home"),
            "HF_DATASETS_CACHE": str(cache),
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }.items():
            mp.setenv(name, value)
        import datasets.config
        import huggingface_hub.constants

        # In case datasets / huggingface_hub were imported before the env was set.
        mp.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        mp.setattr(datasets.config, "HF_HUB_OFFLINE", True)
        mp.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
        mp.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
        mp.setattr(datasets.config, "HF_MODULES_CACHE", root / "modules")
        yield cache


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, mini_gold: Gold) -> tuple[Path, list[Path]]:
    directory = tmp_path_factory.mktemp("export") / "hub-export"
    return directory, hub.export(directory, mini_gold)


def load(directory: Path, cache: Path, config: str | None = None) -> Any:
    from datasets import load_dataset

    if config is None:
        return load_dataset(str(directory), split="test", cache_dir=str(cache))
    return load_dataset(str(directory), config, split="test", cache_dir=str(cache))


def front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    head, _, _ = card[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------- expected rows


def span(s: Any) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, "text": s.text}


def expected_items(doc: Any, layer: str) -> list[dict[str, Any]]:
    """The gold items of one layer, written out field by field (independently of hub.py)."""
    if layer == "entities":
        return [{**span(m.span), "type": m.type, "entity": m.entity} for m in doc.entities]
    if layer == "timexes":
        return [
            {**span(t.span), "type": t.type, "value": t.value, "mod": t.mod} for t in doc.timexes
        ]
    if layer == "troop_counts":
        return [
            {
                **span(c.span),
                "value": c.value,
                "qualifier": c.qualifier,
                "force": c.force,
                "location": c.location,
                "time": c.time,
            }
            for c in doc.troop_counts
        ]
    return [
        {
            "holder": s.holder,
            "holder_mentions": [span(m) for m in s.holder_mentions],
            "label": s.label,
            "evidence": [span(e) for e in s.evidence],
        }
        for s in doc.stances
    ]


def expected_rows(gold: Gold, config: str) -> list[dict[str, Any]]:
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
    if config == "contrast":
        return expected_contrast_rows(gold)
    if config != "documents":
        return [{"doc_id": d.doc_id, **item} for d in gold for item in expected_items(d, config)]
    rows = []
    for d in gold:
        doc = d.document
        rows.append(
            {
                "doc_id": doc.doc_id,
                "title": doc.title,
                "dct": doc.dct.isoformat(),
                "dct_certainty": doc.dct_certainty,
                "dct_evidence": [{**span(e.span), "note": e.note} for e in doc.dct_evidence],
                "text": doc.text,
                **{layer: expected_items(d, layer) for layer in LAYERS},
            }
        )
    return rows


def expected_contrast_rows(gold: Gold) -> list[dict[str, Any]]:
    """Every variant of the default suite as a documents row, with its origin and the
    registry entries it changes."""
    from benchmark.gold import Gold as GoldType
    from benchmark.variants import build_suite

    suite = build_suite(gold)
    rows = []
    for v in suite:
        (base,) = expected_rows(GoldType(gold.registry, {v.doc_id: v.gold}, ""), "documents")
        changed = [
            {"id": e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases)}
            for i, e in sorted(v.registry.entries.items())
            if gold.registry.entries[i] != e
        ]
        rows.append(
            {
                "doc_id": v.doc_id,
                "origin": v.origin,
                "transformation": v.transformation,
                "seed": v.seed,
                **{k: x for k, x in base.items() if k != "doc_id"},
                "registry_overrides": changed,
            }
        )
    return rows


def decode(value: Any, feature: Any) -> Any:
    """A loaded value with every ClassLabel integer turned back into its name."""
    from datasets import ClassLabel, List, Sequence

    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, List | Sequence):
        return [decode(v, feature.feature) for v in value]
    if isinstance(feature, dict):
        return {k: decode(value[k], f) for k, f in feature.items()}
    return value


def spans_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every span-shaped dict (start, end, text) anywhere in a row."""
    if isinstance(value, dict):
        if value.keys() >= SPAN_KEYS:
            yield value
        for v in value.values():
            yield from spans_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from spans_in(v)


# ---------------------------------------------------------------- export and round trip


def test_export_has_the_push_to_hub_layout(exported: tuple[Path, list[Path]]) -> None:
    directory, paths = exported
    names = [p.relative_to(directory).as_posix() for p in paths]
    assert names == [
        "README.md",
        "LICENSE.md",
        *(f"{c}/test-00000-of-00001.parquet" for c in hub.CONFIGS),
    ]
    assert all(p.is_file() for p in paths)
    assert not list(directory.rglob("*.jsonl")) and not list(directory.rglob("*.json"))


@pytest.mark.parametrize("config", hub.CONFIGS)
def test_round_trip_equals_the_gold(
    config: str, offline: Path, exported: tuple[Path, list[Path]], mini_gold: Gold
) -> None:
    directory, _ = exported
    ds = load(directory, offline, config)
    rows = [decode(row, ds.features) for row in ds]
    assert rows == expected_rows(mini_gold, config)
    assert list(ds.features) == list(expected_rows(mini_gold, config)[0])


@pytest.mark.parametrize(
    "config", [c for c in hub.CONFIGS if c not in ("entity_registry", "metonyms")]
)
def test_loaded_offsets_index_the_text(
    config: str, offline: Path, exported: tuple[Path, list[Path]], mini_gold: Gold
) -> None:
    directory, _ = exported
    texts = {d.doc_id: d.document.text for d in mini_gold}
    if config == "contrast":
        from benchmark.variants import build_suite

        texts = {v.doc_id: v.gold.document.text for v in build_suite(mini_gold)}
    ds = load(directory, offline, config)
    checked = 0
    for row in ds:
        for s in spans_in(row):
            assert texts[row["doc_id"]][s["start"] : s["end"]] == s["text"]
            checked += 1
    assert checked > 0


def test_default_config_is_documents(
    offline: Path, exported: tuple[Path, list[Path]], mini_gold: Gold
) -> None:
    from datasets import get_dataset_config_names, get_dataset_default_config_name

    directory, _ = exported
    assert sorted(get_dataset_config_names(str(directory))) == sorted(hub.CONFIGS)
    assert get_dataset_default_config_name(str(directory)) == "documents"
    ds = load(directory, offline)
    assert [decode(r, ds.features) for r in ds] == expected_rows(mini_gold, "documents")


@pytest.mark.parametrize("config", hub.CONFIGS)
def test_features_and_class_labels_survive(
    config: str, offline: Path, exported: tuple[Path, list[Path]]
) -> None:
    directory, _ = exported
    ds = load(directory, offline, config)
    assert ds.features == hub.config_features()[config]


def test_class_label_names_come_from_the_layer_constants(
    offline: Path, exported: tuple[Path, list[Path]]
) -> None:
    from datasets import ClassLabel

    from benchmark.layers.entities import ENTITY_TYPES
    from benchmark.layers.stances import LABELS
    from benchmark.layers.timexes import TIMEX_TYPES
    from benchmark.layers.troops import QUALIFIERS, TIMES

    directory, _ = exported
    docs = load(directory, offline, "documents").features
    assert docs["dct_certainty"] == ClassLabel(names=["stated", "inferred"])
    assert docs["entities"].feature["type"].names == list(ENTITY_TYPES)
    assert docs["timexes"].feature["type"].names == list(TIMEX_TYPES)
    assert docs["troop_counts"].feature["qualifier"].names == list(QUALIFIERS)
    assert docs["troop_counts"].feature["time"].names == list(TIMES)
    assert docs["stances"].feature["label"].names == list(LABELS)
    assert load(directory, offline, "stances").features["label"].names == list(LABELS)


def test_dates_and_timex_values_stay_strings(exported: tuple[Path, list[Path]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory, _ = exported
    docs = pq.read_schema(directory / hub.data_path("documents"))
    assert docs.field("dct").type == pa.string()
    timexes = pq.read_table(directory / hub.data_path("timexes"))
    assert timexes.schema.field("value").type == pa.string()
    assert timexes.schema.field("mod").type == pa.string()
    assert timexes.schema.field("start").type == pa.int32()
    assert "2024-W01" in timexes.column("value").to_pylist()


def test_export_is_byte_stable(
    tmp_path: Path, mini_gold: Gold, exported: tuple[Path, list[Path]]
) -> None:
    import pyarrow.parquet as pq

    first_dir, first = exported
    again = hub.export(tmp_path / "again", mini_gold)
    assert [p.relative_to(tmp_path / "again") for p in again] == [
        p.relative_to(first_dir) for p in first
    ]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # Nothing in the Parquet metadata beyond the schema, the features and the chunking options.
    for path in first[2:]:
        keys = set(pq.read_metadata(path).metadata)
        assert keys <= {b"ARROW:schema", b"huggingface", b"content_defined_chunking"}


def test_an_empty_layer_gets_no_config(tmp_path: Path, mini_copy: Path, offline: Path) -> None:
    """``datasets`` cannot load an empty split: an empty layer is left out, and said so."""
    from datasets import get_dataset_config_names

    for path in (mini_copy / "gold").glob("9*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["troop_counts"] = []
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    gold = load_gold(mini_copy / "gold", mini_copy / "seeds")
    paths = hub.export(tmp_path / "out", gold)
    assert tmp_path / "out" / hub.data_path("troop_counts") not in paths
    assert "troop_counts" not in get_dataset_config_names(str(tmp_path / "out"))
    docs = load(tmp_path / "out", offline)
    assert [row["troop_counts"] for row in docs] == [[], []]
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "no items in `troop_counts`" in card
    assert "troop_counts" not in {c["config_name"] for c in front_matter(card)["configs"]}


# ---------------------------------------------------------------- dataset card


def test_card_yaml_has_the_required_keys(
    exported: tuple[Path, list[Path]], mini_gold: Gold
) -> None:
    directory, _ = exported
    meta = front_matter((directory / "README.md").read_text(encoding="utf-8"))
    assert meta["license"] == "other"
    assert meta["license_name"] and meta["license_link"] == "LICENSE.md"
    assert meta["language"] == ["en"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["annotations_creators"] == ["machine-generated"]
    assert meta["source_datasets"] == ["original"]
    assert {"token-classification", "text-classification"} <= set(meta["task_categories"])
    assert "named-entity-recognition" in meta["task_ids"]
    assert {
        "stance-detection",
        "temporal-expressions",
        "timex3",
        "information-extraction",
        "news",
        "iraq",
    } <= set(meta["tags"])
    assert meta["pretty_name"]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert set(configs) == set(hub.CONFIGS)
    for name, config in configs.items():
        assert config["data_files"] == [
            {"split": "test", "path": f"{name}/test-00000-of-00001.parquet"}
        ]
        assert config.get("default", False) is (name == "documents")
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    assert set(infos) == set(hub.CONFIGS)
    for name, info in infos.items():
        [split] = info["splits"]
        assert split["name"] == "test"
        assert split["num_examples"] == len(expected_rows(mini_gold, name))
        assert info["download_size"] == (directory / hub.data_path(name)).stat().st_size


def test_card_metadata_reads_back_with_the_hub_libraries(exported: tuple[Path, list[Path]]) -> None:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    directory, _ = exported
    card = DatasetCard((directory / "README.md").read_text(encoding="utf-8"))
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert configs.get_default_config_name() == "documents"
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    features = hub.config_features()
    assert {name: info.features for name, info in infos.items()} == features


def test_card_body(exported: tuple[Path, list[Path]], mini_gold: Gold) -> None:
    directory, _ = exported
    card = (directory / "README.md").read_text(encoding="utf-8")
    n_entities = sum(len(d.entities) for d in mini_gold)

    def cell_after(label: str) -> list[str]:
        return re.findall(rf"^\|\s*{label}\s*\|\s*(\S+)\s*\|$", card, flags=re.MULTILINE)

    assert cell_after("entities") == [str(n_entities)]
    gpe = sum(m.type == "GPE" for d in mini_gold for m in d.entities)
    favor = sum(s.label == "FAVOR" for d in mini_gold for s in d.stances)
    assert cell_after("GPE")[0] == str(gpe)  # the entity-type table (the registry's comes second)
    assert cell_after("FAVOR") == [str(favor)]
    assert "half-open" in card and "dct" in card
    assert "pip install troopbench" in card
    assert "troopbench score predictions.jsonl --name my-system" in card
    assert 'load_dataset("troopbench/troopbench", "entities", split="test")' in card
    assert "gold/README.md" in card  # no agreement section in the fixture
    assert "No results have been scored" in card
    assert "@misc{troopbench," in card
    assert "the article texts are **not**\nlicensed by us" in card
    assert mini_gold.sha256 in card
    license_text = (directory / "LICENSE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in license_text and "no licence to them is granted" in license_text


def test_card_takes_the_repo_id_agreement_and_leaderboard(tmp_path: Path, mini_gold: Gold) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Gold\n\nintro\n\n## Agreement\n\nEntities strict F1 0.912.\n\n### Per layer\n\nrows\n\n"
        "## Datasheet\n\nnot this\n",
        encoding="utf-8",
    )
    results = tmp_path / "results"
    results.mkdir()
    evaluation = evaluate(
        mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS)
    )
    data = build_results(
        mini_gold, system="perfect|<b>", version="1", evaluation=evaluation, errors=[]
    )
    (results / "perfect.json").write_text(json.dumps(data), encoding="utf-8")
    hub.export(tmp_path / "out", mini_gold, results, repo_id="someone/tb", gold_readme=readme)
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert 'load_dataset("someone/tb", "entities", split="test")' in card
    assert "Entities strict F1 0.912." in card and "### Per layer" in card
    assert "not this" not in card
    assert "perfect\\|&lt;b&gt;" in card and "1.000" in card  # escaped, as on LEADERBOARD.md
    assert "<b>" not in card


def test_agreement_section_absent(tmp_path: Path) -> None:
    assert hub.agreement_section(None) is None
    assert hub.agreement_section(tmp_path / "missing.md") is None
    (tmp_path / "r.md").write_text("# Gold\n\nno such section\n", encoding="utf-8")
    assert hub.agreement_section(tmp_path / "r.md") is None


# ---------------------------------------------------------------- push (mocked)


def fake_api() -> Any:
    from huggingface_hub import HfApi

    return mock.create_autospec(HfApi, instance=True)


def test_push_creates_a_dataset_repo_and_commits_the_exported_files(
    tmp_path: Path, mini_gold: Gold
) -> None:
    api = fake_api()
    hub.push(REPO_ID, private=True, revision="dev", token=FAKE_TOKEN, gold=mini_gold, api=api)
    api.create_repo.assert_called_once_with(
        REPO_ID, repo_type="dataset", private=True, exist_ok=True
    )
    api.create_commit.assert_called_once()
    kwargs = api.create_commit.call_args.kwargs
    assert kwargs["repo_id"] == REPO_ID
    assert kwargs["repo_type"] == "dataset"
    assert kwargs["revision"] == "dev"
    assert kwargs["commit_message"]
    paths = hub.export(tmp_path / "ref", mini_gold, repo_id=REPO_ID)
    expected = {p.relative_to(tmp_path / "ref").as_posix(): p.read_bytes() for p in paths}
    operations = kwargs["operations"]
    assert {op.path_in_repo: op.path_or_fileobj for op in operations} == expected
    assert len(operations) == len(expected)


def test_push_command_with_a_mocked_api(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import huggingface_hub
    import huggingface_hub.constants

    api = fake_api()
    api.create_commit.return_value = mock.Mock(
        commit_url="https://huggingface.co/datasets/user/troopbench/commit/abc"
    )
    factory = mock.Mock(return_value=api)
    monkeypatch.setattr(huggingface_hub, "HfApi", factory)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    assert main(["hub", "push", REPO_ID, *GOLD_ARGS]) == 0
    factory.assert_called_once_with(token=FAKE_TOKEN)
    api.create_repo.assert_called_once_with(
        REPO_ID, repo_type="dataset", private=False, exist_ok=True
    )
    assert api.create_commit.call_args.kwargs["revision"] is None
    out = capsys.readouterr()
    assert "commit/abc" in out.out
    assert FAKE_TOKEN not in out.out + out.err


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError(f"Failed to resolve huggingface.co with token {FAKE_TOKEN}"),
        TimeoutError("timed out"),
    ],
)
def test_push_network_error_is_one_line_without_the_token(
    error: Exception, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import huggingface_hub
    import huggingface_hub.constants

    api = fake_api()
    api.create_repo.side_effect = error
    monkeypatch.setattr(huggingface_hub, "HfApi", mock.Mock(return_value=api))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    assert main(["hub", "push", REPO_ID, *GOLD_ARGS]) != 0
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and out.err.startswith("troopbench hub push: could not publish")
    assert FAKE_TOKEN not in out.err
    api.create_commit.assert_not_called()


def test_push_httpx_error_is_caught(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import huggingface_hub
    import huggingface_hub.constants

    httpx2 = pytest.importorskip("httpx2")
    api = fake_api()
    api.create_repo.side_effect = httpx2.ConnectError(
        "[Errno -3] Temporary failure in name resolution"
    )
    monkeypatch.setattr(huggingface_hub, "HfApi", mock.Mock(return_value=api))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    assert main(["hub", "push", REPO_ID, *GOLD_ARGS]) != 0
    assert "ConnectError" in capsys.readouterr().err


def test_dry_run_lists_files_and_calls_no_api(
    tmp_path: Path,
    mini_gold: Gold,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import huggingface_hub

    monkeypatch.chdir(tmp_path)  # no results/ here: the card matches the reference export
    forbidden = mock.Mock(side_effect=AssertionError("HfApi used in a dry run"))
    monkeypatch.setattr(huggingface_hub, "HfApi", forbidden)
    monkeypatch.setattr(huggingface_hub, "get_token", forbidden)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    assert main(["hub", "push", REPO_ID, "--dry-run", *GOLD_ARGS]) == 0
    forbidden.assert_not_called()
    out = capsys.readouterr()
    assert FAKE_TOKEN not in out.out + out.err
    from benchmark.corpora import bundled_names, load_corpus

    others = [load_corpus(name) for name in bundled_names()[1:]]  # added as configurations
    paths = hub.export(tmp_path / "ref", mini_gold, repo_id=REPO_ID, corpora=others)
    lines = out.out.splitlines()
    for path in paths:
        name = path.relative_to(tmp_path / "ref").as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert any(line.split() == [name, str(path.stat().st_size), digest] for line in lines), name
    assert "nothing was sent" in lines[-1]


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "export", str(tmp_path / "hub-export"), *GOLD_ARGS]) == 0
    out = capsys.readouterr().out
    assert "documents/test-00000-of-00001.parquet" in out
    assert (tmp_path / "hub-export" / "README.md").is_file()


def test_export_command_rejects_an_invalid_gold(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (mini_copy / "gold" / "entities.json").write_text("{", encoding="utf-8")
    args = ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    assert main(["hub", "export", str(tmp_path / "out"), *args]) == 1
    assert not (tmp_path / "out").exists()
    assert "gold is invalid" in capsys.readouterr().err


def test_push_rejects_an_invalid_repo_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "push", "not a/valid//id", "--dry-run", *GOLD_ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("troopbench hub push: invalid repository id") and err.count("\n") == 1


def test_export_command_reports_an_unwritable_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert main(["hub", "export", str(blocker / "out"), *GOLD_ARGS]) == 1
    err = capsys.readouterr().err
    assert err.startswith("troopbench hub export: cannot write") and err.count("\n") == 1


# ---------------------------------------------------------------- subprocesses, no network


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with no Hub credentials and an empty HF home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "HUGGING_FACE_")) and k not in {"TRANSFORMERS_OFFLINE"}
    }
    env.update(HF_HOME=str(tmp_path / "hf-home"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_real_create_repo_fails_fast_when_offline(tmp_path: Path) -> None:
    code = (
        "from huggingface_hub import HfApi\n"
        "HfApi(token='"
        + FAKE_TOKEN
        + "').create_repo('user/troopbench', repo_type='dataset', exist_ok=True)\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "OfflineModeIsEnabled" in proc.stderr
    assert time.monotonic() - started < 30


def test_push_without_a_token(tmp_path: Path) -> None:
    proc = run_cli(["hub", "push", REPO_ID, *GOLD_ARGS], clean_env(tmp_path), tmp_path)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "troopbench hub push: no Hugging Face token: "
        "set HF_TOKEN or run `hf auth login` (or use --dry-run)"
    ]


def test_push_offline_with_a_token(tmp_path: Path) -> None:
    proc = run_cli(
        ["hub", "push", REPO_ID, *GOLD_ARGS], clean_env(tmp_path, HF_TOKEN=FAKE_TOKEN), tmp_path
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "offline" in proc.stderr
    assert FAKE_TOKEN not in proc.stdout + proc.stderr


def test_dry_run_in_a_real_process(tmp_path: Path) -> None:
    proc = run_cli(
        ["hub", "push", REPO_ID, "--dry-run", "--private", *GOLD_ARGS],
        clean_env(tmp_path, HF_TOKEN=FAKE_TOKEN),
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "README.md" in proc.stdout and "sha256" in proc.stdout
    assert FAKE_TOKEN not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_import_stays_light(tmp_path: Path) -> None:
    code = (
        "import sys, benchmark.cli, benchmark.hub\n"
        "heavy = [m for m in ('datasets', 'huggingface_hub', 'pyarrow') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- the real Hub


@pytest.mark.hub
@pytest.mark.skipif(not os.environ.get("HF_TOKEN"), reason="needs HF_TOKEN and network (real Hub)")
def test_push_to_the_real_hub(tmp_path: Path, mini_gold: Gold) -> None:
    """Push the fixture export to a new private repository, read it back, delete it."""
    script = tmp_path / "roundtrip.py"
    script.write_text(
        f"""
import os, sys, uuid
from huggingface_hub import HfApi
from datasets import load_dataset
from benchmark import hub
from benchmark.gold import load_gold

token = os.environ["HF_TOKEN"]
api = HfApi(token=token)
repo_id = api.whoami()["name"] + "/troopbench-test-{uuid.uuid4().hex[:10]}"
gold = load_gold({str(MINI / "gold")!r}, {str(MINI / "seeds")!r})
try:
    hub.push(repo_id, private=True, revision=None, token=token, gold=gold)
    files = set(api.list_repo_files(repo_id, repo_type="dataset"))
    expected = {{"README.md", "LICENSE.md", *(hub.data_path(c) for c in hub.CONFIGS)}}
    assert expected <= files, files
    cache = {str(tmp_path / "cache")!r}
    ds = load_dataset(repo_id, "entities", split="test", token=token, cache_dir=cache)
    assert len(ds) == {sum(len(d.entities) for d in mini_gold)}
finally:
    api.delete_repo(repo_id, repo_type="dataset", missing_ok=True)
print("ok")
""",
        encoding="utf-8",
    )
    env = {
        k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"}
    }
    env["HF_HOME"] = str(tmp_path / "hf-home")
    proc = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-2000:]
