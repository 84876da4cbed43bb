"""Check every command example of README.md and docs/*.md against the real program.

Each fenced block whose language is a shell (``sh``, ``console``, ``bash``,
``shell``) must be preceded by one marker, an HTML comment on the last
non-blank line before the fence, that says how it is checked:

``<!-- check: output -->``
    A ``console`` block: every ``$ COMMAND`` line is run for real, in order,
    in one bash session, and what it prints (stdout and stderr together)
    must equal the lines shown under it, after the normalisations below.
``<!-- check: run -->``
    An ``sh`` block: every command is run for real and must exit 0.
``<!-- check: parse REASON -->``
    A block that cannot run here (a network service, a model server, a run of
    half an hour): each ``troopbench`` command in it is parsed by
    troopbench's own argument parser, so a wrong subcommand, flag or choice
    still fails; each ``pip install`` names only extras that pyproject.toml
    declares, and its ``==`` pins are the ones CI installs. REASON says why
    it is not run and may not be empty.
``<!-- check: ci REASON -->``
    An ``sh`` block that CI runs (``.ci/run``): each of its commands, less a
    leading ``python3 -m venv .venv && . .venv/bin/activate && `` (CI makes
    its own venv), must be a line of ``.ci/run``, character for character,
    and is parsed as above.
``<!-- check: test tests/test_FILE.py::test_NAME -->``
    A block that a test of the suite runs itself (building and installing a
    wheel in a fresh folder): the named test must exist, and each
    ``troopbench`` command of the block is parsed as above.
``<!-- check: file NAME -->``
    A ``python`` (or ``toml``, ``ini``, ``json``, ``text``) block that is
    written to ``NAME`` in the scratch folder before any command of that
    Markdown file runs, so the commands run the very code the page shows.

Every command runs in a scratch folder of its own Markdown file: a copy of
``results/``, ``LEADERBOARD.md``, ``docs/leaderboard/`` and ``gold/`` (what
the commands read from a checkout; none of them on a page that has the line
``<!-- check-page: fresh-folder -->``, whose commands run as in a user's own
empty project) plus the page's ``file`` blocks; with a
fresh predictions cache, no Hugging Face token, no ``CI`` or ``BUILD_NUMBER``
(with either, pytest stops shortening its summary lines), ``COLUMNS=100`` and no
colour. Outputs are compared after these normalisations, and no others:

1. pytest's header lines ``platform …``, ``cachedir: …``, ``rootdir: …`` and
   ``plugins: …`` are compared by their key only (they name the machine, its
   paths and the plugins installed beside troopbench), and the ``hypothesis
   profile …`` line that the test extra's hypothesis plugin adds is dropped;
2. a pytest duration ``in 0.18s`` is compared as ``in <T>s``;
3. a memory address ``0x7fd22d9a8d50`` is compared as ``0x<ADDR>``;
4. a banner line (``==== text ====``, ``____ text ____``) is compared by its
   text only, since its width follows the length of the text;
5. trailing whitespace on each line, and blank lines at the end, are ignored;
6. a shown output whose last line is ``…`` is a prefix of the real one.

``python tests/doccheck.py --update [FILE.md ...]`` re-runs the ``output``
blocks and writes the real output into them, keeping every shown line whose
normalised form is unchanged (so the shown paths stay as they were).
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CI_SCRIPT = ROOT / ".ci" / "run"

#: The languages of command blocks: each needs a marker.
SHELL_LANGUAGES = frozenset({"sh", "console", "bash", "shell"})
#: The languages a ``file`` marker may write.
FILE_LANGUAGES = frozenset({"python", "toml", "ini", "json", "text"})
KINDS = ("output", "run", "parse", "ci", "test", "file")
#: What a checkout contributes to a scratch folder (read by leaderboard, compare, report, hub).
SCRATCH_COPIES = ("results", "LEADERBOARD.md", "docs/leaderboard", "gold")
#: A page with this line runs its commands in an empty folder (a user's own project).
FRESH_PAGE = "<!-- check-page: fresh-folder -->"
#: What a ``ci`` block may begin with that CI does itself (it makes its own venv).
VENV_PREFIX = "python3 -m venv .venv && . .venv/bin/activate && "
#: The test suite, which a parsed block may run (CI does).
PYTEST = ["python", "-m", "pytest"]
#: Seconds one block may take before it counts as failed.
BLOCK_TIMEOUT = 600

_MARKER = re.compile(r"^<!--\s*check:\s*(?P<kind>[a-z]+)\b\s*(?P<arg>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<lang>[\w+-]*)\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block of a Markdown file, with the marker before it (if any)."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    body: str
    kind: str | None
    arg: str
    marker_line: int | None  # 1-based line of the marker

    @property
    def where(self) -> str:
        path = self.path.resolve()
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        return f"{shown}:{self.line}"


def doc_files() -> list[Path]:
    """README.md and every Markdown file of docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def parse_blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, in order; a marker must directly precede its fence."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening.group("fence")
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: fence {fence} is never closed")
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = _MARKER.match(lines[k].strip()) if k >= 0 else None
        blocks.append(
            Block(
                path=path,
                line=i + 1,
                language=opening.group("lang"),
                body="\n".join(lines[i + 1 : j]),
                kind=marker.group("kind") if marker else None,
                arg=marker.group("arg") if marker else "",
                marker_line=k + 1 if marker else None,
            )
        )
        i = j + 1
    return blocks


