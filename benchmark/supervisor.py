"""Supervised worker processes: a system never runs in troopbench's own process.

A :class:`Supervisor` builds a system in a worker process (a fresh
interpreter; or a ``fork`` of this one for a system object that cannot be
pickled and has no name to be built by), asks it for its name, version and
layers, and then sends it documents one at a time. The worker extracts each
document and turns the output into plain JSON (strings, numbers, lists,
objects: never a pickle, so no class of the system is ever rebuilt, and none
of its code runs, here); troopbench's process reads it back in length-checked
frames and validates everything in it (:func:`receive`), so a system that
patches the worker's own checks gains nothing. A worker whose messages are
not such frames (garbage written on its pipe, a forged length, a frame
larger than the input limits) is treated like one that died.

The parent waits on the workers' pipes only, never blocking on a read or a
write, so it stays responsive to Ctrl-C and to timeouts whatever a worker
sends. When a document runs past its timeout the worker's whole process
group is killed (``SIGKILL``: a regex or C call holding the GIL cannot stop
that, and nothing the system started survives it) and the document is
recorded as ``timeout after 3.0 s``; when a worker dies (``os._exit``, a
segfault, the memory limit) the document is recorded as ``worker died: exit
code 1`` or ``worker died: signal 11``. A fresh worker then carries on with
the next document. A worker that had other documents in flight
(``parallel = "thread"`` systems run several at a time on threads inside one
worker) hands them back; they are re-run one at a time, so a fault is always
charged to the document that caused it and the result of a document never
depends on which worker ran it.

Nothing outlives the run. Each worker leads its own session and process
group, so the subprocesses and forks of a system are in it, and the group is
killed when the worker times out, dies, is stopped, or the run ends or is
interrupted. Each worker's ``TMPDIR`` is a folder of its own inside one
folder the supervisor owns and removes on close; a system's temporary files
land there. Workers die with their parent: on Linux through
``PR_SET_PDEATHSIG``, elsewhere through a watchdog thread; and a small
guardian process beside each worker kills the worker's group and removes its
temporary folder as soon as the worker is gone, however it went. Workers are
started without :mod:`multiprocessing`, so there is no resource tracker to
outlive the run either. A system's prints go to standard error, so that they
cannot mix with troopbench's own output; an alarm (``SIGALRM``) a system set
is cancelled when its document is done, and a worker exits without waiting
for threads the system left running.

``memory_limit`` (MiB) caps how much a worker's address space may grow
beyond what it uses once the system is built (``RLIMIT_AS``); a document that
needs more is recorded as ``memory limit of N MiB exceeded`` and the worker is
replaced. Without a limit, a ``MemoryError`` is recorded as what it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmark.corpus import Document
from benchmark.failures import describe
from benchmark.inputs import BOUNDS, InputError, check_value, loads
from benchmark.layers import LAYERS
from benchmark.predictions import (
    DocPredictions,
    EntityPrediction,
    EvidenceSpan,
    ItemError,
    Prediction,
    Rejected,
    StancePrediction,
    TimexPrediction,
    TroopPrediction,
    parse_prediction,
)
from benchmark.systems import (
    EXPOSURES,
    NOTE_LIMIT,
    UNDECLARED,
    Exposure,
    corpus_exposures,
    declared_exposure,
)
from benchmark.usage import Metered, Usage, usage_problem

#: Seconds a worker may take to start and build its system.
START_TIMEOUT = 300.0
_ITEM_TYPES: Mapping[str, type] = {
    "entities": EntityPrediction,
    "timexes": TimexPrediction,
    "troop_counts": TroopPrediction,
    "stances": StancePrediction,
}


class WorkerError(Exception):
    """A worker could not start or build its system; ``kind`` says how:
    ``"not-found"``, ``"unavailable"`` (``install`` says what to install),
    ``"invalid"`` (not a usable system) or ``"failed"``."""

    def __init__(self, kind: str, message: str, install: str = "") -> None:
        self.kind = kind
        self.message = message
        self.install = install
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class SystemSpec:
    """How a worker gets its system: ``ref`` (a registered name or ``module:attr``,
    built there, with ``paths`` put on ``sys.path`` first), or a pickled copy,
    or (``fork`` only) the object itself."""

    ref: str | None = None
    pickled: bytes | None = None
    obj: Any = None
    paths: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # passed to load_system with ``ref``

    main_needed: bool = False  # the pickled system is defined in ``__main__``

    @property
    def start_method(self) -> str:
        return "fork" if self.obj is not None else "spawn"

    def source(self) -> str:
        """Where the system came from, as recorded in results files."""
        if self.ref is None:
            return ""
        if ":" in self.ref:
            return f"module:attr {self.ref}"
        from benchmark.systems import entry_point_target

        return f"entry point {self.ref} = {entry_point_target(self.ref)}"


def spec_for(system: Any, ref: str | None = None, paths: Sequence[str] = ()) -> SystemSpec:
    """The spec of a system given as an object: by ``ref`` if known, else pickled,
    else (where ``fork`` exists) the object itself."""
    if ref:
        return SystemSpec(ref=ref, paths=tuple(paths))
    try:
        pickled = pickle.dumps(system)
        return SystemSpec(pickled=pickled, main_needed=type(system).__module__ == "__main__")
    except Exception:  # lambdas, locks, local classes, open files ...
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            raise WorkerError(
                "invalid",
                f"{type(system).__name__} cannot be sent to a worker process: it cannot be "
                "pickled; give it as a registered name or module:attr",
            ) from None
        return SystemSpec(obj=system)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """What a worker says about the system it built."""

    name: str
    version: str
    layers: tuple[str, ...]
    parallel: str
    source_hash: str
    exposure: Exposure
    metered: bool = False  # it offers extract_metered (see benchmark.runner)
    options: tuple[tuple[str, str], ...] = ()
    exposures: tuple[tuple[str, Exposure], ...] = ()  # per corpus (benchmark.systems)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One document's extraction, validated: what the run records for it.

    ``status`` is ``"ok"``, ``"error"`` (the system raised or its output was
    rejected whole), ``"timeout"``, ``"died"`` or ``"memory"``.
    """

    status: str
    predictions: DocPredictions
    errors: tuple[ItemError, ...]
    seconds: float
    usage: Usage | None = None  # of a metered system (extract_metered)
    exchanges: tuple[str, ...] = ()
    traceback: str = ""  # the whole traceback when the system raised (benchmark.failures)


