"""Typed score reports, and a readable diff of gold against predictions.

A :class:`Report` is what :func:`evaluate_system` and
:func:`evaluate_predictions` return (and what the pytest fixture
``troopbench`` hands back). One attribute per layer holds that layer's
scores as :class:`~benchmark.metrics.Score` values, or ``None`` when the
system does not attempt the layer (never a zero)::

    report = evaluate_system(MySystem(), load_gold())
    report.entities.strict.f1       # SemEval-2013 strict F1
    report.timexes.value.f1         # TempEval-3 value F1
    report.troop_counts.tuple.f1    # (document, value, location) F1
    report.stances.tuple.f1         # (document, holder, label) F1
    report.stances.f_avg            # SemEval-2016 Task 6 F_avg

An attempted layer on which the system predicted nothing is a report whose
scores carry ``no_predictions=True``. ``report.primary(layer)`` is the score
the leaderboard ranks a layer by (:data:`benchmark.scoring.PRIMARY`).

:func:`diff_document` lists, for one document and one layer, what a system
got wrong — missed, spurious, wrongly typed, wrong value, wrong boundary,
wrong location, wrong label — each with its place in the text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from benchmark.aliases import unresolved_key
from benchmark.gold import Gold, GoldDocument, Registry
from benchmark.layers import LAYERS
from benchmark.layers.entities import ENTITY_TYPES, PER_TYPE_SCHEMAS, SCHEMAS, EntityCounts
from benchmark.layers.stances import LABELS, StanceCounts, resolve_holder
from benchmark.layers.timexes import TimexCounts, align_timexes
from benchmark.layers.troops import PredictedTroopCount, TroopCount, TroopCounts
from benchmark.metrics import Score
from benchmark.predictions import DocPredictions, ItemError, PredictionsFile
from benchmark.scoring import PRIMARY, Counts, Evaluation, evaluate
from benchmark.spans import Span, align

__all__ = [
    "DiffEntry",
    "EntityReport",
    "LayerReport",
    "Report",
    "StanceReport",
    "TimexReport",
    "TroopReport",
    "build_report",
    "context",
    "count_summary",
    "diff_document",
    "evaluate_predictions",
    "evaluate_system",
    "format_diff",
    "is_document_failure",
    "layer_report",
    "primary_score",
    "score_predictions",
]

# ------------------------------------------------------------------ layer reports


def _brief(score: Score) -> str:
    return f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f}"


class _Compact:
    """A one-line repr (the primary score), so assertion messages stay readable."""

    metric: ClassVar[str]
    primary: Score

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.metric.removesuffix('_f1')}: {_brief(self.primary)})"


@dataclass(frozen=True, repr=False)
class EntityReport(_Compact):
    """Named entities: the four SemEval-2013 schemas and the offset-free scores.

    ``per_type[T][schema]`` and ``macro_f1[schema]`` follow
    :mod:`benchmark.layers.entities`; ``unanchored`` counts predictions
    without offsets (spurious at mention level).
    """

    metric: ClassVar[str] = PRIMARY["entities"]

    strict: Score
    exact: Score
    partial: Score
    type: Score
    offset_free: Score
    offset_free_typed: Score
    macro_f1: Mapping[str, float]
    per_type: Mapping[str, Mapping[str, Score]]
    unanchored: int
    counts: EntityCounts = field(repr=False, compare=False)

    @property
    def primary(self) -> Score:
        """The leaderboard score of the layer: strict."""
        return self.strict


@dataclass(frozen=True, repr=False)
class TimexReport(_Compact):
    """Temporal expressions: TempEval-3 strict, relaxed and value scores.

    ``value`` is the attribute F1 (relaxed F1 x value accuracy); the
    accuracies are over the aligned pairs.
    """

    metric: ClassVar[str] = PRIMARY["timexes"]

    strict: Score
    relaxed: Score
    value: Score
    offset_free: Score
    type_accuracy: float
    value_accuracy: float
    mod_accuracy: float
    unanchored: int
    counts: TimexCounts = field(repr=False, compare=False)

    @property
    def primary(self) -> Score:
        """The leaderboard score of the layer: value."""
        return self.value


@dataclass(frozen=True, repr=False)
class TroopReport(_Compact):
    """Troop counts: F1 over (document, value, location) tuples.

    The accuracies are over the matched tuples.
    """

    metric: ClassVar[str] = PRIMARY["troop_counts"]

    tuple: Score
    qualifier_accuracy: float
    force_accuracy: float
    time_accuracy: float
    counts: TroopCounts = field(repr=False, compare=False)

    @property
    def primary(self) -> Score:
        """The leaderboard score of the layer: tuple."""
        return self.tuple


@dataclass(frozen=True, repr=False)
class StanceReport(_Compact):
    """Stances: F1 over (document, holder, label) and over holders.

    ``per_label[L]`` scores the (holder, L) tuples; ``f_avg`` is the mean of
    F1(FAVOR) and F1(AGAINST); label accuracy and macro-F1 are over the gold
    holders the system found.
    """

    metric: ClassVar[str] = PRIMARY["stances"]

    tuple: Score
    holder: Score
    per_label: Mapping[str, Score]
    f_avg: float
    label_accuracy: float
    label_macro_f1: float
    counts: StanceCounts = field(repr=False, compare=False)

    @property
    def primary(self) -> Score:
        """The leaderboard score of the layer: tuple."""
        return self.tuple


LayerReport = EntityReport | TimexReport | TroopReport | StanceReport


def primary_score(layer: str, counts: Counts) -> Score:
    """The score a layer is ranked by, straight from its counts (cheap)."""
    if isinstance(counts, EntityCounts):
        return counts.score("strict")
    if isinstance(counts, TimexCounts):
        return counts.value.score()
    if isinstance(counts, TroopCounts | StanceCounts):
        return counts.tuples.score()
    raise TypeError(f"not a counts type for layer {layer!r}: {type(counts).__name__}")


def count_summary(counts: Counts) -> str:
    """The counts behind a layer's primary score, in words."""
    if isinstance(counts, EntityCounts):
        c = counts.schemas["strict"]
        return (
            f"{c.possible} gold, {c.actual} predicted: {c.cor} correct, {c.inc} incorrect, "
            f"{c.mis} missed, {c.spu} spurious"
        )
    prf = counts.value if isinstance(counts, TimexCounts) else counts.tuples
    return f"{prf.n_gold} gold, {prf.n_predicted} predicted, {prf.tp} matched"


