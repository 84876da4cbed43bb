"""The llm system against a small real HTTP server that misbehaves on purpose.

The server (tests/llm_fake.py) runs on 127.0.0.1 at a free port and answers
429 with Retry-After, 500, slow responses, cut-off bodies, non-JSON,
truncated JSON and schema-breaking JSON. Each test checks what the client
and the system do about it: retries (and the delays they wait), the repair
request, the structured-output fallback, the recorded errors, the budget,
the response cache, and that the API key goes nowhere but the header.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmark.gold import load_gold
from benchmark.runner import run_system
from systems.llm.system import LLMSystem
from systems.llm.transport import Budget, BudgetExhausted, ChatClient, TransportError

sys.path.insert(0, str(Path(__file__).parent))
from llm_fake import FakeServer, Reply, completion_body, valid_answer

GOLD = load_gold()
DOC = GOLD.documents["004_548f20d3808859fa"].document
PAYLOAD = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(url: str, **kw: Any) -> tuple[ChatClient, Sleeps]:
    sleeps = Sleeps()
    return ChatClient(url, "sk-test", sleep=sleeps, **kw), sleeps


# ------------------------------------------------------------------ transport


def test_429_is_retried_after_retry_after() -> None:
    script = [Reply(429, body=b"slow down", headers={"Retry-After": "7"}), Reply(content="ok")]
    with FakeServer(script) as server:
        chat, sleeps = client(server.base_url, backoff=0.01, max_backoff=30)
        done = chat.complete(PAYLOAD)
    assert (done.text, done.retries, len(server.requests)) == ("ok", 1, 2)
    assert sleeps == [7.0]  # the server's delay, longer than the jittered backoff


def test_500s_back_off_exponentially_then_give_up() -> None:
    with FakeServer(lambda request, i: Reply(500, body=b"boom")) as server:
        chat, sleeps = client(server.base_url, backoff=1.0, max_backoff=100, max_retries=3)
        with pytest.raises(TransportError, match="gave up after 4 attempts: HTTP 500") as info:
            chat.complete(PAYLOAD)
    assert len(server.requests) == 4 and info.value.retries == 3
    assert all(0 <= s <= 2**i for i, s in enumerate(sleeps)) and len(sleeps) == 3


def test_4xx_is_not_retried() -> None:
    with FakeServer([Reply(401, body=b"no key")]) as server:
        chat, sleeps = client(server.base_url)
        with pytest.raises(TransportError, match="HTTP 401") as info:
            chat.complete(PAYLOAD)
    assert (info.value.status, len(server.requests), sleeps) == (401, 1, [])
    assert "sk-test" not in str(info.value) and "sk-test" not in repr(chat)


def test_slow_answer_times_out_and_is_retried() -> None:
    with FakeServer([Reply(content="late", delay=1.5), Reply(content="ok")]) as server:
        chat, sleeps = client(server.base_url, timeout=0.3, backoff=0.01)
        done = chat.complete(PAYLOAD)
    assert (done.text, done.retries, len(sleeps)) == ("ok", 1, 1)


@pytest.mark.parametrize(
    "bad",
    [
        Reply(body=completion_body("x"), cut=40),  # the connection drops mid-body
        Reply(body=b"<html>gateway</html>"),  # a 200 that is not JSON at all
        Reply(body=b'{"choices": []}'),  # JSON, but not a completion
    ],
)
def test_broken_200_bodies_are_retried(bad: Reply) -> None:
    with FakeServer([bad, Reply(content="ok")]) as server:
        chat, _ = client(server.base_url, backoff=0.01)
        done = chat.complete(PAYLOAD)
    assert (done.text, done.retries) == ("ok", 1)


def test_budget_caps_requests_across_calls() -> None:
    with FakeServer() as server:
        chat, _ = client(server.base_url, budget=Budget(max_requests=2))
        chat.complete(PAYLOAD)
        chat.complete(PAYLOAD)
        with pytest.raises(BudgetExhausted, match="2 requests"):
            chat.complete(PAYLOAD)
    assert len(server.requests) == 2


def test_budget_caps_tokens() -> None:
    with FakeServer() as server:
        chat, _ = client(server.base_url, budget=Budget(max_tokens=100))
        chat.complete(PAYLOAD)  # the fake reports 120 tokens per answer
        with pytest.raises(BudgetExhausted, match="100 tokens"):
            chat.complete(PAYLOAD)


# ------------------------------------------------------------------ the system


def llm(server: FakeServer, tmp_path: Path, **options: str) -> LLMSystem:
    base = {"base-url": server.base_url, "model": "fake-model", "cache-dir": str(tmp_path)}
    base.update({k.replace("_", "-"): v for k, v in options.items()})
    return LLMSystem(base)


def test_schema_breaking_answer_gets_one_repair(tmp_path: Path) -> None:
    bad = json.dumps({"entities": [{"text": "Iraq", "type": "COUNTRY"}]})
    good = json.dumps({"entities": [{"text": "Iraq", "type": "GPE"}]})
    with FakeServer([Reply(content=bad), Reply(content=good)]) as server:
        metered = llm(server, tmp_path, layers="entities").extract_metered(DOC)
        repair = server.requests[1]["messages"]
    assert metered.problems == ()
    assert [e.type for e in metered.prediction.entities] == ["GPE"]
    assert repair[-2] == {"role": "assistant", "content": bad}
    assert "breaks the schema" in repair[-1]["content"]
    assert metered.usage.requests == 2
    outcomes = [json.loads(x)["outcome"] for x in metered.exchanges]
    assert outcomes[0].startswith("invalid") and outcomes[1] == "valid"


@pytest.mark.parametrize(
    "answers",
    [
        ["this is not json", "still not json"],
        ['{"entities": [{"text": 1}]}', '{"entities": "none"}'],
    ],
)
def test_answer_failing_after_repair_is_a_recorded_problem(
    tmp_path: Path, answers: list[str]
) -> None:
    script = [Reply(content=a) for a in answers]
    with FakeServer(script) as server:
        metered = llm(server, tmp_path, layers="entities,timexes").extract_metered(DOC)
    # entities failed twice and is reported; timexes (the default answer) still counts
    assert len(metered.problems) == 1 and metered.problems[0].startswith("entities:")
    assert "even after a repair" in metered.problems[0]
    assert metered.prediction.entities == [] and metered.prediction.timexes == []


def test_truncated_json_is_salvaged_without_a_repair(tmp_path: Path) -> None:
    cut = '{"entities": [{"text": "Iraq", "type": "GPE"}, {"text": "Sy'
    with FakeServer([Reply(content=cut)]) as server:
        metered = llm(server, tmp_path, layers="entities").extract_metered(DOC)
    assert len(server.requests) == 1
    assert [e.text for e in metered.prediction.entities] == ["Iraq"]
    assert "salvaged" in json.loads(metered.exchanges[0])["outcome"]


def test_json_schema_refused_falls_back_to_llama_cpp_json_object(tmp_path: Path) -> None:
    def llama_like(request: dict[str, Any], i: int) -> Reply:
        if request.get("response_format", {}).get("type") == "json_schema":
            return Reply(500, body=b'{"error": "json_schema not supported"}')
        return Reply(content=valid_answer(request))

    with FakeServer(llama_like) as server:
        system = llm(server, tmp_path, layers="entities,stances")
        first = system.extract_metered(DOC)
        kinds = [r.get("response_format", {}).get("type") for r in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # settled after one refusal
    assert server.requests[1]["response_format"]["schema"]["required"] == ["entities"]
    assert first.problems == () and first.prediction.entities


def test_no_structured_output_at_all_falls_back_to_plain_json(tmp_path: Path) -> None:
    def plain_only(request: dict[str, Any], i: int) -> Reply:
        if "response_format" in request:
            return Reply(400, body=b"response_format unsupported")
        return Reply(content="Here you go: " + valid_answer(request))

    with FakeServer(plain_only) as server:
        metered = llm(server, tmp_path, layers="entities").extract_metered(DOC)
    assert metered.problems == () and metered.prediction.entities


def test_server_failure_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    documents = [g.document for g in GOLD][:3]

    def flaky(request: dict[str, Any], i: int) -> Reply:
        if documents[1].text[:60] in request["messages"][1]["content"]:
            return Reply(503, body=b"overloaded")
        return Reply(content=valid_answer(request))

    with FakeServer(flaky) as server:
        system = llm(server, tmp_path, layers="entities", retries="1", backoff="0.01")
        outcome = run_system(system, documents, jobs=3)
    errors = [(e.doc_id, e.message) for e in outcome.errors]
    assert len(errors) == 1 and errors[0][0] == documents[1].doc_id
    assert "503" in errors[0][1]
    assert outcome.usage[documents[1].doc_id].retries == 1
    assert outcome.predictions[documents[0].doc_id].entities


def test_response_cache_rerun_asks_nothing_and_records_the_same(tmp_path: Path) -> None:
    documents = [g.document for g in GOLD]
    with FakeServer() as server:
        first = run_system(llm(server, tmp_path), documents, jobs=4)
        asked = len(server.requests)
        second = run_system(llm(server, tmp_path), documents, jobs=4)
        assert len(server.requests) == asked == 20
        third = run_system(llm(server, tmp_path, max_tokens="99"), documents, jobs=4)
        assert len(server.requests) == 40  # a changed parameter is asked again
    assert first.usage == second.usage and first.exchanges == second.exchanges
    assert first.predictions == second.predictions
    assert third.version != first.version


def test_key_changes_with_the_model_the_server_reports(tmp_path: Path) -> None:
    with FakeServer(model="fake-model") as server:
        llm(server, tmp_path, layers="entities").extract_metered(DOC)
    with FakeServer(model="fake-model") as server:  # same model, another port: cached
        llm(server, tmp_path, layers="entities").extract_metered(DOC)
        assert server.requests == []
    with FakeServer(model="other-build") as server:
        llm(server, tmp_path, layers="entities", model="other-build").extract_metered(DOC)
        assert len(server.requests) == 1


def test_cli_run_writes_results_cost_and_responses_without_the_key(tmp_path: Path) -> None:
    env = {**os.environ, "MY_KEY": "sk-never-written-42", "TROOPBENCH_CACHE_DIR": str(tmp_path)}
    env.pop("OPENAI_API_KEY", None)
    results = tmp_path / "results"
    with FakeServer() as server:
        args = [
            sys.executable, "-m", "benchmark.cli", "run", "llm",
            "--option", f"base-url={server.base_url}", "--option", "model=fake-model",
            "--option", "api-key-env=MY_KEY", "--option", "name=llm-fake",
            "--results", str(results), "--no-leaderboard", "--jobs", "4",
        ]  # fmt: skip
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        headers = server.headers
    assert done.returncode == 0, done.stderr
    assert {h.get("Authorization") for h in headers} == {"Bearer sk-never-written-42"}
    data = json.loads((results / "llm-fake.json").read_text())
    assert data["cost"]["total"]["requests"] == 20
    assert data["cost"]["total"]["input_tokens"] == 2000
    assert data["cost"]["tokens_per_document"] == 480.0
    assert data["system"]["options"]["model"] == "fake-model"
    lines = (results / "llm-fake.responses.jsonl").read_text().splitlines()
    assert len(lines) == 20 and all(json.loads(x)["outcome"] == "valid" for x in lines)
    for path in [*results.iterdir(), *tmp_path.rglob("*.json")]:
        assert "sk-never-written" not in path.read_text(encoding="utf-8")
    assert "sk-never-written" not in done.stdout + done.stderr
    predictions = [json.loads(x) for x in (results / "llm-fake.predictions.jsonl").open()]
    assert all("start" in e for p in predictions for e in p["entities"])


def test_cli_rejects_bad_options(tmp_path: Path) -> None:
    for extra, message in (
        (["--option", "nonsense"], "not NAME=VALUE"),
        (["--option", "colour=red", "--option", "base-url=http://x/v1"], "no option 'colour'"),
    ):
        args = [sys.executable, "-m", "benchmark.cli", "run", "llm", *extra, "--no-leaderboard"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr


def test_metered_systems_skip_the_predictions_cache(tmp_path: Path) -> None:
    """Their usage lives in their response cache; the predictions cache would lose it."""
    from benchmark.cache import PredictionCache

    documents = [g.document for g in GOLD][:2]
    cache = PredictionCache(tmp_path / "predictions")
    with FakeServer() as server:
        first = run_system(llm(server, tmp_path, layers="entities"), documents, cache=cache)
        second = run_system(llm(server, tmp_path, layers="entities"), documents, cache=cache)
        assert len(server.requests) == 2  # the second run came from the response cache
    assert first.cached == second.cached == ()
    assert first.usage == second.usage and sum(u.requests for u in first.usage.values()) == 2
