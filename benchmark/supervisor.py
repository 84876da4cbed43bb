"""Supervised worker processes: a system never runs in troopbench's own process.

A :class:`Supervisor` builds a system in a worker process (a fresh
interpreter, ``spawn``; or ``fork`` for a system object that cannot be
pickled and has no name to be built by), asks it for its name, version and
layers, and then sends it documents one at a time. The worker extracts *and
validates* each document (so the time reported includes validation, and a
hostile output cannot hurt the parent either) and sends back an
:class:`Attempt`: plain, picklable values.

The parent waits on the workers' pipes and process sentinels only, so it
stays responsive to Ctrl-C whatever a system does. When a document runs past
its timeout the worker is killed (``SIGKILL``: a regex or C call holding the
GIL cannot stop that) and the document is recorded as ``timeout after 3.0 s``;
when a worker dies (``os._exit``, a segfault, the memory limit) the document
is recorded as ``worker died: exit code 1`` or ``worker died: signal 11``.
A fresh worker then carries on with the next document. A worker that had
other documents in flight (``parallel = "thread"`` systems run several at a
time on threads inside one worker) hands them back; they are re-run one at a
time, so a fault is always charged to the document that caused it and the
result of a document never depends on which worker ran it.

Workers die with their parent: on Linux through ``PR_SET_PDEATHSIG``
(the kernel sends ``SIGKILL`` when the parent dies, even to a worker stuck in
C code), elsewhere through a watchdog thread that polls the parent. Workers
ignore ``SIGINT``: Ctrl-C reaches the parent, which kills them. Anything a
system prints to standard output goes to standard error, so that it cannot
mix with troopbench's own output.

``memory_limit`` (MiB) caps how much a worker's address space may grow
beyond what it uses once the system is built (``RLIMIT_AS``); a document that
needs more is recorded as ``memory limit of N MiB exceeded`` and the worker is
replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmark.corpus import Document
from benchmark.failures import describe
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
from benchmark.systems import Exposure, corpus_exposures, declared_exposure
from benchmark.usage import Metered, Usage

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


def check_output(
    name: str, layers: Sequence[str], doc_id: str, text: str, output: Any
) -> tuple[str, DocPredictions, list[ItemError]]:
    """Validate what ``extract`` returned for the document ``doc_id`` with ``text``."""
    if not isinstance(output, Prediction):
        got = type(output).__name__
        reason = f"extract returned {got}, expected a Prediction"
        return "error", empty_predictions(doc_id, layers), [ItemError(name, doc_id, "", reason)]
    if output.doc_id != doc_id:
        shown = repr(output.doc_id)[:80]
        reason = f"the Prediction is for doc_id {shown}, not {doc_id!r}; not scored"
        return "error", empty_predictions(doc_id, layers), [ItemError(name, doc_id, "", reason)]
    raw, errors = output_json(output, layers, name, doc_id)
    parsed, item_errors = parse_prediction(raw, text, name, doc_id)
    if not parsed.attempted():
        parsed = replace(parsed, **{layer: () for layer in layers})
    return "ok", parsed, errors + item_errors


def attempt(system: Any, layers: Sequence[str], document: Document) -> Attempt:
    """Extract and validate one document (in a worker). The text and id are taken
    before the system sees the document, so that mutating it changes nothing."""
    name, doc_id, text = str(system.name), document.doc_id, document.text
    metered = callable(getattr(system, "extract_metered", None))
    usage: Usage | None = None
    exchanges: tuple[str, ...] = ()
    problems: list[ItemError] = []
    started = time.perf_counter()
    try:
        output = system.extract_metered(document) if metered else system.extract(document)
        if metered:
            if not isinstance(output, Metered):
                got = type(output).__name__
                raise TypeError(f"extract_metered returned {got}, expected a Metered")
            usage, exchanges = output.usage, tuple(output.exchanges)
            problems = [ItemError(name, doc_id, "", str(p)) for p in output.problems]
            output = output.prediction
    except MemoryError:
        seconds = time.perf_counter() - started
        return failed("memory", name, doc_id, layers, "memory limit exceeded", seconds)
    except BaseException as exc:  # a system may raise anything, SystemExit included
        seconds = time.perf_counter() - started
        what = "extract_metered" if metered else "extract"
        failure = describe(exc, system, what, _short(exc))
        result = failed("error", name, doc_id, layers, failure.message, seconds)
        return replace(result, traceback=failure.traceback)
    try:
        status, parsed, errors = check_output(name, layers, doc_id, text, output)
    except Exception as exc:  # garbage of any kind must not stop the run
        seconds = time.perf_counter() - started
        message = f"unreadable output: {type(exc).__name__}: {_short(exc)}"
        return failed("error", name, doc_id, layers, message, seconds)
    seconds = time.perf_counter() - started
    return Attempt(status, parsed, (*problems, *errors), seconds, usage, exchanges)


def _short(exc: BaseException, limit: int = 500) -> str:
    try:
        text = str(exc)
    except Exception:
        text = "(no message)"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        raise WorkerError(
            "failed", f"building {label} raised {type(exc).__name__}: {_short(exc)}"
        ) from None
    return system


def parallel_mode(system: Any) -> str:
    """How the system's documents may run concurrently: its ``parallel``
    attribute (``"thread"``, ``"process"`` or ``"none"``; default ``"process"``).
    An unknown value is taken as ``"none"``: serial is always safe."""
    mode = getattr(system, "parallel", "process")
    return mode if mode in ("thread", "process", "none") else "none"


def _describe(system: Any) -> SystemInfo:
    options = getattr(system, "options", None)
    layers = tuple(layer for layer in LAYERS if layer in system.layers)
    return SystemInfo(
        str(system.name),
        str(system.version),
        layers,
        parallel_mode(system),
        source_hash(system),
        declared_exposure(system),
        callable(getattr(system, "extract_metered", None)),
        tuple((str(k), str(v)) for k, v in options.items()) if isinstance(options, Mapping) else (),
        tuple(corpus_exposures(system).items()),
    )


def worker_main(conn: Any, spec: SystemSpec, parent: int, memory_limit: int | None) -> None:
    """The worker process: build, describe, then extract documents until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    with contextlib.suppress(OSError):
        os.dup2(2, 1)  # a system's prints go to stderr, never into troopbench's output
    sys.stdout = sys.stderr
    try:
        system = _build(spec)
        info = _describe(system)
    except WorkerError as exc:
        conn.send(("failed", exc.kind, exc.message, exc.install))
        return
    if memory_limit:
        _limit_memory(memory_limit)
    conn.send(("ready", info))
    lock = threading.Lock()

    def run(index: int, document: Document) -> None:
        result = attempt(system, info.layers, document)
        if result.status == "memory" and memory_limit:
            reason = f"memory limit of {memory_limit} MiB exceeded"
            result = failed("memory", info.name, document.doc_id, info.layers, reason, 0.0)
        try:
            payload = pickle.dumps(("done", index, result))
        except Exception as exc:
            reason = f"unreadable output: {type(exc).__name__}: {_short(exc)}"
            result = failed("error", info.name, document.doc_id, info.layers, reason, 0.0)
            payload = pickle.dumps(("done", index, result))
        with lock:
            conn.send_bytes(payload)
        if result.status == "memory":
            os._exit(0)  # a heap that hit the limit is not trusted with another document

    pool = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
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
        with contextlib.suppress(Exception):
            close()


