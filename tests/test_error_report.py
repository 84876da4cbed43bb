"""The HTML error-analysis report: outcome classification, escaping, and a real browser."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_units import noisy

from benchmark.cli import main
from benchmark.error_report import (
    ReportInputs,
    build_report,
    classify_entities,
    classify_timexes,
    outcome_counts,
    render_text,
)
from benchmark.gold import Gold
from benchmark.layers import LAYERS
from benchmark.layers.entities import PredictedEntity
from benchmark.predictions import DocPredictions
from benchmark.runner import build_results
from benchmark.scoring import evaluate
from benchmark.signature import StatsSettings
from benchmark.spans import Span

CHROMIUM = Path("/usr/bin/chromium")
FAST = StatsSettings(bootstrap_trials=300, permutation_trials=300)


class Marks(HTMLParser):
    """Counts highlighted elements (class outcome-*) per layer, and unplaced notes."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: Counter[tuple[str, str]] = Counter()
        self.pieces: Counter[tuple[str, str]] = Counter()
        self.unplaced: Counter[str] = Counter()
        self.layer = ""
        self.tags: Counter[str] = Counter()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        self.sources += [v or "" for k, v in attrs if k == "src"]
        self.links += [v or "" for k, v in attrs if k == "href"]
        classes = (a.get("class") or "").split()
        if tag == "div" and "text" in classes:
            self.layer = a.get("data-layer") or ""
        for c in classes:
            if c.startswith("outcome-"):
                self.marks[a.get("data-layer") or "", c.removeprefix("outcome-")] += 1
        if tag == "mark":
            self.pieces[a.get("data-layer") or "", a.get("data-outcome") or ""] += 1
        if tag == "li" and "data-unplaced" in a:
            self.unplaced[self.layer] += 1


