"""Hostile systems, round 3: nothing a system starts outlives the run, and nothing it
sends runs or is trusted in troopbench's process.

Each system misbehaves on one document (BAD_DOC) and behaves on the other.
Each test builds the hostile case, checks the reason recorded for BAD_DOC (or
that nothing is recorded, where the fault must simply have no effect), and
that every other document scores exactly as in a clean run.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
import test_hostile_systems as hostile
from test_hostile_systems import BAD_DOC, TIMEOUT, Clean, _alive, _cli, assert_contained, documents

from benchmark.cli import main
from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.predictions import EntityPrediction, Prediction, TroopPrediction
from benchmark.runner import RunOutcome, run_system
from benchmark.supervisor import MAX_FRAME, Supervisor, WorkerError, spec_for
from benchmark.usage import Metered, Usage

MODULE = Path(__file__).stem
MINI = Path(__file__).parent / "fixtures" / "mini"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(scope="module")
def clean_run(mini_gold: Gold) -> RunOutcome:
    return run_system(Clean(), documents(mini_gold), timeout=TIMEOUT)


def _wait_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


# ------------------------------------------------------------------ bug 1: processes and folders


class Leaky(Clean):
    """On BAD_DOC: a subprocess, a fork and a temporary folder, then it hangs (or,
    with ``hang`` false, returns and leaves them behind)."""

    def __init__(self, record: str, hang: bool = True) -> None:
        self.record = record
        self.hang = hang

    def bad(self, document: Document) -> Prediction:
        child = subprocess.Popen(["sleep", "300"])
        forked = os.fork()
        if forked == 0:
            time.sleep(300)
            os._exit(0)
        folder = tempfile.mkdtemp(prefix="troopbench-hostile-")
        Path(folder, "article.txt").write_text(document.text, encoding="utf-8")
        Path(self.record).write_text(
            json.dumps({"pids": [child.pid, forked], "folder": folder}), encoding="utf-8"
        )
        if self.hang:
            time.sleep(300)
        return self.good(document)


def _recorded(path: Path) -> tuple[list[int], Path]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["pids"], Path(data["folder"])


@linux_only
@pytest.mark.parametrize("hang", [True, False], ids=["timeout", "finished"])
def test_nothing_a_system_starts_outlives_the_run(
    hang: bool, tmp_path: Path, mini_gold: Gold, clean_run: RunOutcome
) -> None:
    record = tmp_path / "record.json"
    outcome = run_system(Leaky(str(record), hang), documents(mini_gold), timeout=TIMEOUT)
    pids, folder = _recorded(record)
    assert _wait_gone(pids, 3.0) == []  # killed with the worker's group, not left to run
    assert not folder.exists()  # made inside the run's own folder, which is removed
    assert folder.name.startswith("troopbench-hostile-")
    assert folder.parent.parent.name.startswith("troopbench-run-")
    if hang:
        assert_contained(outcome, clean_run, mini_gold, "timeout after 1.0 s")
    else:
        assert outcome.predictions == clean_run.predictions and outcome.errors == ()


def test_the_run_folder_is_removed_on_close(mini_gold: Gold) -> None:
    supervisor = Supervisor(spec_for(Clean()))
    folder = Path(supervisor.folder)
    assert folder.is_dir() and folder.name.startswith("troopbench-run-")
    list(supervisor.run(documents(mini_gold), [0, 1], timeout=TIMEOUT))
    supervisor.close()
    assert not folder.exists()


def _sigint_as_at_a_terminal() -> None:
    """In the child: Ctrl-C's default action, which a run started in the background by a
    non-interactive shell (as a CI script may start the suite) inherits as ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _hanging_cli(tmp_path: Path, mini: Path, record: Path) -> subprocess.Popen[str]:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from test_hostile_processes import Leaky\n"
        f"LEAKY = Leaky({str(record)!r})\n"
    )
    (tmp_path / "leaky_here.py").write_text(code, encoding="utf-8")
    argv = _cli(tmp_path, mini, "run", "leaky_here:LEAKY", "--no-cache", "--timeout", "600")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=_sigint_as_at_a_terminal,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    assert record.exists()
    return process