def empty_predictions(doc_id: str, layers: Sequence[str]) -> DocPredictions:
    return DocPredictions(doc_id, **{layer: () for layer in layers})  # type: ignore[arg-type]


def failed(
    status: str, name: str, doc_id: str, layers: Sequence[str], reason: str, seconds: float
) -> Attempt:
    """A document with nothing predicted and one recorded reason."""
    error = ItemError(name, doc_id, "", reason)
    return Attempt(status, empty_predictions(doc_id, layers), (error,), seconds)


# ------------------------------------------------------------------ limits of what a worker says

#: The largest frame a worker may send: the limit of one line of a predictions file.
MAX_FRAME = BOUNDS.max_line_bytes
#: The most JSON values a frame may hold, counted before it is parsed (each ``,``
#: ``[`` and ``{`` of the frame opens at most one): this, with :data:`MAX_FRAME`,
#: bounds what parsing one frame can cost troopbench (see perf/bench_pipe_memory.py).
#: Four layers of 100,000 items of a few values each fit.
MAX_VALUES = 5_000_000
#: A recorded message from a worker keeps at most this many characters.
MESSAGE_LIMIT = 2000
#: One limit policy: what a worker may say about its system is what a results file may hold.
NAME_LIMIT = 100
VERSION_LIMIT = 200
OPTIONS_LIMIT = 20
OPTION_KEY_LIMIT = 100
OPTION_VALUE_LIMIT = 1000
_MAGIC = b"TBW1"
_HEADER = struct.Struct(">4sQ")
_REJECTED = "$rejected"  # an item the worker already rejected: {"$rejected": [pointer, message]}
_STATUSES = ("ok", "error", "memory")


class Garbage(Exception):
    """A worker's pipe carried something that is not a well-formed message."""


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ checking an output


def _item_json(item: Any, expected: type) -> Any:
    """The JSON form of one item of a system's output, or :class:`Rejected`."""
    if not isinstance(item, expected):
        return Rejected(f"expected a {expected.__name__}, got {type(item).__name__}")
    out: dict[str, Any] = {}
    for name in expected.__slots__:  # type: ignore[attr-defined]
        value = getattr(item, name)
        if name == "evidence":
            if isinstance(value, list | tuple):
                value = [
                    _item_json(e, EvidenceSpan) if isinstance(e, EvidenceSpan) else e for e in value
                ]
            if isinstance(value, list) and any(isinstance(e, Rejected) for e in value):
                return Rejected("evidence holds an item that is not an EvidenceSpan")
            out[name] = value
        elif isinstance(value, EvidenceSpan):  # a stance holder given by offsets
            out[name] = _item_json(value, EvidenceSpan)
        elif value is not None or name == "location":
            out[name] = value
    return out


def output_json(
    output: Prediction, layers: Sequence[str], name: str, doc_id: str
) -> tuple[dict[str, Any], list[ItemError]]:
    """A system's :class:`Prediction` as the JSON prediction format, item by item:
    an item of the wrong type becomes a :class:`Rejected`; a layer the system does
    not declare is dropped (and reported); a declared layer left out is empty."""
    errors: list[ItemError] = []
    raw: dict[str, Any] = {"doc_id": doc_id}
    for layer in LAYERS:
        items = getattr(output, layer, None)
        if items is None:
            if layer in layers:
                raw[layer] = []
            continue
        if layer not in layers:
            errors.append(
                ItemError(name, doc_id, f"/{layer}", "layer not declared by the system; ignored")
            )
            continue
        if isinstance(items, list | tuple):
            raw[layer] = [_item_json(item, _ITEM_TYPES[layer]) for item in items]
        else:
            raw[layer] = items  # parse_prediction rejects it whole
    return raw, errors


def _wire_items(layer: str, items: Any) -> Any:
    """The items of one layer as plain JSON values, for the pipe: each item out of
    the input bounds (or not made of JSON values) becomes a rejected marker, so that
    it costs that item only; a layer that is not a list is marked whole."""
    if not isinstance(items, list | tuple):
        message = f"expected a list, got {type(items).__name__}"
        return {_REJECTED: [f"/{layer}", message]}
    out: list[Any] = []
    for n, item in enumerate(items):
        pointer = f"/{layer}/{n}"
        if isinstance(item, Rejected):
            out.append({_REJECTED: [item.pointer or pointer, item.message]})
            continue
        try:
            check_value(item, pointer)
        except InputError as exc:
            out.append({_REJECTED: [exc.pointer, exc.message]})
            continue
        out.append(item)
    return out


def check_output(
    name: str, layers: Sequence[str], doc_id: str, text: str, output: Any
) -> tuple[str, DocPredictions, list[ItemError]]:
    """Validate what ``extract`` returned for the document ``doc_id`` with ``text``
    (in one process: the worker's half, :func:`_wire_output`, then the parent's)."""
    status, raw, problems = _wire_output(name, layers, doc_id, output)
    errors = [ItemError(name, doc_id, pointer, message) for pointer, message in problems]
    if raw is None:
        return status, empty_predictions(doc_id, layers), errors
    parsed, item_errors = _parse_raw(raw, text, name, doc_id, layers)
    return status, parsed, errors + item_errors


def _wire_output(
    name: str, layers: Sequence[str], doc_id: str, output: Any
) -> tuple[str, dict[str, Any] | None, list[tuple[str, str]]]:
    """The worker's half of checking an output: (status, the JSON prediction or
    None, [(pointer, message)])."""
    if not isinstance(output, Prediction):
        got = type(output).__name__
        return "error", None, [("", f"extract returned {got}, expected a Prediction")]
    if not isinstance(output.doc_id, str) or str.__eq__(output.doc_id, doc_id) is not True:
        shown = _short_repr(output.doc_id)
        reason = f"the Prediction is for doc_id {shown}, not {doc_id!r}; not scored"
        return "error", None, [("", reason)]
    raw, errors = output_json(output, layers, name, doc_id)
    for layer in LAYERS:
        if layer in raw:
            raw[layer] = _wire_items(layer, raw[layer])
    return "ok", raw, [(e.pointer, e.message) for e in errors]