def layer_report(layer: str, counts: Counts) -> LayerReport:
    """The typed report of one layer's counts."""
    if isinstance(counts, EntityCounts):
        return EntityReport(
            **{s: counts.score(s) for s in SCHEMAS},
            offset_free=counts.offset_free.score(),
            offset_free_typed=counts.offset_free_typed.score(),
            macro_f1={s: counts.macro(s) for s in PER_TYPE_SCHEMAS},
            per_type={
                t: {s: counts.type_score(t, s) for s in PER_TYPE_SCHEMAS}
                for t in sorted(counts.per_type)
            },
            unanchored=counts.unanchored,
            counts=counts,
        )
    if isinstance(counts, TimexCounts):
        return TimexReport(
            strict=counts.strict.score(),
            relaxed=counts.relaxed.score(),
            value=counts.value.score(),
            offset_free=counts.offset_free.score(),
            type_accuracy=counts.type_accuracy.value,
            value_accuracy=counts.value_accuracy.value,
            mod_accuracy=counts.mod_accuracy.value,
            unanchored=counts.unanchored,
            counts=counts,
        )
    if isinstance(counts, TroopCounts):
        return TroopReport(
            tuple=counts.tuples.score(),
            qualifier_accuracy=counts.qualifier.value,
            force_accuracy=counts.force.value,
            time_accuracy=counts.time.value,
            counts=counts,
        )
    if isinstance(counts, StanceCounts):
        return StanceReport(
            tuple=counts.tuples.score(),
            holder=counts.holders.score(),
            per_label={lab: counts.label_score(lab) for lab in LABELS},
            f_avg=counts.f_avg(),
            label_accuracy=counts.label_accuracy.value,
            label_macro_f1=counts.label_macro_f1(),
            counts=counts,
        )
    raise TypeError(f"not a counts type for layer {layer!r}: {type(counts).__name__}")


