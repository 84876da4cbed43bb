"""Hostile systems and hostile predictions files: every fault is contained and recorded.

Each hostile system misbehaves on one document only (BAD_DOC). Each test
asserts the reason recorded for that document, and that every other document
(and every other system run in the same call) is scored exactly as in a clean
run. Timeouts are tiny, so each case runs in a second or two.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.predictions import (
    EntityPrediction,
    EvidenceSpan,
    Prediction,
    StancePrediction,
    TroopPrediction,
)
from benchmark.runner import RunOutcome, run_system
from benchmark.supervisor import WorkerError

pytest_plugins = ["pytester"]

BAD_DOC = "900_00000000000000a1"
MODULE = Path(__file__).stem
TIMEOUT = 1.0


class Clean:
    """Tags each document's first word as an ORG, and one troop count."""

    name = "hostile"
    version = "1"
    layers = ("entities", "troop_counts", "stances")

    def good(self, document: Document) -> Prediction:
        first = document.text.split()[0]
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction("ORG", 0, len(first), first)],
            troop_counts=[TroopPrediction(2500, "Iraq")],
            stances=[StancePrediction("Pentagon", "AGAINST", (EvidenceSpan(0, len(first)),))],
        )

    def bad(self, document: Document) -> Prediction:
        return self.good(document)

    def extract(self, document: Document) -> Prediction:
        if document.doc_id == BAD_DOC:
            return self.bad(document)
        return self.good(document)


class GilRegex(Clean):
    def bad(self, document: Document) -> Prediction:
        re.match(r"(a+)+$", "a" * 40 + "b")  # catastrophic backtracking, GIL held throughout
        return self.good(document)


class OsExit(Clean):
    def bad(self, document: Document) -> Prediction:
        os._exit(1)


class Segfault(Clean):
    def bad(self, document: Document) -> Prediction:
        import ctypes

        ctypes.string_at(0)  # reads address 0: SIGSEGV
        return self.good(document)


class ThreadSegfault(Segfault):
    parallel = "thread"  # both documents in flight in one worker when it dies


class SysExit(Clean):
    def bad(self, document: Document) -> Prediction:
        sys.exit(3)


class StdoutGarbage(Clean):
    def extract(self, document: Document) -> Prediction:
        print('GARBAGE-ON-STDOUT {"doc_id": "x"}')
        sys.stdout.write("\x00\x01 more garbage\n")
        return super().extract(document)


class Mutating(Clean):
    def bad(self, document: Document) -> Prediction:
        prediction = self.good(document)
        object.__setattr__(document, "text", "mutated " * 10)
        object.__setattr__(document, "doc_id", "someone-else")
        return prediction


class DictItems(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction(
            document.doc_id,
            entities=[{"type": "ORG", "start": 0, "end": 3}],  # type: ignore[list-item]
            troop_counts=good.troop_counts,
            stances=good.stances,
        )


class IntLayer(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction(
            document.doc_id, entities=5, troop_counts=good.troop_counts, stances=good.stances
        )  # type: ignore[arg-type]


class FloatOffsets(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        first = document.text.split()[0]
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction("ORG", 0.0, float(len(first)))],  # type: ignore[arg-type]
            troop_counts=good.troop_counts,
            stances=good.stances,
        )


class Surrogate(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction("ORG", text="Iraq\ud800")],
            troop_counts=good.troop_counts,
            stances=good.stances,
        )


class BigInt(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction(
            document.doc_id,
            entities=good.entities,
            troop_counts=[TroopPrediction(10**5000, "Iraq")],
            stances=good.stances,
        )


class DeepNesting(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        deep: list[object] = []
        for _ in range(5000):
            deep = [deep]
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction(deep)],  # type: ignore[arg-type]
            troop_counts=good.troop_counts,
            stances=good.stances,
        )