def _short_repr(value: Any) -> str:
    try:
        return repr(str.__getitem__(value, slice(0, 80)) if isinstance(value, str) else value)[:80]
    except Exception:
        return f"a {type(value).__name__}"


def _unwire_items(items: Any) -> Any:
    """The parent's reading of :func:`_wire_items`: markers become :class:`Rejected`."""
    if isinstance(items, dict):
        return _rejected(items)
    if not isinstance(items, list):
        return items  # parse_prediction rejects it whole
    return [_rejected(x) if isinstance(x, dict) and _REJECTED in x else x for x in items]


def _rejected(marker: dict[str, Any]) -> Any:
    value = marker.get(_REJECTED)
    if (
        len(marker) != 1
        or not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, str) for v in value)
    ):
        return marker  # a plain object: parse_prediction judges it
    pointer, message = value
    return Rejected(clip(message), clip(pointer, 300))


def _parse_raw(
    raw: dict[str, Any], text: str, name: str, doc_id: str, layers: Sequence[str]
) -> tuple[DocPredictions, list[ItemError]]:
    """The parent's half: every item validated against the bounds, the schema and the text."""
    unknown = set(raw) - {"doc_id", *layers}
    if unknown or raw.get("doc_id") != doc_id:
        raise Garbage("a prediction with other keys or another doc_id than sent")
    prepared = {"doc_id": doc_id, **{k: _unwire_items(v) for k, v in raw.items() if k in LAYERS}}
    parsed, item_errors = parse_prediction(prepared, text, name, doc_id)
    if not parsed.attempted():
        parsed = replace(parsed, **{layer: () for layer in layers})
    return parsed, item_errors


def attempt(system: Any, layers: Sequence[str], document: Document) -> Attempt:
    """Extract and validate one document in this process (both halves; a baseline
    for the benchmarks: troopbench itself always extracts in a worker)."""
    message = _extract(system, str(system.name), layers, document, 0, None)
    return receive(message, str(system.name), layers, document, 0)


def _extract(
    system: Any,
    name: str,
    layers: Sequence[str],
    document: Document,
    index: int,
    memory_limit: int | None,
) -> dict[str, Any]:
    """Extract one document (in a worker) into a ``done`` message of plain JSON values.
    The text and id are taken before the system sees the document, so that
    mutating it changes nothing."""
    doc_id = document.doc_id
    metered = callable(getattr(system, "extract_metered", None))
    usage: dict[str, Any] | None = None
    exchanges: list[str] = []
    problems: list[tuple[str, str]] = []
    started = time.perf_counter()

    def done(
        status: str, raw: Any, errors: Sequence[tuple[str, str]], trace: str = ""
    ) -> dict[str, Any]:
        return {
            "type": "done",
            "index": index,
            "status": status,
            "seconds": time.perf_counter() - started,
            "raw": raw,
            "errors": [list(e) for e in errors],
            "usage": usage,
            "exchanges": exchanges,
            "traceback": trace,
        }

    try:
        output = system.extract_metered(document) if metered else system.extract(document)
        if metered:
            if not isinstance(output, Metered):
                got = type(output).__name__
                raise TypeError(f"extract_metered returned {got}, expected a Metered")
            got_usage = output.usage
            if not isinstance(got_usage, Usage):
                raise TypeError(f"Metered.usage is a {type(got_usage).__name__}, not a Usage")
            usage = got_usage.to_dict()
            exchanges = [_text(x) for x in output.exchanges]
            problems = [("", _text(p)) for p in output.problems]
            output = output.prediction
    except BaseException as exc:  # a system may raise anything, SystemExit included
        if isinstance(exc, MemoryError) and memory_limit:
            reason = f"memory limit of {memory_limit} MiB exceeded ({_described(exc)})"
            return done("memory", None, [("", reason)])
        what = "extract_metered" if metered else "extract"
        try:  # the innermost frame of the system's own code, and the whole traceback
            failure = describe(exc, system, what, _short(exc))
            message, trace = failure.message, failure.traceback
        except BaseException:
            message, trace = f"{what} raised {_described(exc)}", ""
        trace = clip(trace.encode("utf-8", "backslashreplace").decode("utf-8"), TRACEBACK_LIMIT)
        return done("error", None, [("", message)], trace)
    finally:
        _cancel_alarms()
    try:
        status, raw, errors = _wire_output(name, layers, doc_id, output)
    except Exception as exc:  # garbage of any kind must not stop the run
        return done("error", None, [("", f"unreadable output: {_described(exc)}")])
    return done(status, raw, [*problems, *errors])


#: A traceback sent from a worker keeps at most this many characters.
TRACEBACK_LIMIT = 20_000


def _text(value: Any) -> str:
    if isinstance(value, str):
        return str.__getitem__(value, slice(None))
    try:
        return str(value)
    except Exception:
        return f"(a {type(value).__name__} that cannot be shown)"


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException, limit: int = 500) -> str:
    try:
        text = str(exc)
        if not isinstance(text, str):
            raise TypeError
        text = str.__getitem__(text, slice(None))
    except BaseException:
        text = "(no message)"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return clip(text, limit)


def _cancel_alarms() -> None:
    """Cancel any alarm or interval timer the system left running, so that it cannot
    fire during the next document (``SIGALRM`` would kill the worker). Handlers the
    system installed are left as they are."""
    if not hasattr(signal, "setitimer"):
        return
    with contextlib.suppress(Exception):
        for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
            signal.setitimer(timer, 0)


# ------------------------------------------------------------------ the parent's reading


