"""Bootstrap intervals, the paired approximate randomization test, tiers."""

from __future__ import annotations

import numpy as np
import pytest
from test_units import noisy

from benchmark.agreement import gold_as_predictions
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.runner import build_results
from benchmark.scoring import PRIMARY, evaluate, unit_fields
from benchmark.signature import StatsSettings, current_signature
from benchmark.stats import (
    F1_METRICS,
    UnitCounts,
    bootstrap_values,
    confidence_interval,
    draw_indices,
    draw_swaps,
    layer_statistic,
    mean_primary_statistic,
    metric_values,
    paired_test,
    primary_statistic,
    significance_tiers,
)


def counts_of(gold: Gold, predictions: dict) -> UnitCounts:  # type: ignore[type-arg]
    return UnitCounts.from_evaluation(evaluate(gold, predictions, frozenset(LAYERS)))


@pytest.fixture(scope="module")
def systems(mini_gold: Gold) -> dict[str, UnitCounts]:
    return {
        "perfect": counts_of(mini_gold, gold_as_predictions(mini_gold, mini_gold.registry)),
        "empty": counts_of(mini_gold, {}),
        **{f"noisy{s}": counts_of(mini_gold, noisy(mini_gold, s)) for s in range(4)},
    }


def synthetic(rows: list[tuple[int, int, int]], layer: str = "troop_counts") -> UnitCounts:
    """Per-unit (tp, fp, fn) for the troop tuple metric; other fields zero."""
    fields = unit_fields(layer)
    matrix = np.zeros((len(rows), len(fields)))
    for i, (tp, fp, fn) in enumerate(rows):
        matrix[i, fields.index("tuples.tp")] = tp
        matrix[i, fields.index("tuples.fp")] = fp
        matrix[i, fields.index("tuples.fn")] = fn
    return UnitCounts(tuple(f"d:{i + 1}" for i in range(len(rows))), {layer: matrix})


# ------------------------------------------------------------------ metrics from sums


@pytest.mark.parametrize("seed", range(6))
def test_metrics_from_summed_units_equal_the_scorer(mini_gold: Gold, seed: int) -> None:
    ev = evaluate(mini_gold, noisy(mini_gold, seed), frozenset(LAYERS))
    counts = UnitCounts.from_evaluation(ev)
    for layer in LAYERS:
        metrics = ev.metrics(layer)
        keys = [*F1_METRICS[layer]]
        keys += [
            k.replace("_f1", s)
            for k in keys
            if k.endswith("_f1") and "macro" not in k
            for s in ("_precision", "_recall")
        ]
        for key in keys:
            value = float(metric_values(layer, key, counts.total(layer)))
            if key == "label_macro_f1":  # scikit-learn's own arithmetic
                assert value == pytest.approx(metrics[key], abs=1e-12), key
            else:
                assert value == metrics[key], (layer, key)


def test_results_files_round_trip_the_unit_counts(mini_gold: Gold) -> None:
    ev = evaluate(mini_gold, noisy(mini_gold, 1), frozenset(LAYERS))
    results = build_results(mini_gold, system="n", version="1", evaluation=ev, errors=[])
    a, b = UnitCounts.from_evaluation(ev), UnitCounts.from_results(results)
    assert a.units == b.units
    for layer in LAYERS:
        assert np.array_equal(a.layers[layer], b.layers[layer])
    del results["layers"]["entities"]["per_unit"]
    with pytest.raises(ValueError, match="no per-unit counts"):
        UnitCounts.from_results(results)


# ------------------------------------------------------------------ bootstrap