def marker_problem(block: Block) -> str | None:
    """Why a block's marker (or its lack) is not acceptable, or None."""
    if not block.language:
        return f"{block.where}: a fenced block must name its language"
    if block.kind is None:
        if block.language in SHELL_LANGUAGES:
            return (
                f"{block.where}: a {block.language} block without a check marker; put "
                "<!-- check: output|run|parse REASON|ci REASON --> before it (tests/doccheck.py)"
            )
        return None
    if block.kind not in KINDS:
        return f"{block.where}: unknown check kind {block.kind!r}; kinds: {', '.join(KINDS)}"
    if block.kind == "file":
        if block.language not in FILE_LANGUAGES or not block.arg or "/" in block.arg:
            return f"{block.where}: 'check: file NAME' needs a plain file name and a code block"
        return None
    if block.language not in SHELL_LANGUAGES:
        return f"{block.where}: 'check: {block.kind}' is for shell blocks, not {block.language}"
    if block.kind == "output" and block.language != "console":
        return f"{block.where}: 'check: output' needs a console block ($ COMMAND, then output)"
    if block.kind == "run" and block.language == "console":
        return f"{block.where}: a console block shows output: check it with 'output'"
    if block.kind in ("parse", "ci") and not block.arg:
        return f"{block.where}: 'check: {block.kind}' must say why the block is not run here"
    if block.kind == "test" and _named_test_problem(block.arg):
        return f"{block.where}: {_named_test_problem(block.arg)}"
    if block.kind != "file" and not commands_of(block):
        return f"{block.where}: a checked block with no command"
    return None


# ------------------------------------------------------------------ commands


def commands_of(block: Block) -> list[str]:
    """The commands of a shell block: ``$ `` lines of a console block, other lines of sh."""
    if block.language == "console":
        return [line[2:] for line in block.body.split("\n") if line.startswith("$ ")]
    commands: list[str] = []
    pending = ""
    for raw in block.body.split("\n"):
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        commands.append(pending + line)
        pending = ""
    if pending:
        commands.append(pending)
    return commands


def console_transcript(block: Block) -> list[tuple[str, list[str]]]:
    """(command, shown output lines) for each ``$`` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.body.split("\n"):
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"{block.where}: output before the first $ command")
    return steps


def _segments(command: str) -> list[list[str]]:
    """The simple commands of ``a && b; c``, as token lists, without leading VAR=value."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    segments: list[list[str]] = [[]]
    for token in lexer:
        if token in ("&&", ";", "||", "|", "&"):
            segments.append([])
        else:
            segments[-1].append(token)
    out = []
    for seg in segments:
        while seg and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", seg[0]):
            seg = seg[1:]
        if seg:
            out.append(seg)
    return out


def _declared_extras() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(data["project"]["optional-dependencies"])


def _ci_pins() -> set[str]:
    return set(re.findall(r"[\w.-]+==[\w.]+", CI_SCRIPT.read_text(encoding="utf-8")))


def _named_test_problem(arg: str) -> str | None:
    """Why ``tests/test_x.py::test_name ...`` does not name a test of this repository."""
    m = re.match(r"(tests/test_\w+\.py)::(test_\w+)\b", arg)
    if m is None:
        return "'check: test' needs tests/test_FILE.py::test_NAME, the test that runs the block"
    source = ROOT / m.group(1)
    if not source.is_file():
        return f"{m.group(1)} does not exist"
    if not re.search(rf"^def {m.group(2)}\(", source.read_text(encoding="utf-8"), re.M):
        return f"{m.group(1)} has no test {m.group(2)}"
    return None


