"""Error-analysis report: one self-contained HTML file per system.

``troopbench report SYSTEM`` reads ``results/SYSTEM.json`` and
``results/SYSTEM.predictions.jsonl``, scores the predictions again against
the gold (checking that this reproduces the results file) and writes one HTML
file: inline CSS, no scripts, no fonts, no network. Every string that comes
from a results or predictions file (system name, version, predicted names,
error messages) is HTML-escaped.

Outcomes
--------
Entity and timex spans are classified by :func:`classify_entities` and
:func:`classify_timexes`, pure functions that use the scorer's own one-to-one
alignment (:func:`benchmark.spans.align`, called exactly as the matchers
call it), so the numbers of outcomes are the scorer's counts:

Entities (per aligned pair of a gold and a predicted mention, and per
unaligned item):

=====================  ==========================================  =========================
outcome                definition                                  scorer's count
=====================  ==========================================  =========================
correct                same boundaries, same type                  strict COR
wrong-type             same boundaries, another type               \\
wrong-boundary         overlapping, other boundaries, same type    | strict INC (sum of 3)
wrong-boundary-type    overlapping, other boundaries, other type   /
missed                 gold mention aligned with nothing           MIS (every schema)
spurious               prediction aligned with nothing, or of an   SPU (every schema)
                       unknown type, or without offsets, or
                       rejected by validation
=====================  ==========================================  =========================

and so exact COR = correct + wrong-type, partial PAR = wrong-boundary +
wrong-boundary-type. The type schema pairs the same type first (a second,
label-first alignment, :mod:`benchmark.layers.entities`), so its COR is at
least correct + wrong-boundary and can be larger.

Timexes (aligned as the scorer does, :func:`benchmark.layers.timexes.align_timexes`):

=====================  ==========================================  =========================
correct                same boundaries, same value                 \\ value TP (sum of 2)
wrong-boundary         overlapping, other boundaries, same value   /
wrong-value            aligned, another value                      relaxed TP - value TP
missed                 gold timex aligned with nothing             relaxed FN
spurious               prediction aligned with nothing, without    relaxed FP
                       offsets, or rejected by validation
=====================  ==========================================  =========================

A type or mod that differs from gold is shown in the note of the span, not
as an outcome of its own. Each classified item is one highlighted element
``<mark class="hl outcome-NAME" data-layer="LAYER" title="...">`` (a span
that has to be split, because it crosses a line or overlaps another, keeps
the ``outcome-`` class on its first piece only; the other pieces carry
``class="hl cont"``). Items without offsets and rejected items have no place
in the text; they are listed under it (``<li data-note="spurious"
data-unplaced>``), so highlighted plus listed spurious items make SPU.

Size is bounded: per document and layer at most :data:`MAX_SPURIOUS_SHOWN`
spurious predictions are drawn, and at most :data:`MAX_ROWS` rows per
table; the rest are counted in the legends and tables and announced as
``… and N more`` (``data-hidden="N"``), so that a predictions file of many
megabytes gives a report of a few.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchmark.atomic import write_text_atomic
from benchmark.gold import Gold, GoldDocument, Registry
from benchmark.inputs import read_json_file
from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES, EntityMention, PredictedEntity
from benchmark.layers.stances import CONFLICT, LABELS
from benchmark.layers.timexes import PredictedTimex, Timex, align_timexes
from benchmark.layers.troops import pair_troops
from benchmark.predictions import DocPredictions, ItemError, load_predictions
from benchmark.scoring import PRIMARY, evaluate, resolved_stances, resolved_troops
from benchmark.signature import DEFAULT_STATS, StatsSettings, current_signature
from benchmark.spans import align
from benchmark.units import ORIGIN_UNIT_SCHEME, segment

ENTITY_OUTCOMES: tuple[str, ...] = (
    "correct",
    "wrong-type",
    "wrong-boundary",
    "wrong-boundary-type",
    "missed",
    "spurious",
)
TIMEX_OUTCOMES: tuple[str, ...] = ("correct", "wrong-boundary", "wrong-value", "missed", "spurious")
OUTCOMES: tuple[str, ...] = (
    "correct",
    "wrong-type",
    "wrong-boundary",
    "wrong-boundary-type",
    "wrong-value",
    "missed",
    "spurious",
)
STANCE_TITLES: dict[str, str] = {
    "correct": "correct",
    "wrong-value": "wrong label",
    "missed": "missed",
    "spurious": "spurious",
}
OUTCOME_TITLES: dict[str, str] = {
    "correct": "correct",
    "wrong-type": "wrong type",
    "wrong-boundary": "wrong boundary",
    "wrong-boundary-type": "wrong boundary and type",
    "wrong-value": "wrong value",
    "missed": "missed",
    "spurious": "spurious",
}
NONE_LABEL = "\u2205"  # empty set: no counterpart
DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One classified item: a gold item, a prediction, or an aligned pair of both.

    ``start``/``end`` is the extent to highlight (the union of the two spans
    of a pair); None for items that have no place in the text.
    """

    layer: str
    outcome: str
    start: int | None
    end: int | None
    gold: Any = None
    pred: Any = None
    note: str = ""


