"""Inter-annotator agreement: one annotation pass scored as if it were a system.

A pass is a gold-format folder. :func:`gold_as_predictions` turns a pass
into predictions the way any system would produce them: spans with their
text, and names (never ids) for troop locations and forces and stance
holders. A name is the reference pass's canonical name when the id exists
there, else the pass's own canonical name, so ids that differ between passes
still resolve through the aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmark.gold import Gold, Registry
from benchmark.layers import LAYERS
from benchmark.layers.entities import PredictedEntity
from benchmark.layers.stances import CONFLICT, PredictedStance
from benchmark.layers.timexes import PredictedTimex
from benchmark.layers.troops import PredictedTroopCount
from benchmark.predictions import DocPredictions
from benchmark.scoring import Evaluation, evaluate


def _name(entity_id: str | None, source: Registry, reference: Registry) -> str | None:
    if entity_id is None:
        return None
    if entity_id in reference.entries:
        return reference.entries[entity_id].name
    entry = source.entries.get(entity_id)
    return entry.name if entry is not None else entity_id


def gold_as_predictions(source: Gold, reference: Registry) -> dict[str, DocPredictions]:
    """Every document of ``source`` as validated predictions (all four layers)."""
    out: dict[str, DocPredictions] = {}
    for doc_id, doc in source.documents.items():
        out[doc_id] = DocPredictions(
            doc_id,
            entities=tuple(PredictedEntity(m.type, m.span.text, m.span) for m in doc.entities),
            timexes=tuple(
                PredictedTimex(t.value, t.type, t.span.text, t.span, t.mod) for t in doc.timexes
            ),
            troop_counts=tuple(
                PredictedTroopCount(
                    value=c.value,
                    location=_name(c.location, source.registry, reference),
                    force=_name(c.force, source.registry, reference),
                    qualifier=c.qualifier,
                    time=c.time,
                    span=c.span,
                )
                for c in doc.troop_counts
            ),
            stances=tuple(
                PredictedStance(
                    holder=_name(s.holder, source.registry, reference) or s.holder,
                    label=s.label,
                    evidence=s.evidence,
                )
                for s in doc.stances
            ),
        )
    return out


def compare(reference: Gold, other: Gold) -> Evaluation:
    """Score ``other`` against ``reference`` on the documents they share."""
    shared = {d: reference.documents[d] for d in reference.documents if d in other.documents}
    ref = Gold(reference.registry, shared, reference.sha256)
    return evaluate(ref, gold_as_predictions(other, reference.registry), frozenset(LAYERS))


@dataclass(frozen=True, slots=True)
class KappaResult:
    kappa: float
    n: int


def stance_kappa(evaluation: Evaluation) -> KappaResult:
    """Cohen's kappa of stance labels on holders both passes annotated (scikit-learn)."""
    from sklearn.metrics import cohen_kappa_score

    pairs = [
        p
        for p in evaluation.total("stances").label_pairs  # type: ignore[union-attr]
        if p[1] != CONFLICT
    ]
    if not pairs:
        return KappaResult(0.0, 0)
    a = [g for g, _ in pairs]
    b = [p for _, p in pairs]
    if len(set(a) | set(b)) == 1:
        return KappaResult(1.0, len(pairs))  # perfect agreement on a single label
    return KappaResult(float(cohen_kappa_score(a, b)), len(pairs))


def agreement_rows(evaluation: Evaluation) -> list[tuple[str, str, float]]:
    """(layer, measure, value) rows of the agreement table."""
    ent = evaluation.metrics("entities")
    tmx = evaluation.metrics("timexes")
    trp = evaluation.metrics("troop_counts")
    stn = evaluation.metrics("stances")
    rows: list[tuple[str, str, float]] = [
        ("entities", "strict F1", ent["strict_f1"]),
        ("entities", "partial F1", ent["partial_f1"]),
    ]
    per_type: Mapping[str, Mapping[str, float]] = ent["per_type"]
    for entity_type, by_schema in per_type.items():
        rows.append(("entities", f"strict F1 {entity_type}", by_schema["strict"]))
        rows.append(("entities", f"partial F1 {entity_type}", by_schema["partial"]))
    rows += [
        ("timexes", "strict span F1", tmx["strict_f1"]),
        ("timexes", "relaxed span F1", tmx["relaxed_f1"]),
        ("timexes", "value F1", tmx["value_f1"]),
        ("timexes", "type accuracy", tmx["type_accuracy"]),
        ("troop_counts", "tuple F1", trp["tuple_f1"]),
        ("troop_counts", "qualifier agreement", trp["qualifier_accuracy"]),
        ("troop_counts", "force agreement", trp["force_accuracy"]),
        ("troop_counts", "time agreement", trp["time_accuracy"]),
        ("stances", "holder F1", stn["holder_f1"]),
        ("stances", "holder+label F1", stn["tuple_f1"]),
    ]
    kappa = stance_kappa(evaluation)
    rows.append(("stances", f"Cohen's kappa (labels, {kappa.n} shared holders)", kappa.kappa))
    return rows


# ------------------------------------------------------------ disagreement listing


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"…{left}[{text[start:end]}]{right}…"