# ------------------------------------------------------------------ the report

_FATAL_PREFIXES = (
    "extract raised",
    "timeout after",
    "worker died",
    "memory limit",
    "no worker to run it",
    "the Prediction is for",
    "extract returned",
    "unreadable output",
    "expected a JSON object",
)


def is_document_failure(error: ItemError) -> bool:
    """Whether an error lost a whole document (raised, timed out, garbage)."""
    return error.pointer == "" and error.message.startswith(_FATAL_PREFIXES)


@dataclass(frozen=True, repr=False)
class Report:
    """Scores of one system on one gold, layer by layer.

    A layer attribute is ``None`` when the system does not attempt the
    layer. ``errors`` lists what the run recorded (documents the system
    failed on, rejected items); a failed document still counts, with nothing
    predicted. ``gold``, ``predictions`` and ``evaluation`` are the inputs
    and per-document counts the report was built from.
    """

    system: str
    version: str
    documents: tuple[str, ...]
    entities: EntityReport | None = None
    timexes: TimexReport | None = None
    troop_counts: TroopReport | None = None
    stances: StanceReport | None = None
    errors: tuple[ItemError, ...] = ()
    gold_hash: str = ""
    gold: Gold | None = field(default=None, repr=False, compare=False)
    predictions: Mapping[str, DocPredictions] = field(
        default_factory=dict, repr=False, compare=False
    )
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)
    #: a registry per document where it differs from the gold's (contrast variants)
    registries: Mapping[str, Registry] = field(default_factory=dict, repr=False, compare=False)
    #: doc_id → the whole traceback from the worker, where the system raised
    tracebacks: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        layers = ", ".join(
            f"{layer}={getattr(self, layer)!r}" if getattr(self, layer) else f"{layer}=None"
            for layer in LAYERS
        )
        return (
            f"Report({self.system} {self.version}".rstrip() + f": {layers}; "
            f"{len(self.documents)} documents, {len(self.errors)} errors)"
        )

    @property
    def attempted(self) -> tuple[str, ...]:
        """The layers the system attempts, in canonical order."""
        return tuple(layer for layer in LAYERS if getattr(self, layer) is not None)

    @property
    def failed_documents(self) -> tuple[str, ...]:
        """Documents the system failed on as a whole (raised, timed out, garbage)."""
        return tuple(sorted({e.doc_id for e in self.errors if is_document_failure(e)}))

    def layer(self, name: str) -> LayerReport | None:
        """The report of layer ``name``, or ``None`` if it is not attempted."""
        if name not in LAYERS:
            raise KeyError(f"unknown layer {name!r}; layers are {', '.join(LAYERS)}")
        report: LayerReport | None = getattr(self, name)
        return report

    def primary(self, name: str) -> Score:
        """The leaderboard score of an attempted layer."""
        report = self.layer(name)
        if report is None:
            raise KeyError(f"layer {name!r} is not attempted by {self.system}")
        return report.primary

    def document(self, doc_id: str) -> Report:
        """The same report restricted to one document."""
        if self.evaluation is None or doc_id not in self.documents:
            raise KeyError(f"no document {doc_id!r} in this report")
        per_doc = {layer: {doc_id: docs[doc_id]} for layer, docs in self.evaluation.per_doc.items()}
        evaluation = dataclasses.replace(self.evaluation, per_doc=per_doc)
        errors = tuple(e for e in self.errors if e.doc_id == doc_id)
        return build_report(
            evaluation,
            system=self.system,
            version=self.version,
            errors=errors,
            gold=self.gold,
            predictions=self.predictions,
            registries=self.registries,
        )

    def diff(self, doc_id: str, layer: str) -> list[DiffEntry]:
        """What the system got wrong in one document and layer (see :func:`diff_document`)."""
        if self.gold is None or doc_id not in self.gold.documents:
            raise KeyError(f"no gold document {doc_id!r} in this report")
        if self.layer(layer) is None:
            raise KeyError(f"layer {layer!r} is not attempted by {self.system}")
        pred = self.predictions.get(doc_id) or DocPredictions(doc_id)
        registry = self.registries.get(doc_id, self.gold.registry)
        return diff_document(layer, self.gold.documents[doc_id], pred, registry)

    def explain(self, doc_id: str, layer: str, limit: int = 25) -> str:
        """:meth:`diff` as text, one line per problem; handy in an assert message."""
        return "\n".join(format_diff(self.diff(doc_id, layer), limit=limit))

    def rows(self) -> list[list[Any]]:
        """``[layer, metric, P, R, F1]`` per layer (not-attempted layers say so)."""
        rows: list[list[Any]] = []
        for layer in LAYERS:
            report = self.layer(layer)
            if report is None:
                rows.append([layer, "not attempted", None, None, None])
                continue
            score = report.primary
            rows.append([layer, report.metric, score.precision, score.recall, score.f1])
        return rows

    def table(self, tablefmt: str = "simple") -> str:
        """The primary P/R/F1 of every layer as a text table."""
        from tabulate import tabulate

        return tabulate(
            self.rows(),
            ["layer", "metric", "P", "R", "F1"],
            tablefmt=tablefmt,
            floatfmt=".3f",
            missingval="",
        )


