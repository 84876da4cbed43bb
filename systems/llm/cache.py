"""The response cache: a re-run asks the server nothing it has answered before.

A response is keyed by the model as the server reports it, the hash of the
messages (the prompt) and the other request parameters (temperature, seed,
token cap, response format): a changed prompt, model or parameter is a miss
and is asked again. An entry keeps the answer text and what it cost when it
was made (tokens, seconds, retries), so a re-run records the same usage and
writes the same bytes. The API key is never part of a key or an entry.

Entries are small JSON files ``<dir>/<key[:2]>/<key>.json`` written
atomically; one that cannot be read, or whose stored key differs, is a miss.
The default folder is ``llm-responses`` inside troopbench's cache folder
(:func:`benchmark.cache.default_cache_dir`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmark.atomic import write_text_atomic
from systems.llm.transport import Completion

CACHE_FORMAT = "troopbench-llm-response/1"


def prompt_hash(messages: Any) -> str:
    """sha256 of the messages as canonical JSON."""
    text = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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

    def get(self, key: str) -> Completion | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT or data.get("key") != key:
                return None
            c = data["completion"]
            return Completion(
                str(c["text"]),
                str(c["model"]),
                int(c["input_tokens"]),
                int(c["output_tokens"]),
                float(c["seconds"]),
                int(c["retries"]),
                str(c["finish_reason"]),
                "",
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

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
        text = json.dumps(data, ensure_ascii=False)
        with contextlib.suppress(OSError):  # a cache that cannot be written costs a re-run
            write_text_atomic(self._path(key), text, durable=False)