def slow_bootstrap(counts: UnitCounts, statistic, trials: int, seed: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Reference: loop over resamples and units, summing rows one at a time."""
    idx = draw_indices(len(counts.units), trials, seed)
    values = []
    for row in idx:
        sums = {}
        for layer in statistic.layers:
            total = [0.0] * counts.layers[layer].shape[1]
            for i in row:
                for j, v in enumerate(counts.layers[layer][i]):
                    total[j] += v
            sums[layer] = np.array(total)
        values.append(float(statistic(sums)))
    return values


@pytest.mark.parametrize(
    "statistic",
    [
        layer_statistic("entities", "strict_f1"),
        layer_statistic("entities", "partial_f1"),
        layer_statistic("entities", "strict_macro_f1"),
        layer_statistic("timexes", "value_f1"),
        layer_statistic("troop_counts", "tuple_recall"),
        layer_statistic("stances", "f_avg"),
        layer_statistic("stances", "label_macro_f1"),
        mean_primary_statistic(),
    ],
    ids=lambda s: s.name,
)
def test_vectorised_bootstrap_equals_a_slow_loop(systems: dict[str, UnitCounts], statistic) -> None:  # type: ignore[no-untyped-def]
    counts = systems["noisy2"]
    fast = bootstrap_values(counts, statistic, 300, seed=7)
    assert fast.tolist() == slow_bootstrap(counts, statistic, 300, seed=7)


def test_draws_are_one_matrix_and_seeded() -> None:
    a = draw_indices(6, 1000, 12345)
    assert a.shape == (1000, 6) and a.min() >= 0 and a.max() == 5
    assert np.array_equal(a, draw_indices(6, 1000, 12345))
    assert not np.array_equal(a, draw_indices(6, 1000, 54321))


def test_intervals_are_reproducible_and_sensible(systems: dict[str, UnitCounts]) -> None:
    settings = StatsSettings(bootstrap_trials=2000)
    stat = primary_statistic("entities")
    first = confidence_interval(systems["noisy1"], stat, settings)
    again = confidence_interval(systems["noisy1"], stat, settings)
    assert first == again and repr(first) == repr(again)
    assert 0.0 <= first.low <= first.value <= first.high <= 1.0
    assert first.low < first.high
    perfect = confidence_interval(systems["perfect"], stat, settings)
    assert (perfect.low, perfect.value, perfect.high) == (1.0, 1.0, 1.0)
    other_seed = confidence_interval(
        systems["noisy1"], stat, StatsSettings(bootstrap_trials=2000, seed=1)
    )
    assert other_seed != first


def test_interval_narrows_with_more_units() -> None:
    settings = StatsSettings(bootstrap_trials=2000)
    rows = [(3, 1, 1), (2, 2, 0), (4, 0, 2), (1, 1, 1)]
    small = confidence_interval(synthetic(rows), primary_statistic("troop_counts"), settings)
    large = confidence_interval(synthetic(rows * 25), primary_statistic("troop_counts"), settings)
    assert small.value == large.value
    assert (large.high - large.low) < (small.high - small.low) / 2


# ------------------------------------------------------------------ paired test


def test_identical_systems_get_p_one(systems: dict[str, UnitCounts]) -> None:
    for name in ("noisy0", "perfect", "empty"):
        for layer in LAYERS:
            test = paired_test(systems[name], systems[name], primary_statistic(layer), 1000, 3)
            assert test.p_value == 1.0 and test.exceed == 1000 and test.difference == 0.0


def test_a_planted_large_difference_is_found() -> None:
    good = synthetic([(5, 0, 0)] * 30 + [(0, 0, 0)] * 10)
    bad = synthetic([(1, 4, 4)] * 30 + [(0, 0, 0)] * 10)
    test = paired_test(good, bad, primary_statistic("troop_counts"), 10_000, 12345)
    assert test.a == 1.0 and test.b == pytest.approx(0.2)
    assert test.exceed == 0 and test.p_value == 1 / 10_001
    assert test.significant(0.05)
    # and a small difference on few units is not
    near = synthetic([(5, 0, 0)] * 29 + [(4, 1, 1)] + [(0, 0, 0)] * 10)
    assert not paired_test(good, near, primary_statistic("troop_counts"), 2000, 1).significant(0.05)


def test_p_value_equals_a_slow_reference() -> None:
    a = synthetic([(3, 1, 0), (2, 0, 1), (0, 2, 0), (4, 0, 0), (1, 1, 1), (0, 0, 2)])
    b = synthetic([(2, 2, 1), (2, 1, 1), (1, 0, 0), (3, 1, 1), (0, 1, 2), (1, 0, 1)])
    stat = primary_statistic("troop_counts")
    trials, seed = 500, 99
    swaps = draw_swaps(6, trials, seed)
    observed = abs(
        float(stat({"troop_counts": a.total("troop_counts")}))
        - float(stat({"troop_counts": b.total("troop_counts")}))
    )
    exceed = 0
    for row in swaps:
        sa = np.zeros(a.layers["troop_counts"].shape[1])
        sb = np.zeros_like(sa)
        for i, swap in enumerate(row):
            ra, rb = a.layers["troop_counts"][i], b.layers["troop_counts"][i]
            sa, sb = (sa + rb, sb + ra) if swap else (sa + ra, sb + rb)
        diff = abs(float(stat({"troop_counts": sa})) - float(stat({"troop_counts": sb})))
        exceed += diff >= observed - 1e-12
    test = paired_test(a, b, stat, trials, seed)
    assert test.exceed == exceed
    assert test.p_value == (exceed + 1) / (trials + 1)


def test_paired_test_refuses_other_units(systems: dict[str, UnitCounts]) -> None:
    other = synthetic([(1, 0, 0)])
    with pytest.raises(ValueError, match="different units"):
        paired_test(systems["perfect"], other, primary_statistic("troop_counts"))


# ------------------------------------------------------------------ tiers


def test_tiers_group_systems_not_distinguishable_from_the_leader() -> None:
    good = synthetic([(5, 0, 0)] * 30)
    also_good = synthetic([(5, 0, 0)] * 29 + [(4, 1, 1)])
    bad = synthetic([(1, 4, 4)] * 30)
    tiers = significance_tiers(
        {"b-good": good, "a-also": also_good, "zz-bad": bad, "bad-twin": bad},
        primary_statistic("troop_counts"),
        StatsSettings(permutation_trials=2000),
    )
    assert [(t.name, t.tier) for t in tiers] == [
        ("b-good", 1),
        ("a-also", 1),
        ("bad-twin", 2),
        ("zz-bad", 2),
    ]
    assert tiers[0].p_value == 1.0 and tiers[1].leader == "b-good" and tiers[1].p_value >= 0.05
    assert tiers[3].leader == "bad-twin" and tiers[3].p_value == 1.0


def test_tiers_on_the_fixture(systems: dict[str, UnitCounts]) -> None:
    tiers = significance_tiers(
        systems, primary_statistic("entities"), StatsSettings(permutation_trials=500)
    )
    assert tiers[0].name == "perfect" and tiers[0].tier == 1
    assert {t.name for t in tiers} == set(systems)
    assert [t.tier for t in tiers] == sorted(t.tier for t in tiers)


def test_signature_names_the_statistics() -> None:
    line = current_signature("0" * 64, StatsSettings(bootstrap_trials=500, seed=9)).line()
    assert (
        "unit:paragraph1" in line and "boot:500" in line and "ar:10000" in line and "seed:9" in line
    )
    assert "alpha:0.05" in line and "ci:bootstrap-pct95" in line
    with pytest.raises(ValueError):
        StatsSettings(alpha=1.5)
    assert PRIMARY["entities"] == "strict_f1"