def build_report(
    evaluation: Evaluation,
    *,
    system: str,
    version: str,
    errors: Sequence[ItemError] = (),
    gold: Gold | None = None,
    predictions: Mapping[str, DocPredictions] | None = None,
    registries: Mapping[str, Registry] | None = None,
    tracebacks: Mapping[str, str] | None = None,
) -> Report:
    """A :class:`Report` from an :class:`~benchmark.scoring.Evaluation`."""
    layers = {layer: layer_report(layer, evaluation.total(layer)) for layer in evaluation.attempted}
    documents: set[str] = set()
    for docs in evaluation.per_doc.values():
        documents |= set(docs)
    if gold is not None and not documents:
        documents = set(gold.documents)
    return Report(
        system=system,
        version=version,
        documents=tuple(sorted(documents)),
        errors=tuple(errors),
        gold_hash=gold.sha256 if gold is not None else "",
        gold=gold,
        predictions=dict(predictions or {}),
        evaluation=evaluation,
        registries=dict(registries or {}),
        tracebacks=dict(tracebacks or {}),
        **layers,  # type: ignore[arg-type]
    )


def _evaluate(
    gold: Gold,
    predictions: Mapping[str, DocPredictions],
    attempted: frozenset[str],
    registries: Mapping[str, Registry] | None,
) -> Evaluation:
    if not registries:
        return evaluate(gold, predictions, attempted)
    from benchmark.variants.suite import evaluate_each

    return evaluate_each(gold, registries, predictions, attempted)


def evaluate_system(
    system: Any,
    gold: Gold,
    *,
    timeout: float | None = None,
    supervisor: Any = None,
    registries: Mapping[str, Registry] | None = None,
) -> Report:
    """Run ``system`` (an :class:`~benchmark.systems.Extractor`, or None with the
    ``supervisor`` that built it) over ``gold`` in worker processes and score it.

    Failures on a document are recorded in ``errors`` and the run goes on.
    ``registries`` gives documents their own registry (contrast variants, see
    :func:`benchmark.variants.suite.suite_gold`).
    """
    from benchmark.runner import DEFAULT_TIMEOUT, run_system

    documents = [d.document for d in gold]
    outcome = run_system(
        system, documents, timeout=timeout or DEFAULT_TIMEOUT, supervisor=supervisor
    )
    evaluation = _evaluate(gold, outcome.predictions, frozenset(outcome.layers), registries)
    return build_report(
        evaluation,
        system=outcome.system,
        version=outcome.version,
        errors=outcome.errors,
        gold=gold,
        predictions=outcome.predictions,
        registries=registries,
        tracebacks=outcome.tracebacks,
    )


