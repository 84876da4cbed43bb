"""Running a system over the corpus, and the results files it produces.

Each document is extracted on a worker thread with a timeout. An exception,
a timeout, or an output that is not a valid :class:`Prediction` on one
document is recorded (document, item, message) and the run goes on, with
nothing predicted for that document (its gold items count as missed);
invalid items inside an otherwise valid output count as spurious.
``fail_fast=True`` stops at the first such error instead.

A thread that hangs past its timeout cannot be killed from Python; it is
abandoned (it is a daemon thread and dies with the process) and reported.

Two things make re-runs and big corpora cheaper, neither changing what is
recorded:

* a :class:`~benchmark.cache.PredictionCache` (``cache=``; off unless given,
  the CLI gives one) serves documents a system of the same name and version
  has already extracted, with the errors recorded then; completed
  extractions are stored, exceptions and timeouts are not;
* ``jobs=N`` extracts up to N documents at a time as the system's
  ``parallel`` attribute allows: ``"thread"`` on a thread pool,
  ``"process"`` (the default) on a pool of spawned worker processes that each
  build the system once (by ``system_ref``, its registered name or
  ``module:attr`` path, else from a pickled copy; a worker must build the same
  name and version), ``"none"`` serially. Inside a worker each document still
  runs on a daemon thread with the timeout; the parent also waits at most a
  little longer than the timeout for each document, records a timeout if a
  worker is stuck past that, and terminates the workers at the end of such a
  run. If the workers cannot start or die, the remaining documents run
  serially here. Results are collected in document order, so predictions,
  errors, their order and where ``fail_fast`` stops are those of a serial run.

Results files (``results/<name>.json``) carry, per attempted layer, the
metrics, the per-document counts, the per-unit counts the leaderboard's
intervals and significance tiers are computed from (``per_unit``: the field
names of :func:`benchmark.scoring.unit_fields` and one row of integers per
unit; ``consistent`` says whether the units sum to the document totals, see
:mod:`benchmark.scoring`) and the number of items rejected by validation per
document (``invalid``). Beside each results file the validated predictions
are written as ``results/<name>.predictions.jsonl`` in the prediction format,
so that error reports can be rebuilt from committed files.

A system that calls a model may offer ``extract_metered(document)``, which
returns a :class:`~benchmark.usage.Metered` (the prediction, its
:class:`~benchmark.usage.Usage` and the request/response exchanges); the
runner then calls it instead of ``extract``, sums the usage into the results
file's ``cost`` block (tokens, seconds, requests, retries, per document) and
writes the exchanges to ``results/<name>.responses.jsonl``. Such a system
keeps its own cache of responses (which also keeps its recorded usage), so the
predictions cache is not used for it. A system's ``options`` (the
output-changing settings it was built with, a ``dict[str, str]``) are recorded
in the results file beside its version.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import platform
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from benchmark.atomic import write_text_atomic
from benchmark.cache import PredictionCache
from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.predictions import DocPredictions, ItemError, Prediction, parse_prediction
from benchmark.schemas import schema_validator
from benchmark.scoring import Evaluation, evaluate, flatten, unit_fields
from benchmark.signature import current_signature
from benchmark.systems import UNDECLARED, Exposure, Extractor
from benchmark.usage import Metered, Usage, cost_block

RESULTS_FORMAT = "troopbench-results/1"
DEFAULT_TIMEOUT = 120.0


class RunAborted(Exception):
    """Raised with ``fail_fast`` at the first document that fails."""

    def __init__(self, error: ItemError) -> None:
        self.error = error
        super().__init__(str(error))


@dataclass(frozen=True)
class RunOutcome:
    """What one run produced: validated predictions, errors, timings.

    ``seconds`` is the wall time spent on each document in this run (for a
    document served from the cache, the time of the lookup); ``cached`` lists
    those documents, in document order; ``mode`` says how the extracted ones
    ran: ``"serial"``, ``"thread"`` or ``"process"``.
    """

    system: str
    version: str
    layers: tuple[str, ...]
    predictions: Mapping[str, DocPredictions]
    errors: tuple[ItemError, ...]
    seconds: Mapping[str, float] = field(default_factory=dict)
    cached: tuple[str, ...] = ()
    mode: str = "serial"
    usage: Mapping[str, Usage] = field(default_factory=dict)
    exchanges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)


def _call_with_timeout(fn: Callable[[], Any], timeout: float) -> tuple[str, Any]:
    """Run ``fn`` on a daemon thread: ("ok", value) | ("error", exc) | ("timeout", None)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # a system may raise anything
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="troopbench-extract")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return "timeout", None
    if "error" in box:
        return "error", box["error"]
    return "ok", box.get("value")


