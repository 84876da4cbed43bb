"""The ``llm`` system: any OpenAI-compatible chat-completions server as an extractor.

Per document it sends one request per layer (or one for all layers, option
``requests=combined``), each with the JSON Schema of the answer as
``response_format``; it reads the answer leniently and validates it against
that schema, asks once for a repair when it does not validate, grounds the
mention texts to offsets and returns the predictions with their
:class:`~benchmark.usage.Usage` and the exchanges (``extract_metered``).

Structured output, ``structured=auto``: the first request offers the schema
as ``{"type": "json_schema", ...}`` (vLLM, SGLang, OpenAI, Ollama); a server
that definitely refuses it (:func:`format_refusal`: a 4xx other than 401,
403, 404, 408, 413 and 429, a 501, or a 5xx whose answer names the format,
as llama-cpp-python's does) is asked next with llama.cpp's
``{"type": "json_object", "schema": ...}``, then with no ``response_format``
at all (plain JSON, validated all the same). Any other failure (a 500, a
timeout) is transient: it is retried in the same format and never changes
it. Each refusal is recorded as a line of the responses log (outcome
``refused: ...``) and counted as a request; the format that worked is kept
for the rest of the run. A re-run replays a document's refusals from the
response cache, so it writes the same log without asking.

A layer whose answer still fails (the server gave up, the answer is longer
than ``max-answer-chars``, or it does not validate after the repair: not
JSON, out of troopbench's input bounds, such as a lone surrogate or nesting
too deep, or breaking the schema) is reported as a problem of that document
and layer; the other layers keep their predictions. An unexpected exception
costs the document, with its message (scrubbed of the key) recorded.

The API key is read from the environment variable named by ``api-key-env``
(default ``OPENAI_API_KEY``) and goes only into the Authorization header of
requests to ``base-url`` (no redirect is followed). Every text the server
sends back is scrubbed of it before it reaches a prediction, a problem, the
responses log or the cache (:class:`~systems.llm.transport.Redactor`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.corpus import Document
from benchmark.predictions import Prediction
from benchmark.systems import SystemUnavailable
from benchmark.usage import Metered, Usage
from systems.llm import entities, prompts, stances, timexes, troops
from systems.llm.cache import ResponseCache, response_key
from systems.llm.grounding import AlignmentCounts, Grounder
from systems.llm.layer import LayerTask
from systems.llm.parsing import read_answer
from systems.llm.settings import Settings, parse_settings
from systems.llm.transport import (
    Budget,
    ChatClient,
    Completion,
    Redactor,
    TransportError,
    json_text,
)

TASKS: dict[str, LayerTask] = {
    t.layer: t for t in (entities.TASK, timexes.TASK, troops.TASK, stances.TASK)
}
SYSTEM_VERSION = "0.2"
_FORMATS = ("json_schema", "json_object", "none")


def prompt_fingerprint() -> str:
    """A hash over the fixed prompt texts and answer schemas (part of the version):
    the messages rendered for a placeholder document, per layer and combined,
    and the repair request."""
    placeholder = Document("doc", "TEXT", "TITLE", dt.date(2000, 1, 1), "stated")
    groups = [[t] for t in TASKS.values()] + [list(TASKS.values())]
    material = [prompts.messages(placeholder, group) for group in groups]
    material.append(prompts.repair_messages([], "ANSWER", "PROBLEM"))
    text = json.dumps(material, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def response_format(kind: str, schema: Mapping[str, Any]) -> dict[str, Any] | None:
    if kind == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    if kind == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


@dataclass(frozen=True, slots=True)
class _Asked:
    """One layer group's outcome: the valid answer (or None), usage, exchanges, problem."""

    value: Mapping[str, Any] | None
    usage: Usage
    exchanges: tuple[str, ...]
    problem: str


