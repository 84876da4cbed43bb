"""An independent reference scorer written from docs/scoring.md alone.

It imports nothing from :mod:`benchmark`: it reads ``gold/*.json``,
``seeds/*.txt`` and ``benchmark/schemas/predictions.schema.json`` (the item
rules docs/scoring.md points to) itself, and follows its text step by
step, so that a test can check the real scorer against the specification
rather than against itself. :func:`score_file` returns, per layer, the
metrics table a results file holds (``None`` for a layer not attempted).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT")
LABELS = ("FAVOR", "AGAINST", "NEUTRAL")
LAYERS = ("entities", "timexes", "troop_counts", "stances")
ITEM_DEFS = {
    "entities": "entity",
    "timexes": "timex",
    "troop_counts": "troopCount",
    "stances": "stance",
}
Metrics = dict[str, Any]
Item = Mapping[str, Any]
Labelled = tuple[int, int, tuple[str, ...]]

# ------------------------------------------------------------ names

_WS = re.compile(r"\s+")


def normalise(name: str) -> str:
    """docs/scoring.md "Name normalisation", steps 1-7."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = s.replace("\u2018", "'").replace("\u2019", "'")
    s = s.replace(".", "")
    s = _WS.sub(" ", s).strip()
    if s.endswith("'s"):
        s = s[:-2]
    elif s.endswith("'"):
        s = s[:-1]
    leading = re.match(r"the\s+", s)
    if leading:
        s = s[leading.end() :]
    return _WS.sub(" ", s).strip()


@dataclass
class Index:
    """Normalised name → the ids that carry it."""

    table: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, name: str, entity_id: str) -> None:
        key = normalise(name)
        if key:
            self.table[key].add(entity_id)

    def get(self, name: str) -> str | None:
        ids = self.table.get(normalise(name))
        return min(ids) if ids else None

    def resolve(self, name: str) -> str:
        found = self.get(name)
        return found if found is not None else "?" + normalise(name)


# ------------------------------------------------------------ arithmetic


def ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def mean(values: Iterable[float]) -> float:
    """Added one by one to 0.0, in the order given, then divided by the count."""
    total, count = 0.0, 0
    for value in values:
        total += value
        count += 1
    return ratio(total, count)


def prf(prefix: str, credit: float, predicted: int, gold: int, out: Metrics) -> None:
    """P, R and F1 under ``prefix``, and their empty denominators."""
    p, r = ratio(credit, predicted), ratio(credit, gold)
    out[f"{prefix}_precision"], out[f"{prefix}_recall"] = p, r
    out[f"{prefix}_f1"] = ratio(2 * p * r, p + r)
    if not predicted:
        out["empty_denominators"].append(f"{prefix}: no predictions (precision 0/0, reported as 0)")
    if not gold:
        out["empty_denominators"].append(f"{prefix}: no gold items (recall 0/0, reported as 0)")


def f1_of(credit: float, predicted: int, gold: int) -> float:
    p, r = ratio(credit, predicted), ratio(credit, gold)
    return ratio(2 * p * r, p + r)


# ------------------------------------------------------------ alignment


def align(
    gold: Sequence[Labelled], pred: Sequence[Labelled], label_first: bool
) -> list[tuple[int, int]]:
    """docs/scoring.md "Alignment": greedy over all overlapping pairs in ascending key order."""
    candidates = []
    for gi, (gs, ge, gl) in enumerate(gold):
        for pi, (ps, pe, pl) in enumerate(pred):
            over = min(ge, pe) - max(gs, ps)
            if over <= 0:
                continue
            bounds = (gs, ge) != (ps, pe)
            dis = tuple(a != b for a, b in zip(gl, pl, strict=True))
            rest = (-over, (ge - gs) + (pe - ps), (gs, ge), (ps, pe), gl, pl)
            key = (dis, bounds, *rest) if label_first else (bounds, dis, *rest)
            candidates.append((key, gi, pi))
    candidates.sort(key=lambda c: c[0])
    taken_g: set[int] = set()
    taken_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi in taken_g or pi in taken_p:
            continue
        taken_g.add(gi)
        taken_p.add(pi)
        pairs.append((gi, pi))
    return pairs


