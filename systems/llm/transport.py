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

The API key is sent as a bearer token to ``base_url`` and nowhere else:

* **no redirects are followed**: a 3xx answer is a failure (not retried) that
  names where the server wanted to send the request, so the key never travels
  to another origin (nor to another path of the same one: give ``base-url``
  the final address);
* **what the server sends back is scrubbed of the key** (:class:`Redactor`):
  every error text, the answer, the model name; a server that echoes the key
  cannot make it part of an exception, a log line or a :class:`Completion`.

Answers are **bounded**: the body is read in chunks and the read stops, with
a failure that is not retried, as soon as it passes ``max_response_bytes``
(a ``Content-Length`` above it is refused before anything is read; nothing
is ever allocated from that header). The token counts a server reports must
be integers from 0 to :data:`MAX_REPORTED_TOKENS`, or the answer is not a
chat completion (retried as garbled). :func:`json_text` is the one JSON
writer of the system: lone surrogates (which a server may send as
``\\ud800``) come out escaped, so a request body, a log line or a cache entry
always encodes to UTF-8.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class TransportError(Exception):
    """A request that failed for good (after its retries, or not retryable)."""

    def __init__(
        self, message: str, status: int | None = None, retries: int = 0, refusal: bool = False
    ) -> None:
        self.status = status
        self.retries = retries
        self.refusal = refusal  # the caller's ``refusal`` test said so (see ChatClient.complete)
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


#: The largest token count a server may report for one request.
MAX_REPORTED_TOKENS = 10**9
#: The default cap on the bytes of one answer (option ``max-response-bytes``).
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
REDACTED = "[API key removed]"


def json_text(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False)`` (``NaN`` and
    ``Infinity`` are not JSON: ValueError) with lone surrogates written as
    ``\\uXXXX`` escapes: the same text for every other value, and always valid
    UTF-8 (a JSON reader gets the same value back)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Redactor:
    """Removes an API key from text: as sent, JSON-escaped and URL-encoded.

    With no key (or an empty one) it returns text unchanged. A key so short
    that it occurs in ordinary text blanks those words as well: the promise
    that the key is never written comes first.
    """

    def __init__(self, secret: str | None) -> None:
        forms: set[str] = set()
        if secret:
            forms = {
                secret,
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
                urllib.parse.quote(secret, safe=""),
                urllib.parse.quote_plus(secret, safe=""),
            }
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __repr__(self) -> str:  # never shows the key
        return f"Redactor({'set' if self._forms else 'none'})"


class ResponseTooLarge(Exception):
    """An answer past the byte cap (never read whole)."""