@linux_only
@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_nothing_outlives_an_interrupted_or_killed_troopbench(
    how: str, tmp_path: Path, mini_copy: Path
) -> None:
    record = tmp_path / "record.json"
    process = _hanging_cli(tmp_path, mini_copy, record)
    pids, folder = _recorded(record)
    assert all(_alive(p) for p in pids)  # running, before
    if how == "ctrl-c":
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 130
    else:
        process.kill()  # no cleanup code runs in troopbench: the guardians do it
        process.wait(timeout=10)
    assert _wait_gone(pids) == []
    run_folder = folder.parent.parent
    assert run_folder.name.startswith("troopbench-run-")
    deadline = time.monotonic() + 5
    while run_folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists() and not run_folder.exists()


def _started_under(root: Path) -> list[int]:
    """Live processes whose environment names ``root`` (the TMPDIR the run was given):
    its workers, their guardians, a JVM (in a worker or as a java process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if str(root).encode() in environ and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


@linux_only
def test_heideltime_with_a_short_timeout_leaves_no_process_and_no_folder(
    tmp_path: Path, mini_copy: Path
) -> None:
    import shutil

    from benchmark.systems import SystemUnavailable, load_system

    if shutil.which("java") is None:
        pytest.skip("java is not installed (CI installs it)")
    try:
        load_system("heideltime")
    except SystemUnavailable as exc:
        pytest.skip(f"heideltime unavailable: {exc.install}")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    argv = _cli(tmp_path, mini_copy, "run", "heideltime", "--no-cache", "--timeout", "1.5")
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", *argv],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()  # troopbench itself, its workers and guardians, while it runs
    while process.poll() is None:
        seen.update(_started_under(tmp))
        time.sleep(0.2)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert len(seen) >= 3
    assert (tmp_path / "results" / "heideltime.json").is_file()
    assert _wait_gone(_started_under(tmp), 3.0) == []
    assert list(tmp.iterdir()) == []  # no troopbench-run-*, no troopbench-heideltime-*


# ------------------------------------------------------------------ bug 6: plain data only


class Tricky(str):
    """A str whose hash, equality and str() would raise or loop in troopbench."""

    def __hash__(self) -> int:
        raise RuntimeError("hash ran in troopbench")

    def __eq__(self, other: object) -> bool:
        while True:
            pass

    def __str__(self) -> str:
        raise RuntimeError("str ran in troopbench")

    def __reduce__(self) -> tuple[object, ...]:
        return (os._exit, (0,))  # unpickled, it would end troopbench's process with rc 0


class Count(int):
    def __reduce__(self) -> tuple[object, ...]:
        return (os._exit, (0,))


class Kind(enum.StrEnum):
    ORG = "ORG"


class SubclassValues(Clean):
    """Every value of its output a subclass defined here (the parent may not even be
    able to import this module); as plain data, the same prediction as Clean's."""

    def good(self, document: Document) -> Prediction:
        plain = super().good(document)
        first = document.text.split()[0]
        return Prediction(
            Tricky(document.doc_id),
            entities=[EntityPrediction(Kind.ORG, Count(0), Count(len(first)), Tricky(first))],
            troop_counts=[TroopPrediction(Count(2500), Tricky("Iraq"))],
            stances=plain.stances,
        )