def parse_problems(command: str, troopbench_only: bool = False) -> list[str]:
    """Why ``command`` would not be accepted, found without running it; [] when it would."""
    from benchmark.cli import build_parser

    problems: list[str] = []
    for tokens in _segments(command):
        head = tokens[0]
        if head == "troopbench":
            parser = build_parser()
            parser.exit_on_error = False
            try:
                _silent_parse(parser, tokens[1:])
            except SystemExit as exc:  # argparse reports some errors by exiting
                problems.append(f"troopbench refuses {shlex.join(tokens)!r} (exit {exc.code})")
            except Exception as exc:  # any parser error is the finding
                problems.append(f"troopbench refuses {shlex.join(tokens)!r}: {exc}")
        elif head == "pip" and tokens[1:2] == ["install"]:
            for arg in tokens[2:]:
                extras = re.fullmatch(r"\.\[([\w,-]+)\]", arg)
                if extras:
                    unknown = set(extras.group(1).split(",")) - _declared_extras()
                    if unknown:
                        problems.append(f"pyproject.toml declares no extra {sorted(unknown)}")
                elif "==" in arg and arg not in _ci_pins():
                    problems.append(f"{arg} is not the version .ci/run installs")
        elif tokens[:3] == ["python3", "-m", "venv"] or head == "." or tokens == PYTEST:
            continue  # making a venv, entering it, the test suite itself
        elif troopbench_only:
            continue  # a named test runs the rest
        else:
            problems.append(f"cannot check {shlex.join(tokens)!r} without running it")
    return problems


def _silent_parse(parser: object, args: Sequence[str]) -> None:
    """Parse ``args``; argparse's usage message goes nowhere."""
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        parser.parse_args(list(args))  # type: ignore[attr-defined]


# ------------------------------------------------------------------ running


def _slug(path: Path) -> str:
    """A folder name for the scratch of one Markdown file (README.md and docs/README.md differ)."""
    path = path.resolve()
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path(path.name)
    return "scratch-" + str(shown).replace("/", "__")


def make_scratch(doc: Path, where: Path) -> Path:
    """A scratch folder for the commands of ``doc``: checkout copies plus its file blocks."""
    where.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=where))
    fresh = FRESH_PAGE in doc.read_text(encoding="utf-8").split("\n")
    for name in () if fresh else SCRATCH_COPIES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name)
        elif source.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / name)
    for block in parse_blocks(doc):
        if block.kind == "file":
            (work / block.arg).write_text(block.body + "\n", encoding="utf-8")
    return work


