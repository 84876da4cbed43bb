"""The offset-remapping core: property tests on random edits of random annotated texts, and
hand-computed tables for the boundary cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.spans import Span
from benchmark.variants.core import (
    Edit,
    EditError,
    Remapper,
    SpanCutError,
    apply_edits,
)


@st.composite
def annotated_edits(draw: st.DrawFn) -> tuple[str, list[Span], list[Edit]]:
    text = draw(st.text(alphabet="ab c’é", min_size=1, max_size=60))
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        s = draw(st.integers(0, n - 1))
        e = draw(st.integers(s + 1, n))
        spans.append(Span(s, e, text[s:e]))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if edits and a == b == edits[-1].end == edits[-1].start:
            continue
        edits.append(Edit(a, b, draw(st.text(alphabet="XYZ ", max_size=5))))
    return text, spans, edits


def _classify(span: Span, edits: list[Edit]) -> str:
    relevant = [e for e in edits if e.end > span.start and e.start < span.end]
    if not relevant:
        return "untouched"
    if all(span.start <= e.start and e.end <= span.end for e in relevant):
        return "inside"
    return "cut"


@settings(max_examples=400, deadline=None)
@given(annotated_edits())
def test_untouched_spans_keep_their_text_and_cut_spans_raise(
    case: tuple[str, list[Span], list[Edit]],
) -> None:
    text, spans, edits = case
    try:
        remap = Remapper(edits, text)
    except EditError:
        return  # two insertions at one point: refused, nothing to check
    assert remap.new_text == apply_edits(text, edits)
    for span in spans:
        kind = _classify(span, edits)
        if kind == "cut":
            with pytest.raises(SpanCutError, match=rf"\[{span.start}:{span.end}\]"):
                remap.span(span, "x")
            continue
        inner = [
            Edit(e.start - span.start, e.end - span.start, e.replacement)
            for e in edits
            if span.start <= e.start
            and e.end <= span.end
            and e.end > span.start
            and e.start < span.end
        ]
        expected = apply_edits(span.text, inner) if kind == "inside" else span.text
        if not expected:
            with pytest.raises(SpanCutError, match="empty"):
                remap.span(span, "x")
            continue
        new = remap.span(span, "x")
        assert new.text == expected == remap.new_text[new.start : new.end]
        # everything before the span is the edited prefix, so the offset is exact
        before = [e for e in edits if e.end <= span.start]
        assert new.start == span.start + sum(len(e.replacement) - (e.end - e.start) for e in before)


@pytest.mark.parametrize(
    ("edit", "span", "expected"),
    [
        (Edit(0, 3, "Xy"), Span(4, 7, "def"), Span(3, 6, "def")),  # before: shift
        (Edit(4, 4, "++"), Span(4, 7, "def"), Span(6, 9, "def")),  # insertion at start: before
        (Edit(7, 7, "++"), Span(4, 7, "def"), Span(4, 7, "def")),  # insertion at end: after
        (Edit(4, 7, "DEFG"), Span(4, 7, "def"), Span(4, 8, "DEFG")),  # the whole span
        (Edit(5, 6, ""), Span(4, 7, "def"), Span(4, 6, "df")),  # inside
        (Edit(8, 9, "HHHH"), Span(4, 7, "def"), Span(4, 7, "def")),  # after
    ],
)
def test_remap_table(edit: Edit, span: Span, expected: Span) -> None:
    assert Remapper([edit], "abc defgh").span(span, "x") == expected


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (Edit(2, 5, "X"), r"edit \[2:5\] → 'X' cuts through timexes\[3\] \[4:7\] 'def'"),
        (Edit(6, 9, "X"), r"cuts through timexes\[3\] \[4:7\] 'def'"),
        (Edit(3, 8, "X"), r"cuts through timexes\[3\] \[4:7\] 'def'"),  # swallows more
        (Edit(4, 7, ""), r"leaves timexes\[3\] \[4:7\] 'def' empty"),
    ],
)
def test_cutting_an_annotated_span_names_it(edit: Edit, message: str) -> None:
    with pytest.raises(SpanCutError, match=message):
        Remapper([edit], "abc defgh").span(Span(4, 7, "def"), "timexes[3]")


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(EditError, match="overlap"):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])
    with pytest.raises(EditError, match="outside"):
        apply_edits("abc", [Edit(2, 9, "x")])


def test_apply_rewrite_names_the_layer_and_entity(gold_doc_source: object) -> None:
    from benchmark.variants.core import Rewrite, apply_rewrite

    source = gold_doc_source
    mention = source.gold.entities[0]  # type: ignore[attr-defined]
    cut = Edit(mention.span.start + 1, mention.span.end + 1, "zz")
    with pytest.raises(SpanCutError, match=rf"entities\[0\] \({mention.entity}\)"):
        apply_rewrite(source, Rewrite(edits=(cut,)))  # type: ignore[arg-type]


@pytest.fixture
def gold_doc_source() -> object:
    from benchmark.gold import load_gold
    from benchmark.variants.core import Source

    gold = load_gold()
    doc = next(iter(gold))
    return Source(doc, gold.registry)
