"""Outputs are byte-stable and keep the user's umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from benchmark.atomic import write_text_atomic
from benchmark.cache import PredictionCache
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.runner import run_system


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    write_text_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "new"


def test_a_rerun_changes_no_byte(tmp_path: Path, mini_copy: Path) -> None:
    argv = [
        "run",
        "test_hostile_systems:Clean",
        "--no-cache",
        "--results",
        str(tmp_path / "results"),
        "--leaderboard",
        str(tmp_path / "LEADERBOARD.md"),
        "--leaderboard-rebuild",  # there is none yet
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
    ]
    assert main(argv) == 0
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file() and "mini" not in p.parts)
    before = {p: p.read_bytes() for p in files}
    assert main(argv) == 0
    after = {p: p.read_bytes() for p in files}
    assert after == before
    assert len(before) >= 7  # results, predictions, LEADERBOARD.md, four plots


SYSTEM_SOURCE = """
from benchmark.predictions import EntityPrediction, Prediction


class S:
    name = "edited"
    version = "1"
    layers = ("entities",)

    def extract(self, document):
        return Prediction(document.doc_id, entities=[EntityPrediction("{type}", 0, 3)])
"""


def test_editing_a_system_without_a_new_version_misses_the_cache(
    tmp_path: Path, mini_gold: Gold, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "edited_sys.py"
    cache = PredictionCache(tmp_path / "cache")
    docs = [d.document for d in mini_gold]
    module.write_text(SYSTEM_SOURCE.replace("{type}", "ORG"), encoding="utf-8")
    first = run_system(None, docs, system_ref="edited_sys:S", cache=cache)
    again = run_system(None, docs, system_ref="edited_sys:S", cache=cache)
    assert first.cached == () and len(again.cached) == len(docs)
    module.write_text(SYSTEM_SOURCE.replace("{type}", "GPE"), encoding="utf-8")
    edited = run_system(None, docs, system_ref="edited_sys:S", cache=cache)
    assert edited.cached == ()
    assert {e.type for p in edited.predictions.values() for e in p.entities or ()} == {"GPE"}