class LLMSystem:
    """An LLM behind any OpenAI-compatible server, zero-shot from written definitions."""

    parallel = "thread"
    #: what the model saw of the test articles (k-shot builds set "leave-one-out")
    exposure = "none"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = "prompts written from the label definitions; no article or guideline text"

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self._raw_options = dict(options or {})
        self.settings: Settings = parse_settings(self._raw_options)
        s = self.settings
        if not s.base_url and not s.serve:
            raise SystemUnavailable(
                "llm",
                "it needs a server: --option base-url=URL --option model=NAME, "
                "or --option serve=smollm2",
                "see docs/llm.md",
            )
        if s.base_url and not s.model:
            raise SystemUnavailable("llm", "--option model=NAME is missing", "see docs/llm.md")
        if s.serve:
            from systems.llm.serve import INSTALL, ServeError, llama_server_available, resolve_gguf

            try:
                resolve_gguf(s.serve)
            except ServeError as exc:
                raise SystemUnavailable("llm", str(exc), INSTALL) from None
            if not llama_server_available():
                raise SystemUnavailable("llm", "llama-cpp-python is not installed", INSTALL)
        self.name = s.system_name()
        self.layers = tuple(s.layers)
        self.options = s.output_options()
        digest = hashlib.sha256(
            json.dumps([self.options, prompt_fingerprint()]).encode("utf-8")
        ).hexdigest()
        self.version = f"{SYSTEM_VERSION}+{digest[:12]}"
        self.exposure = "leave-one-out" if s.shots else "none"
        self.exposure_note = (
            f"{s.shots}-shot: examples are gold passages of the other documents"
            if s.shots
            else "prompts written from the label definitions; no article or guideline text"
        )
        self._setup()

    # ------------------------------------------------------------ state (not pickled)

    def _setup(self) -> None:
        s = self.settings
        self._lock = threading.Lock()
        self._ready = False
        self._server: Any = None
        self._client: ChatClient | None = None
        self._server_model = ""
        self._format = s.structured if s.structured != "auto" else "json_schema"
        self._format_settled = s.structured != "auto"
        self._gold: Any = None
        self._budget = Budget(s.max_requests, s.max_total_tokens)
        self._redact = Redactor(None)
        self._cache: ResponseCache | None = None
        if s.response_cache:
            from benchmark.cache import default_cache_dir

            self._cache = ResponseCache(s.cache_dir or default_cache_dir() / "llm-responses")

    def __getstate__(self) -> dict[str, Any]:
        return {"options": self._raw_options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"])  # type: ignore[misc]

    def close(self) -> None:
        """Stop the local server this system started, if any."""
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None
            self._ready = False

    def _connect(self) -> ChatClient:
        with self._lock:
            if self._ready and self._client is not None:
                return self._client
            s = self.settings
            base_url = s.base_url or ""
            if s.serve:
                from systems.llm.serve import LocalServer

                self._server = LocalServer(s.serve, n_ctx=s.server_ctx)
                base_url = self._server.start()
            api_key = os.environ.get(s.api_key_env) or None
            self._client = ChatClient(
                base_url,
                api_key,
                timeout=s.timeout(),
                max_retries=s.retries,
                backoff=s.backoff,
                budget=self._budget,
                max_response_bytes=s.max_response_bytes,
            )
            self._redact = self._client.redact
            self._server_model = self._reported_model(self._client)
            self._ready = True
            return self._client

    def _reported_model(self, client: ChatClient) -> str:
        """The model's id as the server reports it on /models, else as configured."""
        wanted = self.settings.model_label()
        try:
            listing = client.get_json("/models")
            ids = [
                self._redact(m["id"])[:200]
                for m in listing.get("data", [])
                if isinstance(m, dict) and isinstance(m.get("id"), str)
            ]
        except Exception:  # a server without /models: key the cache by the configured name
            return wanted
        if wanted in ids:
            return wanted
        return ids[0] if len(ids) == 1 else wanted

    # ------------------------------------------------------------ extraction

    def extract(self, document: Document) -> Prediction:
        return self.extract_metered(document).prediction

    def extract_metered(self, document: Document) -> Metered:
        try:
            return self._extract_metered(document)
        except Exception as exc:  # its message may quote what the server sent
            message = self._redact(f"{type(exc).__name__}: {exc}")[:500]
            raise RuntimeError(f"the llm system failed: {message}") from None

    def _extract_metered(self, document: Document) -> Metered:
        client = self._connect()
        tasks = [TASKS[layer] for layer in self.layers]
        groups = [[t] for t in tasks] if self.settings.requests == "per-layer" else [tasks]
        usage = Usage()
        exchanges: list[str] = []
        problems: list[str] = []
        found: dict[str, list[Any]] = {t.layer: [] for t in tasks}
        alignment = AlignmentCounts()
        for group in groups:
            asked = self._ask(client, document, group)
            usage += asked.usage
            exchanges += asked.exchanges
            if asked.value is None:
                layers = ", ".join(t.layer for t in group)
                problems.append(self._redact(f"{layers}: {asked.problem}"))
                continue
            for task in group:
                grounder = Grounder(document.text, self.settings.fuzzy)
                found[task.layer] = task.convert(asked.value[task.layer], grounder, document)
                alignment += grounder.counts
                if grounder.unsearched:
                    problems.append(
                        f"{task.layer}: {grounder.unsearched:,} answer(s) left offset-free "
                        f"without a fuzzy search: the grounding budget of "
                        f"{grounder.budget:,} word-run comparisons per layer was spent"
                    )
        usage += Usage(
            aligned_exact=alignment.exact,
            aligned_fuzzy=alignment.fuzzy,
            unaligned=alignment.unaligned,
        )
        prediction = Prediction(document.doc_id, **found)
        return Metered(prediction, usage, tuple(exchanges), tuple(problems))

    def _examples(self, document: Document, group: Sequence[LayerTask]) -> list[prompts.Example]:
        if not self.settings.shots:
            return []
        with self._lock:
            if self._gold is None:
                from benchmark.gold import load_gold

                self._gold = load_gold()
        return prompts.select_examples(self._gold, document.doc_id, group, self.settings.shots)

    def _ask(self, client: ChatClient, document: Document, group: Sequence[LayerTask]) -> _Asked:
        checker = prompts.answer_checker(group)
        schema = checker.schema
        messages = prompts.messages(document, group, self._examples(document, group))
        usage = Usage()
        exchanges: list[str] = []
        layers = [t.layer for t in group]
        answer: Completion | None = None
        problem = ""
        limit = self.settings.max_answer_chars

        def log(request: Any, completion: Completion | None, outcome: str) -> None:
            line = _exchange(document, layers, attempt, request, completion, outcome, limit)
            exchanges.append(self._redact(line))

        for attempt in ("first", "repair"):
            if attempt == "repair":
                assert answer is not None
                messages = prompts.repair_messages(messages, answer.text, problem)
            refusals: list[_Refusal] = []
            try:
                answer, sent = self._complete(client, messages, schema, refusals)
            except TransportError as exc:
                usage += _refused_usage(refusals)
                for refusal in refusals:
                    log(refusal.request, None, refusal.outcome)
                log(None, None, f"failed: {exc}")
                usage += Usage(requests=exc.retries + 1, retries=exc.retries)
                return _Asked(None, usage, tuple(exchanges), f"the server failed: {exc}")
            usage += _refused_usage(refusals)
            for refusal in refusals:
                log(refusal.request, None, refusal.outcome)
            usage += Usage(
                requests=answer.retries + 1,
                input_tokens=answer.input_tokens,
                output_tokens=answer.output_tokens,
                seconds=round(answer.seconds, 3),
                retries=answer.retries,
            )
            if len(answer.text) > limit:
                problem = (
                    f"is {len(answer.text):,} characters long, more than the cap of {limit:,} "
                    "(option max-answer-chars); not read"
                )
                log(sent, answer, f"too long: the answer {problem}")
                return _Asked(None, usage, tuple(exchanges), f"the answer {problem}")
            reading = read_answer(answer.text, checker, self._redact)
            outcome = "valid" if reading.value is not None else f"invalid: {reading.problem}"
            if reading.value is not None and reading.salvaged:
                outcome = "valid (salvaged from a cut-off answer)"
            log(sent, answer, outcome)
            if reading.value is not None:
                return _Asked(reading.value, usage, tuple(exchanges), "")
            problem = reading.problem
        return _Asked(None, usage, tuple(exchanges), f"the answer {problem}, even after a repair")

    def _payload(self, messages: Any, schema: Mapping[str, Any], kind: str) -> dict[str, Any]:
        s = self.settings
        payload: dict[str, Any] = {
            "model": s.model or self._server_model,
            "messages": messages,
            "temperature": s.temperature,
            "seed": s.seed,
            "max_tokens": s.max_tokens,
        }
        fmt = response_format(kind, schema)
        if fmt is not None:
            payload["response_format"] = fmt
        return payload

    def _complete(
        self,
        client: ChatClient,
        messages: Any,
        schema: Mapping[str, Any],
        refusals: list[_Refusal],
    ) -> tuple[Completion, dict[str, Any]]:
        """Ask (or read from the cache) in the structured format that works (module
        doc); the refusals met on the way are appended to ``refusals``."""
        replayed = self._replay(messages, schema)
        if replayed is not None:
            completion, payload, earlier = replayed
            refusals += earlier
            return completion, payload
        while True:
            with self._lock:
                kind, settled = self._format, self._format_settled
            payload = self._payload(messages, schema, kind)
            if settled or kind == "none":
                completion = client.complete(payload)
            else:
                try:
                    completion = client.complete(payload, refusal=format_refusal)
                except TransportError as exc:
                    if not exc.refusal:
                        raise
                    refusal = _Refusal(payload, kind, str(exc), exc.retries)
                    refusals.append(refusal)
                    if self._cache is not None:
                        key = response_key(self._server_model, payload)
                        self._cache.put_refusal(key, exc.status or 0, refusal.problem)
                    self._downgrade(kind)
                    continue
            self._settle(kind)
            if self._cache is not None:
                self._cache.put(response_key(self._server_model, payload), completion)
            return completion, payload

    def _replay(
        self, messages: Any, schema: Mapping[str, Any]
    ) -> tuple[Completion, dict[str, Any], list[_Refusal]] | None:
        """This request's own history from the cache: its refusals, format by format
        from the first one, up to its cached answer (None without one)."""
        if self._cache is None:
            return None
        s = self.settings
        first = s.structured if s.structured != "auto" else _FORMATS[0]
        candidates = [first] if s.structured != "auto" else list(_FORMATS)
        refusals: list[_Refusal] = []
        for kind in candidates:
            payload = self._payload(messages, schema, kind)
            key = response_key(self._server_model, payload)
            hit = self._cache.get(key)
            if hit is not None:
                self._settle(kind)
                return hit, payload, refusals
            refused = self._cache.get_refusal(key)
            if refused is not None:
                refusals.append(_Refusal(payload, kind, refused[1], 0))
        return None

    def _settle(self, kind: str) -> None:
        with self._lock:
            if not self._format_settled:
                self._format, self._format_settled = kind, True

    def _downgrade(self, kind: str) -> None:
        with self._lock:
            if not self._format_settled and self._format == kind:
                self._format = _FORMATS[_FORMATS.index(kind) + 1]


@dataclass(frozen=True, slots=True)
class _Refusal:
    """A request in one structured-output format that the server refused."""

    request: dict[str, Any]
    kind: str
    problem: str
    retries: int

    @property
    def outcome(self) -> str:
        following = _FORMATS[_FORMATS.index(self.kind) + 1]
        then = "without one" if following == "none" else f"with response_format {following}"
        return (
            f"refused: response_format {self.kind} is not supported ({self.problem}); asking {then}"
        )


def _refused_usage(refusals: Sequence[_Refusal]) -> Usage:
    return sum((Usage(requests=r.retries + 1, retries=r.retries) for r in refusals), Usage())


#: Words by which a 5xx answer says it is about the structured-output format.
_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json_object",
                 "not supported", "unsupported", "not implemented")  # fmt: skip


