"""The pytest plugin, run the way a user runs it (pytester), and its report and diff.

Every run points at the mini fixture corpus (two documents). The extractor
written into each test project tags a fixed word list and the weekday
timexes, so its scores on the mini corpus are known:

* entities: 900 all 7 right (strict F1 1.0); 901 "Austin" instead of "Lloyd
  Austin" (wrong boundary): strict 4/5, F1 0.8; overall 11/12, F1 0.917;
* timexes: one of two found per document, values right: value F1 0.667.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import sklearn.metrics  # noqa: F401 - see below

from benchmark.gold import Gold
from benchmark.layers.entities import PredictedEntity
from benchmark.layers.stances import PredictedStance
from benchmark.layers.timexes import PredictedTimex
from benchmark.layers.troops import PredictedTroopCount
from benchmark.predictions import DocPredictions
from benchmark.report import (
    build_report,
    context,
    diff_document,
    evaluate_system,
    format_diff,
)
from benchmark.scoring import evaluate
from benchmark.spans import Span

pytest_plugins = ["pytester"]

# sklearn (stance label macro-F1) is imported above, before any in-process
# pytester run: such a run drops the modules first imported inside it, and
# numpy cannot be imported a second time in one process.

MINI = Path(__file__).parent / "fixtures" / "mini"
GOLD = [f"--troopbench-gold={MINI / 'gold'}", f"--troopbench-seeds={MINI / 'seeds'}"]
DOC_A = "900_00000000000000a1"
DOC_B = "901_00000000000000b2"
USAGE_ERROR = pytest.ExitCode.USAGE_ERROR  # 4
SYSTEM = "--troopbench-system=tinysys:System"

TINY = '''
    """A tiny extractor for the mini corpus: a word list and weekdays."""

    import re
    import time

    from benchmark.predictions import EntityPrediction, Prediction, TimexPrediction

    WORDS = {"Iraq": "GPE", "US": "GPE", "Syria": "GPE", "Baghdad": "GPE",
             "Pentagon": "ORG", "American": "NORP", "Austin": "PERSON"}
    PATTERN = re.compile(r"\\b(" + "|".join(WORDS) + r")\\b")


    class System:
        name = "tiny"
        version = "1.0"
        layers = ("entities", "timexes")

        def extract(self, document):
            text = document.text
            entities = [EntityPrediction(WORDS[m.group()], m.start(), m.end())
                        for m in PATTERN.finditer(text)]
            timexes = [TimexPrediction(document.dct.isoformat(), "DATE", m.start(), m.end())
                       for m in re.finditer(r"Monday|Thursday", text)]
            return Prediction(document.doc_id, entities=entities, timexes=timexes)


    class Raising(System):
        name = "raising"

        def extract(self, document):
            if document.doc_id.startswith("900"):
                raise RuntimeError("boom on purpose")
            return super().extract(document)


    class Hanging(System):
        name = "hanging"

        def extract(self, document):
            if document.doc_id.startswith("900"):
                time.sleep(3)
            return super().extract(document)


    class Broken(System):
        def __init__(self):
            raise ValueError("no model file")


    class Misspelled(System):
        name = "misspelled"

        def extract(self, document):
            found = super().extract(document)
            entities = [EntityPrediction("PERSN" if e.type == "PERSON" else e.type,
                                         e.start, e.end) for e in found.entities]
            return Prediction(document.doc_id, entities=entities, timexes=found.timexes)


    class EntitiesOnly(System):
        layers = ("entities",)

        def extract(self, document):
            return Prediction(document.doc_id, entities=super().extract(document).entities)
'''


def plugin_args() -> list[str]:
    """``-p benchmark.pytest_plugin`` unless pytest loads it from the entry point."""
    installed = any(ep.name == "troopbench" for ep in entry_points(group="pytest11"))
    if installed and not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return []
    return ["-p", "benchmark.pytest_plugin"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: the tiny extractor and one ordinary test of their own."""
    pytester.makepyfile(tinysys=textwrap.dedent(TINY))
    pytester.makepyfile(test_own="def test_own_code():\n    assert True\n")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*plugin_args(), *GOLD, *args)