def receive(
    message: Any, name: str, layers: Sequence[str], document: Document, index: int
) -> Attempt:
    """The :class:`Attempt` a ``done`` message describes, every part of it checked
    (types, bounds, statuses, the prediction item by item against the schema and
    the text); :class:`Garbage` when it is not a well-formed message for document
    ``index``."""
    if not isinstance(message, dict) or message.get("type") != "done":
        raise Garbage("not a result message")
    if message.get("index") != index:
        raise Garbage("a result for a document it was not given")
    status = message.get("status")
    if status not in _STATUSES:
        raise Garbage(f"unknown status {str(status)[:40]!r}")
    seconds = message.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not seconds >= 0:
        raise Garbage("no valid time")
    doc_id, text = document.doc_id, document.text
    errors = [ItemError(name, doc_id, p, m) for p, m in _pairs(message.get("errors"))]
    usage = None
    if message.get("usage") is not None:
        problem = usage_problem(message["usage"])
        if problem is None:
            usage = Usage.from_dict(message["usage"])
        else:
            usage = Usage()
            errors.append(ItemError(name, doc_id, "", f"usage not recorded: {problem}"))
    exchanges = message.get("exchanges")
    if not isinstance(exchanges, list) or not all(isinstance(x, str) for x in exchanges):
        raise Garbage("exchanges that are not a list of strings")
    trace = message.get("traceback", "")
    if not isinstance(trace, str):
        raise Garbage("a traceback that is not a string")
    raw = message.get("raw")
    if raw is None:
        if status == "ok":
            raise Garbage("no prediction in a result marked ok")
        if not errors:
            raise Garbage("a failure without a reason")
        predictions = empty_predictions(doc_id, layers)
    elif status != "ok" or not isinstance(raw, dict):
        raise Garbage("a prediction that is not an object")
    else:
        try:
            predictions, item_errors = _parse_raw(raw, text, name, doc_id, layers)
        except InputError as exc:
            raise Garbage(str(exc)) from None
        errors += item_errors
    return Attempt(
        status,
        predictions,
        tuple(errors),
        float(seconds),
        usage,
        tuple(exchanges),
        clip(trace, TRACEBACK_LIMIT),
    )


def _pairs(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list) or len(value) > BOUNDS.max_items:
        raise Garbage("errors that are not a list")
    out = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(v) is str for v in pair)):
            raise Garbage("an error that is not [pointer, message]")
        out.append((clip(pair[0], 300), clip(pair[1])))
    return out