def read_capped(response: Any, cap: int) -> bytes:
    """The body of ``response``, read in chunks; :class:`ResponseTooLarge` once it
    passes ``cap`` bytes, or at once when ``Content-Length`` announces more."""
    announced = response.headers.get("Content-Length") if response.headers else None
    if announced is not None:
        try:
            size = int(str(announced).strip())
        except ValueError:
            size = None
        if size is not None and size > cap:
            raise ResponseTooLarge(
                f"the server announced {size:,} bytes, more than the cap of {cap:,} "
                "(option max-response-bytes); nothing was read"
            )
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(min(_CHUNK, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > cap:
            raise ResponseTooLarge(
                f"the answer passed the cap of {cap:,} bytes (option max-response-bytes); "
                "reading stopped there"
            )
        chunks.append(chunk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an HTTPError carrying the 3xx (module doc)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.redact = Redactor(api_key)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.budget = budget or Budget()
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:  # never shows the key
        return f"ChatClient({self.base_url!r}, key={'set' if self._api_key else 'none'})"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _send(
        self, path: str, body: bytes | None, cap: int
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One request, no redirects followed: (status, headers, body read up to ``cap``)."""
        method = "GET" if body is None else "POST"
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=self._headers(), method=method
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), read_capped(response, cap)
        except urllib.error.HTTPError as exc:
            with exc:
                status, headers = exc.code, dict(exc.headers or {})
                # an error's body is only quoted: its first part is enough
                body_read = b""
                if exc.fp is not None:
                    try:
                        body_read = read_capped(exc, min(cap, _CHUNK))
                    except ResponseTooLarge:
                        body_read = b""
                return status, headers, body_read

    def get_json(self, path: str) -> Any:
        """GET ``path`` (e.g. ``/models``) once, no retries; the parsed JSON.
        Raises TransportError for anything but a 200 with a JSON body."""
        try:
            status, headers, raw = self._send(path, None, self.max_response_bytes)
        except (*_TRANSIENT_ERRORS, ResponseTooLarge) as exc:
            raise TransportError(self.redact(f"{type(exc).__name__}: {exc}")) from None
        if status != 200:
            raise TransportError(self._problem(status, headers, raw), status)
        try:
            return json.loads(raw.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            raise TransportError(f"GET {path}: the answer is not JSON", status) from None

    def complete(
        self,
        payload: Mapping[str, Any],
        max_retries: int | None = None,
        *,
        refusal: Callable[[int, str], bool] | None = None,
    ) -> Completion:
        """Post ``payload`` to ``/chat/completions``; retry transient failures
        (up to ``max_retries``, default the client's). A failed answer for which
        ``refusal(status, problem)`` is true is not retried: the TransportError
        raised says ``refusal=True``."""
        limit = self.max_retries if max_retries is None else max_retries
        body = json_text(payload).encode("utf-8")
        retries = 0
        started = time.perf_counter()
        while True:
            self.budget.take_request()
            status, problem, retry_after, completion, final = self._attempt(body, started, retries)
            if completion is not None:
                return completion
            refused = status is not None and refusal is not None and refusal(status, problem)
            if final or refused:
                raise TransportError(problem, status, retries, refused)
            if retries >= limit:
                raise TransportError(
                    f"gave up after {retries + 1} attempts: {problem}", status, retries
                )
            self._sleep(backoff_delay(retries, self.backoff, self.max_backoff, retry_after))
            retries += 1

    def _attempt(
        self, body: bytes, started: float, retries: int
    ) -> tuple[int | None, str, float | None, Completion | None, bool]:
        """One try: (status, problem, Retry-After seconds, the completion if it
        worked, whether the failure is final: not worth a retry)."""
        try:
            status, headers, raw = self._send("/chat/completions", body, self.max_response_bytes)
        except ResponseTooLarge as exc:
            return None, str(exc), None, None, True
        except _TRANSIENT_ERRORS as exc:
            return None, self.redact(f"{type(exc).__name__}: {exc}"), None, None, False
        if status == 200:
            try:
                completion = self._completion(raw, time.perf_counter() - started, retries)
            except _NotACompletion as exc:  # cut off or garbled on the way: worth a retry
                return None, self.redact(str(exc)), None, None, False
            return 200, "", None, completion, False
        lowered = {k.lower(): v for k, v in headers.items()}
        retry_after = retry_after_seconds(lowered.get("retry-after"))
        final = status < 500 and status != 429  # 3xx and 4xx: a definite answer
        return status, self._problem(status, headers, raw), retry_after, None, final

    def _problem(self, status: int, headers: Mapping[str, str], raw: bytes) -> str:
        """What went wrong with a non-200 answer, scrubbed of the key."""
        if 300 <= status < 400:
            lowered = {k.lower(): v for k, v in headers.items()}
            target = str(lowered.get("location", "(no Location)"))[:200]
            return self.redact(
                f"HTTP {status}: the server redirects to {target!r}; redirects are not "
                "followed, so that the API key goes to base-url only (give base-url "
                "the address it redirects to)"
            )
        snippet = raw[:300].decode("utf-8", "replace")
        return self.redact(f"HTTP {status}: {snippet}")

    def _completion(self, raw: bytes, seconds: float, retries: int) -> Completion:
        text = raw.decode("utf-8", "replace")
        try:
            data = json.loads(text, strict=False)
            choice = data["choices"][0]
            content = _string(choice["message"].get("content"), "message content")
            usage = data.get("usage") or {}
            if not isinstance(usage, dict):
                raise TypeError("usage is not an object")
            input_tokens = _token_count(usage, "prompt_tokens")
            output_tokens = _token_count(usage, "completion_tokens")
            model = _string(data.get("model"), "model")
            finish = _string(choice.get("finish_reason"), "finish_reason")
        except _NotACompletion:
            raise
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
            raise _NotACompletion(
                f"the server's answer is not a chat completion ({type(exc).__name__}): "
                f"{text[:200]!r}"
            ) from None
        self.budget.add_tokens(input_tokens + output_tokens)
        redact = self.redact
        return Completion(
            redact(content), redact(model), input_tokens, output_tokens, seconds, retries,
            redact(finish),
        )  # fmt: skip


class _NotACompletion(Exception):
    """A 200 answer whose body is not a chat completion."""


def _string(value: Any, what: str) -> str:
    """A text field of a completion: a string, or empty when absent."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _NotACompletion(f"the server's answer is not a chat completion: its {what} is "
                              f"a {type(value).__name__}, not a string")  # fmt: skip
    return value


def _token_count(usage: Mapping[str, Any], name: str) -> int:
    """A token count a server reports: an integer in [0, MAX_REPORTED_TOKENS], 0 if absent."""
    value = usage.get(name)
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_REPORTED_TOKENS:
        if isinstance(value, int) and not isinstance(value, bool):
            shown = str(value) if abs(value) < 10**40 else "an integer of over 40 digits"
        elif isinstance(value, str | float | bool):
            shown = repr(value)[:40]
        else:
            shown = f"a {type(value).__name__}"
        raise _NotACompletion(
            f"the server's answer is not a chat completion: it reports {name}={shown}, "
            f"not a token count from 0 to {MAX_REPORTED_TOKENS:,}"
        )
    return value
