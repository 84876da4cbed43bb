"""The built wheel, installed in a clean virtualenv, scores a user's extractor.

This is what someone gets from ``pip install troopbench``: the gold and the
articles ship inside the package (``benchmark/_data``), and the pytest plugin
is found through its entry point, with nothing from this checkout on the
path. The test builds the wheel, installs it (dependencies come from PyPI,
through pip's usual download cache) into a new virtualenv outside the
repository, writes a tiny extractor into an empty project there and runs
``python -m pytest --troopbench-system=tiny:System`` against the packaged gold.

Set ``TROOPBENCH_WHEEL_TEST_CORPUS`` to a folder holding ``gold/`` and
``seeds/`` to score against that corpus instead (the plugin options
``--troopbench-gold``/``--troopbench-seeds``), e.g. while the packaged gold
is being written and does not validate.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CORPUS_ENV = "TROOPBENCH_WHEEL_TEST_CORPUS"

TINY = '''
    """A tiny extractor: a handful of place names, and nothing else."""

    import re

    from benchmark.predictions import EntityPrediction, Prediction

    NAMES = re.compile(r"\\b(Iraq|Syria|Baghdad|Iran|Kuwait|Jordan|Erbil)\\b")


    class System:
        name = "tiny"
        version = "0.1"
        layers = ("entities",)

        def extract(self, document):
            return Prediction(
                document.doc_id,
                entities=[EntityPrediction("GPE", m.start(), m.end())
                          for m in NAMES.finditer(document.text)],
            )
'''


def _run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _build_wheel(out: Path) -> Path:
    """``python -m build --wheel`` (or ``pip wheel --no-deps`` without ``build``),
    without build isolation when hatchling is already installed here."""
    local_backend = importlib.util.find_spec("hatchling") is not None
    if importlib.util.find_spec("build") is not None:
        args = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
        args += ["--no-isolation"] if local_backend else []
    else:
        args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out)]
        args += ["--no-build-isolation"] if local_backend else []
    done = _run([*args, str(ROOT)], cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = sorted(out.glob("troopbench-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _documents_in(wheel: Path) -> list[str]:
    """Check the wheel's contents; return the doc ids of its packaged gold."""
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()

    def stems(folder: str, suffix: str) -> list[str]:
        """Files directly in ``benchmark/_data/<folder>/`` (gold has sub-folders)."""
        prefix = f"benchmark/_data/{folder}/"
        inside = (n.removeprefix(prefix) for n in names if n.startswith(prefix))
        return sorted(
            Path(n).stem
            for n in inside
            if "/" not in n and n.endswith(suffix) and n != "entities.json"
        )

    gold, seeds = stems("gold", ".json"), stems("seeds", ".txt")
    assert "benchmark/_data/gold/entities.json" in names
    assert gold and gold == seeds, (gold, seeds)
    assert "benchmark/pytest_plugin.py" in names and "benchmark/report.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "troopbench = benchmark.pytest_plugin" in archive.read(entry_points).decode()
    return gold


