"""The llm system against hostile answers: memory with a 1 GB answer, time of a grounding flood.

Two measurements, each against a baseline taken in the same run:

1. **Memory**: ``troopbench run llm`` on the five articles (``--jobs 4``, one
   request per layer) against the test suite's server (tests/llm_fake.py) in
   a separate process, once answering every request validly (the baseline)
   and once streaming a 1 GB answer for one layer of one document. Printed:
   the peak resident memory of troopbench's own process (``VmHWM``: its
   ``ru_maxrss`` would keep the peak of the process it was forked from) and
   of its worker processes (``ru_maxrss`` of the children), and the ratio of the hostile run to the
   baseline. Target: both stay under 400 MiB (the bound the tests assert),
   about the baseline.
2. **Grounding flood**: grounding 20,000 distinct answers that match nothing
   on the longest article, against grounding its gold entities written as
   the model's answer (the baseline). Target: under 2 s (before the budget:
   24-59 s).

    python perf/bench_llm_hostile.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import json, sys
sys.path.insert(0, {tests!r})
from llm_fake import FakeServer, Reply, article, requested_layers, valid_answer
hit = sys.argv[1]
huge = int(sys.argv[2])
head = b'{{"choices": [{{"message": {{"content": "'
def script(request, index):
    if huge and article(request) == hit and requested_layers(request) == ["entities"]:
        return Reply(body=head, stream=huge)
    return Reply(content=valid_answer(request))
with FakeServer(script) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
    print(server.sent, flush=True)
"""

MEASURE = """
import json, resource, sys
from benchmark.cli import main
code = main(sys.argv[1:])
hwm = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps({"rc": code, "parent": hwm / 1024,
                  "workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run(huge: int, hit: str) -> tuple[dict[str, float], int]:
    code = SERVER.format(tests=str(ROOT / "tests"))
    server = subprocess.Popen(
        [sys.executable, "-c", code, hit, str(huge)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    url = server.stdout.readline().strip()
    with tempfile.TemporaryDirectory() as tmp:
        args = ["run", "llm", "--option", f"base-url={url}", "--option", "model=fake-model",
                "--option", f"cache-dir={tmp}/responses", "--option", "name=llm-perf",
                "--results", f"{tmp}/results", "--no-leaderboard", "--jobs", "4"]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, cwd=ROOT
        )
    server.stdin.close()
    sent = int(server.stdout.readline().strip() or 0)
    server.wait()
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1]), sent


def flood() -> tuple[float, float]:
    from benchmark.gold import load_gold
    from systems.llm import entities
    from systems.llm.grounding import Grounder

    gold = load_gold()
    longest = max(gold, key=lambda g: len(g.document.text))
    gold_items = [item for _, item in entities.examples(longest, gold.registry)]
    flooded = [{"text": f"qzx{i:05d}vk", "type": "GPE"} for i in range(20_000)]
    times = []
    for items in (gold_items, flooded):
        started = time.perf_counter()
        entities.convert(items, Grounder(longest.document.text), longest.document)
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def main() -> None:
    from benchmark.gold import load_gold

    hit = [g.document for g in load_gold()][2].text
    clean, _ = run(0, hit)
    hostile, sent = run(10**9, hit)
    print("memory, peak resident (MiB)   clean run   1 GB answer   ratio")
    for part in ("parent", "workers"):
        ratio = hostile[part] / clean[part]
        print(f"  {part:<28}{clean[part]:>9.0f}   {hostile[part]:>11.0f}   {ratio:5.2f}")
    print(f"  bytes the server got to send of the 1 GB answer: {sent:,}")
    base, flooded = flood()
    print("grounding, longest article        gold answers   20,000 unmatched   ratio")
    print(f"  seconds{'':<27}{base:>9.3f}   {flooded:>16.3f}   {flooded / base:7.0f}")


if __name__ == "__main__":
    main()
