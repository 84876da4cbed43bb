"""The scorer against a reference written from docs/scoring.md alone.

:mod:`tests.reference_scorer` imports nothing from :mod:`benchmark`. Every
committed result must come out of it figure for figure (bit for bit), and so
must adversarial cases built to probe each rule docs/scoring.md states: ties,
duplicates, unknown types, names that normalise alike, metonyms, conflicting
labels, missing attributes, rejected items and layers attempted per file.
A few of their counts are pinned by hand below.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import reference_scorer as ref
from sklearn.metrics import f1_score

import benchmark
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.layers.entities import PER_TYPE_SCHEMAS, EntityCounts
from benchmark.layers.stances import CONFLICT, LABELS, StanceCounts
from benchmark.metrics import NERCounts
from benchmark.predictions import load_predictions
from benchmark.scoring import Evaluation, evaluate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = sorted((ROOT / "results").glob("*.json"))  # the originals; not results/contrast/
D0, D1, D2, D3 = (
    "000_cfbd3f9e2e2eb4de",
    "001_3a9edc2c992913d8",
    "002_3909ecee38eeaec9",
    "003_5d9fcba85c3d5cb5",
)


@pytest.fixture(scope="module")
def gold() -> Gold:
    return benchmark.load_gold()


@pytest.fixture(scope="module")
def corpus() -> ref.Corpus:
    return ref.load_corpus()


# ------------------------------------------------------------ committed results


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_committed_result_equals_the_reference(path: Path, corpus: ref.Corpus) -> None:
    committed = json.loads(path.read_text(encoding="utf-8"))
    predictions = path.with_name(f"{path.stem}.predictions.jsonl")
    mine = ref.score_file(predictions, corpus)
    for layer in LAYERS:
        if layer in committed["layers"]:
            assert mine[layer] == committed["layers"][layer]["metrics"], layer
        else:
            assert layer in committed["not_attempted"] and mine[layer] is None, layer


def test_every_committed_result_is_checked() -> None:
    assert len(RESULTS) >= 5
    assert all((p.with_name(f"{p.stem}.predictions.jsonl")).is_file() for p in RESULTS)


# ------------------------------------------------------------ adversarial cases

Line = dict[str, Any] | str
Builder = Callable[[Gold], list[Line]]


def ent(gold: Gold, doc: str, type_: str, start: int, end: int) -> dict[str, Any]:
    text = gold.documents[doc].document.text
    return {"type": type_, "start": start, "end": end, "text": text[start:end]}


def tmx(
    gold: Gold, doc: str, start: int, end: int, value: str, type_: str = "", mod: str = ""
) -> dict[str, Any]:
    text = gold.documents[doc].document.text
    out: dict[str, Any] = {"value": value, "start": start, "end": end, "text": text[start:end]}
    if type_:
        out["type"] = type_
    if mod:
        out["mod"] = mod
    return out


def one(doc: str, layer: str, items: Any) -> list[Line]:
    return [{"doc_id": doc, layer: items}]


CASES: dict[str, Builder] = {
    # gold ORG "Pentagon"[46,54): the scoring spec's own example, and reversed on 001
    "E01_readme_example": lambda g: one(
        D0, "entities", [ent(g, D0, "GPE", 46, 54), ent(g, D0, "ORG", 47, 53)]
    ),
    "E02_readme_example_reversed": lambda g: one(
        D1, "entities", [ent(g, D1, "ORG", 28, 34), ent(g, D1, "GPE", 27, 35)]
    ),
    "E03_duplicates": lambda g: one(D0, "entities", [ent(g, D0, "ORG", 321, 329)] * 3),
    "E04_unknown_type": lambda g: one(D0, "entities", [ent(g, D0, "DATE", 197, 207)]),
    "E05_span_covers_two": lambda g: one(D0, "entities", [ent(g, D0, "NORP", 220, 237)]),
    "E06_greedy_not_optimal": lambda g: one(
        D2, "entities", [ent(g, D2, "ORG", 3050, 3078), ent(g, D2, "GPE", 3060, 3066)]
    ),
    "E07_equal_overlap_tie": lambda g: one(D3, "entities", [ent(g, D3, "LOC", 3725, 3731)]),
    "E08_offset_free_names": lambda g: one(
        D3,
        "entities",
        [
            {"type": "GPE", "text": "the U.S.\u2019s"},
            {"type": "ORG", "text": "PENTAGON."},
            {"type": "ORG", "text": "Harakat-al-Nujaba"},
            {"type": "ORG", "text": "Harakat al-Nujaba"},
            {"type": "PERSON", "text": "  Lloyd\u00a0Austin's "},
        ],
    ),
    "T01_two_preds_one_gold": lambda g: one(
        D0,
        "timexes",
        [tmx(g, D0, 371, 377, "2024-01-09", "DATE"), tmx(g, D0, 371, 377, "2024-01-08", "DATE")],
    ),
    "T02_mod_missing_and_extra": lambda g: one(
        D1,
        "timexes",
        [
            tmx(g, D1, 1685, 1703, "2019-12", "DATE"),
            tmx(g, D1, 481, 484, "PRESENT_REF", "DATE", "APPROX"),
        ],
    ),
    "T03_no_offsets": lambda g: one(
        D3,
        "timexes",
        [
            {"value": "2024-01-25", "type": "DATE", "text": "Thursday"},
            {"value": "FUTURE_REF", "text": "sometime"},
        ],
    ),
    "T04_missing_type_and_overlap": lambda g: one(
        D3,
        "timexes",
        [tmx(g, D3, 1289, 1296, "2023-10"), tmx(g, D3, 2221, 2231, "2023-08", "DATE")],
    ),
    "R01_same_key_two_preds": lambda g: one(
        D3,
        "troop_counts",
        [
            {
                "value": 2500,
                "location": "Iraq\u2019s",
                "force": "U.S.",
                "qualifier": "exact",
                "time": "current",
            },
            {
                "value": 2500,
                "location": "the Iraq",
                "force": "US",
                "qualifier": "approximately",
                "time": "current",
            },
        ],
    ),
    "R02_null_location": lambda g: one(
        D3,
        "troop_counts",
        [{"value": 900, "location": None, "force": "US", "qualifier": "exact", "time": "current"}],
    ),
    "R03_missing_force": lambda g: one(
        D3,
        "troop_counts",
        [{"value": 170000, "location": "Iraq", "qualifier": "more_than", "time": "historical"}],
    ),
    "R04_unresolved_location": lambda g: one(
        D0,
        "troop_counts",
        [{"value": 2500, "location": "Irak", "force": "US", "qualifier": "exact"}],
    ),
    "R05_null_force_equals_absent": lambda g: one(
        D3,
        "troop_counts",
        [
            {"value": 170000, "location": "Iraq", "force": None},
            {"value": 170000, "location": "Iraq"},
        ],
    ),
    "S01_holder_offsets_metonym": lambda g: one(
        D0, "stances", [{"holder": {"start": 121, "end": 128}, "label": "FAVOR"}]
    ),
    "S02_conflict": lambda g: one(
        D0,
        "stances",
        [
            {"holder": "Pentagon", "label": "AGAINST"},
            {"holder": "the Pentagon's", "label": "FAVOR"},
        ],
    ),
    "S03_name_norm": lambda g: one(D0, "stances", [{"holder": "U.S.", "label": "AGAINST"}]),
    "S04_baghdad_no_metonym": lambda g: one(
        D1, "stances", [{"holder": "Baghdad", "label": "FAVOR"}]
    ),
    "S05_holder_offsets_alias": lambda g: one(
        D1, "stances", [{"holder": {"start": 419, "end": 426}, "label": "AGAINST"}]
    ),
    "S06_unresolved_and_registry_only": lambda g: one(
        D1,
        "stances",
        [
            {"holder": "Harakat Nujaba", "label": "AGAINST"},
            {"holder": "Harakat-al-Nujaba", "label": "AGAINST"},
            {"holder": "Harakat al-Nujaba", "label": "AGAINST"},
        ],
    ),
    "S07_duplicate_tuple": lambda g: one(
        D3,
        "stances",
        [{"holder": "Sabrina Singh", "label": "AGAINST"}, {"holder": "Singh", "label": "AGAINST"}],
    ),
    "X01_entity_text_mismatch": lambda g: one(
        D0,
        "entities",
        [
            ent(g, D0, "ORG", 46, 54),
            {"type": "ORG", "start": 46, "end": 54, "text": "Pentagonx"},
        ],
    ),
    "X02_stance_bad_label": lambda g: one(
        D0,
        "stances",
        [{"holder": "Pentagon", "label": "AGAINST"}, {"holder": "US", "label": "SUPPORT"}],
    ),
    "X03_layer_not_list": lambda g: one(D0, "troop_counts", {"value": 2500}),
    "X04_timex_no_value": lambda g: one(
        D0,
        "timexes",
        [
            tmx(g, D0, 371, 377, "2024-01-08", "DATE"),
            {"type": "DATE", "start": 256, "end": 265, "text": "last week"},
        ],
    ),
    "X05_bad_evidence_and_null_mod": lambda g: [
        {
            "doc_id": D0,
            "stances": [
                {"holder": "Pentagon", "label": "AGAINST", "evidence": [{"start": 5, "end": 5}]}
            ],
            "timexes": [{**tmx(g, D0, 371, 377, "2024-01-08", "DATE"), "mod": None}],
        }
    ],
    "A01_attempted_per_file": lambda g: [
        {"doc_id": D0, "entities": [ent(g, D0, "ORG", 46, 54)]},
        {"doc_id": D1, "timexes": [tmx(g, D1, 1685, 1703, "2019-12", "DATE", "END")]},
    ],
    "A02_skipped_lines": lambda g: [
        "{not json",
        {"doc_id": "999_unknown", "stances": [{"holder": "US", "label": "FAVOR"}]},
        {"doc_id": D0, "entities": [ent(g, D0, "ORG", 46, 54)], "extra": 1},
        {"doc_id": D0, "timexes": [tmx(g, D0, 371, 377, "2024-01-08", "DATE")]},
    ],
}


def write(lines: list[Line], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def real_scorer(gold: Gold, path: Path) -> Evaluation:
    texts = {doc_id: d.document.text for doc_id, d in gold.documents.items()}
    loaded = load_predictions(path, texts)
    return evaluate(gold, loaded.documents, loaded.attempted())


def real_metrics(evaluation: Evaluation) -> dict[str, Any]:
    return {
        layer: (evaluation.metrics(layer) if layer in evaluation.attempted else None)
        for layer in LAYERS
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_adversarial_case_equals_the_reference(
    case: str, gold: Gold, corpus: ref.Corpus, tmp_path: Path
) -> None:
    path = write(CASES[case](gold), tmp_path / f"{case}.jsonl")
    assert real_metrics(real_scorer(gold, path)) == ref.score_file(path, corpus)


def test_all_cases_in_one_file_equal_the_reference(
    gold: Gold, corpus: ref.Corpus, tmp_path: Path
) -> None:
    merged: dict[str, dict[str, Any]] = {}
    for case in sorted(CASES):
        for line in CASES[case](gold):
            if isinstance(line, str) or line["doc_id"] not in gold.documents:
                continue
            doc = merged.setdefault(line["doc_id"], {"doc_id": line["doc_id"]})
            for layer in LAYERS:
                items = line.get(layer)
                if isinstance(items, list):
                    doc.setdefault(layer, []).extend(items)
    path = write(list(merged.values()), tmp_path / "all.jsonl")
    ours = real_metrics(real_scorer(gold, path))
    assert all(ours[layer] is not None for layer in LAYERS)
    assert ours == ref.score_file(path, corpus)


# Counts of the case's document, worked out by hand from docs/scoring.md.
PINNED = [
    # docs/scoring.md example: boundaries-first pairs GPE[46,54); label-first pairs ORG[47,53)
    ("E01_readme_example", "entities", "schemas.strict", {"cor": 0, "inc": 1, "spu": 1}),
    ("E01_readme_example", "entities", "schemas.exact", {"cor": 1, "inc": 0, "spu": 1}),
    ("E01_readme_example", "entities", "schemas.type", {"cor": 1, "inc": 0, "spu": 1}),
    ("E02_readme_example_reversed", "entities", "schemas.type", {"cor": 1, "inc": 0, "spu": 1}),
    ("E03_duplicates", "entities", "schemas.strict", {"cor": 1, "spu": 2}),
    ("E03_duplicates", "entities", "offset_free", {"tp": 1, "fp": 0}),
    # DATE is no entity type: a rejected item, so SPU everywhere and FP offset-free
    ("E04_unknown_type", "entities", "schemas.partial", {"cor": 0, "par": 0, "spu": 1}),
    ("E04_unknown_type", "entities", "offset_free", {"tp": 0, "fp": 1}),
    ("E04_unknown_type", "entities", "offset_free_typed", {"tp": 0, "fp": 1}),
    # two spellings of an entity not mentioned in 003: two unresolved keys
    ("E08_offset_free_names", "entities", "offset_free", {"tp": 3, "fp": 2}),
    ("E08_offset_free_names", "entities", "unanchored", 5),
    # the right value is paired whichever line comes first
    ("T01_two_preds_one_gold", "timexes", "value", {"tp": 1, "fp": 1}),
    ("T02_mod_missing_and_extra", "timexes", "mod_accuracy", {"correct": 0, "total": 2}),
    ("T02_mod_missing_and_extra", "timexes", "type_accuracy", {"correct": 2, "total": 2}),
    ("T03_no_offsets", "timexes", "relaxed", {"tp": 0, "fp": 2}),
    ("T03_no_offsets", "timexes", "offset_free", {"tp": 2, "fp": 0}),
    ("R01_same_key_two_preds", "troop_counts", "tuples", {"tp": 1, "fp": 1}),
    ("R01_same_key_two_preds", "troop_counts", "qualifier", {"correct": 1, "total": 1}),
    ("R02_null_location", "troop_counts", "tuples", {"tp": 0, "fp": 1}),
    ("R03_missing_force", "troop_counts", "force", {"correct": 0, "total": 1}),
    ("R05_null_force_equals_absent", "troop_counts", "tuples", {"tp": 1, "fp": 1}),
    ("S01_holder_offsets_metonym", "stances", "tuples", {"tp": 1, "fp": 0}),
    ("S02_conflict", "stances", "label_pairs", [["AGAINST", CONFLICT]]),
    ("S02_conflict", "stances", "tuples", {"tp": 1, "fp": 1}),
    ("S04_baghdad_no_metonym", "stances", "tuples", {"tp": 0, "fp": 1}),
    ("S06_unresolved_and_registry_only", "stances", "holders", {"tp": 0, "fp": 2}),
    ("S07_duplicate_tuple", "stances", "tuples", {"tp": 1, "fp": 0}),
    # rejected items: one more spurious / false positive, never per label
    ("X01_entity_text_mismatch", "entities", "schemas.strict", {"cor": 1, "spu": 1}),
    ("X01_entity_text_mismatch", "entities", "offset_free", {"tp": 1, "fp": 1}),
    ("X02_stance_bad_label", "stances", "tuples", {"tp": 1, "fp": 1}),
    ("X02_stance_bad_label", "stances", "per_label.AGAINST", {"tp": 1, "fp": 0}),
    ("X03_layer_not_list", "troop_counts", "tuples", {"tp": 0, "fp": 1}),
    ("X04_timex_no_value", "timexes", "relaxed", {"tp": 1, "fp": 1}),
    ("X04_timex_no_value", "timexes", "offset_free", {"tp": 1, "fp": 1}),
    ("X05_bad_evidence_and_null_mod", "stances", "tuples", {"tp": 0, "fp": 1}),
    ("X05_bad_evidence_and_null_mod", "timexes", "relaxed", {"tp": 0, "fp": 1}),
]


def _dig(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[key]
    return data


@pytest.mark.parametrize(("case", "layer", "path", "expected"), PINNED)
def test_hand_computed_counts(
    case: str, layer: str, path: str, expected: Any, gold: Gold, tmp_path: Path
) -> None:
    lines = CASES[case](gold)
    doc = next(line["doc_id"] for line in lines if isinstance(line, dict))
    evaluation = real_scorer(gold, write(lines, tmp_path / "case.jsonl"))
    counts = _dig(evaluation.per_doc[layer][doc].to_dict(), path)
    if isinstance(expected, dict):
        counts = {k: counts[k] for k in expected}
    assert counts == expected


def test_attempted_is_per_file(gold: Gold, tmp_path: Path) -> None:
    path = write(CASES["A01_attempted_per_file"](gold), tmp_path / "a.jsonl")
    evaluation = real_scorer(gold, path)
    assert evaluation.attempted == ("entities", "timexes")
    # 001's line has no entities: its gold mentions are all missed
    missed = evaluation.per_doc["entities"][D1].schemas["strict"]  # type: ignore[union-attr]
    assert missed.cor == 0 and missed.mis == len(gold.documents[D1].entities)


def test_skipped_lines_attempt_nothing(gold: Gold, tmp_path: Path) -> None:
    evaluation = real_scorer(gold, write(CASES["A02_skipped_lines"](gold), tmp_path / "b.jsonl"))
    assert evaluation.attempted == ("entities",)


# ------------------------------------------------------------ means and label macro-F1


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ((), 0.0),
        ((("FAVOR", "FAVOR"),), 1.0),
        # AGAINST 2·1/(2+1), CONFLICT 0, FAVOR 2·1/(2+2), in that order
        (
            (("FAVOR", "FAVOR"), ("AGAINST", "AGAINST"), ("FAVOR", CONFLICT), ("AGAINST", "FAVOR")),
            (2 / 3 + 0.0 + 0.5) / 3,
        ),
    ],
)
def test_label_macro_f1_by_hand(pairs: tuple[tuple[str, str], ...], expected: float) -> None:
    assert StanceCounts(label_pairs=pairs).label_macro_f1() == expected


def test_label_macro_f1_equals_scikit_learn() -> None:
    rng = random.Random(7)
    for _ in range(500):
        pairs = tuple(
            (rng.choice(LABELS), rng.choice((*LABELS, CONFLICT))) for _ in range(rng.randint(1, 12))
        )
        gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
        expected = f1_score(gold, pred, labels=sorted({*gold, *pred}), average="macro")
        assert StanceCounts(label_pairs=pairs).label_macro_f1() == pytest.approx(
            expected, rel=1e-12
        )


def test_entity_macro_f1_adds_types_in_alphabetical_order() -> None:
    # (COR, MIS, SPU) per type, found by search: their F1s sum to different
    # floats in alphabetical order and in the order PERSON NORP ORG GPE
    rows = {"PERSON": (2, 4, 4), "NORP": (2, 2, 4), "ORG": (4, 5, 4), "GPE": (1, 4, 0)}
    per_type = {
        t: dict.fromkeys(PER_TYPE_SCHEMAS, NERCounts(cor=c, mis=m, spu=s))
        for t, (c, m, s) in rows.items()
    }
    counts = EntityCounts(per_type=per_type)
    f1 = {t: counts.type_score(t, "strict").f1 for t in rows}
    assert counts.macro("strict") == ref.mean(f1[t] for t in sorted(rows))
    assert counts.macro("strict") != ref.mean(f1[t] for t in rows)