class WrongDocId(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction("901_00000000000000b2", good.entities, None, good.troop_counts)


class HugeName(Clean):
    def bad(self, document: Document) -> Prediction:
        good = self.good(document)
        return Prediction(
            document.doc_id,
            entities=[EntityPrediction("ORG", text="Iraq" * 5_000_000)],
            troop_counts=good.troop_counts,
            stances=good.stances,
        )


class Greedy(Clean):
    def bad(self, document: Document) -> Prediction:
        hog = bytearray(2 * 1024**3)  # 2 GiB: past any sane --memory-limit
        hog[-1] = 1
        return self.good(document)


class IntName(Clean):
    name = 5  # type: ignore[assignment]


def documents(gold: Gold) -> list[Document]:
    return [d.document for d in gold]


def other_docs(gold: Gold) -> list[str]:
    return [d.doc_id for d in gold if d.doc_id != BAD_DOC]


def assert_contained(outcome: RunOutcome, clean: RunOutcome, gold: Gold, reason: str) -> None:
    bad = [e.message for e in outcome.errors if e.doc_id == BAD_DOC]
    assert any(reason in m for m in bad), bad
    for doc_id in other_docs(gold):
        assert outcome.predictions[doc_id] == clean.predictions[doc_id]
        assert [e for e in outcome.errors if e.doc_id == doc_id] == []


CASES = [
    (GilRegex, "timeout after 1.0 s"),
    (OsExit, "worker died: exit code 1"),
    (Segfault, "worker died: signal 11"),
    (SysExit, "extract raised SystemExit: 3"),
    (DictItems, "expected a EntityPrediction, got dict"),
    (IntLayer, "expected a list, got int"),
    (FloatOffsets, "is not of type 'integer'"),
    (Surrogate, "lone surrogate U+D800"),
    (BigInt, "integer with more than 15 digits"),
    (DeepNesting, "nested deeper than 16 levels"),
    (WrongDocId, "is for doc_id '901_00000000000000b2', not '900_00000000000000a1'; not scored"),
    (HugeName, "string of 20,000,000 characters"),
]


@pytest.fixture(scope="module")
def clean_run(mini_gold: Gold) -> RunOutcome:
    return run_system(Clean(), documents(mini_gold), timeout=TIMEOUT)


@pytest.mark.parametrize(("cls", "reason"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_a_hostile_system_is_contained(
    cls: type[Clean], reason: str, mini_gold: Gold, clean_run: RunOutcome
) -> None:
    started = time.perf_counter()
    outcome = run_system(cls(), documents(mini_gold), timeout=TIMEOUT)
    assert time.perf_counter() - started < 20
    assert_contained(outcome, clean_run, mini_gold, reason)
    if cls not in (GilRegex, OsExit, Segfault, SysExit, WrongDocId):
        # item-level garbage: the bad document's other layers are still scored
        assert outcome.predictions[BAD_DOC].stances == clean_run.predictions[BAD_DOC].stances


def test_hostile_systems_under_jobs_give_the_serial_result(
    mini_gold: Gold, clean_run: RunOutcome
) -> None:
    for cls, reason in CASES[:3]:
        outcome = run_system(cls(), documents(mini_gold), timeout=TIMEOUT, jobs=2)
        assert outcome.mode == "process"
        assert_contained(outcome, clean_run, mini_gold, reason)
    outcome = run_system(ThreadSegfault(), documents(mini_gold), timeout=TIMEOUT, jobs=2)
    assert outcome.mode == "thread"
    assert_contained(outcome, clean_run, mini_gold, "worker died: signal 11")


def test_memory_limit_records_the_document(mini_gold: Gold, clean_run: RunOutcome) -> None:
    outcome = run_system(Greedy(), documents(mini_gold), timeout=10, memory_limit=300)
    assert_contained(outcome, clean_run, mini_gold, "memory limit of 300 MiB")


def test_document_mutation_does_not_leak(mini_gold: Gold, clean_run: RunOutcome) -> None:
    docs = documents(mini_gold)
    before = [(d.doc_id, d.text) for d in docs]
    mutated = run_system(Mutating(), docs, timeout=TIMEOUT)
    assert [(d.doc_id, d.text) for d in docs] == before
    assert mutated.predictions == clean_run.predictions  # validated against the real text
    after = run_system(Clean(), docs, timeout=TIMEOUT)
    assert after.predictions == clean_run.predictions and after.errors == clean_run.errors


def test_an_int_system_name_is_refused(mini_gold: Gold) -> None:
    with pytest.raises(WorkerError, match="name must be a non-empty string"):
        run_system(IntName(), documents(mini_gold), timeout=TIMEOUT)


def _cli(out: Path, mini: Path, *args: str) -> list[str]:
    return [
        *args,
        "--results",
        str(out / "results"),
        "--leaderboard",
        str(out / "LEADERBOARD.md"),
        "--gold",
        str(mini / "gold"),
        "--seeds",
        str(mini / "seeds"),
    ]


def test_stdout_garbage_stays_out_of_troopbench_output(
    tmp_path: Path, mini_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = _cli(tmp_path, mini_copy, "run", f"{MODULE}:StdoutGarbage", "--no-cache")
    assert main(argv) == 0
    out, err = capfd.readouterr()
    assert "GARBAGE-ON-STDOUT" not in out and "GARBAGE-ON-STDOUT" in err
    clean = json.loads((tmp_path / "results" / "hostile.json").read_text(encoding="utf-8"))
    assert clean["errors"] == []


def test_surrogates_leave_both_files_written(tmp_path: Path, mini_copy: Path) -> None:
    # the surrogate item is rejected: run exits 1 (invalid output), and writes both files
    assert main(_cli(tmp_path, mini_copy, "run", f"{MODULE}:Surrogate", "--no-cache")) == 1
    results = json.loads((tmp_path / "results" / "hostile.json").read_text(encoding="utf-8"))
    assert any("lone surrogate" in e["message"] for e in results["errors"])
    assert (tmp_path / "results" / "hostile.predictions.jsonl").is_file()


def test_a_name_collision_needs_force(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_cli(tmp_path, mini_copy, "run", f"{MODULE}:Clean", "--no-cache")) == 0
    path = tmp_path / "results" / "hostile.json"
    before = path.read_bytes()
    assert json.loads(before)["system"]["source"] == f"module:attr {MODULE}:Clean"
    capsys.readouterr()
    assert main(_cli(tmp_path, mini_copy, "run", f"{MODULE}:SysExit", "--no-cache")) == 2
    assert "holds results of module:attr" in capsys.readouterr().err
    assert path.read_bytes() == before
    argv = _cli(tmp_path, mini_copy, "run", f"{MODULE}:SysExit", "--no-cache", "--force")
    assert main(argv) == 0
    assert json.loads(path.read_bytes())["system"]["source"] == f"module:attr {MODULE}:SysExit"
    both = _cli(tmp_path, mini_copy, "run", f"{MODULE}:Clean", f"{MODULE}:SysExit", "--force")
    assert main(both) == 2
    assert "both write hostile.json" in capsys.readouterr().err


def test_module_attr_from_the_current_folder(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mysys_here.py").write_text(
        "from benchmark.predictions import Prediction\n"
        "class S:\n    name = 'here'\n    version = '1'\n    layers = ('entities',)\n"
        "    def extract(self, d):\n        return Prediction(d.doc_id, entities=[])\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(_cli(tmp_path, mini_copy, "run", "mysys_here:S", "--no-cache")) == 0
    assert (tmp_path / "results" / "here.json").is_file()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _sigint_as_at_a_terminal() -> None:
    """In the child: Ctrl-C's default action, which a run started in the background by a
    non-interactive shell (as a CI script may start the suite) inherits as ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_hanging_run(tmp_path: Path, mini: Path) -> subprocess.Popen[str]:
    argv = _cli(tmp_path, mini, "run", f"{MODULE}:GilRegex", "--no-cache", "--timeout", "600")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=_sigint_as_at_a_terminal,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until the worker is extracting
        if "running hostile" in line:
            break
    time.sleep(0.5)
    return process


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_gives_one_line_and_130(tmp_path: Path, mini_copy: Path) -> None:
    process = _start_hanging_run(tmp_path, mini_copy)
    workers = _children(process.pid)
    assert workers
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 130
    assert process.stderr is not None
    rest = process.stderr.read().strip().splitlines()
    assert rest == ["troopbench: interrupted; nothing half-written was kept"]
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path, mini_copy: Path) -> None:
    process = _start_hanging_run(tmp_path, mini_copy)
    workers = _children(process.pid)
    assert workers
    process.kill()
    process.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


PLUGIN_SYSTEMS = """
import ctypes

from benchmark.predictions import EntityPrediction, Prediction


class Segfault:
    name = "crashy"
    version = "1"
    layers = ("entities",)

    def extract(self, document):
        if document.doc_id == "900_00000000000000a1":
            ctypes.string_at(0)
        first = document.text.split()[0]
        return Prediction(document.doc_id, entities=[EntityPrediction("ORG", 0, len(first))])


class IntName(Segfault):
    name = 5
"""


def test_the_plugin_records_a_crash_and_refuses_an_int_name(pytester: pytest.Pytester) -> None:
    from test_pytest_plugin import plugin_args

    mini = Path(__file__).parent / "fixtures" / "mini"
    pytester.makepyfile(plugin_hostile=PLUGIN_SYSTEMS)
    gold = [f"--troopbench-gold={mini / 'gold'}", f"--troopbench-seeds={mini / 'seeds'}"]
    result = pytester.runpytest_subprocess(
        *plugin_args(),
        *gold,
        "--troopbench-system=plugin_hostile:Segfault",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*crashy failed on this document: worker died: signal 11*"])
    result = pytester.runpytest_subprocess(
        *plugin_args(), *gold, "--troopbench-system=plugin_hostile:IntName"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stderr.fnmatch_lines(["*name must be a non-empty string*"])
