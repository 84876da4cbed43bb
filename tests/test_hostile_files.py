"""Hostile predictions files and gold files: one policy for every malformed input.

Each case spoils one line (or one item) of a predictions file whose other
lines are good. ``troopbench score`` must report the file, line, pointer and
reason, score every other line exactly as in a clean run, write both files
and exit 1 (0 for a byte order mark, which is accepted). The same malformed
values in a gold file are reported by ``troopbench validate``, never raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.gold import validate_gold
from benchmark.inputs import BOUNDS

GOOD = "901_00000000000000b2"
BAD = "900_00000000000000a1"
GOOD_LINE = json.dumps(
    {
        "doc_id": GOOD,
        "entities": [{"type": "GPE", "start": 0, "end": 7, "text": "Baghdad"}],
        "troop_counts": [{"value": 900, "location": "Syria"}],
    }
)
BAD_LINE = json.dumps(
    {
        "doc_id": BAD,
        "entities": [{"type": "ORG", "start": 0, "end": 8, "text": "Pentagon"}],
        "troop_counts": [{"value": 2500, "location": "Iraq"}],
    }
)


def score(tmp_path: Path, mini: Path, data: bytes, name: str = "p") -> tuple[int, dict, str]:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    out = tmp_path / name
    code = main(
        [
            "score",
            str(path),
            "--name",
            name,
            "--results",
            str(out),
            "--gold",
            str(mini / "gold"),
            "--seeds",
            str(mini / "seeds"),
        ]
    )
    results = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert (out / f"{name}.predictions.jsonl").is_file()
    return code, results, path.name


def per_doc(results: dict, doc_id: str) -> dict:
    return {layer: block["per_document"][doc_id] for layer, block in results["layers"].items()}


def spoiled(bad_line: bytes) -> bytes:
    return bad_line + b"\n" + GOOD_LINE.encode() + b"\n"


CASES = [
    (
        "latin-1",
        BAD_LINE.replace("Pentagon", "Pentag\u00f3n").encode("latin-1"),
        "not UTF-8: byte 0xf3 at byte offset",
    ),
    ("broken", b'{"doc_id": "900_00000000000000a1", "entities": [', "not valid JSON"),
    (
        "deep",
        b'{"doc_id": "900_00000000000000a1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested deeper than",
    ),
    (
        "digits",
        b'{"doc_id": "900_00000000000000a1", "troop_counts": [{"value": 1'
        + b"0" * 5000
        + b', "location": null}]}',
        "not readable JSON",
    ),
    (
        "big-int",
        BAD_LINE.replace("2500", "1" + "0" * 20).encode(),
        "integer with more than 15 digits",
    ),
    ("float", BAD_LINE.replace('"end": 8', '"end": 8.0').encode(), "8.0 is not of type 'integer'"),
    ("nan", BAD_LINE.replace("2500", "NaN").encode(), "NaN is not valid JSON"),
    ("surrogate", BAD_LINE.replace("Pentagon", "\\ud800").encode(), "lone surrogate U+D800"),
    ("unknown-doc", BAD_LINE.replace(BAD, "999_nope").encode(), "unknown doc_id '999_nope'"),
    (
        "long-line",
        b'{"doc_id": "x", "pad": "' + b"a" * (BOUNDS.max_line_bytes + 10) + b'"}',
        "at most",
    ),
]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict:
    mini = Path(__file__).parent / "fixtures" / "mini"
    tmp = tmp_path_factory.mktemp("clean")
    code, results, _ = score(tmp, mini, spoiled(BAD_LINE.encode()), "clean")
    assert code == 0 and results["errors"] == []
    return results


@pytest.mark.parametrize(("label", "line", "reason"), CASES, ids=[c[0] for c in CASES])
def test_a_spoiled_line_is_rejected_and_the_rest_scored(
    label: str,
    line: bytes,
    reason: str,
    tmp_path: Path,
    mini_copy: Path,
    clean: dict,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, results, name = score(tmp_path, mini_copy, spoiled(line), label)
    err = capsys.readouterr().err
    assert code == 1
    assert reason in err
    assert f"{name}" in err and "line 1" in err
    assert per_doc(results, GOOD) == per_doc(clean, GOOD)
    assert any(reason in e["message"] for e in results["errors"])


def test_a_byte_order_mark_is_accepted(tmp_path: Path, mini_copy: Path, clean: dict) -> None:
    code, results, _ = score(tmp_path, mini_copy, b"\xef\xbb\xbf" + spoiled(BAD_LINE.encode()))
    assert code == 0
    assert results["layers"] == clean["layers"] and results["errors"] == []


def test_too_many_items_are_all_counted_spurious(tmp_path: Path, mini_copy: Path) -> None:
    n = BOUNDS.max_items + 1
    item = '{"type": "ORG", "text": "Pentagon"}'
    line = f'{{"doc_id": "{BAD}", "entities": [{", ".join([item] * n)}]}}'
    code, results, _ = score(tmp_path, mini_copy, spoiled(line.encode()))
    assert code == 1
    assert results["layers"]["entities"]["invalid"][BAD] == n


@pytest.mark.parametrize(
    ("label", "edit", "reason"),
    [
        ("float", lambda t: t.replace('"start": 0,', '"start": 0.0,', 1), "0.0 is not of type"),
        ("big-int", lambda t: t.replace('"value": 2500', '"value": 1' + "0" * 5000, 1), "not"),
        (
            "nesting",
            lambda t: t.replace(
                '"dct_evidence": [', '"x": ' + "[" * 5000 + "]" * 5000 + ', "dct_evidence": [', 1
            ),
            "nested deeper",
        ),
        ("bom", lambda t: "\ufeff" + t, None),
        ("latin-1", lambda t: t.replace("Pentagon", "Pentag\u00f3n"), "not UTF-8"),
    ],
)
def test_validate_reports_malformed_gold(
    label: str, edit: object, reason: str | None, mini_copy: Path
) -> None:
    path = mini_copy / "gold" / f"{BAD}.json"
    text = path.read_text(encoding="utf-8")
    assert '"value": 2500' in text and '"start": 0,' in text
    new = edit(text)  # type: ignore[operator]
    if label == "latin-1":
        path.write_bytes(new.encode("latin-1"))
    else:
        path.write_text(new, encoding="utf-8")
    problems = validate_gold(mini_copy / "gold", mini_copy / "seeds")
    if reason is None:
        assert problems == []
    else:
        assert any(reason in str(p) and p.file == path.name for p in problems), problems


def test_validate_checks_the_seeds_against_sha256sums(mini_copy: Path) -> None:
    seeds = mini_copy / "seeds"
    sums = "".join(
        f"{'0' * 64 if p.stem == BAD else hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(seeds.glob("*.txt"))
    )
    (seeds / "SHA256SUMS").write_text(sums, encoding="utf-8")
    problems = validate_gold(mini_copy / "gold", seeds)
    assert [p.file for p in problems] == [f"{BAD}.txt"]
    assert "SHA256SUMS" in problems[0].message


def test_a_huge_predictions_file_gives_a_bounded_report(tmp_path: Path, mini_copy: Path) -> None:
    items = [{"type": "ORG", "start": i % 30, "end": i % 30 + 3} for i in range(3_000)]
    items += [{"type": "GPE", "text": f"place {i}"} for i in range(3_000)]
    line = json.dumps({"doc_id": BAD, "entities": items})
    data = spoiled(line.encode())
    assert len(data) > 200_000
    code, results, _ = score(tmp_path, mini_copy, data, "huge")
    assert code == 0
    out = tmp_path / "huge.html"
    argv = ["report", "huge", "--results", str(tmp_path / "huge"), "-o", str(out)]
    argv += ["--gold", str(mini_copy / "gold"), "--seeds", str(mini_copy / "seeds")]
    assert main([*argv, "--bootstrap", "100"]) == 0
    html = out.read_text(encoding="utf-8")
    assert len(html) < 300_000  # unbounded, every item would be drawn
    hidden = re.findall(r'data-hidden="(\d+)"', html)
    spurious = results["layers"]["entities"]["per_document"][BAD]["schemas"]["strict"]["spu"]
    assert sum(map(int, hidden)) + 300 >= spurious > 300