def marks_of(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    return parser


def expected_counts(
    gold: Gold, predictions: dict[str, DocPredictions]
) -> dict[str, dict[str, int]]:
    """What the scorer says, in outcome terms (see the identities in benchmark.error_report)."""
    ev = evaluate(gold, predictions, frozenset(LAYERS))
    ent = ev.total("entities").schemas  # type: ignore[union-attr]
    tmx = ev.total("timexes")
    return {
        "entities": {
            "correct": ent["strict"].cor,
            "wrong-type": ent["exact"].cor - ent["strict"].cor,
            "wrong-boundary": ent["type"].cor - ent["strict"].cor,
            "wrong-boundary-type": ent["strict"].inc
            - (ent["exact"].cor - ent["strict"].cor)
            - (ent["type"].cor - ent["strict"].cor),
            "missed": ent["strict"].mis,
            "spurious": ent["strict"].spu,
        },
        "timexes": {
            "correct+wrong-boundary": tmx.value.tp,  # type: ignore[union-attr]
            "wrong-value": tmx.relaxed.tp - tmx.value.tp,  # type: ignore[union-attr]
            "missed": tmx.relaxed.fn,  # type: ignore[union-attr]
            "spurious": tmx.relaxed.fp,  # type: ignore[union-attr]
        },
    }


def classified(gold: Gold, predictions: dict[str, DocPredictions]) -> dict[str, Counter[str]]:
    ents: Counter[str] = Counter()
    tmxs: Counter[str] = Counter()
    for doc_id, doc in gold.documents.items():
        pred = predictions.get(doc_id) or DocPredictions(doc_id)
        ents.update(
            outcome_counts(
                classify_entities(
                    doc.entities, pred.entities or (), pred.invalid.get("entities", 0)
                )
            )
        )
        tmxs.update(
            outcome_counts(
                classify_timexes(doc.timexes, pred.timexes or (), pred.invalid.get("timexes", 0))
            )
        )
    return {"entities": ents, "timexes": tmxs}


@pytest.mark.parametrize("seed", range(10))
def test_outcome_counts_equal_the_scorer(mini_gold: Gold, seed: int) -> None:
    predictions = noisy(mini_gold, seed)
    got = classified(mini_gold, predictions)
    want = expected_counts(mini_gold, predictions)
    assert {k: got["entities"][k] for k in want["entities"]} == want["entities"]
    ent = evaluate(mini_gold, predictions, frozenset(LAYERS)).total("entities").schemas  # type: ignore[union-attr]
    assert (
        got["entities"]["wrong-boundary"] + got["entities"]["wrong-boundary-type"]
        == ent["partial"].par
    )
    t = got["timexes"]
    assert {
        "correct+wrong-boundary": t["correct"] + t["wrong-boundary"],
        "wrong-value": t["wrong-value"],
        "missed": t["missed"],
        "spurious": t["spurious"],
    } == want["timexes"]


def test_classification_definitions() -> None:
    from benchmark.layers.entities import EntityMention

    text = "Ain al-Asad Air Base and Baghdad"
    g1 = EntityMention(Span(0, 20, text[0:20]), "FAC", "ain")
    g2 = EntityMention(Span(25, 32, "Baghdad"), "GPE", "baghdad")
    cases = {
        "correct": [PredictedEntity("FAC", text[0:20], Span(0, 20, text[0:20]))],
        "wrong-type": [PredictedEntity("LOC", text[0:20], Span(0, 20, text[0:20]))],
        "wrong-boundary": [PredictedEntity("FAC", text[4:11], Span(4, 11, text[4:11]))],
        "wrong-boundary-type": [PredictedEntity("ORG", text[4:11], Span(4, 11, text[4:11]))],
    }
    for kind, preds in cases.items():
        outcomes = classify_entities([g1, g2], preds)
        assert outcome_counts(outcomes) == Counter({kind: 1, "missed": 1}), kind
        first = next(o for o in outcomes if o.outcome == kind)
        assert (first.start, first.end) == (0, 20)  # the union of the two spans
    spurious = classify_entities(
        [],
        [PredictedEntity("ORG", "x", None), PredictedEntity("WEAPON", "Ain", Span(0, 3, "Ain"))],
        2,
    )
    assert outcome_counts(spurious) == Counter({"spurious": 4})
    assert [o.start is None for o in spurious].count(True) == 3


def test_rendered_text_has_one_element_per_outcome(mini_gold: Gold) -> None:
    for seed in range(10):
        predictions = noisy(mini_gold, seed)
        for doc_id, doc in mini_gold.documents.items():
            pred = predictions[doc_id]
            outcomes = classify_entities(doc.entities, pred.entities or (), 0)
            html = render_text(doc_id, doc.document.text, "entities", outcomes)
            placed = Counter(o.outcome for o in outcomes if o.start is not None)
            assert Counter({k: v for (_, k), v in marks_of(html).marks.items()}) == placed


def test_overlapping_and_cross_line_spans_render(mini_gold: Gold) -> None:
    doc = mini_gold.documents["900_00000000000000a1"]
    text = doc.document.text
    nl = text.index("\n")
    preds = [
        PredictedEntity("ORG", text[nl - 4 : nl + 8], Span(nl - 4, nl + 8, text[nl - 4 : nl + 8])),
        PredictedEntity("ORG", "\n", Span(nl, nl + 1, "\n")),
        PredictedEntity("GPE", text[0:3], Span(0, 3, text[0:3])),
    ]
    outcomes = classify_entities(doc.entities, preds)
    html = render_text(doc.doc_id, text, "entities", outcomes)
    marks = marks_of(html)
    assert sum(marks.marks.values()) == len([o for o in outcomes if o.start is not None])
    assert sum(marks.pieces.values()) > sum(marks.marks.values())  # split pieces exist
    assert html.count("<mark") == html.count("</mark>")


def results_dir(
    tmp_path: Path, gold: Gold, name: str, predictions: dict[str, DocPredictions]
) -> Path:
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    ev = evaluate(gold, predictions, frozenset(LAYERS))
    data = build_results(gold, system=name, version="<i>v1</i>", evaluation=ev, errors=[])
    from benchmark.runner import (
        predictions_path,
        results_path,
        write_json_atomic,
        write_predictions_atomic,
    )

    write_json_atomic(results_path(results, name), data)
    write_predictions_atomic(predictions_path(results, name), predictions)
    return results


def test_report_escapes_everything_and_is_self_contained(
    tmp_path: Path, mini_gold: Gold, mini_copy: Path
) -> None:
    predictions = noisy(mini_gold, 3)
    doc_id = "900_00000000000000a1"
    evil = "<script>alert(1)</script>"
    dp = predictions[doc_id]
    predictions[doc_id] = DocPredictions(
        doc_id,
        entities=(
            *(dp.entities or ()),
            PredictedEntity("ORG", '<img src=x onerror="alert(2)">', None),
        ),
        timexes=dp.timexes,
        troop_counts=dp.troop_counts,
        stances=dp.stances,
        invalid=dp.invalid,
    )
    name = f"{evil}&co"
    results = results_dir(tmp_path, mini_gold, name, predictions)
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                name,
                "-o",
                str(out),
                "--results",
                str(results),
                "--gold",
                str(mini_copy / "gold"),
                "--seeds",
                str(mini_copy / "seeds"),
                "--bootstrap",
                "300",
            ]
        )
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<i>v1" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;co" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    lowered = html.lower()
    for external in ("<link", "@import", "url(", "@font-face"):
        assert external not in lowered, external
    marks = marks_of(html)
    assert marks.tags["script"] == 0 and marks.tags["iframe"] == 0 and marks.tags["img"] == 0
    assert not marks.sources and all(href.startswith("#") for href in marks.links)
    assert "Scoring the predictions file again does not reproduce" not in html


