"""The main job from an empty cache, now against a baseline revision, in one run.

The README's main job is ``troopbench run --all`` (every installed built-in
system, on the articles and their contrast variants, then the leaderboard).
This script exports two revisions of the repository (``git archive``: the
baseline and ``HEAD``) into temporary folders and runs the main job in each,
one after the other, each with its own empty cache folder
(``TROOPBENCH_CACHE_DIR``), its code first on ``PYTHONPATH`` (the installed
entry points name modules, which then come from that copy), and the same
interpreter and installed packages. It prints each wall time, the ratio, and
whether the two runs wrote the same results files (they should: a faster
run must not change a score). The target: now at most one third of the
baseline. Each run's output goes to ``--log-dir`` if given.

Usage: ``python perf/bench_main_job.py [--baseline REV] [--log-dir DIR]``.
Takes as long as both main jobs (about half an hour for the baseline on two
busy cores).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from revisions import export

ROOT = Path(__file__).resolve().parent.parent
#: The last commit whose heideltime started a JVM per document.
BASELINE = "cf1eaff"


def main_job(tree: Path, cache: Path, log: Path | None) -> tuple[float, int]:
    """Wall seconds and exit status of ``troopbench run --all`` in ``tree``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    env["TROOPBENCH_CACHE_DIR"] = str(cache)
    out = log.open("w") if log is not None else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "benchmark.cli", "run", "--all"],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        return time.perf_counter() - started, done.returncode
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]


def same_results(a: Path, b: Path) -> list[str]:
    """Results files (``results/**/*.json``, predictions) that differ between two trees."""
    names = sorted(
        {p.relative_to(a).as_posix() for p in (a / "results").rglob("*") if p.is_file()}
        | {p.relative_to(b).as_posix() for p in (b / "results").rglob("*") if p.is_file()}
    )
    return [
        n
        for n in names
        if not ((a / n).is_file() and (b / n).is_file() and filecmp.cmp(a / n, b / n, False))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare against")
    parser.add_argument("--log-dir", type=Path, help="keep each run's output here")
    args = parser.parse_args()
    if args.log_dir is not None:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    figures: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="troopbench-mainjob-") as tmp:
        trees: dict[str, Path] = {}
        for label, revision in (("now", "HEAD"), ("baseline", args.baseline)):
            folder = Path(tmp) / label
            folder.mkdir()
            trees[label] = export(revision, folder)
            cache = folder / "cache"
            cache.mkdir()
            log = args.log_dir / f"main-job-{label}.log" if args.log_dir else None
            figures[label] = main_job(trees[label], cache, log)
            seconds, status = figures[label]
            print(f"{label} ({revision}): {seconds / 60:.1f} min, exit {status}", flush=True)
        differing = same_results(trees["now"], trees["baseline"])
    now, base = figures["now"][0], figures["baseline"][0]
    print(f"main job from an empty cache: baseline {args.baseline} {base / 60:.1f} min")
    print(f"main job from an empty cache: now {head} {now / 60:.1f} min")
    print(f"now / baseline: {now / base:.3f} ({base / now:.1f}x faster)")
    print(f"results files that differ between the two runs: {differing or 'none'}")
    met = now <= base / 3 and not differing and figures["now"][1] == 0
    print(f"target: now <= baseline / 3 with the same results: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