def anchored(item: Item) -> bool:
    return "start" in item


# ------------------------------------------------------------ loading and validation


@dataclass
class Corpus:
    registry: Mapping[str, Any]
    docs: dict[str, dict[str, Any]]


def load_corpus(gold_dir: Path = ROOT / "gold", seeds_dir: Path = ROOT / "seeds") -> Corpus:
    registry = json.loads((gold_dir / "entities.json").read_text(encoding="utf-8"))
    docs = {}
    for path in sorted(gold_dir.glob("*.json")):
        if path.name == "entities.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["text"] = (seeds_dir / f"{doc['doc_id']}.txt").read_text(encoding="utf-8")
        docs[doc["doc_id"]] = doc
    return Corpus(registry, docs)


_SCHEMA = json.loads(
    (ROOT / "benchmark" / "schemas" / "predictions.schema.json").read_text(encoding="utf-8")
)


def _validator(layer: str) -> jsonschema.protocols.Validator:
    schema = {**_SCHEMA, "$ref": f"#/$defs/{ITEM_DEFS[layer]}"}
    for key in ("type", "properties", "required", "additionalProperties"):
        schema.pop(key, None)
    return jsonschema.Draft202012Validator(schema)


_VALIDATORS = {layer: _validator(layer) for layer in LAYERS}


def _span_ok(span: Item, text: str) -> bool:
    if span["start"] >= span["end"] or span["end"] > len(text):
        return False
    return span.get("text") is None or span["text"] == text[span["start"] : span["end"]]


def valid(layer: str, item: Any, text: str) -> bool:
    """docs/scoring.md "Rejected items": the schema's item rules, then every span."""
    if not _VALIDATORS[layer].is_valid(item):
        return False
    spans = [item] if anchored(item) else []
    if layer == "stances":
        spans = list(item.get("evidence", ()))
        if isinstance(item["holder"], dict):
            spans.append(item["holder"])
    return all(_span_ok(s, text) for s in spans)


def load_lines(path: Path, corpus: Corpus) -> dict[str, dict[str, Any]]:
    """The scored lines by doc_id: skipped are non-JSON, unknown and repeated documents."""
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        doc_id = raw.get("doc_id") if isinstance(raw, dict) else None
        if isinstance(doc_id, str) and doc_id in corpus.docs and doc_id not in out:
            out[doc_id] = raw
    return out


def split(layer: str, line: Mapping[str, Any] | None, text: str) -> tuple[list[Item], int]:
    """A document's valid items of a layer and its number of rejected items."""
    raw = (line or {}).get(layer, [])
    if not isinstance(raw, list):
        return [], 1
    kept = [item for item in raw if valid(layer, item, text)]
    return kept, len(raw) - len(kept)


def registry_index(corpus: Corpus) -> Index:
    index = Index()
    for e in corpus.registry["entities"]:
        for name in (e["name"], *e.get("aliases", ())):
            index.add(name, e["id"])
    return index


# ------------------------------------------------------------ entities


def _ner(credit_of_par: float, c: Mapping[str, int], prefix: str | None, out: Metrics) -> float:
    pos = c["cor"] + c["inc"] + c["par"] + c["mis"]
    act = c["cor"] + c["inc"] + c["par"] + c["spu"]
    credit = c["cor"] + credit_of_par * c["par"]
    if prefix is not None:
        prf(prefix, credit, act, pos, out)
    return f1_of(credit, act, pos)


