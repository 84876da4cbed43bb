"""Peak memory of troopbench's own process when a worker sends the largest or worst frames.

Each case runs ``run_system`` on the five articles in a fresh parent process
and prints the parent's peak resident size (``ru_maxrss`` of that process
alone: workers are not counted) with the reason recorded for the document
that misbehaved, as a ratio against a clean run measured the same way:

* ``clean``: a trivial system (the baseline);
* ``largest-valid``: 100,000 entities of 500 characters each on one document,
  about 57 MB of JSON: a frame near the 64 MiB limit that is all accepted;
* ``dense-at-cap``: a frame forged by the system on the worker's pipe, just
  under :data:`benchmark.supervisor.MAX_VALUES` values, all of them small
  containers (the densest JSON there is to parse);
* ``dense-over-cap``: the same with more values than allowed (refused unparsed);
* ``strings-at-cap``: as many strings as allowed, as long as the frame allows
  (each a string object to build: the costliest frame to parse);
* ``garbage``: 64 MiB of bytes that are not a frame;
* ``forged-length``: a header announcing a 1 TiB frame.

Usage: ``python perf/bench_pipe_memory.py`` (about a minute).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys
sys.path[:0] = [{root!r}, {here!r}]
import benchmark
from bench_pipe_memory import SYSTEMS
from benchmark.runner import run_system
gold = benchmark.load_gold()
documents = [d.document for d in gold]
outcome = run_system(SYSTEMS[{case!r}](), documents, timeout=120.0)
reasons = sorted({{e.message[:120] for e in outcome.errors}})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"peak_mib": peak, "reasons": reasons[:3], "errors": len(outcome.errors)}}))
"""


class Trivial:
    name = "memory-probe"
    version = "1"
    layers = ("entities",)
    first_doc = "000_"

    def extract(self, document):  # type: ignore[no-untyped-def]
        from benchmark.predictions import EntityPrediction, Prediction

        if document.doc_id.startswith(self.first_doc):
            return self.bad(document)
        first = document.text.split()[0]
        return Prediction(document.doc_id, entities=[EntityPrediction("ORG", 0, len(first))])

    def bad(self, document):  # type: ignore[no-untyped-def]
        from benchmark.predictions import EntityPrediction, Prediction

        first = document.text.split()[0]
        return Prediction(document.doc_id, entities=[EntityPrediction("ORG", 0, len(first))])


class LargestValid(Trivial):
    def bad(self, document):  # type: ignore[no-untyped-def]
        from benchmark.predictions import EntityPrediction, Prediction

        items = [EntityPrediction("ORG", text=f"{i:06d}" + "x" * 494) for i in range(100_000)]
        return Prediction(document.doc_id, entities=items)


def _results_fd() -> int:
    """The worker's end of its results pipe: the last argument it was started with."""
    with open("/proc/self/cmdline", "rb") as handle:
        return int(handle.read().split(b"\0")[-2])


def _send(data: bytes) -> None:
    fd = _results_fd()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _forged_frame(document, values: int, item: bytes = b"[]") -> bytes:  # type: ignore[no-untyped-def]
    import struct

    head = json.dumps({"type": "done", "index": 0, "status": "ok", "seconds": 0.0, "raw": {}})
    per_item = 1 + item.count(b"[")  # its comma, and the container it opens
    body = b"[" + (item + b",") * (values // per_item) + item + b"]"
    payload = head[:-3].encode() + b'{"doc_id":"' + document.doc_id.encode() + b'","entities":'
    payload += body + b'},"errors":[],"usage":null,"exchanges":[]}'
    return struct.pack(">4sQ", b"TBW1", len(payload)) + payload


class DenseAtCap(Trivial):
    extra = -1000

    def bad(self, document):  # type: ignore[no-untyped-def]
        from benchmark.supervisor import MAX_VALUES

        _send(_forged_frame(document, MAX_VALUES + self.extra))
        return super().bad(document)  # a second answer: the worker is dropped


class DenseOverCap(DenseAtCap):
    extra = 1000


class StringsAtCap(Trivial):
    """Distinct short strings at the cap: each costs a whole string object to parse."""

    def bad(self, document):  # type: ignore[no-untyped-def]
        from benchmark.supervisor import MAX_FRAME, MAX_VALUES

        n = MAX_VALUES - 1000
        width = (MAX_FRAME - 1000) // n - 3  # as long as the frame allows
        item = b'"' + b"x" * width + b'"'
        _send(_forged_frame(document, n, item))
        return super().bad(document)  # a second answer: the worker is dropped


class Garbage(Trivial):
    def bad(self, document):  # type: ignore[no-untyped-def]
        _send(os.urandom(1024) * (64 * 1024))
        return super().bad(document)  # a second answer: the worker is dropped


class ForgedLength(Trivial):
    def bad(self, document):  # type: ignore[no-untyped-def]
        import struct

        _send(struct.pack(">4sQ", b"TBW1", 2**40) + b"{")
        return super().bad(document)  # a second answer: the worker is dropped


SYSTEMS = {
    "clean": Trivial,
    "largest-valid": LargestValid,
    "dense-at-cap": DenseAtCap,
    "dense-over-cap": DenseOverCap,
    "strings-at-cap": StringsAtCap,
    "garbage": Garbage,
    "forged-length": ForgedLength,
}


def measure(case: str) -> dict[str, object]:
    here = Path(__file__).resolve().parent
    code = CHILD.format(root=str(here.parent), here=str(here), case=case)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=here.parent
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    rows = {case: measure(case) for case in SYSTEMS}
    base = float(rows["clean"]["peak_mib"])  # type: ignore[arg-type]
    print(f"{'case':16} {'parent peak':>12} {'x clean':>8}  recorded for the document")
    for case, row in rows.items():
        peak = float(row["peak_mib"])  # type: ignore[arg-type]
        reasons = "; ".join(row["reasons"]) or "-"  # type: ignore[arg-type]
        print(f"{case:16} {peak:9.0f} MiB {peak / base:8.2f}  {reasons}")


if __name__ == "__main__":
    main()
