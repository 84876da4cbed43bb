"""``--jobs``: documents extracted concurrently give exactly what a serial run gives.

The test systems live at module level so that worker processes can rebuild
them: by ``module:attr`` path, or by unpickling (a spawned worker imports
this module by name, from the ``sys.path`` it inherits).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

import pytest

from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.predictions import EntityPrediction, Prediction, TimexPrediction
from benchmark.runner import RunAborted, RunOutcome, run_system

BAD_DOC = "900_00000000000000a1"
MODULE = Path(__file__).stem  # "test_parallel", importable by that name in workers


class Capitals:
    """Capitalised words as ORG, four-digit years as DATE, one invalid item per
    document; raises, hangs or answers garbage on BAD_DOC if asked to."""

    name = "capitals"
    version = "1"
    layers = ("entities", "timexes")
    parallel = "thread"
    misbehave = ""

    def extract(self, document: Document) -> Prediction:
        if document.doc_id == BAD_DOC:
            if self.misbehave == "raise":
                raise RuntimeError(f"boom in {document.doc_id}")
            if self.misbehave == "hang":
                time.sleep(30)
            if self.misbehave == "garbage":
                return {"entities": "lots"}  # type: ignore[return-value]
        text = document.text
        return Prediction(
            document.doc_id,
            entities=[
                EntityPrediction("ORG", m.start(), m.end(), m.group())
                for m in re.finditer(r"\b[A-Z][a-z]+\b", text)
            ]
            + [EntityPrediction("ORG", 0, len(text) + 5)],  # rejected: beyond the text
            timexes=[
                TimexPrediction(m.group(), "DATE", m.start(), m.end())
                for m in re.finditer(r"\b(?:19|20)\d\d\b", text)
            ],
        )


class ProcessCapitals(Capitals):
    parallel = "process"


class RaisingThreads(Capitals):
    misbehave = "raise"


class RaisingProcesses(ProcessCapitals):
    misbehave = "raise"


class GarbageProcesses(ProcessCapitals):
    misbehave = "garbage"


class HangingProcesses(ProcessCapitals):
    misbehave = "hang"


class HangingThreads(Capitals):
    misbehave = "hang"


class StuckProcesses(ProcessCapitals):
    """Hangs holding the GIL on BAD_DOC (a regex that backtracks for ages): the
    worker's own timeout thread cannot run, the parent must give up on it."""

    def extract(self, document: Document) -> Prediction:
        if document.doc_id == BAD_DOC:
            re.match(r"(a+)+$", "a" * 64 + "b")
        return super().extract(document)


class SerialOnly(RaisingThreads):
    parallel = "none"


