"""The Robustness section renders from results files with core dependencies only: the
suite's hash, seeds, faker version and units come from the contrast results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.gold import Gold, load_gold
from benchmark.variants.results import contrast_dir
from benchmark.variants.robustness import recorded_suite

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


@pytest.fixture(scope="module")
def gold() -> Gold:
    return load_gold()


def test_the_committed_contrast_results_are_of_the_current_suite(gold: Gold) -> None:
    """What the leaderboard reads from the results is what the code generates now."""
    pytest.importorskip("faker")
    from benchmark.variants.robustness import suite_facts

    recorded = recorded_suite(contrast_dir(RESULTS), gold)
    assert recorded is not None
    assert recorded == suite_facts(gold)


def test_recorded_suite_takes_the_suite_of_most_files(tmp_path: Path, gold: Gold) -> None:
    assert recorded_suite(tmp_path, gold) is None  # no files
    names = sorted(p.name for p in contrast_dir(RESULTS).glob("*.json"))[:3]
    for name in names:
        shutil.copy(contrast_dir(RESULTS) / name, tmp_path / name)
    first = recorded_suite(tmp_path, gold)
    assert first is not None
    # one file of another suite (its block says so) is outvoted
    data = json.loads((tmp_path / names[0]).read_text(encoding="utf-8"))
    data["suite"]["hash"] = "0" * 64
    (tmp_path / names[0]).write_text(json.dumps(data), encoding="utf-8")
    assert recorded_suite(tmp_path, gold) == first
    other = Gold(gold.registry, gold.documents, "another gold")
    assert recorded_suite(tmp_path, other) is None


@pytest.mark.slow
def test_leaderboard_check_without_faker(tmp_path: Path) -> None:
    """faker cannot be imported: the committed LEADERBOARD.md is still up to date,
    Robustness section included."""
    code = (
        "import sys; sys.modules['faker'] = None\n"  # any `import faker` now fails
        "from benchmark.cli import main\n"
        f"sys.exit(main(['leaderboard', '--check', '--results', {str(RESULTS)!r}, "
        f"'--leaderboard', {str(ROOT / 'LEADERBOARD.md')!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "are up to date" in done.stdout
