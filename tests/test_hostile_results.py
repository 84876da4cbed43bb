"""Hostile results files: only equal scoring signatures are ranked or compared.

A results file scored by another matcher or another troopbench version goes
to the "not comparable" list with the differing fields named; an unreadable
or hand-edited one (a NaN, an F1 its counts do not give) is listed as
unreadable; two files for one system name are an error. ``leaderboard`` and
``leaderboard --check`` say so on the terminal and exit 1; ``compare``
refuses, naming the fields.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.leaderboard import load_results
from benchmark.runner import build_results
from benchmark.scoring import evaluate
from benchmark.signature import MATCH_SETTINGS


@pytest.fixture
def perfect(mini_gold: Gold) -> dict[str, Any]:
    evaluation = evaluate(
        mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS)
    )
    return build_results(mini_gold, system="perfect", version="1", evaluation=evaluation, errors=[])


def write(folder: Path, name: str, data: dict[str, Any] | str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data)
    (folder / f"{name}.json").write_text(text, encoding="utf-8")


def other_matcher(data: dict[str, Any]) -> None:
    data["signature"]["settings"]["ent"] = "conll-exact"


def other_version(data: dict[str, Any]) -> None:
    data["signature"]["version"] = "0.0.1"


def forged_f1(data: dict[str, Any]) -> None:
    data["layers"]["entities"]["metrics"]["strict_f1"] = 0.5


INCOMPARABLE = [
    (other_matcher, f"ent conll-exact (current: {MATCH_SETTINGS['ent']})"),
    (other_version, "troopbench 0.0.1 (current: "),
]


def leaderboard(mini: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "leaderboard",
            *extra,
            "--results",
            str(out / "results"),
            "--leaderboard",
            str(out / "LEADERBOARD.md"),
            "--gold",
            str(mini / "gold"),
            "--seeds",
            str(mini / "seeds"),
            "--bootstrap",
            "200",
            "--trials",
            "200",
        ]
    )


@pytest.mark.parametrize(
    ("spoil", "field"), INCOMPARABLE, ids=[s.__name__ for s, _ in INCOMPARABLE]
)
def test_another_signature_is_not_ranked(
    spoil: Any,
    field: str,
    perfect: dict[str, Any],
    mini_gold: Gold,
    mini_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = copy.deepcopy(perfect)
    other["system"]["name"] = "zzsys"
    spoil(other)
    write(tmp_path / "results", "perfect", perfect)
    write(tmp_path / "results", "zzsys", other)
    loaded = load_results(tmp_path / "results", mini_gold.sha256)
    assert [e.name for e in loaded.current] == ["perfect"]
    assert [e.name for e in loaded.stale] == ["zzsys"]
    assert field in loaded.stale_reasons[0]
    capsys.readouterr()
    assert leaderboard(mini_copy, tmp_path) == 1
    err = capsys.readouterr().err
    assert "zzsys.json: not comparable" in err and field in err
    text = (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "zzsys" not in text.split("## Not comparable")[0]
    assert leaderboard(mini_copy, tmp_path, "--check") == 1  # up to date, but not clean
    assert "not comparable" in capsys.readouterr().err
    argv = ["compare", "perfect", "zzsys", "--results", str(tmp_path / "results")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "cannot be compared" in err and f"{field.split()[0]} " in err


@pytest.mark.parametrize(
    ("label", "spoil", "reason"),
    [
        ("nan", lambda t: re.sub(r'("strict_f1": )[0-9.]+', r"\1NaN", t, count=1), "NaN is not"),
        ("forged", None, "strict_f1 is 0.5 but its counts give 1.0; the file was edited"),
        ("truncated", lambda t: t[: len(t) // 2], "not valid JSON"),
        ("deep", lambda t: "[" * 100_000 + "]" * 100_000, "nested deeper"),
    ],
)
def test_unreadable_or_edited_results_are_reported(
    label: str,
    spoil: Any,
    reason: str,
    perfect: dict[str, Any],
    mini_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(tmp_path / "results", "perfect", perfect)
    bad = copy.deepcopy(perfect)
    bad["system"]["name"] = "bad"
    original = json.dumps(bad)
    if spoil is None:
        forged_f1(bad)
        text = json.dumps(bad)
    else:
        text = spoil(original)
    assert text != original
    write(tmp_path / "results", "bad", text)
    capsys.readouterr()
    assert leaderboard(mini_copy, tmp_path) == 1
    err = capsys.readouterr().err
    assert "bad.json: unreadable" in err and reason in err
    assert leaderboard(mini_copy, tmp_path, "--check") == 1
    argv = ["compare", "perfect", "bad", "--results", str(tmp_path / "results")]
    assert main(argv) == 2
    assert reason in capsys.readouterr().err


def test_two_results_for_one_name_are_an_error(
    perfect: dict[str, Any], mini_gold: Gold, mini_copy: Path, tmp_path: Path
) -> None:
    write(tmp_path / "results", "perfect", perfect)
    write(tmp_path / "results", "copy", perfect)
    loaded = load_results(tmp_path / "results", mini_gold.sha256)
    assert loaded.current == ()
    assert sorted(name for name, _ in loaded.broken) == ["copy.json", "perfect.json"]
    assert all("is also in" in problem for _, problem in loaded.broken)
    assert leaderboard(mini_copy, tmp_path) == 1


def test_a_clean_results_folder_passes_check(
    perfect: dict[str, Any], mini_copy: Path, tmp_path: Path
) -> None:
    write(tmp_path / "results", "perfect", perfect)
    assert leaderboard(mini_copy, tmp_path) == 0
    assert leaderboard(mini_copy, tmp_path, "--check") == 0
