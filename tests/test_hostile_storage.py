"""Hostile files where troopbench reads and writes: the cache, results/, output folders.

Every read is bounded and of regular files only: a FIFO, a device, a link to
``/dev/zero``, a huge sparse file or a deeply nested entry costs that file
only (a cache miss, an unreadable results file), never a hang or a crash.
Every results file's counts are checked against what they imply, per unit too.
Every write goes into troopbench's own folders, never through a planted link;
a results folder that cannot be written is said in one line before any work,
and a write that fails leaves the old files as they were.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from test_hostile_systems import BAD_DOC, MODULE, TIMEOUT, Clean, _cli, documents

import benchmark.atomic
from benchmark.agreement import gold_as_predictions
from benchmark.cache import PredictionCache
from benchmark.cli import main
from benchmark.gold import Gold
from benchmark.inputs import BOUNDS
from benchmark.layers import LAYERS
from benchmark.leaderboard import load_results
from benchmark.predictions import load_predictions
from benchmark.runner import RunOutcome, build_results, run_system
from benchmark.scoring import evaluate

linux_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


# ------------------------------------------------------------------ bug 8: the cache


def _entry(cache_dir: Path, doc_id: str) -> Path:
    for path in cache_dir.rglob("*.json"):
        if f'"doc_id":"{doc_id}"' in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no cache entry for {doc_id}")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _sparse(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(20 * 1024**3)  # 20 GiB of nothing, on no disk space


def _deep(path: Path) -> None:
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")


def _link_to_valid(path: Path) -> None:
    elsewhere = path.with_name("elsewhere.json.bak")
    path.rename(elsewhere)
    path.symlink_to(elsewhere)  # a valid entry, but through a link: not followed


@linux_only
@pytest.mark.parametrize(
    "spoil",
    [_fifo, _dev_zero, _sparse, _deep, _link_to_valid],
    ids=["fifo", "dev-zero", "sparse", "deep", "symlink"],
)
def test_a_hostile_cache_entry_is_a_miss(
    spoil: Any, tmp_path: Path, mini_gold: Gold, clean_run: RunOutcome
) -> None:
    cache = PredictionCache(tmp_path / "cache")
    first = run_system(Clean(), documents(mini_gold), timeout=TIMEOUT, cache=cache)
    assert first.predictions == clean_run.predictions
    path = _entry(tmp_path / "cache", BAD_DOC)
    spoil(path)
    cache = PredictionCache(tmp_path / "cache")
    started = time.monotonic()
    again = run_system(Clean(), documents(mini_gold), timeout=TIMEOUT, cache=cache)
    assert time.monotonic() - started < 30  # a FIFO or /dev/zero once hung the run
    assert again.predictions == clean_run.predictions and again.errors == ()
    assert cache.misses == 1 and cache.hits == len(mini_gold.documents) - 1
    assert BAD_DOC not in again.cached
    assert path.is_file() and not path.is_symlink()  # rewritten as a regular entry


@pytest.fixture(scope="module")
def clean_run(mini_gold: Gold) -> RunOutcome:
    return run_system(Clean(), documents(mini_gold), timeout=TIMEOUT)


# ------------------------------------------------------------------ bug 9: results/


@pytest.fixture
def perfect(mini_gold: Gold) -> dict[str, Any]:
    evaluation = evaluate(
        mini_gold, gold_as_predictions(mini_gold, mini_gold.registry), frozenset(LAYERS)
    )
    return build_results(mini_gold, system="perfect", version="1", evaluation=evaluation, errors=[])


def _write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _leaderboard(mini: Path, out: Path, *extra: str) -> int:
    return main([*_cli(out, mini, "leaderboard", *extra), "--bootstrap", "100", "--trials", "100"])


def _special_files(results: Path) -> dict[str, str]:
    os.mkfifo(results / "fifo.json")
    (results / "zero.json").symlink_to("/dev/zero")
    with (results / "huge.json").open("wb") as handle:
        handle.truncate(BOUNDS.max_file_bytes + 1)
    return {
        "fifo.json": "is a FIFO, not a regular file; not read",
        "zero.json": "is a device, not a regular file; not read",
        "huge.json": f"file of {BOUNDS.max_file_bytes + 1:,} bytes; at most",
    }


@linux_only
def test_special_files_in_results_are_unreadable_not_hanging(
    perfect: dict[str, Any],
    mini_gold: Gold,
    mini_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = tmp_path / "results"
    _write(results, "perfect", perfect)
    clean = load_results(results, mini_gold.sha256)
    expected = _special_files(results)
    started = time.monotonic()
    loaded = load_results(results, mini_gold.sha256)
    assert time.monotonic() - started < 10
    assert [e.name for e in loaded.current] == ["perfect"]
    assert loaded.current[0].data == clean.current[0].data
    broken = dict(loaded.broken)
    assert set(broken) == set(expected)
    for name, reason in expected.items():
        assert reason in broken[name], broken[name]
    capsys.readouterr()
    assert _leaderboard(mini_copy, tmp_path) == 1
    err = capsys.readouterr().err
    assert all(f"{name}: unreadable" in err for name in expected)
    assert "perfect" in (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8")


@linux_only
def test_a_fifo_for_notes_or_predictions_is_refused_in_one_line(
    perfect: dict[str, Any],
    mini_gold: Gold,
    mini_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = tmp_path / "results"
    _write(results, "perfect", perfect)
    os.mkfifo(results / "NOTES.md")
    capsys.readouterr()
    assert _leaderboard(mini_copy, tmp_path) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"troopbench: {results / 'NOTES.md'}: is a FIFO, not a regular file; not read"]
    os.mkfifo(tmp_path / "p.jsonl")
    with pytest.raises(Exception, match="is a FIFO, not a regular file"):
        load_predictions(tmp_path / "p.jsonl", {BAD_DOC: "text"})


def _units(data: dict[str, Any], layer: str) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = data["layers"][layer]["per_unit"]["counts"]
    return counts


def _move_a_count(data: dict[str, Any]) -> None:
    """Raise one unit's true positives: the F1 the intervals come from goes up."""
    units = _units(data, "entities")
    unit = next(u for u in units if u.startswith(BAD_DOC))
    units[unit][0] += 5


