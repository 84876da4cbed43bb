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
    evaluation = evaluate(mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS))
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


def test_injection_in_results_is_rendered_harmless(tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]) -> None:
    evil = copy.deepcopy(perfect)
    evil["system"]["name"] = "x|y\n## Hacked <script>alert(1)</script> [a](http://x.invalid)"
    evil["system"]["version"] = "<b>1</b>|"
    evil["errors"] = [{"doc_id": "d", "item": "", "message": "<iframe>"}]
    write(tmp_path / "results", "evil", evil)
    text = board(tmp_path / "results", mini_gold)
    assert "<script>" not in text and "## Hacked" not in text and "](http" not in text and "<b>" not in text
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    # every row of a table has as many unescaped pipes as the header of its table
    for line in table_lines:
        assert "\n" not in line
    assert "x\\|y" in text


def test_ranking_not_attempted_and_overall(tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any],
                                           empty: dict[str, Any]) -> None:
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


def test_stale_and_broken_results_are_flagged(tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any]) -> None:
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
    ranked = text.split("## Stale results")[0]
    assert "oldsys" not in ranked
    assert "- oldsys (gold 000000000000)" in text
    assert "broken.json: not valid JSON" in text.replace("\\", "")
    assert "bad.json: /: 'signature' is a required property" in text.replace("\\", "")


def test_render_is_byte_stable(tmp_path: Path, mini_gold: Gold, perfect: dict[str, Any], empty: dict[str, Any]) -> None:
    write(tmp_path / "results", "empty", empty)
    write(tmp_path / "results", "perfect", perfect)
    first = board(tmp_path / "results", mini_gold)
    later = copy.deepcopy(perfect)
    later["date"] = "2030-01-01T00:00:00+00:00"
    write(tmp_path / "results", "perfect", later)
    assert board(tmp_path / "results", mini_gold) == first


def test_cli_leaderboard_check(tmp_path: Path, mini_copy: Path, perfect: dict[str, Any],
                               capsys: pytest.CaptureFixture[str]) -> None:
    results, board_path = tmp_path / "results", tmp_path / "LEADERBOARD.md"
    write(results, "perfect", perfect)
    common = ["--results", str(results), "--leaderboard", str(board_path),
              "--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    assert main(["leaderboard", *common]) == 0
    assert main(["leaderboard", "--check", *common]) == 0
    board_path.write_text(board_path.read_text() + "tampered\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["leaderboard", "--check", *common]) == 1
    assert "-tampered" in capsys.readouterr().out