def esc(text: str) -> str:
    """``text`` as an fnmatch pattern matching itself (brackets are literal)."""
    return text.replace("[", "[[]")


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """nodeid → PASSED/FAILED/ERROR from a ``-v`` run."""
    found = {}
    for line in result.outlines:
        parts = line.split()
        if len(parts) >= 2 and "::" in parts[0] and parts[1] in {"PASSED", "FAILED", "ERROR"}:
            found[parts[0]] = parts[1]
    return found


# ------------------------------------------------------------------ naming a system


def test_scoring_mode_adds_an_item_per_document_and_layer(project: pytest.Pytester) -> None:
    result = run(project, SYSTEM, "-v")
    assert result.ret == pytest.ExitCode.OK
    assert outcomes(result) == {
        "test_own.py::test_own_code": "PASSED",
        f"troopbench::{DOC_A}::entities": "PASSED",
        f"troopbench::{DOC_A}::timexes": "PASSED",
        f"troopbench::{DOC_B}::entities": "PASSED",
        f"troopbench::{DOC_B}::timexes": "PASSED",
        "troopbench::all::entities": "PASSED",
        "troopbench::all::timexes": "PASSED",
    }
    result.stdout.fnmatch_lines(
        [
            "*collected 7 items",
            f"troopbench::{DOC_B}::entities PASSED strict_f1 0.800*",
            "troopbench::all::entities PASSED strict_f1 0.917*",
        ]
    )
    result.assert_outcomes(passed=7)


def test_summary_table(project: pytest.Pytester) -> None:
    result = run(project, SYSTEM)
    result.stdout.fnmatch_lines(
        [
            "*= troopbench: tiny 1.0 =*",
            "layer*metric*P*R*F1",
            "entities*strict_f1*0.917*0.917*0.917",
            "timexes*value_f1*1.000*0.500*0.667",
            "troop_counts*not attempted",
            "stances*not attempted",
            "2 documents, gold *",
        ]
    )


def test_quiet_summary_is_one_line_per_layer(project: pytest.Pytester) -> None:
    result = run(project, SYSTEM, "-q")
    lines = [line for line in result.outlines if line.startswith("troopbench tiny ")]
    assert lines == [
        "troopbench tiny entities: strict_f1 P 0.917 R 0.917 F1 0.917",
        "troopbench tiny timexes: value_f1 P 1.000 R 0.500 F1 0.667",
        "troopbench tiny troop_counts: not attempted",
        "troopbench tiny stances: not attempted",
    ]
    assert "layer" not in result.stdout.str().split()  # no table


def _register(pytester: pytest.Pytester, name: str, target: str) -> None:
    """Install (on sys.path) a distribution whose entry point registers a system."""
    site = pytester.mkdir("site")
    (site / "tinysys.py").write_text(textwrap.dedent(TINY), encoding="utf-8")
    info = site / "tiny_systems-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-systems\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[troopbench.systems]\n{name} = {target}\n")
    pytester.syspathinsert(site)


def test_registered_system_name(pytester: pytest.Pytester) -> None:
    _register(pytester, "tiny-registered", "tinysys:System")
    result = run(pytester, "--troopbench-system=tiny-registered")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*= troopbench: tiny 1.0 =*"])


def test_unknown_system_name_lists_the_registered_ones(pytester: pytest.Pytester) -> None:
    _register(pytester, "tiny-registered", "tinysys:System")
    result = run(pytester, "--troopbench-system=no-such-system")
    assert result.ret == USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --troopbench-system: unknown system 'no-such-system'; available systems: *"]
    )
    assert "tiny-registered" in result.stderr.str()