def _union(a: Any, b: Any) -> tuple[int, int]:
    return min(a.start, b.start), max(a.end, b.end)


def classify_entities(
    gold: Sequence[EntityMention], pred: Sequence[PredictedEntity], invalid: int = 0
) -> list[Outcome]:
    """Entity outcomes of one document (module doc); counts equal the scorer's."""
    placeable = [p for p in pred if p.span is not None and p.type in ENTITY_TYPES]
    result = align(
        [(g.span.start, g.span.end) for g in gold],
        [(p.span.start, p.span.end) for p in placeable],  # type: ignore[union-attr]
        [g.type for g in gold],
        [p.type for p in placeable],
    )
    out: list[Outcome] = []
    for gi, pj in result.pairs:
        g, p = gold[gi], placeable[pj]
        assert p.span is not None
        exact = (g.span.start, g.span.end) == (p.span.start, p.span.end)
        same = g.type == p.type
        kind = {
            (True, True): "correct",
            (True, False): "wrong-type",
            (False, True): "wrong-boundary",
            (False, False): "wrong-boundary-type",
        }[exact, same]
        out.append(Outcome("entities", kind, *_union(g.span, p.span), g, p))
    for gi in result.unmatched_gold:
        g = gold[gi]
        out.append(Outcome("entities", "missed", g.span.start, g.span.end, g, None))
    for pj in result.unmatched_pred:
        p = placeable[pj]
        assert p.span is not None
        out.append(Outcome("entities", "spurious", p.span.start, p.span.end, None, p))
    for p in pred:
        if p.type in ENTITY_TYPES and p.span is not None:
            continue
        if p.span is not None:
            out.append(
                Outcome(
                    "entities",
                    "spurious",
                    p.span.start,
                    p.span.end,
                    None,
                    p,
                    f"type {p.type!r} is not an entity type",
                )
            )
        else:
            out.append(Outcome("entities", "spurious", None, None, None, p, "no offsets"))
    out += [Outcome("entities", "spurious", None, None, note="rejected by validation")] * invalid
    return sorted(out, key=_order)


def classify_timexes(
    gold: Sequence[Timex], pred: Sequence[PredictedTimex], invalid: int = 0
) -> list[Outcome]:
    """Timex outcomes of one document (module doc); counts equal the scorer's."""
    anchored = [p for p in pred if p.span is not None]
    result = align_timexes(gold, anchored)
    out: list[Outcome] = []
    for gi, pj in result.pairs:
        g, p = gold[gi], anchored[pj]
        assert p.span is not None
        exact = (g.span.start, g.span.end) == (p.span.start, p.span.end)
        kind = "wrong-value" if g.value != p.value else "correct" if exact else "wrong-boundary"
        out.append(Outcome("timexes", kind, *_union(g.span, p.span), g, p))
    for gi in result.unmatched_gold:
        g = gold[gi]
        out.append(Outcome("timexes", "missed", g.span.start, g.span.end, g, None))
    for pj in result.unmatched_pred:
        p = anchored[pj]
        assert p.span is not None
        out.append(Outcome("timexes", "spurious", p.span.start, p.span.end, None, p))
    for p in pred:
        if p.span is None:
            out.append(Outcome("timexes", "spurious", None, None, None, p, "no offsets"))
    out += [Outcome("timexes", "spurious", None, None, note="rejected by validation")] * invalid
    return sorted(out, key=_order)


def _order(o: Outcome) -> tuple[Any, ...]:
    placed = o.start is not None
    return (not placed, o.start or 0, -(o.end or 0), OUTCOMES.index(o.outcome), _describe(o))


def outcome_counts(outcomes: Sequence[Outcome]) -> Counter[str]:
    return Counter(o.outcome for o in outcomes)


# ------------------------------------------------------------------ descriptions