def _unit_of_no_document(data: dict[str, Any]) -> None:
    units = _units(data, "entities")
    units["999_nowhere:1"] = list(next(iter(units.values())))


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (
            _move_a_count,
            f"entities: the per-unit counts of {BAD_DOC} sum to strict.cor = ",
        ),
        (_unit_of_no_document, "per-unit counts for '999_nowhere:1', of no document of the file"),
    ],
    ids=["moved-count", "unknown-unit"],
)
def test_edited_per_unit_counts_are_caught(
    spoil: Any,
    reason: str,
    perfect: dict[str, Any],
    mini_gold: Gold,
    mini_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = tmp_path / "results"
    _write(results, "perfect", perfect)
    edited = copy.deepcopy(perfect)
    edited["system"]["name"] = "edited"
    assert edited["layers"]["entities"]["per_unit"]["consistent"] is True
    spoil(edited)
    _write(results, "edited", edited)
    loaded = load_results(results, mini_gold.sha256)
    assert [e.name for e in loaded.current] == ["perfect"]
    assert [name for name, _ in loaded.broken] == ["edited.json"]
    assert reason in loaded.broken[0][1] and "the file was edited" in loaded.broken[0][1]
    capsys.readouterr()
    assert _leaderboard(mini_copy, tmp_path) == 1
    assert "edited.json: unreadable" in capsys.readouterr().err


def test_a_results_typo_does_not_empty_the_leaderboard(
    perfect: dict[str, Any], mini_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "results", "perfect", perfect)
    assert _leaderboard(mini_copy, tmp_path) == 0
    board = tmp_path / "LEADERBOARD.md"
    before = board.read_bytes()
    assert b"perfect" in before
    argv = ["leaderboard", "--results", str(tmp_path / "resluts"), "--leaderboard", str(board)]
    argv += ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    capsys.readouterr()
    assert main(argv) == 2
    assert "resluts does not exist; nothing was written" in capsys.readouterr().err
    assert board.read_bytes() == before


# ------------------------------------------------------------------ bug 10: writes


def test_variants_write_refuses_a_folder_it_did_not_write(
    mini_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold_args = ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    registry = mini_copy / "gold" / "entities.json"
    before = registry.read_bytes()
    capsys.readouterr()
    # a checkout (here: the gold folder's own parent) is never written over
    assert main(["variants", "900", "dates", "1", "--write", str(mini_copy), *gold_args]) == 2
    err = capsys.readouterr().err
    assert "holds files troopbench did not write there (gold, seeds)" in err
    assert registry.read_bytes() == before
    # a regular file: one line, no traceback
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert main(["variants", "900", "dates", "1", "--write", str(tmp_path / "afile"), *gold_args])
    assert "afile is not a folder; nothing was written" in capsys.readouterr().err
    # its own folder: written, and written again
    out = tmp_path / "variant"
    for _ in range(2):
        assert main(["variants", "900", "dates", "1", "--write", str(out), *gold_args]) == 0
    assert (out / "gold" / "entities.json").is_file()
    # a planted link inside its own folder is refused, not written through
    victim = tmp_path / "victim"
    victim.mkdir()
    (out / "gold").rename(tmp_path / "old-gold")
    (out / "gold").symlink_to(victim)
    assert main(["variants", "900", "dates", "1", "--write", str(out), *gold_args]) == 2
    assert "is a symbolic link or a file, not a folder" in capsys.readouterr().err
    assert list(victim.iterdir()) == []


def test_hub_export_never_writes_through_a_planted_link(
    mini_gold: Gold, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("datasets")
    from benchmark import hub

    out = tmp_path / "export"
    paths = hub.export(out, mini_gold)
    victim = tmp_path / "victim.md"
    victim.write_text("mine\n", encoding="utf-8")
    parquet = next(p for p in paths if p.suffix == ".parquet")
    victim_data = tmp_path / "victim.parquet"
    victim_data.write_bytes(b"mine")
    for path, target in ((out / "README.md", victim), (parquet, victim_data)):
        path.unlink()
        path.symlink_to(target)
    hub.export(out, mini_gold)
    assert victim.read_text(encoding="utf-8") == "mine\n"
    assert victim_data.read_bytes() == b"mine"
    assert not (out / "README.md").is_symlink() and not parquet.is_symlink()
    # a checkout: refused, its README untouched
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "README.md").write_text("the project\n", encoding="utf-8")
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    argv = ["hub", "export", str(checkout)]
    argv += ["--gold", str(Path(__file__).parent / "fixtures" / "mini" / "gold")]
    argv += ["--seeds", str(Path(__file__).parent / "fixtures" / "mini" / "seeds")]
    capsys.readouterr()
    assert main(argv) == 1
    assert "holds files troopbench did not write there (pyproject.toml)" in capsys.readouterr().err
    assert (checkout / "README.md").read_text(encoding="utf-8") == "the project\n"


def test_results_that_is_a_file_is_said_before_any_work(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "results").write_text("not a folder", encoding="utf-8")
    capsys.readouterr()
    started = time.monotonic()
    assert main(_cli(tmp_path, mini_copy, "run", f"{MODULE}:Clean", "--no-cache")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"troopbench run: {tmp_path / 'results'} is not a folder; nothing was run"]
    assert time.monotonic() - started < 10  # no worker was even started


def test_a_full_disk_is_said_before_any_work(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    capsys.readouterr()
    assert main(_cli(tmp_path, mini_copy, "run", f"{MODULE}:Clean", "--no-cache")) == 2
    err = capsys.readouterr().err
    assert "cannot write there: No space left on device; nothing was run" in err
    assert "Traceback" not in err


def test_a_write_that_fails_leaves_the_old_files(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    argv = _cli(tmp_path, mini_copy, "run", f"{MODULE}:Clean", "--no-cache", "--no-leaderboard")
    assert main(argv) == 0
    results = tmp_path / "results"
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    assert set(before) == {"hostile.json", "hostile.predictions.jsonl"}
    real = benchmark.atomic._stage

    def disk_fills(path: Path, text: str, durable: bool) -> str:
        if path.name == "hostile.json":  # the last file of the run: the others are staged
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, text, durable)

    monkeypatch.setattr(benchmark.atomic, "_stage", disk_fills)
    argv = _cli(tmp_path, mini_copy, "run", f"{MODULE}:SysExit", "--no-cache", "--force")
    capsys.readouterr()
    assert main([*argv, "--no-leaderboard"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device; the files there were left as they were" in err
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before  # no temp file left


# ------------------------------------------------------------------ weaknesses


class Escapes(Clean):
    name = "evil\u202e\x1b[31mname"


def test_control_characters_in_names_are_escaped(
    tmp_path: Path, mini_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = _cli(tmp_path, mini_copy, "run", f"{Path(__file__).stem}:Escapes", "--no-cache")
    assert main([*argv, "--no-leaderboard"]) == 0
    assert _leaderboard(mini_copy, tmp_path) == 0
    out, err = capfd.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream and "\u202e" not in stream
    assert "evil\\u202e\\x1b[31mname" in err
    board = (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert "\x1b" not in board and "\u202e" not in board
    assert "evil\\\\u202e\\\\x1b\\[31mname" in board
    results = next((tmp_path / "results").glob("evil*.json"))
    assert json.loads(results.read_text(encoding="utf-8"))["system"]["name"] == Escapes.name


def test_variants_refuses_a_negative_seed_and_an_ambiguous_prefix(
    mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold_args = ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    with pytest.raises(SystemExit) as info:
        main(["variants", "900", "dates", "-1", *gold_args])
    assert info.value.code == 2
    assert "a seed is a whole number from 0" in capsys.readouterr().err
    assert main(["variants", "90", "dates", "1", *gold_args]) == 2
    err = capsys.readouterr().err
    assert "'90' is the start of 2 documents (900_00000000000000a1, 901_00000000000000b2)" in err
    assert main(["variants", "900", "dates", "1", *gold_args]) == 0


def test_an_unknown_doc_id_among_many_is_one_short_line(tmp_path: Path) -> None:
    texts = {f"000_cfbd3f9e2e2eb4de~dates~{i}": "text" for i in range(250)}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"doc_id": "000_cfbd3f9e2e2eb4de", "entities": []}) + "\n")
    loaded = load_predictions(path, texts)
    (error,) = loaded.errors
    assert len(str(error)) < 300  # it listed every known id: 6,000 characters
    assert "and 245 more" in error.message


def test_a_leaderboard_that_cannot_be_written_is_one_line(
    perfect: dict[str, Any], mini_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "results", "perfect", perfect)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    argv = _cli(tmp_path, mini_copy, "leaderboard", "--bootstrap", "100", "--trials", "100")
    argv[argv.index("--leaderboard") + 1] = str(tmp_path / "afile" / "LEADERBOARD.md")
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "cannot write" in line] == [
        f"troopbench: cannot write {tmp_path / 'afile'}: File exists; "
        "the leaderboard and its plots were left as they were"
    ]
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"
