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
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from benchmark.layers import LAYERS
from benchmark.runner import validate_results
from benchmark.scoring import PRIMARY

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
    """Plain text safe inside a Markdown table cell: no markup survives."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Backslash escapes do not stop raw HTML or entities in every renderer.
    return text.replace("&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;")


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
    def gold_hash(self) -> str:
        return str(self.data["signature"]["gold_hash"])

    def metric(self, layer: str, key: str) -> float | None:
        layer_data = self.data["layers"].get(layer)
        if layer_data is None:
            return None
        value = layer_data["metrics"].get(key)
        return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class LoadedResults:
    current: tuple[ResultEntry, ...]
    stale: tuple[ResultEntry, ...]
    broken: tuple[tuple[str, str], ...]  # (file name, problem)


def load_results(results_dir: Path, gold_hash: str) -> LoadedResults:
    """Read every ``*.json`` in ``results_dir``; sort out stale and broken ones."""
    current: list[ResultEntry] = []
    stale: list[ResultEntry] = []
    broken: list[tuple[str, str]] = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            broken.append((path.name, f"not valid JSON: {exc}"))
            continue
        problems = validate_results(data)
        if problems:
            broken.append((path.name, problems[0]))
            continue
        entry = ResultEntry(path, data)
        (current if entry.gold_hash == gold_hash else stale).append(entry)
    key = lambda e: (e.name, e.path.name)  # noqa: E731
    return LoadedResults(tuple(sorted(current, key=key)), tuple(sorted(stale, key=key)), tuple(broken))


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ranks(scores: Sequence[float]) -> list[int]:
    """Competition ranking ("1, 1, 3") over scores already sorted descending."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks


def _layer_table(layer: str, entries: Sequence[ResultEntry]) -> str:
    primary = PRIMARY[layer]
    prefix = primary.removesuffix("_f1")
    attempted = [e for e in entries if layer in e.data["layers"]]
    attempted.sort(key=lambda e: (-(e.metric(layer, primary) or 0.0), e.name))
    headers = ["Rank", "System", "Version", "P", "R", "F1", *(h for h, _ in EXTRA_COLUMNS[layer])]
    rows = []
    ranks = _ranks([e.metric(layer, primary) or 0.0 for e in attempted])
    for rank, e in zip(ranks, attempted, strict=True):
        rows.append(
            [
                str(rank),
                md_text(e.name),
                md_text(e.version, 40),
                _fmt(e.metric(layer, f"{prefix}_precision")),
                _fmt(e.metric(layer, f"{prefix}_recall")),
                f"**{_fmt(e.metric(layer, primary))}**",
                *(_fmt(e.metric(layer, key)) for _, key in EXTRA_COLUMNS[layer]),
            ]
        )
    if not rows:
        return "_No system attempted this layer._"
    return tabulate(rows, headers, tablefmt="github", disable_numparse=True)


def _overall_table(entries: Sequence[ResultEntry]) -> str:
    complete = [e for e in entries if all(layer in e.data["layers"] for layer in LAYERS)]
    if not complete:
        return "_No system attempted all four layers._"
    scored = sorted(
        ((sum(e.metric(layer, PRIMARY[layer]) or 0.0 for layer in LAYERS) / len(LAYERS), e) for e in complete),
        key=lambda pair: (-pair[0], pair[1].name),
    )
    headers = ["Rank", "System", *(LAYER_TITLES[layer] for layer in LAYERS), "Mean"]
    ranks = _ranks([s for s, _ in scored])
    rows = [
        [str(rank), md_text(e.name), *(_fmt(e.metric(layer, PRIMARY[layer])) for layer in LAYERS), f"**{_fmt(mean)}**"]
        for rank, (mean, e) in zip(ranks, scored, strict=True)
    ]
    return tabulate(rows, headers, tablefmt="github", disable_numparse=True)


def read_notes(path: Path) -> dict[str, str]:
    """Layer → commentary paragraph(s) from ``results/NOTES.md`` (may be absent)."""
    if not path.is_file():
        return {}
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"##\s+(\w+)\s*", line)
        if heading:
            current = heading.group(1)
            notes[current] = []
        elif current is not None:
            notes[current].append(line)
    return {k: "\n".join(v).strip() for k, v in notes.items() if "\n".join(v).strip()}


def render(results: LoadedResults, signature_line: str, notes: Mapping[str, str]) -> str:
    """The whole ``LEADERBOARD.md`` as a string."""
    out: list[str] = [
        "# troopbench leaderboard",
        "",
        "<!-- Generated by `troopbench leaderboard` from results/*.json. Do not edit by hand. -->",
        "",
        f"Signature: `{signature_line}`",
        "",
        "All scores are micro-averaged over the five documents of the test set. "
        "Every gold document counts, including those a system skipped. "
        "A layer a system does not attempt is shown as not attempted, never as zero.",
        "",
        "## Overall",
        "",
        "Mean of the four primary F1 scores, for systems that attempted every layer.",
        "",
        _overall_table(results.current),
        "",
    ]
    for layer in LAYERS:
        out += [
            f"## {LAYER_TITLES[layer]}",
            "",
            f"Ranked by {PRIMARY_TITLES[layer]}; P and R belong to that metric.",
            "",
            _layer_table(layer, results.current),
            "",
        ]
        if layer in notes:
            out += [notes[layer], ""]
    not_attempted = [
        f"- {md_text(e.name)}: {', '.join(LAYER_TITLES[layer].lower() for layer in LAYERS if layer not in e.data['layers'])}"
        for e in results.current
        if any(layer not in e.data["layers"] for layer in LAYERS)
    ]
    if not_attempted:
        out += ["## Not attempted", "", *not_attempted, ""]
    errors = [(e, len(e.data["errors"])) for e in results.current if e.data["errors"]]
    if errors:
        out += ["## Run errors", ""]
        out += [f"- {md_text(e.name)}: {n} recorded error(s), see `{md_text(e.path.name)}`" for e, n in errors]
        out += [""]
    if results.stale:
        out += [
            "## Stale results",
            "",
            "Scored against another version of the gold; not ranked. Re-run these systems.",
            "",
        ]
        out += [f"- {md_text(e.name)} (gold {md_text(e.gold_hash[:12])})" for e in results.stale]
        out += [""]
    if results.broken:
        out += ["## Unreadable results files", ""]
        out += [f"- {md_text(name)}: {md_text(problem, 200)}" for name, problem in results.broken]
        out += [""]
    return "\n".join(out).rstrip("\n") + "\n"


def check(path: Path, expected: str) -> tuple[bool, str]:
    """Whether ``path`` holds exactly ``expected``, and a unified diff if not."""
    actual = path.read_text(encoding="utf-8") if path.is_file() else ""
    if actual == expected:
        return True, ""
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path.name} (committed)",
        tofile=f"{path.name} (from results)",
    )
    return False, "".join(diff)