def evaluate_predictions(
    path: Path | str, gold: Gold, registries: Mapping[str, Registry] | None = None
) -> Report:
    """Score a predictions JSONL file against ``gold`` (layers: those the file attempts)."""
    from benchmark.predictions import load_predictions

    path = Path(path)
    loaded = load_predictions(path, {d.doc_id: d.document.text for d in gold})
    return score_predictions(loaded, gold, name=path.name, registries=registries)


def score_predictions(
    loaded: PredictionsFile,
    gold: Gold,
    *,
    name: str,
    registries: Mapping[str, Registry] | None = None,
) -> Report:
    """Score an already loaded predictions file against ``gold``."""
    evaluation = _evaluate(gold, loaded.documents, loaded.attempted(), registries)
    return build_report(
        evaluation,
        system=name,
        version="",
        errors=loaded.errors,
        gold=gold,
        predictions=loaded.documents,
        registries=registries,
    )


# ------------------------------------------------------------------ the diff


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """One thing a system got wrong in a document.

    ``kind`` is one of ``missed``, ``spurious``, ``wrong type``, ``wrong
    value``, ``wrong boundary``, ``wrong location``, ``wrong label`` or
    ``invalid``; ``detail`` says what gold and the system have; ``context``
    is the text around the item with the item in brackets; ``position`` is
    where it starts in the text (-1 when it has no place).
    """

    kind: str
    detail: str
    context: str = ""
    position: int = -1


_SPACES = re.compile(r"\s+")


def context(text: str, start: int, end: int, width: int = 28) -> str:
    """``…words before [the item] words after…``: one line of the text, cut at words.

    The context stays within the item's line (gold spans never cross one);
    ``…`` marks where the line was cut.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left_from = max(line_start, start - width)
    right_to = min(line_end, end + width)
    left = text[left_from:start]
    right = text[end:right_to]
    if left_from > line_start and not text[left_from - 1].isspace() and " " in left:
        left = left[left.index(" ") + 1 :]  # drop the cut word
    if right_to < line_end and not text[right_to].isspace() and " " in right:
        right = right[: right.rindex(" ")]
    snippet = _SPACES.sub(" ", f"{left}[{text[start:end]}]{right}").strip()
    return f"{'…' if left_from > line_start else ''}{snippet}{'…' if right_to < line_end else ''}"


def _show(span: Span) -> str:
    return f"{span.text!r} [{span.start}:{span.end}]"


class _Diff:
    """Collects the entries of one document's diff, with their context."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entries: list[DiffEntry] = []

    def add(self, kind: str, detail: str, span: Span | None = None) -> None:
        if span is None:
            self.entries.append(DiffEntry(kind, detail))
        else:
            where = context(self.text, span.start, span.end)
            self.entries.append(DiffEntry(kind, detail, where, span.start))

    def invalid(self, pred: DocPredictions, layer: str) -> list[DiffEntry]:
        """Close the diff: add the rejected items of ``layer`` and return the entries."""
        n = pred.invalid.get(layer, 0)
        if n:
            self.add("invalid", f"{n} item(s) rejected by validation, each counted as spurious")
        return self.entries


def _entity_diff(gold_doc: GoldDocument, pred: DocPredictions) -> list[DiffEntry]:
    diff = _Diff(gold_doc.document.text)
    gold = gold_doc.entities
    placeable = []
    for p in pred.entities or ():
        if p.span is None:
            diff.add("spurious", f"{p.type} {p.text!r} has no offsets: it cannot be placed")
        elif p.type not in ENTITY_TYPES:
            diff.add("spurious", f"{p.type} {_show(p.span)}: unknown type", p.span)
        else:
            placeable.append((p, p.span))
    result = align(
        [(g.span.start, g.span.end) for g in gold],
        [(span.start, span.end) for _, span in placeable],
        [g.type for g in gold],
        [p.type for p, _ in placeable],
    )
    for gi, pj in result.pairs:
        g, (p, span) = gold[gi], placeable[pj]
        exact = (g.span.start, g.span.end) == (span.start, span.end)
        if exact and g.type != p.type:
            diff.add("wrong type", f"{_show(g.span)} is {g.type}, predicted {p.type}", g.span)
        elif not exact:
            predicted = _show(span) if p.type == g.type else f"{p.type} {_show(span)}"
            diff.add("wrong boundary", f"{g.type} {_show(g.span)}, predicted {predicted}", g.span)
    for gi in result.unmatched_gold:
        g = gold[gi]
        diff.add("missed", f"{g.type} {_show(g.span)}", g.span)
    for pj in result.unmatched_pred:
        p, span = placeable[pj]
        diff.add("spurious", f"{p.type} {_show(span)}", span)
    return diff.invalid(pred, "entities")


