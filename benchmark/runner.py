"""Running a system over the corpus, and the results files it produces.

A system never runs in troopbench's own process: :func:`run_system` hands
the documents to a :class:`~benchmark.supervisor.Supervisor`, whose worker
processes extract them and send back plain JSON that troopbench validates
(see :mod:`benchmark.supervisor` for timeouts, crashes, signals, the memory
limit and Ctrl-C). An exception, a timeout, a dead worker, or an output
that is not a valid :class:`Prediction` on one document is recorded
(document, item, message) and the run goes on, with nothing predicted for
that document (its gold items count as missed); invalid items inside an
otherwise valid output count as spurious.
``fail_fast=True`` stops at the first such error instead.

Two things make re-runs and big corpora cheaper, neither changing what is
recorded:

* a :class:`~benchmark.cache.PredictionCache` (``cache=``; off unless given,
  the CLI gives one) serves documents a system of the same name, version and
  source (a hash of its source files, :func:`cache_version`) has already
  extracted, with the errors recorded then; completed extractions are
  stored, failures are not;
* ``jobs=N`` extracts up to N documents at a time as the system's
  ``parallel`` attribute allows: ``"process"`` (the default) in N worker
  processes, ``"thread"`` on N threads inside one worker, ``"none"`` one at
  a time. Results are reported in document order, so predictions, errors,
  their order and where ``fail_fast`` stops are those of a serial run.

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
worker then calls it instead of ``extract``, the runner sums the usage into
the results file's ``cost`` block (tokens, seconds, requests, retries, per
document) and the exchanges are written to ``results/<name>.responses.jsonl``.
Such a system keeps its own cache of responses (which also keeps its recorded
usage), so the predictions cache is not used for it. A system's ``options``
(the output-changing settings it was built with, a ``dict[str, str]``) are
recorded in the results file beside its version.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from benchmark.atomic import write_text_atomic
from benchmark.cache import PredictionCache
from benchmark.corpus import DEFAULT_CORPUS, Document
from benchmark.gold import Gold
from benchmark.inputs import shown
from benchmark.layers import LAYERS
from benchmark.predictions import DocPredictions, ItemError
from benchmark.schemas import schema_validator
from benchmark.scoring import Evaluation, evaluate, flatten, unit_fields
from benchmark.signature import current_signature
from benchmark.supervisor import (
    Attempt,
    Supervisor,
    SystemInfo,
    WorkerError,
    failed,
    spec_for,
)
from benchmark.supervisor import (
    parallel_mode as parallel_mode,  # re-exported: part of the runner's API
)
from benchmark.systems import UNDECLARED, Exposure, Extractor
from benchmark.usage import Usage, cost_block

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
    source: str = ""
    exposure: Exposure | None = None  # as the worker read it from the system
    exposures: Mapping[str, Exposure] = field(default_factory=dict)  # per corpus, declared
    usage: Mapping[str, Usage] = field(default_factory=dict)
    exchanges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    #: doc_id → the whole traceback from the worker, for documents whose extract raised
    tracebacks: Mapping[str, str] = field(default_factory=dict)

    def exposure_for(self, corpus: str) -> Exposure | None:
        """The system's exposure to ``corpus``: its declaration for that corpus; for
        troopbench's own its ``exposure``; else undeclared (see
        :func:`benchmark.systems.exposure_for`)."""
        if corpus in self.exposures:
            return self.exposures[corpus]
        if corpus == DEFAULT_CORPUS:
            return self.exposure
        return Exposure(UNDECLARED)


def attempted_layers(system: Extractor) -> tuple[str, ...]:
    """The layers ``system`` declares, in troopbench's layer order."""
    return tuple(layer for layer in LAYERS if layer in system.layers)


def cache_version(info: SystemInfo) -> str:
    """The version the cache files a system's predictions under: its declared
    version and a hash of its source, so an edit without a version bump misses."""
    return f"{info.version}+src.{info.source_hash[:16]}" if info.source_hash else info.version