def _check_output(
    system: Extractor, document: Document, output: Any
) -> tuple[DocPredictions, list[ItemError]]:
    name = system.name
    layers = tuple(system.layers)
    if not isinstance(output, Prediction):
        got = type(output).__name__
        return DocPredictions(document.doc_id), [
            ItemError(name, document.doc_id, "", f"extract returned {got}, expected a Prediction")
        ]
    errors: list[ItemError] = []
    if output.doc_id != document.doc_id:
        errors.append(
            ItemError(name, document.doc_id, "/doc_id", f"prediction is for {output.doc_id!r}")
        )
    raw = output.to_json()
    for layer in LAYERS:
        if layer in raw and layer not in layers:
            errors.append(
                ItemError(
                    name, document.doc_id, f"/{layer}", "layer not declared by the system; ignored"
                )
            )
            del raw[layer]
        elif layer in layers and layer not in raw:
            raw[layer] = []
    try:
        parsed, item_errors = parse_prediction(raw, document.text, name, document.doc_id)
    except Exception as exc:  # garbage of any kind must not stop the run
        return DocPredictions(document.doc_id), [
            *errors,
            ItemError(name, document.doc_id, "", f"unreadable output: {type(exc).__name__}: {exc}"),
        ]
    return parsed, errors + item_errors


def _empty(doc_id: str, layers: Sequence[str]) -> DocPredictions:
    return DocPredictions(doc_id, **{layer: () for layer in layers})  # type: ignore[arg-type]


