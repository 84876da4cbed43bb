"""The HTTP client for OpenAI-compatible chat-completions servers.

Standard library only (``urllib``), safe to share between threads. Each call
posts one ``/chat/completions`` request and returns a :class:`Completion`:
the message text, the token counts the server reports, how long it took and
how many retries it needed.

Failures are classified. HTTP 429 and 5xx answers, connection errors and
timeouts are *transient*: the request is tried again, up to ``max_retries``
times, after an exponentially growing delay (``backoff * 2**attempt``, capped
at ``max_backoff``) with full jitter, or after the server's ``Retry-After``
(seconds or an HTTP date) when it sends one, whichever is longer (capped at
``max_backoff`` as well). Other 4xx answers are not retried. What still fails
raises :class:`TransportError` with the status and the first part of the
server's answer.

A :class:`Budget` caps a run: at most ``max_requests`` requests and
``max_tokens`` tokens (input plus output, as reported) across every thread;
once spent, calls raise :class:`BudgetExhausted` without contacting the
server.

The API key is sent as a bearer token and nowhere else: it is not part of any
exception, log line, or :class:`Completion`.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class TransportError(Exception):
    """A request that failed for good (after its retries, or not retryable)."""

    def __init__(self, message: str, status: int | None = None, retries: int = 0) -> None:
        self.status = status
        self.retries = retries
        super().__init__(message)


class BudgetExhausted(TransportError):
    """The run's cap on requests or tokens is spent."""


@dataclass(frozen=True, slots=True)
class Completion:
    """One successful chat completion."""

    text: str
    model: str
    input_tokens: int
    output_tokens: int
    seconds: float
    retries: int
    finish_reason: str
    raw: str  # the server's response body


class Budget:
    """A cap on requests and tokens, shared by every thread of a run (None: no cap)."""

    def __init__(self, max_requests: int | None = None, max_tokens: int | None = None) -> None:
        self.max_requests = max_requests
        self.max_tokens = max_tokens
        self.requests = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def take_request(self) -> None:
        with self._lock:
            if self.max_requests is not None and self.requests >= self.max_requests:
                raise BudgetExhausted(f"the run's cap of {self.max_requests} requests is spent")
            if self.max_tokens is not None and self.tokens >= self.max_tokens:
                raise BudgetExhausted(f"the run's cap of {self.max_tokens} tokens is spent")
            self.requests += 1

    def add_tokens(self, n: int) -> None:
        with self._lock:
            self.tokens += n

    def __getstate__(self) -> dict[str, Any]:
        return {"max_requests": self.max_requests, "max_tokens": self.max_tokens}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_requests"], state["max_tokens"])  # type: ignore[misc]


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The delay a ``Retry-After`` header asks for: delta-seconds or an HTTP date.

    None when absent or unreadable; never negative.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(
    attempt: int,
    backoff: float,
    max_backoff: float,
    retry_after: float | None,
    rng: Callable[[], float] = random.random,
) -> float:
    """Full-jitter exponential backoff, at least ``retry_after``, at most ``max_backoff``."""
    ceiling = min(max_backoff, backoff * (2**attempt))
    delay = ceiling * rng()
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, max_backoff)


_TRANSIENT_ERRORS = (
    urllib.error.URLError,
    TimeoutError,
    socket.timeout,
    ConnectionError,
    http.client.HTTPException,
)


class ChatClient:
    """Posts chat-completion requests to ``base_url`` with retries (module doc)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.budget = budget or Budget()
        self._sleep = sleep

    def __repr__(self) -> str:  # never shows the key
        return f"ChatClient({self.base_url!r}, key={'set' if self._api_key else 'none'})"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _post(self, path: str, body: bytes) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=self._headers(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers or {}), exc.read() if exc.fp else b""

    def get_json(self, path: str) -> Any:
        """GET ``path`` (e.g. ``/models``) once, no retries; the parsed JSON."""
        request = urllib.request.Request(
            self.base_url + path, headers=self._headers(), method="GET"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read().decode("utf-8"))

    def complete(self, payload: Mapping[str, Any], max_retries: int | None = None) -> Completion:
        """Post ``payload`` to ``/chat/completions``; retry transient failures
        (up to ``max_retries``, default the client's)."""
        limit = self.max_retries if max_retries is None else max_retries
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        retries = 0
        started = time.perf_counter()
        while True:
            self.budget.take_request()
            status, problem, retry_after, completion = self._attempt(body, started, retries)
            if completion is not None:
                return completion
            if status is not None and status != 429 and 400 <= status < 500:
                raise TransportError(problem, status, retries)
            if retries >= limit:
                raise TransportError(
                    f"gave up after {retries + 1} attempts: {problem}", status, retries
                )
            self._sleep(backoff_delay(retries, self.backoff, self.max_backoff, retry_after))
            retries += 1

    def _attempt(
        self, body: bytes, started: float, retries: int
    ) -> tuple[int | None, str, float | None, Completion | None]:
        """One try: (status, problem, Retry-After seconds, the completion if it worked)."""
        try:
            status, headers, raw = self._post("/chat/completions", body)
        except _TRANSIENT_ERRORS as exc:
            return None, f"{type(exc).__name__}: {exc}", None, None
        if status == 200:
            try:
                return 200, "", None, self._completion(raw, time.perf_counter() - started, retries)
            except _NotACompletion as exc:  # cut off or garbled on the way: worth a retry
                return None, str(exc), None, None
        lowered = {k.lower(): v for k, v in headers.items()}
        snippet = raw[:300].decode("utf-8", "replace")
        retry_after = retry_after_seconds(lowered.get("retry-after"))
        return status, f"HTTP {status}: {snippet}", retry_after, None

    def _completion(self, raw: bytes, seconds: float, retries: int) -> Completion:
        text = raw.decode("utf-8", "replace")
        try:
            data = json.loads(text, strict=False)
            choice = data["choices"][0]
            content = choice["message"].get("content") or ""
            usage = data.get("usage") or {}
            input_tokens = int(usage.get("prompt_tokens") or 0)
            output_tokens = int(usage.get("completion_tokens") or 0)
            model = str(data.get("model") or "")
            finish = str(choice.get("finish_reason") or "")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise _NotACompletion(
                f"the server's answer is not a chat completion ({type(exc).__name__}): "
                f"{text[:200]!r}"
            ) from None
        self.budget.add_tokens(input_tokens + output_tokens)
        return Completion(
            str(content), model, input_tokens, output_tokens, seconds, retries, finish, text
        )


class _NotACompletion(Exception):
    """A 200 answer whose body is not a chat completion."""
