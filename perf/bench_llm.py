"""The llm system's client: throughput, the adapter's own work, cached re-runs.

Three measurements, against the test suite's OpenAI-compatible server
(tests/llm_fake.py) run in a separate process on 127.0.0.1, answering every
request after a fixed delay (default 200 ms) with a schema-valid answer:

1. **Throughput**: ``run_system`` on ``--docs`` documents (the five articles,
   repeated with distinct ids and texts) with ``--jobs`` (default 32), one
   request per document (``requests=combined``), the response cache off.
   The ideal is jobs / delay documents per second (160/s for 32 and 200 ms);
   target: at least 90% of it.
2. **Adapter work per document**, no server: building the messages and the
   payload, reading and validating the answer, grounding and converting it,
   for the four layers of each article; the answers are the gold items of the
   article written as the model's answer (a realistic size). Target: < 5 ms.
3. **Cached re-run**: the five articles, one request per layer, ``--jobs
   1``: a first run (empty response cache) against a second one (every
   response cached).

    python perf/bench_llm.py [--delay 0.2] [--jobs 32] [--docs 640] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
from llm_fake import FakeServer, Reply, valid_answer
delay = float(sys.argv[1])
with FakeServer(lambda request, i: Reply(content=valid_answer(request), delay=delay)) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


class Server:
    """The fake server in its own process (so it does not share this one's GIL)."""

    def __init__(self, delay: float) -> None:
        code = SERVER.format(tests=str(ROOT / "tests"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def documents(n: int) -> list[Any]:
    from benchmark.gold import load_gold

    articles = [g.document for g in load_gold()]
    out = []
    for i in range(n):
        doc = articles[i % len(articles)]
        out.append(replace(doc, doc_id=f"{i:04d}_{doc.doc_id[4:]}", text=f"{doc.text}\n[{i}]"))
    return out


def throughput(base_url: str, jobs: int, n: int) -> tuple[float, int]:
    from benchmark.runner import run_system
    from systems.llm import LLMSystem

    system = LLMSystem(
        {
            "base-url": base_url,
            "model": "fake-model",
            "requests": "combined",
            "response-cache": "off",
        }
    )
    docs = documents(n)
    run_system(system, docs[: 2 * jobs], jobs=jobs)  # warm up: connections, imports
    started = time.perf_counter()
    outcome = run_system(system, docs, jobs=jobs, timeout=60)
    seconds = time.perf_counter() - started
    return n / seconds, len(outcome.errors)


def answers_from_gold() -> list[tuple[Any, dict[str, str]]]:
    from benchmark.gold import load_gold
    from systems.llm.system import TASKS

    gold = load_gold()
    out = []
    for gdoc in gold:
        answers = {}
        for layer, task in TASKS.items():
            items = [item for _, item in task.examples(gdoc, gold.registry)]
            answers[layer] = json.dumps({layer: items})
        out.append((gdoc.document, answers))
    return out


def adapter_ms(repeat: int) -> tuple[float, int]:
    """Median ms of the adapter's work per document (module doc, 2.)."""
    from systems.llm import prompts
    from systems.llm.grounding import Grounder
    from systems.llm.parsing import read_answer
    from systems.llm.system import TASKS

    cases = answers_from_gold()
    items = sum(len(json.loads(a)[layer]) for _, ans in cases for layer, a in ans.items())
    times = []
    for _ in range(repeat):
        for document, answers in cases:
            started = time.perf_counter()
            for layer, task in TASKS.items():
                messages = prompts.messages(document, [task])
                checker = prompts.answer_checker([task])
                payload = {"model": "m", "messages": messages, "response_format": checker.schema}
                json.dumps(payload, ensure_ascii=False).encode("utf-8")
                reading = read_answer(answers[layer], checker)
                assert reading.value is not None, reading.problem
                task.convert(reading.value[layer], Grounder(document.text), document)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, items


def cached_rerun(base_url: str) -> tuple[float, float]:
    from benchmark.runner import run_system
    from systems.llm import LLMSystem

    docs = documents(5)
    with tempfile.TemporaryDirectory(prefix="troopbench-bench-llm-") as tmp:
        options = {"base-url": base_url, "model": "fake-model", "cache-dir": tmp}
        started = time.perf_counter()
        first = run_system(LLMSystem(options), docs)
        middle = time.perf_counter()
        second = run_system(LLMSystem(options), docs)
        ended = time.perf_counter()
    assert first.predictions == second.predictions and first.usage == second.usage
    return middle - started, ended - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--docs", type=int, default=640)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = Server(args.delay)
    try:
        ideal = args.jobs / args.delay
        rates = []
        for _ in range(args.repeat):
            rate, errors = throughput(server.base_url, args.jobs, args.docs)
            assert errors == 0, f"{errors} errors in the throughput run"
            rates.append(rate)
        rate = statistics.median(rates)
        print(
            f"throughput: {args.docs} documents, --jobs {args.jobs}, {args.delay * 1000:g} ms "
            f"per answer: {rate:.1f} docs/s (runs: {', '.join(f'{r:.1f}' for r in rates)}); "
            f"ideal {ideal:g}/s; {rate / ideal:.1%} of ideal (target >= 90%)"
        )
        ms, items = adapter_ms(max(5, args.repeat * 5))
        print(
            f"adapter work: {ms:.2f} ms per document (median; 4 layers, gold-sized answers, "
            f"{items} items over 5 documents; target < 5 ms)"
        )
        pairs = [cached_rerun(server.base_url) for _ in range(args.repeat)]
        first = statistics.median(p[0] for p in pairs)
        second = statistics.median(p[1] for p in pairs)
        print(
            f"cached re-run: 5 articles x 4 requests, --jobs 1: first {first:.2f} s, "
            f"cached {second:.3f} s ({first / second:.0f}x faster)"
        )
    finally:
        server.close()


if __name__ == "__main__":
    main()
