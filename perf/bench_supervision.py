"""What supervision costs, and how ``score`` copes with a 200 MB predictions file.

Part 1, supervision (``benchmark.supervisor``) against the in-process path
troopbench used before it (each document extracted on a daemon thread of the
troopbench process with a timeout, then validated there; rebuilt here as the
baseline, with the same validation code):

* per document: a trivial system (one entity per document) over the corpus
  repeated ``--scale`` times, in-process against supervised (one worker,
  reused), and the difference per document;
* per system start-up: building the system in-process (``load_system``)
  against starting a worker that builds it (``Supervisor``), for a trivial
  system and for ``rules``; each in a fresh interpreter, so imports count.

Part 2, ``troopbench score`` on a generated 200 MB predictions file of 4.7M
items (the hostile case of issue 13: five lines of about 940,000 entities
each), run as a subprocess under a pseudo-terminal so that its progress bar
is drawn: wall time, peak memory (``ru_maxrss`` of the child), the number of
progress updates seen, and exit code; and a legal file at the bounds' edge
(100,000 entities per document, every document) for comparison.

    python perf/bench_supervision.py [--scale 40] [--repeat 5] [--skip-score]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

TRIVIAL = "benchmark_trivial_system:Trivial"
TRIVIAL_SOURCE = """
from benchmark.predictions import EntityPrediction, Prediction


class Trivial:
    name = "trivial"
    version = "1"
    layers = ("entities",)

    def extract(self, document):
        first = document.text.split()[0]
        return Prediction(document.doc_id, entities=[EntityPrediction("ORG", 0, len(first))])