def attempted_layers(system: Extractor) -> tuple[str, ...]:
    """The layers ``system`` declares, in troopbench's layer order."""
    return tuple(layer for layer in LAYERS if layer in system.layers)


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One document's extraction, validated: what the run records for it.

    Built where the extraction ran (a worker process included), from plain
    picklable values: the exception itself never crosses a process boundary,
    only its message.
    """

    status: str  # "ok" | "error" | "timeout"
    predictions: DocPredictions
    errors: tuple[ItemError, ...]
    seconds: float
    usage: Usage | None = None
    exchanges: tuple[str, ...] = ()


def _timed_out(
    name: str, document: Document, layers: Sequence[str], timeout: float, seconds: float
) -> _Attempt:
    error = ItemError(name, document.doc_id, "", f"timed out after {timeout:g} s")
    return _Attempt("timeout", _empty(document.doc_id, layers), (error,), seconds)


def _attempt(system: Extractor, document: Document, timeout: float) -> _Attempt:
    """Extract one document on a daemon thread with a timeout, then validate."""
    layers = attempted_layers(system)
    metered = callable(getattr(system, "extract_metered", None))
    call = system.extract_metered if metered else system.extract  # type: ignore[attr-defined]
    started = time.perf_counter()
    status, value = _call_with_timeout(lambda: call(document), timeout)
    seconds = time.perf_counter() - started
    usage: Usage | None = None
    exchanges: tuple[str, ...] = ()
    problems: list[ItemError] = []
    if status == "ok" and metered:
        if isinstance(value, Metered):
            usage, exchanges = value.usage, tuple(value.exchanges)
            problems = [ItemError(system.name, document.doc_id, "", p) for p in value.problems]
            value = value.prediction
        else:
            status, value = (
                "error",
                TypeError(f"extract_metered returned {type(value).__name__}, expected a Metered"),
            )
    if status == "timeout":
        return _timed_out(system.name, document, layers, timeout, seconds)
    if status == "error":
        message = f"extract raised {type(value).__name__}: {value}"
        error = ItemError(system.name, document.doc_id, "", message)
        return _Attempt("error", _empty(document.doc_id, layers), (error,), seconds)
    parsed, doc_errors = _check_output(system, document, value)
    if not parsed.attempted():
        parsed = _empty(document.doc_id, layers)
    return _Attempt("ok", parsed, (*problems, *doc_errors), seconds, usage, exchanges)


# ------------------------------------------------------------------ worker processes

#: The system of this worker process, built once by :func:`_worker_init`.
_WORKER_SYSTEM: Any = None
#: Shared with the parent: when each document started in a worker (``time.time()``, 0 = not yet).
_WORKER_STARTED: Any = None


def _worker_init(spec: tuple[str, Any], name: str, version: str, started: Any) -> None:
    """Build the system in a worker: by registered name / module:attr path, or
    unpickled; it must be the same system and version as in the parent."""
    global _WORKER_SYSTEM, _WORKER_STARTED
    _WORKER_STARTED = started
    kind, payload = spec
    if kind == "ref":
        from benchmark.systems import load_system

        value = load_system(payload)
    else:
        value = pickle.loads(payload)
    if value.name != name or str(value.version) != version:
        raise RuntimeError(f"the worker built {value.name} {value.version}, not {name} {version}")
    _WORKER_SYSTEM = value


def _worker_attempt(index: int, document: Document, timeout: float) -> _Attempt:
    _WORKER_STARTED[index] = time.time()
    return _attempt(_WORKER_SYSTEM, document, timeout)


def parallel_mode(system: Extractor) -> str:
    """How the system's documents may run concurrently: its ``parallel``
    attribute (``"thread"``, ``"process"`` or ``"none"``; default ``"process"``).
    An unknown value is taken as ``"none"``: serial is always safe."""
    mode = getattr(system, "parallel", "process")
    return mode if mode in ("thread", "process", "none") else "none"


def _worker_spec(system: Extractor, system_ref: str | None) -> tuple[str, Any] | None:
    """How a worker process gets the system: ("ref", name) to build it there,
    ("pickle", bytes) to unpickle it (pickled once here, not again per worker),
    or None if neither is possible."""
    if system_ref:
        return "ref", system_ref
    try:
        return "pickle", pickle.dumps(system)
    except Exception:  # any failure to pickle: lambdas, locks, open files ...
        return None


def _terminate_workers(pool: Any) -> None:
    """Stop a process pool now, whatever its workers are doing (hung ones included)."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()


# ------------------------------------------------------------------ the run


