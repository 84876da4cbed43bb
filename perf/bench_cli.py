"""CLI start-up: ``troopbench --help`` against ``python -c pass`` on the same machine.

Target: ``troopbench --help`` within 150 ms of a bare interpreter start.
Runs each command ``--repeat`` times alternately (so both see the same machine
load) and prints the medians and their difference.

    python perf/bench_cli.py [--repeat 21]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    exe = shutil.which("troopbench")
    help_cmd = [exe, "--help"] if exe else [sys.executable, "-m", "benchmark.cli", "--help"]
    baseline_cmd = [sys.executable, "-c", "pass"]
    timed(help_cmd), timed(baseline_cmd)  # warm the file cache
    base, cli = [], []
    for _ in range(args.repeat):
        base.append(timed(baseline_cmd))
        cli.append(timed(help_cmd))
    b, c = statistics.median(base), statistics.median(cli)
    print(f"python -c pass      median {b * 1000:7.1f} ms")
    print(f"troopbench --help   median {c * 1000:7.1f} ms")
    verdict = "within" if c - b <= 0.150 else "OVER"
    print(f"difference                 {(c - b) * 1000:7.1f} ms  ({verdict} the 150 ms target)")


if __name__ == "__main__":
    main()
