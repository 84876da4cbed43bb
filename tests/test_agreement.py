"""Agreement: a pass scored against another with the project's own scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.agreement import agreement_rows, compare, disagreements, stance_kappa
from benchmark.cli import main
from benchmark.gold import Gold, load_gold

DOC = "900_00000000000000a1"


def test_a_pass_agrees_perfectly_with_itself(mini_gold: Gold) -> None:
    rows = agreement_rows(compare(mini_gold, mini_gold))
    assert all(value == 1.0 for _, _, value in rows), rows
    assert disagreements(mini_gold, mini_gold) == []


def changed_copy(mini_copy: Path) -> Gold:
    path = mini_copy / "gold" / f"{DOC}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["timexes"][1]["value"] = "2024-W02"  # last week: a different value
    data["entities"][4]["type"] = "GPE"  # American: NORP -> GPE (registry entry changed too)
    data["stances"][1]["label"] = "NEUTRAL"  # Iraq: FAVOR -> NEUTRAL
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    reg_path = mini_copy / "gold" / "entities.json"
    reg = json.loads(reg_path.read_text(encoding="utf-8"))
    next(e for e in reg["entities"] if e["id"] == "american")["type"] = "GPE"
    reg_path.write_text(json.dumps(reg), encoding="utf-8")
    return load_gold(mini_copy / "gold", mini_copy / "seeds")


def test_disagreements_are_listed(mini_gold: Gold, mini_copy: Path) -> None:
    other = changed_copy(mini_copy)
    lines = disagreements(mini_gold, other)
    assert any(
        line.startswith(f"{DOC} timexes: attributes:")
        and "A DATE 2024-W01 vs B DATE 2024-W02" in line
        for line in lines
    )
    assert any(
        line.startswith(f"{DOC} entities: attributes:")
        and "A NORP American vs B GPE American" in line
        for line in lines
    )
    assert f"{DOC} stances: holder Iraq: A FAVOR vs B NEUTRAL" in lines
    assert len(lines) == 3


def test_agreement_figures_and_kappa(mini_gold: Gold, mini_copy: Path) -> None:
    evaluation = compare(mini_gold, changed_copy(mini_copy))
    rows = {(layer, measure): value for layer, measure, value in agreement_rows(evaluation)}
    assert rows[("timexes", "value F1")] == pytest.approx(3 / 4)
    assert rows[("timexes", "relaxed span F1")] == 1.0
    assert rows[("entities", "partial F1")] == 1.0
    assert rows[("entities", "strict F1")] == pytest.approx(11 / 12)
    assert rows[("stances", "holder F1")] == 1.0
    assert rows[("stances", "holder+label F1")] == pytest.approx(2 / 3)
    kappa = stance_kappa(evaluation)
    assert kappa.n == 3
    # labels by holder (iraq, lloyd_austin, pentagon): A FAVOR NEUTRAL AGAINST,
    # B NEUTRAL NEUTRAL AGAINST; po = 2/3, pe = 1/3*0 + 1/3*2/3 + 1/3*1/3 = 1/3;
    # kappa = (2/3 - 1/3) / (1 - 1/3) = 0.5
    assert kappa.kappa == pytest.approx(0.5)


def test_cli_agreement(mini_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = str(mini_copy / "gold")
    assert (
        main(["agreement", g, g, "--no-gold", "--diff", "--seeds", str(mini_copy / "seeds")]) == 0
    )
    out = capsys.readouterr().out
    assert "== 0 disagreement(s)" in out
    assert "| stances      | Cohen's kappa (labels, 3 shared holders) | 1.000   |" in out


def test_span_agreement_on_unscored_spans(mini_gold: Gold, mini_copy: Path) -> None:
    from benchmark.agreement import span_agreement_rows

    assert all(v == 1.0 for *_, v in span_agreement_rows(mini_gold, mini_gold))
    path = mini_copy / "gold" / f"{DOC}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    ev = data["stances"][0]["evidence"][0]  # "the 2,500 American troops in Iraq will stay"
    ev["start"] += 4
    ev["text"] = ev["text"][4:]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rows = {
        m: v
        for _, m, v in span_agreement_rows(
            mini_gold, load_gold(mini_copy / "gold", mini_copy / "seeds")
        )
    }
    # 3 evidence spans each side, 2 shared exactly: P = R = 2/3
    assert rows["evidence span F1 (exact)"] == pytest.approx(2 / 3)
    assert rows["holder-mention span F1 (exact)"] == 1.0
    assert rows["dct evidence span F1 (exact)"] == 1.0