def run_system(
    system: Extractor,
    documents: Sequence[Document],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fail_fast: bool = False,
    progress: TextIO | None = None,
    cache: PredictionCache | None = None,
    jobs: int = 1,
    system_ref: str | None = None,
) -> RunOutcome:
    """Extract every document; record failures and go on (see module doc).

    ``cache`` (default: none) serves documents extracted before by the same
    system and version, and stores new completed extractions
    (:mod:`benchmark.cache`). ``jobs`` > 1 runs the documents that must be
    extracted concurrently, as the system's ``parallel`` attribute allows:
    threads, worker processes (each builds the system once, from
    ``system_ref``, a registered name or ``module:attr`` path, if given, else
    from a pickled copy of ``system``), or serially. Whatever the mode, the
    predictions, errors and their order are those of a serial run.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if callable(getattr(system, "extract_metered", None)):
        cache = None  # it caches its responses itself, with their usage (module doc)
    name, version = system.name, str(system.version)
    layers = attempted_layers(system)
    done: dict[int, _Attempt] = {}
    cached: set[int] = set()
    todo: list[int] = []
    for i, document in enumerate(documents):
        if cache is None:
            todo.append(i)
            continue
        started = time.perf_counter()
        hit = cache.get(name, version, document, layers)
        if hit is None:
            todo.append(i)
        else:
            seconds = time.perf_counter() - started
            done[i] = _Attempt("ok", hit.predictions, hit.errors, seconds)
            cached.add(i)

    mode = parallel_mode(system) if jobs > 1 and len(todo) > 1 else "none"
    spec = _worker_spec(system, system_ref) if mode == "process" else None
    if mode == "process" and spec is None:
        _note(
            progress,
            f"  {name}: cannot be sent to worker processes (not picklable "
            "and no registered name); running serially",
        )
        mode = "none"

    def record(i: int, attempt: _Attempt) -> None:
        document = documents[i]
        done[i] = attempt
        if cache is not None and attempt.status == "ok":
            cache.put(name, version, document, attempt.predictions, attempt.errors)

    def report(i: int) -> None:
        attempt = done[i]
        if progress is not None:
            mark = "ok" if not attempt.errors else f"{len(attempt.errors)} error(s)"
            if i in cached:
                mark += " (cached)"
            _note(
                progress,
                f"  {name}: [{i + 1}/{len(documents)}] {documents[i].doc_id} "
                f"{attempt.seconds:.2f}s {mark}",
            )
        if fail_fast and attempt.errors:
            raise RunAborted(attempt.errors[0])

    pending = set(todo)
    if mode == "none":
        for i in range(len(documents)):
            if i in pending:
                record(i, _attempt(system, documents[i], timeout))
            report(i)
    elif not _run_pool(
        mode, system, documents, todo, timeout, jobs, spec, record, report, progress
    ):
        mode = "none"  # the worker processes failed before extracting anything
    predictions = {documents[i].doc_id: done[i].predictions for i in range(len(documents))}
    errors = tuple(e for i in range(len(documents)) for e in done[i].errors)
    seconds = {documents[i].doc_id: done[i].seconds for i in range(len(documents))}
    metered = callable(getattr(system, "extract_metered", None))
    usage = {
        documents[i].doc_id: done[i].usage or Usage() for i in range(len(documents)) if metered
    }
    exchanges = {documents[i].doc_id: done[i].exchanges for i in range(len(documents))}
    options = getattr(system, "options", None)
    return RunOutcome(
        name,
        version,
        layers,
        predictions,
        errors,
        seconds,
        tuple(documents[i].doc_id for i in sorted(cached)),
        "serial" if mode == "none" else mode,
        usage,
        {doc: ex for doc, ex in exchanges.items() if ex},
        {str(k): str(v) for k, v in options.items()} if isinstance(options, Mapping) else {},
    )


def _note(progress: TextIO | None, line: str) -> None:
    if progress is not None:
        progress.write(line + "\n")
        progress.flush()


def _run_pool(
    mode: str,
    system: Extractor,
    documents: Sequence[Document],
    todo: Sequence[int],
    timeout: float,
    jobs: int,
    spec: tuple[str, Any] | None,
    record: Callable[[int, _Attempt], None],
    report: Callable[[int], None],
    progress: TextIO | None,
) -> int:
    """Extract ``todo`` on a thread or process pool; record and report every
    document in document order (so fail_fast stops where a serial run would).
    Returns how many documents the pool extracted (the rest ran here, serially,
    after the worker processes failed)."""
    from concurrent.futures import Future, ThreadPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor

    layers = attempted_layers(system)
    workers = min(jobs, len(todo))
    pool: Any
    started: Any = None
    if mode == "thread":
        pool = ThreadPoolExecutor(workers, thread_name_prefix="troopbench-job")
        futures: dict[int, Future[_Attempt]] = {
            i: pool.submit(_attempt, system, documents[i], timeout) for i in todo
        }
    else:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        started = context.RawArray("d", len(documents))
        pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(spec, system.name, str(system.version), started),
        )
        futures = {i: pool.submit(_worker_attempt, i, documents[i], timeout) for i in todo}
    # a worker whose own timeout thread cannot run (a hang holding the GIL) is
    # caught here: once a document has run a little longer than the timeout in
    # its worker, give up on it (time spent starting workers does not count)
    grace = timeout + max(2.0, 0.5 * timeout)

    def wait(i: int) -> _Attempt:
        if mode == "thread":  # a thread's extraction returns by its timeout
            return futures[i].result()
        while True:
            try:
                return futures[i].result(timeout=min(1.0, grace))
            except FutureTimeout:
                began = started[i]
                if began and time.time() - began > grace:
                    raise

    broken = False
    hung = False
    pooled = 0
    try:
        for i in range(len(documents)):
            if i in futures:
                if broken:
                    record(i, _attempt(system, documents[i], timeout))
                else:
                    try:
                        attempt = wait(i)
                    except FutureTimeout:
                        hung = True
                        seconds = time.time() - started[i]
                        attempt = _timed_out(system.name, documents[i], layers, timeout, seconds)
                    except BrokenProcessPool as exc:
                        # a worker died (crash, or it could not build the system):
                        # what is left runs here, serially, as without --jobs
                        broken = True
                        _note(
                            progress,
                            f"  {system.name}: worker processes failed ({exc}); "
                            "running the remaining documents serially",
                        )
                        attempt = _attempt(system, documents[i], timeout)
                    pooled += not broken
                    hung = hung or attempt.status == "timeout"
                    record(i, attempt)
            report(i)
    finally:
        if mode == "process" and (hung or broken):
            _terminate_workers(pool)
        else:  # a thread's extraction returns by its timeout: waiting is bounded
            pool.shutdown(wait=True, cancel_futures=True)
    return pooled


# ------------------------------------------------------------------ results files


def _per_unit(evaluation: Evaluation, layer: str) -> dict[str, Any]:
    per_unit = evaluation.per_unit[layer]
    rows = {u: list(flatten(layer, c)) for u, c in per_unit.items()}
    consistent = True
    for doc_id, counts in evaluation.per_doc[layer].items():
        prefix = f"{doc_id}:"
        doc_rows = [r for u, r in rows.items() if u.startswith(prefix)]
        summed = [sum(col) for col in zip(*doc_rows, strict=True)] if doc_rows else []
        consistent = consistent and summed == list(flatten(layer, counts))
    return {"fields": list(unit_fields(layer)), "consistent": consistent, "counts": rows}


def build_results(
    gold: Gold,
    *,
    system: str,
    version: str,
    evaluation: Evaluation,
    errors: Sequence[ItemError],
    date: dt.datetime | None = None,
    exposure: Exposure | None = None,
    options: Mapping[str, str] | None = None,
    usage: Mapping[str, Usage] | None = None,
) -> dict[str, Any]:
    """The JSON document written to ``results/<system>.json``.

    ``exposure`` is the system's declaration (:func:`benchmark.systems.declared_exposure`);
    without one the file says ``undeclared``. ``options`` (the system's
    output-changing options) go into the ``system`` block, with a one-line
    signature of the system (name, version, options); ``usage`` (per
    document) becomes the ``cost`` block.
    """
    signature = current_signature(gold.sha256)
    layers: dict[str, Any] = {}
    for layer in evaluation.attempted:
        layers[layer] = {
            "metrics": evaluation.metrics(layer),
            "per_document": {d: c.to_dict() for d, c in evaluation.per_doc[layer].items()},
        }
        if layer in evaluation.per_unit:
            layers[layer]["per_unit"] = _per_unit(evaluation, layer)
            layers[layer]["invalid"] = dict(evaluation.invalid.get(layer, {}))
    system_block: dict[str, Any] = {
        "name": system,
        "version": version,
        "layers": list(evaluation.attempted),
        **(exposure or Exposure(UNDECLARED)).to_dict(),
    }
    if options:
        system_block["options"] = {k: options[k] for k in sorted(options)}
        system_block["signature"] = "|".join(
            [f"{system}:{version}", *(f"{k}:{options[k]}" for k in sorted(options))]
        )
    extra = {"cost": cost_block(usage)} if usage else {}
    return {
        "format": RESULTS_FORMAT,
        "signature": signature.to_dict(),
        "system": system_block,
        "date": (date or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "platform": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": platform.system(),
            "machine": platform.machine(),
        },
        "layers": layers,
        "not_attempted": [layer for layer in LAYERS if layer not in evaluation.attempted],
        "errors": [e.to_dict() for e in errors],
        **extra,
    }


def score_outcome(
    gold: Gold, outcome: RunOutcome, exposure: Exposure | None = None
) -> dict[str, Any]:
    evaluation = evaluate(gold, outcome.predictions, frozenset(outcome.layers))
    return build_results(
        gold,
        system=outcome.system,
        version=outcome.version,
        evaluation=evaluation,
        errors=outcome.errors,
        exposure=exposure,
        options=outcome.options,
        usage=outcome.usage,
    )


def _safe_name(system: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in system).strip(".") or "system"


def results_path(results_dir: Path, system: str) -> Path:
    return results_dir / f"{_safe_name(system)}.json"


def predictions_path(results_dir: Path, system: str) -> Path:
    """Where the validated predictions of ``system`` are written, beside its results."""
    return results_dir / f"{_safe_name(system)}.predictions.jsonl"


def responses_path(results_dir: Path, system: str) -> Path:
    """Where the model exchanges of a metered system are written, beside its results."""
    return results_dir / f"{_safe_name(system)}.responses.jsonl"


def write_responses_atomic(path: Path, exchanges: Mapping[str, Sequence[str]]) -> None:
    """Write each document's exchanges (JSON texts), documents in doc_id order."""
    lines = [line for doc_id in sorted(exchanges) for line in exchanges[doc_id]]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


