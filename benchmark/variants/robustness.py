"""The leaderboard's Robustness section: scores on the original articles against their variants.

Per system and layer (systems with current results on both suites):

* **Original**: the primary F1 on the five articles (as in the layer tables);
* **Variants**: the primary F1 pooled over every variant document, with its
  95% bootstrap interval, computed by the existing statistics
  (:mod:`benchmark.stats`) resampling the variants' paragraphs; **tiers** come
  from the same paired approximate randomization test, on the variants;
* **Mean ± SD over seeds**, **min–max**: for each seed, the primary F1 over
  that seed's variants (every document and transformation); the mean, the
  sample standard deviation (n - 1) and the range of those per-seed scores, as
  GSM-Symbolic reports them;
* **Δ**: mean over seeds minus original;
* one column per transformation: the mean over seeds of that
  transformation's per-seed F1, ± its sample standard deviation.

Zero division: an F1 with nothing predicted and nothing to find is 0.0 (the
scorer's policy); a standard deviation of fewer than two seeds is 0.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tabulate import tabulate

from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.leaderboard import LAYER_TITLES, LoadedResults, ResultEntry, md_text
from benchmark.scoring import PRIMARY
from benchmark.signature import StatsSettings
from benchmark.stats import (
    Interval,
    confidence_interval,
    layer_statistic,
    metric_values,
    significance_tiers,
)
from benchmark.variants.ids import parse_variant_id
from benchmark.variants.names import INSTALL, faker_version
from benchmark.variants.suite import TRANSFORMATIONS

DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class Spread:
    """Per-seed scores summarised: mean, sample SD, min, max."""

    mean: float
    sd: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        arr = np.asarray(values, dtype=np.float64)
        sd = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        return cls(float(arr.mean()), sd, float(arr.min()), float(arr.max()))


@dataclass(frozen=True, slots=True)
class RobustnessRow:
    """One system on one layer: originals against variants."""

    system: str
    tier: int
    original: float
    pooled: Interval
    seeds: Spread
    per_transformation: Mapping[str, Spread]

    @property
    def delta(self) -> float:
        return self.seeds.mean - self.original


def _groups(units: Sequence[str]) -> dict[tuple[str, int], np.ndarray]:
    """(transformation, seed) → indices of that group's units."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, unit in enumerate(units):
        parsed = parse_variant_id(unit.rsplit(":", 1)[0])
        if parsed is None:
            raise ValueError(f"unit {unit!r} is not a variant's")
        groups.setdefault((parsed[1], parsed[2]), []).append(i)
    return {k: np.asarray(v) for k, v in groups.items()}


def layer_rows(
    layer: str,
    originals: Mapping[str, ResultEntry],
    contrast: Mapping[str, ResultEntry],
    settings: StatsSettings,
) -> list[RobustnessRow]:
    """Rows of one layer, by tier then by pooled variant F1 (see module doc)."""
    key = PRIMARY[layer]
    names = sorted(
        n
        for n in originals
        if n in contrast
        and layer in originals[n].data["layers"]
        and layer in contrast[n].data["layers"]
    )
    if not names:
        return []
    counts = {n: contrast[n].unit_counts() for n in names}
    statistic = layer_statistic(layer, key)
    tiers = significance_tiers(counts, statistic, settings)
    rows = []
    for t in tiers:
        c = counts[t.name]
        matrix = c.layers[layer]
        groups = _groups(c.units)
        seeds = sorted({s for _, s in groups})
        per_seed = []
        for seed in seeds:
            idx = np.concatenate([ix for (_, s), ix in groups.items() if s == seed])
            per_seed.append(float(metric_values(layer, key, matrix[idx].sum(axis=0))))
        per_t: dict[str, Spread] = {}
        for name in TRANSFORMATIONS:
            values = [
                float(metric_values(layer, key, matrix[groups[(name, s)]].sum(axis=0)))
                for s in seeds
                if (name, s) in groups
            ]
            if values:
                per_t[name] = Spread.of(values)
        original = originals[t.name].metric(layer, key)
        rows.append(
            RobustnessRow(
                t.name,
                t.tier,
                0.0 if original is None else original,
                confidence_interval(c, statistic, settings),
                Spread.of(per_seed),
                per_t,
            )
        )
    return rows