def score_entities(corpus: Corpus, lines: Mapping[str, Mapping[str, Any]]) -> Metrics:
    reg_type = {e["id"]: e["type"] for e in corpus.registry["entities"]}
    reg = {e["id"]: e for e in corpus.registry["entities"]}
    schemas = ("strict", "exact", "partial", "type")
    counts = {s: dict.fromkeys(("cor", "inc", "par", "mis", "spu"), 0) for s in schemas}
    matched: dict[str, dict[str, dict[str, int]]] = {
        s: defaultdict(lambda: {"cor": 0, "inc": 0, "par": 0})
        for s in ("strict", "partial", "type")
    }
    gold_t: dict[str, int] = defaultdict(int)
    pred_t: dict[str, int] = defaultdict(int)
    free = [0, 0, 0]
    free_typed = [0, 0, 0]
    unanchored = 0
    for doc_id, doc in corpus.docs.items():
        text = doc["text"]
        items, rejected = split("entities", lines.get(doc_id), text)
        gold: list[Labelled] = [(g["start"], g["end"], (g["type"],)) for g in doc["entities"]]
        part: list[Labelled] = [
            (p["start"], p["end"], (p["type"],))
            for p in items
            if anchored(p) and p["type"] in TYPES
        ]
        never = len(items) - len(part) + rejected
        unanchored += sum(not anchored(p) for p in items)
        for g in doc["entities"]:
            gold_t[g["type"]] += 1
        for p in items:
            if p["type"] in TYPES:
                pred_t[p["type"]] += 1
        by_bounds = align(gold, part, label_first=False)
        by_label = align(gold, part, label_first=True)
        for schema in schemas:
            pairs = by_label if schema == "type" else by_bounds
            c = counts[schema]
            for gi, pi in pairs:
                same_b = gold[gi][:2] == part[pi][:2]
                same_t = gold[gi][2] == part[pi][2]
                ok = {
                    "strict": same_b and same_t,
                    "exact": same_b,
                    "partial": same_b,
                    "type": same_t,
                }[schema]
                c["cor" if ok else ("par" if schema == "partial" else "inc")] += 1
            c["mis"] += len(gold) - len(pairs)
            c["spu"] += len(part) - len(pairs) + never
        for gi, pi in by_bounds:
            if gold[gi][2] == part[pi][2]:
                t = gold[gi][2][0]
                exact = gold[gi][:2] == part[pi][:2]
                matched["strict"][t]["cor" if exact else "inc"] += 1
                matched["partial"][t]["cor" if exact else "par"] += 1
        for gi, pi in by_label:
            if gold[gi][2] == part[pi][2]:
                matched["type"][gold[gi][2][0]]["cor"] += 1
        index = Index()
        for g in doc["entities"]:
            index.add(g["text"], g["entity"])
        for entity_id in {g["entity"] for g in doc["entities"]}:
            for name in (reg[entity_id]["name"], *reg[entity_id].get("aliases", ())):
                index.add(name, entity_id)
        gold_ids = {g["entity"] for g in doc["entities"]}
        gold_typed = {(g["entity"], reg_type[g["entity"]]) for g in doc["entities"]}
        keys = [
            (index.resolve(text[p["start"] : p["end"]] if anchored(p) else p["text"]), p["type"])
            for p in items
        ]
        for acc, g_set, p_set in (
            (free, gold_ids, {k for k, _ in keys}),
            (free_typed, gold_typed, set(keys)),
        ):
            tp = len(g_set & p_set)
            acc[0] += tp
            acc[1] += len(p_set) - tp + rejected
            acc[2] += len(g_set) - tp
    out: Metrics = {"empty_denominators": []}
    for schema in schemas:
        _ner(0.5 if schema == "partial" else 0.0, counts[schema], schema, out)
    type_set = [t for t in TYPES if gold_t[t] or pred_t[t]]
    per_type: dict[str, dict[str, float]] = {t: {} for t in type_set}
    for schema in ("strict", "partial", "type"):
        for t in type_set:
            m = matched[schema][t]
            n = m["cor"] + m["inc"] + m["par"]
            c = {**m, "mis": gold_t[t] - n, "spu": pred_t[t] - n}
            per_type[t][schema] = _ner(0.5 if schema == "partial" else 0.0, c, None, out)
        out[f"{schema}_macro_f1"] = mean(per_type[t][schema] for t in sorted(type_set))
    prf("offset_free", free[0], free[0] + free[1], free[0] + free[2], out)
    prf("offset_free_typed", free_typed[0], sum(free_typed[:2]), free_typed[0] + free_typed[2], out)
    out["per_type"] = per_type
    out["unanchored"] = unanchored
    return out


# ------------------------------------------------------------ timexes