def test_report_counts_match_the_results(tmp_path: Path, mini_gold: Gold) -> None:
    predictions = noisy(mini_gold, 5)
    results = results_dir(tmp_path, mini_gold, "sys", predictions)
    from benchmark.error_report import load_inputs

    inputs = load_inputs(mini_gold, results / "sys.json", results / "sys.predictions.jsonl")
    html = build_report(inputs, FAST)
    assert "does not reproduce" not in html  # the invalid counts were restored from the results
    marks = marks_of(html)
    want = expected_counts(mini_gold, predictions)
    for outcome, n in want["entities"].items():
        extra = marks.unplaced["entities"] if outcome == "spurious" else 0
        assert marks.marks["entities", outcome] + extra == n, outcome
    assert (
        marks.marks["timexes", "correct"] + marks.marks["timexes", "wrong-boundary"]
        == want["timexes"]["correct+wrong-boundary"]
    )
    assert "Entity types" in html and "Stance labels" in html and "strict_f1" in html
    # a tampered results file is detected
    data = json.loads((results / "sys.json").read_text(encoding="utf-8"))
    data["layers"]["entities"]["per_document"]["900_00000000000000a1"]["schemas"]["strict"][
        "cor"
    ] += 1
    html = build_report(ReportInputs(mini_gold, data, inputs.predictions), FAST)
    assert "does not reproduce the results file for entities/900_00000000000000a1" in html


def test_report_cli_problems(
    tmp_path: Path, mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = [
        "--results",
        str(tmp_path),
        "--gold",
        str(mini_copy / "gold"),
        "--seeds",
        str(mini_copy / "seeds"),
    ]
    assert main(["report", "nobody", *common]) == 2
    assert "no results file" in capsys.readouterr().err


@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs Debian's chromium at /usr/bin/chromium (CI installs it)"
)
def test_report_in_headless_chromium(tmp_path: Path, mini_gold: Gold) -> None:
    predictions = noisy(mini_gold, 2)
    results = results_dir(tmp_path, mini_gold, "browser-test", predictions)
    from benchmark.error_report import load_inputs

    html_path = tmp_path / "report.html"
    html_path.write_text(
        build_report(
            load_inputs(
                mini_gold, results / "browser-test.json", results / "browser-test.predictions.jsonl"
            ),
            FAST,
        ),
        encoding="utf-8",
    )
    flags = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", html_path.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    assert "</html>" in dom
    marks = marks_of(dom)
    want = expected_counts(mini_gold, predictions)
    for outcome, n in want["entities"].items():
        extra = marks.unplaced["entities"] if outcome == "spurious" else 0
        assert marks.marks["entities", outcome] + extra == n, outcome
    t = want["timexes"]
    assert (
        marks.marks["timexes", "correct"] + marks.marks["timexes", "wrong-boundary"]
        == t["correct+wrong-boundary"]
    )
    assert marks.marks["timexes", "wrong-value"] == t["wrong-value"]
    assert marks.marks["timexes", "missed"] == t["missed"]
    assert marks.marks["timexes", "spurious"] + marks.unplaced["timexes"] == t["spurious"]
    assert sum(marks.marks.values()) > 10
    shot = tmp_path / "report.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1280,2000", html_path.as_uri()],
        capture_output=True,
        timeout=180,
        check=True,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a rendered page, not a blank one (the screenshot stays in tmp_path)
