"""LEADERBOARD.md: ranking, escaping of untrusted results, stale results, --check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.leaderboard import load_results, md_text, render
from benchmark.runner import build_results
from benchmark.scoring import evaluate


@pytest.fixture
def perfect(mini_gold: Gold) -> dict[str, Any]:
    evaluation = evaluate(
        mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS)
    )
    return build_results(mini_gold, system="perfect", version="1", evaluation=evaluation, errors=[])


@pytest.fixture
def empty(mini_gold: Gold) -> dict[str, Any]:
    evaluation = evaluate(mini_gold, {}, frozenset({"entities", "stances"}))
    return build_results(mini_gold, system="empty", version="0", evaluation=evaluation, errors=[])


def write(results: Path, name: str, data: dict[str, Any]) -> None:
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


def board(results: Path, gold: Gold) -> str:
    return render(load_results(results, gold.sha256), "sig", {})


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("evil|name", "evil|name"),
        ("line\nbreak | x", "\n"),
        ("<script>alert(1)</script>", "<script>"),
        ("[click](http://x.invalid)", "[click](http"),
        ("**bold** _it_ `code`", "**bold**"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("&lt;script&gt;", "&lt;script"),
    ],
)
def test_md_text_neutralises_markup(raw: str, forbidden: str) -> None:
    cell = md_text(raw)
    assert forbidden not in cell
    assert "\n" not in cell
    assert "|" not in cell.replace("\\|", "")


def test_injection_in_results_is_rendered_harmless(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]
) -> None:
    evil = copy.deepcopy(perfect)
    evil["system"]["name"] = "x|y\n## Hacked <script>alert(1)</script> [a](http://x.invalid)"
    evil["system"]["version"] = "<b>1</b>|"
    evil["errors"] = [{"doc_id": "d", "item": "", "message": "<iframe>"}]
    write(tmp_path / "results", "evil", evil)
    text = board(tmp_path / "results", mini_gold)
    assert (
        "<script>" not in text
        and "## Hacked" not in text
        and "](http" not in text
        and "<b>" not in text
    )
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    # every row of a table has as many unescaped pipes as the header of its table
    for line in table_lines:
        assert "\n" not in line
    assert "x\\|y" in text


def test_ranking_not_attempted_and_overall(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any], empty: dict[str, Any]
) -> None:
    write(tmp_path / "results", "perfect", perfect)
    write(tmp_path / "results", "empty", empty)
    text = board(tmp_path / "results", mini_gold)
    entities = text.split("## Entities")[1].split("## ")[0]
    assert entities.index("perfect") < entities.index("empty")
    troops = text.split("## Troop counts")[1].split("## ")[0]
    assert "empty" not in troops  # not attempted: not ranked as zero
    assert "- empty: temporal expressions, troop counts" in text
    overall = text.split("## Overall")[1].split("## ")[0]
    assert "perfect" in overall and "empty" not in overall


def test_stale_and_broken_results_are_flagged(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]
) -> None:
    stale = copy.deepcopy(perfect)
    stale["system"]["name"] = "oldsys"
    stale["signature"]["gold_hash"] = "0" * 64
    write(tmp_path / "results", "old", stale)
    write(tmp_path / "results", "perfect", perfect)
    (tmp_path / "results" / "broken.json").write_text("{", encoding="utf-8")
    bad = copy.deepcopy(perfect)
    del bad["signature"]
    write(tmp_path / "results", "bad", bad)
    text = board(tmp_path / "results", mini_gold)
    ranked = text.split("## Not comparable")[0]
    assert "oldsys" not in ranked
    assert f"- oldsys (gold 000000000000 \\(current: {mini_gold.short_hash}\\))" in text
    assert "broken.json: not valid JSON" in text.replace("\\", "")
    assert "bad.json: /: 'signature' is a required property" in text.replace("\\", "")


def test_render_is_byte_stable(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any], empty: dict[str, Any]
) -> None:
    write(tmp_path / "results", "empty", empty)
    write(tmp_path / "results", "perfect", perfect)
    first = board(tmp_path / "results", mini_gold)
    later = copy.deepcopy(perfect)
    later["date"] = "2030-01-01T00:00:00+00:00"
    write(tmp_path / "results", "perfect", later)
    assert board(tmp_path / "results", mini_gold) == first


def test_cli_leaderboard_check(
    tmp_path: Path, mini_copy: Path, perfect: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    results, board_path = tmp_path / "results", tmp_path / "LEADERBOARD.md"
    write(results, "perfect", perfect)
    common = [
        "--results",
        str(results),
        "--leaderboard",
        str(board_path),
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
    ]
    assert main(["leaderboard", *common]) == 0
    assert main(["leaderboard", "--check", *common]) == 0
    board_path.write_text(board_path.read_text() + "tampered\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["leaderboard", "--check", *common]) == 1
    assert "-tampered" in capsys.readouterr().out


# ------------------------------------------------------------------ intervals, tiers, compare


def test_every_f1_carries_an_interval_and_systems_get_tiers(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any], empty: dict[str, Any]
) -> None:
    write(tmp_path / "results", "perfect", perfect)
    write(tmp_path / "results", "empty", empty)
    text = board(tmp_path / "results", mini_gold)
    entities = text.split("## Entities")[1].split("## ")[0]
    header = next(line for line in entities.splitlines() if line.startswith("| Tier"))
    assert "Rank" not in header and "F1 (95% CI)" in header and "exact F1 (95% CI)" in header
    row = next(line for line in entities.splitlines() if "| perfect" in line)
    assert "**1.000** (1.000\u20131.000)" in row
    empty_row = next(line for line in entities.splitlines() if "| empty" in line)
    assert "**0.000** (0.000\u20130.000)" in empty_row
    # six units of which four hold entities: perfect vs nothing is not significant (p = 2/16)
    assert row.split("|")[1].strip() == empty_row.split("|")[1].strip() == "1"
    assert "paired approximate randomization" in text and "bootstrap" in text


def test_results_without_unit_counts_are_stale(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]
) -> None:
    old = copy.deepcopy(perfect)
    old["system"]["name"] = "oldformat"
    for layer in old["layers"].values():
        del layer["per_unit"]
    write(tmp_path / "results", "old", old)
    write(tmp_path / "results", "perfect", perfect)
    loaded = load_results(tmp_path / "results", mini_gold.sha256)
    assert [e.name for e in loaded.current] == ["perfect"]
    assert loaded.stale_reasons == (
        "no usable per-unit counts: entities: no per-unit counts (scored by an older troopbench)",
    )
    text = board(tmp_path / "results", mini_gold)
    assert "- oldformat (no usable per\\-unit counts" in text
    assert "oldformat" not in text.split("## Not comparable")[0]


def test_leaderboard_statistics_are_byte_stable(
    tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]
) -> None:
    from test_units import noisy

    write(tmp_path / "results", "perfect", perfect)
    for seed in (1, 2):
        ev = evaluate(mini_gold, noisy(mini_gold, seed), frozenset(LAYERS))
        write(
            tmp_path / "results",
            f"n{seed}",
            build_results(mini_gold, system=f"n{seed}", version="1", evaluation=ev, errors=[]),
        )
    first = board(tmp_path / "results", mini_gold)
    assert board(tmp_path / "results", mini_gold) == first
    assert "| 1 " in first


def test_cli_compare(
    tmp_path: Path,
    perfect: dict[str, Any],
    empty: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = tmp_path / "results"
    write(results, "perfect", perfect)
    write(results, "empty", empty)
    assert (
        main(["compare", "perfect", "perfect", "--results", str(results), "--trials", "999"]) == 0
    )
    out = capsys.readouterr().out
    assert "1.0000" in out and "overall" in out and "trials" in out
    assert all(
        " no" in line for line in out.splitlines() if line.startswith(("entities", "stances"))
    )
    assert main(["compare", "perfect", "empty", "--results", str(results), "--trials", "999"]) == 0
    out = capsys.readouterr().out
    assert "not attempted by empty" in out and "+1.000" in out
    assert main(["compare", "perfect", "ghost", "--results", str(results)]) == 2
    stale = copy.deepcopy(perfect)
    stale["signature"]["gold_hash"] = "0" * 64
    write(results, "stale", stale)
    assert main(["compare", "perfect", "stale", "--results", str(results)]) == 1
    assert "were scored differently, so they cannot be compared: gold" in capsys.readouterr().err


def test_notes_preamble_and_sections(tmp_path: Path) -> None:
    from benchmark.leaderboard import PREAMBLE, read_notes

    path = tmp_path / "NOTES.md"
    path.write_text(
        "# Title\n\nBefore the tables.\n\n## entities\n\nAbout entities.\n\n## stances\n",
        encoding="utf-8",
    )
    notes = read_notes(path)
    assert notes == {PREAMBLE: "Before the tables.", "entities": "About entities."}
