"""The predictions cache: a first run (empty cache) against a second (nothing changed).

Three measurements, each repeated ``--repeat`` times with a fresh temporary
cache folder (``TROOPBENCH_CACHE_DIR``) and results folder, medians printed:

1. ``troopbench run --all``, end to end, in a fresh interpreter: first run,
   second run, ratio; and, for the second run, where its time goes (system
   builds, which the cache cannot skip because a system's version, part of
   the key, is known only once it is built; the harness; interpreter exit);
2. ``troopbench run spacy-sm`` alone (the slowest system), end to end, the
   same way;
3. ``run_system`` on spacy-sm in this process, the system built once: the run
   itself, extraction (first) against cache reads (second).

Target: the second run at least 20x faster than the first.

    python perf/bench_cache.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import instrumented_run


def cli_pair(names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """First and second run of ``troopbench run NAMES`` sharing one fresh cache."""
    with tempfile.TemporaryDirectory(prefix="troopbench-bench-cache-") as tmp:
        args = [
            "run",
            *names,
            "--results",
            str(Path(tmp) / "results"),
            "--leaderboard",
            str(Path(tmp) / "LEADERBOARD.md"),
        ]
        env = {"TROOPBENCH_CACHE_DIR": str(Path(tmp) / "cache")}
        return instrumented_run(args, env), instrumented_run(args, env)


def in_process_pair(system: Any, documents: list[Any]) -> tuple[float, float]:
    from benchmark.cache import PredictionCache
    from benchmark.runner import run_system

    with tempfile.TemporaryDirectory(prefix="troopbench-bench-cache-") as tmp:
        cache = PredictionCache(tmp)
        started = time.perf_counter()
        first = run_system(system, documents, cache=cache)
        middle = time.perf_counter()
        second = run_system(system, documents, cache=cache)
        ended = time.perf_counter()
    assert first.cached == () and len(second.cached) == len(documents)
    assert first.predictions == second.predictions and first.errors == second.errors
    return middle - started, ended - middle


def report(label: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    first = statistics.median(a["wall"] for a, _ in pairs)
    second = statistics.median(b["wall"] for _, b in pairs)
    print(f"{label}")
    print(f"  first run  (empty cache)   {first:7.3f} s")
    print(
        f"  second run (all cached)    {second:7.3f} s   {first / second:5.1f}x faster"
        f"  ({'meets' if first / second >= 20 else 'MISSES'} the 20x target)"
    )
    builds = statistics.median(sum(s["build"] for s in b["systems"].values()) for _, b in pairs)
    extraction = statistics.median(
        sum(s.get("extraction", 0.0) for s in b["systems"].values()) for _, b in pairs
    )
    exit_ = statistics.median(b["wall"] - b["in_process"] for _, b in pairs)
    rest = second - builds - extraction - exit_
    print(
        f"  second run: system builds {builds:.3f} s, cache reads {extraction:.3f} s, "
        f"harness {rest:.3f} s, interpreter start and exit {exit_:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cli_pair(["--all"])  # warm the file cache
    report(
        f"troopbench run --all: median of {args.repeat}",
        [cli_pair(["--all"]) for _ in range(args.repeat)],
    )
    report(
        f"troopbench run spacy-sm: median of {args.repeat}",
        [cli_pair(["spacy-sm"]) for _ in range(args.repeat)],
    )

    from benchmark.gold import load_gold
    from benchmark.systems import load_system

    documents = [d.document for d in load_gold()]
    system = load_system("spacy-sm")
    in_process_pair(system, documents)  # warm spaCy up
    runs = [in_process_pair(system, documents) for _ in range(args.repeat)]
    first = statistics.median(a for a, _ in runs)
    second = statistics.median(b for _, b in runs)
    print(f"run_system(spacy-sm) in process, system already built: median of {args.repeat}")
    print(f"  first run  (extraction)    {first:7.3f} s")
    print(
        f"  second run (cache reads)   {second:7.3f} s   {first / second:5.1f}x faster"
        f"  ({'meets' if first / second >= 20 else 'MISSES'} the 20x target)"
    )


if __name__ == "__main__":
    main()