def test_predictions_file(pytester: pytest.Pytester) -> None:
    lines = [
        {
            "doc_id": DOC_A,
            "troop_counts": [{"value": 2500, "location": "Iraq", "start": 75, "end": 80}],
            "stances": [{"holder": "the Pentagon", "label": "FAVOR"}],
        },
        {
            "doc_id": DOC_B,
            "troop_counts": [{"value": 900, "location": "Syria"}],
            "stances": [{"holder": "Lloyd Austin", "label": "NEUTRAL"}],
        },
    ]
    pytester.path.joinpath("preds.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    result = run(
        pytester,
        "--troopbench-predictions=preds.jsonl",
        "--troopbench-min-f1=stances=0.5",
        "--troopbench-scope=both",
        "-v",
    )
    assert outcomes(result) == {
        f"troopbench::{DOC_A}::troop_counts": "PASSED",
        f"troopbench::{DOC_A}::stances": "FAILED",
        f"troopbench::{DOC_B}::troop_counts": "PASSED",
        f"troopbench::{DOC_B}::stances": "PASSED",
        "troopbench::all::troop_counts": "PASSED",
        "troopbench::all::stances": "FAILED",
    }
    result.stdout.fnmatch_lines(
        [
            f"tuple_f1 0.000 is below the threshold 0.500 (stances, {DOC_A}; P 0.000, R 0.000)",
            "  2 gold, 1 predicted, 0 matched",
            esc("  wrong label  pentagon is AGAINST, predicted FAVOR  ")
            + "*the 2,500 American troops*",
            esc("  missed       iraq FAVOR") + "*demanded their withdrawal*",
            "*= troopbench: preds.jsonl =*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# ------------------------------------------------------------------ thresholds


def test_failing_threshold_explains_what_is_wrong(project: pytest.Pytester) -> None:
    result = run(
        project, SYSTEM, "--troopbench-scope=document", "--troopbench-min-f1", "entities=0.9"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*_ troopbench::{DOC_B}::entities _*",
            f"strict_f1 0.800 is below the threshold 0.900 (entities, {DOC_B}; P 0.800, R 0.800)",
            "  5 gold, 5 predicted: 4 correct, 1 incorrect, 0 missed, 0 spurious",
            esc(
                "  wrong boundary  PERSON 'Lloyd Austin' [58:70], predicted 'Austin' [64:70]"
                "  …US troops remain in Syria, [Lloyd Austin] said Thursday. Austin left…"
            ),
            f"FAILED troopbench::{DOC_B}::entities - strict_f1 0.800 is below*",
        ]
    )
    result.stdout.fnmatch_lines(["entities*strict_f1*0.917*0.900*ok", "timexes*value_f1*0.667"])


def test_aggregate_failure_lists_the_weakest_documents(project: pytest.Pytester) -> None:
    result = run(project, SYSTEM, "--troopbench-min-f1=timexes=0.7", "--troopbench-scope=both")
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ troopbench::all::timexes _*",
            "value_f1 0.667 is below the threshold 0.700 "
            "(timexes, all 2 documents; P 1.000, R 0.500)",
            "  weakest documents (see troopbench::<document>::timexes):",
            "*document*P*R*F1",
            f"*{DOC_A}*1.000*0.500*0.667",
        ]
    )
    missed = "  missed  DATE '2024' [130:134] value 2024  …door open to a reduction in [2024]."
    result.stdout.fnmatch_lines([esc(missed)])


def test_passing_thresholds(project: pytest.Pytester) -> None:
    result = run(
        project,
        SYSTEM,
        "--troopbench-min-f1",
        "entities=0.8",
        "timexes=0.5",
        "--troopbench-scope=both",
        "-v",
    )
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(
        [
            f"troopbench::{DOC_A}::entities PASSED strict_f1 1.000 (min 0.800)*",
            "layer*metric*P*R*F1*min F1*result",
            "entities*strict_f1*0.917*0.917*0.917*0.800*ok",
            "timexes*value_f1*1.000*0.500*0.667*0.500*ok",
        ]
    )