def score_timexes(corpus: Corpus, lines: Mapping[str, Mapping[str, Any]]) -> Metrics:
    totals = {k: [0, 0, 0] for k in ("strict", "relaxed", "value")}  # tp, predicted, gold
    accuracy = {k: [0, 0] for k in ("type", "value", "mod")}
    free = [0, 0, 0]  # tp, fp, fn
    unanchored = 0
    for doc_id, doc in corpus.docs.items():
        items, rejected = split("timexes", lines.get(doc_id), doc["text"])
        gold: list[Labelled] = [
            (g["start"], g["end"], (g["value"], g["type"], g.get("mod") or ""))
            for g in doc["timexes"]
        ]
        part: list[Labelled] = [
            (p["start"], p["end"], (p["value"], p.get("type") or "", p.get("mod") or ""))
            for p in items
            if anchored(p)
        ]
        unanchored += len(items) - len(part)
        pairs = align(gold, part, label_first=False)
        tps = {
            "strict": sum(gold[g][:2] == part[p][:2] for g, p in pairs),
            "relaxed": len(pairs),
            "value": sum(gold[g][2][0] == part[p][2][0] for g, p in pairs),
        }
        for k, tp in tps.items():
            totals[k][0] += tp
            totals[k][1] += len(items) + rejected
            totals[k][2] += len(gold)
        for i, k in ((1, "type"), (0, "value"), (2, "mod")):
            accuracy[k][0] += sum(gold[g][2][i] == part[p][2][i] for g, p in pairs)
            accuracy[k][1] += len(pairs)
        g_values = {g["value"] for g in doc["timexes"]}
        p_values = {p["value"] for p in items}
        tp = len(g_values & p_values)
        free[0] += tp
        free[1] += len(p_values) - tp + rejected
        free[2] += len(g_values) - tp
    out: Metrics = {"empty_denominators": []}
    for k in ("strict", "relaxed", "value"):
        prf(k, *totals[k], out)
    for k in ("type", "value", "mod"):
        out[f"{k}_accuracy"] = ratio(*accuracy[k])
    # TempEval-3's type F1: type accuracy over the relaxed pairs times relaxed F1
    out["type_f1"] = out["type_accuracy"] * out["relaxed_f1"]
    prf("offset_free", free[0], free[0] + free[1], free[0] + free[2], out)
    out["unanchored"] = unanchored
    return _ordered(out)


def _ordered(out: Metrics) -> Metrics:
    """``empty_denominators`` last, as in results files (dict order is not compared)."""
    empty = out.pop("empty_denominators")
    out["empty_denominators"] = empty
    return out


# ------------------------------------------------------------ troop counts


def score_troops(corpus: Corpus, lines: Mapping[str, Mapping[str, Any]]) -> Metrics:
    index = registry_index(corpus)
    tuples = [0, 0, 0]  # tp, predicted, gold
    accuracy = {k: [0, 0] for k in ("qualifier", "force", "time")}

    def missing(value: str | None) -> str:
        return "" if value is None else value

    for doc_id, doc in corpus.docs.items():
        items, rejected = split("troop_counts", lines.get(doc_id), doc["text"])
        gold = [
            ((g["value"], g["location"]), tuple(missing(g.get(a)) for a in accuracy), g["start"])
            for g in doc["troop_counts"]
        ]
        pred = []
        for p in items:
            location = None if p["location"] is None else index.resolve(p["location"])
            force = None if p.get("force") is None else index.resolve(p["force"])
            attrs = (missing(p.get("qualifier")), missing(force), missing(p.get("time")))
            pred.append(((p["value"], location), attrs))
        candidates = []
        for gi, (g_key, g_attrs, g_start) in enumerate(gold):
            for pi, (p_key, p_attrs) in enumerate(pred):
                if g_key == p_key:
                    agree = sum(a == b for a, b in zip(g_attrs, p_attrs, strict=True))
                    candidates.append(((-agree, g_attrs, p_attrs, g_start), gi, pi))
        candidates.sort(key=lambda c: c[0])
        taken_g: set[int] = set()
        taken_p: set[int] = set()
        for _, gi, pi in candidates:
            if gi in taken_g or pi in taken_p:
                continue
            taken_g.add(gi)
            taken_p.add(pi)
            for i, k in enumerate(accuracy):
                accuracy[k][0] += gold[gi][1][i] == pred[pi][1][i]
                accuracy[k][1] += 1
        tuples[0] += len(taken_g)
        tuples[1] += len(pred) + rejected
        tuples[2] += len(gold)
    out: Metrics = {"empty_denominators": []}
    prf("tuple", *tuples, out)
    for k in accuracy:
        out[f"{k}_accuracy"] = ratio(*accuracy[k])
    return _ordered(out)


