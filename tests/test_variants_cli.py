"""The contrast suite end to end: `troopbench variants`, `run --suite`, the Robustness section
(cross-checked against scoring each seed's variants directly), `compare --suite`, the report,
the pytest plugin's `--troopbench-suite` and the fixture's `evaluate(suite=)`."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.gold import Gold, load_gold
from benchmark.layers import LAYERS
from benchmark.scoring import PRIMARY
from benchmark.variants.robustness import Spread, insert_section
from benchmark.variants.suite import build_suite, evaluate_each

pytest.importorskip("faker")
pytest_plugins = ["pytester"]


def plugin_args() -> list[str]:
    """``-p benchmark.pytest_plugin`` unless pytest loads it from the entry point."""
    installed = any(ep.name == "troopbench" for ep in entry_points(group="pytest11"))
    if installed and not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return []
    return ["-p", "benchmark.pytest_plugin"]


MINI = Path(__file__).parent / "fixtures" / "mini"
GOLD_ARGS = ["--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds")]


@pytest.fixture(scope="module")
def mini() -> Gold:
    return load_gold(MINI / "gold", MINI / "seeds")


def test_variants_lists_the_transformations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", *GOLD_ARGS]) == 0
    out = capsys.readouterr().out
    for name in ("dates", "names", "numbers", "all"):
        assert f"\n{name} " in out


def test_variants_shows_a_diff_and_writes_a_valid_gold_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mini: Gold
) -> None:
    doc = next(iter(mini.documents))
    assert main(["variants", doc[:3], "numbers", "2", *GOLD_ARGS]) == 0
    out = capsys.readouterr().out
    assert f"+++ {doc}~numbers~2" in out and f'+  "doc_id": "{doc}~numbers~2"' in out
    assert main(["variants", doc, "all", "2", "--write", str(tmp_path), *GOLD_ARGS]) == 0
    # the written folder is a gold folder that `troopbench validate` accepts in full
    assert (
        main(["validate", "--gold", str(tmp_path / "gold"), "--seeds", str(tmp_path / "seeds")])
        == 0
    )
    written = load_gold(tmp_path / "gold", tmp_path / "seeds")
    assert list(written.documents) == [f"{doc}~all~2"]


def test_variants_refuses_unknown_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", "999", "dates", "1", *GOLD_ARGS]) == 2
    assert main(["variants", "900", "shuffle", "1", *GOLD_ARGS]) == 2
    assert "unknown transformation 'shuffle'" in capsys.readouterr().err


def test_a_seed_without_a_distinct_variant_is_an_error_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["variants", "900", "names", "1", *GOLD_ARGS]) == 2
    err = capsys.readouterr().err
    assert "names gives no variant of 900_00000000000000a1 for seed 1" in err


def test_variants_suite_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["variants", "--suite", "--check", "--variant-seeds", "2", *GOLD_ARGS]) == 0
    out = capsys.readouterr().out
    # the mini gold's 900 names no person: 'names' has no variant of it, and says so
    assert "14 variants of 2 documents, 14 distinct" in out
    assert "short: names gives 0 distinct variants of 900_" in out


def test_spread_table() -> None:
    s = Spread.of([0.5, 0.7, 0.9])
    assert (s.mean, s.low, s.high) == pytest.approx((0.7, 0.5, 0.9))
    assert s.sd == pytest.approx(0.2)  # sample SD: sqrt(((-.2)^2 + 0 + .2^2) / 2)
    assert Spread.of([0.4]).sd == 0.0


def test_insert_section_goes_after_the_layer_tables() -> None:
    board = "# t\n\n## Stances\n\nx\n\n## Not attempted\n\n- a\n"
    out = insert_section(board, "## Robustness\n\nr\n")
    assert out.index("## Stances") < out.index("## Robustness") < out.index("## Not attempted")
    assert insert_section("# t\n", "## Robustness\n").endswith("\n\n## Robustness\n")


@pytest.fixture(scope="module")
def contrast_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """rules run on both suites of the mini corpus, into a fresh results folder."""
    root = tmp_path_factory.mktemp("run")
    code = main(
        [
            "run",
            "rules",
            "--suite",
            "all",
            "--no-cache",
            "--results",
            str(root / "results"),
            "--leaderboard",
            str(root / "LEADERBOARD.md"),
            "--leaderboard-rebuild",  # there is none yet
            *GOLD_ARGS,
        ]
    )
    assert code == 0
    return root


def test_run_keeps_each_suite_apart(contrast_run: Path, mini: Gold) -> None:
    original = json.loads((contrast_run / "results" / "rules.json").read_text())
    contrast = json.loads((contrast_run / "results" / "contrast" / "rules.json").read_text())
    assert set(original["layers"]["entities"]["per_document"]) == set(mini.documents)
    docs = set(contrast["layers"]["entities"]["per_document"])
    # 2 documents x 4 transformations x 10 seeds, less the 10 of "names" on 900 (no person)
    assert len(docs) == 70 and all("~" in d for d in docs)
    assert contrast["suite"]["documents"] == 70 and contrast["suite"]["seeds"] == 10
    assert contrast["signature"]["gold_hash"] == build_suite(mini).sha256
    assert (contrast_run / "results" / "contrast" / "rules.predictions.jsonl").is_file()


def test_robustness_section_matches_direct_scoring(contrast_run: Path, mini: Gold) -> None:
    """The per-seed mean and SD and the Δ (pooled variants minus original) of the
    leaderboard, recomputed by scoring each seed's variants, and all of them, as their own
    corpus with the scorer (not from per-unit counts)."""
    from benchmark.predictions import load_predictions

    board = (contrast_run / "LEADERBOARD.md").read_text()
    assert "## Robustness" in board
    suite = build_suite(mini)
    texts = {v.doc_id: v.gold.document.text for v in suite}
    preds = load_predictions(
        contrast_run / "results" / "contrast" / "rules.predictions.jsonl", texts
    ).documents
    original = json.loads((contrast_run / "results" / "rules.json").read_text())
    section = board[board.index("## Robustness") :]
    for layer in ("entities", "timexes"):
        per_seed = []
        for seed in range(10):
            chosen = {v.doc_id: v.gold for v in suite if v.seed == seed}
            sub = Gold(mini.registry, chosen, suite.sha256)
            registries = {v.doc_id: v.registry for v in suite if v.seed == seed}
            evaluation = evaluate_each(sub, registries, preds, frozenset(LAYERS))
            per_seed.append(evaluation.metrics(layer)[PRIMARY[layer]])
        spread = Spread.of(per_seed)
        orig = original["layers"][layer]["metrics"][PRIMARY[layer]]
        every = Gold(mini.registry, {v.doc_id: v.gold for v in suite}, suite.sha256)
        pooled = evaluate_each(every, suite.registries(), preds, frozenset(LAYERS))
        row = f"{spread.mean:.3f} ± {spread.sd:.3f}"
        delta = f"{pooled.metrics(layer)[PRIMARY[layer]] - orig + 0.0:+.3f} ("
        table = section.split("### ")[1 + LAYERS.index(layer)]
        line = next(x for x in table.splitlines() if "| rules" in x)
        assert row in line and delta in line, (layer, line, row, delta)


def test_leaderboard_check_is_green_after_run(contrast_run: Path) -> None:
    args = ["--results", str(contrast_run / "results")]
    args += ["--leaderboard", str(contrast_run / "LEADERBOARD.md"), *GOLD_ARGS]
    assert main(["leaderboard", "--check", *args]) == 0


def test_compare_and_report_take_the_suite(
    contrast_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    shutil.copytree(contrast_run / "results", results)
    for folder in (results, results / "contrast"):
        data = json.loads((folder / "rules.json").read_text())
        data["system"]["name"] = "rules2"
        (folder / "rules2.json").write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["compare", "rules", "rules2", "--suite", "all", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "suite: original" in out and "suite: contrast" in out
    html = tmp_path / "r.html"
    args = ["report", "rules", "--suite", "contrast", "--results", str(results)]
    code = main([*args, "-o", str(html), *GOLD_ARGS])
    assert code == 0
    text = html.read_text()
    assert "~names~3" in text and "do not reproduce" not in text.lower()


PLUGIN_TEST = """
    from tinycap import CapitalisedWords


    def test_suite(troopbench):
        original = troopbench.evaluate(CapitalisedWords(), suite="original")
        contrast = troopbench.evaluate(CapitalisedWords(), suite="contrast")
        default = troopbench.evaluate(CapitalisedWords())
        assert len(original.documents) == 2
        assert len(contrast.documents) == 70
        assert all("~" in d for d in contrast.documents)
        assert len(default.documents) == {expected}
        some = contrast.documents[5]
        assert isinstance(contrast.explain(some, "entities"), str)
