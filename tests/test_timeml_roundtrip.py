"""TimeML → corpus → TimeML → corpus keeps every text byte for byte and every annotation,
for all 20 te3-platinum documents; and export/import work from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.corpora import load_corpus

TML = Path(__file__).resolve().parent.parent / "gold" / "te3-platinum" / "tml"


def annotations(gold: object) -> dict[str, object]:
    return {
        doc_id: (
            d.document.text,
            d.document.title,
            d.document.dct_value,
            [(t.span.start, t.span.end, t.span.text, t.type, t.value, t.mod) for t in d.timexes],
        )
        for doc_id, d in gold.documents.items()  # type: ignore[attr-defined]
    }


def test_round_trip_keeps_texts_and_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = load_corpus(TML)
    assert main(["import", "timeml", str(TML), "--out", str(tmp_path / "c1"), "--name", "t"]) == 0
    imported = load_corpus(tmp_path / "c1")
    assert main(["export", "timeml", str(tmp_path / "x"), "--corpus", str(tmp_path / "c1")]) == 0
    again = load_corpus(tmp_path / "x")
    assert main(["import", "timeml", str(tmp_path / "x"), "--out", str(tmp_path / "c2")]) == 0
    final = load_corpus(tmp_path / "c2")
    expected = annotations(original)
    assert len(expected) == 20
    assert sum(len(v[3]) for v in expected.values()) == 138  # type: ignore[arg-type]
    for gold in (imported, again, final):
        assert annotations(gold) == expected
        assert gold.sha256 == original.sha256
    for doc_id, (text, *_) in expected.items():
        written = (tmp_path / "c2" / "texts" / f"{doc_id}.txt").read_bytes()
        assert written == text.encode("utf-8")  # type: ignore[union-attr]
    capsys.readouterr()


def test_export_predictions_with_nbsp_replacement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "On\u00a0Monday, two days later."
    root = tmp_path / "c"
    (root / "tml").mkdir(parents=True)
    (root / "tml" / "d_1.tml").write_text(
        '<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="2013-03-22" '
        'functionInDocument="CREATION_TIME">x</TIMEX3></DCT><TEXT>'
        'On\u00a0<TIMEX3 tid="t1" type="DATE" value="2013-03-18">Monday</TIMEX3>, two days '
        "later.</TEXT></TimeML>",
        encoding="utf-8",
    )
    preds = tmp_path / "p.jsonl"
    preds.write_text(
        '{"doc_id": "d_1", "timexes": ['
        '{"start": 3, "end": 9, "text": "Monday", "type": "DATE", "value": "2013-03-18"},'
        '{"start": 5, "end": 12, "text": "nday, t", "type": "DATE", "value": "2013"},'
        '{"text": "two days", "type": "DURATION", "value": "P2D"}]}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["export", "timeml", str(out), "--corpus", str(root / "tml"), "--predictions"]
    assert main([*args, str(preds), "--nbsp-to-space"]) == 0
    err = capsys.readouterr().err
    assert "2 predicted timex(es) cannot be written" in err
    back = load_corpus(out)
    doc = back.documents["d_1"]
    assert doc.document.text == text.replace("\u00a0", " ")
    assert [(t.span.start, t.span.end, t.value) for t in doc.timexes] == [(3, 9, "2013-03-18")]