def _is_number_row(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    )


def dumps_json(data: Any) -> str:
    """``json.dumps(indent=2)``, except that a list of numbers stays on one line
    (per-unit count rows), so results files stay short and diff well."""

    def emit(value: Any, level: int) -> str:
        pad, inner = "  " * level, "  " * (level + 1)
        if isinstance(value, dict):
            if not value:
                return "{}"
            items = []
            for k, v in value.items():
                if not isinstance(k, str):
                    raise TypeError(f"keys must be str, not {type(k).__name__}")
                items.append(f"{inner}{json.dumps(k, ensure_ascii=False)}: {emit(v, level + 1)}")
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(value, list | tuple):
            if not value:
                return "[]"
            if _is_number_row(list(value)):
                return json.dumps(list(value))  # "[1, 2, 3]": the default separators
            return "[\n" + ",\n".join(inner + emit(v, level + 1) for v in value) + "\n" + pad + "]"
        return json.dumps(value, ensure_ascii=False)

    return emit(data, 0) + "\n"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON via a temporary file and an atomic rename: never half a file."""
    text = dumps_json(data)  # serialise first: a failure leaves no temporary file
    write_text_atomic(path, text)


def write_predictions_atomic(path: Path, predictions: Mapping[str, DocPredictions]) -> None:
    """Write validated predictions as JSONL (one line per document, doc_id order)."""
    lines = [
        json.dumps(predictions[doc_id].to_json(), ensure_ascii=False, sort_keys=False)
        for doc_id in sorted(predictions)
    ]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


#: The schema of one per-unit row, for which :func:`_reduce_rows` has a fast check.
_ROW_SCHEMA = {"type": "array", "items": {"type": "integer", "minimum": 0}}


def _row_schema() -> Any:
    from benchmark.schemas import load_schema

    layer = load_schema("results")["properties"]["layers"]["additionalProperties"]
    return layer["properties"]["per_unit"]["properties"]["counts"]["additionalProperties"]


def _plain_row(row: Any) -> bool:
    return type(row) is list and all(type(v) is int and v >= 0 for v in row)


def _reduce_rows(data: Any) -> Any:
    """``data`` with each per-unit row that is plainly valid (non-negative ints)
    replaced by ``[]``, which the row schema accepts just the same; other rows,
    and everything else, are kept for the schema to judge. Copies only what it
    changes."""
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, dict):
        return data
    new_layers = {}
    for layer, block in layers.items():
        per_unit = block.get("per_unit") if isinstance(block, dict) else None
        counts = per_unit.get("counts") if isinstance(per_unit, dict) else None
        if isinstance(counts, dict):
            reduced = {unit: [] if _plain_row(row) else row for unit, row in counts.items()}
            block = {**block, "per_unit": {**per_unit, "counts": reduced}}
        new_layers[layer] = block
    return {**data, "layers": new_layers}


def validate_results(data: Any) -> list[str]:
    """Schema problems of a results document (empty when valid).

    Per-unit rows are the bulk of a results file; those made of non-negative
    ints are checked here and the rest of the document by the schema, which
    gives the same problems as validating it all (only while the schema's row
    definition is the one this check stands for; otherwise it all goes to the
    schema), several times faster.
    """
    validator = schema_validator("results")
    if _row_schema() == _ROW_SCHEMA:
        data = _reduce_rows(data)
    return [
        f"{'/' + '/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def stderr_progress() -> TextIO:
    return sys.stderr
