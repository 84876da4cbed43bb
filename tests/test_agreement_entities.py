"""Agreement of entity-only passes over another corpus (made-up fixture corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.agreement import (
    EntityPass,
    entity_agreement,
    entity_agreement_rows,
    entity_disagreements,
    entity_type_rows,
    load_entity_pass,
    type_kappa,
)
from benchmark.gold import GoldError
from benchmark.layers.entities import EntityMention
from benchmark.spans import Span

TEXTS = {
    "d1": "Ada Lark met the Globex board in Lisbon on Monday.",
    "d2": "Peruvian officials said Globex Corp. will open in Lima.",
}
REGISTRY = [
    {"id": "ada_lark", "name": "Ada Lark", "type": "PERSON", "aliases": ["Ada Lark"]},
    {"id": "globex", "name": "Globex Corp.", "type": "ORG", "aliases": ["Globex Corp.", "Globex"]},
    {"id": "lima", "name": "Lima", "type": "GPE", "aliases": ["Lima"]},
    {"id": "lisbon", "name": "Lisbon", "type": "GPE", "aliases": ["Lisbon"]},
    {"id": "peruvian", "name": "Peruvian", "type": "NORP", "aliases": ["Peruvian"]},
]


def mention(doc: str, surface: str, kind: str, entity: str) -> dict[str, object]:
    start = TEXTS[doc].index(surface)
    return {
        "start": start,
        "end": start + len(surface),
        "text": surface,
        "type": kind,
        "entity": entity,
    }


A = {
    "d1": [
        mention("d1", "Ada Lark", "PERSON", "ada_lark"),
        mention("d1", "Globex", "ORG", "globex"),
        mention("d1", "Lisbon", "GPE", "lisbon"),
    ],
    "d2": [
        mention("d2", "Peruvian", "NORP", "peruvian"),
        mention("d2", "Globex Corp.", "ORG", "globex"),
        mention("d2", "Lima", "GPE", "lima"),
    ],
}
B = {
    "d1": [
        mention("d1", "Ada Lark", "PERSON", "ada_lark"),
        mention("d1", "Globex", "ORG", "globex"),
        mention("d1", "Lisbon", "LOC", "lisbon_area"),  # type differs
    ],
    "d2": [
        mention("d2", "Peruvian", "NORP", "peruvian"),
        mention("d2", "Globex", "ORG", "globex"),  # boundary differs
        mention("d2", "Lima", "GPE", "lima"),
    ],
}
B_REGISTRY = [
    *REGISTRY,
    {"id": "lisbon_area", "name": "Lisbon", "type": "LOC", "aliases": ["Lisbon"]},
]


def write_pass(
    folder: Path, docs: dict[str, list[dict[str, object]]], registry: list[dict[str, object]]
) -> Path:
    folder.mkdir(parents=True)
    for doc_id, mentions in docs.items():
        (folder / f"{doc_id}.json").write_text(
            json.dumps({"doc_id": doc_id, "entities": mentions}), encoding="utf-8"
        )
    (folder / "entities.json").write_text(json.dumps({"entities": registry}), encoding="utf-8")
    return folder


@pytest.fixture
def passes(tmp_path: Path) -> tuple[EntityPass, EntityPass]:
    a = load_entity_pass(write_pass(tmp_path / "a", A, REGISTRY), TEXTS)
    b = load_entity_pass(
        write_pass(tmp_path / "b", B, [e for e in B_REGISTRY if e["id"] != "lisbon"]), TEXTS
    )
    return a, b


def test_figures_of_the_fixture(passes: tuple[EntityPass, EntityPass]) -> None:
    a, b = passes
    agreement = entity_agreement(a.documents, b.documents)
    rows = dict(entity_agreement_rows(agreement))
    # 6 mentions each; same boundaries and type: Ada Lark, Globex (d1), Peruvian, Lima = 4
    assert rows["strict F1 (same boundaries and type)"] == f"{2 * 4 / 12:.4f}"
    # same boundaries, any type: + Lisbon = 5
    assert rows["exact-boundary F1 (type ignored)"] == f"{2 * 5 / 12:.4f}"
    # overlap and same type: + Globex Corp./Globex, - Lisbon = 5
    assert rows["type F1 (overlap and same type)"] == f"{2 * 5 / 12:.4f}"
    assert rows["type agreement on same-boundary pairs (4 of 5)"] == "0.8000"
    # po = 4/5; A types PERSON 1 ORG 1 GPE 2 NORP 1, B PERSON 1 ORG 1 GPE 1 LOC 1 NORP 1
    # pe = (1 + 1 + 2 + 1) / 25 = 0.2; kappa = (0.8 - 0.2) / 0.8 = 0.75
    assert rows["Cohen's kappa of types (5 same-boundary pairs)"] == "0.7500"
    assert entity_type_rows(agreement) == [
        ("PERSON", 1, 1, 1, "1.0000", "1.0000"),
        ("NORP", 1, 1, 1, "1.0000", "1.0000"),
        ("ORG", 2, 2, 1, "0.5000", "1.0000"),
        ("GPE", 2, 1, 1, "0.6667", "0.6667"),
        ("LOC", 0, 1, 0, "0.0000", "0.0000"),
    ]


S = {
    "ada": EntityMention(Span(0, 8, "Ada Lark"), "PERSON", "ada_lark"),
    "ada_org": EntityMention(Span(0, 8, "Ada Lark"), "ORG", "ada_lark"),
    "ada_short": EntityMention(Span(0, 3, "Ada"), "PERSON", "ada_lark"),
    "globex": EntityMention(Span(17, 23, "Globex"), "ORG", "globex"),
}


@pytest.mark.parametrize(
    ("a", "b", "strict", "exact", "typed"),
    [
        (["ada", "globex"], ["ada", "globex"], 1.0, 1.0, 1.0),
        (["ada", "globex"], ["ada_org", "globex"], 0.5, 1.0, 0.5),
        (["ada"], ["ada_short"], 0.0, 0.0, 1.0),
        (["ada", "globex"], ["globex"], 2 / 3, 2 / 3, 2 / 3),
        (["ada"], [], 0.0, 0.0, 0.0),
        ([], [], 0.0, 0.0, 0.0),  # zero-division policy: an F1 over nothing is 0.0
    ],
)
def test_hand_computed_agreement(
    a: list[str], b: list[str], strict: float, exact: float, typed: float
) -> None:
    agreement = entity_agreement({"d1": [S[x] for x in a]}, {"d1": [S[x] for x in b]})
    assert agreement.counts.score("strict").f1 == pytest.approx(strict)
    assert agreement.counts.score("exact").f1 == pytest.approx(exact)
    assert agreement.counts.score("type").f1 == pytest.approx(typed)


def test_agreement_is_computed_on_shared_documents_only() -> None:
    agreement = entity_agreement({"d1": [S["ada"]], "d2": [S["globex"]]}, {"d1": [S["ada"]]})
    assert agreement.documents == ("d1",)
    assert agreement.counts.score("strict").f1 == 1.0


@pytest.mark.parametrize(
    ("pairs", "kappa", "n"),
    [
        ([], 0.0, 0),
        ([("ORG", "ORG"), ("ORG", "ORG")], 1.0, 2),
        # po = 1/2; pe = (1*1 + 1*1)/4 = 1/2 -> 0
        ([("ORG", "ORG"), ("GPE", "ORG"), ("GPE", "GPE"), ("ORG", "GPE")], 0.0, 4),
    ],
)
def test_type_kappa(pairs: list[tuple[str, str]], kappa: float, n: int) -> None:
    result = type_kappa(pairs)
    assert (result.kappa, result.n) == (pytest.approx(kappa), n)


def test_disagreements_are_listed(passes: tuple[EntityPass, EntityPass]) -> None:
    a, b = passes
    lines = entity_disagreements(a, b, TEXTS)
    assert lines == [
        "d1 entities: attributes: … Lark met the Globex board in [Lisbon] on Monday.… "
        "A GPE lisbon vs B LOC lisbon_area",
        "d2 entities: boundary: A …Peruvian officials said [Globex Corp.] will open in Lima.… "
        "vs B …Peruvian officials said [Globex] Corp. will open in Lima.…",
        "registry: only A: lisbon (GPE Lisbon)",
        "registry: only B: lisbon_area (LOC Lisbon)",
    ]


def test_identical_passes_have_no_disagreement(tmp_path: Path) -> None:
    a = load_entity_pass(write_pass(tmp_path / "a", A, REGISTRY), TEXTS)
    assert entity_disagreements(a, a, TEXTS) == []
    rows = dict(entity_agreement_rows(entity_agreement(a.documents, a.documents)))
    assert rows["strict F1 (same boundaries and type)"] == "1.0000"


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        (lambda d: d["entities"][0].update(text="Ada"), "/entities/0/text", "differs from"),
        (lambda d: d["entities"][0].update(end=999), "/entities/0", "outside the text"),
        (lambda d: d["entities"][0].update(entity="nobody"), "/entities/0/entity", "not in"),
        (lambda d: d["entities"][0].update(type="ORG"), "/entities/0/type", "differs from the"),
        (lambda d: d["entities"][0].update(type="LAW"), "/entities/0/type", "unknown entity"),
        (lambda d: d["entities"].reverse(), "/entities/1", "sorted by start and flat"),
        (lambda d: d.update(doc_id="d9"), "/doc_id", "does not match the file name"),
    ],
)
def test_bad_pass_files_name_the_file_and_item(
    tmp_path: Path, change: object, pointer: str, message: str
) -> None:
    folder = write_pass(tmp_path / "a", A, REGISTRY)
    path = folder / "d1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GoldError) as info:
        load_entity_pass(folder, TEXTS)
    problems = [(p.file, p.pointer, p.message) for p in info.value.problems]
    assert any(f == str(path) and p == pointer and message in m for f, p, m in problems), problems


def test_a_document_outside_the_corpus_and_bad_json_are_reported(tmp_path: Path) -> None:
    folder = write_pass(tmp_path / "a", A, REGISTRY)
    (folder / "d7.json").write_text(json.dumps({"doc_id": "d7", "entities": []}))
    (folder / "d2.json").write_text("{not json")
    with pytest.raises(GoldError) as info:
        load_entity_pass(folder, TEXTS)
    messages = {(Path(p.file).name, p.message.split(":")[0]) for p in info.value.problems}
    assert ("d7.json", "'d7' is not a document of the corpus") in messages
    assert ("d2.json", "not JSON") in messages


def test_a_surface_outside_the_aliases_is_reported(tmp_path: Path) -> None:
    registry = [dict(e, aliases=["Globex Corp."]) if e["id"] == "globex" else e for e in REGISTRY]
    folder = write_pass(tmp_path / "a", A, registry)
    with pytest.raises(GoldError) as info:
        load_entity_pass(folder, TEXTS)
    assert any(
        "'Globex' is not among the registry aliases of 'globex'" in p.message
        for p in info.value.problems
    )
