"""Precision-recall SVG plots: well-formed, escaped, byte-stable, checked by --check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_units import noisy

from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.plots import PRPoint, pr_plot_svg
from benchmark.runner import build_results
from benchmark.scoring import evaluate

SVG = "{http://www.w3.org/2000/svg}"


def point(label: str, p: float, r: float, tier: int = 1) -> PRPoint:
    f = 2 * p * r / (p + r)
    return PRPoint(
        label, p, r, (p - 0.1, p + 0.05), (r - 0.2, min(1.0, r + 0.1)), f, (f - 0.1, f + 0.1), tier
    )


def test_plot_is_well_formed_and_has_one_marker_per_system() -> None:
    svg = pr_plot_svg(
        "Entities: strict F1", [point("a", 0.8, 0.6), point("b", 0.5, 0.7, 2)], "note"
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    groups = root.findall(f"{SVG}g")
    assert sorted(g.get("data-n") for g in groups) == ["1", "2"]
    assert len(groups[0].findall(f"{SVG}line")) == 6  # two bars and four caps
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "a (1): 0.686 [0.586, 0.786]" in texts and any(
        t and t.startswith("b (2)") for t in texts
    )
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing external


def test_plot_escapes_untrusted_names() -> None:
    svg = pr_plot_svg("t", [point("<script>alert(1)</script>&", 0.5, 0.5)])
    assert "<script" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert any("<script>" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_plot_is_byte_stable_and_handles_no_systems() -> None:
    points = [point("x", 0.333333333, 0.9999999)]
    assert pr_plot_svg("t", points) == pr_plot_svg("t", points)
    empty = pr_plot_svg("t", [])
    assert "No system attempted this layer." in empty
    ET.fromstring(empty)


def test_values_outside_the_axes_are_clipped() -> None:
    svg = pr_plot_svg("t", [PRPoint("x", 1.0, 0.0, (0.9, 1.2), (-0.3, 0.1), 0.0, (0.0, 0.0))])
    for line in ET.fromstring(svg).iter(f"{SVG}line"):
        for attr in ("x1", "x2", "y1", "y2"):
            assert float(line.get(attr, "0")) >= 0


@pytest.fixture
def board(tmp_path: Path, mini_copy: Path, mini_gold: Gold) -> tuple[list[str], Path]:
    results = tmp_path / "results"
    results.mkdir()
    for seed in (1, 2):
        ev = evaluate(mini_gold, noisy(mini_gold, seed), frozenset(LAYERS))
        data: dict[str, Any] = build_results(
            mini_gold, system=f"noisy{seed}", version="1", evaluation=ev, errors=[]
        )
        (results / f"noisy{seed}.json").write_text(json.dumps(data), encoding="utf-8")
    common = [
        "--results",
        str(results),
        "--leaderboard",
        str(tmp_path / "LEADERBOARD.md"),
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
        "--bootstrap",
        "500",
        "--trials",
        "500",
    ]
    return common, tmp_path


def test_leaderboard_writes_and_links_the_plots(board: tuple[list[str], Path]) -> None:
    common, root = board
    assert main(["leaderboard", *common]) == 0
    text = (root / "LEADERBOARD.md").read_text(encoding="utf-8")
    for layer in LAYERS:
        svg = root / "docs" / "leaderboard" / f"{layer}.svg"
        assert svg.is_file()
        assert f"](docs/leaderboard/{layer}.svg)" in text  # relative to LEADERBOARD.md
        ET.fromstring(svg.read_text(encoding="utf-8"))
    first = {p.name: p.read_bytes() for p in (root / "docs" / "leaderboard").iterdir()}
    assert main(["leaderboard", *common]) == 0
    assert first == {p.name: p.read_bytes() for p in (root / "docs" / "leaderboard").iterdir()}


def test_check_detects_stale_and_missing_plots(
    board: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    common, root = board
    assert main(["leaderboard", *common]) == 0
    assert main(["leaderboard", "--check", *common]) == 0
    plot = root / "docs" / "leaderboard" / "timexes.svg"
    plot.write_text(plot.read_text(encoding="utf-8").replace("recall", "RECALL"), encoding="utf-8")
    capsys.readouterr()
    assert main(["leaderboard", "--check", *common]) == 1
    assert "timexes.svg differs from the results" in capsys.readouterr().out
    plot.unlink()
    assert main(["leaderboard", "--check", *common]) == 1
    assert "timexes.svg is missing" in capsys.readouterr().out
    assert main(["leaderboard", *common]) == 0
    # a plot goes stale when the statistics settings change, too
    assert main(["leaderboard", "--check", *common[:-1], "501"]) == 1


def test_custom_plot_folder(board: tuple[list[str], Path]) -> None:
    common, root = board
    assert main(["leaderboard", *common, "--plots", str(root / "img")]) == 0
    assert (root / "img" / "stances.svg").is_file()
    assert "](img/stances.svg)" in (root / "LEADERBOARD.md").read_text(encoding="utf-8")
