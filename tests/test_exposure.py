"""Test exposure: systems declare it, results files carry it, the leaderboard shows it."""

from __future__ import annotations

import copy
import json
import types
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.leaderboard import load_results, render, restrict
from benchmark.runner import build_results, validate_results
from benchmark.scoring import evaluate
from benchmark.systems import (
    ENTRY_POINT_GROUP,
    EXPOSURES,
    UNDECLARED,
    UNTUNED,
    Exposure,
    SystemNotFound,
    declared_exposure,
    load_path,
)

UNTUNED_LEAD = "Untuned systems only (exposure `none` or `configured`)"


class Declared:
    name = "declared"
    version = "1"
    layers = ("entities",)
    exposure = "configured"
    exposure_note = "a label map chosen after reading the articles"

    def extract(self, document: Any) -> Any:
        raise NotImplementedError


class Silent:
    name = "silent"
    version = "1"
    layers = ("entities",)

    def extract(self, document: Any) -> Any:
        raise NotImplementedError


# ---------------------------------------------------------------- the declaration


def test_declared_and_undeclared() -> None:
    assert declared_exposure(Declared()) == Exposure("configured", Declared.exposure_note)
    assert declared_exposure(Silent()) == Exposure(UNDECLARED, "")
    assert UNDECLARED not in EXPOSURES and UNDECLARED not in UNTUNED
    assert set(UNTUNED) == {"none", "configured"}


@pytest.mark.parametrize(
    ("level", "note", "problem"),
    [
        ("clean", "x", "not one of none, configured, leave-one-out, developed"),
        ("undeclared", "x", "not one of"),  # shown for silence, never declared
        ("none", "", "one non-empty line"),
        ("none", "two\nlines", "one non-empty line"),
        ("none", "x" * 301, "at most 300"),
        ("none", 7, "one non-empty line"),
    ],
)
def test_bad_declarations_are_refused(
    level: str, note: object, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = type("Bad", (Declared,), {"exposure": level, "exposure_note": note})
    with pytest.raises(ValueError, match=problem):
        declared_exposure(bad())
    module = types.ModuleType("fake_systems_module")
    module.Bad = bad  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "fake_systems_module", module)
    with pytest.raises(SystemNotFound, match=problem):
        load_path("fake_systems_module:Bad")


EXPECTED_BUILT_IN = {
    "rules": "developed",
    "spacy-sm": "developed",
    "stance-lr": "leave-one-out",
    "dateparser": "configured",
    "heideltime": "none",
    "recognizers-dates": "none",
    "spacy-md": "none",
    "spacy-sm-raw": "none",
    "llm": "none",  # zero-shot by default; k-shot builds declare "leave-one-out"
}


@pytest.mark.parametrize(("name", "level"), sorted(EXPECTED_BUILT_IN.items()))
def test_built_in_systems_are_classified(name: str, level: str) -> None:
    (ep,) = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    declared = declared_exposure(ep.load())  # the class: nothing is built or loaded
    assert declared.level == level
    assert declared.note


def test_every_registered_system_declares_an_exposure() -> None:
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert names == set(EXPECTED_BUILT_IN)


# ---------------------------------------------------------------- results files


@pytest.fixture
def perfect(mini_gold: Gold) -> dict[str, Any]:
    evaluation = evaluate(
        mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS)
    )
    return build_results(mini_gold, system="p", version="1", evaluation=evaluation, errors=[])


def test_results_carry_the_declaration(mini_gold: Gold, perfect: dict[str, Any]) -> None:
    assert perfect["system"]["exposure"] == UNDECLARED
    assert perfect["system"]["exposure_note"] == ""
    evaluation = evaluate(mini_gold, {}, frozenset({"entities"}))
    declared = build_results(
        mini_gold,
        system="d",
        version="1",
        evaluation=evaluation,
        errors=[],
        exposure=Exposure("none", "off the shelf"),
    )
    assert (declared["system"]["exposure"], declared["system"]["exposure_note"]) == (
        "none",
        "off the shelf",
    )
    assert validate_results(declared) == []


def test_results_schema_refuses_an_unknown_exposure(perfect: dict[str, Any]) -> None:
    data = copy.deepcopy(perfect)
    data["system"]["exposure"] = "clean"
    assert any("/system/exposure" in p for p in validate_results(data))


# ---------------------------------------------------------------- the leaderboard


def _as(data: dict[str, Any], name: str, exposure: str | None) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["system"]["name"] = name
    if exposure is None:  # a results file written before declarations existed
        del out["system"]["exposure"], out["system"]["exposure_note"]
    else:
        out["system"]["exposure"] = exposure
        out["system"]["exposure_note"] = f"{exposure} note"
    return out


@pytest.fixture
def results_dir(tmp_path: Path, perfect: dict[str, Any]) -> Path:
    results = tmp_path / "results"
    results.mkdir()
    for name, exposure in [
        ("fitted", "developed"),
        ("clean", "none"),
        ("mapped", "configured"),
        ("silent", UNDECLARED),
        ("old", None),
    ]:
        text = json.dumps(_as(perfect, name, exposure))
        (results / f"{name}.json").write_text(text, encoding="utf-8")
    return results