def test_subclass_values_are_plain_data_in_troopbench(tmp_path: Path) -> None:
    """In a child interpreter: unpickled, these values would end it with rc 0 and
    nothing printed (they did so to a whole pytest session)."""
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}]\n"
        "from benchmark.gold import load_gold\n"
        "from benchmark.runner import run_system\n"
        "from test_hostile_processes import SubclassValues\n"
        "from test_hostile_systems import Clean, documents\n"
        f"gold = load_gold({str(MINI / 'gold')!r}, {str(MINI / 'seeds')!r})\n"
        "clean = run_system(Clean(), documents(gold), timeout=5.0)\n"
        "out = run_system(SubclassValues(), documents(gold), timeout=5.0)\n"
        "types = {type(i.type) for d in out.predictions.values() for i in d.entities or ()}\n"
        "print(out.errors == (), out.predictions == clean.predictions, types == {str})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]


def test_a_system_module_troopbench_cannot_import(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "only_in_worker.py").write_text(
        "import os\n"
        "from benchmark.predictions import EntityPrediction, Prediction\n"
        "class Name(str):\n"
        "    def __reduce__(self):\n"
        "        return (os._exit, (0,))\n"
        "class S:\n    name = Name('far')\n    version = Name('1')\n    layers = ('entities',)\n"
        "    def extract(self, d):\n"
        "        first = d.text.split()[0]\n"
        "        return Prediction(d.doc_id, entities=[EntityPrediction(Name('ORG'), 0, "
        "len(first), Name(first))])\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(_cli(tmp_path, mini_copy, "run", "only_in_worker:S", "--no-cache")) == 0
    assert "only_in_worker" not in sys.modules  # troopbench never imported it
    results = json.loads((tmp_path / "results" / "far.json").read_text(encoding="utf-8"))
    assert results["errors"] == []
    assert results["layers"]["entities"]["metrics"]["strict_f1"] > 0


# ------------------------------------------------------------------ bug 7: the worker's pipe


def _worker_fds() -> list[int]:
    return [int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 2]


class FdGarbage(Clean):
    """Writes garbage to every file descriptor it inherited."""

    def bad(self, document: Document) -> Prediction:
        for fd in _worker_fds():
            with contextlib.suppress(OSError):
                os.write(fd, b"\x00garbage\xff" * 100)
        return self.good(document)


class ForgedLength(Clean):
    """Writes a frame header promising ``size`` bytes on every descriptor, then
    ``then`` (hangs, or returns)."""

    size = 1000
    hang = True

    def bad(self, document: Document) -> Prediction:
        header = struct.pack(">4sQ", b"TBW1", self.size)
        for fd in _worker_fds():
            with contextlib.suppress(OSError):
                os.write(fd, header + b"{")
        if self.hang:
            time.sleep(300)
        return self.good(document)


class HugeLength(ForgedLength):
    size = 2**40
    hang = False


class PatchesValidation(Clean):
    """Switches off every check the worker could make, then predicts a span far
    outside the text: only troopbench's own process can stop it."""

    def bad(self, document: Document) -> Prediction:
        import benchmark.predictions
        import benchmark.supervisor

        benchmark.supervisor.check_value = lambda *a, **k: None
        benchmark.predictions.check_value = lambda *a, **k: None
        benchmark.predictions.parse_prediction = lambda raw, *a, **k: raw
        benchmark.supervisor._wire_items = lambda layer, items: items
        good = self.good(document)
        far = EntityPrediction("ORG", 0, 10**6)
        return Prediction(document.doc_id, [far], None, good.troop_counts, good.stances)


@linux_only
@pytest.mark.parametrize(
    ("cls", "reason"),
    [
        (FdGarbage, "worker sent garbage on its pipe: bytes that are not a frame"),
        (ForgedLength, "timeout after 1.0 s"),
        (HugeLength, f"a frame of {2**40:,} bytes; at most {MAX_FRAME:,} allowed"),
    ],
    ids=["garbage", "forged-length", "huge-length"],
)
def test_a_worker_that_spoils_its_pipe_is_treated_as_dead(
    cls: type[Clean], reason: str, mini_gold: Gold, clean_run: RunOutcome
) -> None:
    started = time.monotonic()
    outcome = run_system(cls(), documents(mini_gold), timeout=TIMEOUT)
    assert time.monotonic() - started < 30  # a forged length once hung the run for ever
    assert_contained(outcome, clean_run, mini_gold, reason)


def test_validation_runs_in_troopbench_not_in_the_worker(
    mini_gold: Gold, clean_run: RunOutcome
) -> None:
    outcome = run_system(PatchesValidation(), documents(mini_gold), timeout=TIMEOUT)
    assert_contained(outcome, clean_run, mini_gold, "beyond")
    bad = outcome.predictions[BAD_DOC]
    assert bad.entities == () and bad.invalid == {"entities": 1}
    assert bad.stances == clean_run.predictions[BAD_DOC].stances


# ------------------------------------------------------------------ weaknesses of the worker


class SetsAlarm(Clean):
    """Sets an alarm on BAD_DOC and returns at once; every document takes 0.6 s,
    so the alarm would fire during the next one and kill its worker."""

    def extract(self, document: Document) -> Prediction:
        if document.doc_id == BAD_DOC:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            return self.good(document)
        time.sleep(0.6)
        return self.good(document)


def test_an_alarm_a_system_sets_does_not_fire_in_the_next_document(
    mini_gold: Gold, clean_run: RunOutcome
) -> None:
    docs = documents(mini_gold)
    assert docs[0].doc_id == BAD_DOC  # the alarm's document comes first
    outcome = run_system(SetsAlarm(), docs, timeout=5.0)
    assert outcome.errors == ()
    assert outcome.predictions == clean_run.predictions


class LeavesThread(Clean):
    def bad(self, document: Document) -> Prediction:
        threading.Thread(target=time.sleep, args=(60,), daemon=False).start()
        return self.good(document)


def test_a_thread_a_system_leaves_running_does_not_delay_the_end(
    mini_gold: Gold, clean_run: RunOutcome
) -> None:
    supervisor = Supervisor(spec_for(LeavesThread()))
    results = dict(supervisor.run(documents(mini_gold), [0, 1], timeout=5.0))
    started = time.monotonic()
    supervisor.close()
    assert time.monotonic() - started < 3.0  # the worker no longer waits for the thread
    assert [r.errors for r in results.values()] == [(), ()]


class RaisesMemoryError(Clean):
    def bad(self, document: Document) -> Prediction:
        raise MemoryError("the model's arena is full")


def test_memory_error_without_a_limit_is_reported_as_it_is(
    mini_gold: Gold, clean_run: RunOutcome
) -> None:
    outcome = run_system(RaisesMemoryError(), documents(mini_gold), timeout=TIMEOUT)
    assert_contained(
        outcome, clean_run, mini_gold, "extract raised MemoryError: the model's arena is full"
    )
    assert not any("memory limit" in e.message for e in outcome.errors)
    limited = run_system(
        RaisesMemoryError(), documents(mini_gold), timeout=TIMEOUT, memory_limit=4000
    )
    assert_contained(
        limited,
        clean_run,
        mini_gold,
        "memory limit of 4000 MiB exceeded (MemoryError: the model's arena is full)",
    )


# ------------------------------------------------------------------ one limit policy


class LongVersion(Clean):
    version = "1" * 1_000_000


class LongOption(Clean):
    options: ClassVar[dict[str, str]] = {"prompt": "x" * 120_000}


class ManyOptions(Clean):
    options: ClassVar[dict[str, str]] = {f"o{i}": "v" for i in range(50)}


@pytest.mark.parametrize(
    ("cls", "reason"),
    [
        (LongVersion, "the system's version is 1,000,000 characters; at most 200 allowed"),
        (LongOption, "the system's option 'prompt' is 120,000 characters; at most 1,000 allowed"),
        (ManyOptions, "the system has 50 options; at most 20 allowed"),
    ],
    ids=["version", "option", "options"],
)
def test_a_description_no_results_file_could_hold_is_refused(
    cls: type[Clean], reason: str, mini_gold: Gold
) -> None:
    with pytest.raises(WorkerError, match=reason) as info:
        run_system(cls(), documents(mini_gold), timeout=TIMEOUT)
    assert info.value.kind == "invalid"


class BadUsage(Clean):
    """A metered system whose usage no results file may hold, on BAD_DOC only."""

    def extract_metered(self, document: Document) -> Metered:
        tokens = -5 if document.doc_id == BAD_DOC else 7
        usage = Usage(requests=1, input_tokens=tokens, output_tokens=3, seconds=0.5)
        return Metered(self.extract(document), usage, ('{"request": 1}',))


def test_what_run_writes_its_leaderboard_accepts(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _cli(tmp_path, mini_copy, "run", f"{MODULE}:BadUsage", "--no-cache")
    assert main(argv) == 0
    results = json.loads((tmp_path / "results" / "hostile.json").read_text(encoding="utf-8"))
    messages = [e["message"] for e in results["errors"] if e["doc_id"] == BAD_DOC]
    reason = "usage not recorded: input_tokens -5 is not a count from 0 to 1,000,000,000"
    assert messages == [reason]
    per_doc = results["cost"]["per_document"]
    assert per_doc[BAD_DOC]["input_tokens"] == 0
    assert all(per_doc[d]["input_tokens"] == 7 for d in per_doc if d != BAD_DOC)
    capsys.readouterr()
    rebuild = [*_cli(tmp_path, mini_copy, "leaderboard"), "--bootstrap", "100", "--trials", "100"]
    assert main(rebuild) == 0
    assert "unreadable" not in capsys.readouterr().err
    board = (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "hostile" in board


def test_a_non_finite_timeout_is_refused_at_parse_time(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for value in ("nan", "inf", "0", "-5", "soon"):
        with pytest.raises(SystemExit) as info:
            main(_cli(tmp_path, mini_copy, "run", f"{hostile.MODULE}:Clean", "--timeout", value))
        assert info.value.code == 2
        assert "argument --timeout" in capsys.readouterr().err
    with pytest.raises(ValueError, match="finite number of seconds above 0"):
        run_system(Clean(), [], timeout=float("nan"))
    assert not (tmp_path / "results").exists()


class Raises(Clean):
    def bad(self, document: Document) -> Prediction:
        raise ValueError("no model for this one")


def test_an_exception_comes_back_as_plain_text_with_its_traceback(mini_gold: Gold) -> None:
    with Supervisor(spec_for(Raises())) as supervisor:
        results = dict(supervisor.run(documents(mini_gold), [0, 1], timeout=TIMEOUT))
    bad, good = results[0], results[1]
    (message,) = [e.message for e in bad.errors]
    assert message.startswith("extract raised ValueError: no model for this one (at tests/")
    assert message.endswith(", in bad)")
    assert "in bad" in bad.traceback and bad.traceback.endswith(
        "ValueError: no model for this one\n"
    )
    assert good.errors == () and good.traceback == ""


@linux_only
def test_no_resource_tracker_is_started(tmp_path: Path) -> None:
    """Workers are started without multiprocessing: no resource tracker to outlive a run."""
    code = (
        "import sys, time\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}]\n"
        "import benchmark\n"
        "from benchmark.runner import run_system\n"
        "from test_hostile_systems import Clean, documents\n"
        "from test_hostile_processes import _children_cmdlines\n"
        "gold = benchmark.load_gold()\n"
        "from benchmark.supervisor import Supervisor, spec_for\n"
        "with Supervisor(spec_for(Clean())) as s:\n"
        "    during = _children_cmdlines()\n"
        "    list(s.run(documents(gold), [0], timeout=5.0))\n"
        "print(len(during), sum('resource_tracker' in c for c in during))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    workers, trackers = map(int, done.stdout.split())
    assert workers >= 1 and trackers == 0


def _children_cmdlines() -> list[str]:
    mine = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == mine
            ):
                found.append((entry / "cmdline").read_bytes().decode(errors="replace"))
        except OSError:
            continue
    return found