def _table(rows: Sequence[RobustnessRow]) -> str:
    headers = [
        "Tier",
        "System",
        "Original",
        "Variants (95% CI)",
        "Mean ± SD over seeds",
        "Min–max",
        "Δ",
        *TRANSFORMATIONS,
    ]
    body = [
        [
            r.tier,
            md_text(r.system),
            f"{r.original:.3f}",
            f"{r.pooled.value:.3f} ({r.pooled.low:.3f}{DASH}{r.pooled.high:.3f})",
            f"{r.seeds.mean:.3f} ± {r.seeds.sd:.3f}",
            f"{r.seeds.low:.3f}{DASH}{r.seeds.high:.3f}",
            f"{round(r.delta, 3) + 0.0:+.3f}",
            *(
                f"{r.per_transformation[t].mean:.3f} ± {r.per_transformation[t].sd:.3f}"
                if t in r.per_transformation
                else DASH
                for t in TRANSFORMATIONS
            ),
        ]
        for r in rows
    ]
    return tabulate(body, headers, tablefmt="github", disable_numparse=True)


def render_section(
    originals: LoadedResults,
    contrast: LoadedResults,
    suite_line: str,
    settings: StatsSettings,
    note: str | None = None,
) -> str:
    """The Robustness section of LEADERBOARD.md (Markdown, ending with a newline); ``note``
    is the commentary under ``## robustness`` in ``results/NOTES.md``."""
    by_name_o = {e.name: e for e in originals.current}
    by_name_c = {e.name: e for e in contrast.current}
    out = [
        "## Robustness",
        "",
        "Scores on the contrast suite: variants of the five articles generated by code "
        "(`troopbench variants`), with names, dates or troop counts changed and the gold "
        "carried through exactly. A system that reads the text scores about the same on "
        "both; a system that remembers the articles drops. Original: primary F1 on the "
        "articles. Variants: primary F1 pooled over all variant documents, with a 95% "
        "bootstrap interval over their paragraphs; tiers by the paired test on the variants. "
        "Mean ± SD, min–max: over seeds, each seed scored on its variants of every "
        "document and transformation. Δ: mean over seeds minus original. Per "
        "transformation: mean ± SD over seeds.",
        "",
        suite_line,
        "",
    ]
    any_rows = False
    for layer in LAYERS:
        rows = layer_rows(layer, by_name_o, by_name_c, settings)
        if not rows:
            continue
        any_rows = True
        out += [f"### {LAYER_TITLES[layer]}", "", _table(rows), ""]
    if not any_rows:
        out += ["No system has current results on both suites: run `troopbench run --all`.", ""]
    elif note:
        out += [note, ""]
    missing = sorted(set(by_name_o) - set(by_name_c))
    if missing:
        out += [
            "Not run on the contrast suite: " + ", ".join(md_text(n) for n in missing) + ".",
            "",
        ]
    if contrast.stale:
        out += [
            "Stale contrast results (another suite): "
            + ", ".join(md_text(e.name) for e in contrast.stale)
            + ".",
            "",
        ]
    if contrast.broken:
        out += [
            "Unreadable contrast results: "
            + ", ".join(md_text(f"{n}: {p}", 200) for n, p in contrast.broken)
            + ".",
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


#: Sections the Robustness section goes before (the first found), else at the end.
_AFTER_LAYERS = (
    "## Not attempted",
    "## Run errors",
    "## Notes on intervals",
    "## Stale results",
    "## Unreadable results files",
)


def insert_section(board: str, section: str) -> str:
    """``board`` with ``section`` after the layer tables."""
    lines = board.split("\n")
    for i, line in enumerate(lines):
        if line in _AFTER_LAYERS:
            return "\n".join([*lines[:i], *section.rstrip("\n").split("\n"), "", *lines[i:]])
    return board.rstrip("\n") + "\n\n" + section


@dataclass(frozen=True, slots=True)
class RecordedSuite:
    """What the contrast results say about the suite they were scored on: enough to
    render the Robustness section without generating a variant (nor needing faker)."""

    sha256: str
    seeds: int
    documents: int
    faker: str
    units: tuple[str, ...]


def recorded_suite(folder: Path, gold_hash: str) -> RecordedSuite | None:
    """The suite of the contrast results in ``folder`` scored against ``gold_hash``:
    its hash, seeds, size and faker version from their ``suite`` blocks, and the
    variants' unit ids from their per-unit counts. When files disagree, the suite of
    most files wins (ties: the alphabetically first hash); the others show as stale.
    None when no readable file is for this gold."""
    from benchmark.leaderboard import read_entry

    found: dict[str, list[RecordedSuite]] = {}
    for path in sorted(folder.glob("*.json")):
        entry, _ = read_entry(path)
        block = entry.data.get("suite") if entry is not None else None
        if entry is None or not isinstance(block, Mapping):
            continue
        if block.get("gold_hash") != gold_hash or not isinstance(block.get("hash"), str):
            continue
        try:
            units = entry.unit_counts().units
            recorded = RecordedSuite(
                str(block["hash"]),
                int(block["seeds"]),
                int(block["documents"]),
                str(block["faker"]),
                tuple(units),
            )
        except (ValueError, KeyError, TypeError):
            continue
        found.setdefault(recorded.sha256, []).append(recorded)
    if not found:
        return None
    best = min(found, key=lambda h: (-len(found[h]), h))
    return found[best][0]


def robustness_for(
    board: str,
    results_dir: Path,
    gold: Gold,
    settings: StatsSettings,
    only: Sequence[str] | None = None,
) -> str:
    """``board`` (LEADERBOARD.md text) with its Robustness section, from ``results_dir`` and
    ``results_dir/contrast``; ``only``: the systems of these exposures alone, as the
    board above it (:func:`benchmark.leaderboard.restrict`).

    The suite's hash, seeds and faker version and the variants' units come from the
    contrast results themselves (:func:`recorded_suite`), so rendering needs neither
    faker nor the 200 variants; only when there are no contrast results is the suite
    generated, to say which systems were not run on it. Whether committed contrast
    results are those of the current suite is checked by the tests
    (``tests/test_robustness_rendering.py``) and ``troopbench variants --suite --check``.
    """
    from benchmark.leaderboard import load_results, read_notes, restrict, without_mentions
    from benchmark.units import corpus_units
    from benchmark.variants.results import contrast_dir

    recorded = recorded_suite(contrast_dir(results_dir), gold.sha256)
    if recorded is None:
        from benchmark.variants.cli import load_suite

        suite = load_suite(gold)
        if suite is None:
            section = (
                "## Robustness\n\nNo contrast results here, and the contrast suite cannot be "
                f"built without faker; install it with: {INSTALL}, then run a system with "
                "`--suite contrast` and `troopbench leaderboard`.\n"
            )
            return insert_section(board, section)
        variant_units = corpus_units([(v.doc_id, v.gold.document.text) for v in suite])
        recorded = RecordedSuite(
            suite.sha256, suite.seeds, len(suite.variants), faker_version(), tuple(variant_units)
        )
    units = corpus_units([(d, g.document.text) for d, g in gold.documents.items()])
    originals = load_results(results_dir, gold.sha256, units)
    contrast = load_results(contrast_dir(results_dir), recorded.sha256, recorded.units)
    everyone = {e.name for e in (*originals.current, *originals.stale)}
    if only:
        originals, contrast = restrict(originals, only), restrict(contrast, only)
    shown = {e.name for e in (*originals.current, *originals.stale)}
    line = (
        f"Suite: {recorded.documents} variants ({', '.join(TRANSFORMATIONS)} x "
        f"{recorded.seeds} seeds x {len(gold.documents)} articles), suite hash "
        f"`{recorded.sha256[:12]}`, faker {recorded.faker}."
    )
    note = read_notes(results_dir / "NOTES.md").get("robustness")
    if note and only:  # no commentary about the systems the filtered view leaves out
        note = without_mentions(note, everyone - shown) or None
    return insert_section(board, render_section(originals, contrast, line, settings, note))
