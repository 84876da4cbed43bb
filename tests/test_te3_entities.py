"""te3-platinum's entity layer: the committed passes and the adjudicated gold, pinned.

Gold-integrity checks (counts per type, registry, passes, adjudication log)
so that an accidental edit fails CI. No system output is involved.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from benchmark.agreement import (
    EntityPass,
    entity_agreement,
    entity_agreement_rows,
    entity_disagreements,
    load_entity_pass,
)

ROOT = Path(__file__).resolve().parent.parent
TE3 = ROOT / "gold" / "te3-platinum"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    out = {}
    for path in sorted((TE3 / "tml").glob("*.tml")):
        node = ET.parse(path).getroot().find("TEXT")
        assert node is not None, path
        out[path.stem] = "".join(node.itertext())
    assert len(out) == 20
    return out


@pytest.fixture(scope="module")
def gold(texts: dict[str, str]) -> EntityPass:
    return load_entity_pass(TE3 / "entities", texts, TE3 / "entities.json")


@pytest.fixture(scope="module")
def pass_a(texts: dict[str, str]) -> EntityPass:
    return load_entity_pass(TE3 / "passes" / "a", texts)


@pytest.fixture(scope="module")
def pass_b(texts: dict[str, str]) -> EntityPass:
    return load_entity_pass(TE3 / "passes" / "b", texts)


def test_every_document_has_an_entity_file(gold: EntityPass, texts: dict[str, str]) -> None:
    assert sorted(gold.documents) == sorted(texts)


def test_gold_counts_per_type(gold: EntityPass) -> None:
    types = Counter(m.type for mentions in gold.documents.values() for m in mentions)
    assert types == {
        "PERSON": 121,
        "NORP": 56,
        "ORG": 109,
        "GPE": 111,
        "LOC": 32,
        "FAC": 2,
        "EVENT": 2,
    }
    assert sum(len(m) for m in gold.documents.values()) == 433


def test_registry_every_id_used_and_troopbench_ids_kept(gold: EntityPass) -> None:
    used = {m.entity for mentions in gold.documents.values() for m in mentions}
    assert used == set(gold.registry)
    assert len(gold.registry) == 174
    troopbench = {
        e["id"]: e
        for e in json.loads((ROOT / "gold" / "entities.json").read_text(encoding="utf-8"))[
            "entities"
        ]
    }
    shared = sorted(set(troopbench) & set(gold.registry))
    assert shared == [
        "american",
        "barack_obama",
        "china",
        "gaza",
        "israel",
        "israeli",
        "middle_east",
        "russia",
        "us",
    ]
    for i in shared:
        entry, tb = gold.registry[i], troopbench[i]
        assert (entry.name, entry.type) == (tb["name"], tb["type"])
        assert set(tb["aliases"]) <= set(entry.aliases)


def test_registry_file_is_sorted_and_metonyms_point_to_mentioned_ids(
    gold: EntityPass, texts: dict[str, str]
) -> None:
    data = json.loads((TE3 / "entities.json").read_text(encoding="utf-8"))
    ids = [e["id"] for e in data["entities"]]
    assert ids == sorted(ids)
    metonyms = [(m["doc_id"], m["name"], m["entity"]) for m in data["metonyms"]]
    assert metonyms == [
        ("nyt_20130321_cyprus", "Berlin", "germany"),
        ("nyt_20130321_women_senate", "Capitol Hill", "us_congress"),
    ]
    for doc_id, name, entity in metonyms:
        assert any(m.span.text == name for m in gold.documents[doc_id])
        assert entity in gold.registry


@pytest.mark.parametrize(
    ("doc_id", "surface", "kind", "entity"),
    [
        ("nyt_20130321_women_senate", "United States", "GPE", "us"),
        ("nyt_20130321_women_senate", "Capitol Hill", "LOC", "capitol_hill"),
        ("bbc_20130322_1600", "World Cup", "EVENT", "fifa_world_cup"),
        ("CNN_20130322_1003", "Coast Guard", "ORG", "us_coast_guard"),
        ("nyt_20130321_china_pollution", "Wen Jiabao", "PERSON", "wen_jiabao"),
        ("nyt_20130322_strange_computer", "Lockheed", "ORG", "lockheed_martin"),
        ("WSJ_20130321_1145", "Clark-Kent", "PERSON", "superman"),
    ],
)
def test_adjudicated_decisions(
    gold: EntityPass, doc_id: str, surface: str, kind: str, entity: str
) -> None:
    found = {(m.type, m.entity) for m in gold.documents[doc_id] if m.span.text == surface}
    assert found == {(kind, entity)}


@pytest.mark.parametrize(
    ("doc_id", "surface"),
    [
        ("bbc_20130322_1600", "British"),  # British Summer Time: a clock setting
        ("nyt_20130321_women_senate", "United States Senate"),  # split
        ("CNN_20130322_314", "Air Force One"),  # a vehicle
    ],
)
def test_adjudicated_non_mentions(gold: EntityPass, doc_id: str, surface: str) -> None:
    assert all(m.span.text != surface for m in gold.documents[doc_id])


def test_both_passes_are_committed_and_load(pass_a: EntityPass, pass_b: EntityPass) -> None:
    assert sum(len(m) for m in pass_a.documents.values()) == 432
    assert sum(len(m) for m in pass_b.documents.values()) == 434
    assert len(pass_a.registry) == len(pass_b.registry) == 174
    for name in ("a", "b"):
        folder = TE3 / "passes" / name
        assert (folder / "NOTES.md").is_file()
        instructions = (folder / "INSTRUCTIONS.md").read_text(encoding="utf-8")
        assert "from the last text" in instructions
    assert (TE3 / "passes" / "a" / "INSTRUCTIONS.md").read_bytes() == (
        TE3 / "passes" / "b" / "INSTRUCTIONS.md"
    ).read_bytes()


def test_agreement_figures(pass_a: EntityPass, pass_b: EntityPass, gold: EntityPass) -> None:
    rows = dict(entity_agreement_rows(entity_agreement(pass_a.documents, pass_b.documents)))
    # 429 mentions with the same span and type; 2 * 429 / (432 + 434)
    assert rows["strict F1 (same boundaries and type)"] == f"{2 * 429 / 866:.4f}" == "0.9908"
    gold_a = dict(entity_agreement_rows(entity_agreement(gold.documents, pass_a.documents)))
    gold_b = dict(entity_agreement_rows(entity_agreement(gold.documents, pass_b.documents)))
    assert gold_a["strict F1 (same boundaries and type)"] == f"{2 * 429 / 865:.4f}"
    assert gold_b["strict F1 (same boundaries and type)"] == f"{2 * 433 / 867:.4f}"


def test_adjudication_log_covers_every_disagreement(
    pass_a: EntityPass, pass_b: EntityPass, texts: dict[str, str]
) -> None:
    log = (TE3 / "ADJUDICATION.md").read_text(encoding="utf-8")
    lines = entity_disagreements(pass_a, pass_b, texts)
    assert len(lines) == 31  # 6 mention lines, 25 registry lines
    for line in lines:
        if line.startswith("registry: "):
            entity = re.match(r"registry: (?:only [AB]: )?([a-z0-9_]+)", line)
            assert entity is not None and f"`{entity.group(1)}`" in log, line
        else:
            doc_id = line.split()[0]
            surface = re.search(r"\[([^\]]+)\]", line)
            assert surface is not None, line
            assert doc_id in log and surface.group(1) in log, line


def test_datasheet_reports_the_figures(gold: EntityPass) -> None:
    readme = (TE3 / "README.md").read_text(encoding="utf-8")
    types = Counter(m.type for mentions in gold.documents.values() for m in mentions)
    row = " | ".join(str(types[t]) for t in ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT"))
    assert f"| {row} | 433 | 174 | 20 |" in readme


def test_cli_agreement_prints_the_figures_of_the_datasheet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmark.cli import main

    passes = TE3 / "passes"
    code = main(
        ["agreement", "--corpus", "te3-platinum", str(passes / "a"), str(passes / "b"), "--diff"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "== 31 disagreement(s) between" in out
    assert out.startswith("corpus te3-platinum, gold hash ")
    sections = [s for s in out.split("\n== ") if " vs " in s.splitlines()[0]]
    titles = [s.splitlines()[0] for s in sections]
    assert [t.split(":")[0].split(" vs ")[0].split(" (")[0] for t in titles] == [
        str(passes / "a"),
        "gold",
        "gold",
    ]

    def value(section: str, measure: str) -> str:
        row = next(line for line in section.splitlines() if line.startswith(f"| {measure} "))
        return row.split("|")[2].strip()

    a_vs_b, gold_a, gold_b = sections
    readme = (TE3 / "README.md").read_text(encoding="utf-8")
    strict = "strict F1 (same boundaries and type)"
    assert value(a_vs_b, strict) == "0.9908"
    assert f"| strict F1 | {value(a_vs_b, strict)} |" in readme
    assert (
        f"| type F1 (overlap, same type) | {value(a_vs_b, 'type F1 (overlap and same type)')} |"
        in readme
    )
    assert f"| strict F1 | {value(gold_a, strict)} | {value(gold_b, strict)} |" in readme
    for line in a_vs_b.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0] in ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT"):
            assert f"| {' | '.join(cells)} |" in readme, cells
