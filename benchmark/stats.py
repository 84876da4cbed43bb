"""Confidence intervals, paired significance tests and significance tiers.

Everything here works on *per-unit counts*: for each layer, an integer
matrix with one row per unit (a paragraph, see :mod:`benchmark.units`) and
one column per count (:func:`benchmark.scoring.unit_fields`). F1 does not
decompose per item or per unit, so every statistic is recomputed from a *sum*
of rows: resample units, sum their counts (TP/FP/FN, or COR/INC/PAR/MIS/SPU),
recompute the metric.

Bootstrap confidence intervals
    ``B`` resamples of the ``n`` units, drawn with replacement, all at once as
    one ``B x n`` index matrix; ``np.bincount`` turns it into a ``B x n``
    matrix of multiplicities ``W`` and ``W @ counts`` gives every resample's
    summed counts in one matrix product. The interval is the percentile
    interval: the ``(1 - c)/2`` and ``(1 + c)/2`` quantiles (numpy's default,
    linear interpolation) of the ``B`` recomputed values.

Paired approximate randomization test
    Between two systems scored on the same units: in each of ``R`` trials,
    each unit's two rows of counts are swapped between the systems with
    probability 1/2 (one ``R x n`` 0/1 matrix ``S``; the swapped sums are
    ``A + S @ (B - A)`` and ``B - S @ (B - A)``), and the absolute difference
    of the statistic is recomputed. With ``r`` the number of trials whose
    difference is at least the observed one (up to 1e-12, so that exact ties
    count), ``p = (r + 1) / (R + 1)``. Identical systems get ``p = 1``.

Clustered resampling (the contrast suite)
    The variants of one paragraph are near-copies of it: one error of a
    system on that paragraph comes back in most of its 40 variants.
    Resampling variant paragraphs as if they were independent would count
    that one error 40 times and overstate certainty about 40-fold. With the
    unit ``origin-paragraph1`` (the signature's ``unit``), every statistic
    resamples *clusters*: an original paragraph together with that
    paragraph in every variant (:func:`benchmark.units.origin_unit`). The
    rows of a cluster are summed first (:meth:`UnitCounts.clustered`), and
    the bootstrap and the paired test run on the cluster sums exactly as
    above: a cluster bootstrap (all variants of a paragraph are drawn or left
    out together) and a cluster-level approximate randomization test (they
    are swapped between the systems together). Clusters come in the order of
    the originals' paragraphs, so when every variant repeats its paragraph's
    counts the cluster sums are those counts times the number of variants,
    every F1 is unchanged by that factor, the draws are the same, and the
    intervals and p-values equal those on the articles, to the bit.

Significance tiers
    Systems are ordered by their point estimate (best first, then by name).
    The best is the leader of tier 1; every other system whose test against
    the leader gives ``p >= alpha`` (not significantly different) joins tier 1.
    The tiered systems are removed and the procedure repeats on the rest for
    tier 2, and so on. A tier therefore says "not distinguishable from this
    tier's leader", not a strict order; a system with a wide interval can
    share the leader's tier while a system above it in F1, confidently worse
    than the leader, starts the next tier (tables list systems by tier, then
    by score).

Reproducibility
    Random numbers come from numpy's legacy ``RandomState`` (MT19937), whose
    stream numpy guarantees not to change between versions, seeded with the
    signature's seed; the same draws are used for every system and layer
    (common random numbers). Counts are summed in float64, exact for integers
    below 2**53 whatever the BLAS, so the same inputs give the same intervals
    and p-values byte for byte. Memory is O(B * n) for the index matrix.

Caching
    :func:`confidence_interval`, :func:`difference_interval`, :func:`paired_test`
    and :func:`significance_tiers` are :func:`benchmark.statcache.memoized`: while
    the command line renders a leaderboard they are kept in the cache folder,
    keyed by their inputs (the tiers' paired tests one pair at a time), and an
    unchanged input is not computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES
from benchmark.layers.stances import CONFLICT, LABELS
from benchmark.scoring import PAIR_LABELS, PRIMARY, flatten, unit_fields
from benchmark.signature import DEFAULT_STATS, StatsSettings
from benchmark.statcache import memoized
from benchmark.units import ORIGIN_UNIT_SCHEME, UNIT_SCHEME, origin_unit

#: Figures that get an interval, per layer (the F1 columns of the leaderboard and more).
F1_METRICS: dict[str, tuple[str, ...]] = {
    "entities": (
        "strict_f1",
        "exact_f1",
        "partial_f1",
        "type_f1",
        "strict_macro_f1",
        "offset_free_f1",
        "offset_free_typed_f1",
    ),
    "timexes": ("value_f1", "strict_f1", "relaxed_f1", "offset_free_f1"),
    "troop_counts": ("tuple_f1",),
    "stances": ("tuple_f1", "holder_f1", "f_avg", "label_macro_f1"),
}

_TIE = 1e-12

# ------------------------------------------------------------------ metrics on sums


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` elementwise, 0.0 where ``den`` is 0 (metrics.safe_ratio)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _f(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    return _div(2 * precision * recall, precision + recall)


def _columns(layer: str) -> dict[str, int]:
    return {name: i for i, name in enumerate(unit_fields(layer))}


def _prf_parts(sums: np.ndarray, col: Mapping[str, int], prefix: str) -> tuple[np.ndarray, ...]:
    """(precision, recall, f1) of a TP/FP/FN or NER block named ``prefix``."""
    if f"{prefix}.tp" in col:
        tp, fp, fn = (sums[..., col[f"{prefix}.{k}"]] for k in ("tp", "fp", "fn"))
        precision, recall = _div(tp, tp + fp), _div(tp, tp + fn)
    else:
        cor, inc, par, mis, spu = (
            sums[..., col[f"{prefix}.{k}"]] for k in ("cor", "inc", "par", "mis", "spu")
        )
        credit = cor + (0.5 * par if prefix.startswith("partial") else 0.0)
        precision = _div(credit, cor + inc + par + spu)
        recall = _div(credit, cor + inc + par + mis)
    return precision, recall, _f(precision, recall)


_PREFIX_FOR: dict[str, dict[str, str]] = {
    "entities": {
        "strict": "strict",
        "exact": "exact",
        "partial": "partial",
        "type": "type",
        "offset_free": "offset_free",
        "offset_free_typed": "offset_free_typed",
    },
    "timexes": {
        "strict": "strict",
        "relaxed": "relaxed",
        "value": "value",
        "offset_free": "offset_free",
    },
    "troop_counts": {"tuple": "tuples"},
    "stances": {
        "tuple": "tuples",
        "holder": "holders",
        **{lab.lower(): f"per_label.{lab}" for lab in LABELS},
    },
}


def metric_values(layer: str, key: str, sums: np.ndarray) -> np.ndarray:
    """A leaderboard metric (``layer_metrics`` key) from summed counts.

    ``sums`` has the layer's fields in its last axis (one row per resample, or
    a single vector); the result has one value per row. Values equal those of
    :func:`benchmark.scoring.layer_metrics` on the same counts.
    """
    col = _columns(layer)
    sums = np.asarray(sums, dtype=np.float64)
    if layer == "entities" and key == "strict_macro_f1":
        total = np.zeros(sums.shape[:-1])
        present = np.zeros(sums.shape[:-1])
        for t in sorted(ENTITY_TYPES):  # the order layers.entities sums them in
            cor, inc, par, mis, spu = (
                sums[..., col[f"strict.{t}.{k}"]] for k in ("cor", "inc", "par", "mis", "spu")
            )
            here = (cor + inc + par + mis + spu) > 0
            _, _, f1 = _prf_parts(sums, col, f"strict.{t}")
            total = total + np.where(here, f1, 0.0)
            present = present + here
        return _div(total, present)
    if layer == "stances" and key == "f_avg":
        favor = _prf_parts(sums, col, "per_label.FAVOR")[2]
        against = _prf_parts(sums, col, "per_label.AGAINST")[2]
        return _div(favor + against, np.float64(2))
    if layer == "stances" and key == "label_macro_f1":
        # scikit-learn's macro F1 over the labels present among gold or predicted labels,
        # CONFLICT included when predicted (its F1 is 0: it is never a gold label)
        pairs = {(g, p): sums[..., col[f"pairs.{g}.{p}"]] for g in LABELS for p in PAIR_LABELS}
        n_pairs = sum(pairs.values(), start=np.zeros(sums.shape[:-1]))
        total = np.zeros(sums.shape[:-1])
        present = np.zeros(sums.shape[:-1])
        for lab in LABELS:
            tp = pairs[lab, lab]
            true = sum((pairs[lab, p] for p in PAIR_LABELS), start=np.zeros(sums.shape[:-1]))
            pred = sum((pairs[g, lab] for g in LABELS), start=np.zeros(sums.shape[:-1]))
            here = (true + pred) > 0
            total = total + np.where(here, _div(2 * tp, true + pred), 0.0)
            present = present + here
        conflicts = sum((pairs[g, CONFLICT] for g in LABELS), start=np.zeros(sums.shape[:-1]))
        present = present + (conflicts > 0)
        return np.where(n_pairs > 0, _div(total, present), 0.0)
    for suffix, part in (("_precision", 0), ("_recall", 1), ("_f1", 2)):
        if key.endswith(suffix):
            prefix = _PREFIX_FOR[layer].get(key.removesuffix(suffix))
            if prefix is not None:
                return _prf_parts(sums, col, prefix)[part]
    raise KeyError(f"no interval for {layer} metric {key!r}")


# ------------------------------------------------------------------ per-unit counts


@dataclass(frozen=True)
class UnitCounts:
    """One system's per-unit counts: unit ids and, per layer, an ``n x fields`` matrix."""

    units: tuple[str, ...]
    layers: Mapping[str, np.ndarray]

    @classmethod
    def from_evaluation(cls, evaluation: Any) -> UnitCounts:
        units = evaluation.units
        return cls(
            units,
            {
                layer: np.array(
                    [flatten(layer, evaluation.per_unit[layer][u]) for u in units], dtype=np.float64
                ).reshape(len(units), len(unit_fields(layer)))
                for layer in evaluation.attempted
            },
        )

    @classmethod
    def from_results(cls, data: Mapping[str, Any]) -> UnitCounts:
        """From a results file's ``per_unit`` blocks; ValueError if missing or malformed."""
        units: tuple[str, ...] | None = None
        layers: dict[str, np.ndarray] = {}
        for layer, block in data["layers"].items():
            per_unit = block.get("per_unit")
            if per_unit is None:
                raise ValueError(f"{layer}: no per-unit counts (scored by an older troopbench)")
            fields = tuple(per_unit["fields"])
            if fields != unit_fields(layer):
                raise ValueError(f"{layer}: per-unit fields differ from this troopbench's")
            counts = per_unit["counts"]
            if units is None:
                units = tuple(counts)
            elif set(counts) != set(units):
                raise ValueError(
                    f"{layer}: per-unit counts cover other units than the other layers"
                )
            rows = [counts[u] for u in units]
            if any(len(r) != len(fields) for r in rows):
                raise ValueError(f"{layer}: a per-unit row has the wrong length")
            layers[layer] = np.array(rows, dtype=np.float64).reshape(len(units), len(fields))
        return cls(units or (), layers)

    def total(self, layer: str) -> np.ndarray:
        return self.layers[layer].sum(axis=0)

    def clustered(self, key: Callable[[str], str]) -> UnitCounts:
        """The rows summed by cluster (``key`` of a unit id), clusters in the order of their
        first unit."""
        clusters = tuple(dict.fromkeys(key(u) for u in self.units))
        index = {c: i for i, c in enumerate(clusters)}
        member = np.array([index[key(u)] for u in self.units], dtype=np.int64)
        out = {}
        for layer, matrix in self.layers.items():
            sums = np.zeros((len(clusters), matrix.shape[1]), dtype=np.float64)
            np.add.at(sums, member, matrix)
            out[layer] = sums
        return UnitCounts(clusters, out)


def resampling_counts(counts: UnitCounts, unit: str = UNIT_SCHEME) -> UnitCounts:
    """The rows the statistics resample under the signature's ``unit``: the paragraphs
    themselves, or their sums per origin paragraph (module doc, "Clustered resampling")."""
    if unit == ORIGIN_UNIT_SCHEME:
        return counts.clustered(origin_unit)
    if unit != UNIT_SCHEME:
        raise ValueError(f"unknown resampling unit {unit!r}")
    return counts


# ------------------------------------------------------------------ statistics


@dataclass(frozen=True)
class Statistic:
    """A figure computed from summed counts of one or more layers, vectorised over rows."""

    name: str
    layers: tuple[str, ...]
    compute: Callable[[Mapping[str, np.ndarray]], np.ndarray]

    def __call__(self, sums: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.compute(sums)


def layer_statistic(layer: str, key: str) -> Statistic:
    """One metric of one layer, e.g. ``layer_statistic("entities", "strict_f1")``."""
    return Statistic(f"{layer}.{key}", (layer,), lambda s: metric_values(layer, key, s[layer]))


def primary_statistic(layer: str) -> Statistic:
    return layer_statistic(layer, PRIMARY[layer])


def mean_primary_statistic(layers: Sequence[str] = LAYERS) -> Statistic:
    """The mean of the layers' primary F1 (the leaderboard's overall column)."""
    layers = tuple(layers)

    def compute(sums: Mapping[str, np.ndarray]) -> np.ndarray:
        total: np.ndarray | float = 0.0
        for layer in layers:
            total = total + metric_values(layer, PRIMARY[layer], sums[layer])
        return np.asarray(total, dtype=np.float64) / len(layers)

    return Statistic("mean." + "+".join(layers), layers, compute)


# ------------------------------------------------------------------ bootstrap


def draw_indices(n: int, trials: int, seed: int) -> np.ndarray:
    """The ``trials x n`` matrix of bootstrap unit indices (with replacement)."""
    return np.random.RandomState(seed).randint(0, n, size=(trials, n))


@lru_cache(maxsize=8)
def resample_weights(n: int, trials: int, seed: int) -> np.ndarray:
    """How often each unit is drawn in each resample: a read-only ``trials x n`` matrix."""
    idx = draw_indices(n, trials, seed)
    offsets = (np.arange(trials, dtype=np.int64) * n)[:, None]
    weights = np.bincount((idx + offsets).ravel(), minlength=trials * n).reshape(trials, n)
    out = weights.astype(np.float64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate and its bootstrap percentile interval."""

    value: float
    low: float
    high: float
    confidence: float
    trials: int

    def fmt(self, digits: int = 3) -> str:
        return f"{self.value:.{digits}f} ({self.low:.{digits}f}\u2013{self.high:.{digits}f})"

    def to_dict(self) -> dict[str, float | int]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "trials": self.trials,
        }


def bootstrap_values(
    counts: UnitCounts, statistic: Statistic, trials: int, seed: int
) -> np.ndarray:
    """The statistic on each of ``trials`` resamples of the units."""
    n = len(counts.units)
    if n == 0:
        return np.zeros(trials)
    weights = resample_weights(n, trials, seed)
    sums = {layer: weights @ counts.layers[layer] for layer in statistic.layers}
    return np.asarray(statistic(sums), dtype=np.float64)


def point(counts: UnitCounts, statistic: Statistic) -> float:
    return float(statistic({layer: counts.total(layer) for layer in statistic.layers}))


@memoized
def confidence_interval(
    counts: UnitCounts, statistic: Statistic, settings: StatsSettings = DEFAULT_STATS
) -> Interval:
    """Point estimate (from the total counts) and bootstrap percentile interval, over the
    signature's unit (paragraphs, or origin-paragraph clusters)."""
    counts = resampling_counts(counts, settings.unit)
    values = bootstrap_values(counts, statistic, settings.bootstrap_trials, settings.seed)
    tail = (1.0 - settings.confidence) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return Interval(
        point(counts, statistic),
        float(low),
        float(high),
        settings.confidence,
        settings.bootstrap_trials,
    )


@memoized
def difference_interval(
    a: UnitCounts, b: UnitCounts, statistic: Statistic, settings: StatsSettings = DEFAULT_STATS
) -> Interval:
    """``statistic(a) - statistic(b)`` with a paired bootstrap percentile interval: each
    resample draws the same units (under ``settings.unit``) for both, so ``a`` and ``b``
    must have the same units once resampled (e.g. a system's variants and its originals,
    clustered by origin paragraph: the Robustness section's Δ)."""
    a, b = resampling_counts(a, settings.unit), resampling_counts(b, settings.unit)
    if set(a.units) != set(b.units):
        raise ValueError("the two sets of counts cover different units")
    order = {u: i for i, u in enumerate(b.units)}
    take = np.array([order[u] for u in a.units], dtype=np.int64)
    b = UnitCounts(a.units, {layer: m[take] for layer, m in b.layers.items()})
    trials, seed = settings.bootstrap_trials, settings.seed
    values = bootstrap_values(a, statistic, trials, seed) - bootstrap_values(
        b, statistic, trials, seed
    )
    tail = (1.0 - settings.confidence) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return Interval(
        point(a, statistic) - point(b, statistic),
        float(low),
        float(high),
        settings.confidence,
        trials,
    )


# ------------------------------------------------------------------ paired test


@dataclass(frozen=True, slots=True)
class PairedTest:
    """A paired approximate randomization test of ``a`` against ``b``."""

    statistic: str
    a: float
    b: float
    p_value: float
    exceed: int  # trials whose |difference| reached the observed one
    trials: int

    @property
    def difference(self) -> float:
        return self.a - self.b

    def significant(self, alpha: float) -> bool:
        return self.p_value < alpha


def draw_swaps(n: int, trials: int, seed: int) -> np.ndarray:
    """The ``trials x n`` 0/1 matrix: 1 where a unit's counts are swapped."""
    return np.random.RandomState(seed).randint(0, 2, size=(trials, n))


@lru_cache(maxsize=8)
def swap_weights(n: int, trials: int, seed: int) -> np.ndarray:
    """:func:`draw_swaps` as a read-only float matrix, drawn once per (n, trials,
    seed): every paired test of a leaderboard uses the same one."""
    out = draw_swaps(n, trials, seed).astype(np.float64)
    out.setflags(write=False)
    return out


def _check_paired(a: UnitCounts, b: UnitCounts, layers: Sequence[str]) -> None:
    if a.units != b.units:
        raise ValueError(
            "the two systems were scored on different units (another gold or unit scheme?)"
        )
    for layer in layers:
        if layer not in a.layers or layer not in b.layers:
            raise ValueError(f"both systems must attempt {layer}")


@memoized
def paired_test(
    a: UnitCounts,
    b: UnitCounts,
    statistic: Statistic,
    trials: int = DEFAULT_STATS.permutation_trials,
    seed: int = DEFAULT_STATS.seed,
    unit: str = UNIT_SCHEME,
) -> PairedTest:
    """Two-sided paired approximate randomization test (module doc), swapping ``unit``s:
    paragraphs, or origin-paragraph clusters."""
    _check_paired(a, b, statistic.layers)
    a, b = resampling_counts(a, unit), resampling_counts(b, unit)
    a_total = {layer: a.total(layer) for layer in statistic.layers}
    b_total = {layer: b.total(layer) for layer in statistic.layers}
    a_value, b_value = float(statistic(a_total)), float(statistic(b_total))
    observed = abs(a_value - b_value)
    n = len(a.units)
    if n == 0:
        return PairedTest(statistic.name, a_value, b_value, 1.0, trials, trials)
    swaps = swap_weights(n, trials, seed)
    a_sums: dict[str, np.ndarray] = {}
    b_sums: dict[str, np.ndarray] = {}
    for layer in statistic.layers:
        delta = swaps @ (b.layers[layer] - a.layers[layer])
        a_sums[layer] = a_total[layer] + delta
        b_sums[layer] = b_total[layer] - delta
    diffs = np.abs(statistic(a_sums) - statistic(b_sums))
    exceed = int(np.count_nonzero(diffs >= observed - _TIE))
    return PairedTest(statistic.name, a_value, b_value, (exceed + 1) / (trials + 1), exceed, trials)


# ------------------------------------------------------------------ tiers


@dataclass(frozen=True, slots=True)
class Tiered:
    """A system's place in the tiers of one statistic."""

    name: str
    tier: int
    value: float
    leader: str  # the leader of its tier
    p_value: float  # of the test against that leader (1.0 for the leader itself)


@memoized
def significance_tiers(
    systems: Mapping[str, UnitCounts], statistic: Statistic, settings: StatsSettings = DEFAULT_STATS
) -> list[Tiered]:
    """Tiers of systems (module doc), listed by tier, then by value, then by name."""
    values = {name: point(counts, statistic) for name, counts in systems.items()}
    remaining = sorted(systems, key=lambda name: (-values[name], name))
    out: list[Tiered] = []
    tier = 0
    while remaining:
        tier += 1
        leader, rest = remaining[0], remaining[1:]
        members = [Tiered(leader, tier, values[leader], leader, 1.0)]
        left = []
        for name in rest:
            test = paired_test(
                systems[leader],
                systems[name],
                statistic,
                settings.permutation_trials,
                settings.seed,
                settings.unit,
            )
            if test.significant(settings.alpha):
                left.append(name)
            else:
                members.append(Tiered(name, tier, values[name], leader, test.p_value))
        out += members
        remaining = left
    return out