def run_system(
    system: Extractor | None,
    documents: Sequence[Document],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fail_fast: bool = False,
    progress: TextIO | None = None,
    cache: PredictionCache | None = None,
    jobs: int = 1,
    system_ref: str | None = None,
    memory_limit: int | None = None,
    supervisor: Supervisor | None = None,
) -> RunOutcome:
    """Extract every document in supervised worker processes; record failures
    and go on (see module doc).

    The system is ``supervisor``'s if given (it is left open), else built in a
    worker from ``system_ref`` (a registered name or ``module:attr``) if given,
    else from a pickled copy of ``system``. ``cache`` (default: none) serves
    documents extracted before by the same system, version and source, and
    stores new completed extractions (:mod:`benchmark.cache`). ``jobs`` > 1
    runs that many documents at a time, as the system's ``parallel`` attribute
    allows. Whatever the mode, the predictions, errors and their order are
    those of a serial run. ``memory_limit`` (MiB) caps each worker's growth.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if not 0 < timeout < float("inf"):  # NaN fails too: it would switch the limit off
        raise ValueError(f"timeout must be a finite number of seconds above 0, not {timeout}")
    if supervisor is None:
        paths = (os.getcwd(),) if system_ref and ":" in system_ref else ()
        spec = spec_for(system, system_ref, paths)
        with Supervisor(spec, memory_limit=memory_limit) as owned:
            return run_system(
                None,
                documents,
                timeout=timeout,
                fail_fast=fail_fast,
                progress=progress,
                cache=cache,
                jobs=jobs,
                supervisor=owned,
            )
    info = supervisor.info
    name, version, layers = info.name, info.version, info.layers
    if info.metered:
        cache = None  # it caches its responses itself, with their usage (module doc)
    keyed = cache_version(info)
    done: dict[int, Attempt] = {}
    cached: set[int] = set()
    todo: list[int] = []
    for i, document in enumerate(documents):
        if cache is None:
            todo.append(i)
            continue
        started = time.perf_counter()
        hit = cache.get(name, keyed, document, layers)
        if hit is None:
            todo.append(i)
        else:
            seconds = time.perf_counter() - started
            done[i] = Attempt("ok", hit.predictions, hit.errors, seconds)
            cached.add(i)
    mode = info.parallel if jobs > 1 and len(todo) > 1 else "none"
    reported = 0
    started_run = time.perf_counter()

    def eta() -> str:
        """`` ETA 1m05s``: the time left at the pace of the documents extracted so far."""
        left = sum(1 for i in todo if i not in done)
        finished = len(todo) - left
        if not left or not finished:
            return ""
        seconds = round((time.perf_counter() - started_run) / finished * left)
        return f" ETA {seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f" ETA {seconds}s"

    def report_ready() -> None:
        nonlocal reported
        while reported < len(documents) and reported in done:
            i = reported
            attempt = done[i]
            if progress is not None:
                mark = "ok" if not attempt.errors else f"{len(attempt.errors)} error(s)"
                if i in cached:
                    mark += " (cached)"
                _note(
                    progress,
                    f"  {name}: [{i + 1}/{len(documents)}] {documents[i].doc_id} "
                    f"{attempt.seconds:.2f}s {mark}{eta()}",
                )
            reported += 1
            if fail_fast and attempt.errors:
                raise RunAborted(attempt.errors[0])

    report_ready()
    try:
        for i, attempt in supervisor.run(documents, todo, timeout=timeout, jobs=jobs):
            done[i] = attempt
            if cache is not None and attempt.status == "ok":
                cache.put(name, keyed, documents[i], attempt.predictions, attempt.errors)
            report_ready()
    except WorkerError as exc:  # a replacement worker could not start
        for i in todo:
            if i not in done:
                reason = f"no worker to run it: {exc.message}"
                done[i] = failed("died", name, documents[i].doc_id, layers, reason, 0.0)
        report_ready()
    predictions = {documents[i].doc_id: done[i].predictions for i in range(len(documents))}
    errors = tuple(e for i in range(len(documents)) for e in done[i].errors)
    seconds = {documents[i].doc_id: done[i].seconds for i in range(len(documents))}
    usage = {
        documents[i].doc_id: done[i].usage or Usage() for i in range(len(documents)) if info.metered
    }
    exchanges = {documents[i].doc_id: done[i].exchanges for i in range(len(documents))}
    return RunOutcome(
        name,
        version,
        layers,
        predictions,
        errors,
        seconds,
        tuple(documents[i].doc_id for i in sorted(cached)),
        "serial" if mode == "none" else mode,
        supervisor.spec.source(),
        info.exposure,
        dict(info.exposures),
        usage,
        {doc: ex for doc, ex in exchanges.items() if ex},
        dict(info.options),
        {documents[i].doc_id: done[i].traceback for i in done if done[i].traceback},
    )


def _note(progress: TextIO | None, line: str) -> None:
    if progress is not None:
        progress.write(shown(line) + "\n")  # a system's name or message may hold escapes
        progress.flush()


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
    source: str = "",
    exposure: Exposure | None = None,
    options: Mapping[str, str] | None = None,
    usage: Mapping[str, Usage] | None = None,
    system_layers: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JSON document written to ``results/<system>.json``.

    Nothing in it depends on when or where it was produced (no date, no
    platform), so a re-run that changes no score changes no byte. ``source``
    says where the system came from (an entry point or ``module:attr``);
    ``exposure`` is the system's declaration
    (:func:`benchmark.systems.declared_exposure`); without one the file says
    ``undeclared``. ``options`` (the system's output-changing options) go into
    the ``system`` block, with a one-line signature of the system (name,
    version, options); ``usage`` (per document) becomes the ``cost`` block.
    ``system_layers``: the layers the system attempts (default: those scored);
    those the corpus does not annotate are listed under ``not_annotated`` and
    are neither scored nor "not attempted".
    """
    signature = current_signature(gold.sha256, corpus=gold.corpus.name)
    declared = system_layers if system_layers is not None else evaluation.attempted
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
        "layers": [x for x in LAYERS if x in declared],
        **(exposure or Exposure(UNDECLARED)).to_dict(),
    }
    if options:
        system_block["options"] = {k: options[k] for k in sorted(options)}
        system_block["signature"] = "|".join(
            [f"{system}:{version}", *(f"{k}:{options[k]}" for k in sorted(options))]
        )
    system_block["source"] = source
    extra: dict[str, Any] = {"cost": cost_block(usage)} if usage else {}
    not_annotated = [x for x in LAYERS if x in declared and x not in gold.layers]
    if not_annotated:  # written only when there are some, so older files stay byte-identical
        extra = {"not_annotated": not_annotated, **extra}
    return {
        "format": RESULTS_FORMAT,
        "signature": signature.to_dict(),
        "system": system_block,
        "layers": layers,
        "not_attempted": [
            layer for layer in LAYERS if layer not in evaluation.attempted and layer not in declared
        ],
        "errors": recorded_errors(errors),
        **extra,
    }


