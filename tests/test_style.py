"""The code base stays ruff clean: lint rules and formatting, as configured in pyproject.toml.

ruff is pinned in the ``test`` extra, so a new ruff release with other
formatting opinions cannot turn this red on its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("ruff", reason="ruff comes with the test extra: pip install -e '.[test]'")


@pytest.mark.parametrize(
    "command", [["check", "--output-format", "concise"], ["format", "--check"]], ids=" ".join
)
def test_ruff(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"ruff {' '.join(command)} found problems:\n{proc.stdout}"
