"""The contrast suite's costs: generating variants, running on them, scoring them.

Three figures, each against a baseline measured in the same run:

1. *generation*: time per variant document of ``build_suite`` (every
   document x transformation x seed), against the time per document of
   ``load_gold`` (reading and validating the original gold);
2. *run*: ``troopbench run --all --suite all`` end to end against
   ``--suite original``, both with an empty predictions cache, as subprocesses
   (``--no-leaderboard``; the leaderboard is timed on its own); reported per
   document;
3. *scoring and statistics*: everything the results and the leaderboard
   compute for one system (per-variant scoring with ``evaluate_suite``, the
   per-unit count matrix, the bootstrap interval and a paired test of the
   primary F1 of every layer) on the 200 variant documents against the same on
   the 5 originals, with the committed ``rules`` predictions; reported per
   document: the ratio must stay near 1 (flat cost per document).

It also prints the sample standard deviation over seeds of every committed
contrast result (system x layer) and the standard error of the mean over
seeds it implies for N = 5, 10 and 20 seeds: the figure behind N = 10.

    python perf/bench_variants.py [--repeat 3] [--skip-run]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generation(repeat: int) -> None:
    from benchmark.gold import load_gold
    from benchmark.variants import build_suite

    gold = load_gold()
    load = _median(load_gold, repeat) / len(gold.documents)
    suite = build_suite(gold)
    gen = _median(lambda: build_suite(gold), repeat) / len(suite.variants)
    print("1. generation (median of", repeat, "runs)")
    print(f"   load_gold, per original document      {load * 1000:8.1f} ms")
    print(f"   build_suite, per variant document     {gen * 1000:8.1f} ms")
    print(f"   ratio variant / original              {gen / load:8.2f}")
    per_t: dict[str, float] = {}
    from benchmark.variants.suite import make_variant

    for name in ("dates", "names", "numbers", "all"):
        start = time.perf_counter()
        for doc_id in gold.documents:
            for seed in range(10):
                make_variant(gold, doc_id, name, seed)
        per_t[name] = (time.perf_counter() - start) / (10 * len(gold.documents))
    print(
        "   per transformation, ms per variant:  ",
        {k: round(v * 1000, 1) for k, v in per_t.items()},
    )


def _run(suite: str, cache: Path) -> float:
    args = [sys.executable, "-m", "benchmark.cli", "run", "--all", "--suite", suite]
    args += ["--no-leaderboard", "--results", str(cache / f"results-{suite}")]
    args += ["--cache-dir", str(cache / f"cache-{suite}")]
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def run(repeat: int) -> None:
    times: dict[str, list[float]] = {"original": [], "all": []}
    for _ in range(repeat):
        for suite in times:
            with tempfile.TemporaryDirectory() as tmp:
                times[suite].append(_run(suite, Path(tmp)))
    orig, both = (statistics.median(times[s]) for s in ("original", "all"))
    print("2. troopbench run --all, empty cache (median of", repeat, "runs)")
    print(f"   --suite original (5 documents)        {orig:8.1f} s  {orig / 5:6.2f} s/document")
    print(f"   --suite all (205 documents)           {both:8.1f} s  {both / 205:6.2f} s/document")
    print(f"   ratio per document all / original     {(both / 205) / (orig / 5):8.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmark.cli",
                "leaderboard",
                "--leaderboard",
                str(Path(tmp) / "LB.md"),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        print(f"   troopbench leaderboard (both suites)   {time.perf_counter() - start:8.1f} s")


def scoring(repeat: int) -> None:
    from benchmark.gold import load_gold
    from benchmark.layers import LAYERS
    from benchmark.predictions import load_predictions
    from benchmark.scoring import evaluate
    from benchmark.signature import DEFAULT_STATS
    from benchmark.stats import UnitCounts, confidence_interval, paired_test, primary_statistic
    from benchmark.variants import build_suite, evaluate_suite

    gold = load_gold()
    suite = build_suite(gold)
    orig_texts = {d: g.document.text for d, g in gold.documents.items()}
    var_texts = {v.doc_id: v.gold.document.text for v in suite}
    orig_pred = load_predictions(ROOT / "results" / "rules.predictions.jsonl", orig_texts)
    var_pred = load_predictions(
        ROOT / "results" / "contrast" / "rules.predictions.jsonl", var_texts
    )
    attempted = frozenset(LAYERS)

    def stats(evaluation: object) -> None:
        counts = UnitCounts.from_evaluation(evaluation)
        for layer in LAYERS:
            statistic = primary_statistic(layer)
            confidence_interval(counts, statistic, DEFAULT_STATS)
            paired_test(counts, counts, statistic, DEFAULT_STATS.permutation_trials, 1)

    def original() -> None:
        stats(evaluate(gold, orig_pred.documents, attempted))

    def contrast() -> None:
        stats(evaluate_suite(suite, var_pred.documents, attempted))

    t5 = _median(original, repeat)
    t200 = _median(contrast, repeat)
    units5 = len(UnitCounts.from_evaluation(evaluate(gold, orig_pred.documents, attempted)).units)
    print("3. scoring + statistics of one system, 4 layers (median of", repeat, "runs)")
    label5 = f"5 originals ({units5} units)"
    print(f"   {label5:38s} {t5:8.2f} s  {t5 / 5 * 1000:7.1f} ms/document")
    print(f"   {'200 variants':38s} {t200:8.2f} s  {t200 / 200 * 1000:7.1f} ms/document")
    print(f"   ratio per document 200 / 5             {(t200 / 200) / (t5 / 5):8.2f}")


def seeds() -> None:
    from benchmark.layers import LAYERS
    from benchmark.leaderboard import load_results
    from benchmark.signature import DEFAULT_STATS
    from benchmark.variants.robustness import layer_rows

    def entries(folder: Path) -> dict:
        return {
            json.loads(p.read_text())["system"]["name"]: p for p in sorted(folder.glob("*.json"))
        }

    from benchmark.leaderboard import ResultEntry

    originals = {
        n: ResultEntry(p, json.loads(p.read_text())) for n, p in entries(ROOT / "results").items()
    }
    contrast = {
        n: ResultEntry(p, json.loads(p.read_text()))
        for n, p in entries(ROOT / "results" / "contrast").items()
    }
    print("4. spread over seeds of the committed contrast results (sample SD, 10 seeds)")
    worst = 0.0
    for layer in LAYERS:
        for row in layer_rows(layer, originals, contrast, DEFAULT_STATS):
            worst = max(worst, row.seeds.sd)
            print(f"   {layer:13s} {row.system:11s} SD {row.seeds.sd:.4f}")
    for n in (5, 10, 20):
        print(f"   largest SD / sqrt({n:2d}) = standard error of the mean {worst / n**0.5:.4f}")
    del load_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-run", action="store_true", help="skip the end-to-end runs")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    generation(args.repeat)
    if not args.skip_run:
        run(args.repeat)
    scoring(args.repeat)
    seeds()


if __name__ == "__main__":
    main()