def environment(scratch: Path) -> dict[str, str]:
    """The environment of every command: this interpreter's scripts first, nothing personal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PYTEST_"))}
    env.pop("HUGGING_FACE_HUB_TOKEN", None)
    # pytest does not shorten its summary lines to the terminal's width on a CI machine
    # (CI or BUILD_NUMBER set): the pages show what a user's terminal shows
    env.pop("CI", None)
    env.pop("BUILD_NUMBER", None)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        TROOPBENCH_CACHE_DIR=f"{scratch}-cache",
        HF_HOME=f"{scratch}-hf-home",
        COLUMNS="100",
        NO_COLOR="1",
        PY_COLORS="0",
        LC_ALL="C.UTF-8",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_commands(commands: Sequence[str], scratch: Path) -> list[tuple[str, int]]:
    """Run each command in one bash session; (its output, its exit code), in order."""
    sentinel = "@@doccheck@@"
    script = ["exec 2>&1", "__status=0"]
    for command in commands:
        script.append(f"echo {sentinel}")
        script.append("(exit $__status)")  # so that `echo $?` sees the command before it
        script.append(command)
        script.append("__status=$?")
        script.append(f"echo {sentinel}$__status")
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=scratch,
        env=environment(scratch),
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )
    parts = proc.stdout.split(f"{sentinel}\n")[1:]
    results: list[tuple[str, int]] = []
    for part in parts:
        body, _, code = part.rpartition(sentinel)
        results.append((body, int(code.strip() or "-1")))
    if len(results) != len(commands):
        raise AssertionError(f"the shell stopped early:\n{proc.stdout}")
    return results


# ------------------------------------------------------------------ comparing

_HEADER = re.compile(r"^(platform|cachedir:|rootdir:|plugins:) .*$")
_DURATION = re.compile(r"\bin \d+\.\d+s\b")
_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")
_BANNER = re.compile(r"^([=_])\1+ (.*?) \1+$")
ELLIPSIS = "…"


def normalise(lines: Sequence[str]) -> list[str]:
    """The lines as compared (normalisations 1 to 5 of the module docstring)."""
    out = []
    for line in lines:
        line = line.rstrip()
        if line.startswith("hypothesis profile "):
            continue
        line = _HEADER.sub(r"\1", line)
        line = _DURATION.sub("in <T>s", line)
        line = _ADDRESS.sub("0x<ADDR>", line)
        line = _BANNER.sub(r"\1\1\1 \2 \1\1\1", line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def output_mismatch(shown: Sequence[str], real: str) -> str | None:
    """A diff of the shown output against the real one, or None when they agree."""
    expected = list(shown)
    while expected and not expected[-1].strip():
        expected.pop()
    prefix = bool(expected) and expected[-1].strip() == ELLIPSIS
    if prefix:
        expected = expected[:-1]
    want = normalise(expected)
    got = normalise(real.split("\n"))
    if prefix:
        got = got[: len(want)]
    if want == got:
        return None
    return "\n".join(difflib.unified_diff(want, got, "shown", "real", lineterm="", n=2))


def updated_output(shown: Sequence[str], real: str) -> list[str]:
    """The real output, keeping each shown line whose normalised form it shares."""
    expected = list(shown)
    trailing: list[str] = []
    while expected and not expected[-1].strip():
        trailing.insert(0, expected.pop())
    prefix = bool(expected) and expected[-1].strip() == ELLIPSIS
    if prefix:
        expected = expected[:-1]
    got = real.rstrip("\n").split("\n") if real.strip() else []
    got = [line.rstrip() for line in got]
    if prefix:
        got = got[: len(expected)]
    matcher = difflib.SequenceMatcher(
        a=[normalise([x])[0] if normalise([x]) else "" for x in expected],
        b=[normalise([x])[0] if normalise([x]) else "" for x in got],
        autojunk=False,
    )
    out: list[str] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        out.extend(expected[a0:a1] if tag == "equal" else got[b0:b1])
    if prefix:
        out.append(ELLIPSIS)
    return out + trailing


def check_block(block: Block, scratch_for: dict[Path, Path], tmp: Path) -> list[str]:
    """Every problem of one block, run or parsed as its marker says."""
    problem = marker_problem(block)
    if problem:
        return [problem]
    if block.kind in (None, "file"):
        return []
    problems: list[str] = []
    if block.kind == "test":
        for command in commands_of(block):
            problems += [
                f"{block.where}: {p}" for p in parse_problems(command, troopbench_only=True)
            ]
        return problems
    if block.kind in ("parse", "ci"):
        ci_lines = set(CI_SCRIPT.read_text(encoding="utf-8").split("\n"))
        for command in commands_of(block):
            if block.kind == "ci" and command.removeprefix(VENV_PREFIX) not in ci_lines:
                problems.append(f"{block.where}: not a line of .ci/run: {command}")
            problems += [f"{block.where}: {p}" for p in parse_problems(command)]
        return problems
    scratch = scratch_for.get(block.path)
    if scratch is None:
        scratch = make_scratch(block.path, tmp / _slug(block.path))
        scratch_for[block.path] = scratch
    if block.kind == "run":
        for command, (out, code) in zip(
            commands_of(block), run_commands(commands_of(block), scratch), strict=True
        ):
            if code != 0:
                problems.append(f"{block.where}: `{command}` exited {code}:\n{out}")
        return problems
    steps = console_transcript(block)
    for (command, shown), (out, _code) in zip(
        steps, run_commands([c for c, _ in steps], scratch), strict=True
    ):
        diff = output_mismatch(shown, out)
        if diff is not None:
            problems.append(
                f"{block.where}: `{command}` prints something else than shown "
                f"(python tests/doccheck.py --update rewrites it):\n{diff}"
            )
    return problems


def update(paths: Sequence[Path]) -> int:
    """Rewrite the shown output of every ``output`` block of ``paths``; the number changed."""
    changed = 0
    with tempfile.TemporaryDirectory(prefix="doccheck-") as tmp:
        for path in paths:
            text = path.read_text(encoding="utf-8")
            lines = text.split("\n")
            scratch = make_scratch(path, Path(tmp) / _slug(path))
            replacements: list[tuple[int, int, list[str]]] = []
            for block in parse_blocks(path):  # in order: a command may need an earlier one
                if marker_problem(block):
                    continue
                if block.kind == "run":
                    run_commands(commands_of(block), scratch)
                if block.kind != "output":
                    continue
                steps = console_transcript(block)
                outs = run_commands([c for c, _ in steps], scratch)
                body: list[str] = []
                for (command, shown), (out, _code) in zip(steps, outs, strict=True):
                    body.append(f"$ {command}")
                    body.extend(updated_output(shown, out))
                old = block.body.split("\n")
                if body != old:
                    replacements.append((block.line, block.line + len(old), body))
            for start, end, body in reversed(replacements):
                lines[start:end] = body
            changed += len(replacements)
            path.write_text("\n".join(lines), encoding="utf-8")
    return changed


def iter_blocks() -> Iterator[Block]:
    for path in doc_files():
        yield from parse_blocks(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "--update":
        print("usage: python tests/doccheck.py --update [FILE.md ...]", file=sys.stderr)
        return 2
    paths = [Path(a).resolve() for a in args[1:]] or doc_files()
    print(f"updated {update(paths)} block(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
