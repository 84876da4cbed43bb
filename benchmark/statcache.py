"""Statistics kept in the cache folder, keyed by a hash of everything that determines them.

Bootstrap intervals, paired randomization tests and significance tiers are
pure functions of their arguments (per-unit count matrices, the statistic,
the seed, trial counts and the other settings of the signature) and of the
code that computes them. :func:`memoized` wraps such a function: while
caching is on (:func:`caching`), a call is answered from
``<cache folder>/stats/`` when an entry for the same key exists, and
computed and stored otherwise. An unchanged leaderboard is then rendered from
stored figures alone; a changed results file changes only the keys of the
figures that involve its counts (its intervals, the paired tests against it,
the tiers of the tables it is in), and only those are computed again.

The key is the SHA-256 of a canonical encoding of:

* the function (module and qualified name);
* the SHA-256 of the source files of its module and of
  :mod:`benchmark.stats` (an edit to either misses the cache), and numpy's
  version (its random streams);
* every argument, by value: numbers exactly (floats by their hex form),
  strings, ``None``, sequences and mappings in their order, numpy arrays by
  dtype, shape and bytes, dataclasses (``UnitCounts``, ``Statistic``,
  ``StatsSettings``) by type and fields, functions by qualified name. A
  :class:`~benchmark.stats.Statistic` is thus keyed by its name, layers and
  its function's qualified name; its name must say what it computes (every
  statistic troopbench builds names its layer and metric).

Inputs checked once need not be checked again: :func:`check_mark` keys a
mark by the SHA-256 of a file's bytes and of the checking code (a results
file that passed the input bounds, its schema and the counts check is read
back without them while its bytes and that code are unchanged).

An argument of any other type makes the call uncached (computed, not
stored). Values are stored as JSON: floats round-trip exactly, dataclasses
of troopbench's own modules are rebuilt by type name, tuples stay tuples; a
value of another type is not stored. Entries are written atomically; an
entry that cannot be read or decoded is computed again and rewritten; a
failure to write (read-only or full disk) is ignored. Outside
:func:`caching` (library calls, tests), every call computes.

The cache folder is the predictions cache's (:func:`benchmark.cache.default_cache_dir`),
never the repository. Entries are small (a few hundred bytes) and never
evicted: delete the folder to reclaim the space.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from benchmark.atomic import write_text_atomic

FORMAT = "troopbench-stats/1"
SUBFOLDER = "stats"

P = ParamSpec("P")
R = TypeVar("R")

_state: dict[str, Path | None] = {"folder": None}
_code_hashes: dict[str, str] = {}
_counts: dict[str, int] = {"hits": 0, "misses": 0}


class Uncacheable(TypeError):
    """An argument or value that has no canonical encoding here."""


@contextlib.contextmanager
def caching(cache_dir: Path | None) -> Iterator[None]:
    """Within the block, memoized statistics are kept under ``cache_dir/stats``
    (``None``: not kept, every call computes)."""
    previous = _state["folder"]
    _state["folder"] = None if cache_dir is None else Path(cache_dir) / SUBFOLDER
    try:
        yield
    finally:
        _state["folder"] = previous


def counters() -> dict[str, int]:
    """Hits and misses of memoized calls in this process (while caching was on)."""
    return dict(_counts)


# ------------------------------------------------------------------ keys


def _source_hash(module_name: str) -> str:
    known = _code_hashes.get(module_name)
    if known is None:
        module = sys.modules.get(module_name)
        if module is not None:
            path = getattr(module, "__file__", None)
        else:  # located, not imported
            spec = importlib.util.find_spec(module_name)
            path = spec.origin if spec is not None and spec.has_location else None
        h = hashlib.sha256(module_name.encode())
        if path is not None:
            source = Path(path)
            # a package: every file beside its __init__ (schemas are JSON files)
            files = sorted(source.parent.glob("*.*")) if source.name == "__init__.py" else []
            for file in files or [source]:
                if file.is_file() and file.suffix in (".py", ".json"):
                    h.update(file.name.encode() + b"\0" + file.read_bytes())
        known = _code_hashes[module_name] = h.hexdigest()
    return known


def _feed(h: Any, obj: object) -> None:  # h: a hashlib hash
    if obj is None:
        h.update(b"N;")
    elif isinstance(obj, bool | np.bool_):
        h.update(b"B1;" if obj else b"B0;")
    elif isinstance(obj, int | np.integer):
        h.update(b"I%d;" % int(obj))
    elif isinstance(obj, float | np.floating):
        h.update(b"F" + float(obj).hex().encode() + b";")
    elif isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        h.update(b"S%d:" % len(data) + data)
    elif isinstance(obj, np.ndarray):
        array = np.ascontiguousarray(obj)
        h.update(f"A{array.dtype.str}{array.shape};".encode())
        h.update(array.tobytes())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        kind = type(obj)
        h.update(f"D{kind.__module__}.{kind.__qualname__};".encode())
        for f in dataclasses.fields(obj):
            _feed(h, f.name)
            _feed(h, getattr(obj, f.name))
    elif isinstance(obj, Mapping):
        h.update(b"M%d;" % len(obj))
        for key, value in obj.items():
            _feed(h, key)
            _feed(h, value)
    elif isinstance(obj, tuple | list):
        h.update(b"T%d;" % len(obj) if isinstance(obj, tuple) else b"L%d;" % len(obj))
        if obj and all(type(item) is str for item in obj):  # unit ids: one update
            data = [item.encode("utf-8", "surrogatepass") for item in obj]
            h.update(b"S*" + b"".join(b"%d:" % len(d) + d for d in data))
            return
        for item in obj:
            _feed(h, item)
    elif callable(obj) and hasattr(obj, "__qualname__"):
        h.update(f"C{getattr(obj, '__module__', '')}.{obj.__qualname__};".encode())
    else:
        raise Uncacheable(f"no canonical encoding for {type(obj).__name__}")


def key_of(function: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    """The cache key of ``function(*args, **kwargs)`` (module doc); Uncacheable if none."""
    h = hashlib.sha256()
    _feed(h, FORMAT)
    _feed(h, f"{function.__module__}.{function.__qualname__}")
    _feed(h, _source_hash(function.__module__))
    _feed(h, _source_hash("benchmark.stats"))
    _feed(h, np.__version__)
    _feed(h, args)
    _feed(h, sorted(kwargs.items()))
    return h.hexdigest()


# ------------------------------------------------------------------ values


def encode(value: object) -> Any:
    """``value`` as plain JSON data (module doc); Uncacheable for other types."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else {"$float": repr(number)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, Mapping):
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith("benchmark."):
            raise Uncacheable(f"{kind.__module__}.{kind.__qualname__} is not troopbench's")
        return {
            "$dataclass": f"{kind.__module__}:{kind.__qualname__}",
            "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise Uncacheable(f"cannot store a {type(value).__name__}")


def decode(data: Any) -> Any:
    """The value :func:`encode` encoded; ValueError for data it cannot have written."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if "$tuple" in data:
            return tuple(decode(v) for v in data["$tuple"])
        if "$map" in data:
            return {decode(k): decode(v) for k, v in data["$map"]}
        if "$float" in data:
            return float(data["$float"])
        if "$dataclass" in data:
            module_name, _, name = str(data["$dataclass"]).partition(":")
            if not module_name.startswith("benchmark."):
                raise ValueError(f"{module_name} is not troopbench's")
            kind: Any = importlib.import_module(module_name)
            for part in name.split("."):
                kind = getattr(kind, part)
            if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
                raise ValueError(f"{data['$dataclass']} is not a dataclass")
            return kind(**{k: decode(v) for k, v in data["fields"].items()})
    raise ValueError(f"unexpected {type(data).__name__} in a stats entry")


# ------------------------------------------------------------------ checked inputs


def check_mark(kind: str, payload: bytes, modules: tuple[str, ...]) -> Path | None:
    """Where the mark "``payload`` passed the ``kind`` checks of ``modules``' code" is
    kept, keyed by the SHA-256 of the payload and of those modules' sources; None
    while caching is off. The mark exists once :func:`set_mark` wrote it."""
    folder = _state["folder"]
    if folder is None:
        return None
    h = hashlib.sha256()
    _feed(h, FORMAT)
    _feed(h, kind)
    _feed(h, [_source_hash(m) for m in modules])
    _feed(h, hashlib.sha256(payload).hexdigest())
    key = h.hexdigest()
    return folder / "checked" / key[:2] / key


def set_mark(mark: Path) -> None:
    """Write a mark of :func:`check_mark`; a failure to write is ignored."""
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(mark, "checked\n", durable=False)
    except OSError:
        pass


# ------------------------------------------------------------------ the wrapper


def _entry(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def _lookup_or_compute(folder: Path, key: str, compute: Callable[[], R]) -> R:
    path = _entry(folder, key)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("format") == FORMAT and stored.get("key") == key:
            value = decode(stored["value"])
            _counts["hits"] += 1
            return value  # type: ignore[no-any-return]
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ImportError):
        pass  # absent or unreadable: compute it again
    value = compute()
    _counts["misses"] += 1
    try:
        text = json.dumps({"format": FORMAT, "key": key, "value": encode(value)})
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text + "\n", durable=False)
    except (Uncacheable, OSError, ValueError):
        pass  # not storable, or the cache folder is not writable
    return value


def memoized(function: Callable[P, R]) -> Callable[P, R]:
    """``function``, answered from the stats cache while caching is on (module doc)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        folder = _state["folder"]
        if folder is None:
            return function(*args, **kwargs)
        try:
            key = key_of(function, args, kwargs)
        except Uncacheable:
            return function(*args, **kwargs)
        return _lookup_or_compute(folder, key, lambda: function(*args, **kwargs))

    return wrapper


def remember(kind: str, parts: object, modules: tuple[str, ...], compute: Callable[[], R]) -> R:
    """``compute()``, kept while caching is on under a key of ``kind``, ``parts`` (all
    that determines the value, encoded as arguments are) and the sources of
    ``modules`` (the code that computes it)."""
    folder = _state["folder"]
    if folder is None:
        return compute()
    h = hashlib.sha256()
    _feed(h, FORMAT)
    _feed(h, kind)
    _feed(h, [_source_hash(m) for m in modules])
    _feed(h, parts)
    return _lookup_or_compute(folder, h.hexdigest(), compute)