def _span_text(span: Any) -> str:
    return f"“{span.text}” [{span.start}:{span.end}]"


def _describe_gold(g: Any) -> str:
    if isinstance(g, EntityMention):
        return f"gold {g.type} {_span_text(g.span)} = {g.entity}"
    if isinstance(g, Timex):
        mod = f" mod {g.mod}" if g.mod else ""
        return f"gold {g.type} {g.value}{mod} {_span_text(g.span)}"
    return ""


def _describe_pred(p: Any) -> str:
    if isinstance(p, PredictedEntity):
        where = _span_text(p.span) if p.span is not None else f"“{p.text}” (no offsets)"
        return f"predicted {p.type} {where}"
    if isinstance(p, PredictedTimex):
        where = _span_text(p.span) if p.span is not None else f"“{p.text or ''}” (no offsets)"
        mod = f" mod {p.mod}" if p.mod else ""
        return f"predicted {p.type or '(no type)'} {p.value}{mod} {where}"
    return ""


def _describe(o: Outcome) -> str:
    parts = [OUTCOME_TITLES[o.outcome]]
    if o.gold is not None:
        parts.append(_describe_gold(o.gold))
    if o.pred is not None:
        parts.append(_describe_pred(o.pred))
    if (
        o.layer == "timexes"
        and o.gold is not None
        and o.pred is not None
        and (o.gold.type != o.pred.type or o.gold.mod != o.pred.mod)
    ):
        parts.append("type or mod differs")
    if o.note:
        parts.append(o.note)
    return " · ".join(parts)


# ------------------------------------------------------------------ HTML helpers


def h(value: object) -> str:
    """HTML-escape anything (text and attribute values alike)."""
    return escape(str(value), quote=True)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:24px auto;max-width:1200px;padding:0 16px;color:#1d1d1f;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}
