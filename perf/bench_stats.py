"""Bootstrap intervals and paired randomization tests at leaderboard scale.

Builds 10 synthetic systems x 4 layers of per-unit counts shaped like the
real ones (89 paragraph units; each layer's fields from
:func:`benchmark.scoring.unit_fields`; each system's counts are Poisson draws
around the committed ``results/rules.json`` and ``results/spacy-sm.json``
per-unit rows, scaled per system, so magnitudes and sparsity match), then does
exactly the statistics ``LEADERBOARD.md`` needs, with :mod:`benchmark.stats`
and the leaderboard's own helper:

* per system and layer, bootstrap intervals of every F1 column plus the
  primary precision and recall (``benchmark.leaderboard._intervals``: one
  ``10,000 x 89`` weight-matrix product per layer, then one
  ``metric_values`` + ``np.quantile`` per metric);
* per layer, the significance tiers of the primary F1
  (``significance_tiers``: the paired approximate randomization tests of
  each tier's leader against the rest, 10,000 trials each);
* the overall column: the interval of the mean primary F1 of every system
  and its tiers.

Reported: the median wall time over ``--repeat`` runs (the bootstrap weight
matrix cache is cleared before each, so every run draws it again), the
number of intervals and paired tests, and two views of how much of the time
is spent outside numpy's array work:

* *fixed cost*: the same workload with 1 resample and 1 trial instead of
  10,000, where numpy's array work is negligible: what remains is Python
  (the harness's frames, numpy's Python wrappers, call dispatch), so
  ``fixed / full`` is an upper bound on the share outside numpy's kernels;
* *profile*: cProfile's own time per frame, grouped into troopbench's Python
  frames (which also carry the ndarray operators ``@ + - *`` they evaluate
  inline: cProfile cannot separate those), numpy's Python frames (wrappers
  such as ``np.quantile``) and numpy's C functions.

    python perf/bench_stats.py [--systems 10] [--trials 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmark import stats
from benchmark.layers import LAYERS
from benchmark.leaderboard import _intervals
from benchmark.scoring import PRIMARY, unit_fields
from benchmark.signature import StatsSettings
from benchmark.stats import (
    F1_METRICS,
    UnitCounts,
    confidence_interval,
    layer_statistic,
    mean_primary_statistic,
    significance_tiers,
)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ("rules", "spacy-sm")  # committed results that attempt all four layers


def templates() -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """Per layer, the mean per-unit rows of the committed results (or a fallback)."""
    mats: dict[str, list[np.ndarray]] = {layer: [] for layer in LAYERS}
    units: tuple[str, ...] = ()
    for name in TEMPLATES:
        path = ROOT / "results" / f"{name}.json"
        if not path.is_file():
            continue
        counts = UnitCounts.from_results(json.loads(path.read_text(encoding="utf-8")))
        units = units or counts.units
        if counts.units != units:
            continue
        for layer, matrix in counts.layers.items():
            mats[layer].append(matrix)
    out = {}
    rng = np.random.RandomState(7)
    n = len(units) or 89
    units = units or tuple(f"u{i}" for i in range(n))
    for layer in LAYERS:
        if mats[layer]:
            out[layer] = np.mean(mats[layer], axis=0)
        else:  # no committed results: sparse small counts of the right width
            out[layer] = rng.poisson(0.5, size=(n, len(unit_fields(layer)))).astype(float)
    return units, out


def synthetic_systems(n_systems: int, seed: int = 0) -> dict[str, UnitCounts]:
    units, base = templates()
    rng = np.random.RandomState(seed)
    systems = {}
    for k in range(n_systems):
        scale = 0.7 + 0.6 * k / max(1, n_systems - 1)  # systems of different quality
        layers = {
            layer: rng.poisson(matrix * rng.uniform(0.8, 1.2, size=matrix.shape[1]) * scale).astype(
                np.float64
            )
            for layer, matrix in base.items()
        }
        systems[f"system-{k:02d}"] = UnitCounts(units, layers)
    return systems


def leaderboard_statistics(
    systems: dict[str, UnitCounts], settings: StatsSettings
) -> dict[str, int]:
    """What ``leaderboard.build_board`` computes; returns how many of each."""
    done = {"intervals": 0, "tests": 0}
    real_test = stats.paired_test

    def counting_test(*args: Any, **kwargs: Any) -> Any:
        done["tests"] += 1
        return real_test(*args, **kwargs)

    stats.paired_test = counting_test  # significance_tiers calls it through the module
    try:
        for layer in LAYERS:
            prefix = PRIMARY[layer].removesuffix("_f1")
            keys = (*F1_METRICS[layer], f"{prefix}_precision", f"{prefix}_recall")
            for counts in systems.values():
                done["intervals"] += len(_intervals(counts, layer, keys, settings))
            significance_tiers(systems, layer_statistic(layer, PRIMARY[layer]), settings)
        mean = mean_primary_statistic(LAYERS)
        for counts in systems.values():
            confidence_interval(counts, mean, settings)
            done["intervals"] += 1
        significance_tiers(systems, mean, settings)
    finally:
        stats.paired_test = real_test
    return done


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        stats.resample_weights.cache_clear()
        stats.swap_weights.cache_clear()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def profile_split(fn: Callable[[], Any]) -> tuple[dict[str, float], dict[str, float]]:
    """cProfile own time grouped by where the frame lives; cumulative time of the draws."""
    stats.resample_weights.cache_clear()
    stats.swap_weights.cache_clear()
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    draws = {"draw_indices": 0.0, "draw_swaps": 0.0}
    groups = {
        "troopbench frames (incl. inline ndarray operators)": 0.0,
        "numpy Python frames": 0.0,
        "numpy C functions": 0.0,
        "other": 0.0,
    }
    for (filename, _, name), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        own = row[2]
        if filename.endswith("benchmark/stats.py") and name in draws:
            draws[name] += row[3]
        if "/benchmark/" in filename or "/perf/" in filename:
            groups["troopbench frames (incl. inline ndarray operators)"] += own
        elif "/numpy/" in filename:
            groups["numpy Python frames"] += own
        elif filename == "~" and ("numpy" in name or "ndarray" in name):
            groups["numpy C functions"] += own
        else:
            groups["other"] += own
    return groups, draws


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", type=int, default=10)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    systems = synthetic_systems(args.systems)
    n_units = len(next(iter(systems.values())).units)
    full = StatsSettings(bootstrap_trials=args.trials, permutation_trials=args.trials)
    tiny = StatsSettings(bootstrap_trials=1, permutation_trials=1)

    # bootstrap alone: the leaderboard's intervals, 10 systems x 4 layers
    def intervals_only() -> int:
        n = 0
        for layer in LAYERS:
            prefix = PRIMARY[layer].removesuffix("_f1")
            keys = (*F1_METRICS[layer], f"{prefix}_precision", f"{prefix}_recall")
            for counts in systems.values():
                n += len(_intervals(counts, layer, keys, full))
        return n

    boot_s, n_intervals = timed(intervals_only, args.repeat)
    total_s, done = timed(lambda: leaderboard_statistics(systems, full), args.repeat)
    fixed_s, _ = timed(lambda: leaderboard_statistics(systems, tiny), args.repeat)
    split, draws = profile_split(lambda: leaderboard_statistics(systems, full))
    profiled = sum(split.values())

    print(
        f"{args.systems} systems x {len(LAYERS)} layers, {n_units} units, "
        f"{args.trials:,} resamples / trials; median of {args.repeat} runs"
    )
    print(f"  bootstrap intervals only   {boot_s:7.3f} s  ({n_intervals} layer intervals)")
    print(
        f"  all leaderboard statistics {total_s:7.3f} s  ({done['intervals']} intervals, "
        f"{done['tests']} paired randomization tests)"
    )
    per_test = (total_s - boot_s) / max(1, done["tests"])
    print(
        f"  per paired test            {per_test * 1000:7.2f} ms"
        " (approx.: total minus bootstrap, over the tests)"
    )
    print(
        f"  same with 1 resample/trial {fixed_s:7.3f} s  = {fixed_s / total_s:.1%} of the total: "
        "fixed per-call cost outside numpy's array work (upper bound)"
    )
    print(f"  cProfile own time ({profiled:.3f} s under the profiler):")
    for group, seconds in split.items():
        print(f"    {group:<52} {seconds:7.3f} s  {seconds / profiled:6.1%}")
    for name, seconds in draws.items():
        label = f"random draws in stats.{name} (cumulative)"
        print(f"    {label:<52} {seconds:7.3f} s  {seconds / profiled:6.1%}")


if __name__ == "__main__":
    main()