# ------------------------------------------------------------------ the parent side


@contextlib.contextmanager
def _main_hidden(hide: bool) -> Iterator[None]:
    """Start a spawned worker without re-running the parent's ``__main__`` (a user's
    script without an ``if __name__ == "__main__"`` guard would run again, and
    start workers of its own); only a system defined in ``__main__`` needs it."""
    if not hide:
        yield
        return
    import types

    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


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


class _Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, spec: SystemSpec, memory_limit: int | None) -> None:
        import multiprocessing

        context = multiprocessing.get_context(spec.start_method)
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=worker_main,
            args=(child, spec, os.getpid(), memory_limit),
            daemon=True,
            name="troopbench-worker",
        )
        with _main_hidden(spec.start_method == "spawn" and not spec.main_needed):
            self.process.start()
        child.close()
        self.started = time.perf_counter()
        self.inflight: dict[int, float] = {}  # document index -> when it was sent
        self.exclusive = False  # running a suspect document alone

    def wait_ready(self, timeout: float) -> SystemInfo:
        from multiprocessing.connection import wait

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerError("failed", f"the worker did not start within {timeout:g} s")
            ready = wait([self.conn, self.process.sentinel], timeout=min(left, 1.0))
            if self.conn in ready:
                try:
                    message = self.conn.recv()
                except (EOFError, OSError):
                    message = None
                if message is not None:
                    break
            if ready:
                self.process.join(1.0)
                self.kill()
                reason = _death_reason(self.process.exitcode)
                raise WorkerError("failed", f"{reason} while building the system")
        if message[0] == "ready":
            info: SystemInfo = message[1]
            return info
        _, kind, text, install = message
        self.kill()
        raise WorkerError(kind, text, install)

    def send(self, index: int, document: Document, threads: int) -> None:
        self.inflight[index] = time.monotonic()
        with contextlib.suppress(OSError):  # a dead worker is noticed by its sentinel
            self.conn.send((threads, index, document))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        with contextlib.suppress(OSError):
            self.conn.close()

    def stop(self) -> None:
        """Ask the worker to finish; kill it if it does not within a few seconds."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(5.0)
        self.kill()


class Supervisor:
    """Runs one system in supervised worker processes (see module doc).

    Building the system happens in the first worker, at construction; its
    description is :attr:`info`. Use as a context manager, or call
    :meth:`close`, so that no worker outlives the run.
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
        began = time.perf_counter()
        first = self._spawn()
        try:
            self.info = first.wait_ready(start_timeout)
        except BaseException:  # Ctrl-C while it builds included
            first.kill()
            raise
        self.start_seconds = time.perf_counter() - began
        self.workers.append(first)

    def _spawn(self) -> _Worker:
        self.started += 1
        return _Worker(self.spec, self.memory_limit)

    def _fresh(self) -> _Worker:
        worker = self._spawn()
        try:
            info = worker.wait_ready(self.start_timeout)
        except BaseException:
            worker.kill()
            raise
        if (info.name, info.version) != (self.info.name, self.info.version):
            worker.kill()
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
        """Stop every worker (killing any still busy)."""
        workers, self.workers = self.workers, []
        for worker in workers:
            if worker.inflight:
                worker.kill()
            else:
                worker.stop()

    def run(
        self, documents: Sequence[Document], todo: Sequence[int], *, timeout: float, jobs: int = 1
    ) -> Iterator[tuple[int, Attempt]]:
        """Extract ``documents[i]`` for each ``i`` in ``todo``; yield ``(i, attempt)`` as
        they finish. ``jobs`` documents run at a time: in that many workers, or on
        that many threads of one worker for a ``parallel = "thread"`` system, or one
        at a time for ``parallel = "none"``."""
        from multiprocessing.connection import wait

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
                handles: list[Any] = []
                for w in self.workers:
                    handles += [w.conn, w.process.sentinel]
                ready = set(wait(handles, timeout=min(wait_for, 1.0) + 0.001))
                for worker in list(self.workers):
                    yield from self._collect(worker, ready, queue, suspects, fail)
                now = time.monotonic()
                for worker in list(self.workers):
                    late = [i for i, t in worker.inflight.items() if now - t > timeout]
                    if not late:
                        continue
                    worker.kill()
                    self.workers.remove(worker)
                    for i in sorted(worker.inflight):
                        if i in late:
                            seconds = now - worker.inflight[i]
                            yield fail(i, "timeout", f"timeout after {float(timeout)} s", seconds)
                        else:
                            queue.appendleft(i)
        except BaseException:
            for worker in self.workers:
                worker.kill()
            self.workers = []
            raise

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.inflight)

    def _collect(
        self,
        worker: _Worker,
        ready: set[Any],
        queue: deque[int],
        suspects: set[int],
        fail: Any,
    ) -> Iterator[tuple[int, Attempt]]:
        """Results a worker sent, then, if it died, what it had in flight."""
        retire = False
        if worker.conn in ready or worker.process.sentinel in ready:
            while True:
                try:
                    if not worker.conn.poll():
                        break
                    message = pickle.loads(worker.conn.recv_bytes())
                except (EOFError, OSError):
                    break
                _, i, result = message
                started = worker.inflight.pop(i, None)
                if started is not None:
                    if len(worker.inflight) == 0:
                        worker.exclusive = False
                    retire = retire or result.status == "memory"
                    yield i, result
        if retire:  # the worker exits after a MemoryError: give it nothing more
            worker.kill()
            self.workers.remove(worker)
            for i in sorted(worker.inflight, reverse=True):
                queue.appendleft(i)
            return
        if worker.process.sentinel not in ready and worker.process.is_alive():
            return
        worker.process.join(1.0)
        reason = _death_reason(worker.process.exitcode)
        worker.kill()
        self.workers.remove(worker)
        if len(worker.inflight) == 1:
            ((i, started),) = worker.inflight.items()
            if self.memory_limit:
                reason += f" (memory limit of {self.memory_limit} MiB in force)"
            yield fail(i, "died", reason, time.monotonic() - started)
        else:  # which one killed it is unknown: each runs again, alone
            for i in sorted(worker.inflight, reverse=True):
                suspects.add(i)
                queue.appendleft(i)