h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}
h3{margin-bottom:.3em}.sig,.meta{color:#555;font-size:.85em;word-break:break-all}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.text{border:1px solid #ddd;border-radius:4px;padding:4px 12px;background:#fcfcfc}
.text p{margin:.5em 0}.text p.boilerplate{color:#999;font-size:.85em}
.text p.boilerplate::before{content:"boilerplate: ";font-style:italic}
mark.hl{padding:0 1px 2px;border-radius:2px;color:inherit;border-bottom:2px solid transparent}
mark.hl mark.hl{padding:0 0 1px}mark.hl:empty::after{content:"\\23CE"}
[data-outcome=correct]{background:#c7efc7;border-color:#3a8f4b!important}
[data-outcome=wrong-type]{background:#ddd4ff;border-color:#6c4ad0!important}
[data-outcome=wrong-boundary]{background:#cbe6ff;border-color:#1b6ca8!important}
[data-outcome=wrong-boundary-type]{background:#f4d0ff;border-color:#9b36b7!important}
[data-outcome=wrong-value]{background:#ffd1ea;border-color:#c2185b!important}
[data-outcome=missed]{background:#ffd4d4;border-color:#c62828!important;border-bottom-style:dashed!important}
[data-outcome=spurious]{background:#ffe8b0;border-color:#d9822b!important}
.legend span.key{display:inline-block;padding:0 6px;margin:2px 6px 2px 0;border-radius:2px;
border-bottom:2px solid transparent}
ul.notes{font-size:.85em;margin:.3em 0 1em;padding-left:1.2em}ul.notes li{margin:1px 0}
ul.notes li::marker{color:#999}.warn{background:#fff3cd;border:1px solid #e0c36c;padding:8px 12px;
border-radius:4px}.ok{color:#3a8f4b}.bad{color:#c62828}.dim{color:#888}
td.cm0{color:#bbb}td.cmdiag{background:#e3f4e3}td.cmoff{background:#fde8e8}
nav a{margin-right:1em}
"""


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """An HTML table; cells are already HTML."""
    head = "".join(f"<th>{c}</th>" for c in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    """Escaped text around [start:end], within its line, with the span in bold."""
    before = text[max(0, start - width) : start]
    cut_before = "\n" in before or start - width > 0
    before = before.rsplit("\n", 1)[-1]
    after = text[end : end + width]
    cut_after = "\n" in after or end + width < len(text)
    after = after.split("\n", 1)[0]
    return (
        f"{'…' if cut_before and before else ''}{h(before)}<b>{h(text[start:end])}</b>"
        f"{h(after)}{'…' if cut_after and after else ''}"
    )


# ------------------------------------------------------------------ highlighted text


def render_text(doc_id: str, text: str, layer: str, outcomes: Sequence[Outcome]) -> str:
    """The article text of one layer view with its outcomes highlighted (module doc)."""
    placed = [(k, o) for k, o in enumerate(outcomes) if o.start is not None and o.end is not None]
    units = segment(doc_id, text)
    opened: set[int] = set()
    paragraphs: list[str] = []
    lines = units.lines
    for i, line in enumerate(lines):
        stop = lines[i + 1].start if i + 1 < len(lines) else len(text)  # include the line break
        here = [(k, o) for k, o in placed if o.start < stop and o.end > line.start]  # type: ignore[operator]
        if line.kind == "blank" and not here:
            continue
        cuts = {line.start, stop}
        for _, o in here:
            cuts.add(max(line.start, o.start))  # type: ignore[arg-type]
            cuts.add(min(stop, o.end))  # type: ignore[arg-type]
        points = sorted(cuts)
        pieces: list[str] = []
        for a, b in pairwise(points):
            covering = sorted(
                ((k, o) for k, o in here if o.start < b and o.end > a),  # type: ignore[operator]
                key=lambda ko: (ko[1].start, -ko[1].end, ko[0]),
            )
            content = h(text[a:b].replace("\r", "").replace("\n", ""))
            for k, o in reversed(covering):
                attrs = f'data-layer="{h(layer)}" data-outcome="{h(o.outcome)}"'
                if k not in opened:
                    content = (
                        f'<mark class="hl outcome-{h(o.outcome)}" {attrs} '
                        f'title="{h(_describe(o))}">{content}</mark>'
                    )
                else:
                    content = f'<mark class="hl cont" {attrs}>{content}</mark>'
            for k, _ in covering:
                opened.add(k)
            pieces.append(content)
        css = {"boilerplate": ' class="boilerplate"', "blank": ' class="blank"'}.get(line.kind, "")
        paragraphs.append(f'<p{css} data-unit="{h(units.at(line.start))}">{"".join(pieces)}</p>')
    missing = [k for k, _ in placed if k not in opened]
    assert not missing, f"outcomes not rendered: {missing}"
    return f'<div class="text" data-layer="{h(layer)}">' + "\n".join(paragraphs) + "</div>"


#: Spurious predictions shown per document and layer (highlighted or listed); the
#: rest are counted in the legend and tables but not drawn, so that a huge
#: predictions file cannot make a huge report. Gold items are always shown.
MAX_SPURIOUS_SHOWN = 300
#: Rows of a troop-count or stance table per document.
MAX_ROWS = 300


def bounded(outcomes: Sequence[Outcome]) -> tuple[list[Outcome], int]:
    """The outcomes drawn in the report: all those involving a gold item, and the
    first :data:`MAX_SPURIOUS_SHOWN` spurious ones; and how many were left out."""
    shown: list[Outcome] = []
    spurious = 0
    for o in outcomes:
        if o.gold is None:
            spurious += 1
            if spurious > MAX_SPURIOUS_SHOWN:
                continue
        shown.append(o)
    return shown, len(outcomes) - len(shown)


def _notes(outcomes: Sequence[Outcome], hidden: int = 0) -> str:
    items = [
        f'<li data-note="{h(o.outcome)}"{" data-unplaced" if o.start is None else ""}>'
        f"{h(_describe(o))}</li>"
        for o in outcomes
        if o.outcome != "correct"
    ]
    if hidden:
        items.append(
            f'<li class="dim" data-hidden="{hidden}">… and {hidden} more spurious '
            "prediction(s), counted above but not shown</li>"
        )
    if not items:
        return '<p class="dim">No errors in this layer.</p>'
    return '<ul class="notes">' + "".join(items) + "</ul>"


def _bounded_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    more = len(rows) - MAX_ROWS
    table = _table(headers, rows[:MAX_ROWS])
    if more > 0:
        table += f'<p class="dim" data-hidden="{more}">… and {more} more row(s) not shown</p>'
    return table


# ------------------------------------------------------------------ tables


def _troop_rows(gold_doc: GoldDocument, pred: DocPredictions, gold: Gold) -> list[list[str]]:
    text = gold_doc.document.text
    resolved = resolved_troops(pred, gold.registry)
    raw = list(pred.troop_counts or ())
    raw_of = {id(p): r for p, r in zip(resolved, raw, strict=True)}
    paired = {id(g): p for g, p in pair_troops(gold_doc.troop_counts, resolved)}

    def gold_cell(g: Any) -> str:
        return h(
            f"{g.value:,} {g.qualifier} · force {g.force or DASH} · "
            f"in {g.location or DASH} · {g.time}"
        )

    def pred_cell(p: Any) -> str:
        r = raw_of[id(p)]
        loc = f"{r.location} → {p.location}" if r.location is not None else "\u2013"
        force = f"{r.force} → {p.force}" if r.force is not None else "\u2013"
        return h(
            f"{p.value:,} {p.qualifier or '(no qualifier)'} · force {force} · in {loc} · "
            f"{p.time or '(no time)'}"
        )

    rows = []
    used: set[int] = set()
    for g in sorted(gold_doc.troop_counts, key=lambda c: (c.span.start, c.span.end)):
        p = paired.get(id(g))
        evidence = _context(text, g.span.start, g.span.end)
        if p is None:
            rows.append(
                [
                    '<span data-outcome="missed" class="key">missed</span>',
                    gold_cell(g),
                    "\u2013",
                    evidence,
                ]
            )
            continue
        used.add(id(p))
        diffs = [a for a in ("qualifier", "force", "time") if getattr(g, a) != getattr(p, a)]
        label = "matched" + (f" ({', '.join(diffs)} differ)" if diffs else "")
        outcome = "correct" if not diffs else "wrong-value"
        if p.span is not None:
            where = _context(text, p.span.start, p.span.end, 30)
            evidence += f"<br><span class=dim>predicted at</span> {where}"
        rows.append(
            [
                f'<span data-outcome="{outcome}" class="key">{h(label)}</span>',
                gold_cell(g),
                pred_cell(p),
                evidence,
            ]
        )
    for p in resolved:
        if id(p) in used:
            continue
        evidence = (
            _context(text, p.span.start, p.span.end)
            if p.span is not None
            else '<span class="dim">no offsets</span>'
        )
        rows.append(
            [
                '<span data-outcome="spurious" class="key">spurious</span>',
                "\u2013",
                pred_cell(p),
                evidence,
            ]
        )
    invalid = pred.invalid.get("troop_counts", 0)
    if invalid:
        rows.append(
            [
                '<span data-outcome="spurious" class="key">spurious</span>',
                "\u2013",
                h(f"{invalid} item(s) rejected by validation"),
                "\u2013",
            ]
        )
    return rows


def _stance_rows(
    gold_doc: GoldDocument, pred: DocPredictions, gold: Gold
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Table rows, and (gold label, predicted label) pairs for the confusion matrix."""
    text = gold_doc.document.text
    resolved = resolved_stances(gold_doc, pred, gold.registry)
    raw = list(pred.stances or ())
    by_holder: dict[str, list[tuple[Any, Any]]] = {}
    for r, p in zip(raw, resolved, strict=True):
        by_holder.setdefault(p.holder, []).append((r, p))

    def evidence(spans: Sequence[Any]) -> str:
        return (
            "<br>".join(_context(text, s.start, s.end, 20) for s in spans)
            or '<span class="dim">none</span>'
        )

    rows: list[list[str]] = []
    pairs: list[tuple[str, str]] = []
    gold_holders = set()
    for s in gold_doc.stances:
        gold_holders.add(s.holder)
        preds = by_holder.get(s.holder, [])
        labels = sorted({p.label for _, p in preds})
        if not preds:
            outcome, predicted = "missed", NONE_LABEL
        elif len(labels) > 1:
            outcome, predicted = "wrong-value", CONFLICT
        else:
            predicted = labels[0]
            outcome = "correct" if predicted == s.label else "wrong-value"
        pairs.append((s.label, predicted))
        names = ", ".join(sorted({r.holder for r, _ in preds}))
        rows.append(
            [
                f'<span data-outcome="{outcome}" class="key">{h(STANCE_TITLES[outcome])}</span>',
                h(s.holder)
                + (f"<br><span class=dim>predicted as</span> {h(names)}" if names else ""),
                h(s.label),
                h(" / ".join(labels) or "\u2013"),
                evidence(s.evidence),
                evidence([e for _, p in preds for e in p.evidence]),
            ]
        )
    for holder in sorted(set(by_holder) - gold_holders):
        preds = by_holder[holder]
        labels = sorted({p.label for _, p in preds})
        pairs.append((NONE_LABEL, labels[0] if len(labels) == 1 else CONFLICT))
        names = ", ".join(sorted({r.holder for r, _ in preds}))
        rows.append(
            [
                '<span data-outcome="spurious" class="key">spurious</span>',
                h(names) + f"<br><span class=dim>resolved to</span> {h(holder)}",
                "\u2013",
                h(" / ".join(labels)),
                "\u2013",
                evidence([e for _, p in preds for e in p.evidence]),
            ]
        )
    invalid = pred.invalid.get("stances", 0)
    if invalid:
        rows.append(
            [
                '<span data-outcome="spurious" class="key">spurious</span>',
                h(f"{invalid} item(s) rejected by validation"),
                "\u2013",
                "\u2013",
                "\u2013",
                "\u2013",
            ]
        )
    return rows, pairs


def _confusion(
    title: str,
    gold_labels: Sequence[str],
    pred_labels: Sequence[str],
    labels: Sequence[str],
    predicted_only: Sequence[str] = (),
) -> str:
    from sklearn.metrics import confusion_matrix

    if not gold_labels:
        return f"<h3>{h(title)}</h3><p class=dim>Nothing to compare.</p>"
    matrix = confusion_matrix(list(gold_labels), list(pred_labels), labels=list(labels))
    used = [i for i, _ in enumerate(labels) if matrix[i, :].sum() or matrix[:, i].sum()]
    rows = []
    for i in (i for i in used if labels[i] not in predicted_only):
        cells = [f"<th>{h(labels[i])}</th>"]
        for j in used:
            n = int(matrix[i, j])
            css = "cm0" if n == 0 else ("cmdiag" if i == j and labels[i] != NONE_LABEL else "cmoff")
            cells.append(f'<td class="num {css}">{n}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = (
        "<tr><th>gold ↓ / predicted →</th>"
        + "".join(f"<th>{h(labels[j])}</th>" for j in used)
        + "</tr>"
    )
    return (
        f"<h3>{h(title)}</h3><table class=confusion><thead>{head}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class ReportInputs:
    """A results file, its predictions, and the gold."""

    gold: Gold
    results: Mapping[str, Any]
    predictions: Mapping[str, DocPredictions]
    errors: tuple[ItemError, ...] = ()  # problems in the predictions file
    #: a registry per document where it differs from the gold's (contrast variants)
    registries: Mapping[str, Registry] = field(default_factory=dict)


def restore_invalid(
    results: Mapping[str, Any], predictions: Mapping[str, DocPredictions]
) -> dict[str, DocPredictions]:
    """Predictions with the per-document counts of rejected items put back (from the results)."""
    out = dict(predictions)
    for layer, data in results["layers"].items():
        for doc_id, n in data.get("invalid", {}).items():
            dp = out.get(doc_id) or DocPredictions(doc_id)
            out[doc_id] = dataclasses.replace(dp, invalid={**dp.invalid, layer: int(n)})
    return out


def load_inputs(
    gold: Gold,
    results_file: Path,
    predictions_file: Path,
    registries: Mapping[str, Registry] | None = None,
    progress: Callable[[int], object] | None = None,
) -> ReportInputs:
    """The results file (read within the input bounds) and its predictions file."""
    results = read_json_file(results_file)
    texts = {doc_id: d.document.text for doc_id, d in gold.documents.items()}
    loaded = load_predictions(predictions_file, texts, progress=progress)
    return ReportInputs(
        gold,
        results,
        restore_invalid(results, loaded.documents),
        tuple(loaded.errors),
        dict(registries or {}),
    )


def _summary(results: Mapping[str, Any], settings: StatsSettings) -> str:
    from benchmark.leaderboard import LAYER_TITLES
    from benchmark.stats import F1_METRICS, UnitCounts, confidence_interval, layer_statistic

    try:
        counts: UnitCounts | None = UnitCounts.from_results(results)
    except (ValueError, KeyError, TypeError):
        counts = None
    parts = []
    for layer in LAYERS:
        if layer not in results["layers"]:
            parts.append(f"<h3>{h(LAYER_TITLES[layer])}</h3><p class=dim>Not attempted.</p>")
            continue
        metrics = results["layers"][layer]["metrics"]
        rows = []
        for key in F1_METRICS[layer]:
            prefix = key.removesuffix("_f1")
            cells = []
            for k in (f"{prefix}_precision", f"{prefix}_recall", key):
                value = metrics.get(k)
                if not isinstance(value, int | float):
                    cells.append("\u2013")
                    continue
                if counts is None:
                    cells.append(f"{value:.3f}")
                    continue
                ci = confidence_interval(counts, layer_statistic(layer, k), settings)
                cells.append(
                    f"{value:.3f} <span class=dim>({ci.low:.3f}\u2013{ci.high:.3f})</span>"
                )
            name = h(key) + (" <b>(primary)</b>" if key == PRIMARY[layer] else "")
            rows.append([name, *cells])
        parts.append(
            f"<h3>{h(LAYER_TITLES[layer])}</h3>"
            + _table(["metric", "P (95% CI)", "R (95% CI)", "F1 (95% CI)"], rows, (1, 2, 3))
        )
    if counts is None:
        parts.insert(
            0, '<p class="warn">This results file has no per-unit counts: no intervals.</p>'
        )
    return "\n".join(parts)


def build_report(
    inputs: ReportInputs,
    settings: StatsSettings = DEFAULT_STATS,
    progress: Callable[[int], object] | None = None,
) -> str:
    """The whole HTML report (see module doc); ``progress(1)`` after each document."""
    gold, results, predictions = inputs.gold, inputs.results, inputs.predictions
    system = results["system"]
    attempted = [layer for layer in LAYERS if layer in results["layers"]]
    unit = results["signature"]["settings"].get("unit")
    over = "paragraphs"
    if unit == ORIGIN_UNIT_SCHEME:  # contrast results: intervals over origin-paragraph clusters
        settings = dataclasses.replace(settings, unit=unit)
        over = "origin paragraphs, each with its variants"
    if inputs.registries:
        from benchmark.variants.suite import evaluate_each

        evaluation = evaluate_each(gold, inputs.registries, predictions, frozenset(attempted))
    else:
        evaluation = evaluate(gold, predictions, frozenset(attempted))
    mismatched = [
        f"{layer}/{doc_id}"
        for layer in attempted
        for doc_id, counts in evaluation.per_doc[layer].items()
        if results["layers"][layer]["per_document"].get(doc_id)
        != json.loads(json.dumps(counts.to_dict()))
    ]
    stale = results["signature"]["gold_hash"] != gold.sha256
    doc_sections = []
    totals: dict[str, Counter[str]] = {"entities": Counter(), "timexes": Counter()}
    entity_pairs: tuple[list[str], list[str]] = ([], [])
    stance_pairs: tuple[list[str], list[str]] = ([], [])
    for doc_id, gold_doc in gold.documents.items():
        pred = predictions.get(doc_id) or DocPredictions(doc_id)
        doc_gold = gold
        if doc_id in inputs.registries:
            doc_gold = dataclasses.replace(gold, registry=inputs.registries[doc_id])
        text = gold_doc.document.text
        body = [
            f'<section class="doc" id="doc-{h(doc_id)}">',
            f"<h2>{h(doc_id)}: {h(gold_doc.document.title)}</h2>",
            f'<p class="meta">dct {h(gold_doc.document.dct.isoformat())} · '
            f"{len(segment(doc_id, text).prose)} paragraphs</p>",
        ]
        for layer, title in (("entities", "Entities"), ("timexes", "Temporal expressions")):
            body.append(f"<h3>{title}</h3>")
            if layer not in attempted:
                body.append("<p class=dim>Not attempted.</p>")
                continue
            if layer == "entities":
                outcomes = classify_entities(
                    gold_doc.entities, pred.entities or (), pred.invalid.get(layer, 0)
                )
                for o in outcomes:
                    if o.outcome == "spurious" and o.pred is None:
                        continue  # rejected items carry no type
                    entity_pairs[0].append(o.gold.type if o.gold is not None else NONE_LABEL)
                    p_type = o.pred.type if o.pred is not None else NONE_LABEL
                    entity_pairs[1].append(
                        p_type if p_type in (*ENTITY_TYPES, NONE_LABEL) else "OTHER"
                    )
            else:
                outcomes = classify_timexes(
                    gold_doc.timexes, pred.timexes or (), pred.invalid.get(layer, 0)
                )
            totals[layer].update(outcome_counts(outcomes))
            counts = outcome_counts(outcomes)
            body.append(
                '<p class="legend">'
                + " ".join(
                    f'<span class="key" data-outcome="{h(k)}">'
                    f"{h(OUTCOME_TITLES[k])} {counts[k]}</span>"
                    for k in (ENTITY_OUTCOMES if layer == "entities" else TIMEX_OUTCOMES)
                )
                + "</p>"
            )
            shown, hidden = bounded(outcomes)
            body.append(render_text(doc_id, text, layer, shown))
            body.append(_notes(shown, hidden))
        body.append("<h3>Troop counts</h3>")
        if "troop_counts" in attempted:
            rows = _troop_rows(gold_doc, pred, doc_gold)
            body.append(
                _bounded_table(["outcome", "gold", "predicted (name → id)", "evidence"], rows)
                if rows
                else "<p class=dim>No gold or predicted troop counts.</p>"
            )
        else:
            body.append("<p class=dim>Not attempted.</p>")
        body.append("<h3>Stances</h3>")
        if "stances" in attempted:
            rows, pairs = _stance_rows(gold_doc, pred, doc_gold)
            for g, p in pairs:
                stance_pairs[0].append(g)
                stance_pairs[1].append(p)
            body.append(
                _bounded_table(
                    [
                        "outcome",
                        "holder",
                        "gold",
                        "predicted",
                        "gold evidence",
                        "predicted evidence",
                    ],
                    rows,
                )
                if rows
                else "<p class=dim>No gold or predicted stances.</p>"
            )
        else:
            body.append("<p class=dim>Not attempted.</p>")
        body.append("</section>")
        doc_sections.append("\n".join(body))
        if progress is not None:
            progress(1)

    title = f"troopbench error analysis: {system['name']} {system['version']}"
    warnings = []
    if stale:
        warnings.append(
            "These results were scored against another version of the gold; "
            "highlights use the current gold."
        )
    if mismatched:
        warnings.append(
            "Scoring the predictions file again does not reproduce the results file for "
            + ", ".join(mismatched)
            + "."
        )
    outcome_table = []
    for layer in ("entities", "timexes"):
        if layer in attempted:
            names = ENTITY_OUTCOMES if layer == "entities" else TIMEX_OUTCOMES
            outcome_table.append([h(layer), *(str(totals[layer][k]) for k in names)])
    confusion = []
    if "entities" in attempted:
        confusion.append(
            _confusion(
                "Entity types (aligned mentions; ∅ = no counterpart)",
                entity_pairs[0],
                entity_pairs[1],
                [*ENTITY_TYPES, "OTHER", NONE_LABEL],
                ("OTHER",),
            )
        )
    if "stances" in attempted:
        confusion.append(
            _confusion(
                "Stance labels (per holder; ∅ = no counterpart)",
                stance_pairs[0],
                stance_pairs[1],
                [*LABELS, CONFLICT, NONE_LABEL],
                (CONFLICT,),
            )
        )
    nav = "".join(f'<a href="#doc-{h(d)}">{h(d)}</a>' for d in gold.documents)
    legend = " ".join(
        f'<span class="key" data-outcome="{h(k)}">{h(OUTCOME_TITLES[k])}</span>' for k in OUTCOMES
    )
    html = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Error analysis: {h(system['name'])} "
        f"<span class=dim>{h(system['version'])}</span></h1>",
        f'<p class="sig">signature {h(current_signature(gold.sha256, settings).line())}</p>',
        *(f'<p class="warn">{h(w)}</p>' for w in warnings),
        f"<nav>{nav}</nav>",
        '<h2 id="summary">Summary</h2>',
        f"<p>Intervals: {settings.confidence:.0%} bootstrap percentile intervals over "
        f"{over} "
        f"({settings.bootstrap_trials:,} resamples, seed {settings.seed}).</p>",
        _summary(results, settings),
        "<h3>Outcomes</h3>",
        f'<p class="legend">{legend}</p>',
        _table(
            ["layer", *(OUTCOME_TITLES[k] for k in ENTITY_OUTCOMES)],
            [r for r in outcome_table if r[0] == "entities"],
            range(1, 7),
        )
        if "entities" in attempted
        else "",
        _table(
            ["layer", *(OUTCOME_TITLES[k] for k in TIMEX_OUTCOMES)],
            [r for r in outcome_table if r[0] == "timexes"],
            range(1, 6),
        )
        if "timexes" in attempted
        else "",
        "<p class=dim>Correct = strict COR; "
        "wrong type + wrong boundary + wrong boundary and type = strict INC; "
        "missed = MIS; spurious = SPU (for timexes: correct + wrong boundary = value TP). "
        "Hover over a highlighted span for gold and predicted attributes.</p>",
        '<h2 id="confusion">Confusion matrices</h2>',
        *confusion,
        *doc_sections,
        "</body></html>",
    ]
    return "\n".join(html) + "\n"


def write_report(path: Path, text: str) -> None:
    write_text_atomic(path, text)
