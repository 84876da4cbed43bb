"""The user's cached loop, now against a baseline revision, in one run.

Three commands a user repeats, each timed in a fresh interpreter, in a copy
of ``HEAD`` and in a copy of ``--baseline`` (``git archive``; the copy's code
first on ``PYTHONPATH``, so the installed entry points load it), each copy
with its own cache folder, warmed first:

* ``troopbench run rules`` with everything cached (predictions, and now the
  statistics), against the same with ``--no-leaderboard``: the ratio is what
  rebuilding LEADERBOARD.md costs (target: at most 2x);
* ``troopbench leaderboard --check`` on unchanged results (target: under 1 s);
* ``troopbench systems`` (target: under 0.5 s).

Each figure is the median of ``--repeat`` runs: wall seconds, and the CPU
seconds of the command's own process and its children (on a busy machine
the wall time also holds the waiting for a CPU; the CPU time does not).
Usage: ``python perf/bench_loop.py [--repeat 5] [--baseline REV]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from revisions import export, timed_cli

#: The commit before statistics were cached and systems listed without building.
BASELINE = "cf1eaff"

COMMANDS: dict[str, list[str]] = {
    "run rules (cached, leaderboard rebuilt)": ["run", "rules"],
    "run rules --no-leaderboard (cached)": ["run", "rules", "--no-leaderboard"],
    "leaderboard --check": ["leaderboard", "--check"],
    "systems": ["systems"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    figures: dict[tuple[str, str], tuple[float, float]] = {}
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="troopbench-loop-") as tmp:
        for label, revision in (("now", "HEAD"), ("baseline", args.baseline)):
            folder = Path(tmp) / label
            folder.mkdir()
            tree = export(revision, folder)
            cache = folder / "cache"
            cache.mkdir()
            # warm: predictions of rules cached, the leaderboard's figures kept (now)
            timed_cli(tree, cache, ["run", "rules"])
            timed_cli(tree, cache, ["leaderboard", "--check"])
            for name, command in COMMANDS.items():
                runs = [timed_cli(tree, cache, command) for _ in range(args.repeat)]
                if any(status != 0 for _, _, status in runs):
                    failed.append(f"{label}: {name}")
                figures[(label, name)] = (
                    statistics.median(w for w, _, _ in runs),
                    statistics.median(c for _, c, _ in runs),
                )
    print(f"medians of {args.repeat} runs; baseline {args.baseline}, now HEAD")
    print(f"{'command':<42} {'baseline wall/cpu':>20} {'now wall/cpu':>20}")
    for name in COMMANDS:
        b, n = figures[("baseline", name)], figures[("now", name)]
        print(f"{name:<42} {b[0]:>9.3f} / {b[1]:>6.3f} s {n[0]:>9.3f} / {n[1]:>6.3f} s")
    for label in ("baseline", "now"):
        full = figures[(label, "run rules (cached, leaderboard rebuilt)")]
        bare = figures[(label, "run rules --no-leaderboard (cached)")]
        print(
            f"{label}: run rules with the leaderboard / without: "
            f"{full[0] / bare[0]:.2f}x wall, {full[1] / bare[1]:.2f}x cpu"
        )
    now = {name: figures[("now", name)] for name in COMMANDS}
    ratio = (
        now["run rules (cached, leaderboard rebuilt)"][0]
        / (now["run rules --no-leaderboard (cached)"][0])
    )
    check, listing = now["leaderboard --check"][0], now["systems"][0]
    print(
        f"target run rules <= 2x --no-leaderboard: {ratio:.2f}x {'met' if ratio <= 2 else 'MISSED'}"
    )
    print(f"target leaderboard --check < 1 s: {check:.3f} s {'met' if check < 1 else 'MISSED'}")
    print(f"target systems < 0.5 s: {listing:.3f} s {'met' if listing < 0.5 else 'MISSED'}")
    if failed:
        print(f"commands that exited non-zero: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