def _table_after(board: str, heading: str) -> list[str]:
    section = board.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    main_table = section.split(UNTUNED_LEAD, 1)[0]
    return [line for line in main_table.splitlines() if line.startswith("| ")][1:]


def test_exposure_column_and_untuned_tiers(results_dir: Path, mini_gold: Gold) -> None:
    board = render(load_results(results_dir, mini_gold.sha256), "sig", {})
    rows = _table_after(board, "Entities")
    main_rows = {r.split("|")[2].strip(): r.split("|")[3].strip() for r in rows}
    assert main_rows == {
        "fitted": "developed",
        "clean": "none",
        "mapped": "configured",
        "silent": "undeclared",
        "old": "undeclared",  # no declaration is never read as clean
    }
    entities = board.split("## Entities\n", 1)[1].split("\n## ", 1)[0]
    untuned = entities.split(UNTUNED_LEAD, 1)[1]
    untuned_names = {r.split("|")[2].strip() for r in untuned.splitlines() if r.startswith("| ")}
    assert untuned_names == {"System", "clean", "mapped"}
    for layer_title in ("Overall", "Temporal expressions", "Troop counts", "Stances"):
        assert UNTUNED_LEAD in board.split(f"## {layer_title}\n", 1)[1].split("\n## ", 1)[0]


def test_what_each_system_saw_is_listed(results_dir: Path, mini_gold: Gold) -> None:
    board = render(load_results(results_dir, mini_gold.sha256), "sig", {})
    section = board.split("## What each system saw\n", 1)[1].split("\n## ", 1)[0]
    assert "- clean (none): none note" in section
    assert "- old (undeclared): declares nothing" in section
    assert section.count("\n- ") + section.startswith("- ") == 5


def test_cli_systems_lists_exposure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["systems"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:4] == ["name", "version", "layers", "exposure"]
    rules = next(line for line in out.splitlines() if line.startswith("rules "))
    assert " developed " in rules


def test_untuned_tiers_say_so_when_there_is_none(
    tmp_path: Path, perfect: dict[str, Any], mini_gold: Gold
) -> None:
    results = tmp_path / "r"
    results.mkdir()
    (results / "f.json").write_text(json.dumps(_as(perfect, "f", "developed")), encoding="utf-8")
    board = render(load_results(results, mini_gold.sha256), "sig", {})
    assert board.count("_No untuned system here._") == 1 + len(LAYERS)


def test_restrict_keeps_the_named_exposures(results_dir: Path, mini_gold: Gold) -> None:
    loaded = load_results(results_dir, mini_gold.sha256)
    assert {e.name for e in restrict(loaded, UNTUNED).current} == {"clean", "mapped"}
    assert {e.name for e in restrict(loaded, [UNDECLARED]).current} == {"silent", "old"}


def _paths(results: Path, mini_copy: Path, board: Path) -> list[str]:
    return [
        "--results",
        str(results),
        "--leaderboard",
        str(board),
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
    ]


def test_cli_leaderboard_exposure_prints_only_those(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str], perfect: dict[str, Any]
) -> None:
    results = tmp_path / "res"
    results.mkdir()
    for name, exposure in [("fitted", "developed"), ("clean", "none"), ("mapped", "configured")]:
        text = json.dumps(_as(perfect, name, exposure))
        (results / f"{name}.json").write_text(text, encoding="utf-8")
    board = tmp_path / "LEADERBOARD.md"
    common = _paths(results, mini_copy, board)
    assert main(["leaderboard", "--exposure", "none,configured", *common]) == 0
    out = capsys.readouterr().out
    assert "Restricted to systems of exposure `none`, `configured`." in out
    assert "| clean " in out and "| mapped " in out and "fitted" not in out
    assert not board.exists()  # printed, never written over the leaderboard
    assert main(["leaderboard", *common]) == 0
    assert "fitted" in board.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "extra", [["--exposure", "clean"], ["--exposure", ","], ["--exposure", "none", "--check"]]
)
def test_cli_leaderboard_exposure_usage_errors(
    tmp_path: Path, mini_copy: Path, extra: list[str]
) -> None:
    common = _paths(tmp_path / "results", mini_copy, tmp_path / "L.md")
    assert main(["leaderboard", *extra, *common]) == 2


def test_cli_score_records_a_declared_exposure(tmp_path: Path, mini_copy: Path) -> None:
    source = tmp_path / "p.jsonl"
    doc_id = "900_00000000000000a1"  # a document of the mini corpus
    source.write_text(json.dumps({"doc_id": doc_id, "entities": []}) + "\n", encoding="utf-8")
    common = ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    results = tmp_path / "results"
    args = ["score", str(source), "--name", "x", "--results", str(results), *common]
    assert main([*args, "--exposure", "none", "--exposure-note", "a file from elsewhere"]) == 0
    system = json.loads((results / "x.json").read_text(encoding="utf-8"))["system"]
    assert (system["exposure"], system["exposure_note"]) == ("none", "a file from elsewhere")
    assert main([*args, "--exposure", "none"]) == 2  # a level without its note
    assert main([*args, "--exposure-note", "seen nothing"]) == 2  # a note without its level
    assert main([*args, "--exposure", "clean", "--exposure-note", "x"]) == 2
    assert main(args) == 0
    assert json.loads((results / "x.json").read_text())["system"]["exposure"] == UNDECLARED
