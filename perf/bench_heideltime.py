"""HeidelTime per document: one JVM per worker (now) against a JVM per call (before).

Measured in one run, on the five articles:

* **per call (before)**: the system as it was at ``--baseline`` (its module is
  read from git and imported under another name), which starts ``java -jar``
  for every document;
* **cold (now)**: building the system (availability checks only), and the first
  document after that, which starts the JVM in this process and sets HeidelTime up;
* **warm (now)**: every article again, ``--repeat`` times, in the same JVM.

The outputs of both are compared (they must be identical). The target: warm at
most 0.5 s per article or 10x faster than the per-call cost, whichever is
faster. Usage: ``python perf/bench_heideltime.py [--repeat 3] [--baseline REV]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchmark  # noqa: E402
from benchmark.corpus import Document  # noqa: E402

#: The last commit whose heideltime started a JVM per document.
BASELINE = "cf1eaff"


def baseline_module(revision: str, folder: Path) -> ModuleType:
    """``systems/heideltime.py`` as it was at ``revision``, imported as its own module."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:systems/heideltime.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = folder / "heideltime_per_call.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("heideltime_per_call", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


CPU: list[float] = []  # CPU seconds of each timed call, in order


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(system: object, document: Document) -> tuple[float, list[object]]:
    """Wall seconds of one extraction, and its timexes; its CPU seconds (this process's
    threads, the JVM's among them, and reaped children: java, TreeTagger) go to CPU."""
    cpu = _cpu()
    started = time.perf_counter()
    prediction = system.extract(document)  # type: ignore[attr-defined]
    wall = time.perf_counter() - started
    CPU.append(_cpu() - cpu)
    return wall, list(prediction.timexes or ())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm passes over the articles")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the per-call system")
    args = parser.parse_args()
    documents = [d.document for d in benchmark.load_gold()]

    with tempfile.TemporaryDirectory() as tmp:
        before = baseline_module(args.baseline, Path(tmp)).HeidelTime()
        per_call: list[float] = []
        expected: dict[str, list[object]] = {}
        for document in documents:
            seconds, timexes = timed(before, document)
            per_call.append(seconds)
            expected[document.doc_id] = timexes

    per_call_cpu = statistics.median(CPU)
    from systems.heideltime import HeidelTime

    started = time.perf_counter()
    now = HeidelTime()
    build = time.perf_counter() - started
    first, timexes = timed(now, documents[0])
    same = timexes == expected[documents[0].doc_id]
    warm: list[float] = []
    CPU.clear()
    for _ in range(args.repeat):
        for document in documents:
            seconds, timexes = timed(now, document)
            warm.append(seconds)
            same = same and timexes == expected[document.doc_id]

    warm_cpu = statistics.median(CPU)
    call = statistics.median(per_call)
    warm_median = statistics.median(warm)
    target = min(0.5, call / 10)
    print(f"baseline: {args.baseline} (a JVM per document); now: one JVM in this process")
    print(f"outputs identical on {len(documents)} articles: {same}")
    print(
        f"per call, before: median {call:.3f} s "
        f"(min {min(per_call):.3f}, max {max(per_call):.3f}) over {len(per_call)} articles"
    )
    print(f"cold, now: build {build:.3f} s, first article (JVM + set-up + article) {first:.3f} s")
    print(
        f"warm, now: median {warm_median:.3f} s (min {min(warm):.3f}, max {max(warm):.3f}) "
        f"over {len(warm)} article runs"
    )
    print(f"CPU per article (median): per call {per_call_cpu:.3f} s, warm {warm_cpu:.3f} s")
    print(f"warm vs per call: {call / warm_median:.1f}x faster")
    print(f"cold (build + first) vs per call: {call / (build + first):.2f}x")
    verdict = "met" if warm_median <= target and same else "MISSED"
    print(f"target: warm <= {target:.3f} s (min of 0.5 s and per-call / 10): {verdict}")
    cpu_target = min(0.5, per_call_cpu / 10)
    verdict = "met" if warm_cpu <= cpu_target and same else "MISSED"
    print(f"same target on CPU seconds: warm {warm_cpu:.3f} <= {cpu_target:.3f} s: {verdict}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
