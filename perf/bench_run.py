"""``troopbench run --all`` end to end: harness time against each system's time.

Runs ``troopbench run --all --no-cache --jobs 1`` on troopbench's own corpus
into a temporary results folder (never the repository's ``results/`` or
``LEADERBOARD.md``), each time in a fresh interpreter, ``--repeat`` times, and
prints the medians of:

* the wall time of the whole command, interpreter start-up included (measured
  by this script around the subprocess);
* per system: its *build* (starting its worker process and, there,
  importing its module and its libraries, loading models, training) and its
  *extraction* (the sum of the
  runner's per-document seconds, ``RunOutcome.seconds``);
* the harness: everything else, split into importing troopbench, loading
  and validating the gold, the runner's own work around extraction
  (threads, validating the outputs: ``run_system`` minus the per-document
  seconds), scoring, writing results and predictions, rebuilding the
  leaderboard (intervals, tiers, plots) and the rest;
* apart, the interpreter's start and exit (wall time minus the time inside
  the child): mostly the unloading of the systems' libraries at exit.

The split comes from wrapping those functions inside the child process (the
CLI imports them at call time, so wrapping the module attributes is enough).
Target: harness under 5% of the total.

Also printed: the wall time of the same command with ``--jobs 2`` (worker
processes, each building its system once) for comparison, and, since five
documents are too few for workers to pay for building their system, each
system's ``run_system`` with 1 and 2 jobs on the corpus repeated ``--scale``
times (results checked identical), plus a stand-in for a remote-API system
(``parallel = "thread"``, 0.1 s of waiting per document).

    python perf/bench_run.py [--repeat 5] [--jobs-compare 2] [--scale 10] [--scale-repeat 3]
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # first thing: the child's clock starts before any import

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def child(out_file: str, cli_args: list[str]) -> None:
    """Run the CLI in this process with timers around its phases."""
    import benchmark.cli as cli
    import benchmark.runner as runner

    imported = time.perf_counter()
    timers: dict[str, float] = defaultdict(float)
    per_system: dict[str, dict[str, float]] = {}

    def timed(label: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timers[label] += time.perf_counter() - started

        return wrapper

    real_open, real_run = cli._open_system, runner.run_system

    def open_system(ref: str, *args: Any) -> Any:
        started = time.perf_counter()
        supervisor = real_open(ref, *args)
        per_system[supervisor.info.name] = {"build": time.perf_counter() - started}
        return supervisor

    def run_system(system: Any, documents: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = real_run(system, documents, **kwargs)
        wall = time.perf_counter() - started
        extraction = sum(outcome.seconds.values())
        per_system[outcome.system]["extraction"] = extraction
        per_system[outcome.system]["documents"] = len(outcome.seconds)
        timers["runner around extraction"] += wall - extraction
        return outcome

    cli._open_system = open_system
    runner.run_system = run_system
    runner.score_outcome = timed("scoring", runner.score_outcome)
    runner.write_json_atomic = timed("writing results", runner.write_json_atomic)
    runner.write_predictions_atomic = timed("writing results", runner.write_predictions_atomic)
    cli._load_gold = timed("loading the gold", cli._load_gold)
    cli._rebuild_leaderboard = timed("leaderboard", cli._rebuild_leaderboard)
    cli._print_summary = timed("printing", cli._print_summary)
    started = time.perf_counter()
    code = cli.main(cli_args)
    ended = time.perf_counter()
    Path(out_file).write_text(
        json.dumps(
            {
                "code": code,
                "imports": imported - _STARTED,
                "main": ended - started,
                "in_process": ended - _STARTED,
                "timers": timers,
                "systems": per_system,
            }
        )
    )


def instrumented_run(cli_args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """``troopbench <cli_args>`` in a fresh interpreter, with the child's timers
    and the wall time measured here."""
    with tempfile.TemporaryDirectory(prefix="troopbench-bench-timings-") as tmp:
        out = Path(tmp) / "timings.json"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(out), *cli_args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        wall = time.perf_counter() - started
        data = json.loads(out.read_text())
    if data["code"] != 0:
        raise SystemExit(f"troopbench {' '.join(cli_args)} exited with {data['code']}")
    data["wall"] = wall
    return data


def one_run(jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="troopbench-bench-run-") as tmp:
        args = [
            "run",
            "--all",
            "--no-cache",
            "--jobs",
            str(jobs),
            "--results",
            str(Path(tmp) / "results"),
            "--leaderboard",
            str(Path(tmp) / "LEADERBOARD.md"),
        ]
        return instrumented_run(args, {"TROOPBENCH_CACHE_DIR": str(Path(tmp) / "cache")})


def split(data: dict[str, Any]) -> dict[str, Any]:
    wall = data["wall"]
    systems = {
        name: {"build": s["build"], "extraction": s.get("extraction", 0.0)}
        for name, s in data["systems"].items()
    }
    system_total = sum(s["build"] + s["extraction"] for s in systems.values())
    # the interpreter's own start and exit: tearing down the systems' libraries
    # (spaCy, scikit-learn, SciPy) at exit is most of it; counted apart
    exit_ = wall - data["in_process"]
    harness = {
        "importing troopbench": data["imports"],
        **data["timers"],
    }
    harness["other (argument parsing, the runner's set-up ...)"] = (
        wall - exit_ - system_total - sum(harness.values())
    )
    return {
        "wall": wall,
        "systems": systems,
        "harness": harness,
        "exit": exit_,
        "system_total": system_total,
        "harness_total": sum(harness.values()),
    }


def median_split(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(get: Any) -> float:
        return statistics.median(get(r) for r in runs)

    first = runs[0]
    return {
        "wall": med(lambda r: r["wall"]),
        "system_total": med(lambda r: r["system_total"]),
        "harness_total": med(lambda r: r["harness_total"]),
        "exit": med(lambda r: r["exit"]),
        "systems": {
            name: {k: med(lambda r, n=name, k=k: r["systems"][n][k]) for k in s}
            for name, s in first["systems"].items()
        },
        "harness": {k: med(lambda r, k=k: r["harness"][k]) for k in first["harness"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--jobs-compare",
        type=int,
        default=2,
        metavar="N",
        help="also time the run with --jobs N (0: skip)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=10,
        metavar="K",
        help="also compare the jobs on the corpus repeated K times (0: skip)",
    )
    parser.add_argument("--scale-repeat", type=int, default=3, metavar="N")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    one_run(1)  # warm the file cache
    runs = [split(one_run(1)) for _ in range(args.repeat)]
    m = median_split(runs)
    wall = m["wall"]
    print(f"troopbench run --all --no-cache --jobs 1: median of {args.repeat} runs")
    print(f"  {'total (wall, interpreter start-up included)':<46} {wall:7.3f} s")
    print("  systems:")
    for name, s in m["systems"].items():
        print(
            f"    {name:<14} build {s['build']:6.3f} s  extraction {s['extraction']:6.3f} s"
            f"  = {(s['build'] + s['extraction']) / wall:6.1%}"
        )
    print(f"    {'all systems':<42} {m['system_total']:7.3f} s  {m['system_total'] / wall:6.1%}")
    print("  harness:")
    for label, seconds in m["harness"].items():
        print(f"    {label:<42} {seconds:7.3f} s  {seconds / wall:6.1%}")
    share = m["harness_total"] / wall
    verdict = "under" if share < 0.05 else "OVER"
    print(
        f"    {'harness total':<42} {m['harness_total']:7.3f} s  {share:6.1%}"
        f"  ({verdict} the 5% target)"
    )
    exit_ = m["exit"]
    print(
        f"  {'interpreter start and exit (mostly unloading':<44} {exit_:7.3f} s  "
        f"{exit_ / wall:6.1%}"
    )
    print("   the systems' libraries; in neither share)")
    with_exit = (m["harness_total"] + exit_) / wall
    print(f"  harness share if start and exit are counted as harness: {with_exit:.1%}")
    if args.jobs_compare > 1:
        walls = [one_run(args.jobs_compare)["wall"] for _ in range(args.repeat)]
        w = statistics.median(walls)
        print(
            f"  with --jobs {args.jobs_compare}: total {w:.3f} s "
            f"({wall / w:.2f}x the speed of --jobs 1)"
        )
    if args.jobs_compare > 1 and args.scale > 0:
        scaled(args.scale, args.jobs_compare, args.scale_repeat)


class RemoteApi:
    """A stand-in for a system behind a network API: 0.1 s of waiting per document."""

    name = "remote-api"
    version = "1"
    layers = ("timexes",)
    parallel = "thread"

    def extract(self, document: Any) -> Any:
        from benchmark.predictions import Prediction

        time.sleep(0.1)
        return Prediction(document.doc_id, timexes=[])


def scaled(copies: int, jobs: int, repeat: int) -> None:
    """run_system with 1 and ``jobs`` jobs on the corpus repeated ``copies`` times
    (the copies get their own doc ids), per system, in this process, each run
    with a freshly built system (stance-lr keeps the models it trained); the
    worker processes build their system by its registered name, as the CLI's
    do, and that is timed."""
    import dataclasses

    from benchmark.gold import load_gold
    from benchmark.runner import run_system
    from benchmark.systems import SystemUnavailable, available_names, load_system

    base = [d.document for d in load_gold()]
    documents = [
        dataclasses.replace(d, doc_id=f"{d.doc_id}-{k}") for k in range(copies) for d in base
    ]
    print(
        f"run_system on {len(documents)} documents (the corpus {copies} times), "
        f"worker processes included: median of {repeat}"
    )

    def build(name: str) -> Any:  # a fresh system each run: no state carried over
        return RemoteApi() if name == "remote-api" else load_system(name)

    for name in [*available_names(), "remote-api"]:
        try:
            build(name)
        except SystemUnavailable:
            continue
        one, many = [], []
        for _ in range(repeat):
            system = build(name)
            started = time.perf_counter()
            serial = run_system(system, documents)
            one.append(time.perf_counter() - started)
            system = build(name)
            started = time.perf_counter()
            ref = None if name == "remote-api" else name
            parallel = run_system(system, documents, jobs=jobs, system_ref=ref)
            many.append(time.perf_counter() - started)
            same = serial.predictions == parallel.predictions and serial.errors == parallel.errors
            if not same or list(serial.predictions) != list(parallel.predictions):
                raise SystemExit(f"{name}: --jobs {jobs} gave other results than --jobs 1")
        a, b = statistics.median(one), statistics.median(many)
        print(
            f"  {name:<11} jobs 1 {a:7.3f} s   jobs {jobs} ({parallel.mode}) {b:7.3f} s"
            f"   {a / b:5.2f}x   (identical results)"
        )


if __name__ == "__main__":
    main()