def test_ini_thresholds_and_the_command_line_wins(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        troopbench_min_f1 = ["entities=0.9", "timexes=0.5"]
        troopbench_scope = "both"
        """
    )
    from_ini = run(project, SYSTEM)
    from_ini.assert_outcomes(passed=6, failed=1)
    overridden = run(project, SYSTEM, "--troopbench-min-f1=entities=0.5")
    overridden.assert_outcomes(passed=7)
    overridden.stdout.fnmatch_lines(["entities*0.917*0.500*ok"])


def test_ini_file_thresholds_in_pytest_ini(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ntroopbench_min_f1 = entities=0.95 timexes=0.1\n")
    result = run(project, SYSTEM)
    result.assert_outcomes(passed=6, failed=1)  # the corpus scope: all entities 0.917
    project.makeini(
        "[pytest]\ntroopbench_min_f1 = entities=0.95 timexes=0.1\ntroopbench_scope = both\n"
    )
    result = run(project, SYSTEM)
    result.assert_outcomes(passed=5, failed=2)  # 901 entities 0.8 and all entities 0.917


def test_ini_threshold_on_a_layer_not_attempted_warns(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ntroopbench_min_f1 = stances=0.5\n")
    result = run(project, SYSTEM)
    result.assert_outcomes(passed=7, warnings=1)
    result.stdout.fnmatch_lines(
        ["*ini option troopbench_min_f1: tiny 1.0 does not attempt stances*"]
    )


@pytest.mark.parametrize(
    ("scope", "failing"),
    [
        (None, {"troopbench::all::entities"}),  # the default: the corpus score only
        ("corpus", {"troopbench::all::entities"}),
        ("document", {f"troopbench::{DOC_B}::entities"}),  # 900 is 1.000
        ("both", {f"troopbench::{DOC_B}::entities", "troopbench::all::entities"}),
    ],
)
def test_threshold_scope(project: pytest.Pytester, scope: str | None, failing: set[str]) -> None:
    # entities: 900 1.000, 901 0.800, all 0.917; the threshold 0.95 sits between them
    args = [SYSTEM, "--troopbench-min-f1=entities=0.95", "-v"]
    result = run(project, *args, *([f"--troopbench-scope={scope}"] if scope else []))
    got = {node for node, outcome in outcomes(result).items() if outcome == "FAILED"}
    assert got == failing
    # a test outside the scope reports its score without a threshold
    with_min = f"troopbench::{DOC_A}::entities PASSED strict_f1 1.000 (min 0.950)*"
    without = f"troopbench::{DOC_A}::entities PASSED strict_f1 1.000 *"
    result.stdout.fnmatch_lines([without if scope in (None, "corpus") else with_min])


def test_bad_scope_in_the_ini_file_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ntroopbench_scope = documents\n")
    result = run(project, SYSTEM)
    assert result.ret == USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*troopbench_scope: 'documents' is not one of corpus, document, both*"]
    )


# ------------------------------------------------------------------ rejected items


def test_a_type_outside_the_vocabulary_fails_the_test_and_names_the_value(
    project: pytest.Pytester,
) -> None:
    result = run(project, "--troopbench-system=tinysys:Misspelled", "-v")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # "Austin" (twice, in 901) is the only PERSON the tiny system tags
    assert {n for n, o in outcomes(result).items() if o == "FAILED"} == {
        f"troopbench::{DOC_B}::entities",
        "troopbench::all::entities",
    }
    message = (
        "'PERSN' is not an entity type; did you mean PERSON? "
        "(allowed: PERSON, NORP, ORG, GPE, LOC, FAC, EVENT)"
    )
    result.stdout.fnmatch_lines(
        [
            f"misspelled predicted 2 item(s) that are not in the prediction format "
            f"({DOC_B}, entities); each counts as spurious. Fix them:",
            f"    misspelled: {DOC_B}: /entities/*/type: {esc(message)}",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "misspelled predicted 2 item(s) that are not in the prediction format "
            "(entities, 1 document(s)); each counts as spurious. Fix them:",
        ]
    )


# ------------------------------------------------------------------ failing systems


def test_a_system_that_raises_fails_that_documents_items(project: pytest.Pytester) -> None:
    result = run(project, "--troopbench-system=tinysys:Raising", "-v")
    assert outcomes(result) == {
        "test_own.py::test_own_code": "PASSED",
        f"troopbench::{DOC_A}::entities": "FAILED",
        f"troopbench::{DOC_A}::timexes": "FAILED",
        f"troopbench::{DOC_B}::entities": "PASSED",
        f"troopbench::{DOC_B}::timexes": "PASSED",
        "troopbench::all::entities": "PASSED",
        "troopbench::all::timexes": "PASSED",
    }
    result.stdout.fnmatch_lines(
        [
            "raising failed on this document: extract raised RuntimeError: boom on purpose "
            f"(at tinysys.py:*, in extract) (entities, {DOC_A}; its gold items count as missed)",
            "  traceback in the worker:",
            "    Traceback (most recent call last):",
            '*raise RuntimeError("boom on purpose")',
            "    RuntimeError: boom on purpose",
            f"the system failed on 1 document(s): {DOC_A}",
        ]
    )


def test_a_system_that_hangs_times_out(project: pytest.Pytester) -> None:
    result = run(project, "--troopbench-system=tinysys:Hanging", "--troopbench-timeout=0.2")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines(["hanging failed on this document: timeout after 0.2 s*"])


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [SYSTEM, "--troopbench-min-f1", "entitys=0.5"],
            "*--troopbench-min-f1: unknown layer 'entitys' in 'entitys=0.5'; layers: entities, "
            "timexes, troop_counts, stances",
        ),
        (
            [SYSTEM, "--troopbench-min-f1", "entities=1.5"],
            "*'entities=1.5': the threshold must be between 0 and 1",
        ),
        (
            [SYSTEM, "--troopbench-min-f1", "entities=high"],
            "*'high' in 'entities=high' is not a number",
        ),
        (
            [SYSTEM, "--troopbench-min-f1", "entities"],
            "*'entities' is not LAYER=VALUE (e.g. entities=0.8)*",
        ),
        (
            [SYSTEM, "--troopbench-min-f1", "entities=0.5", "test_own.py"],
            "*'test_own.py' is not LAYER=VALUE*Give test paths before the option*",
        ),
        (
            [SYSTEM, "--troopbench-min-f1", "stances=0.5"],
            "*--troopbench-min-f1: tiny 1.0 does not attempt stances "
            "(it attempts entities, timexes)",
        ),
        (
            [SYSTEM, "--troopbench-predictions=preds.jsonl"],
            "*--troopbench-system and --troopbench-predictions exclude each other*",
        ),
        (["--troopbench-predictions=missing.jsonl"], "*--troopbench-predictions: no such file: *"),
        (["--troopbench-min-f1", "entities=0.5"], "*--troopbench-min-f1 needs something to score*"),
        (["--troopbench-system=tinysys:Nope"], "*--troopbench-system: 'tinysys' has no attribute*"),
        (["--troopbench-system=nomodule:System"], "*cannot import 'nomodule'*"),
        (
            ["--troopbench-system=tinysys:Broken"],
            "*--troopbench-system: building 'tinysys:Broken' raised ValueError: no model file*",
        ),
        (
            [SYSTEM, "--troopbench-timeout=-1"],
            "*--troopbench-timeout must be a finite number above 0*",
        ),
        (
            [SYSTEM, "--troopbench-timeout=inf"],
            "*--troopbench-timeout must be a finite number above 0*",
        ),
        (
            [SYSTEM, "--troopbench-gold=nowhere"],
            "*--troopbench-gold: no such folder: *",
        ),
    ],
)
def test_bad_options_are_usage_errors(
    project: pytest.Pytester, args: list[str], message: str
) -> None:
    project.path.joinpath("preds.jsonl").write_text("", encoding="utf-8")
    result = run(project, *args)
    assert result.ret == USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_invalid_gold_is_a_usage_error(project: pytest.Pytester) -> None:
    gold = project.mkdir("gold")
    (gold / "entities.json").write_text("{}", encoding="utf-8")
    result = project.runpytest(
        *plugin_args(),
        SYSTEM,
        f"--troopbench-gold={gold}",
        f"--troopbench-seeds={MINI / 'seeds'}",
    )
    assert result.ret == USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: troopbench: the gold in * is invalid (* problem(s)):"])


# ------------------------------------------------------------------ inert, -k, junitxml


def test_inert_without_options(project: pytest.Pytester) -> None:
    result = project.runpytest(*plugin_args(), "-v")
    assert result.ret == pytest.ExitCode.OK
    assert outcomes(result) == {"test_own.py::test_own_code": "PASSED"}
    assert "troopbench" not in result.stdout.str().replace("troopbench-", "")  # plugins: line


def test_inert_plugin_imports_nothing_of_troopbench(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_imports="""
        import sys

        def test_no_benchmark_modules():
            loaded = sorted(m for m in sys.modules if m.startswith("benchmark"))
            assert loaded in ([], ["benchmark", "benchmark.pytest_plugin"]), loaded
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_keyword_selection_applies_to_troopbench_items(project: pytest.Pytester) -> None:
    result = run(project, SYSTEM, "-k", "all and entities", "-v")
    assert outcomes(result) == {"troopbench::all::entities": "PASSED"}
    result.assert_outcomes(passed=1, deselected=6)


def test_collect_only_does_not_run_the_system(project: pytest.Pytester) -> None:
    result = run(project, "--troopbench-system=tinysys:Hanging", "--co", "-q")
    assert f"troopbench::{DOC_A}::entities" in result.outlines
    assert "troopbench::all::timexes" in result.outlines
    assert "= troopbench" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_junitxml(project: pytest.Pytester) -> None:
    xml = project.path / "out.xml"
    run(
        project,
        SYSTEM,
        "--troopbench-min-f1=entities=0.9",
        "--troopbench-scope=both",
        f"--junitxml={xml}",
    )
    cases = {
        (case.get("classname"), case.get("name")): case
        for case in ET.parse(xml).getroot().iter("testcase")
    }
    assert set(cases) == {
        ("test_own", "test_own_code"),
        *(
            (f"troopbench.{doc}", layer)
            for doc in (DOC_A, DOC_B, "all")
            for layer in ("entities", "timexes")
        ),
    }
    failing = cases[(f"troopbench.{DOC_B}", "entities")]
    props = {p.get("name"): p.get("value") for p in failing.iter("property")}
    assert props["troopbench_f1"] == "0.800"
    assert props["troopbench_min_f1"] == "0.900"
    assert props["troopbench_metric"] == "strict_f1"
    failure = failing.find("failure")
    assert failure is not None and "wrong boundary" in (failure.text or "")
    passing = cases[("troopbench.all", "entities")]
    assert passing.find("failure") is None
    passing_props = {p.get("name"): p.get("value") for p in passing.iter("property")}
    assert passing_props["troopbench_f1"] == "0.917"


# ------------------------------------------------------------------ the fixture


def test_fixture_evaluate(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_scores=f"""
        import pytest
        from tinysys import EntitiesOnly, System

        GOLD = {str(MINI / "gold")!r}
        SEEDS = {str(MINI / "seeds")!r}

        def test_scores(troopbench):
            report = troopbench.evaluate(System(), gold_dir=GOLD, seeds_dir=SEEDS)
            assert report.entities.strict.f1 == pytest.approx(11 / 12)
            assert report.timexes.value.f1 == pytest.approx(2 / 3)
            assert report.troop_counts is None and report.stances is None
            assert report.attempted == ("entities", "timexes")
            assert report.primary("entities") == report.entities.strict
            assert report.errors == ()
            assert "wrong boundary" in report.explain("{DOC_B}", "entities")

        def test_class_and_name(troopbench):
            by_class = troopbench.evaluate(EntitiesOnly, gold_dir=GOLD)
            by_path = troopbench.evaluate("tinysys:EntitiesOnly", gold_dir=GOLD)
            assert by_class.entities == by_path.entities
            assert by_class.timexes is None

        def test_default_gold_comes_from_the_options(troopbench):
            report = troopbench.evaluate(System())
            assert report.documents == ("{DOC_A}", "{DOC_B}")

        def test_not_a_system(troopbench):
            with pytest.raises(TypeError, match="is not a troopbench system"):
                troopbench.evaluate(object(), gold_dir=GOLD)
        """
    )
    result = project.runpytest(*plugin_args(), *GOLD, "test_scores.py")
    result.assert_outcomes(passed=4)


def test_fixture_evaluate_predictions(pytester: pytest.Pytester) -> None:
    preds = pytester.path / "preds.jsonl"
    preds.write_text(json.dumps({"doc_id": DOC_A, "stances": []}) + "\n", encoding="utf-8")
    pytester.makepyfile(
        test_preds=f"""
        def test_preds(troopbench):
            gold = {str(MINI / "gold")!r}
            report = troopbench.evaluate_predictions({str(preds)!r}, gold_dir=gold)
            assert report.attempted == ("stances",)
            assert report.stances.tuple.no_predictions  # attempted, predicted nothing
            assert report.stances.tuple.f1 == 0.0
            assert report.entities is None  # not attempted
        """
    )
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)


