"""The main job's parts, system by system, now against a baseline revision, in one run.

``bench_main_job.py`` times the whole main job (``run --all`` from an empty
cache: about half an hour per revision on two busy CPUs). This script is its
short form: each installed system is run alone with ``--no-cache`` on the
five articles (``--suite original``), in a copy of ``--baseline`` with
``--jobs 1`` (the baseline's default for ``run --all``) and in a copy of
``HEAD`` with ``--jobs 1`` and with ``--jobs`` set to the CPUs it may use
(``HEAD``'s default for ``run --all``). ``--suite all`` runs them on the
main job's 205 documents (articles and contrast variants) instead. Each copy has its own empty cache
folder and writes into a temporary results folder. Each figure is the median
of ``--repeat`` runs: wall seconds, and the CPU seconds of the command and
its children (worker processes, a JVM, TreeTagger). Whether the two
revisions wrote the same predictions is printed per system.

Usage: ``python perf/bench_main_job_parts.py [--repeat 3] [--baseline REV] [--systems a,b]
[--suite original|all]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from revisions import export, timed_cli

#: main before recognizers-dates built its model once and ``run --all`` used every CPU.
BASELINE = "23830cd"
SYSTEMS = (
    "dateparser",
    "heideltime",
    "recognizers-dates",
    "rules",
    "spacy-md",
    "spacy-sm",
    "spacy-sm-raw",
    "stance-lr",
)


def timed(
    tree: Path, out: Path, system: str, jobs: int, suite: str = "original"
) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (the command and its children), predictions written."""
    results = out / "results"
    args = [
        "run", system, "--no-cache", "--suite", suite, "--no-leaderboard",
        "--jobs", str(jobs), "--results", str(results),
    ]  # fmt: skip
    wall, cpu, _ = timed_cli(tree, out / "cache", args)
    written = results / f"{system}.predictions.jsonl"
    return wall, cpu, written.read_bytes() if written.exists() else b""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument(
        "--suite",
        choices=("original", "all"),
        default="original",
        help="all: the five articles and the 200 variants, as in the main job (slow)",
    )
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    print(f"load average at start: {os.getloadavg()}, CPUs: {cpus}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.baseline, Path(tmp) / "base")
        head = export("HEAD", Path(tmp) / "head")
        runs = {"before, jobs 1": (base, 1), "now, jobs 1": (head, 1)}
        runs[f"now, jobs {cpus}"] = (head, cpus)
        header = " | ".join(f"{label}: wall / CPU s" for label in runs)
        print(f"| system | {header} | same predictions |", flush=True)
        totals = {label: [0.0, 0.0] for label in runs}
        for system in args.systems.split(","):
            cells = []
            outputs = set()
            for label, (tree, jobs) in runs.items():
                walls, cpus_used = [], []
                for i in range(args.repeat):
                    out = Path(tmp) / f"{system}-{label.replace(' ', '').replace(',', '')}-{i}"
                    wall, cpu, written = timed(tree, out, system, jobs, args.suite)
                    walls.append(wall)
                    cpus_used.append(cpu)
                    outputs.add(written)
                wall, cpu = statistics.median(walls), statistics.median(cpus_used)
                totals[label][0] += wall
                totals[label][1] += cpu
                cells.append(f"{wall:.2f} / {cpu:.2f}")
            same = "yes" if len(outputs) == 1 and b"" not in outputs else "NO"
            print(f"| {system} | {' | '.join(cells)} | {same} |", flush=True)
        cells = [f"{w:.2f} / {c:.2f}" for w, c in totals.values()]
        print(f"| **sum** | {' | '.join(cells)} | |", flush=True)
    print(f"load average at end: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