def _info_from(data: Any) -> SystemInfo:
    """The :class:`SystemInfo` of a ``ready`` message, checked against the limits a
    results file has (one policy: what ``run`` writes, its leaderboard reads);
    :class:`WorkerError` ("invalid") naming what is out of them."""
    if not isinstance(data, dict):
        raise Garbage("a description that is not an object")

    def string(key: str, limit: int, what: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise Garbage(f"{what} is not a string")
        if len(value) > limit:
            raise WorkerError(
                "invalid",
                f"the system's {what} is {len(value):,} characters; at most {limit:,} allowed",
            )
        return value

    name = string("name", NAME_LIMIT, "name")
    if not name.strip():
        raise Garbage("an empty name")
    version = string("version", VERSION_LIMIT, "version")
    layers = data.get("layers")
    if (
        not isinstance(layers, list)
        or not layers
        or any(layer not in LAYERS for layer in layers)
        or len(set(layers)) != len(layers)
    ):
        raise Garbage("layers that are not known layer names")
    parallel = data.get("parallel")
    if parallel not in ("thread", "process", "none"):
        raise Garbage("an unknown parallel mode")
    source = string("source_hash", 64, "source hash")
    level = data.get("exposure")
    if level not in (*EXPOSURES, UNDECLARED):
        raise Garbage("an unknown exposure")
    note = string("exposure_note", NOTE_LIMIT, "exposure note")
    metered = data.get("metered")
    if not isinstance(metered, bool):
        raise Garbage("metered is not true or false")
    options = data.get("options")
    if not isinstance(options, list) or not all(
        isinstance(o, list) and len(o) == 2 and all(isinstance(v, str) for v in o) for o in options
    ):
        raise Garbage("options that are not pairs of strings")
    if len(options) > OPTIONS_LIMIT:
        raise WorkerError(
            "invalid", f"the system has {len(options)} options; at most {OPTIONS_LIMIT} allowed"
        )
    for key, value in options:
        for what, text, limit in (
            ("option name", key, OPTION_KEY_LIMIT),
            (f"option {clip(key, 40)!r}", value, OPTION_VALUE_LIMIT),
        ):
            if len(text) > limit:
                raise WorkerError(
                    "invalid",
                    f"the system's {what} is {len(text):,} characters; at most {limit:,} allowed",
                )
    exposures = _exposures_from(data.get("exposures", []))
    try:
        check_value([name, version, note, options, [list(e) for e in data.get("exposures", [])]])
    except InputError as exc:
        raise WorkerError("invalid", f"the system's description: {exc.message}") from None
    return SystemInfo(
        name,
        version,
        tuple(layer for layer in LAYERS if layer in layers),
        parallel,
        source,
        Exposure(level, note),
        metered,
        tuple((k, v) for k, v in options),
        exposures,
    )


def _exposures_from(value: Any) -> tuple[tuple[str, Exposure], ...]:
    """The per-corpus exposures of a ``ready`` message: [corpus, level, note] triples."""
    if not isinstance(value, list) or len(value) > OPTIONS_LIMIT:
        raise Garbage("corpus exposures that are not a short list")
    out: list[tuple[str, Exposure]] = []
    for triple in value:
        if not (
            isinstance(triple, list) and len(triple) == 3 and all(type(v) is str for v in triple)
        ):
            raise Garbage("a corpus exposure that is not [corpus, level, note]")
        corpus, level, note = triple
        if not corpus or len(corpus) > NAME_LIMIT or level not in EXPOSURES:
            raise Garbage(f"a corpus exposure out of its vocabulary: {clip(corpus, 40)!r}")
        if len(note) > NOTE_LIMIT or any(c == corpus for c, _ in out):
            raise Garbage(f"a corpus exposure note too long or repeated: {clip(corpus, 40)!r}")
        out.append((corpus, Exposure(level, note)))
    return tuple(out)


# ------------------------------------------------------------------ frames


def frame(message: Any) -> bytes:
    """``message`` as one frame: magic, length, and ASCII JSON (never a pickle)."""
    payload = json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    data = payload.encode("ascii")
    return _HEADER.pack(_MAGIC, len(data)) + data


class FrameReader:
    """Frames from a non-blocking pipe, read as they come: a partial frame waits in a
    buffer (bounded by :data:`MAX_FRAME`), so a forged length never blocks anyone."""

    def __init__(self, fd: int, limit: int = MAX_FRAME) -> None:
        self.fd = fd
        self.limit = limit
        self.buffer = bytearray()
        self.eof = False

    def read(self) -> list[Any]:
        """The messages complete so far (parsed JSON); :class:`Garbage` for a bad frame."""
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                break
            self.buffer += chunk
            if len(self.buffer) > self.limit + _HEADER.size:
                self._check_header()  # raises for an over-long frame before more is read
                break
        messages = []
        while len(self.buffer) >= _HEADER.size:
            size = self._check_header()
            end = _HEADER.size + size
            if len(self.buffer) < end:
                break
            payload = bytes(self.buffer[_HEADER.size : end])
            del self.buffer[:end]
            values = payload.count(b",") + payload.count(b"[") + payload.count(b"{")
            if values > MAX_VALUES:
                raise Garbage(f"a frame of over {values:,} values; at most {MAX_VALUES:,} allowed")
            try:
                text = payload.decode("ascii")
                messages.append(loads(text, check=False))
            except (UnicodeDecodeError, InputError) as exc:
                raise Garbage(f"a frame that is not JSON ({str(exc)[:120]})") from None
        return messages

    def _check_header(self) -> int:
        magic, size = _HEADER.unpack_from(self.buffer)
        if magic != _MAGIC:
            shown = bytes(self.buffer[:12])
            raise Garbage(f"bytes that are not a frame: {shown!r}")
        if size > self.limit:
            raise Garbage(f"a frame of {size:,} bytes; at most {self.limit:,} allowed")
        return int(size)

    def pending(self) -> bool:
        """Whether part of a frame is still to come."""
        return bool(self.buffer)


# ------------------------------------------------------------------ the worker side


def _die_with_parent(parent: int) -> None:
    """Make the kernel kill this process when its parent dies (Linux), else watch it."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="troopbench-watchdog").start()


def _start_guardian(tmp: str, close: Sequence[int]) -> int:
    """Fork a guardian: once this worker is gone (however it went), it kills the
    worker's process group (whatever the system started) and removes the worker's
    temporary folder (and the run's, once empty). It leads a group of its own, so
    that it outlives that kill."""
    group = os.getpgrp()
    worker = os.getpid()
    read_end, write_end = os.pipe()  # not inherited by a system's subprocesses
    pid = os.fork()
    if pid:
        os.close(read_end)
        return pid
    try:  # the guardian: nothing here may return into the worker's code
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        os.close(write_end)
        for fd in close:
            with contextlib.suppress(OSError):
                os.close(fd)
        while os.getppid() == worker:
            ready, _, _ = select.select([read_end], [], [], 0.5)
            if ready and not os.read(read_end, 1):
                break  # the worker exited: its end of the pipe closed
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):  # the run's folder, once no worker uses it
            os.rmdir(os.path.dirname(tmp))
    finally:
        os._exit(0)


def _address_space() -> int:
    """Bytes of address space this process uses now (0 if unknown)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(mebibytes: int) -> None:
    import resource

    cap = _address_space() + mebibytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def source_hash(system: Any) -> str:
    """sha256 over the source files of the modules the system was built from: its
    class's module and every module loaded from the same top-level package (or,
    for a top-level module, that file). Editing any of them changes the hash."""
    module_name = type(system).__module__
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if not path:
        return ""
    top = module_name.partition(".")[0]
    top_module = sys.modules.get(top)
    top_file = getattr(top_module, "__file__", None)
    files = {Path(path)}
    if top != module_name and top_file:
        root = Path(top_file).parent
        for mod in list(sys.modules.values()):
            file = getattr(mod, "__file__", None)
            if file and Path(file).is_relative_to(root):
                files.add(Path(file))
    digest = hashlib.sha256()
    for file in sorted(files):
        digest.update(str(file.name).encode())
        with contextlib.suppress(OSError):
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _build(spec: SystemSpec) -> Any:
    from benchmark.systems import (
        SystemNotFound,
        SystemOptionError,
        SystemUnavailable,
        check_system,
        load_system,
    )

    for path in spec.paths:
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        if spec.ref is not None:
            system = load_system(spec.ref, dict(spec.options) or None)
        elif spec.pickled is not None:
            system = pickle.loads(spec.pickled)
        else:
            system = spec.obj
        check_system(system, spec.ref or type(system).__name__)
    except SystemUnavailable as exc:
        raise WorkerError("unavailable", str(exc), exc.install) from None
    except (SystemNotFound, SystemOptionError) as exc:
        raise WorkerError("not-found", str(exc)) from None
    except BaseException as exc:
        label = repr(spec.ref) if spec.ref else "the system"
        raise WorkerError("failed", f"building {label} raised {_described(exc)}") from None
    return system


def parallel_mode(system: Any) -> str:
    """How the system's documents may run concurrently: its ``parallel``
    attribute (``"thread"``, ``"process"`` or ``"none"``; default ``"process"``).
    An unknown value is taken as ``"none"``: serial is always safe."""
    mode = getattr(system, "parallel", "process")
    return mode if mode in ("thread", "process", "none") else "none"


def _describe(system: Any) -> dict[str, Any]:
    options = getattr(system, "options", None)
    exposure = declared_exposure(system)
    layers = [layer for layer in LAYERS if layer in system.layers]
    return {
        "name": _text(system.name),
        "version": _text(system.version),
        "layers": layers,
        "parallel": parallel_mode(system),
        "source_hash": source_hash(system),
        "exposure": exposure.level,
        "exposure_note": exposure.note,
        "metered": callable(getattr(system, "extract_metered", None)),
        "options": [[_text(k), _text(v)] for k, v in options.items()]
        if isinstance(options, Mapping)
        else [],
        "exposures": [[c, e.level, e.note] for c, e in corpus_exposures(system).items()],
    }


class _Channel:
    """The worker's ends of its two pipes."""

    def __init__(self, commands: int, results: int) -> None:
        self.commands = os.fdopen(commands, "rb", buffering=0)
        self.results = results
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        try:
            data = frame(message)
        except (TypeError, ValueError, RecursionError) as exc:  # not plain JSON values
            if message.get("type") != "done":
                raise
            reason = f"unreadable output: {_described(exc)}"
            empty = {"raw": None, "errors": [["", reason]], "exchanges": [], "usage": None}
            data = frame({**message, **empty, "status": "error"})
        if len(data) > MAX_FRAME + _HEADER.size and message.get("type") == "done":
            reason = (
                f"output of {len(data):,} bytes as JSON; at most {MAX_FRAME:,} allowed "
                "(the input limit of one predictions line)"
            )
            empty = {"raw": None, "errors": [["", reason]], "exchanges": [], "usage": None}
            data = frame({**message, **empty, "status": "error"})
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(self.results, view)
                view = view[written:]

    def receive(self) -> Any:
        header = _read_exact(self.commands, 8)
        if header is None:
            return None
        (size,) = struct.unpack(">Q", header)
        payload = _read_exact(self.commands, size)
        return None if payload is None else pickle.loads(payload)  # from troopbench itself


def _read_exact(handle: Any, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = handle.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def worker_main(
    commands: int, results: int, spec: SystemSpec, parent: int, memory_limit: int | None, tmp: str
) -> None:
    """The worker process: build, describe, then extract documents until told to stop.
    It ends with ``os._exit``: threads a system left running are not waited for."""
    try:
        _worker(commands, results, spec, parent, memory_limit, tmp)
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(0)


def _worker(
    commands: int, results: int, spec: SystemSpec, parent: int, memory_limit: int | None, tmp: str
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in (commands, results):  # a system's subprocesses must not hold them
        os.set_inheritable(fd, False)
    _die_with_parent(parent)
    os.environ["TMPDIR"] = tmp  # a system's temporary files go where the guardian cleans up
    tempfile.tempdir = None
    with contextlib.suppress(OSError):
        os.dup2(2, 1)  # a system's prints go to stderr, never into troopbench's output
    sys.stdout = sys.stderr
    guardian = _start_guardian(tmp, (commands, results)) if hasattr(os, "fork") else 0
    channel = _Channel(commands, results)
    try:
        system = _build(spec)
        info = _describe(system)
    except WorkerError as exc:
        channel.send(
            {"type": "failed", "kind": exc.kind, "message": exc.message, "install": exc.install}
        )
        return
    except BaseException as exc:
        channel.send(
            {
                "type": "failed",
                "kind": "failed",
                "message": f"describing the system raised {_described(exc)}",
                "install": "",
            }
        )
        return
    if memory_limit:
        _limit_memory(memory_limit)
    channel.send({"type": "ready", "info": info, "guardian": guardian})
    name, layers = info["name"], info["layers"]

    def run(index: int, document: Document) -> None:
        message = _extract(system, name, layers, document, index, memory_limit)
        channel.send(message)
        if message["status"] == "memory":
            os._exit(0)  # a heap that hit the limit is not trusted with another document

    pool = None
    while True:
        try:
            message = channel.receive()
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            break
        if message is None:
            break
        threads, index, document = message
        if threads <= 1:
            run(index, document)
        else:
            if pool is None:
                from concurrent.futures import ThreadPoolExecutor

                pool = ThreadPoolExecutor(threads, thread_name_prefix="troopbench-job")
            pool.submit(run, index, document)
    if pool is not None:
        pool.shutdown(wait=True)
    close = getattr(system, "close", None)
    if callable(close):  # e.g. a local model server the system started
        with contextlib.suppress(BaseException):
            close()


def _spawned_main() -> None:
    """Entry point of a worker started as a fresh interpreter (see :class:`_Worker`):
    reads its bootstrap (sys.path, the parent's ``__main__`` if needed, the spec)
    from the command pipe, then runs :func:`worker_main`."""
    commands, results = int(sys.argv[1]), int(sys.argv[2])
    header = os.read(commands, 8)
    (size,) = struct.unpack(">Q", header)
    payload = bytearray()
    while len(payload) < size:
        chunk = os.read(commands, size - len(payload))
        if not chunk:
            os._exit(1)
        payload += chunk
    preparation, spec, parent, memory_limit, tmp = pickle.loads(bytes(payload))
    import multiprocessing.spawn

    multiprocessing.spawn.prepare(preparation)
    worker_main(commands, results, spec, parent, memory_limit, tmp)


# ------------------------------------------------------------------ the parent side


def _death_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "worker died"
    if exitcode < 0:
        try:
            label = f" ({signal.Signals(-exitcode).name})"
        except ValueError:
            label = ""
        return f"worker died: signal {-exitcode}{label}"
    return f"worker died: exit code {exitcode}"


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


#: The parent's ends of every worker's pipes: a forked worker closes them, so that
#: it holds no other worker's pipe open.
_PARENT_FDS: set[int] = set()


def _pack(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack(">Q", len(data)) + data


class _Worker:
    """One worker process (leading its own process group) and the parent's ends of
    its pipes: documents go down as pickles (from troopbench to the worker), results
    come up as JSON frames."""

    def __init__(self, spec: SystemSpec, memory_limit: int | None, tmp: str) -> None:
        os.makedirs(tmp, mode=0o700, exist_ok=True)
        cmd_read, cmd_write = os.pipe()
        res_read, res_write = os.pipe()
        self.tmp = tmp
        self.guardian = 0
        self.returncode: int | None = None
        self.popen: subprocess.Popen[bytes] | None = None
        if spec.start_method == "fork":
            pid = os.fork()
            if pid == 0:  # the worker
                try:
                    os.setsid()
                    for fd in (cmd_write, res_read, *_PARENT_FDS):
                        with contextlib.suppress(OSError):
                            os.close(fd)
                    worker_main(cmd_read, res_write, spec, os.getppid(), memory_limit, tmp)
                finally:
                    os._exit(1)
            self.pid = pid
        else:
            import multiprocessing.spawn

            preparation = multiprocessing.spawn.get_preparation_data("troopbench-worker")
            preparation.pop("authkey", None)  # no multiprocessing connection is used
            if not spec.main_needed:  # do not re-run the user's script in the worker
                preparation.pop("init_main_from_name", None)
                preparation.pop("init_main_from_path", None)
            path = list(dict.fromkeys(p for p in sys.path if p))
            code = (
                f"import sys; sys.path[:0] = {path!r}\n"
                "from benchmark.supervisor import _spawned_main; _spawned_main()"
            )
            env = {**os.environ, "TMPDIR": tmp}
            self.popen = subprocess.Popen(
                [sys.executable, "-c", code, str(cmd_read), str(res_write)],
                pass_fds=(cmd_read, res_write),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                env=env,
            )
            self.pid = self.popen.pid
            bootstrap = (preparation, spec, os.getpid(), memory_limit, tmp)
            self._pending_bootstrap = _pack(bootstrap)
        os.close(cmd_read)
        os.close(res_write)
        os.set_blocking(res_read, False)
        os.set_blocking(cmd_write, False)
        self.commands = cmd_write
        self.reader = FrameReader(res_read)
        _PARENT_FDS.update((cmd_write, res_read))
        self.outbox = bytearray(getattr(self, "_pending_bootstrap", b""))
        self.flush()
        self.started = time.perf_counter()
        self.inflight: dict[int, float] = {}  # document index -> when it was sent
        self.exclusive = False  # running a suspect document alone

    # -- pipes

    def fileno(self) -> int:
        return self.reader.fd

    def flush(self) -> None:
        """Write as much of the outbox as the pipe takes now (never blocks)."""
        while self.outbox:
            try:
                written = os.write(self.commands, self.outbox)
            except BlockingIOError:
                return
            except OSError:  # a dead worker is noticed by its pipe's end
                self.outbox.clear()
                return
            del self.outbox[:written]

    def send(self, index: int, document: Document, threads: int) -> None:
        self.inflight[index] = time.monotonic()
        self.outbox += _pack((threads, index, document))
        self.flush()

    # -- the process

    def poll(self) -> int | None:
        """The worker's exit code once it has exited (reaped here), else None."""
        if self.returncode is not None:
            return self.returncode
        if self.popen is not None:
            self.returncode = self.popen.poll()
            return self.returncode
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.returncode = -signal.SIGKILL
            return self.returncode
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.returncode

    def dead(self) -> bool:
        return self.reader.eof or self.poll() is not None

    def kill(self) -> None:
        """Kill the worker's whole process group (before reaping the worker, so that
        the group cannot be another's), reap it, and let its guardian finish."""
        if self.returncode is None:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self.wait(5.0)
        self.close_pipes()
        deadline = time.monotonic() + 2.0
        while self.guardian and not _gone(self.guardian) and time.monotonic() < deadline:
            time.sleep(0.01)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def close_pipes(self) -> None:
        for fd in (self.commands, self.reader.fd):
            if fd >= 0:
                _PARENT_FDS.discard(fd)
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.commands = self.reader.fd = -1

    def stop(self) -> None:
        """Ask the worker to finish; kill it (and its group) if it does not within a
        few seconds, and in any case whatever it left running."""
        if self.commands >= 0 and self.returncode is None:
            self.flush()  # then closing the pipe says: no more documents
            _PARENT_FDS.discard(self.commands)
            with contextlib.suppress(OSError):
                os.close(self.commands)
            self.commands = -1
            self.wait(5.0)
        self.kill()

    def messages(self) -> list[Any]:
        if self.reader.fd < 0:
            return []
        return self.reader.read()

    def wait_ready(self, timeout: float) -> SystemInfo:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerError("failed", f"the worker did not start within {timeout:g} s")
            self.flush()
            wanted_write = [self.commands] if self.outbox else []
            with contextlib.suppress(InterruptedError):
                select.select([self.reader.fd], wanted_write, [], min(left, 0.5))
            try:
                messages = self.messages()
            except Garbage as exc:
                self.kill()
                raise WorkerError("failed", f"the worker sent {exc} while building") from None
            if messages:
                message = messages[0]
                break
            if self.dead():
                self.wait(1.0)
                self.kill()
                reason = _death_reason(self.returncode)
                raise WorkerError("failed", f"{reason} while building the system")
        try:
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "ready":
                guardian = message.get("guardian")
                self.guardian = guardian if isinstance(guardian, int) and guardian > 0 else 0
                return _info_from(message.get("info"))
            if kind == "failed":
                parts = [message.get(k) for k in ("kind", "message", "install")]
                if all(isinstance(p, str) for p in parts) and parts[0] in (
                    "not-found",
                    "unavailable",
                    "invalid",
                    "failed",
                ):
                    self.kill()
                    raise WorkerError(parts[0], clip(parts[1]), clip(parts[2], 300))
            raise Garbage("an unknown first message")
        except Garbage as exc:
            self.kill()
            raise WorkerError("failed", f"the worker sent {exc} while building") from None
        except WorkerError:
            self.kill()
            raise


def _cleanup(workers: list[_Worker], folder: str) -> None:
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.kill()
    workers.clear()
    shutil.rmtree(folder, ignore_errors=True)


class Supervisor:
    """Runs one system in supervised worker processes (see module doc).

    Building the system happens in the first worker, at construction; its
    description is :attr:`info`. Use as a context manager, or call
    :meth:`close`, so that no worker outlives the run (a supervisor that is
    never closed is cleaned up when it is collected or the interpreter exits).
    """

    def __init__(
        self,
        spec: SystemSpec,
        *,
        memory_limit: int | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self.workers: list[_Worker] = []
        self.started = 0  # workers started, the first included
        self.start_seconds = 0.0  # time to start the first worker and build the system
        self.folder = tempfile.mkdtemp(prefix="troopbench-run-")
        self._all: list[_Worker] = []  # every worker not yet cleaned up
        self._finalizer = weakref.finalize(self, _cleanup, self._all, self.folder)
        began = time.perf_counter()
        first = self._spawn()
        try:
            self.info = first.wait_ready(start_timeout)
        except BaseException:  # Ctrl-C while it builds included
            self.close()
            raise
        self.start_seconds = time.perf_counter() - began
        self.workers.append(first)

    def _spawn(self) -> _Worker:
        self.started += 1
        tmp = os.path.join(self.folder, f"worker-{self.started}")
        worker = _Worker(self.spec, self.memory_limit, tmp)
        self._all.append(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self.workers:
            self.workers.remove(worker)
        if worker in self._all:
            self._all.remove(worker)

    def _fresh(self) -> _Worker:
        worker = self._spawn()
        try:
            info = worker.wait_ready(self.start_timeout)
        except BaseException:
            self._discard(worker)
            raise
        if (info.name, info.version) != (self.info.name, self.info.version):
            self._discard(worker)
            raise WorkerError(
                "failed",
                f"a new worker built {info.name} {info.version}, "
                f"not {self.info.name} {self.info.version}",
            )
        return worker

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (killing any still busy, and whatever each started) and
        remove the run's temporary folder."""
        workers, self.workers = self.workers, []
        for worker in workers:
            if worker.inflight:
                worker.kill()
            else:
                worker.stop()
            if worker in self._all:
                self._all.remove(worker)
        self._finalizer()

    def run(
        self, documents: Sequence[Document], todo: Sequence[int], *, timeout: float, jobs: int = 1
    ) -> Iterator[tuple[int, Attempt]]:
        """Extract ``documents[i]`` for each ``i`` in ``todo``; yield ``(i, attempt)`` as
        they finish. ``jobs`` documents run at a time: in that many workers, or on
        that many threads of one worker for a ``parallel = "thread"`` system, or one
        at a time for ``parallel = "none"``."""
        mode = self.info.parallel if jobs > 1 else "none"
        n_workers = jobs if mode == "process" else 1
        threads = jobs if mode == "thread" else 1
        queue: deque[int] = deque(todo)
        suspects: set[int] = set()
        name, layers = self.info.name, self.info.layers

        def fail(i: int, status: str, reason: str, seconds: float) -> tuple[int, Attempt]:
            return i, failed(status, name, documents[i].doc_id, layers, reason, seconds)

        try:
            while queue or any(w.inflight for w in self.workers):
                # hand out documents; a suspect runs alone in its worker
                while len(self.workers) < min(n_workers, len(queue) + self._busy()):
                    self.workers.append(self._fresh())
                for worker in self.workers:
                    while queue and len(worker.inflight) < threads and not worker.exclusive:
                        i = queue[0]
                        if i in suspects and worker.inflight:
                            break
                        queue.popleft()
                        worker.exclusive = i in suspects
                        worker.send(i, documents[i], threads)
                now = time.monotonic()
                deadlines = [t + timeout for w in self.workers for t in w.inflight.values()]
                wait_for = max(0.0, min(deadlines) - now) if deadlines else 0.0
                readers = [w.reader.fd for w in self.workers if w.reader.fd >= 0]
                writers = [w.commands for w in self.workers if w.outbox and w.commands >= 0]
                with contextlib.suppress(InterruptedError):
                    select.select(readers, writers, [], min(wait_for, 0.5) + 0.001)
                for worker in list(self.workers):
                    worker.flush()
                    yield from self._collect(worker, documents, queue, suspects, fail)
                now = time.monotonic()
                for worker in list(self.workers):
                    late = [i for i, t in worker.inflight.items() if now - t > timeout]
                    if not late:
                        continue
                    self._discard(worker)
                    for i in sorted(worker.inflight):
                        if i in late:
                            seconds = now - worker.inflight[i]
                            yield fail(i, "timeout", f"timeout after {float(timeout)} s", seconds)
                        else:
                            queue.appendleft(i)
        except BaseException:
            for worker in list(self.workers):
                self._discard(worker)
            raise

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.inflight)

    def _collect(
        self,
        worker: _Worker,
        documents: Sequence[Document],
        queue: deque[int],
        suspects: set[int],
        fail: Any,
    ) -> Iterator[tuple[int, Attempt]]:
        """Results a worker sent, then, if it died or sent garbage, what it had in flight."""
        retire = False
        garbage = ""
        try:
            messages = worker.messages()
        except Garbage as exc:
            messages, garbage = [], f"worker sent garbage on its pipe: {exc}"
        for message in messages:
            index = message.get("index") if isinstance(message, dict) else None
            if not isinstance(index, int) or index not in worker.inflight:
                garbage = "worker sent garbage on its pipe: a result for no document it was given"
                break
            try:
                result = receive(message, self.info.name, self.info.layers, documents[index], index)
            except Garbage as exc:
                garbage = f"worker sent garbage on its pipe: {exc}"
                break
            sent = worker.inflight.pop(index)
            result = replace(result, seconds=min(result.seconds, time.monotonic() - sent))
            if not worker.inflight:
                worker.exclusive = False
            if result.status == "memory" and not self.memory_limit:
                result = replace(result, status="error")  # only a limit set is reported as one
            retire = retire or result.status == "memory"
            yield index, result
        if retire and not garbage:  # the worker exits after a MemoryError: give it nothing more
            self._discard(worker)
            for i in sorted(worker.inflight, reverse=True):
                queue.appendleft(i)
            return
        if not garbage and not worker.dead():
            return
        if not garbage:
            worker.wait(1.0)
            reason = _death_reason(worker.returncode)
        else:
            reason = garbage
        self._discard(worker)
        if len(worker.inflight) == 1:
            ((i, started),) = worker.inflight.items()
            if self.memory_limit and not garbage:
                reason += f" (memory limit of {self.memory_limit} MiB in force)"
            yield fail(i, "died", reason, time.monotonic() - started)
        else:  # which one killed it is unknown: each runs again, alone
            for i in sorted(worker.inflight, reverse=True):
                suspects.add(i)
                queue.appendleft(i)
