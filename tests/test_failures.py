"""An extractor that raises: the recorded error names the innermost line of the system's
own code, and ``--traceback`` prints the whole traceback from the worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

MINI = Path(__file__).parent / "fixtures" / "mini"
DOC_B = "901_00000000000000b2"

# A package of the user's: extract -> a helper module -> the standard library.
PACKAGE = {
    "mypkg/__init__.py": "",
    "mypkg/system.py": """
        from benchmark.predictions import Prediction

        from mypkg import parsing


        class System:
            name = "mine"
            version = "1"
            layers = ("entities",)

            def extract(self, document):
                if document.doc_id == "901_00000000000000b2":
                    parsing.read_config("not json")
                return Prediction(document.doc_id, entities=[])
    """,
    "mypkg/parsing.py": """
        import json


        def read_config(text):
            return json.loads(text)
    """,
    "flat.py": """
        from benchmark.predictions import Prediction


        def ratio(n):
            return 1 / n


        class System:
            name = "flat"
            version = "1"
            layers = ("entities",)

            def extract(self, document):
                ratio(0)
                return Prediction(document.doc_id, entities=[])
    """,
}


def _project(folder: Path) -> Path:
    for name, code in PACKAGE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    return folder


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TROOPBENCH_CACHE_DIR": str(cwd / "cache")}
    gold = ["--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds")]
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", "run", *args, "--no-leaderboard", *gold],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _recorded(cwd: Path, name: str) -> list[str]:
    data = json.loads((cwd / "results" / f"{name}.json").read_text(encoding="utf-8"))
    return [e["message"] for e in data["errors"]]


def test_the_innermost_own_frame_is_named_not_the_library_one(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = _run(project, "mypkg.system:System")
    assert done.returncode == 0, done.stderr  # a crash is recorded, and the run goes on
    line = 5  # `return json.loads(text)` in mypkg/parsing.py
    expected = (
        "extract raised JSONDecodeError: Expecting value: line 1 column 1 (char 0) "
        f"(at mypkg/parsing.py:{line}, in read_config)"
    )
    assert _recorded(project, "mine") == [expected]
    assert f"recorded: mine: {DOC_B}: /: {expected}" in done.stderr
    assert "--traceback prints the whole traceback from the worker" in done.stderr
    assert "Traceback (most recent call last)" not in done.stderr


def test_a_module_outside_a_package(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = _run(project, "flat:System")
    assert done.returncode == 0, done.stderr
    messages = _recorded(project, "flat")
    assert (
        messages
        == ["extract raised ZeroDivisionError: division by zero (at flat.py:5, in ratio)"] * 2
    )


def test_traceback_prints_the_whole_traceback(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = _run(project, "mypkg.system:System", "--traceback")
    err = done.stderr
    assert f"  traceback of mine on {DOC_B}:" in err
    trace = err[err.index(f"traceback of mine on {DOC_B}:") :]
    for line in (
        "    Traceback (most recent call last):",
        f'      File "{project / "mypkg" / "system.py"}", line 13, in extract',
        f'      File "{project / "mypkg" / "parsing.py"}", line 5, in read_config',
        "    json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
    ):
        assert line in trace, trace
    # the library frames are in the traceback, but not in the recorded line
    assert "json/decoder.py" in trace
    assert all("json/" not in m for m in _recorded(project, "mine"))


def test_the_recorded_error_is_the_same_from_another_folder(tmp_path: Path) -> None:
    """Paths are shown relative to the current folder, so results files stay byte-stable."""
    a = _project(tmp_path / "a")
    b = _project(tmp_path / "b")
    for project in (a, b):
        _run(project, "flat:System")
    assert _recorded(a, "flat") == _recorded(b, "flat")
