"""The response cache: a re-run asks the server nothing it has answered before.

A response is keyed by the model as the server reports it, the hash of the
messages (the prompt) and the other request parameters (temperature, seed,
token cap, response format): a changed prompt, model or parameter is a miss
and is asked again. An entry keeps the answer text and what it cost when it
was made (tokens, seconds, retries), so a re-run records the same usage and
writes the same bytes. The API key is never part of a key or an entry.

Entries are small JSON files ``<dir>/<key[:2]>/<key>.json`` written
atomically (by :func:`~systems.llm.transport.json_text`, so an answer with a
lone surrogate is stored, escaped, and read back the same). One that cannot
be read, is not a regular file (a symlink, a FIFO, a device), is larger than
:data:`MAX_ENTRY_BYTES`, nests too deeply or whose stored key differs, is a
miss; a cache that cannot be written costs a re-run, never the answer.
Besides answers, the cache keeps the server's *refusals* of a structured-output
format (:meth:`ResponseCache.put_refusal`), so that a re-run replays the same
fallback, and writes the same log, without asking.
The default folder is ``llm-responses`` inside troopbench's cache folder
(:func:`benchmark.cache.default_cache_dir`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmark.atomic import write_text_atomic
from systems.llm.transport import MAX_REPORTED_TOKENS, Completion, json_text

CACHE_FORMAT = "troopbench-llm-response/1"
#: A cache entry larger than this is not read (a miss).
MAX_ENTRY_BYTES = 32 * 1024 * 1024
#: A stored completion claiming more retries than this is a miss.
MAX_RETRIES_STORED = 1000


def _read_entry(path: Path) -> Any:
    """The JSON of a cache entry that is a regular file of bounded size, else None."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, MAX_ENTRY_BYTES + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_ENTRY_BYTES:
                return None
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)


def prompt_hash(messages: Any) -> str:
    """sha256 of the messages as canonical JSON."""
    text = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # surrogatepass: a repair request may quote an answer with a lone surrogate
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def response_key(server_model: str, payload: Mapping[str, Any]) -> str:
    """The cache key of a request: (server model, prompt hash, other parameters)."""
    params = {k: v for k, v in payload.items() if k not in ("messages", "model")}
    material = {
        "model": server_model,
        "prompt": prompt_hash(payload.get("messages")),
        "params": params,
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Completions stored by :func:`response_key` in ``directory`` (module doc)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def _entry(self, key: str, kind: str) -> Any:
        data = _read_entry(self._path(key))
        if not isinstance(data, dict):
            return None
        if data.get("format") != CACHE_FORMAT or data.get("key") != key:
            return None
        return data.get(kind)

    def get(self, key: str) -> Completion | None:
        """The stored completion of ``key``; a miss (None) unless every field has its
        type and lies in range (strings; token counts from 0 to
        MAX_REPORTED_TOKENS; seconds finite and not negative; retries at most
        MAX_RETRIES_STORED), so a hand-edited entry cannot put an absurd
        count or ``Infinity`` into a results file."""
        c = self._entry(key, "completion")
        if not isinstance(c, dict):
            return None
        texts = [c.get(k) for k in ("text", "model", "finish_reason")]
        counts = [c.get(k) for k in ("input_tokens", "output_tokens", "retries")]
        seconds = c.get("seconds")
        if not all(isinstance(t, str) for t in texts):
            return None
        if not all(type(n) is int and 0 <= n <= MAX_REPORTED_TOKENS for n in counts):
            return None
        if counts[2] > MAX_RETRIES_STORED:
            return None
        if type(seconds) not in (int, float) or not 0 <= seconds < 1e9:  # NaN fails too
            return None
        text, model, finish = texts
        return Completion(text, model, counts[0], counts[1], float(seconds), counts[2], finish)

    def get_refusal(self, key: str) -> tuple[int, str] | None:
        """A stored refusal of the request ``key``: (HTTP status, the problem)."""
        r = self._entry(key, "refusal")
        if not isinstance(r, dict):
            return None
        status, problem = r.get("status"), r.get("problem")
        if type(status) is not int or not isinstance(problem, str):
            return None
        return status, problem

    def put_refusal(self, key: str, status: int, problem: str) -> None:
        data = {
            "format": CACHE_FORMAT,
            "key": key,
            "refusal": {"status": status, "problem": problem},
        }
        self._write(key, data)

    def put(self, key: str, completion: Completion) -> None:
        data = {
            "format": CACHE_FORMAT,
            "key": key,
            "completion": {
                "text": completion.text,
                "model": completion.model,
                "input_tokens": completion.input_tokens,
                "output_tokens": completion.output_tokens,
                "seconds": round(completion.seconds, 3),
                "retries": completion.retries,
                "finish_reason": completion.finish_reason,
            },
        }
        self._write(key, data)

    def _write(self, key: str, data: Mapping[str, Any]) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written costs a re-run
            write_text_atomic(self._path(key), json_text(data), durable=False)