# ------------------------------------------------------------------ report and diff, directly


class _Echo:
    """Predicts the gold of the mini corpus, minus what a test removes."""

    name = "echo"
    version = "1"
    layers = ("entities", "timexes", "troop_counts", "stances")

    def __init__(self, gold: Gold) -> None:
        self.gold = gold

    def extract(self, document):  # type: ignore[no-untyped-def]
        from benchmark.predictions import (
            EntityPrediction,
            Prediction,
            StancePrediction,
            TimexPrediction,
            TroopPrediction,
        )

        doc = self.gold.documents[document.doc_id]
        names = self.gold.registry.entries
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction(m.type, m.span.start, m.span.end) for m in doc.entities],
            timexes=[
                TimexPrediction(t.value, t.type, t.span.start, t.span.end) for t in doc.timexes
            ],
            troop_counts=[
                TroopPrediction(c.value, names[c.location].name if c.location else None)
                for c in doc.troop_counts
            ],
            stances=[StancePrediction(names[s.holder].name, s.label) for s in doc.stances],
        )


def test_report_of_a_perfect_system(mini_gold: Gold) -> None:
    report = evaluate_system(_Echo(mini_gold), mini_gold)
    assert report.attempted == ("entities", "timexes", "troop_counts", "stances")
    assert report.entities is not None and report.entities.strict.f1 == 1.0
    assert report.timexes is not None and report.timexes.value.f1 == 1.0
    assert report.troop_counts is not None and report.troop_counts.tuple.f1 == 1.0
    assert report.stances is not None and report.stances.tuple.f1 == 1.0
    assert report.stances.f_avg == 1.0
    assert report.gold_hash == mini_gold.sha256
    for doc_id in report.documents:
        for layer in report.attempted:
            assert report.diff(doc_id, layer) == []
    assert report.document(DOC_A).documents == (DOC_A,)
    assert "not attempted" not in report.table()


