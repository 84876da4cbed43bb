"""A small real HTTP server speaking the OpenAI chat-completions protocol, for tests.

It listens on 127.0.0.1 at a free port and answers each POST to
``/v1/chat/completions`` as its ``script`` says: a list of :class:`Reply`
consumed in order (then the ``default``), or a function of the request. It
records every request (body and headers) it receives, GETs included
(``gets``: path and headers), and how many body bytes it sent (``sent``).
``get_script`` answers GETs other than the model listing, or all of them. :func:`valid_answer`
builds a schema-valid answer from the request: each requested layer's first
few capitalised words of the article as GPE entities, the rest empty.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAYER_KEYS = ("entities", "timexes", "troop_counts", "stances")


@dataclass
class Reply:
    """What the server sends: a status, headers, a body (bytes), after ``delay`` s.

    ``content`` (when ``body`` is None) is wrapped in a chat completion.
    ``cut`` closes the connection after that many body bytes (a cut-off answer).
    ``stream`` sends, after ``body``, that many bytes of filler in 1 MiB chunks
    and no Content-Length (the end is the closed connection), stopping when
    the client hangs up.
    """

    status: int = 200
    content: str | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: int | None = None
    stream: int | None = None


def requested_layers(request: dict[str, Any]) -> list[str]:
    text = " ".join(str(m.get("content", "")) for m in request.get("messages", []))
    return [k for k in LAYER_KEYS if f'Task "{k}"' in text]


def article(request: dict[str, Any]) -> str:
    text = " ".join(str(m.get("content", "")) for m in request.get("messages", []))
    match = re.search(r"Article:\n<<<\n(.*?)\n>>>", text, re.S)
    return match.group(1) if match else ""


def valid_answer(request: dict[str, Any], entities: int = 3) -> str:
    words = re.findall(r"\b[A-Z][a-z]{3,}\b", article(request))[:entities]
    answer: dict[str, list[Any]] = {k: [] for k in requested_layers(request)}
    if "entities" in answer:
        answer["entities"] = [{"text": w, "type": "GPE"} for w in words]
    return json.dumps(answer)


def completion_body(content: str, model: str = "fake-model") -> bytes:
    return json.dumps(
        {
            "id": "cmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }
    ).encode("utf-8")


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many clients at once (the default backlog is 5)


Script = list[Reply] | Callable[[dict[str, Any], int], Reply]


class FakeServer:
    """The server (module doc); use as a context manager."""

    def __init__(self, script: Script | None = None, model: str = "fake-model") -> None:
        self.script: Script = script if script is not None else []
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.times: list[float] = []
        self.gets: list[tuple[str, dict[str, str]]] = []
        self.sent = 0
        self.get_script: Callable[[str], Reply | None] | None = None
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            index = len(self.requests) - 1
            if callable(self.script):
                return self.script(request, index)
            if self.script:
                return self.script.pop(0)
        return Reply(content=valid_answer(request))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with fake._lock:
                    fake.gets.append((self.path, dict(self.headers)))
                scripted = fake.get_script(self.path) if fake.get_script else None
                if scripted is not None:
                    self._send(scripted)
                elif self.path.rstrip("/").endswith("/models"):
                    data = {"object": "list", "data": [{"id": fake.model, "object": "model"}]}
                    self._send(Reply(body=json.dumps(data).encode()))
                else:
                    self._send(Reply(404, body=b"not found"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw)
                except ValueError:
                    self._send(Reply(400, body=b"bad json"))
                    return
                with fake._lock:
                    fake.requests.append(request)
                    fake.headers.append(dict(self.headers))
                    fake.times.append(time.monotonic())
                self._send(fake._next(request))

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                if body is None:
                    body = completion_body(reply.content or "", fake.model)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                if reply.stream is not None:
                    self._stream(body, reply.stream)
                    return
                if "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body if reply.cut is None else body[: reply.cut])
                    self.wfile.flush()
                except OSError:
                    return
                if reply.cut is not None:
                    self.close_connection = True

            def _stream(self, head: bytes, size: int) -> None:
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                chunk = b"x" * (1 << 20)
                try:
                    self.wfile.write(head)
                    left = size
                    while left > 0:
                        part = chunk[: min(left, len(chunk))]
                        self.wfile.write(part)
                        left -= len(part)
                        with fake._lock:
                            fake.sent += len(part)
                    self.wfile.flush()
                except OSError:
                    return

        return Handler
