"""Statistics kept in the cache folder by their inputs (benchmark.statcache)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmark import statcache
from benchmark.leaderboard import build, load_results, read_entry
from benchmark.signature import DEFAULT_STATS, StatsSettings
from benchmark.stats import (
    Interval,
    PairedTest,
    Tiered,
    UnitCounts,
    confidence_interval,
    layer_statistic,
    paired_test,
    significance_tiers,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = StatsSettings(seed=7, bootstrap_trials=200, permutation_trials=200)
STAT = layer_statistic("troop_counts", "tuple_f1")


def counts(seed: int, n: int = 12) -> UnitCounts:
    """Made-up per-unit troop counts (tp, fp, fn, ... as many fields as the layer has)."""
    from benchmark.scoring import unit_fields

    width = len(unit_fields("troop_counts"))
    rng = np.random.RandomState(seed)
    matrix = rng.randint(0, 4, size=(n, width)).astype(np.float64)
    return UnitCounts(tuple(f"u{i}" for i in range(n)), {"troop_counts": matrix})


def misses() -> int:
    return statcache.counters()["misses"]


def hits() -> int:
    return statcache.counters()["hits"]


@pytest.mark.parametrize(
    "value",
    [
        Interval(0.5, 0.25, 0.75, 0.95, 1000),
        PairedTest("x.f1", 0.1, 0.2, 0.5, 3, 10),
        [Tiered("a", 1, 0.9, "a", 1.0), Tiered("b", 2, 0.1, "a", 0.001)],
        (1, "two", 3.0000000000000004, None, True),
        {"k": (1.5, [2, 3])},
        float("nan"),
        float("-inf"),
    ],
)
def test_values_round_trip_exactly(value: object) -> None:
    back = statcache.decode(json.loads(json.dumps(statcache.encode(value))))
    if isinstance(value, float) and math.isnan(value):
        assert isinstance(back, float) and math.isnan(back)
    else:
        assert back == value
        assert type(back) is type(value)


def test_foreign_dataclasses_are_neither_stored_nor_rebuilt() -> None:
    with pytest.raises(statcache.Uncacheable):
        statcache.encode(Path("x"))
    with pytest.raises(ValueError):
        statcache.decode({"$dataclass": "pathlib:PurePath", "fields": {}})


def test_a_cached_interval_equals_the_computed_one_and_is_not_computed_again(
    tmp_path: Path,
) -> None:
    data = counts(1)
    plain = confidence_interval(data, STAT, SETTINGS)
    with statcache.caching(tmp_path):
        before = misses()
        first = confidence_interval(data, STAT, SETTINGS)
        assert misses() == before + 1
        again = confidence_interval(data, STAT, SETTINGS)
        assert misses() == before + 1  # answered from the folder
    assert first == again == plain
    assert len(list((tmp_path / "stats").rglob("*.json"))) == 1


@pytest.mark.parametrize(
    "change",
    ["seed", "trials", "one count", "unit id", "statistic"],
)
def test_any_input_that_determines_the_figure_changes_the_key(change: str) -> None:
    data = counts(2)
    args: list[object] = [data, STAT, SETTINGS]
    base = statcache.key_of(confidence_interval, tuple(args), {})
    if change == "seed":
        args[2] = StatsSettings(seed=8, bootstrap_trials=200, permutation_trials=200)
    elif change == "trials":
        args[2] = StatsSettings(seed=7, bootstrap_trials=201, permutation_trials=200)
    elif change == "one count":
        matrix = data.layers["troop_counts"].copy()
        matrix[3, 0] += 1
        args[0] = UnitCounts(data.units, {"troop_counts": matrix})
    elif change == "unit id":
        args[0] = UnitCounts(("v0", *data.units[1:]), data.layers)
    else:
        args[1] = layer_statistic("troop_counts", "qualifier_accuracy")
    assert statcache.key_of(confidence_interval, tuple(args), {}) != base


def test_a_changed_system_recomputes_only_the_tests_that_involve_it(tmp_path: Path) -> None:
    systems = {name: counts(seed) for name, seed in (("a", 3), ("b", 4), ("c", 5), ("d", 6))}
    with statcache.caching(tmp_path):
        significance_tiers(systems, STAT, SETTINGS)
        # every test is kept: a second call computes nothing
        before = misses()
        assert significance_tiers(systems, STAT, SETTINGS)
        assert misses() == before
        # d changes (a different results file): only tiers and tests involving d
        systems["d"] = counts(60)
        tested_before = {
            (a, b) for a in systems for b in systems if a != b
        }  # upper bound on the pairs
        before_hits, before = hits(), misses()
        with_cache = significance_tiers(systems, STAT, SETTINGS)
        recomputed = misses() - before
    plain = significance_tiers(systems, STAT, SETTINGS)
    assert with_cache == plain
    assert hits() > before_hits  # tests between unchanged systems came from the folder
    # the tiers call itself, plus at most the three tests against d
    assert 1 <= recomputed <= 1 + 3 < len(tested_before)


def test_paired_tests_come_back_equal(tmp_path: Path) -> None:
    a, b = counts(8), counts(9)
    plain = paired_test(a, b, STAT, 300, 11)
    with statcache.caching(tmp_path):
        assert paired_test(a, b, STAT, 300, 11) == plain
        assert paired_test(a, b, STAT, 300, 11) == plain


def test_an_unreadable_entry_is_computed_again_and_rewritten(tmp_path: Path) -> None:
    data = counts(10)
    with statcache.caching(tmp_path):
        expected = confidence_interval(data, STAT, SETTINGS)
        (entry,) = (tmp_path / "stats").rglob("*.json")
        entry.write_text("{not json", encoding="utf-8")
        before = misses()
        assert confidence_interval(data, STAT, SETTINGS) == expected
        assert misses() == before + 1
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem


def test_outside_caching_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TROOPBENCH_CACHE_DIR", str(tmp_path))
    before = misses()
    confidence_interval(counts(12), STAT, SETTINGS)
    assert misses() == before
    assert not any(tmp_path.iterdir())


def _board(results: Path) -> str:
    import benchmark

    gold = benchmark.load_gold()
    from benchmark.units import corpus_units

    units = corpus_units([(d, g.document.text) for d, g in gold.documents.items()])
    loaded = load_results(results, gold.sha256, units)
    text, _ = build(loaded, "sig", {}, None, DEFAULT_STATS)
    return text


@pytest.mark.slow
def test_the_leaderboard_renders_the_same_from_the_cache(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for name in ("rules", "spacy-sm", "dateparser"):
        shutil.copy(ROOT / "results" / f"{name}.json", results)
    plain = _board(results)
    with statcache.caching(tmp_path / "cache"):
        first = _board(results)
        before = misses()
        second = _board(results)
        assert misses() == before  # every figure from the folder
    assert plain == first == second


def test_a_results_file_is_checked_again_when_its_bytes_change(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    shutil.copy(ROOT / "results" / "rules.json", path)
    with statcache.caching(tmp_path / "cache"):
        entry, problem = read_entry(path)
        assert entry is not None and not problem
        assert len(list((tmp_path / "cache" / "stats" / "checked").rglob("*"))) == 2  # dir, mark
        data = json.loads(path.read_text(encoding="utf-8"))
        layer = next(iter(data["layers"]))
        metric = next(iter(data["layers"][layer]["metrics"]))
        data["layers"][layer]["metrics"][metric] = 0.123456  # edited by hand
        path.write_text(json.dumps(data), encoding="utf-8")
        entry, problem = read_entry(path)
    assert entry is None
    assert "edited" in problem


def test_gold_content_that_changed_is_validated_again(tmp_path: Path) -> None:
    """Under caching, a gold file's schema check is skipped only for content that passed
    it before; an edit that breaks the schema is reported as without caching."""
    from benchmark.gold import GoldError, load_gold

    gold_dir = tmp_path / "gold"
    shutil.copytree(ROOT / "gold", gold_dir)
    with statcache.caching(tmp_path / "cache"):
        assert load_gold(gold_dir).documents
        marks = list((tmp_path / "cache" / "stats" / "checked").rglob("*"))
        assert any(m.is_file() for m in marks)
        first = sorted(p for p in gold_dir.glob("*.json") if p.name != "entities.json")[0]
        data = json.loads(first.read_text(encoding="utf-8"))
        data["unexpected_field"] = 1
        first.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(GoldError) as cached:
            load_gold(gold_dir)
    with pytest.raises(GoldError) as plain:
        load_gold(gold_dir)
    assert [str(p) for p in cached.value.problems] == [str(p) for p in plain.value.problems]