def _gold_span(gold: Gold, doc_id: str, start: int, end: int) -> Span:
    text = gold.documents[doc_id].document.text
    return Span(start, end, text[start:end])


def test_entity_diff(mini_gold: Gold) -> None:
    doc = mini_gold.documents[DOC_A]
    span = lambda s, e: _gold_span(mini_gold, DOC_A, s, e)  # noqa: E731
    pred = DocPredictions(
        DOC_A,
        entities=(
            PredictedEntity("ORG", "Pentagon", span(0, 8)),  # right
            PredictedEntity("ORG", "US", span(16, 18)),  # wrong type (GPE)
            PredictedEntity("GPE", "Iraq's", span(116, 122)),  # wrong boundary
            PredictedEntity("GPE", "troops", span(90, 96)),  # spurious
            PredictedEntity("ORG", "Defense Department"),  # no offsets
        ),
        invalid={"entities": 1},
    )
    entries = diff_document("entities", doc, pred, mini_gold.registry)
    kinds = [(e.kind, e.detail) for e in entries]
    assert kinds == [
        ("wrong type", "'US' [16:18] is GPE, predicted ORG"),
        ("missed", "GPE 'Iraq' [33:37]"),
        ("missed", "ORG 'Pentagon' [42:50]"),
        ("missed", "NORP 'American' [81:89]"),
        ("spurious", "GPE 'troops' [90:96]"),
        ("missed", "GPE 'Iraq' [100:104]"),
        ("wrong boundary", "GPE 'Iraq' [116:120], predicted \"Iraq's\" [116:122]"),
        ("invalid", "1 item(s) rejected by validation, each counted as spurious"),
        ("spurious", "ORG 'Defense Department' has no offsets: it cannot be placed"),
    ]
    assert entries[1].context == "…denies US pullback from [Iraq]"  # the title line only
    lines = format_diff(entries, limit=4)  # the rarer kinds are kept
    assert [line.split()[0] for line in lines[:4]] == ["wrong", "spurious", "wrong", "invalid"]
    assert lines[-1] == "  … and 5 more (4 missed, 1 spurious)"


