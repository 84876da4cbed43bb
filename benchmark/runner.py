"""Running a system over the corpus, and the results files it produces.

Each document is extracted on a worker thread with a timeout. An exception,
a timeout, or an output that is not a valid :class:`Prediction` on one
document is recorded (document, item, message) and the run goes on, with
nothing predicted for that document (its gold items count as missed);
invalid items inside an otherwise valid output count as spurious.
``fail_fast=True`` stops at the first such error instead.

A thread that hangs past its timeout cannot be killed from Python; it is
abandoned (it is a daemon thread and dies with the process) and reported.

Results files (``results/<name>.json``) carry, per attempted layer, the
metrics, the per-document counts, the per-unit counts the leaderboard's
intervals and significance tiers are computed from (``per_unit``: the field
names of :func:`benchmark.scoring.unit_fields` and one row of integers per
unit; ``consistent`` says whether the units sum to the document totals, see
:mod:`benchmark.scoring`) and the number of items rejected by validation per
document (``invalid``). Beside each results file the validated predictions
are written as ``results/<name>.predictions.jsonl`` in the prediction format,
so that error reports can be rebuilt from committed files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.predictions import DocPredictions, ItemError, Prediction, parse_prediction
from benchmark.schemas import schema_validator
from benchmark.scoring import Evaluation, evaluate, flatten, unit_fields
from benchmark.signature import current_signature
from benchmark.systems import Extractor

RESULTS_FORMAT = "troopbench-results/1"
DEFAULT_TIMEOUT = 120.0


class RunAborted(Exception):
    """Raised with ``fail_fast`` at the first document that fails."""

    def __init__(self, error: ItemError) -> None:
        self.error = error
        super().__init__(str(error))


@dataclass(frozen=True)
class RunOutcome:
    """What one run produced: validated predictions, errors, timings."""

    system: str
    version: str
    layers: tuple[str, ...]
    predictions: Mapping[str, DocPredictions]
    errors: tuple[ItemError, ...]
    seconds: Mapping[str, float] = field(default_factory=dict)


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


def run_system(
    system: Extractor,
    documents: Sequence[Document],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fail_fast: bool = False,
    progress: TextIO | None = None,
) -> RunOutcome:
    """Extract every document; record failures and go on (see module doc)."""
    layers = tuple(layer for layer in LAYERS if layer in system.layers)
    predictions: dict[str, DocPredictions] = {}
    errors: list[ItemError] = []
    seconds: dict[str, float] = {}
    for n, document in enumerate(documents, start=1):
        started = time.perf_counter()
        status, value = _call_with_timeout(lambda d=document: system.extract(d), timeout)
        seconds[document.doc_id] = time.perf_counter() - started
        doc_errors: list[ItemError]
        if status == "timeout":
            doc_errors = [
                ItemError(system.name, document.doc_id, "", f"timed out after {timeout:g} s")
            ]
            parsed = _empty(document.doc_id, layers)
        elif status == "error":
            doc_errors = [
                ItemError(
                    system.name,
                    document.doc_id,
                    "",
                    f"extract raised {type(value).__name__}: {value}",
                )
            ]
            parsed = _empty(document.doc_id, layers)
        else:
            parsed, doc_errors = _check_output(system, document, value)
            if not parsed.attempted():
                parsed = _empty(document.doc_id, layers)
        predictions[document.doc_id] = parsed
        errors.extend(doc_errors)
        if progress is not None:
            mark = "ok" if not doc_errors else f"{len(doc_errors)} error(s)"
            progress.write(
                f"  {system.name}: [{n}/{len(documents)}] {document.doc_id} "
                f"{seconds[document.doc_id]:.2f}s {mark}\n"
            )
            progress.flush()
        if fail_fast and doc_errors:
            raise RunAborted(doc_errors[0])
    return RunOutcome(system.name, str(system.version), layers, predictions, tuple(errors), seconds)


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
) -> dict[str, Any]:
    """The JSON document written to ``results/<system>.json``."""
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
    return {
        "format": RESULTS_FORMAT,
        "signature": signature.to_dict(),
        "system": {"name": system, "version": version, "layers": list(evaluation.attempted)},
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
    }


def score_outcome(gold: Gold, outcome: RunOutcome) -> dict[str, Any]:
    evaluation = evaluate(gold, outcome.predictions, frozenset(outcome.layers))
    return build_results(
        gold,
        system=outcome.system,
        version=outcome.version,
        evaluation=evaluation,
        errors=outcome.errors,
    )


def _safe_name(system: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in system).strip(".") or "system"


def results_path(results_dir: Path, system: str) -> Path:
    return results_dir / f"{_safe_name(system)}.json"


def predictions_path(results_dir: Path, system: str) -> Path:
    """Where the validated predictions of ``system`` are written, beside its results."""
    return results_dir / f"{_safe_name(system)}.predictions.jsonl"


def _is_number_row(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
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
                return "[" + ", ".join(json.dumps(v) for v in value) + "]"
            return "[\n" + ",\n".join(inner + emit(v, level + 1) for v in value) + "\n" + pad + "]"
        return json.dumps(value, ensure_ascii=False)

    return emit(data, 0) + "\n"


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON via a temporary file and an atomic rename: never half a file."""
    text = dumps_json(data)  # serialise first: a failure leaves no temporary file
    _write_text_atomic(path, text)


def write_predictions_atomic(path: Path, predictions: Mapping[str, DocPredictions]) -> None:
    """Write validated predictions as JSONL (one line per document, doc_id order)."""
    lines = [
        json.dumps(predictions[doc_id].to_json(), ensure_ascii=False, sort_keys=False)
        for doc_id in sorted(predictions)
    ]
    _write_text_atomic(path, "".join(line + "\n" for line in lines))


def validate_results(data: Any) -> list[str]:
    """Schema problems of a results document (empty when valid)."""
    validator = schema_validator("results")
    return [
        f"{'/' + '/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def stderr_progress() -> TextIO:
    return sys.stderr