"""


def _in_process(system: Any, documents: list[Any], timeout: float) -> float:
    """The pre-supervision path: a daemon thread per document, validation here."""
    from benchmark.supervisor import attempt

    layers = tuple(system.layers)
    started = time.perf_counter()
    for document in documents:
        box: dict[str, Any] = {}

        def target(document: Any = document, box: dict[str, Any] = box) -> None:
            box["value"] = attempt(system, layers, document)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(timeout)
    return time.perf_counter() - started


def _supervised(ref: str, documents: list[Any], timeout: float) -> tuple[float, float]:
    """(start-up seconds, extraction seconds) of one supervised run."""
    from benchmark.supervisor import Supervisor, SystemSpec

    started = time.perf_counter()
    with Supervisor(SystemSpec(ref=ref, paths=(os.getcwd(),))) as sup:
        built = time.perf_counter()
        for _ in sup.run(documents, range(len(documents)), timeout=timeout):
            pass
        done = time.perf_counter()
    return built - started, done - built


def per_document(scale: int, repeat: int) -> dict[str, float]:
    import benchmark
    from benchmark.systems import load_system

    gold = benchmark.load_gold()
    documents = [d.document for d in gold] * scale
    system = load_system(TRIVIAL)
    base, sup = [], []
    for _ in range(repeat):
        base.append(_in_process(system, documents, 120.0))
        sup.append(_supervised(TRIVIAL, documents, 120.0)[1])
    n = len(documents)
    b, s = statistics.median(base), statistics.median(sup)
    return {
        "documents": n,
        "in_process_ms_per_doc": 1000 * b / n,
        "supervised_ms_per_doc": 1000 * s / n,
        "overhead_ms_per_doc": 1000 * (s - b) / n,
        "ratio": s / b,
    }


def _fresh(code: str) -> float:
    """Seconds reported by ``code`` run in a fresh interpreter (it prints them)."""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=os.getcwd()
    )
    return float(out.stdout.strip().splitlines()[-1])


def start_up(ref: str, repeat: int) -> dict[str, float]:
    load = (
        "import time, sys; sys.path.insert(0, '.'); import benchmark.runner\n"
        "from benchmark.systems import load_system\n"
        f"t = time.perf_counter(); load_system({ref!r}); print(time.perf_counter() - t)"
    )
    spawn = (
        "import time, sys; sys.path.insert(0, '.'); import benchmark.runner\n"
        "from benchmark.supervisor import Supervisor, SystemSpec\n"
        f"t = time.perf_counter(); s = Supervisor(SystemSpec(ref={ref!r}, paths=('.',)))\n"
        "d = time.perf_counter() - t; s.close(); print(d)"
    )
    a = statistics.median(_fresh(load) for _ in range(repeat))
    b = statistics.median(_fresh(spawn) for _ in range(repeat))
    return {"in_process_s": a, "supervised_s": b, "extra_s": b - a}


def _write_file(path: Path, doc_ids: list[str], per_doc: int, target_bytes: int) -> int:
    """Entities without offsets, ``per_doc`` per line, until ``target_bytes``; items written."""
    items = 0
    with path.open("w", encoding="utf-8") as handle:
        size = 0
        i = 0
        while size < target_bytes and i < len(doc_ids):
            chunk = ", ".join(f'{{"type": "ORG", "text": "Org {k:07d}"}}' for k in range(per_doc))
            line = f'{{"doc_id": "{doc_ids[i]}", "entities": [{chunk}]}}\n'
            handle.write(line)
            size += len(line.encode())
            items += per_doc
            i += 1
    return items


def score_file(path: Path, results: Path) -> dict[str, Any]:
    """``troopbench score`` under a pty: wall, peak RSS, progress updates, exit code."""
    master, slave = pty.openpty()
    # a fresh pty is 0 columns wide, and tqdm draws nothing in 0 columns
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmark.cli",
            "score",
            str(path),
            "--name",
            "big",
            "--results",
            str(results),
        ],
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    code = process.wait()
    wall = time.perf_counter() - started
    os.close(master)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "exit": code,
        "seconds": wall,
        "peak_mib_children_so_far": peak,
        "progress_updates": seen.count(b"\r"),
        "last_progress": seen.decode("utf-8", "replace").split("\r")[-2:],
        "bytes": path.stat().st_size,
    }


def huge_name(tmp: Path, doc_id: str) -> dict[str, Any]:
    """``score`` on one line whose only entity is a 50 MB offset-free name, in a fresh
    process (peak RSS of that process alone)."""
    path = tmp / "huge-name.jsonl"
    name = "Iraq " * 10_000_000
    path.write_text(json.dumps({"doc_id": doc_id, "entities": [{"type": "ORG", "text": name}]}))
    code = (
        "import resource, sys, time\n"
        "from benchmark.cli import main\n"
        "t = time.perf_counter()\n"
        f"rc = main(['score', {str(path)!r}, '--name', 'huge', '--results', {str(tmp / 'r3')!r}])\n"
        "print(rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return {
        "bytes": path.stat().st_size,
        "exit": int(out[-3]),
        "seconds": float(out[-2]),
        "peak_mib": int(out[-1]) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-score", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="troopbench-bench-sup-") as tmp:
        os.chdir(tmp)
        Path("benchmark_trivial_system.py").write_text(TRIVIAL_SOURCE, encoding="utf-8")
        sys.path.insert(0, tmp)
        figures: dict[str, Any] = {"per_document": per_document(args.scale, args.repeat)}
        figures["start_up_trivial"] = start_up(TRIVIAL, args.repeat)
        figures["start_up_rules"] = start_up("rules", args.repeat)
        if not args.skip_score:
            import benchmark

            doc_ids = sorted(benchmark.load_gold().documents)
            hostile = Path(tmp) / "hostile.jsonl"
            figures["hostile_items"] = _write_file(hostile, doc_ids, 940_000, 200 * 10**6)
            figures["score_hostile"] = score_file(hostile, Path(tmp) / "r1")
            hostile.unlink()
            legal = Path(tmp) / "legal.jsonl"
            figures["legal_items"] = _write_file(legal, doc_ids, 100_000, 10**12)
            figures["score_legal"] = score_file(legal, Path(tmp) / "r2")
            legal.unlink()
            figures["huge_name"] = huge_name(Path(tmp), doc_ids[0])
        os.chdir("/")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