def test_timex_diff(mini_gold: Gold) -> None:
    doc = mini_gold.documents[DOC_A]
    pred = DocPredictions(
        DOC_A,
        timexes=(
            PredictedTimex("2024-01-09", "DATE", "on Monday", _gold_span(mini_gold, DOC_A, 56, 65)),
        ),
    )
    entries = diff_document("timexes", doc, pred, mini_gold.registry)
    assert [(e.kind, e.detail) for e in entries] == [
        ("wrong boundary", "'Monday' [59:65], predicted 'on Monday' [56:65]"),
        ("wrong value", "'Monday' [59:65] is 2024-01-08, predicted 2024-01-09"),
        ("missed", "DATE 'last week' [160:169] value 2024-W01"),
    ]
    assert entries[0].context == "The Pentagon said on [Monday] that the 2,500 American…"


def test_troop_and_stance_diff(mini_gold: Gold) -> None:
    doc = mini_gold.documents[DOC_A]
    pred = DocPredictions(
        DOC_A,
        troop_counts=(
            PredictedTroopCount(2500, "Baghdad", span=_gold_span(mini_gold, DOC_A, 75, 80)),
            PredictedTroopCount(40, "Iraq"),
        ),
        stances=(
            PredictedStance("Pentagon", "FAVOR"),
            PredictedStance("Pentagon", "AGAINST"),
            PredictedStance("Moqtada al-Sadr", "FAVOR"),
        ),
    )
    troops = diff_document("troop_counts", doc, pred, mini_gold.registry)
    assert [(e.kind, e.detail) for e in troops] == [
        ("wrong location", "2500 in iraq '2,500' [75:80], predicted location 'Baghdad'"),
        ("spurious", "40 in 'Iraq'"),
    ]
    stances = diff_document("stances", doc, pred, mini_gold.registry)
    assert [(e.kind, e.detail) for e in stances] == [
        ("spurious", "pentagon FAVOR as well as AGAINST"),
        ("missed", "iraq FAVOR"),
        ("spurious", "'Moqtada al-Sadr' FAVOR (not a gold holder here)"),
    ]


