"""A catalogue of broken gold folders, each rejected with the expected message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmark.cli import main
from benchmark.gold import GoldError, load_gold, validate_gold

DOC = "900_00000000000000a1"


def edit(root: Path, name: str, change: Callable[[Any], None]) -> None:
    path = root / "gold" / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def ent(i: int) -> Callable[[Any], Any]:
    return lambda d: d["entities"][i]


CASES: list[tuple[str, str, Callable[[Any], None], str]] = [
    (
        "offset beyond text",
        f"{DOC}.json",
        lambda d: d["entities"][0].update(end=10_000),
        "/entities/0: end 10000 is beyond the end of the text",
    ),
    (
        "text mismatch",
        f"{DOC}.json",
        lambda d: d["entities"][0].update(text="Pentagonx"),
        "/entities/0: text 'Pentagonx' does not match the document",
    ),
    (
        "inverted span",
        f"{DOC}.json",
        lambda d: d["timexes"][0].update(start=d["timexes"][0]["end"]),
        "/timexes/0: empty or inverted span",
    ),
    (
        "overlapping entities",
        f"{DOC}.json",
        lambda d: d["entities"].append(
            {
                **d["entities"][0],
                "end": d["entities"][0]["end"] - 2,
                "text": d["entities"][0]["text"][:-2],
            }
        ),
        "must be flat",
    ),
    (
        "unknown entity id",
        f"{DOC}.json",
        lambda d: d["entities"][0].update(entity="nowhere"),
        "/entities/0/entity: entity id 'nowhere' is not in the registry",
    ),
    (
        "type differs from registry",
        f"{DOC}.json",
        lambda d: d["entities"][0].update(type="GPE"),
        "/entities/0/type: type GPE differs from the registry's ORG",
    ),
    (
        "surface not an alias",
        f"{DOC}.json",
        lambda d: d["entities"][1].update(entity="iraq", type="GPE"),
        "/entities/1/text: 'US' is not among the registry aliases of 'iraq'",
    ),
    (
        "bad timex value",
        f"{DOC}.json",
        lambda d: d["timexes"][0].update(value="last Monday"),
        "/timexes/0/value: 'last Monday' is not a TIMEX3 value",
    ),
    (
        "bad timex mod",
        f"{DOC}.json",
        lambda d: d["timexes"][0].update(mod="LATE"),
        "/timexes/0/mod",
    ),
    (
        "troop value mismatch",
        f"{DOC}.json",
        lambda d: d["troop_counts"][0].update(value=250),
        "/troop_counts/0/value: value 250 does not match the number written '2,500'",
    ),
    (
        "troop location unknown",
        f"{DOC}.json",
        lambda d: d["troop_counts"][0].update(location="mars"),
        "/troop_counts/0/location: location 'mars' is not in the registry",
    ),
    (
        "troop qualifier invalid",
        f"{DOC}.json",
        lambda d: d["troop_counts"][0].update(qualifier="roughly"),
        "/troop_counts/0/qualifier",
    ),
    (
        "stance holder unknown",
        f"{DOC}.json",
        lambda d: d["stances"][0].update(holder="ghost"),
        "/stances/0/holder: holder 'ghost' is not in the registry",
    ),
    (
        "stance label invalid",
        f"{DOC}.json",
        lambda d: d["stances"][0].update(label="PRO"),
        "/stances/0/label",
    ),
    (
        "stance evidence invalid",
        f"{DOC}.json",
        lambda d: d["stances"][0]["evidence"][0].update(start=1),
        "/stances/0/evidence/0: text",
    ),
    (
        "duplicate stance holder",
        f"{DOC}.json",
        lambda d: d["stances"].append(d["stances"][0]),
        "second stance for 'pentagon'",
    ),
    (
        "missing layer",
        f"{DOC}.json",
        lambda d: d.pop("timexes"),
        "/timexes: missing: corpus 'troopbench' annotates timexes",
    ),
    (
        "doc_id mismatch",
        f"{DOC}.json",
        lambda d: d.update(doc_id="901_00000000000000b2"),
        "/doc_id: doc_id '901_00000000000000b2' does not match the file name",
    ),
    (
        "title not a line",
        f"{DOC}.json",
        lambda d: d.update(title="Something else"),
        "/title: title 'Something else' is not a line",
    ),
    (
        "dct not a date",
        f"{DOC}.json",
        lambda d: d.update(dct="2024-02-30"),
        "/dct: '2024-02-30' is not a calendar date",
    ),
    (
        "dct evidence wrong",
        f"{DOC}.json",
        lambda d: d["dct_evidence"][0].update(text="nope"),
        "/dct_evidence/0: text 'nope' does not match",
    ),
    (
        "unknown key",
        f"{DOC}.json",
        lambda d: d.update(extra=1),
        "Additional properties are not allowed",
    ),
    (
        "duplicate registry id",
        "entities.json",
        lambda d: d["entities"].append({**d["entities"][0], "aliases": ["Yankees"]}),
        "/entities/7/id: duplicate id 'american'",
    ),
    (
        "alias owned twice",
        "entities.json",
        lambda d: d["entities"][1]["aliases"].append("U.S."),
        "alias 'U.S.' also belongs to",
    ),
    (
        "metonym of an unknown entity",
        "entities.json",
        lambda d: d["metonyms"][0].update(entity="atlantis"),
        "/metonyms/0/entity: entity id 'atlantis' is not in the registry",
    ),
    (
        "metonym in an unknown document",
        "entities.json",
        lambda d: d["metonyms"][0].update(doc_id="999_nowhere"),
        "/metonyms/0/doc_id: no document '999_nowhere'",
    ),
    (
        "metonym declared for two entities",
        "entities.json",
        lambda d: d["metonyms"].append({**d["metonyms"][0], "entity": "baghdad"}),
        "/metonyms/1/name: \"Iraq's parliament\" is already a metonym of 'iraq'",
    ),
    (
        "metonym without a note",
        "entities.json",
        lambda d: d["metonyms"][0].pop("note"),
        "'note' is a required property",
    ),
]


@pytest.mark.parametrize(("name", "file", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_gold_is_rejected(
    mini_copy: Path, name: str, file: str, change: Callable[[Any], None], message: str
) -> None:
    edit(mini_copy, file, change)
    problems = [str(p) for p in validate_gold(mini_copy / "gold", mini_copy / "seeds")]
    assert any(message in p and p.startswith(file) for p in problems), problems
    with pytest.raises(GoldError):
        load_gold(mini_copy / "gold", mini_copy / "seeds")


def test_all_problems_are_listed_not_just_the_first(mini_copy: Path) -> None:
    def two(d: Any) -> None:
        d["timexes"][0]["text"] = "Mondayx"
        d["timexes"][1]["value"] = "whenever"

    edit(mini_copy, f"{DOC}.json", two)
    (mini_copy / "gold" / "901_00000000000000b2.json").write_text("{not json", encoding="utf-8")
    problems = [str(p) for p in validate_gold(mini_copy / "gold", mini_copy / "seeds")]
    assert len(problems) == 3, problems
    assert any("901_00000000000000b2.json: /: not valid JSON" in p for p in problems)


def test_missing_and_orphan_files(mini_copy: Path) -> None:
    (mini_copy / "gold" / "901_00000000000000b2.json").rename(
        mini_copy / "gold" / "902_00000000000000c3.json"
    )
    problems = [str(p) for p in validate_gold(mini_copy / "gold", mini_copy / "seeds")]
    assert (
        "901_00000000000000b2.json: /: seed 901_00000000000000b2.txt has no gold file" in problems
    )
    assert (
        "902_00000000000000c3.json: /: no seed article 902_00000000000000c3.txt for this gold file"
        in problems
    )


def test_missing_registry(mini_copy: Path) -> None:
    (mini_copy / "gold" / "entities.json").unlink()
    problems = [str(p) for p in validate_gold(mini_copy / "gold", mini_copy / "seeds")]
    assert any(p.startswith("entities.json: /: the entity registry is missing") for p in problems)


def test_cli_validate_exit_codes(mini_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", "--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    assert main(args) == 0
    assert "gold OK: 2 documents" in capsys.readouterr().out
    edit(mini_copy, f"{DOC}.json", lambda d: d["entities"][0].update(end=10_000))
    assert main(args) == 1
    assert f"{DOC}.json: /entities/0: end 10000" in capsys.readouterr().out


def test_gold_hash_changes_with_any_edit(mini_copy: Path) -> None:
    before = load_gold(mini_copy / "gold", mini_copy / "seeds").sha256
    edit(mini_copy, f"{DOC}.json", lambda d: d["timexes"][1].update(value="2024-W02"))
    assert load_gold(mini_copy / "gold", mini_copy / "seeds").sha256 != before


def test_gold_hash_ignores_formatting(mini_copy: Path) -> None:
    before = load_gold(mini_copy / "gold", mini_copy / "seeds").sha256
    edit(mini_copy, f"{DOC}.json", lambda d: None)  # rewritten without indentation
    assert load_gold(mini_copy / "gold", mini_copy / "seeds").sha256 == before