def _timex_diff(gold_doc: GoldDocument, pred: DocPredictions) -> list[DiffEntry]:
    diff = _Diff(gold_doc.document.text)
    gold = gold_doc.timexes
    anchored = []
    for p in pred.timexes or ():
        if p.span is None:
            diff.add("spurious", f"{p.value} {p.text!r} has no offsets: it cannot be placed")
        else:
            anchored.append((p, p.span))
    result = align_timexes(gold, [p for p, _ in anchored])
    for gi, pj in result.pairs:
        g, (p, span) = gold[gi], anchored[pj]
        if (g.span.start, g.span.end) != (span.start, span.end):
            diff.add("wrong boundary", f"{_show(g.span)}, predicted {_show(span)}", g.span)
        if g.value != p.value:
            diff.add("wrong value", f"{_show(g.span)} is {g.value}, predicted {p.value}", g.span)
        if g.type != p.type:
            diff.add("wrong type", f"{_show(g.span)} is {g.type}, predicted {p.type}", g.span)
    for gi in result.unmatched_gold:
        g = gold[gi]
        diff.add("missed", f"{g.type} {_show(g.span)} value {g.value}", g.span)
    for pj in result.unmatched_pred:
        p, span = anchored[pj]
        diff.add("spurious", f"{_show(span)} value {p.value}", span)
    return diff.invalid(pred, "timexes")


def _resolve_name(name: str | None, registry: Registry) -> str | None:
    if name is None:
        return None
    return registry.index.resolve(name) or unresolved_key(name)


_Resolved = tuple[PredictedTroopCount, str | None]


def _troop_near_miss(
    g: TroopCount, preds: Sequence[_Resolved], candidates: list[int]
) -> tuple[int, str] | None:
    """An unmatched prediction that is this gold count with one thing wrong.

    Overlapping spans first (same location: wrong value; same value: wrong
    location), then the same value anywhere (wrong location).
    """

    def overlaps(j: int) -> bool:
        span = preds[j][0].span
        return span is not None and span.overlap(g.span) > 0

    for j in candidates:
        if overlaps(j) and preds[j][1] == g.location:
            return j, "wrong value"
    for j in candidates:
        if overlaps(j) and preds[j][0].value == g.value:
            return j, "wrong location"
    for j in candidates:
        if preds[j][0].value == g.value:
            return j, "wrong location"
    return None


def _troop_diff(
    gold_doc: GoldDocument, pred: DocPredictions, registry: Registry
) -> list[DiffEntry]:
    diff = _Diff(gold_doc.document.text)
    preds = [(p, _resolve_name(p.location, registry)) for p in pred.troop_counts or ()]
    left = list(range(len(preds)))  # predictions not matched yet
    unmatched_gold = []
    for g in gold_doc.troop_counts:
        key = (g.value, g.location)
        hit = next((j for j in left if (preds[j][0].value, preds[j][1]) == key), None)
        if hit is None:
            unmatched_gold.append(g)
        else:
            left.remove(hit)
    for g in unmatched_gold:
        gold_says = f"{g.value} in {g.location or 'no location'} {_show(g.span)}"
        near = _troop_near_miss(g, preds, left)
        if near is None:
            diff.add("missed", gold_says, g.span)
            continue
        j, kind = near
        left.remove(j)
        p = preds[j][0]
        said = f"location {p.location!r}" if kind == "wrong location" else f"value {p.value}"
        diff.add(kind, f"{gold_says}, predicted {said}", g.span)
    for j in left:
        p = preds[j][0]
        span = f" {_show(p.span)}" if p.span is not None else ""
        diff.add("spurious", f"{p.value} in {p.location!r}{span}", p.span)
    return diff.invalid(pred, "troop_counts")


