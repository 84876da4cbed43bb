"""Clustered statistics on the contrast suite: the variants of one paragraph resample together.

Hand-computed cases (one error repeated in every variant gives the p-value of
the articles; a two-cluster p-value read off the swap matrix), exact
equality with the articles' intervals and p-values when every variant repeats
its paragraph, a simulation of the rejection rate at alpha = 0.05 for two
systems equal in distribution, and docs/analysis.md's example on the committed
results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmark.signature import DEFAULT_STATS, StatsSettings, current_signature
from benchmark.stats import (
    Statistic,
    UnitCounts,
    confidence_interval,
    difference_interval,
    paired_test,
    primary_statistic,
    resampling_counts,
    significance_tiers,
    swap_weights,
)
from benchmark.units import ORIGIN_UNIT_SCHEME, UNIT_SCHEME, origin_unit

ROOT = Path(__file__).resolve().parent.parent
CLUSTERED = StatsSettings(unit=ORIGIN_UNIT_SCHEME)
TRANSFORMATIONS = ("dates", "names", "numbers", "all")

#: A troop-count-like layer: one row per unit, columns tp, fp, fn.
F1 = Statistic(
    "f1",
    ("x",),
    lambda s: np.divide(
        2 * s["x"][..., 0],
        2 * s["x"][..., 0] + s["x"][..., 1] + s["x"][..., 2],
        out=np.zeros(np.shape(s["x"][..., 0])),
        where=(2 * s["x"][..., 0] + s["x"][..., 1] + s["x"][..., 2]) != 0,
    ),
)
#: A linear statistic: the first column's sum.
SUM = Statistic("sum", ("x",), lambda s: np.asarray(s["x"][..., 0], dtype=np.float64))


def originals(rows: list[list[float]], docs: int = 1) -> UnitCounts:
    """Units ``d<k>:<line>`` for ``rows`` split evenly over ``docs`` documents."""
    per = len(rows) // docs
    units = tuple(f"d{i // per}:{i % per + 1}" for i in range(len(rows)))
    return UnitCounts(units, {"x": np.array(rows, dtype=np.float64)})


def variants(counts: UnitCounts, seeds: int = 10, rows: np.ndarray | None = None) -> UnitCounts:
    """Every unit of ``counts`` in ``4 x seeds`` variants of its document, in suite order
    (document, transformation, seed, line); ``rows`` overrides the repeated counts."""
    docs = list(dict.fromkeys(u.split(":")[0] for u in counts.units))
    units, picked = [], []
    for doc in docs:
        mine = [i for i, u in enumerate(counts.units) if u.startswith(f"{doc}:")]
        for t in TRANSFORMATIONS:
            for seed in range(seeds):
                for i in mine:
                    units.append(f"{doc}~{t}~{seed}:{counts.units[i].split(':')[1]}")
                    picked.append(i)
    matrix = counts.layers["x"][picked] if rows is None else rows
    return UnitCounts(tuple(units), {"x": np.asarray(matrix, dtype=np.float64)})


def test_origin_unit_table() -> None:
    assert origin_unit("000_ab~dates~3:7") == "000_ab:7"
    assert origin_unit("000_ab~all~10:unplaced") == "000_ab:unplaced"
    assert origin_unit("000_ab:7") == "000_ab:7"


def test_clustered_sums_rows_in_the_order_of_the_originals() -> None:
    o = originals([[1, 0, 0], [0, 1, 2], [3, 0, 1]])
    c = variants(o).clustered(origin_unit)
    assert c.units == o.units
    np.testing.assert_array_equal(c.layers["x"], 40 * o.layers["x"])


def test_one_error_repeated_in_every_variant_gives_the_articles_p_value() -> None:
    """Hand-computed: the systems differ in one paragraph only, so swapping it or not
    gives the same |difference|: every trial reaches the observed one and p = 1 on the
    articles. Clustered on the variants, that paragraph and its 40 copies are one cluster:
    p = 1 again. Resampled as 3 x 40 independent paragraphs, the one error looks like 40
    and p is the smallest possible, (0 + 1) / (R + 1)."""
    a = originals([[1, 0, 0], [1, 0, 0], [1, 0, 0]])
    b = originals([[1, 0, 0], [0, 1, 1], [1, 0, 0]])
    on_articles = paired_test(a, b, F1, 999, 7)
    on_variants = paired_test(variants(a), variants(b), F1, 999, 7, ORIGIN_UNIT_SCHEME)
    naive = paired_test(variants(a), variants(b), F1, 999, 7, UNIT_SCHEME)
    assert on_articles.p_value == on_variants.p_value == 1.0
    assert on_variants.exceed == 999
    assert naive.p_value == pytest.approx(1 / 1000)


def test_two_clusters_p_value_read_off_the_swap_matrix() -> None:
    """A linear statistic with one unit of difference in each of two clusters: the
    |difference| reaches 2 exactly when both clusters are swapped or neither is."""
    a = originals([[1, 0, 0], [1, 0, 0], [5, 0, 0]])
    b = originals([[0, 0, 0], [0, 0, 0], [5, 0, 0]])
    trials, seed = 499, 11
    swaps = swap_weights(3, trials, seed)
    agree = int(np.count_nonzero(swaps[:, 0] == swaps[:, 1]))
    expected = (agree + 1) / (trials + 1)
    test = paired_test(variants(a), variants(b), SUM, trials, seed, ORIGIN_UNIT_SCHEME)
    assert test.p_value == expected
    assert test.difference == 80.0  # 2 per variant set, 40 variants


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variants_repeating_their_paragraph_give_the_articles_figures_exactly(
    seed: int,
) -> None:
    rng = np.random.RandomState(seed)
    a = originals(rng.randint(0, 4, size=(24, 3)).tolist(), docs=3)
    b = originals(rng.randint(0, 4, size=(24, 3)).tolist(), docs=3)
    va, vb = variants(a), variants(b)
    small = StatsSettings(bootstrap_trials=2000, permutation_trials=2000, seed=seed + 5)
    clustered = StatsSettings(
        bootstrap_trials=2000, permutation_trials=2000, seed=seed + 5, unit=ORIGIN_UNIT_SCHEME
    )
    assert confidence_interval(va, F1, clustered) == confidence_interval(a, F1, small)
    test = paired_test(va, vb, F1, 2000, seed + 5, ORIGIN_UNIT_SCHEME)
    assert test.p_value == paired_test(a, b, F1, 2000, seed + 5).p_value
    tiers = significance_tiers({"a": va, "b": vb}, F1, clustered)
    assert tiers == significance_tiers({"a": a, "b": b}, F1, small)


def test_the_signature_names_the_unit() -> None:
    line = current_signature("0" * 64, CLUSTERED).line()
    assert "|unit:origin-paragraph1|" in line
    assert "|unit:paragraph1|" in current_signature("0" * 64).line()
    with pytest.raises(ValueError, match="unknown unit"):
        StatsSettings(unit="sentence")


def test_difference_interval_pairs_the_originals_with_their_variants() -> None:
    """Variants that repeat their paragraph: Δ is 0 in every resample. One paragraph whose
    variants all lose their tp: Δ is negative and its interval excludes 0 only if the
    resamples always draw that paragraph... they do not, so the upper end is 0."""
    o = originals([[2, 0, 0], [1, 0, 0], [3, 0, 1], [1, 1, 0]])
    same = difference_interval(variants(o), o, F1, CLUSTERED)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)
    rows = variants(o).layers["x"].copy()
    rows[1::4] = [0, 0, 1]  # the second paragraph, in every variant: its tp becomes a miss
    worse = difference_interval(variants(o, rows=rows), o, F1, CLUSTERED)
    assert worse.value < 0 and worse.low < 0 and worse.high <= 0
    manual = F1({"x": rows.sum(axis=0)}) - F1({"x": o.layers["x"].sum(axis=0)})
    assert worse.value == pytest.approx(float(manual))


def _simulated(rng: np.random.RandomState, clusters: int, copies: int) -> np.ndarray:
    """One system's rows: per cluster a difficulty; each variant repeats the cluster's own
    outcome with probability 0.9, else draws afresh; rows are (correct, 0, wrong)."""
    difficulty = rng.beta(2, 5, size=clusters)
    base = rng.random_sample(clusters) < difficulty
    fresh = rng.random_sample((clusters, copies)) < difficulty[:, None]
    keep = rng.random_sample((clusters, copies)) < 0.9
    wrong = np.where(keep, base[:, None], fresh).reshape(-1)
    return np.stack([~wrong, np.zeros_like(wrong), wrong], axis=1).astype(np.float64)


def test_rejection_rate_of_equal_systems_stays_at_alpha() -> None:
    """Two systems equal in distribution (the same per-cluster difficulty law, independent
    draws): the clustered test rejects at alpha = 0.05 at most 5% of the time, within its
    Monte Carlo error (two standard errors); the test that treats variants as independent
    rejects far more often (so this test can fail)."""
    clusters, copies, runs, trials = 30, 40, 400, 199
    units = tuple(f"d0~dates~{j}:{c + 1}" for c in range(clusters) for j in range(copies))
    rng = np.random.RandomState(2024)
    clustered = naive = 0
    for run in range(runs):
        a = UnitCounts(units, {"x": _simulated(rng, clusters, copies)})
        b = UnitCounts(units, {"x": _simulated(rng, clusters, copies)})
        clustered += paired_test(a, b, F1, trials, run, ORIGIN_UNIT_SCHEME).p_value < 0.05
        naive += paired_test(a, b, F1, trials, run, UNIT_SCHEME).p_value < 0.05
    margin = 2 * math.sqrt(0.05 * 0.95 / runs)
    assert clustered / runs <= 0.05 + margin, clustered
    assert naive / runs > 0.3, naive


def _committed(path: str) -> UnitCounts:
    return UnitCounts.from_results(json.loads((ROOT / path).read_text(encoding="utf-8")))


@pytest.mark.parametrize(("a", "b", "layer"), [("rules", "spacy-sm", "troop_counts")])
def test_readme_example_same_p_value_on_the_contrast_suite(a: str, b: str, layer: str) -> None:
    """docs/analysis.md's example the data cannot tell apart: rules vs spacy-sm on troop counts
    differ in one paragraph of the articles (p = 1); on the contrast suite that paragraph's
    error comes back in its variants, and the clustered test gives the same p."""
    paths = [f"results/{a}.json", f"results/{b}.json"]
    contrast = [f"results/contrast/{a}.json", f"results/contrast/{b}.json"]
    if not all((ROOT / p).is_file() for p in paths + contrast):
        pytest.skip("committed results missing")
    statistic = primary_statistic(layer)
    trials, seed = DEFAULT_STATS.permutation_trials, DEFAULT_STATS.seed
    on_articles = paired_test(*(_committed(p) for p in paths), statistic, trials, seed)
    data = json.loads((ROOT / contrast[0]).read_text(encoding="utf-8"))
    assert data["signature"]["settings"]["unit"] == ORIGIN_UNIT_SCHEME
    ca, cb = (_committed(p) for p in contrast)
    on_variants = paired_test(ca, cb, statistic, trials, seed, ORIGIN_UNIT_SCHEME)
    assert on_articles.p_value == on_variants.p_value == 1.0
    assert len(resampling_counts(ca, ORIGIN_UNIT_SCHEME).units) == len(_committed(paths[0]).units)