# ------------------------------------------------------------ stances


def stance_pairs(corpus: Corpus, lines: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per-document stance counts and label pairs (docs/scoring.md "Stances")."""
    index = registry_index(corpus)
    tuples = [0, 0, 0]  # tp, predicted, gold
    holders = [0, 0, 0]
    per_label = {label: [0, 0, 0] for label in LABELS}
    pairs: list[tuple[str, str]] = []
    for doc_id, doc in corpus.docs.items():
        text = doc["text"]
        metonyms = Index()
        for m in corpus.registry.get("metonyms", ()):
            if m["doc_id"] == doc_id:
                metonyms.add(m["name"], m["entity"])
        items, rejected = split("stances", lines.get(doc_id), text)
        gold = {(g["holder"], g["label"]) for g in doc["stances"]}
        pred = set()
        for p in items:
            holder = p["holder"]
            name = text[holder["start"] : holder["end"]] if isinstance(holder, dict) else holder
            pred.add((metonyms.get(name) or index.resolve(name), p["label"]))
        for acc, g_set, p_set in (
            (tuples, gold, pred),
            (holders, {h for h, _ in gold}, {h for h, _ in pred}),
        ):
            acc[0] += len(g_set & p_set)
            acc[1] += len(p_set) + rejected
            acc[2] += len(g_set)
        for label in LABELS:
            g_set = {t for t in gold if t[1] == label}
            p_set = {t for t in pred if t[1] == label}
            per_label[label][0] += len(g_set & p_set)
            per_label[label][1] += len(p_set)
            per_label[label][2] += len(g_set)
        for holder, label in sorted(gold):
            given = {lab for h, lab in pred if h == holder}
            if given:
                pairs.append((label, given.pop() if len(given) == 1 else "CONFLICT"))
    return {"tuples": tuples, "holders": holders, "per_label": per_label, "pairs": pairs}


def score_stances(corpus: Corpus, lines: Mapping[str, Mapping[str, Any]]) -> Metrics:
    c = stance_pairs(corpus, lines)
    out: Metrics = {"empty_denominators": []}
    prf("tuple", *c["tuples"], out)
    prf("holder", *c["holders"], out)
    for label in LABELS:
        out[f"{label.lower()}_f1"] = f1_of(*c["per_label"][label])
    out["f_avg"] = mean((out["favor_f1"], out["against_f1"]))
    pairs: list[tuple[str, str]] = c["pairs"]
    out["label_accuracy"] = ratio(sum(g == p for g, p in pairs), len(pairs))
    labels = sorted({x for pair in pairs for x in pair})
    f1s = []
    for label in labels:
        tp = sum(g == label == p for g, p in pairs)
        n = sum(g == label for g, _ in pairs) + sum(p == label for _, p in pairs)
        f1s.append(ratio(2 * tp, n))
    out["label_macro_f1"] = mean(f1s)
    if not pairs:
        out["empty_denominators"].append(
            "label_accuracy: no gold holder found (0/0, reported as 0)"
        )
    return _ordered(out)


# ------------------------------------------------------------ a whole file

SCORERS = {
    "entities": score_entities,
    "timexes": score_timexes,
    "troop_counts": score_troops,
    "stances": score_stances,
}


def attempted(lines: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Layers with a key in at least one scored line (docs/formats.md "Prediction format")."""
    return [layer for layer in LAYERS if any(layer in line for line in lines.values())]


def score_file(path: Path, corpus: Corpus | None = None) -> dict[str, Metrics | None]:
    """Every layer's metrics table for one predictions file; ``None`` if not attempted."""
    corpus = corpus or load_corpus()
    lines = load_lines(path, corpus)
    layers = attempted(lines)
    return {layer: (SCORERS[layer](corpus, lines) if layer in layers else None) for layer in LAYERS}