def test_attempted_but_empty_is_not_not_attempted(mini_gold: Gold) -> None:
    preds = {d: DocPredictions(d, entities=()) for d in mini_gold.documents}
    evaluation = evaluate(mini_gold, preds, frozenset({"entities"}))
    report = build_report(evaluation, system="empty", version="0", gold=mini_gold)
    assert report.entities is not None
    assert report.entities.strict.no_predictions and report.entities.strict.f1 == 0.0
    assert report.timexes is None
    with pytest.raises(KeyError, match="not attempted"):
        report.primary("timexes")


def test_context_cuts_at_words() -> None:
    text = "The Pentagon said on Monday that the troops will stay."
    assert context(text, 21, 27, width=10) == "…said on [Monday] that the…"
    assert context(text, 0, 3, width=10) == "[The] Pentagon…"
    stay = text.index("stay")
    assert context(text, stay, stay + 4, width=12) == "…troops will [stay]."
    assert context("title\nb  c\nnext", 6, 7) == "[b] c"  # within its line, spaces collapsed


def test_plugin_module_is_cheap_to_import() -> None:
    code = (
        "import sys, benchmark.pytest_plugin;"
        "print(sorted(m for m in sys.modules if m.startswith('benchmark')))"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['benchmark', 'benchmark.pytest_plugin']"
