"""The leaderboard's Robustness section: scores on the original articles against their variants.

Per system and layer (systems with current results on both suites):

* **Original**: the primary F1 on the five articles (as in the layer tables);
* **Variants**: the primary F1 pooled over every variant document, with its
  95% *cluster* bootstrap interval: the resampling unit is an original
  paragraph together with that paragraph in all its variants
  (``unit:origin-paragraph1``, :mod:`benchmark.stats`), since the variants of
  a paragraph are near-copies whose errors come back together; **tiers**
  come from the paired approximate randomization test on the variants,
  swapping those clusters;
* **Δ**: pooled variant F1 minus original F1, with a 95% paired cluster
  bootstrap interval (each resample draws the same origin paragraphs for the
  originals and the variants); an interval that excludes 0 is a drop (or
  gain) that this data can tell from chance;
* **Mean ± SD over seeds**, **min–max**: for each seed, the primary F1 over
  that seed's variants (every document and transformation); the mean, the
  sample standard deviation (n - 1) and the range of those per-seed scores, as
  GSM-Symbolic reports them;
* one column per transformation: the mean over seeds of that
  transformation's per-seed F1, ± its sample standard deviation.

Zero division: an F1 with nothing predicted and nothing to find is 0.0 (the
scorer's policy); a standard deviation of fewer than two seeds is 0.0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from tabulate import tabulate

from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.leaderboard import (
    LAYER_TITLES,
    RESULTS_CHECKS,
    LoadedResults,
    ResultEntry,
    md_text,
)
from benchmark.scoring import PRIMARY
from benchmark.signature import StatsSettings
from benchmark.stats import (
    Interval,
    Statistic,
    UnitCounts,
    confidence_interval,
    difference_interval,
    layer_statistic,
    metric_values,
    significance_tiers,
)
from benchmark.units import ORIGIN_UNIT_SCHEME
from benchmark.variants.ids import parse_variant_id
from benchmark.variants.names import INSTALL, faker_version, gender_guesser_version
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
    delta: Interval | None  # None: the originals' paragraphs are not the variants' origins
    seeds: Spread
    per_transformation: Mapping[str, Spread]


def _groups(units: Sequence[str]) -> dict[tuple[str, int], np.ndarray]:
    """(transformation, seed) → indices of that group's units."""
    return dict(_groups_of(tuple(units)))


@lru_cache(maxsize=8)  # every system and layer of a suite has the same units
def _groups_of(units: tuple[str, ...]) -> tuple[tuple[tuple[str, int], np.ndarray], ...]:
    groups: dict[tuple[str, int], list[int]] = {}
    for i, unit in enumerate(units):
        parsed = parse_variant_id(unit.rsplit(":", 1)[0])
        if parsed is None:
            raise ValueError(f"unit {unit!r} is not a variant's")
        groups.setdefault((parsed[1], parsed[2]), []).append(i)
    out = []
    for key, indices in groups.items():
        array = np.asarray(indices)
        array.setflags(write=False)  # shared between calls: read only
        out.append((key, array))
    return tuple(out)


def layer_rows(
    layer: str,
    originals: Mapping[str, ResultEntry],
    contrast: Mapping[str, ResultEntry],
    settings: StatsSettings,
) -> list[RobustnessRow]:
    """Rows of one layer, by tier then by pooled variant F1 (see module doc); ``settings``
    are the contrast suite's (:func:`benchmark.variants.results.contrast_settings`)."""
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
                _delta(c, originals[t.name].unit_counts(), statistic, settings),
                Spread.of(per_seed),
                per_t,
            )
        )
    return rows


def _delta(
    variants: UnitCounts, originals: UnitCounts, statistic: Statistic, settings: StatsSettings
) -> Interval | None:
    try:
        return difference_interval(variants, originals, statistic, settings)
    except (ValueError, KeyError):  # originals scored on other units: no paired interval
        return None


def _plus(value: float) -> str:
    """Signed, 3 decimals; a value that only rounds to 0 keeps its sign ("-0.000": an
    interval ending there excludes 0)."""
    return f"{value + 0.0:+.3f}"


def _signed(delta: Interval | None) -> str:
    if delta is None:
        return DASH
    return f"{_plus(delta.value)} ({_plus(delta.low)} to {_plus(delta.high)})"


