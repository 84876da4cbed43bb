"""The Transfer section of LEADERBOARD.md: each system's score on the articles against its score on
news it was never developed on (the other bundled corpora).

For every other corpus and every layer it annotates, one table lists every system that attempts
the layer (with current results on the articles, on that corpus, or both): its primary F1 on the
articles, its primary F1 on the corpus with a 95% bootstrap interval, the difference (corpus minus
articles), its significance tier among the systems run on the corpus, and its exposure to each
corpus. For timexes, TempEval-3's own columns follow (relaxed, strict, value and type F1), and
the figures the corpus's manifest lists as published are added as reference lines marked
"published, not run here". A system with results on one corpus only is listed with "not run" on
the other; results of different corpora are never ranked together (each corpus has its own
results folder, signature and tiers).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tabulate import tabulate

from benchmark.corpus import CorpusInfo
from benchmark.gold import Gold
from benchmark.leaderboard import (
    LAYER_TITLES,
    PRIMARY_TITLES,
    LoadedResults,
    ResultEntry,
    build_board,
    load_results,
    md_text,
    restrict,
)
from benchmark.scoring import PRIMARY
from benchmark.signature import StatsSettings, current_signature
from benchmark.units import corpus_units

DASH = "\u2013"
NOT_RUN = "not run"
#: TempEval-3's own columns (metric key, header), shown for timexes.
TE3_COLUMNS: tuple[tuple[str, str], ...] = (
    ("relaxed_f1", "relaxed F1"),
    ("strict_f1", "strict F1"),
    ("value_f1", "value F1"),
    ("type_f1", "type F1"),
)
SENTENCE = (
    "Transfer Δ (the Transfer section below) is the honest measure of how much a score owes "
    "to these five test articles: it is each system's F1 on news it was never developed on, "
    "minus its F1 here."
)


def _results(results_dir: Path, gold: Gold) -> LoadedResults:
    units = corpus_units([(d, g.document.text) for d, g in gold.documents.items()])
    return load_results(results_dir, gold.sha256, units, corpus=gold.corpus.name)


def _f(value: float | None) -> str:
    return DASH if value is None else f"{value:.3f}"


def _exposure(entry: ResultEntry | None) -> str:
    return entry.exposure if entry is not None else NOT_RUN


def _not_run(entry: ResultEntry | None, corpus: CorpusInfo) -> str:
    """Why a system with results on the articles has none on ``corpus``."""
    layers = entry.data["system"].get("layers", []) if entry is not None else []
    pending = [x for x in corpus.pending if x in layers]
    if pending:
        return f"not run: waits for the {', '.join(pending)} gold"
    return NOT_RUN


def _layer_table(
    layer: str,
    corpus: CorpusInfo,
    home: LoadedResults,
    away: LoadedResults,
    settings: StatsSettings,
) -> list[str]:
    key = PRIMARY[layer]
    home_by = {e.name: e for e in home.current if layer in e.data["layers"]}
    away_by = {e.name: e for e in away.current if layer in e.data["layers"]}
    board = build_board(away, settings)
    rows_by = {row.entry.name: row for row in board.layers[layer]}
    names = sorted(set(home_by) | set(away_by))
    te3 = layer == "timexes"
    headers = [
        "System",
        "Exposure (articles / corpus)",
        "Articles F1",
        f"{corpus.name} F1 (95% CI)",
        "Δ",
        "Tier",
    ]
    if te3:
        headers += [h for _, h in TE3_COLUMNS]
    rows = []
    order = sorted(
        names,
        key=lambda n: (
            rows_by[n].tiered.tier if n in rows_by else 10**6,
            -(rows_by[n].tiered.value if n in rows_by else -1.0),
            n,
        ),
    )
    for name in order:
        here, there = home_by.get(name), away_by.get(name)
        home_f1 = here.metric(layer, key) if here is not None else None
        row = rows_by.get(name)
        if row is not None and there is not None:
            away_cell = row.intervals[key].fmt()
            away_f1: float | None = row.intervals[key].value
            tier = str(row.tiered.tier)
        else:
            away_cell, away_f1, tier = _not_run(here, corpus), None, DASH
        delta = f"{away_f1 - home_f1:+.3f}" if away_f1 is not None and home_f1 is not None else DASH
        cells = [
            md_text(name),
            f"{_exposure(here)} / {_exposure(there) if there is not None else NOT_RUN}",
            _f(home_f1) if here is not None else NOT_RUN,
            away_cell,
            delta,
            tier,
        ]
        if te3:
            cells += [_f(there.metric(layer, k)) if there else DASH for k, _ in TE3_COLUMNS]
        rows.append(cells)
    for fig in corpus.published:
        if fig.layer != layer:
            continue
        cells = [
            md_text(fig.run),
            "published, not run here",
            DASH,
            _f(fig.metric(key)),
            DASH,
            DASH,
        ]
        if te3:
            cells += [_f(fig.metric(k)) for k, _ in TE3_COLUMNS]
        rows.append(cells)
    out = [
        f"### {LAYER_TITLES[layer]}: {corpus.name}",
        "",
        f"F1 is {PRIMARY_TITLES[layer]}; tiers are among the systems run on {corpus.name} "
        "only; Δ is its F1 minus the articles' F1. "
        + (
            "relaxed, strict, value and type F1 are TempEval-3's own measures on the corpus "
            "(type F1 = relaxed F1 x type accuracy). "
            if te3
            else ""
        )
        + (
            'Rows marked "published, not run here" are the corpus\'s published figures, '
            "for reference. "
            if any(fig.layer == layer for fig in corpus.published)
            else ""
        )
        + "A system that attempts a layer whose gold for the corpus is still "
        "being made blind is not run on it until that gold is committed; a named system such "
        "as `llm` runs on a corpus only when asked (`troopbench run NAME --corpus NAME`).",
        "",
        tabulate(rows, headers, tablefmt="github", disable_numparse=True),
        "",
    ]
    return out


def render_transfer(
    home: LoadedResults,
    others: Sequence[tuple[Gold, LoadedResults]],
    settings: StatsSettings,
) -> str:
    """The Transfer section (Markdown, ending in a newline)."""
    out = [
        "## Transfer",
        "",
        "How each system does on news it was never developed on: the other bundled corpora, "
        "scored with the same matchers, never ranked with the articles. A system's exposure is "
        "declared per corpus; these corpora are test sets: no system may be tuned against them.",
        "",
    ]
    for gold, away in others:
        corpus = gold.corpus
        out += [
            f"**{md_text(corpus.name, 60)}**: {md_text(corpus.title, 200)}; "
            f"{len(gold.documents)} documents; annotates {', '.join(corpus.layers)}"
            + (f" (pending: {', '.join(corpus.pending)})" if corpus.pending else "")
            + f". Licence: {md_text(corpus.licence, 200)}. Signature: "
            f"`{current_signature(gold.sha256, settings, corpus.name).line()}`",
            "",
        ]
        for layer in corpus.layers:
            out += _layer_table(layer, corpus, home, away, settings)
        for entry, reason in zip(away.stale, away.stale_reasons, strict=True):
            out.append(f"- {md_text(entry.path.name)}: not comparable: {md_text(reason, 200)}")
        if away.stale:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _with_sentence(board: str) -> str:
    """``board`` with :data:`SENTENCE` closing its Overall section."""
    lines = board.split("\n")
    try:
        start = lines.index("## Overall")
    except ValueError:
        return board
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("## "):
            return "\n".join([*lines[:i], SENTENCE, "", *lines[i:]])
    return board


def transfer_for(
    board: str,
    results_dir: Path,
    gold: Gold,
    others: Sequence[Gold],
    settings: StatsSettings,
    only: Sequence[str] | None = None,
) -> tuple[str, list[str]]:
    """``board`` with the Transfer section (after the layer tables, before "What each
    system saw") and the sentence under the Overall table; and one line per results
    file of another corpus that is not ranked. ``only``: systems of these exposures."""
    from benchmark.variants.robustness import insert_section

    if not others:
        return board, []
    home = _results(results_dir, gold)
    loaded = []
    problems: list[str] = []
    for other in others:
        away = _results(results_dir / other.corpus.name, other)
        if only:
            home, away = restrict(home, only), restrict(away, only)
        problems += [f"{other.corpus.name}/{line}" for line in away.problems()]
        loaded.append((other, away))
    section = render_transfer(home, loaded, settings)
    return insert_section(_with_sentence(board), section), problems