def _span_diffs(
    text: str,
    a_items: list[tuple[int, int, str]],
    b_items: list[tuple[int, int, str]],
) -> list[str]:
    """Lines describing how two lists of (start, end, attributes) spans differ."""
    from benchmark.spans import align

    result = align([(s, e) for s, e, _ in a_items], [(s, e) for s, e, _ in b_items])
    lines = []
    for i, j in result.pairs:
        (sa, ea, xa), (sb, eb, xb) = a_items[i], b_items[j]
        if (sa, ea) != (sb, eb):
            lines.append(f"boundary: A {_context(text, sa, ea)} vs B {_context(text, sb, eb)}")
        elif xa != xb:
            lines.append(f"attributes: {_context(text, sa, ea)} A {xa} vs B {xb}")
    lines += [
        f"only A: {_context(text, *a_items[i][:2])} {a_items[i][2]}" for i in result.unmatched_gold
    ]
    lines += [
        f"only B: {_context(text, *b_items[j][:2])} {b_items[j][2]}" for j in result.unmatched_pred
    ]
    return lines


def disagreements(a: Gold, b: Gold) -> list[str]:
    """Every disagreement between two passes, one line each, grouped by document and layer."""
    out: list[str] = []
    for doc_id in sorted(set(a.documents) & set(b.documents)):
        da, db = a.documents[doc_id], b.documents[doc_id]
        text = da.document.text
        sections = {
            "metadata": [
                f"{field}: A {getattr(da.document, field)} vs B {getattr(db.document, field)}"
                for field in ("title", "dct", "dct_certainty")
                if getattr(da.document, field) != getattr(db.document, field)
            ],
            "entities": _span_diffs(
                text,
                [
                    (m.span.start, m.span.end, f"{m.type} {a.registry.entries[m.entity].name}")
                    for m in da.entities
                ],
                [
                    (m.span.start, m.span.end, f"{m.type} {b.registry.entries[m.entity].name}")
                    for m in db.entities
                ],
            ),
            "timexes": _span_diffs(
                text,
                [
                    (t.span.start, t.span.end, f"{t.type} {t.value} {t.mod or ''}".strip())
                    for t in da.timexes
                ],
                [
                    (t.span.start, t.span.end, f"{t.type} {t.value} {t.mod or ''}".strip())
                    for t in db.timexes
                ],
            ),
            "troop_counts": _span_diffs(
                text,
                [
                    (
                        c.span.start,
                        c.span.end,
                        f"{c.value} {c.qualifier} {c.force} {c.location} {c.time}",
                    )
                    for c in da.troop_counts
                ],
                [
                    (
                        c.span.start,
                        c.span.end,
                        f"{c.value} {c.qualifier} {c.force} {c.location} {c.time}",
                    )
                    for c in db.troop_counts
                ],
            ),
            "stances": _stance_diffs(a, b, doc_id),
        }
        for layer, lines in sections.items():
            out += [f"{doc_id} {layer}: {line}" for line in lines]
    return out


def _stance_diffs(a: Gold, b: Gold, doc_id: str) -> list[str]:
    def names(g: Gold) -> dict[str, str]:
        return {g.registry.entries[s.holder].name: s.label for s in g.documents[doc_id].stances}

    sa, sb = names(a), names(b)
    lines = []
    for holder in sorted(set(sa) | set(sb)):
        la, lb = sa.get(holder), sb.get(holder)
        if la != lb:
            lines.append(f"holder {holder}: A {la or '—'} vs B {lb or '—'}")
    return lines


def _span_set_prf(a: set[tuple[str, str, int, int]], b: set[tuple[str, str, int, int]]) -> float:
    from benchmark.metrics import PRF

    tp = len(a & b)
    return PRF(tp=tp, fp=len(b) - tp, fn=len(a) - tp).score().f1


def span_agreement_rows(reference: Gold, other: Gold) -> list[tuple[str, str, float]]:
    """Agreement on spans the system scorer does not compare: holder mentions,
    stance evidence (exact boundaries, on holders both passes share, holders
    matched by canonical name) and dct evidence; exact-boundary F1 each."""

    def spans(g: Gold, attr: str) -> set[tuple[str, str, int, int]]:
        out = set()
        for doc_id, doc in g.documents.items():
            if doc_id not in reference.documents or doc_id not in other.documents:
                continue
            for s in doc.stances:
                name = g.registry.entries[s.holder].name
                out |= {(doc_id, name, x.start, x.end) for x in getattr(s, attr)}
        return out

    def shared(
        x: set[tuple[str, str, int, int]], names: set[tuple[str, str]]
    ) -> set[tuple[str, str, int, int]]:
        return {t for t in x if (t[0], t[1]) in names}

    holders_a = {(d, name) for d, name, *_ in spans(reference, "holder_mentions")}
    holders_b = {(d, name) for d, name, *_ in spans(other, "holder_mentions")}
    common = holders_a & holders_b
    dct = [
        {
            (doc_id, e.span.start, e.span.end)
            for doc_id, doc in g.documents.items()
            for e in doc.document.dct_evidence
        }
        for g in (reference, other)
    ]
    dct_tp = len(dct[0] & dct[1])
    from benchmark.metrics import PRF

    return [
        (
            "stances",
            "holder-mention span F1 (exact)",
            _span_set_prf(
                shared(spans(reference, "holder_mentions"), common),
                shared(spans(other, "holder_mentions"), common),
            ),
        ),
        (
            "stances",
            "evidence span F1 (exact)",
            _span_set_prf(
                shared(spans(reference, "evidence"), common),
                shared(spans(other, "evidence"), common),
            ),
        ),
        (
            "metadata",
            "dct evidence span F1 (exact)",
            PRF(tp=dct_tp, fp=len(dct[1]) - dct_tp, fn=len(dct[0]) - dct_tp).score().f1,
        ),
    ]
