"""The predictions cache: hits, misses, bypass, damage, failures, location.

Every cache here lives under tmp_path; tests that drive the CLI also point
TROOPBENCH_CACHE_DIR there, so the user's real cache is never touched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmark.cache import PredictionCache, default_cache_dir, document_fingerprint
from benchmark.corpus import Document
from benchmark.gold import Gold
from benchmark.predictions import (
    EntityPrediction,
    EvidenceSpan,
    Prediction,
    StancePrediction,
    TimexPrediction,
    TroopPrediction,
)
from benchmark.runner import RunOutcome, run_system, score_outcome

BAD_DOC = "900_00000000000000a1"
MODULE = Path(__file__).stem

#: extract calls are logged, one line each, to a file named by this variable: systems
#: run in worker processes, so a counter in this process would never move
CALLS_ENV = "TROOPBENCH_TEST_CALLS"


def _log_call(cls: str, doc_id: str) -> None:
    with open(os.environ[CALLS_ENV], "a", encoding="utf-8") as handle:
        handle.write(f"{cls} {doc_id}\n")


class Counting:
    """Predicts something in every layer (one invalid item included) and counts its calls."""

    name = "counting"
    version = "1"
    layers = ("entities", "timexes", "troop_counts", "stances")
    parallel = "thread"
    misbehave = ""

    def extract(self, document: Document) -> Prediction:
        _log_call(type(self).__name__, document.doc_id)
        if document.doc_id == BAD_DOC:
            if self.misbehave == "raise":
                raise RuntimeError("boom")
            if self.misbehave == "hang":
                time.sleep(30)
        text = document.text
        first = text.split()[0]
        return Prediction(
            document.doc_id,
            entities=[
                EntityPrediction("ORG", 0, len(first), first),
                EntityPrediction("GPE", text="Iraq"),  # no offsets: scored offset-free
                EntityPrediction("ORG", 0, len(text) + 1),  # rejected: beyond the text
            ],
            timexes=[
                TimexPrediction("2024", "DATE", text="2024"),
                TimexPrediction(document.dct.isoformat(), "DATE", 0, 1),
            ],
            troop_counts=[TroopPrediction(2500, "Iraq", force="US", qualifier="approximately")],
            stances=[StancePrediction("Pentagon", "AGAINST", (EvidenceSpan(0, len(first)),))],
        )


class Raising(Counting):
    misbehave = "raise"


class Hanging(Counting):
    misbehave = "hang"


def documents(gold: Gold) -> list[Document]:
    return [d.document for d in gold]


def calls(system: object) -> dict[str, int]:
    name = type(system).__name__
    path = Path(os.environ[CALLS_ENV])
    lines = path.read_text(encoding="utf-8").split() if path.is_file() else []
    counted = Counter(zip(lines[::2], lines[1::2], strict=True))
    return {doc: n for (cls, doc), n in counted.items() if cls == name}


@pytest.fixture(autouse=True)
def _fresh_counts(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CALLS_ENV, str(tmp_path_factory.mktemp("calls") / "calls.log"))


def same(a: RunOutcome, b: RunOutcome) -> None:
    assert list(a.predictions) == list(b.predictions)
    assert a.predictions == b.predictions
    assert a.errors == b.errors
    assert a.layers == b.layers


def test_second_run_is_served_from_the_cache(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    first = run_system(Counting(), docs, cache=cache)
    second = run_system(Counting(), docs, cache=cache)
    assert first.cached == () and second.cached == tuple(d.doc_id for d in docs)
    assert calls(Counting()) == dict.fromkeys((d.doc_id for d in docs), 1)
    same(first, second)
    assert second.errors and all("beyond the end" in e.message for e in second.errors)
    assert score_outcome(mini_gold, first)["layers"] == score_outcome(mini_gold, second)["layers"]
    files = sorted(tmp_path.rglob("*.json"))
    assert len(files) == len(docs)
    assert {f.stem for f in files} == {
        f"{d.text_sha256}-{document_fingerprint(d)[:16]}" for d in docs
    }
    assert all(
        "counting" in f.parent.parent.name and f.parent.name.startswith("1_src.") for f in files
    )


def test_same_text_under_two_ids_never_evicts(tmp_path: Path, mini_gold: Gold) -> None:
    """An article and a variant with the same text (or two variants) keep one entry each:
    the second of two runs serves both from the cache, one extraction each in all."""
    cache = PredictionCache(tmp_path)
    first = documents(mini_gold)[0]
    twin = dataclasses.replace(first, doc_id=first.doc_id + "~numbers~0")
    run_system(Counting(), [first, twin], cache=cache)
    again = run_system(Counting(), [first, twin], cache=cache)
    assert again.cached == (first.doc_id, twin.doc_id)
    assert calls(Counting()) == {first.doc_id: 1, twin.doc_id: 1}
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_uncached_run_writes_nothing(
    tmp_path: Path, mini_gold: Gold, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TROOPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    outcome = run_system(Counting(), documents(mini_gold))  # from Python: no cache by default
    assert outcome.cached == ()
    assert not (tmp_path / "cache").exists()


def test_changed_text_misses_that_document_only(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    run_system(Counting(), docs, cache=cache)
    changed = [
        dataclasses.replace(d, text=d.text + " ") if d.doc_id == BAD_DOC else d for d in docs
    ]
    outcome = run_system(Counting(), changed, cache=cache)
    other = next(d.doc_id for d in docs if d.doc_id != BAD_DOC)
    assert outcome.cached == (other,)
    assert calls(Counting()) == {BAD_DOC: 2, other: 1}
    same(run_system(Counting(), changed), outcome)


def test_changed_metadata_misses(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    run_system(Counting(), docs, cache=cache)
    moved = [
        dataclasses.replace(d, dct=d.dct + dt.timedelta(days=1)) if d.doc_id == BAD_DOC else d
        for d in docs
    ]
    outcome = run_system(Counting(), moved, cache=cache)
    assert BAD_DOC not in outcome.cached and len(outcome.cached) == 1
    same(run_system(Counting(), moved), outcome)  # the new creation time is in the predictions


def test_changed_version_misses_everything(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    run_system(Counting(), docs, cache=cache)
    newer = Counting()
    newer.version = "2"
    outcome = run_system(newer, docs, cache=cache)
    assert outcome.cached == () and outcome.version == "2"
    assert set(calls(Counting()).values()) == {2}
    assert run_system(Counting(), docs, cache=cache).cached == tuple(d.doc_id for d in docs)


def test_changed_layers_miss(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    run_system(Counting(), docs, cache=cache)
    fewer = Counting()
    fewer.layers = ("entities",)
    outcome = run_system(fewer, docs, cache=cache)
    assert outcome.cached == ()
    assert all(p.timexes is None for p in outcome.predictions.values())


def test_failures_are_not_cached(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    for system, message in (
        (Raising(), "extract raised RuntimeError: boom"),
        (Hanging(), "timeout after 0.5 s"),
    ):
        first = run_system(system, docs, cache=cache, timeout=0.5)
        second = run_system(system, docs, cache=cache, timeout=0.5)
        assert BAD_DOC not in second.cached and len(second.cached) == 1
        assert calls(system)[BAD_DOC] == 2  # tried again
        for outcome in (first, second):
            got = [e.message for e in outcome.errors if e.doc_id == BAD_DOC]
            assert len(got) == 1 and got[0].startswith(message), got
        same(first, second)


def test_damaged_files_are_ignored_and_rewritten(tmp_path: Path, mini_gold: Gold) -> None:
    cache = PredictionCache(tmp_path)
    docs = documents(mini_gold)
    first = run_system(Counting(), docs, cache=cache)
    files = sorted(tmp_path.rglob("*.json"))
    good = files[0].read_text(encoding="utf-8")
    files[0].write_text(good[: len(good) // 2], encoding="utf-8")  # truncated
    data = json.loads(files[1].read_text(encoding="utf-8"))
    data["entry"]["predictions"]["entities"][0]["type"] = "PERSON"  # edited: checksum fails
    files[1].write_text(json.dumps(data), encoding="utf-8")
    second = run_system(Counting(), docs, cache=cache)
    assert second.cached == ()
    same(first, second)
    for path, damage in ((files[0], b"\xff\xfe not utf-8"), (files[1], b'{"sha256": 1}')):
        assert json.loads(path.read_text(encoding="utf-8"))["entry"]  # rewritten whole
        path.write_bytes(damage)
    third = run_system(Counting(), docs, cache=cache)
    assert third.cached == ()
    same(first, third)
    assert run_system(Counting(), docs, cache=cache).cached == tuple(d.doc_id for d in docs)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_unwritable_cache_is_not_fatal(tmp_path: Path, mini_gold: Gold) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    outcome = run_system(Counting(), documents(mini_gold), cache=PredictionCache(blocker / "x"))
    assert outcome.cached == () and len(outcome.predictions) == 2


def test_cache_folder_from_the_environment(tmp_path: Path) -> None:
    home = Path.home()
    assert (
        default_cache_dir(
            {"TROOPBENCH_CACHE_DIR": str(tmp_path / "a"), "XDG_CACHE_HOME": str(tmp_path / "x")}
        )
        == tmp_path / "a"
    )
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "x")}
    assert default_cache_dir(xdg) == tmp_path / "x" / "troopbench"
    assert default_cache_dir({"TROOPBENCH_CACHE_DIR": ""}) == home / ".cache" / "troopbench"
    assert default_cache_dir({}) == home / ".cache" / "troopbench"


def _cli(tmp_path: Path, mini_copy: Path, system: str, *extra: str) -> int:
    from benchmark.cli import main

    return main(
        [
            "run",
            f"{MODULE}:{system}",
            *extra,
            "--suite",
            "original",  # the contrast variants are cached too; counted here: originals only
            "--results",
            str(tmp_path / "results"),
            "--leaderboard",
            str(tmp_path / "LEADERBOARD.md"),
            "--leaderboard-rebuild",  # run writes one only where asked
            "--gold",
            str(mini_copy / "gold"),
            "--seeds",
            str(mini_copy / "seeds"),
        ]
    )


def entries(folder: Path) -> list[Path]:
    """The predictions cache's entries in ``folder`` (statistics are kept under stats/)."""
    return [p for p in folder.rglob("*.json") if p.relative_to(folder).parts[0] != "stats"]


