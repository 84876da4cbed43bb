"""Shared by the perf scripts: another revision's tree, and a timed troopbench command in it.

The scripts run as ``python perf/NAME.py``, so this folder is on ``sys.path``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(revision: str, folder: Path) -> Path:
    """The tree of ``revision`` (``git archive``) under ``folder``, which is made if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "tree.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), revision],
        check=True,
    )
    tree = folder / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()
    return tree


def timed_cli(tree: Path, cache: Path, args: list[str]) -> tuple[float, float, int]:
    """``troopbench ARGS`` run from ``tree``'s code with its cache in ``cache``: wall
    seconds, CPU seconds (user + system, the command and its children), exit status."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    env["TROOPBENCH_CACHE_DIR"] = str(cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode
