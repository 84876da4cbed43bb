"""Rendering ``LEADERBOARD.md`` from ``results/*.json``.

Results files are untrusted input: each is schema-validated, and every
string taken from one (system name, version, messages) is escaped so that it
cannot inject Markdown or HTML (pipes, newlines, tags, links, emphasis). A
result whose gold hash differs from the current gold is listed as stale and
never ranked with current ones. Output is byte-stable: the same inputs give
the same bytes (no dates, sorted everything).

Hand-written commentary per layer lives in ``results/NOTES.md`` under
headings ``## entities``, ``## timexes``, ``## troop_counts``, ``## stances``
and is embedded under the matching table.

Every F1 carries a 95% bootstrap interval over paragraphs, and systems are
grouped into significance tiers instead of ranks (:mod:`benchmark.stats`):
both are computed here, from the per-unit counts in the results files, with
the seed and trial counts of the signature. A results file without per-unit
counts, or with another unit scheme, cannot enter a paired test and is listed
as stale. :func:`build` also returns one precision-recall plot per layer
(:mod:`benchmark.plots`), committed as SVG beside ``LEADERBOARD.md`` and
linked from it with relative paths.

Every row shows the system's declared test exposure (``undeclared`` when its
results file declares none), and every table is followed by a second tiering
among the untuned systems only (:data:`benchmark.systems.UNTUNED`: exposure
``none`` or ``configured``), so that the best system not fitted to the test
articles can be read at a glance; a closing section gives each system's
one-line ``exposure_note``. :func:`restrict` keeps only the results of
given exposures (``troopbench leaderboard --exposure``).

The "Cost / doc" column shows the tokens (input plus output) and the seconds
of model requests per document, from a results file's ``cost`` block (systems
that call a model report it, :mod:`benchmark.usage`); "—" for the others.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from benchmark.corpus import DEFAULT_CORPUS
from benchmark.inputs import BOUNDS, InputError, decode, loads, read_regular, shown
from benchmark.layers import LAYERS
from benchmark.plots import PRPoint, pr_plot_svg
from benchmark.runner import validate_results
from benchmark.scoring import COUNT_TYPES, PRIMARY, flatten, layer_metrics, unit_fields
from benchmark.signature import DEFAULT_STATS, StatsSettings, current_signature
from benchmark.statcache import check_mark, memoized, set_mark
from benchmark.stats import (
    F1_METRICS,
    Interval,
    Statistic,
    Tiered,
    UnitCounts,
    confidence_interval,
    layer_statistic,
    mean_primary_statistic,
    metric_values,
    resample_weights,
    significance_tiers,
)
from benchmark.systems import UNDECLARED, UNTUNED

LAYER_TITLES: dict[str, str] = {
    "entities": "Entities",
    "timexes": "Temporal expressions",
    "troop_counts": "Troop counts",
    "stances": "Stances",
}

#: (column header, metric key) per layer, after P/R/F1 of the primary metric.
EXTRA_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "entities": (
        ("exact F1", "exact_f1"),
        ("partial F1", "partial_f1"),
        ("type F1", "type_f1"),
        ("strict macro-F1", "strict_macro_f1"),
        ("offset-free F1", "offset_free_f1"),
    ),
    "timexes": (
        ("strict F1", "strict_f1"),
        ("relaxed F1", "relaxed_f1"),
        ("type acc.", "type_accuracy"),
        ("value acc.", "value_accuracy"),
        ("offset-free F1", "offset_free_f1"),
    ),
    "troop_counts": (
        ("qualifier acc.", "qualifier_accuracy"),
        ("force acc.", "force_accuracy"),
        ("time acc.", "time_accuracy"),
    ),
    "stances": (
        ("holder F1", "holder_f1"),
        ("F_avg", "f_avg"),
        ("label acc.", "label_accuracy"),
        ("label macro-F1", "label_macro_f1"),
    ),
}

PRIMARY_TITLES: dict[str, str] = {
    "entities": "strict micro-F1 (exact span and type)",
    "timexes": "value F1 (TempEval-3: relaxed F1 x value accuracy)",
    "troop_counts": "tuple F1 over (document, value, location)",
    "stances": "tuple F1 over (document, holder, label)",
}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#!~|{}+<>-])")


def md_text(value: object, limit: int = 80) -> str:
    """Plain text safe inside a Markdown table cell: no markup survives, and no
    control character or bidirectional override either (escaped as ``\\u202e``)."""
    text = " ".join(shown(str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Backslash escapes do not stop raw HTML or entities in every renderer.
    return text.replace("&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;")


#: id(results data) -> (that data, its UnitCounts): the most recent ones, oldest first.
_UNIT_COUNTS: dict[int, tuple[Mapping[str, Any], UnitCounts]] = {}
_UNIT_COUNTS_KEPT = 64


@dataclass(frozen=True, slots=True)
class ResultEntry:
    """One readable results file."""

    path: Path
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["system"]["name"])

    @property
    def version(self) -> str:
        return str(self.data["system"]["version"])

    @property
    def exposure(self) -> str:
        """The declared test exposure; ``undeclared`` when the file has none."""
        return str(self.data["system"].get("exposure", UNDECLARED))

    @property
    def exposure_note(self) -> str:
        return str(self.data["system"].get("exposure_note", ""))

    @property
    def gold_hash(self) -> str:
        return str(self.data["signature"]["gold_hash"])

    def metric(self, layer: str, key: str) -> float | None:
        layer_data = self.data["layers"].get(layer)
        if layer_data is None:
            return None
        value = layer_data["metrics"].get(key)
        return float(value) if isinstance(value, int | float) else None

    def cost(self) -> str:
        """Tokens and seconds per document from the results' ``cost`` block, or "—"
        for a system that does not report them (it calls no model)."""
        cost = self.data.get("cost")
        if not isinstance(cost, Mapping):
            return "—"
        tokens, seconds = cost.get("tokens_per_document"), cost.get("seconds_per_document")
        if not isinstance(tokens, int | float) or not isinstance(seconds, int | float):
            return "—"
        return f"{tokens:,.0f} tok, {seconds:.1f} s"

    def unit_counts(self) -> UnitCounts:
        """Per-unit counts of the attempted layers; ValueError when absent or malformed.
        Built once per results data in this process (the tables and the Robustness
        section ask for them per layer)."""
        key = id(self.data)
        known = _UNIT_COUNTS.get(key)
        if known is not None and known[0] is self.data:
            return known[1]
        counts = UnitCounts.from_results(self.data)
        _UNIT_COUNTS[key] = (self.data, counts)
        while len(_UNIT_COUNTS) > _UNIT_COUNTS_KEPT:
            _UNIT_COUNTS.pop(next(iter(_UNIT_COUNTS)))
        return counts

    def stale_reason(
        self, reference: Mapping[str, Any], units: Sequence[str] | None = None
    ) -> str | None:
        """Why this result cannot be ranked with current ones, or None: a scoring
        signature that differs from ``reference`` (the fields named), or no usable
        per-unit counts for the current units."""
        differing = signature_differences(self.data["signature"], reference)
        if differing:
            return "; ".join(differing)
        try:
            counts = self.unit_counts()
        except (ValueError, KeyError, TypeError) as exc:
            return f"no usable per-unit counts: {exc}"
        if units is not None and self.data["layers"] and counts.units != tuple(units):
            return "per-unit counts for other units than the current articles"
        return None


#: Signature settings the leaderboard computes itself (intervals, tests); every other
#: field of a results file's signature says how its numbers were scored.
STATS_FIELDS = frozenset(k for k, _ in DEFAULT_STATS.items()) - {"unit"}


def scoring_signature(signature: Mapping[str, Any]) -> dict[str, str]:
    """The fields of a signature that must be equal for two results to be compared."""
    settings = signature.get("settings", {})
    out = {
        "troopbench": str(signature.get("version")),
        "corpus": str(signature.get("corpus", DEFAULT_CORPUS)),  # none named: troopbench's
        "gold": str(signature.get("gold_hash")),
    }
    if isinstance(settings, Mapping):
        out.update({str(k): str(v) for k, v in settings.items() if k not in STATS_FIELDS})
    return out


def signature_differences(signature: Mapping[str, Any], reference: Mapping[str, Any]) -> list[str]:
    """``field value (current: other)`` for every scoring field that differs."""
    mine, theirs = scoring_signature(signature), scoring_signature(reference)
    out = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key, "none"), theirs.get(key, "none")
        if a != b:
            if key == "gold":
                a, b = a[:12], b[:12]
            out.append(f"{key} {a} (current: {b})")
    return out


def _same(stored: Any, computed: Any) -> bool:
    if isinstance(computed, float) or isinstance(stored, float):
        return (
            isinstance(stored, int | float)
            and not isinstance(stored, bool)
            and math.isclose(stored, computed, rel_tol=1e-9, abs_tol=1e-12)
        )
    if isinstance(computed, dict) and isinstance(stored, dict):
        return all(_same(stored[k], v) for k, v in computed.items() if k in stored)
    return bool(stored == computed)


def tampered(data: Mapping[str, Any]) -> str | None:
    """Whether a results file's figures are not what its own counts give: a metric
    its per-document counts do not reproduce, or per-unit counts that do not add
    up to them (the first such problem, or counts that cannot be read), else None."""
    for layer, block in data["layers"].items():
        try:
            per_doc = {d: COUNT_TYPES[layer].from_dict(c) for d, c in block["per_document"].items()}
            counts = list(per_doc.values())
            total = reduce(add, counts) if counts else COUNT_TYPES[layer]()
            computed = layer_metrics(layer, total)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return f"{layer}: per-document counts cannot be read ({type(exc).__name__}: {exc})"
        for key, value in computed.items():
            if key in block["metrics"] and not _same(block["metrics"][key], value):
                return (
                    f"{layer}: {key} is {block['metrics'][key]!r} but its counts give "
                    f"{value!r}; the file was edited"
                )
        problem = _unit_problem(layer, block.get("per_unit"), per_doc)
        if problem:
            return problem
    return None


def _unit_problem(layer: str, per_unit: Any, per_doc: Mapping[str, Any]) -> str | None:
    """Per-unit counts that do not add up: every unit must belong to a document of
    the file, and when the file says its units are ``consistent`` each document's
    units must sum to its per-document counts, field by field (the leaderboard's
    intervals and tiers are computed from the units)."""
    if not isinstance(per_unit, Mapping) or tuple(per_unit.get("fields", ())) != unit_fields(layer):
        return None  # absent or of another troopbench: not comparable, said elsewhere
    width = len(unit_fields(layer))
    sums = {doc: [0] * width for doc in per_doc}
    for unit, row in per_unit["counts"].items():
        doc = unit.rpartition(":")[0]
        if doc not in sums:
            return (
                f"{layer}: per-unit counts for {unit!r}, of no document of the file; "
                "the file was edited"
            )
        if len(row) != width:
            return f"{layer}: the per-unit row of {unit!r} has {len(row)} counts, not {width}"
        sums[doc] = [a + b for a, b in zip(sums[doc], row, strict=True)]
    if per_unit.get("consistent") is True:
        for doc, counts in per_doc.items():
            expected = list(flatten(layer, counts))
            if sums[doc] != expected:
                field = next(
                    f
                    for f, a, b in zip(unit_fields(layer), sums[doc], expected, strict=True)
                    if a != b
                )
                return (
                    f"{layer}: the per-unit counts of {doc} sum to {field} = "
                    f"{sums[doc][unit_fields(layer).index(field)]}, but its per-document "
                    f"counts give {expected[unit_fields(layer).index(field)]}; the file was edited"
                )
    return None


def read_entry(path: Path) -> tuple[ResultEntry | None, str]:
    """A results file, checked: readable JSON within the input bounds (no NaN), valid
    against the schema, metrics that its counts reproduce. (entry, "") or (None, problem)."""
    try:  # a regular file of bounded size: no FIFO, device or huge file is read
        raw = read_regular(path, BOUNDS.max_file_bytes)
    except InputError as exc:
        return None, exc.message
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror}"
    mark = check_mark("results", raw, RESULTS_CHECKS)
    if mark is not None and mark.exists():  # these bytes passed these checks before
        with contextlib.suppress(ValueError):
            return ResultEntry(path, json.loads(raw)), ""
    try:
        data = loads(decode(raw))
    except InputError as exc:
        return None, f"{exc.pointer}: {exc.message}" if exc.pointer else exc.message
    problems = validate_results(data)
    if problems:
        return None, problems[0]
    problem = tampered(data)
    if problem:
        return None, problem
    if mark is not None:
        set_mark(mark)
    return ResultEntry(path, data), ""


#: The code whose checks a results file passes in :func:`read_entry` (bounds, schema,
#: counts): a change to any of it checks every file again.
RESULTS_CHECKS = (
    "benchmark.inputs",
    "benchmark.runner",
    "benchmark.leaderboard",
    "benchmark.scoring",
    "benchmark.metrics",
    "benchmark.schemas",
)


@dataclass(frozen=True, slots=True)
class LoadedResults:
    current: tuple[ResultEntry, ...]
    stale: tuple[ResultEntry, ...]
    broken: tuple[tuple[str, str], ...]  # (file name, problem)
    stale_reasons: tuple[str, ...] = ()  # parallel to ``stale``

    def problems(self) -> list[str]:
        """One line per results file that is not ranked, and why."""
        lines = [f"{name}: unreadable: {problem}" for name, problem in self.broken]
        lines += [
            f"{e.path.name}: not comparable: {reason}"
            for e, reason in zip(self.stale, self.stale_reasons, strict=True)
        ]
        return lines


def load_results(
    results_dir: Path,
    gold_hash: str,
    units: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    baselines: Path | None = None,
    corpus: str = DEFAULT_CORPUS,
) -> LoadedResults:
    """Read every ``*.json`` in ``results_dir``; sort out incomparable and broken ones.

    A result is ranked only when its scoring signature equals ``reference``
    (default: the current signature for ``gold_hash``) and it has per-unit
    counts for the current unit ids (``units``). Unreadable, invalid or
    hand-edited files, and two files for one system name, are broken.
    ``baselines``: a second folder (the built-in systems' committed results)
    whose systems are added unless ``results_dir`` has a file of that name.
    """
    if reference is None:
        reference = current_signature(gold_hash, corpus=corpus).to_dict()
    current: list[ResultEntry] = []
    stale: list[tuple[ResultEntry, str]] = []
    broken: list[tuple[str, str]] = []
    entries: list[ResultEntry] = []
    for path in sorted(results_dir.glob("*.json")):
        entry, problem = read_entry(path)
        if entry is None:
            broken.append((path.name, problem))
        else:
            entries.append(entry)
    if baselines is not None and baselines.resolve() != results_dir.resolve():
        own = {path.name for path in results_dir.glob("*.json")}
        for path in sorted(baselines.glob("*.json")):
            entry, _ = read_entry(path)
            if path.name not in own and entry is not None:
                entries.append(entry)
    by_name: dict[str, list[ResultEntry]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    for entry in entries:
        twins = [e.path.name for e in by_name[entry.name] if e is not entry]
        if twins:
            broken.append(
                (entry.path.name, f"system name {entry.name!r} is also in {', '.join(twins)}")
            )
            continue
        reason = entry.stale_reason(reference, units)
        if reason is None:
            current.append(entry)
        else:
            stale.append((entry, reason))
    key = lambda e: (e.name, e.path.name)  # noqa: E731
    stale.sort(key=lambda pair: key(pair[0]))
    return LoadedResults(
        tuple(sorted(current, key=key)),
        tuple(e for e, _ in stale),
        tuple(sorted(broken)),
        tuple(r for _, r in stale),
    )


def restrict(results: LoadedResults, exposures: Sequence[str]) -> LoadedResults:
    """Only the results whose declared exposure is one of ``exposures``."""
    keep = [i for i, e in enumerate(results.stale) if e.exposure in exposures]
    return LoadedResults(
        tuple(e for e in results.current if e.exposure in exposures),
        tuple(results.stale[i] for i in keep),
        results.broken,
        tuple(results.stale_reasons[i] for i in keep) if results.stale_reasons else (),
    )


DASH = "\u2013"


def _fmt(value: float | None) -> str:
    return DASH if value is None else f"{value:.3f}"


def _ci(interval: Interval | None, bold: bool = False) -> str:
    if interval is None:
        return DASH
    value = f"**{interval.value:.3f}**" if bold else f"{interval.value:.3f}"
    return f"{value} ({interval.low:.3f}{DASH}{interval.high:.3f})"


@dataclass(frozen=True)
class BoardRow:
    """One system in one table: its tier and intervals."""

    entry: ResultEntry
    tiered: Tiered
    intervals: Mapping[str, Interval]  # metric key -> interval


@dataclass(frozen=True)
class Board:
    """Everything the leaderboard shows that needs statistics, computed once."""

    layers: Mapping[str, tuple[BoardRow, ...]]
    overall: tuple[BoardRow, ...]
    settings: StatsSettings
    untuned_layers: Mapping[str, tuple[BoardRow, ...]]  # tiered among UNTUNED systems only
    untuned_overall: tuple[BoardRow, ...]


@memoized  # one layer's intervals of one system: kept by its inputs
def _intervals(
    counts: UnitCounts, layer: str, keys: Sequence[str], settings: StatsSettings
) -> dict[str, Interval]:
    """Intervals of several metrics of one layer from one matrix product."""
    matrix = counts.layers[layer]
    total = matrix.sum(axis=0)
    n = matrix.shape[0]
    sums = resample_weights(n, settings.bootstrap_trials, settings.seed) @ matrix if n else None
    tail = (1.0 - settings.confidence) / 2.0
    out: dict[str, Interval] = {}
    for key in keys:
        value = float(metric_values(layer, key, total))
        if sums is None:
            low = high = value
        else:
            low, high = (
                float(q) for q in np.quantile(metric_values(layer, key, sums), [tail, 1 - tail])
            )
        out[key] = Interval(value, low, high, settings.confidence, settings.bootstrap_trials)
    return out


def _tiered_rows(
    entries: Sequence[ResultEntry],
    counts: Mapping[str, UnitCounts],
    statistic: Statistic,
    settings: StatsSettings,
    intervals: Mapping[str, Mapping[str, Interval]],
) -> tuple[BoardRow, ...]:
    by_key = {e.path.name: e for e in entries}
    tiers = significance_tiers({k: counts[k] for k in by_key}, statistic, settings)
    return tuple(BoardRow(by_key[t.name], t, intervals[t.name]) for t in tiers)


def build_board(results: LoadedResults, settings: StatsSettings = DEFAULT_STATS) -> Board:
    """Intervals and tiers for every table (see module doc)."""
    counts = {e.path.name: e.unit_counts() for e in results.current}
    layers: dict[str, tuple[BoardRow, ...]] = {}
    untuned: dict[str, tuple[BoardRow, ...]] = {}
    for layer in LAYERS:
        attempted = [e for e in results.current if layer in e.data["layers"]]
        prefix = PRIMARY[layer].removesuffix("_f1")
        keys = (*F1_METRICS[layer], f"{prefix}_precision", f"{prefix}_recall")
        intervals = {
            e.path.name: _intervals(counts[e.path.name], layer, keys, settings) for e in attempted
        }
        statistic = layer_statistic(layer, PRIMARY[layer])
        layers[layer] = _tiered_rows(attempted, counts, statistic, settings, intervals)
        untuned[layer] = _tiered_rows(
            [e for e in attempted if e.exposure in UNTUNED], counts, statistic, settings, intervals
        )
    complete = [e for e in results.current if all(layer in e.data["layers"] for layer in LAYERS)]
    mean = mean_primary_statistic(LAYERS)
    overall_intervals: dict[str, dict[str, Interval]] = {}
    for e in complete:
        overall_intervals[e.path.name] = {
            "mean": confidence_interval(counts[e.path.name], mean, settings)
        }
    overall = _tiered_rows(complete, counts, mean, settings, overall_intervals)
    untuned_overall = _tiered_rows(
        [e for e in complete if e.exposure in UNTUNED], counts, mean, settings, overall_intervals
    )
    return Board(layers, overall, settings, untuned, untuned_overall)


def _layer_table(layer: str, rows: Sequence[BoardRow]) -> str:
    primary = PRIMARY[layer]
    prefix = primary.removesuffix("_f1")
    headers = [
        "Tier",
        "System",
        "Exposure",
        "Version",
        "P",
        "R",
        "F1 (95% CI)",
        *(f"{h} (95% CI)" if key in F1_METRICS[layer] else h for h, key in EXTRA_COLUMNS[layer]),
        "Cost / doc",
    ]
    table = []
    for row in rows:
        e = row.entry
        table.append(
            [
                str(row.tiered.tier),
                md_text(e.name),
                md_text(e.exposure),
                md_text(e.version, 40),
                _fmt(e.metric(layer, f"{prefix}_precision")),
                _fmt(e.metric(layer, f"{prefix}_recall")),
                _ci(row.intervals.get(primary), bold=True),
                *(
                    _ci(row.intervals.get(key))
                    if key in F1_METRICS[layer]
                    else _fmt(e.metric(layer, key))
                    for _, key in EXTRA_COLUMNS[layer]
                ),
                e.cost(),
            ]
        )
    if not table:
        return "_No system attempted this layer._"
    return tabulate(table, headers, tablefmt="github", disable_numparse=True)


def _overall_table(rows: Sequence[BoardRow]) -> str:
    if not rows:
        return "_No system attempted all four layers._"
    headers = [
        "Tier",
        "System",
        "Exposure",
        *(LAYER_TITLES[layer] for layer in LAYERS),
        "Mean (95% CI)",
        "Cost / doc",
    ]
    table = [
        [
            str(row.tiered.tier),
            md_text(row.entry.name),
            md_text(row.entry.exposure),
            *(_fmt(row.entry.metric(layer, PRIMARY[layer])) for layer in LAYERS),
            _ci(row.intervals["mean"], bold=True),
            row.entry.cost(),
        ]
        for row in rows
    ]
    return tabulate(table, headers, tablefmt="github", disable_numparse=True)


def _untuned_table(rows: Sequence[BoardRow], key: str) -> list[str]:
    """The second tiering: untuned systems only, tiered among themselves (``key``: the F1)."""
    lead = "Untuned systems only (exposure `none` or `configured`), tiered among themselves:"
    if not rows:
        return [lead, "", "_No untuned system here._", ""]
    table = [
        [
            str(row.tiered.tier),
            md_text(row.entry.name),
            md_text(row.entry.exposure),
            _ci(row.intervals.get(key), bold=True),
        ]
        for row in rows
    ]
    headers = ["Untuned tier", "System", "Exposure", "F1 (95% CI)"]
    return [lead, "", tabulate(table, headers, tablefmt="github", disable_numparse=True), ""]


def plot_points(rows: Sequence[BoardRow], layer: str) -> list[PRPoint]:
    prefix = PRIMARY[layer].removesuffix("_f1")
    points = []
    for row in rows:
        p = row.intervals[f"{prefix}_precision"]
        r = row.intervals[f"{prefix}_recall"]
        f = row.intervals[PRIMARY[layer]]
        points.append(
            PRPoint(
                row.entry.name,
                p.value,
                r.value,
                (p.low, p.high),
                (r.low, r.high),
                f.value,
                (f.low, f.high),
                row.tiered.tier,
            )
        )
    return points


def render_plots(board: Board) -> dict[str, str]:
    """Layer → SVG text of its precision-recall plot (every layer, even an empty one)."""
    s = board.settings
    note = (
        f"Bars: {s.confidence:.0%} bootstrap intervals over paragraphs "
        f"({s.bootstrap_trials:,} resamples, seed {s.seed}); "
        f"colour: significance tier (alpha {s.alpha:g})."
    )
    return {
        layer: pr_plot_svg(
            f"{LAYER_TITLES[layer]}: {PRIMARY_TITLES[layer]}",
            plot_points(board.layers[layer], layer),
            note,
        )
        for layer in LAYERS
    }


def _stats_paragraph(settings: StatsSettings) -> str:
    return (
        f"Each F1 is followed by its {settings.confidence:.0%} bootstrap confidence interval "
        f"(percentile method, {settings.bootstrap_trials:,} resamples of the articles' "
        "paragraphs). "
        "Systems are grouped into significance tiers rather than ranked: a tier holds its best "
        "system and every system whose primary F1 is not significantly different from it "
        f"(paired approximate randomization test over paragraphs, {settings.permutation_trials:,} "
        f"trials, p ≥ {settings.alpha:g}); the next tier starts from the best system left. "
        "Within a tier, systems are listed by F1. See `benchmark/stats.py`."
    )


def _exposure_paragraph() -> str:
    return (
        "The Exposure column is what each system declares it saw of the five test articles "
        "([docs/systems.md](docs/systems.md#test-exposure)): `none`, off the shelf with a "
        "mapping only; `configured`, "
        "only choices such as a label map or a threshold made after reading them; "
        "`leave-one-out`, learns from the gold of the other articles; `developed`, rules or "
        "prompts written against them; `undeclared`, the system says nothing, which is never "
        "read as clean. Under every table, the untuned systems (`none` and `configured`) are "
        "tiered again among themselves."
    )


#: Key of the commentary before the first layer heading of ``results/NOTES.md``.
PREAMBLE = "preamble"
#: ``results/NOTES.md`` is read only if it is a regular file of at most this many bytes.
NOTES_LIMIT = 1024 * 1024


def without_mentions(text: str, names: Iterable[str]) -> str:
    """``text`` without the paragraphs that name any of ``names`` (a filtered view of
    the leaderboard keeps no commentary about the systems it leaves out)."""
    names = sorted(names)
    if not names:
        return text
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    kept = [p for p in re.split(r"\n\s*\n", text) if not pattern.search(p)]
    return "\n\n".join(kept).strip()


def read_notes(path: Path) -> dict[str, str]:
    """Layer → commentary paragraph(s) from ``results/NOTES.md`` (may be absent).

    Text between the file's title and its first ``## layer`` heading is
    returned under :data:`PREAMBLE` and shown before the tables.
    """
    if not path.exists():
        return {}
    try:
        text = read_regular(path, NOTES_LIMIT).decode("utf-8")
    except InputError as exc:
        raise InputError(str(path), exc.message) from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 ({exc.reason})") from None
    notes: dict[str, list[str]] = {PREAMBLE: []}
    current = PREAMBLE
    for line in text.splitlines():
        heading = re.fullmatch(r"##\s+(\w+)\s*", line)
        if heading:
            current = heading.group(1)
            notes[current] = []
        elif not line.startswith("# "):
            notes[current].append(line)
    return {k: "\n".join(v).strip() for k, v in notes.items() if "\n".join(v).strip()}


def render(
    results: LoadedResults,
    signature_line: str,
    notes: Mapping[str, str],
    plots: Mapping[str, str] | None = None,
    settings: StatsSettings = DEFAULT_STATS,
    board: Board | None = None,
    only: Sequence[str] | None = None,
) -> str:
    """The whole ``LEADERBOARD.md`` as a string.

    ``plots`` maps layers to the relative paths of their plot images, embedded
    under each table; ``board`` reuses statistics already computed; ``only``
    names the exposures ``results`` was restricted to (:func:`restrict`), said
    under the title.
    """
    board = board or build_board(results, settings)
    out: list[str] = [
        "# troopbench leaderboard",
        "",
        "<!-- Generated by `troopbench leaderboard` from results/*.json. Do not edit by hand. -->",
        "",
        f"Signature: `{signature_line}`",
        "",
        *(
            [f"Restricted to systems of exposure {', '.join(f'`{x}`' for x in only)}.", ""]
            if only
            else []
        ),
        "All scores are micro-averaged over the five documents of the test set. "
        "Every gold document counts, including those a system skipped. "
        "A layer a system does not attempt is shown as not attempted, never as zero.",
        "",
        _stats_paragraph(board.settings),
        "",
        _exposure_paragraph(),
        "",
        *([notes[PREAMBLE], ""] if PREAMBLE in notes else []),
        "## Overall",
        "",
        "Mean of the four primary F1 scores, for systems that attempted every layer; "
        "tiers by the same test on the mean.",
        "",
        _overall_table(board.overall),
        "",
        *(_untuned_table(board.untuned_overall, "mean") if board.overall else []),
    ]
    for layer in LAYERS:
        out += [
            f"## {LAYER_TITLES[layer]}",
            "",
            f"Tiers by {PRIMARY_TITLES[layer]}; P and R belong to that metric.",
            "",
            _layer_table(layer, board.layers[layer]),
            "",
            *(
                _untuned_table(board.untuned_layers[layer], PRIMARY[layer])
                if board.layers[layer]
                else []
            ),
        ]
        if plots and layer in plots and board.layers[layer]:
            out += [
                f"![{LAYER_TITLES[layer]}: precision and recall per system, with 95% intervals]"
                f"({plots[layer]})",
                "",
            ]
        if layer in notes:
            out += [notes[layer], ""]

    if results.current:
        out += ["## What each system saw", ""]
        out += [
            f"- {md_text(e.name)} ({md_text(e.exposure)}): "
            f"{md_text(e.exposure_note, 300) if e.exposure_note else 'declares nothing'}"
            for e in results.current
        ]
        out += [""]

    def missing(e: ResultEntry) -> str:
        return ", ".join(
            LAYER_TITLES[layer].lower() for layer in LAYERS if layer not in e.data["layers"]
        )

    not_attempted = [
        f"- {md_text(e.name)}: {missing(e)}"
        for e in results.current
        if any(layer not in e.data["layers"] for layer in LAYERS)
    ]
    if not_attempted:
        out += ["## Not attempted", "", *not_attempted, ""]
    errors = [(e, len(e.data["errors"])) for e in results.current if e.data["errors"]]
    if errors:
        out += ["## Run errors", ""]
        out += [
            f"- {md_text(e.name)}: {n} recorded error(s), see `{md_text(e.path.name)}`"
            for e, n in errors
        ]
        out += [""]
    inconsistent = [
        e
        for e in results.current
        if any(not d.get("per_unit", {}).get("consistent", True) for d in e.data["layers"].values())
    ]
    if inconsistent:
        out += [
            "## Notes on intervals",
            "",
            "For these systems a predicted span crosses a line break, so the per-paragraph counts "
            "the intervals are computed from differ slightly from the document totals "
            "(see `benchmark/scoring.py`):",
            "",
            *(f"- {md_text(e.name)}" for e in inconsistent),
            "",
        ]
    if results.stale:
        out += [
            "## Not comparable",
            "",
            "Scored with another scoring signature (the fields that differ are named), or "
            "without the per-paragraph counts intervals and tiers need; not ranked. "
            "Re-run these systems.",
            "",
        ]
        reasons = results.stale_reasons or tuple(f"gold {e.gold_hash[:12]}" for e in results.stale)
        out += [
            f"- {md_text(e.name)} ({md_text(r, 120)})"
            for e, r in zip(results.stale, reasons, strict=True)
        ]
        out += [""]
    if results.broken:
        out += ["## Unreadable results files", ""]
        out += [f"- {md_text(name)}: {md_text(problem, 200)}" for name, problem in results.broken]
        out += [""]
    return "\n".join(out).rstrip("\n") + "\n"


def build(
    results: LoadedResults,
    signature_line: str,
    notes: Mapping[str, str],
    plot_links: Mapping[str, str] | None = None,
    settings: StatsSettings = DEFAULT_STATS,
    only: Sequence[str] | None = None,
) -> tuple[str, dict[str, str]]:
    """``LEADERBOARD.md`` and the SVG plots (layer → text), from one computation.

    ``only``: keep the results of these exposures alone (:func:`restrict`).
    """
    if only:
        everyone = {e.name for e in (*results.current, *results.stale)}
        results = restrict(results, only)
        shown = {e.name for e in (*results.current, *results.stale)}
        notes = {k: without_mentions(v, everyone - shown) for k, v in notes.items()}
        notes = {k: v for k, v in notes.items() if v}
    board = build_board(results, settings)
    text = render(results, signature_line, notes, plot_links, settings, board, only)
    return text, render_plots(board)


def check(path: Path, expected: str) -> tuple[bool, str]:
    """Whether ``path`` holds exactly ``expected``, and a unified diff if not."""
    try:  # a regular file of sane size; anything else is as stale as a missing one
        actual = read_regular(path, 4 * len(expected.encode("utf-8")) + 1024).decode("utf-8")
    except (OSError, InputError, UnicodeDecodeError):
        actual = ""
    if actual == expected:
        return True, ""
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path.name} (committed)",
        tofile=f"{path.name} (from results)",
    )
    return False, "".join(diff)