def _venv_python(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    return where / bindir / ("python.exe" if sys.platform == "win32" else "python")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A clean virtualenv (outside the repository) with the wheel installed."""
    base = tmp_path_factory.mktemp("wheel-install")
    assert ROOT not in base.parents
    dist = base / "dist"
    dist.mkdir()
    wheel = _build_wheel(dist)
    documents = _documents_in(wheel)
    python = _venv_python(base / "venv")
    done = _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return python, documents


@pytest.fixture
def user_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "tiny.py").write_text(textwrap.dedent(TINY), encoding="utf-8")
    own_test = "def test_own_code():\n    assert True\n"
    (project / "test_own.py").write_text(own_test, encoding="utf-8")
    return project


def _corpus_args() -> tuple[list[str], list[str] | None]:
    """Options pointing at an override corpus, and its doc ids (None: packaged gold)."""
    corpus = os.environ.get(CORPUS_ENV)
    if not corpus:
        return [], None
    folder = Path(corpus).resolve()
    docs = sorted(p.stem for p in (folder / "seeds").glob("*.txt"))
    return [f"--troopbench-gold={folder / 'gold'}", f"--troopbench-seeds={folder / 'seeds'}"], docs


def test_the_installed_package_is_not_the_checkout(
    installed: tuple[Path, list[str]], user_project: Path
) -> None:
    python, _ = installed
    code = "import benchmark.corpus as c; print(c.__file__); print(c.data_root())"
    done = _run([str(python), "-c", code], cwd=user_project)
    assert done.returncode == 0, done.stderr
    module, data_root = done.stdout.split()
    venv_dir = python.parent.parent
    assert Path(module).is_relative_to(venv_dir) and not Path(module).is_relative_to(ROOT)
    assert Path(data_root).is_relative_to(venv_dir) and Path(data_root).name == "_data"


def test_pytest_plugin_from_the_wheel(
    installed: tuple[Path, list[str]], user_project: Path
) -> None:
    python, packaged_docs = installed
    extra, docs = _corpus_args()
    docs = docs or packaged_docs
    done = _run(
        [
            str(python),
            "-m",
            "pytest",
            "-v",
            "-p",
            "no:cacheprovider",
            "--troopbench-system=tiny:System",
            *extra,
        ],
        cwd=user_project,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "troopbench-0.1.0" in out  # the "plugins:" line
    assert "test_own.py::test_own_code PASSED" in out
    for doc_id in docs:
        assert f"troopbench::{doc_id}::entities PASSED strict_f1 " in out
    assert "troopbench::all::entities PASSED strict_f1 " in out
    assert f"{len(docs) + 2} passed" in out
    assert "= troopbench: tiny 0.1 =" in out
    summary = out[out.index("= troopbench: tiny 0.1 =") :]
    for line in (
        "layer",
        "entities      strict_f1",
        "timexes       not attempted",
        f"{len(docs)} documents, gold ",
    ):
        assert line in summary, summary


def test_thresholds_from_the_wheel_fail_the_run(
    installed: tuple[Path, list[str]], user_project: Path
) -> None:
    python, _ = installed
    extra, _docs = _corpus_args()
    done = _run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--troopbench-system=tiny:System",
            "--troopbench-min-f1=entities=1.0",
            *extra,
        ],
        cwd=user_project,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED troopbench::all::entities - strict_f1 " in done.stdout
    assert "troopbench tiny entities: strict_f1 P " in done.stdout


# ------------------------------------------------------------ your own folder, end to end

MINE = '''
    """My extractor: place names as GPE, and nothing else."""

    import re

    from benchmark.predictions import EntityPrediction, Prediction

    PLACES = re.compile(r"\\b(Iraq|Syria|Baghdad|Iran|Kuwait|Jordan|Erbil|Washington)\\b")


    class MyExtractor:
        name = "mine"
        version = "0.1"
        layers = ("entities",)

        def extract(self, document):
            return Prediction(
                document.doc_id,
                entities=[EntityPrediction("GPE", m.start(), m.end())
                          for m in PLACES.finditer(document.text)],
            )
'''


def _troopbench(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = python.parent / ("troopbench.exe" if sys.platform == "win32" else "troopbench")
    return _run([str(script), *args], cwd=cwd)


def test_the_committed_results_are_packaged(installed: tuple[Path, list[str]]) -> None:
    """Every committed results file of the original suite is in the wheel, so the list
    in pyproject.toml cannot fall behind ``results/``."""
    python, _ = installed
    code = "from benchmark.corpus import baseline_results_dir as b; print(b())"
    done = _run([str(python), "-c", code], cwd=python.parent)
    packaged = Path(done.stdout.strip())
    assert packaged.is_relative_to(python.parent.parent), packaged
    committed = [*sorted(p.name for p in (ROOT / "results").glob("*.json")), "NOTES.md"]
    assert sorted(p.name for p in packaged.iterdir()) == sorted(committed)


def test_your_own_extractor_in_a_fresh_folder(
    installed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The README's "your own extractor" path, as printed there, in an empty folder."""
    python, _ = installed
    project = tmp_path / "myproject"
    project.mkdir()
    (project / "my_extractor.py").write_text(textwrap.dedent(MINE), encoding="utf-8")
    env_cache = ["--cache-dir", str(tmp_path / "cache")]

    done = _troopbench(python, project, "run", "my_extractor:MyExtractor", *env_cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mine: wrote results/mine.json" in done.stdout
    # no leaderboard, no plots in the user's folder unless asked
    assert sorted(p.name for p in project.iterdir()) == ["my_extractor.py", "results"]
    assert "troopbench leaderboard --with-baselines" in done.stderr

    done = _troopbench(python, project, "compare", "mine", "rules")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(rules: the committed results of the built-in system)" in done.stderr
    assert "mine vs rules: paired approximate randomization" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("entities"))
    assert "yes" in row.split()  # rules is far ahead on entities
    assert "not attempted by mine" in done.stdout

    done = _troopbench(python, project, "leaderboard", "--with-baselines")
    assert done.returncode == 0, done.stdout + done.stderr
    board = (project / "LEADERBOARD.md").read_text(encoding="utf-8")
    for name in ("mine", "rules", "spacy\\-sm", "heideltime", "stance\\-lr"):
        assert f"| {name} " in board, name  # names are escaped for Markdown
    assert (project / "docs" / "leaderboard" / "entities.svg").is_file()
    done = _troopbench(python, project, "leaderboard", "--with-baselines", "--check")
    assert done.returncode == 0, done.stdout + done.stderr

    # once a leaderboard exists, run keeps it up to date
    done = _troopbench(python, project, "run", "my_extractor:MyExtractor", *env_cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrote LEADERBOARD.md" in done.stdout


def _hints(text: str) -> list[str]:
    """Every pip command in ``text`` (``troopbench systems``' notes), each on its own."""
    import re

    found = re.findall(r"((?:\S+ -m )?pip install (?:(?!&&|;|\s{2}).)+)", text)
    return sorted({hint.strip() for hint in found})


def _shell(hint: str, bindir: Path) -> str:
    """``hint`` as a shell command for the test's virtualenv (its bin/ is not on PATH)."""
    return f"{bindir}/{hint}" if hint.startswith("pip ") else hint


def test_every_install_hint_works_as_printed(installed: tuple[Path, list[str]]) -> None:
    """The wheel alone (no extras): each unavailable system's pip command is one that
    works here. The one for dateparser is run, and makes the system available; the
    others are resolved by pip without installing (``--dry-run``)."""
    python, _ = installed
    done = _troopbench(python, python.parent, "systems")
    assert done.returncode == 0, done.stderr
    assert "troopbench[" not in done.stdout, done.stdout  # not on the public index
    assert "``" not in done.stdout  # no reST markup in the notes
    hints = _hints(done.stdout)
    assert hints, done.stdout
    bindir = python.parent
    for hint in hints:
        words = hint.split()
        assert words[:2] in (["pip", "install"], [str(python), "-m"]), hint
        if "dateparser" in hint and "spacy" not in hint:
            continue
        dry = _run(["sh", "-c", f"{_shell(hint, bindir)} --dry-run --quiet"], cwd=bindir)
        assert dry.returncode == 0, (hint, dry.stdout + dry.stderr)
    dateparser = next(h for h in hints if "dateparser" in h and "spacy" not in h)
    installed_extra = _run(["sh", "-c", f"{_shell(dateparser, bindir)} --quiet"], cwd=bindir)
    assert installed_extra.returncode == 0, installed_extra.stdout + installed_extra.stderr
    after = _troopbench(python, python.parent, "systems")
    row = next(line for line in after.stdout.splitlines() if line.startswith("dateparser "))
    assert "unavailable" not in row, row