def _stance_diff(
    gold_doc: GoldDocument, pred: DocPredictions, registry: Registry
) -> list[DiffEntry]:
    diff = _Diff(gold_doc.document.text)
    metonyms = registry.metonym_index(gold_doc.doc_id)
    predicted: dict[str, dict[str, str]] = {}  # holder id -> label -> name as predicted
    evidence: dict[str, Span] = {}
    for p in pred.stances or ():
        holder = resolve_holder(p.holder, metonyms, registry.index)
        predicted.setdefault(holder, {}).setdefault(p.label, p.holder)
        if p.evidence:
            evidence.setdefault(holder, p.evidence[0])
    for s in gold_doc.stances:
        anchor = (*s.evidence, *s.holder_mentions, None)[0]
        labels = predicted.pop(s.holder, {})
        others = " and ".join(sorted(lab for lab in labels if lab != s.label))
        if not labels:
            diff.add("missed", f"{s.holder} {s.label}", anchor)
        elif s.label not in labels:
            diff.add("wrong label", f"{s.holder} is {s.label}, predicted {others}", anchor)
        elif others:
            diff.add("spurious", f"{s.holder} {others} as well as {s.label}", anchor)
    for holder, labels in sorted(predicted.items()):
        for label, name in sorted(labels.items()):
            diff.add("spurious", f"{name!r} {label} (not a gold holder here)", evidence.get(holder))
    return diff.invalid(pred, "stances")


def diff_document(
    layer: str, gold_doc: GoldDocument, pred: DocPredictions, registry: Registry
) -> list[DiffEntry]:
    """What a system got wrong in one document and layer, in text order.

    Span layers are aligned with :func:`benchmark.spans.align` as the scorer
    aligns them; names (troop locations, stance holders) are resolved as the
    scorer resolves them. Correct items are left out.
    """
    if layer == "entities":
        entries = _entity_diff(gold_doc, pred)
    elif layer == "timexes":
        entries = _timex_diff(gold_doc, pred)
    elif layer == "troop_counts":
        entries = _troop_diff(gold_doc, pred, registry)
    elif layer == "stances":
        entries = _stance_diff(gold_doc, pred, registry)
    else:
        raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
    return sorted(entries, key=lambda e: (e.position < 0, e.position, e.kind, e.detail))


def _keep(entries: Sequence[DiffEntry], limit: int) -> list[int]:
    """Indices of at most ``limit`` entries, rarer kinds first, in text order."""
    frequency: dict[str, int] = {}
    for e in entries:
        frequency[e.kind] = frequency.get(e.kind, 0) + 1
    ranked = sorted(range(len(entries)), key=lambda i: (frequency[entries[i].kind], i))
    return sorted(ranked[:limit])


def format_diff(entries: Sequence[DiffEntry], limit: int = 25, indent: str = "  ") -> list[str]:
    """One aligned line per entry, at most ``limit`` of them.

    When there are more, the rarer kinds are kept (a wrong type is not
    drowned in misses) and a last line counts what was left out, by kind.
    """
    if not entries:
        return []
    kept = _keep(entries, limit)
    shown = [entries[i] for i in kept]
    kind_width = max(len(e.kind) for e in shown)
    detail_width = min(48, max(len(e.detail) for e in shown))
    lines = []
    for e in shown:
        line = f"{indent}{e.kind:<{kind_width}}  {e.detail:<{detail_width}}"
        if e.context:
            line += f"  {e.context}"
        lines.append(line.rstrip())
    left_out: dict[str, int] = {}
    for i in sorted(set(range(len(entries))) - set(kept)):
        left_out[entries[i].kind] = left_out.get(entries[i].kind, 0) + 1
    if left_out:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items()))
        lines.append(f"{indent}… and {len(entries) - len(shown)} more ({counts})")
    return lines