def test_cli_caches_in_the_env_folder_and_no_cache_bypasses(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_cache = tmp_path / "env-cache"
    monkeypatch.setenv("TROOPBENCH_CACHE_DIR", str(env_cache))
    results = tmp_path / "results" / "counting.json"

    def scored() -> dict[str, object]:
        data = json.loads(results.read_text(encoding="utf-8"))
        data.pop("date", None)
        return data

    # Counting predicts one invalid item on purpose: each run writes its files and exits 1
    assert _cli(tmp_path, mini_copy, "Counting", "--no-cache") == 1
    assert not env_cache.exists()
    uncached = scored()
    assert _cli(tmp_path, mini_copy, "Counting") == 1  # the CLI caches by default
    assert len(entries(env_cache)) == 2
    assert list((env_cache / "stats").rglob("*.json"))  # the leaderboard's figures, kept
    assert _cli(tmp_path, mini_copy, "Counting") == 1
    assert set(calls(Counting()).values()) == {2}  # the third run extracted nothing
    assert scored() == uncached
    assert _cli(tmp_path, mini_copy, "Counting", "--no-cache") == 1
    assert set(calls(Counting()).values()) == {3}  # bypassed
    other = tmp_path / "other-cache"
    assert _cli(tmp_path, mini_copy, "Counting", "--cache-dir", str(other)) == 1
    assert len(entries(other)) == 2  # --cache-dir wins over the variable
    assert set(calls(Counting()).values()) == {4}
    assert scored() == uncached


def test_what_would_not_read_back_the_same_is_not_stored(tmp_path: Path, mini_gold: Gold) -> None:
    from benchmark.layers.timexes import PredictedTimex
    from benchmark.predictions import DocPredictions

    cache = PredictionCache(tmp_path)
    document = documents(mini_gold)[0]
    # an empty text without offsets: its prediction-format JSON reads back as no text at all
    odd = DocPredictions(document.doc_id, timexes=(PredictedTimex("2024", text=""),))
    assert not cache.put("x", "1", document, odd, [])
    assert not list(tmp_path.rglob("*.json"))
    fine = DocPredictions(
        document.doc_id, timexes=(PredictedTimex("2024", text="2024"),), invalid={"timexes": 2}
    )
    assert cache.put("x", "1", document, fine, [])
    hit = cache.get("x", "1", document, ("timexes",))
    assert hit is not None and hit.predictions == fine and hit.errors == ()
    assert cache.get("x", "1", document, ("entities", "timexes")) is None
    assert (cache.hits, cache.misses, cache.writes) == (1, 1, 1)
