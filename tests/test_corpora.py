"""Corpora: the bundled te3-platinum loads unmodified, TimeML folders load, manifests and the
entity overlay (tested on a made-up corpus) are checked, and validate/corpora say so."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.corpora import (
    CorpusNotFound,
    bundled_names,
    load_corpus,
    resolve_corpus,
    validate_corpus,
)
from benchmark.corpus import read_checksums
from benchmark.gold import GoldError, load_gold

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
TE3 = ROOT / "gold" / "te3-platinum"
SHARED = Path("/work/shared/corpora/te3-platinum")
FIXTURE = Path(__file__).parent / "fixtures" / "tml_corpus"
OVERLAY = Path(__file__).parent / "fixtures" / "tml_entities"


@pytest.fixture(scope="module")
def te3() -> object:
    return load_corpus("te3-platinum")


def test_te3_files_are_the_published_ones_byte_for_byte() -> None:
    sums = read_checksums(TE3 / "SHA256SUMS")
    assert len(sums) == 20
    assert sorted(sums) == sorted(p.name for p in (TE3 / "tml").glob("*.tml"))
    for name, digest in sums.items():
        assert hashlib.sha256((TE3 / "tml" / name).read_bytes()).hexdigest() == digest, name
    for name in ("README.TE3", "SOURCE.md", "NOTICE", "corpus.json"):
        assert (TE3 / name).is_file(), name


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared corpus folder is not on this machine")
def test_te3_files_equal_the_shared_copy() -> None:
    for path in sorted(SHARED.glob("*.tml")):
        assert (TE3 / "tml" / path.name).read_bytes() == path.read_bytes(), path.name
    assert (TE3 / "README.TE3").read_bytes() == (SHARED / "README.TE3").read_bytes()


def test_te3_loads_unmodified(te3: object) -> None:
    gold = te3
    assert gold.corpus.name == "te3-platinum"  # type: ignore[attr-defined]
    assert len(gold.documents) == 20  # type: ignore[attr-defined]
    timexes = [t for d in gold for t in d.timexes]  # type: ignore[attr-defined]
    assert len(timexes) == 138
    values = [t.value for t in timexes]
    assert values.count("19") == 2
    assert "2012-WXX-7TNI" in values
    overlay = (TE3 / "entities.json").is_file()  # the entity gold (issue 20), once committed
    expected = ("entities", "timexes") if overlay else ("timexes",)
    assert gold.layers == expected  # type: ignore[attr-defined]
    assert "AP_20130322" in gold.documents  # type: ignore[attr-defined]


def test_te3_document_is_the_text_element(te3: object) -> None:
    import xml.etree.ElementTree as ET

    doc = te3.documents["AP_20130322"].document  # type: ignore[attr-defined]
    root = ET.parse(TE3 / "tml" / "AP_20130322.tml").getroot()
    assert doc.text == "".join(root.find("TEXT").itertext())  # type: ignore[union-attr]
    assert doc.text.startswith("\n\nThe flu season")
    assert doc.title == "105 U.S. Kids Died From Flu, CDC Says"
    assert doc.dct_value == "2013-03-22" and doc.dct_certainty == "metadata"


def test_te3_entities_are_pending_until_the_overlay_is_committed(te3: object) -> None:
    corpus = te3.corpus  # type: ignore[attr-defined]
    if (TE3 / "entities.json").is_file():
        assert "entities" in corpus.layers and corpus.pending == ()
    else:
        assert corpus.pending == ("entities",) and "entities" not in corpus.layers


def test_bundled_names_and_resolution() -> None:
    assert bundled_names()[:1] == ("troopbench",)
    assert "te3-platinum" in bundled_names()
    assert resolve_corpus(None).name == "troopbench"
    assert resolve_corpus("troopbench").strict
    with pytest.raises(CorpusNotFound, match="no corpus 'nope'"):
        resolve_corpus("nope")


def test_the_hash_does_not_depend_on_where_the_files_are(tmp_path: Path, te3: object) -> None:
    shutil.copytree(TE3 / "tml", tmp_path / "te3")
    copy = load_corpus(tmp_path / "te3")
    assert copy.corpus.name == "te3" and copy.sha256 == load_corpus(TE3 / "tml").sha256
    shutil.copytree(TE3, tmp_path / "whole", ignore=shutil.ignore_patterns("passes"))
    assert load_corpus(tmp_path / "whole").sha256 == te3.sha256  # type: ignore[attr-defined]


def test_troopbench_gold_hash_is_unchanged() -> None:
    results = json.loads((ROOT / "results" / "rules.json").read_text("utf-8"))
    assert load_gold().sha256 == results["signature"]["gold_hash"]


# ------------------------------------------------------------------ the made-up corpus


def corpus_copy(tmp_path: Path, overlay: bool) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE, root)
    if overlay:
        shutil.copytree(OVERLAY, root, dirs_exist_ok=True)
    return root


def test_fixture_without_overlay_has_entities_pending(tmp_path: Path) -> None:
    gold = load_corpus(corpus_copy(tmp_path, overlay=False))
    assert gold.corpus.name == "made-up-tml"
    assert gold.layers == ("timexes",) and gold.corpus.pending == ("entities",)
    assert all(d.entities == () for d in gold)
    beta = gold.documents["beta_2"].document
    assert beta.dct_value == "2021-06-15T09:30" and beta.title == ""
    assert [t.value for t in gold.documents["beta_2"].timexes] == ["2021-W7", "P3D"]


def test_fixture_with_overlay_annotates_entities(tmp_path: Path) -> None:
    plain = load_corpus(corpus_copy(tmp_path / "a", overlay=False))
    gold = load_corpus(corpus_copy(tmp_path / "b", overlay=True))
    assert gold.layers == ("entities", "timexes") and gold.corpus.pending == ()
    assert [m.span.text for m in gold.documents["alpha_1"].entities] == ["Norland", "Ilse Varga"]
    assert gold.registry.types["ostrava"] == "GPE"
    assert gold.sha256 != plain.sha256  # the entity gold is part of the hash


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda root: (root / "entities" / "beta_2.json").unlink(),
            "entities/beta_2.json: /: missing: every document needs one",
        ),
        (
            lambda root: (root / "entities.json").unlink(),
            "entities.json: /: the entity overlay's registry is missing",
        ),
        (
            lambda root: _edit(root / "entities" / "alpha_1.json", 0, end=12),
            "entities/alpha_1.json: /entities/0: text 'Norland' does not match the document",
        ),
        (
            lambda root: _edit(root / "entities" / "alpha_1.json", 1, entity="nobody"),
            "entities/alpha_1.json: /entities/1/entity: entity id 'nobody' is not in the registry",
        ),
        (
            lambda root: shutil.copy(
                root / "entities" / "alpha_1.json", root / "entities" / "gamma_3.json"
            ),
            "entities/gamma_3.json: /: no document 'gamma_3'",
        ),
    ],
)
def test_broken_overlay_is_reported(tmp_path: Path, change: object, message: str) -> None:
    root = corpus_copy(tmp_path, overlay=True)
    change(root)  # type: ignore[operator]
    problems = [str(p) for p in validate_corpus(resolve_corpus(root))]
    assert any(p.startswith(message) for p in problems), problems
    with pytest.raises(GoldError):
        load_corpus(root)


def _edit(path: Path, index: int, **fields: object) -> None:
    data = json.loads(path.read_text("utf-8"))
    data["entities"][index].update(fields)
    path.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"layers": ["timexes", "weather"]}, "corpus/corpus.json: /layers: a non-empty list"),
        ({"name": "troopbench"}, "corpus/corpus.json: /name: 'troopbench' is troopbench's own"),
        ({"name": "Has Space"}, "corpus/corpus.json: /name: 'Has Space'"),
        ({"format": "csv"}, "corpus/corpus.json: /format: 'csv' is not one of"),
        ({"licence": ""}, "corpus/corpus.json: /licence: a non-empty string is needed"),
        ({"extra": 1}, "corpus/corpus.json: /: unknown key(s) extra"),
    ],
)
def test_bad_manifest_is_reported(tmp_path: Path, change: dict[str, object], message: str) -> None:
    root = corpus_copy(tmp_path, overlay=False)
    manifest = json.loads((root / "corpus.json").read_text("utf-8"))
    manifest.update(change)
    (root / "corpus.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(GoldError) as info:
        resolve_corpus(root)
    assert any(str(p).startswith(message) for p in info.value.problems), info.value.problems


def test_a_bad_tml_file_is_named_with_its_item(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path, overlay=False)
    path = root / "tml" / "alpha_1.tml"
    path.write_text(path.read_text("utf-8").replace('value="19"', 'value="the 1900s"'), "utf-8")
    problems = [str(p) for p in validate_corpus(resolve_corpus(root))]
    assert problems == [
        "alpha_1.tml: TIMEX3 tid=t2: value 'the 1900s' is not a TIMEX3 value "
        "(gold/FORMAT.md lists them)"
    ]


# ------------------------------------------------------------------ command line


def test_validate_corpus_te3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--corpus", "te3-platinum"]) == 0
    out = capsys.readouterr().out
    assert "corpus te3-platinum OK: 20 documents, " in out and " 138 timexes; " in out
    assert "troop_counts: not annotated" in out
    assert "UzZaman" in out


def test_validate_corpus_folder_lists_deviations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--corpus", str(corpus_copy(tmp_path, overlay=False))]) == 0
    out = capsys.readouterr().out
    assert "corpus made-up-tml OK: 2 documents, 5 timexes" in out
    assert "1 of them listed corpus deviations: 2021-W7" in out
    assert "entities: pending" in out


def test_validate_unknown_corpus_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--corpus", "nope"]) == 2
    assert "no corpus 'nope'" in capsys.readouterr().err


def test_corpora_lists_the_bundled_corpora(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpora"]) == 0
    out = capsys.readouterr().out
    assert "troopbench" in out and "te3-platinum" in out and "CC-BY-3.0" in out


# ------------------------------------------------------------------ plugin and fixture


def test_plugin_scores_predictions_on_another_corpus(pytester: pytest.Pytester) -> None:
    root = corpus_copy(pytester.path, overlay=False)
    preds = pytester.path / "preds.jsonl"
    preds.write_text(
        '{"doc_id": "alpha_1", "timexes": [{"start": 31, "end": 40, "text": "on Sunday", '
        '"type": "DATE", "value": "2021-06-13"}]}\n',
        encoding="utf-8",
    )
    pytester.makepyfile(
        """
        def test_fixture_loads_the_corpus(troopbench):
            gold = troopbench.gold()
            assert gold.corpus.name == "made-up-tml"
            report = troopbench.evaluate_predictions("preds.jsonl")
            assert report.timexes is not None and report.entities is None
        """
    )
    result = pytester.runpytest_subprocess(f"--troopbench-corpus={root}", "-q")
    result.assert_outcomes(passed=1)


def test_fixture_takes_a_corpus_by_name() -> None:
    from benchmark.pytest_plugin import TroopbenchFixture

    fixture = TroopbenchFixture()
    assert fixture.gold().corpus.name == "troopbench"
    gold = fixture.gold(corpus="te3-platinum")
    assert gold.corpus.name == "te3-platinum" and len(gold.documents) == 20
    assert fixture.gold(corpus="te3-platinum") is gold  # loaded once per session


# ------------------------------------------------------------------ Hub configuration


def test_hub_export_has_the_corpus_as_a_configuration(tmp_path: Path) -> None:
    pytest.importorskip("datasets")
    from datasets import Dataset

    from benchmark.hub import export

    te3 = load_corpus("te3-platinum")
    paths = export(tmp_path, load_gold(), None, corpora=[te3])
    parquet = tmp_path / "te3-platinum" / "test-00000-of-00001.parquet"
    assert parquet in paths
    ds = Dataset.from_parquet(str(parquet))
    assert ds.num_rows == 20 and sum(len(r) for r in ds["timexes"]) == 138
    assert set(ds.column_names) == {"doc_id", "title", "dct", "text", *te3.layers}
    card = (tmp_path / "README.md").read_text("utf-8")
    licence = (tmp_path / "LICENSE.md").read_text("utf-8")
    for text in (card, licence):
        assert "CC-BY-3.0" in text and "UzZaman" in text
    assert "config_name: te3-platinum" in card


# ------------------------------------------------------------------ Transfer section


def test_transfer_section_handles_systems_on_one_corpus_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmark.signature import DEFAULT_STATS
    from benchmark.transfer import SENTENCE, transfer_for

    mini = Path(__file__).parent / "fixtures" / "mini"
    home_gold = load_gold(mini / "gold", mini / "seeds")
    root = corpus_copy(tmp_path, overlay=False)
    other = load_corpus(root)
    results = tmp_path / "results"
    # made-up predictions: "both" on the articles and the corpus, "home-only" on the articles,
    # "away-only" on the corpus only
    home_doc = next(iter(home_gold))
    t = home_doc.timexes[0]
    home_line = (
        f'{{"doc_id": "{home_doc.doc_id}", "timexes": [{{"start": {t.span.start}, '
        f'"end": {t.span.end}, "text": {json.dumps(t.span.text)}, "type": "{t.type}", '
        f'"value": "{t.value}"}}]}}\n'
    )
    away_line = (
        '{"doc_id": "alpha_1", "timexes": [{"start": 31, "end": 40, "text": "on Sunday", '
        '"type": "DATE", "value": "2021-06-13"}]}\n'
    )
    (tmp_path / "home.jsonl").write_text(home_line, "utf-8")
    (tmp_path / "away.jsonl").write_text(away_line, "utf-8")
    common = ["--results", str(results), "--exposure", "none", "--exposure-note", "made up"]
    mini_args = ["--gold", str(mini / "gold"), "--seeds", str(mini / "seeds")]
    for name in ("both", "home-only"):
        assert (
            main(["score", str(tmp_path / "home.jsonl"), "--name", name, *common, *mini_args]) == 0
        )
    for name in ("both", "away-only"):
        args = ["score", str(tmp_path / "away.jsonl"), "--name", name, *common]
        assert main([*args, "--corpus", str(root)]) == 0
    assert (results / "made-up-tml" / "both.json").is_file()
    data = json.loads((results / "made-up-tml" / "both.json").read_text("utf-8"))
    assert data["signature"]["corpus"] == "made-up-tml"
    assert "|corpus:made-up-tml|" in data["signature"]["line"]
    assert list(data["layers"]) == ["timexes"]
    capsys.readouterr()
    board = "# Board\n\n## Overall\n\ntable\n\n## Entities\n\nx\n\n## Not attempted\n"
    settings = type(DEFAULT_STATS)(bootstrap_trials=50, permutation_trials=50)
    text, problems = transfer_for(board, results, home_gold, [other], settings)
    assert problems == []
    assert SENTENCE in text.split("## Entities")[0]
    section = text[text.index("## Transfer") : text.index("## Not attempted")]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if "|" in line}
    assert "not run" in rows["away\\-only"].split("|")[3]  # no articles result
    assert "not run" in rows["home\\-only"].split("|")[4]  # no corpus result
    both = [c.strip() for c in rows["both"].split("|")]
    assert both[2] == "none / none" and both[5].startswith(("+", "-"))
    # one right prediction of the corpus's 5 timexes: P 1, R 1/5, F1 2/6 in every TE3 column
    assert both[7:11] == ["0.333", "0.333", "0.333", "0.333"]  # relaxed, strict, value, type F1


# ------------------------------------------------------------------ blindness: pending layers


class EntityTagger:
    """A made-up system attempting entities and timexes; records every document it sees."""

    name = "entity-tagger"
    version = "1"
    layers = ("entities", "timexes")
    seen: list[str] = []  # noqa: RUF012

    def extract(self, document: object) -> object:
        from benchmark.predictions import Prediction

        raise AssertionError(f"ran on {document.doc_id}")  # type: ignore[attr-defined]
        return Prediction(doc_id="")  # pragma: no cover


def test_a_system_attempting_a_pending_layer_is_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = corpus_copy(tmp_path, overlay=False)
    monkeypatch.chdir(Path(__file__).parent)  # module:attr systems import from here
    args = [
        "run",
        f"{Path(__file__).stem}:EntityTagger",
        "--corpus",
        str(root),
        "--results",
        str(tmp_path / "results"),
        "--no-leaderboard",
        "--no-cache",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "entity-tagger is not run on made-up-tml: it attempts entities" in err
    assert not (tmp_path / "results" / "made-up-tml").exists()
