"""Inter-annotator agreement: one annotation pass scored as if it were a system.

A troopbench pass is a gold-format folder (all four layers).
:func:`gold_as_predictions` turns a pass into predictions the way any system
would produce them: spans with their text, and names (never ids) for troop
locations and forces and stance holders. A name is the reference pass's
canonical name when the id exists there, else the pass's own canonical name,
so ids that differ between passes still resolve through the aliases.

An *entity-only* pass (another corpus, such as te3-platinum, whose gold has
Layer 1 alone) is a folder of ``<doc_id>.json`` files
``{"doc_id", "entities": [{"start", "end", "text", "type", "entity"}]}`` and
its registry ``entities.json``. :func:`load_entity_pass` reads and checks one
against the corpus's texts; :func:`entity_agreement` scores one pass against
another with the entity scorer the leaderboard uses
(:func:`benchmark.layers.entities.count_mentions`, the reference pass as gold
and the other as predictions), so pass-vs-pass and system-vs-gold figures
mean the same thing; :func:`entity_disagreements` lists every difference
(span, type, id, registry).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.aliases import normalize_name
from benchmark.gold import Gold, GoldError, Problem, Registry, RegistryEntry
from benchmark.layers import LAYERS
from benchmark.layers.entities import (
    ENTITY_TYPES,
    EntityCounts,
    EntityMention,
    PredictedEntity,
    count_mentions,
)
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


# ------------------------------------------------------------ entity-only passes


@dataclass(frozen=True, slots=True)
class EntityPass:
    """An entity-only annotation pass: its mentions per document and its registry."""

    path: Path
    registry: Mapping[str, RegistryEntry]
    documents: Mapping[str, tuple[EntityMention, ...]]


def _read_pass_json(path: Path, problems: list[Problem]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "file not found"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), "", f"not UTF-8: {exc}"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(str(path), "", f"not JSON: {exc.msg} (line {exc.lineno})"))
    return None


def _pass_registry(path: Path, problems: list[Problem]) -> dict[str, RegistryEntry]:
    data = _read_pass_json(path, problems)
    if data is None:
        return {}
    entries = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        problems.append(Problem(str(path), "/entities", "expected a list of registry entries"))
        return {}
    out: dict[str, RegistryEntry] = {}
    for i, e in enumerate(entries):
        pointer = f"/entities/{i}"
        if not isinstance(e, dict) or not all(
            isinstance(e.get(k), str) for k in ("id", "name", "type")
        ):
            problems.append(Problem(str(path), pointer, "needs string fields id, name and type"))
            continue
        aliases = e.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(Problem(str(path), pointer + "/aliases", "expected a list of strings"))
            aliases = []
        if e["type"] not in ENTITY_TYPES:
            problems.append(
                Problem(str(path), pointer + "/type", f"unknown entity type {e['type']!r}")
            )
        if e["id"] in out:
            problems.append(Problem(str(path), pointer + "/id", f"duplicate id {e['id']!r}"))
        out[e["id"]] = RegistryEntry(e["id"], e["name"], e["type"], tuple(aliases))
    return out


def _pass_mention(
    file: str,
    pointer: str,
    m: Any,
    text: str,
    registry: Mapping[str, RegistryEntry],
    problems: list[Problem],
) -> EntityMention | None:
    from benchmark.spans import Span

    if not isinstance(m, dict):
        problems.append(Problem(file, pointer, "expected an object"))
        return None
    start, end, surface = m.get("start"), m.get("end"), m.get("text")
    kind, entity = m.get("type"), m.get("entity")
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(surface, str)):
        problems.append(Problem(file, pointer, "needs integer start and end and a string text"))
        return None
    if not 0 <= start < end <= len(text):
        problems.append(
            Problem(file, pointer, f"span [{start}:{end}] is outside the text (0..{len(text)})")
        )
        return None
    if text[start:end] != surface:
        problems.append(
            Problem(
                file,
                pointer + "/text",
                f"{surface!r} differs from the document text at [{start}:{end}], "
                f"{text[start:end]!r}",
            )
        )
        return None
    if kind not in ENTITY_TYPES:
        problems.append(Problem(file, pointer + "/type", f"unknown entity type {kind!r}"))
        return None
    entry = registry.get(entity) if isinstance(entity, str) else None
    if entry is None:
        problems.append(
            Problem(file, pointer + "/entity", f"entity id {entity!r} is not in the registry")
        )
        return None
    if entry.type != kind:
        problems.append(
            Problem(
                file,
                pointer + "/type",
                f"type {kind} differs from the registry's {entry.type} for {entity!r}",
            )
        )
    names = {normalize_name(a) for a in (entry.name, *entry.aliases)}
    if normalize_name(surface) not in names:
        problems.append(
            Problem(
                file,
                pointer + "/text",
                f"{surface!r} is not among the registry aliases of {entity!r}",
            )
        )
    return EntityMention(Span(start, end, surface), kind, entity)


def load_entity_pass(
    folder: Path, texts: Mapping[str, str], registry_file: Path | None = None
) -> EntityPass:
    """Read an entity-only pass over the documents ``texts`` (doc id → text).

    The registry is ``folder/entities.json`` unless ``registry_file`` is
    given (a corpus's adjudicated overlay keeps its registry beside the
    folder: ``gold/<corpus>/entities.json``).

    Every file and mention is checked (JSON, doc id, offsets against the text,
    type, id in the pass's registry with the same type, surface among the
    id's aliases, sorted and flat); all problems are raised together as a
    :class:`~benchmark.gold.GoldError`. A document without a file is simply
    not annotated by this pass.
    """
    problems: list[Problem] = []
    if not folder.is_dir():
        raise GoldError([Problem(str(folder), "", "not a folder")])
    registry = _pass_registry(registry_file or folder / "entities.json", problems)
    documents: dict[str, tuple[EntityMention, ...]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == "entities.json":
            continue
        file = str(path)
        data = _read_pass_json(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
            problems.append(Problem(file, "/entities", "expected a list of mentions"))
            continue
        doc_id = path.stem
        if data.get("doc_id") != doc_id:
            problems.append(
                Problem(
                    file, "/doc_id", f"doc_id {data.get('doc_id')!r} does not match the file name"
                )
            )
            continue
        text = texts.get(doc_id)
        if text is None:
            problems.append(Problem(file, "/doc_id", f"{doc_id!r} is not a document of the corpus"))
            continue
        mentions = []
        for i, m in enumerate(data["entities"]):
            mention = _pass_mention(file, f"/entities/{i}", m, text, registry, problems)
            if mention is not None:
                if mentions and mention.span.start < mentions[-1].span.end:
                    problems.append(
                        Problem(
                            file,
                            f"/entities/{i}",
                            f"span [{mention.span.start}:{mention.span.end}] starts before the "
                            f"previous mention ends ({mentions[-1].span.end}); mentions must be "
                            "sorted by start and flat",
                        )
                    )
                mentions.append(mention)
        documents[doc_id] = tuple(mentions)
    if problems:
        raise GoldError(problems)
    return EntityPass(folder, registry, documents)


@dataclass(frozen=True, slots=True)
class EntityAgreement:
    """Entity agreement of ``other`` against ``reference`` on their shared documents.

    ``counts`` are the leaderboard's entity counts (schemas strict, exact,
    partial, type; per type strict, partial, type). ``type_pairs``: the
    (reference type, other type) of every pair of mentions with the same
    boundaries, for the chance-corrected type agreement.
    """

    documents: tuple[str, ...]
    counts: EntityCounts
    type_pairs: tuple[tuple[str, str], ...]
    mentions_reference: Mapping[str, int]
    mentions_other: Mapping[str, int]


def entity_agreement(
    reference: Mapping[str, Sequence[EntityMention]],
    other: Mapping[str, Sequence[EntityMention]],
) -> EntityAgreement:
    """Score ``other`` against ``reference`` (doc id → mentions), shared documents only."""
    shared = tuple(sorted(set(reference) & set(other)))
    total = EntityCounts()
    pairs: list[tuple[str, str]] = []
    ref_types: Counter[str] = Counter()
    other_types: Counter[str] = Counter()
    for doc_id in shared:
        gold, pred = reference[doc_id], other[doc_id]
        overall, by_type, _ = count_mentions(
            gold, [PredictedEntity(m.type, m.span.text, m.span) for m in pred]
        )
        total = total + EntityCounts(schemas=overall, per_type=by_type)
        by_span = {(m.span.start, m.span.end): m.type for m in pred}
        pairs += [
            (m.type, by_span[(m.span.start, m.span.end)])
            for m in gold
            if (m.span.start, m.span.end) in by_span
        ]
        ref_types.update(m.type for m in gold)
        other_types.update(m.type for m in pred)
    return EntityAgreement(shared, total, tuple(pairs), dict(ref_types), dict(other_types))


def type_kappa(pairs: Sequence[tuple[str, str]]) -> KappaResult:
    """Cohen's kappa of the types of mentions both passes bound identically.

    Zero pairs give 0.0 (n = 0); pairs that all carry one and the same type
    give 1.0 (perfect agreement, no chance term to correct).
    """
    from sklearn.metrics import cohen_kappa_score

    if not pairs:
        return KappaResult(0.0, 0)
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    if len(set(a) | set(b)) == 1:
        return KappaResult(1.0, len(pairs))
    return KappaResult(float(cohen_kappa_score(a, b)), len(pairs))


def entity_agreement_rows(agreement: EntityAgreement) -> list[tuple[str, str]]:
    """(measure, value) rows: overall strict and type-level agreement."""
    c = agreement.counts
    kappa = type_kappa(agreement.type_pairs)
    same = sum(1 for x, y in agreement.type_pairs if x == y)
    return [
        ("documents", str(len(agreement.documents))),
        (
            "mentions (reference / other)",
            f"{sum(agreement.mentions_reference.values())} / "
            f"{sum(agreement.mentions_other.values())}",
        ),
        ("strict F1 (same boundaries and type)", f"{c.score('strict').f1:.4f}"),
        ("exact-boundary F1 (type ignored)", f"{c.score('exact').f1:.4f}"),
        ("type F1 (overlap and same type)", f"{c.score('type').f1:.4f}"),
        ("partial F1", f"{c.score('partial').f1:.4f}"),
        (
            f"type agreement on same-boundary pairs ({same} of {kappa.n})",
            f"{same / kappa.n:.4f}" if kappa.n else "n/a",
        ),
        (f"Cohen's kappa of types ({kappa.n} same-boundary pairs)", f"{kappa.kappa:.4f}"),
        ("strict macro-F1 over types", f"{c.macro('strict'):.4f}"),
    ]


def entity_type_rows(agreement: EntityAgreement) -> list[tuple[str, int, int, int, str, str]]:
    """Per type: (type, reference mentions, other mentions, strict matches,
    strict F1, type F1), in the order of :data:`ENTITY_TYPES`."""
    c = agreement.counts
    rows = []
    for t in ENTITY_TYPES:
        if t not in c.per_type:
            continue
        rows.append(
            (
                t,
                agreement.mentions_reference.get(t, 0),
                agreement.mentions_other.get(t, 0),
                c.per_type[t]["strict"].cor,
                f"{c.type_score(t, 'strict').f1:.4f}",
                f"{c.type_score(t, 'type').f1:.4f}",
            )
        )
    return rows


def entity_disagreements(a: EntityPass, b: EntityPass, texts: Mapping[str, str]) -> list[str]:
    """Every difference between two entity-only passes, one line each.

    Mentions (by document): boundaries, type or id that differ, and mentions
    only one pass has; then the registries: ids only one has, and shared ids
    whose canonical name, type or aliases differ.
    """
    out: list[str] = []
    for doc_id in sorted(set(a.documents) & set(b.documents)):
        lines = _span_diffs(
            texts[doc_id],
            [(m.span.start, m.span.end, f"{m.type} {m.entity}") for m in a.documents[doc_id]],
            [(m.span.start, m.span.end, f"{m.type} {m.entity}") for m in b.documents[doc_id]],
        )
        out += [f"{doc_id} entities: {line}" for line in lines]
    for doc_id in sorted(set(a.documents) ^ set(b.documents)):
        only = "A" if doc_id in a.documents else "B"
        out.append(f"{doc_id}: annotated by {only} only")
    ra, rb = a.registry, b.registry
    out += [f"registry: only A: {i} ({ra[i].type} {ra[i].name})" for i in sorted(set(ra) - set(rb))]
    out += [f"registry: only B: {i} ({rb[i].type} {rb[i].name})" for i in sorted(set(rb) - set(ra))]
    for i in sorted(set(ra) & set(rb)):
        x, y = ra[i], rb[i]
        if x.type != y.type:
            out.append(f"registry: {i}: type A {x.type} vs B {y.type}")
        if x.name != y.name:
            out.append(f"registry: {i}: name A {x.name!r} vs B {y.name!r}")
        only_a = sorted(set(x.aliases) - set(y.aliases))
        only_b = sorted(set(y.aliases) - set(x.aliases))
        if only_a or only_b:
            out.append(f"registry: {i}: aliases only A {only_a}, only B {only_b}")
    return out
