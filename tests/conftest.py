"""Shared fixtures: a small fixture corpus with gold, independent of gold/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmark.gold import Gold, load_gold

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


@pytest.fixture(scope="session")
def mini_gold() -> Gold:
    return load_gold(MINI / "gold", MINI / "seeds")


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini corpus (gold/ and seeds/)."""
    shutil.copytree(MINI, tmp_path / "mini")
    return tmp_path / "mini"