class Unpicklable(RaisingProcesses):
    """A process-mode system that cannot be sent to a worker."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


class PidVersion(ProcessCapitals):
    """Its version differs in every process: a worker cannot rebuild the same system."""

    def __init__(self) -> None:
        self.version = f"pid{os.getpid()}"


def documents(gold: Gold) -> list[Document]:
    return [d.document for d in gold]


def same_run(a: RunOutcome, b: RunOutcome) -> None:
    """Same predictions, same errors, same order (timings aside)."""
    assert (a.system, a.version, a.layers) == (b.system, b.version, b.layers)
    assert list(a.predictions) == list(b.predictions)
    assert a.predictions == b.predictions
    assert a.errors == b.errors
    assert list(a.seconds) == list(b.seconds)


@pytest.mark.parametrize(
    ("system", "mode"),
    [
        (Capitals(), "thread"),
        (RaisingThreads(), "thread"),
        (ProcessCapitals(), "process"),
        (RaisingProcesses(), "process"),
        (GarbageProcesses(), "process"),
        (SerialOnly(), "serial"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_jobs_give_the_serial_results(mini_gold: Gold, system: object, mode: str) -> None:
    docs = documents(mini_gold)
    serial = run_system(system, docs, jobs=1)  # type: ignore[arg-type]
    parallel = run_system(system, docs, jobs=2)  # type: ignore[arg-type]
    assert serial.mode == "serial" and parallel.mode == mode
    same_run(serial, parallel)
    assert any("beyond the end of the text" in e.message for e in parallel.errors)
    if getattr(system, "misbehave", "") == "raise":
        bad = [e for e in parallel.errors if e.doc_id == BAD_DOC]
        assert len(bad) == 1, bad
        # the innermost line of the system's own code is named (benchmark.failures)
        assert re.fullmatch(
            rf"extract raised RuntimeError: boom in {BAD_DOC} "
            r"\(at (\S+/)?test_parallel\.py:\d+, in extract\)",
            bad[0].message,
        ), bad[0].message
        assert parallel.predictions[BAD_DOC].entities == ()  # nothing predicted, gold missed


def test_workers_rebuild_the_system_by_path(mini_gold: Gold) -> None:
    docs = documents(mini_gold)
    ref = f"{MODULE}:RaisingProcesses"
    serial = run_system(RaisingProcesses(), docs)
    parallel = run_system(RaisingProcesses(), docs, jobs=2, system_ref=ref)
    assert parallel.mode == "process"
    same_run(serial, parallel)


def test_unpicklable_system_runs_in_forked_workers(mini_gold: Gold) -> None:
    docs = documents(mini_gold)
    outcome = run_system(Unpicklable(), docs, jobs=2)
    assert outcome.mode == "process"
    same_run(run_system(Unpicklable(), docs), outcome)


def test_a_worker_that_builds_another_version_is_refused(mini_gold: Gold) -> None:
    docs = documents(mini_gold)
    outcome = run_system(None, docs, jobs=2, system_ref=f"{MODULE}:PidVersion")
    refused = [e for e in outcome.errors if "no worker to run it" in e.message]
    assert refused, outcome.errors
    assert all("a new worker built" in e.message for e in refused)


@pytest.mark.parametrize(
    "system", [HangingThreads(), HangingProcesses()], ids=lambda v: type(v).__name__
)
def test_timeouts_are_recorded_and_do_not_hang_the_run(mini_gold: Gold, system: object) -> None:
    docs = documents(mini_gold)
    started = time.perf_counter()
    outcome = run_system(system, docs, jobs=2, timeout=0.5)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 20
    assert [e.message for e in outcome.errors if e.doc_id == BAD_DOC] == ["timeout after 0.5 s"]
    same_run(run_system(system, docs, timeout=0.5), outcome)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "system", [RaisingThreads(), RaisingProcesses()], ids=lambda v: type(v).__name__
)
def test_fail_fast_stops_at_the_same_document(mini_gold: Gold, system: object) -> None:
    docs = documents(mini_gold)
    with pytest.raises(RunAborted) as serial:
        run_system(system, docs, fail_fast=True)  # type: ignore[arg-type]
    with pytest.raises(RunAborted) as parallel:
        run_system(system, docs, fail_fast=True, jobs=2)  # type: ignore[arg-type]
    assert serial.value.error == parallel.value.error


def test_jobs_must_be_positive(mini_gold: Gold) -> None:
    with pytest.raises(ValueError, match="jobs"):
        run_system(Capitals(), documents(mini_gold), jobs=0)


def test_cli_jobs_write_the_same_files(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmark.cli import main

    monkeypatch.setenv("TROOPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    written = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        args = [
            "run",
            f"{MODULE}:RaisingProcesses",
            "--jobs",
            jobs,
            "--no-cache",
            "--results",
            str(out / "results"),
            "--leaderboard",
            str(out / "LEADERBOARD.md"),
            "--gold",
            str(mini_copy / "gold"),
            "--seeds",
            str(mini_copy / "seeds"),
        ]
        assert main(args) == 1  # the system predicts an item beyond the text, on purpose
        results = json.loads((out / "results" / "capitals.json").read_text(encoding="utf-8"))
        results.pop("date", None)
        predictions = (out / "results" / "capitals.predictions.jsonl").read_text(encoding="utf-8")
        written.append((results, predictions))
    assert written[0] == written[1]
    assert not (tmp_path / "cache").exists()  # --no-cache: nothing read or written


def test_a_worker_stuck_holding_the_gil_does_not_hang_the_run(mini_gold: Gold) -> None:
    docs = documents(mini_gold)
    started = time.perf_counter()
    outcome = run_system(StuckProcesses(), docs, jobs=2, timeout=0.5)
    assert time.perf_counter() - started < 30
    assert outcome.mode == "process"
    assert [e.message for e in outcome.errors if e.doc_id == BAD_DOC] == ["timeout after 0.5 s"]
    assert outcome.predictions[BAD_DOC].entities == ()
    other = next(d.doc_id for d in docs if d.doc_id != BAD_DOC)
    assert outcome.predictions[other] == run_system(Capitals(), docs).predictions[other]