#: A results file lists at most this many errors; the rest are summed up in one more entry.
MAX_RECORDED_ERRORS = 1000


def recorded_errors(errors: Sequence[ItemError]) -> list[dict[str, str]]:
    """The errors of a results file: the first :data:`MAX_RECORDED_ERRORS`, then one
    entry saying how many more there were (their items are still counted)."""
    out = [e.to_dict() for e in errors[:MAX_RECORDED_ERRORS]]
    if len(errors) > MAX_RECORDED_ERRORS:
        more = len(errors) - MAX_RECORDED_ERRORS
        out.append({"doc_id": "", "item": "", "message": f"... and {more} more error(s)"})
    return out


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
        source=outcome.source,
        exposure=exposure or outcome.exposure_for(gold.corpus.name),
        options=outcome.options,
        usage=outcome.usage,
        system_layers=outcome.layers,
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


def responses_text(exchanges: Mapping[str, Sequence[str]]) -> str:
    """Each document's exchanges (JSON texts), one a line, documents in doc_id order."""
    lines = [line for doc_id in sorted(exchanges) for line in exchanges[doc_id]]
    return "".join(line + "\n" for line in lines)


def write_responses_atomic(path: Path, exchanges: Mapping[str, Sequence[str]]) -> None:
    """Write each document's exchanges (JSON texts), documents in doc_id order."""
    write_text_atomic(path, responses_text(exchanges))


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


def predictions_text(predictions: Mapping[str, DocPredictions]) -> str:
    """Validated predictions as JSONL (one line per document, doc_id order)."""
    lines = [
        json.dumps(predictions[doc_id].to_json(), ensure_ascii=False, sort_keys=False)
        for doc_id in sorted(predictions)
    ]
    return "".join(line + "\n" for line in lines)


def write_predictions_atomic(path: Path, predictions: Mapping[str, DocPredictions]) -> None:
    """Write validated predictions as JSONL (one line per document, doc_id order)."""
    write_text_atomic(path, predictions_text(predictions))


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