def format_refusal(status: int, problem: str) -> bool:
    """Whether a failed answer definitely refuses the structured-output format
    (module doc), rather than failing for a passing reason."""
    if status in (401, 403, 404, 408, 413, 429):
        return False
    if 400 <= status < 500 or status == 501:
        return True
    lowered = problem.lower()
    return status >= 500 and any(word in lowered for word in _FORMAT_WORDS)


def _exchange(
    document: Document,
    layers: Sequence[str],
    attempt: str,
    request: Mapping[str, Any] | None,
    answer: Completion | None,
    outcome: str,
    limit: int,
) -> str:
    """One line of ``results/<name>.responses.jsonl`` (no API key: it is never here).
    An answer longer than ``limit`` characters keeps its first 1,000 only."""
    record: dict[str, Any] = {"doc_id": document.doc_id, "layers": list(layers), "attempt": attempt}
    if request is not None:
        record["request"] = request
    if answer is not None:
        text = answer.text
        if len(text) > limit:
            text = text[:1000] + f"… ({len(answer.text) - 1000:,} more characters not kept)"
        record["response"] = {
            "model": answer.model,
            "text": text,
            "finish_reason": answer.finish_reason,
            "input_tokens": answer.input_tokens,
            "output_tokens": answer.output_tokens,
            "seconds": round(answer.seconds, 3),
            "retries": answer.retries,
        }
    record["outcome"] = outcome
    return json_text(record)