def _table(rows: Sequence[RobustnessRow]) -> str:
    headers = [
        "Tier",
        "System",
        "Original",
        "Variants (95% CI)",
        "Δ (95% CI)",
        "Mean ± SD over seeds",
        "Min–max",
        *TRANSFORMATIONS,
    ]
    body = [
        [
            r.tier,
            md_text(r.system),
            f"{r.original:.3f}",
            f"{r.pooled.value:.3f} ({r.pooled.low:.3f}{DASH}{r.pooled.high:.3f})",
            _signed(r.delta),
            f"{r.seeds.mean:.3f} ± {r.seeds.sd:.3f}",
            f"{r.seeds.low:.3f}{DASH}{r.seeds.high:.3f}",
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
        "cluster bootstrap interval: the unit resampled is an original paragraph together "
        "with that paragraph in all its variants (`unit:origin-paragraph1`), because the "
        "variants of a paragraph are near-copies whose errors come back together; tiers by "
        "the paired test on the variants, swapping those clusters. Δ: pooled variants minus "
        "original, with a 95% paired cluster bootstrap interval (an interval that excludes "
        "0 is a change this data can tell from chance). Mean ± SD, min–max: over seeds, each "
        "seed scored on its variants of every document and transformation. Per "
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
class SuiteFacts:
    """What the Robustness section needs of the default contrast suite."""

    sha256: str
    variants: int
    seeds: int
    units: tuple[str, ...]  # the variants' unit ids
    faker: str  # faker's version
    articles: int = 0
    distinct: int = 0  # variants that differ in text or dct from every other
    shortfalls: tuple[str, ...] = ()  # Shortfall.line() of each
    gender_guesser: str = ""  # gender-guesser's version


#: The code a suite is built by (its facts are kept by the sources of these modules; a
#: package stands for every file in its folder, so every transformation is in).
_SUITE_CODE = (
    "benchmark.variants",
    "benchmark.gold",
    "benchmark.units",
    "benchmark.corpus",
)


def suite_facts(gold: Gold) -> SuiteFacts | None:
    """The default suite's facts, or None (said on stderr) when faker is missing.

    Building the suite takes seconds; its facts are determined by the gold, the
    number of seeds, the code that builds it and faker's version, so they are
    kept in the cache folder under those while caching is on
    (:func:`benchmark.statcache.remember`).
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    from benchmark.statcache import remember
    from benchmark.units import corpus_units
    from benchmark.variants.cli import load_suite
    from benchmark.variants.suite import DEFAULT_SEEDS

    try:
        faker = package_version("faker")
        guesser = package_version("gender-guesser")
    except PackageNotFoundError:
        faker = guesser = ""

    def build() -> SuiteFacts | None:
        suite = load_suite(gold)
        if suite is None:
            return None
        units = corpus_units([(v.doc_id, v.gold.document.text) for v in suite])
        return SuiteFacts(
            suite.sha256,
            len(suite.variants),
            suite.seeds,
            tuple(units),
            faker_version(),
            len(suite.gold.documents),
            len({(v.gold.document.text, v.gold.document.dct) for v in suite}),
            tuple(s.line() for s in suite.shortfalls),
            gender_guesser_version(),
        )

    if not faker:
        return build()  # says what is missing; nothing kept
    key = (gold.sha256, DEFAULT_SEEDS, faker, guesser)
    return remember("suite-facts", key, _SUITE_CODE, build)


#: The code :func:`_file_suite_facts` runs: reading and checking a results file, and
#: the facts' own type.
_FILE_FACTS_CODE = ("benchmark.variants.robustness", *RESULTS_CHECKS)


def _file_suite_facts(path: Path, gold: Gold) -> SuiteFacts | None:
    """The suite facts of one contrast results file for ``gold``, None when it is not
    a readable file for that gold. Kept in the stats cache, keyed by the SHA-256 of the
    file's bytes, the gold and the code that reads them: an unchanged file is neither
    parsed nor checked again (``leaderboard.load_results`` reads the same files)."""
    from benchmark.inputs import InputError, read_regular
    from benchmark.leaderboard import BOUNDS, read_entry
    from benchmark.statcache import remember

    try:
        raw = read_regular(path, BOUNDS.max_file_bytes)
    except (InputError, OSError):
        return None
    digest = hashlib.sha256(raw).hexdigest()

    def compute() -> SuiteFacts | None:
        entry, _ = read_entry(path)
        block = entry.data.get("suite") if entry is not None else None
        if entry is None or not isinstance(block, Mapping):
            return None
        if block.get("gold_hash") != gold.sha256 or not isinstance(block.get("hash"), str):
            return None
        try:
            return SuiteFacts(
                str(block["hash"]),
                int(block["documents"]),
                int(block["seeds"]),
                tuple(entry.unit_counts().units),
                str(block["faker"]),
                len(gold.documents),
                int(block["distinct"]),
                tuple(str(line) for line in block["shortfalls"]),
                str(block["gender_guesser"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    parts = (digest, gold.sha256, len(gold.documents))
    return remember("suite-file-facts", parts, _FILE_FACTS_CODE, compute)


def recorded_suite(folder: Path, gold: Gold) -> SuiteFacts | None:
    """The facts of the suite the contrast results in ``folder`` were scored on (for
    ``gold``): hash, seeds, size, distinct variants, shortfalls and the faker and
    gender-guesser versions from their ``suite`` blocks, the variants' unit ids from
    their per-unit counts. Rendering from these needs neither faker nor a variant.
    When files disagree, the suite of most files wins (ties: the alphabetically first
    hash); the others show as stale. None when no readable file is for this gold."""
    found: dict[str, list[SuiteFacts]] = {}
    for path in sorted(folder.glob("*.json")):
        facts = _file_suite_facts(path, gold)
        if facts is not None:
            found.setdefault(facts.sha256, []).append(facts)
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

    The suite's facts come from the contrast results themselves
    (:func:`recorded_suite`), so rendering needs neither faker nor the variants;
    only without contrast results is the suite built (:func:`suite_facts`). That the
    committed contrast results are of the current suite is checked by
    ``tests/test_robustness_rendering.py``.
    """
    from benchmark.leaderboard import load_results, read_notes, restrict, without_mentions
    from benchmark.signature import current_signature
    from benchmark.units import corpus_units
    from benchmark.variants.results import contrast_dir, contrast_settings

    suite = recorded_suite(contrast_dir(results_dir), gold) or suite_facts(gold)
    if suite is None:  # no contrast results, and no faker to build the suite
        section = (
            "## Robustness\n\nNo contrast results here, and the contrast suite cannot be "
            f"built without faker and gender-guesser; install them with: {INSTALL}, then run "
            "a system with `--suite contrast` and `troopbench leaderboard`.\n"
        )
        return insert_section(board, section)
    units = corpus_units([(d, g.document.text) for d, g in gold.documents.items()])
    contrast_stats = contrast_settings(settings)
    originals = load_results(results_dir, gold.sha256, units)
    contrast = load_results(
        contrast_dir(results_dir),
        suite.sha256,
        suite.units,
        reference=current_signature(suite.sha256, contrast_stats).to_dict(),
    )
    everyone = {e.name for e in (*originals.current, *originals.stale)}
    if only:
        originals, contrast = restrict(originals, only), restrict(contrast, only)
    shown = {e.name for e in (*originals.current, *originals.stale)}
    note = read_notes(results_dir / "NOTES.md").get("robustness")
    if note and only:  # no commentary about the systems the filtered view leaves out
        note = without_mentions(note, everyone - shown) or None
    section = render_section(
        originals, contrast, suite_line(suite, len(units)), contrast_stats, note
    )
    return insert_section(board, section)


def suite_line(suite: SuiteFacts, clusters: int) -> str:
    """What the suite is: its distinct variants (and shortfalls), the cluster unit, its hash."""
    line = (
        f"Suite: {suite.variants} variants ({', '.join(TRANSFORMATIONS)} x {suite.seeds} "
        f"seeds x {suite.articles} articles), {suite.distinct} of them distinct"
    )
    if suite.shortfalls:
        line += " (" + "; ".join(suite.shortfalls) + ")"
    return line + (
        f"; resampled in {clusters} clusters, one per paragraph of the articles "
        f"(`unit:{ORIGIN_UNIT_SCHEME}`); suite hash `{suite.sha256[:12]}`, faker "
        f"{suite.faker}, gender-guesser {suite.gender_guesser}."
    )