"""

TINYCAP = """
    import re

    from benchmark.predictions import EntityPrediction, Prediction


    class CapitalisedWords:
        name = "capitalised-words"
        version = "1.0"
        layers = ("entities",)

        def extract(self, document):
            return Prediction(
                document.doc_id,
                entities=[
                    EntityPrediction("ORG", m.start(), m.end(), m.group())
                    for m in re.finditer(r"\\b[A-Z][a-z]+\\b", document.text)
                ],
            )
"""


@pytest.mark.parametrize(("option", "expected"), [([], 2), (["--troopbench-suite=all"], 72)])
def test_plugin_fixture_takes_the_suite(
    pytester: pytest.Pytester, option: list[str], expected: int
) -> None:
    pytester.makepyfile(tinycap=textwrap.dedent(TINYCAP))
    pytester.makepyfile(test_x=textwrap.dedent(PLUGIN_TEST.format(expected=expected)))
    gold = [f"--troopbench-gold={MINI / 'gold'}", f"--troopbench-seeds={MINI / 'seeds'}"]
    result = pytester.runpytest_subprocess(*plugin_args(), *gold, *option)
    result.assert_outcomes(passed=1)


def test_plugin_scores_a_system_on_the_contrast_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tinycap=textwrap.dedent(TINYCAP))
    gold = [f"--troopbench-gold={MINI / 'gold'}", f"--troopbench-seeds={MINI / 'seeds'}"]
    result = pytester.runpytest_subprocess(
        *plugin_args(),
        *gold,
        "--troopbench-system=tinycap:CapitalisedWords",
        "--troopbench-suite=contrast",
        "--collect-only",
        "-q",
    )
    assert "~dates~0" in result.stdout.str() and "~all~9" in result.stdout.str()


def test_score_a_predictions_file_on_the_contrast_suite(contrast_run: Path, tmp_path: Path) -> None:
    """`score --suite contrast` of the predictions `run` wrote gives `run`'s results."""
    predictions = contrast_run / "results" / "contrast" / "rules.predictions.jsonl"
    results = tmp_path / "results"
    args = ["score", str(predictions), "--name", "rules", "--suite", "contrast"]
    assert main([*args, "--results", str(results), *GOLD_ARGS]) == 0
    scored = json.loads((results / "contrast" / "rules.json").read_text())
    ran = json.loads((contrast_run / "results" / "contrast" / "rules.json").read_text())
    assert scored["layers"] == ran["layers"]
    assert scored["signature"] == ran["signature"]
    assert not (results / "rules.json").exists()


def test_robustness_commentary_comes_from_notes(contrast_run: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(contrast_run / "results", results)
    (results / "NOTES.md").write_text("# Notes\n\n## robustness\n\nSeeds agree closely.\n")
    board = tmp_path / "LEADERBOARD.md"
    args = ["leaderboard", "--results", str(results), "--leaderboard", str(board), *GOLD_ARGS]
    assert main(args) == 0
    text = board.read_text()
    section = text[text.index("## Robustness") :]
    assert "Seeds agree closely." in section
    assert text.count("Seeds agree closely.") == 1
