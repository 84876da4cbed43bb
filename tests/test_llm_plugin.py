"""System options through the pytest plugin (``--troopbench-option``) and the fixture."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from llm_fake import FakeServer
from test_pytest_plugin import GOLD, MINI, plugin_args

pytest_plugins = ["pytester"]

TAGGER = '''
    """A system with an option: it tags every occurrence of one word as GPE."""

    from benchmark.predictions import EntityPrediction, Prediction


    class Tagger:
        layers = ("entities",)

        def __init__(self, options=None):
            self.word = (options or {}).get("word", "Iraq")
            self.name, self.version = "tagger", f"1+{self.word}"

        def extract(self, document):
            text, found, start = document.text, [], 0
            while (i := text.find(self.word, start)) >= 0:
                found.append(EntityPrediction("GPE", i, i + len(self.word), self.word))
                start = i + 1
            return Prediction(document.doc_id, entities=found)
'''


def test_plugin_passes_options_to_the_llm_system(pytester: pytest.Pytester) -> None:
    with FakeServer() as server:
        result = pytester.runpytest(
            *plugin_args(),
            *GOLD,
            "--troopbench-system=llm",
            f"--troopbench-option=base-url={server.base_url}",
            "--troopbench-option=model=fake-model",
            f"--troopbench-option=cache-dir={pytester.path / 'cache'}",
            "--troopbench-option=layers=entities",
        )
        models = {r["model"] for r in server.requests}
    result.assert_outcomes(passed=3)  # the entities layer and the two documents
    assert models == {"fake-model"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--troopbench-option=model=x"], "--troopbench-option needs --troopbench-system"),
        (
            ["--troopbench-system=llm", "--troopbench-option=colour=red"],
            "no option 'colour'",
        ),
        (["--troopbench-system=rules", "--troopbench-option=a=b"], "takes no options"),
        (["--troopbench-system=llm", "--troopbench-option=oops"], "not NAME=VALUE"),
    ],
)
def test_plugin_option_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    result = pytester.runpytest(*plugin_args(), *GOLD, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_fixture_evaluate_with_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tagger=textwrap.dedent(TAGGER))
    gold = str(MINI / "gold")
    pytester.makepyfile(
        test_tagger=f"""
        import pytest
        from tagger import Tagger

        def test_options_change_what_is_found(troopbench):
            iraq = troopbench.evaluate("tagger:Tagger", gold_dir={gold!r})
            other = troopbench.evaluate(
                "tagger:Tagger", gold_dir={gold!r}, options={{"word": "Zzyzx"}}
            )
            by_class = troopbench.evaluate(Tagger, gold_dir={gold!r}, options={{"word": "Zzyzx"}})
            assert iraq.entities.strict.f1 > 0
            assert other.entities.strict.f1 == 0 == by_class.entities.strict.f1
            assert other.version == "1+Zzyzx"
        """
    )
    pytester.syspathinsert()
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)
