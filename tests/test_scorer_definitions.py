"""The scorer definitions pinned by issue 12: one hand-computed case per point.

Each test states a definition of docs/scoring.md ("How scoring works") on a case small
enough to compute by hand. The points: (1) timex ties do not depend on input
order, and no matcher does (property tests over all four layers); (2) stance
holders resolve through registry metonyms and aliases, never through the gold
stances, and may be given by offsets; (3) no per-type *exact* figure; (4) the
type schema's same-type-first alignment; (5) offset-free entity rules; (6)
name normalisation, exactly as specified; (7) stance label macro-F1 counts
CONFLICT as a predicted label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.aliases import normalize_name
from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Metonym, Registry, RegistryEntry
from benchmark.layers.entities import (
    EntityMention,
    PredictedEntity,
    count_mentions,
    match_entities,
)
from benchmark.layers.stances import (
    CONFLICT,
    PredictedStance,
    Stance,
    StanceCounts,
    match_stances,
)
from benchmark.layers.timexes import PredictedTimex, Timex, match_timexes
from benchmark.layers.troops import PredictedTroopCount, TroopCount, match_troops
from benchmark.metrics import PRF, NERCounts
from benchmark.predictions import (
    DocPredictions,
    EvidenceSpan,
    Prediction,
    StancePrediction,
    parse_prediction,
)
from benchmark.scoring import flatten, layer_metrics, score_layer
from benchmark.spans import Label, Span, align, align_label_first, disagreement
from benchmark.stats import metric_values

TEXT = "Monday, Baghdad said the US must go. Iraq agreed on Monday."


def row(c: NERCounts) -> tuple[int, int, int, int, int]:
    return (c.cor, c.inc, c.par, c.mis, c.spu)


# ------------------------------------------------------------ 1. timex ties


def _timex(start: int, end: int, value: str, type_: str = "DATE") -> Timex:
    return Timex(Span(start, end, TEXT[start:end]), type_, value)


def _ptimex(start: int, end: int, value: str, type_: str | None = "DATE") -> PredictedTimex:
    return PredictedTimex(value, type_, TEXT[start:end], Span(start, end, TEXT[start:end]))


def test_two_predictions_on_one_span_pair_the_right_value_in_either_order() -> None:
    # gold "Monday" [0,6) = 2024-01-08; predictions on the same span: 2024-01-01
    # and 2024-01-08. The one with the right value is paired in either order:
    # value TP 1, FP 1, FN 0; relaxed TP 1, FP 1; value accuracy 1/1.
    gold = [_timex(0, 6, "2024-01-08")]
    wrong, right = _ptimex(0, 6, "2024-01-01"), _ptimex(0, 6, "2024-01-08")
    for pred in ([wrong, right], [right, wrong]):
        counts = match_timexes(gold, pred)
        assert counts.value == PRF(1, 1, 0)
        assert counts.relaxed == PRF(1, 1, 0)
        assert (counts.value_accuracy.correct, counts.value_accuracy.total) == (1, 1)


def test_timex_value_outranks_type_and_mod_in_ties() -> None:
    # gold DURATION P2D on [0,6); predictions on the same span: (P2D, DATE)
    # and (P3D, DURATION). The value decides first: the P2D one is paired,
    # so value accuracy 1/1 and type accuracy 0/1, in either order.
    gold = [_timex(0, 6, "P2D", "DURATION")]
    a, b = _ptimex(0, 6, "P2D", "DATE"), _ptimex(0, 6, "P3D", "DURATION")
    for pred in ([a, b], [b, a]):
        counts = match_timexes(gold, pred)
        assert (counts.value_accuracy.correct, counts.type_accuracy.correct) == (1, 0)


# The shuffle property, every matcher: permuting the gold list and the
# predicted list never changes a count.

SPANS = st.tuples(st.integers(0, 12), st.integers(1, 6)).map(lambda t: (t[0], t[0] + t[1]))


@st.composite
def _entity_case(draw: st.DrawFn) -> tuple[list[EntityMention], list[PredictedEntity]]:
    types = st.sampled_from(["PERSON", "ORG", "GPE", "MISC"])
    gold = [
        EntityMention(Span(s, e, TEXT[s:e]), draw(types.filter(lambda t: t != "MISC")), f"e{s}")
        for s, e in draw(st.lists(SPANS, max_size=5))
    ]
    pred = []
    for s, e in draw(st.lists(SPANS, max_size=6)):
        span = Span(s, e, TEXT[s:e]) if draw(st.booleans()) else None
        pred.append(PredictedEntity(draw(types), TEXT[s:e], span))
    pred += [PredictedEntity(draw(types), TEXT[:5]) for _ in range(draw(st.integers(0, 1)))]
    return gold, pred


@settings(max_examples=150, deadline=None)
@given(case=_entity_case(), data=st.data())
def test_entities_do_not_depend_on_order(
    case: tuple[list[EntityMention], list[PredictedEntity]], data: st.DataObject
) -> None:
    gold, pred = case
    aliases = {f"e{g.span.start}": [g.span.text] for g in gold}
    base = match_entities(gold, pred, aliases, {})
    g2 = data.draw(st.permutations(gold))
    p2 = data.draw(st.permutations(pred))
    assert match_entities(g2, p2, aliases, {}) == base


@st.composite
def _timex_case(draw: st.DrawFn) -> tuple[list[Timex], list[PredictedTimex]]:
    values = st.sampled_from(["2024-01-08", "2024-01-01", "P2D"])
    types = st.sampled_from(["DATE", "DURATION"])
    mods = st.sampled_from([None, "BEFORE"])
    gold = [
        Timex(Span(s, e, TEXT[s:e]), draw(types), draw(values), draw(mods))
        for s, e in draw(st.lists(SPANS, max_size=4))
    ]
    pred = [
        PredictedTimex(
            draw(values),
            draw(st.one_of(st.none(), types)),
            TEXT[s:e],
            Span(s, e, TEXT[s:e]),
            draw(mods),
        )
        for s, e in draw(st.lists(SPANS, max_size=6))
    ]
    return gold, pred


@settings(max_examples=200, deadline=None)
@given(case=_timex_case(), data=st.data())
def test_timexes_do_not_depend_on_order(
    case: tuple[list[Timex], list[PredictedTimex]], data: st.DataObject
) -> None:
    gold, pred = case
    base = match_timexes(gold, pred)
    assert match_timexes(data.draw(st.permutations(gold)), data.draw(st.permutations(pred))) == base


@st.composite
def _troop_case(draw: st.DrawFn) -> tuple[list[TroopCount], list[PredictedTroopCount]]:
    values = st.sampled_from([900, 2500])
    places = st.sampled_from(["iraq", "syria"])
    quals = st.sampled_from(["exact", "approximately"])
    times = st.sampled_from(["current", "historical"])
    gold = [
        TroopCount(
            Span(i, i + 1, TEXT[i]), draw(values), draw(quals), "us", draw(places), draw(times)
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    pred = [
        PredictedTroopCount(
            draw(values),
            draw(places),
            draw(st.sampled_from(["us", None])),
            draw(st.one_of(st.none(), quals)),
            draw(st.one_of(st.none(), times)),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    return gold, pred


@settings(max_examples=200, deadline=None)
@given(case=_troop_case(), data=st.data())
def test_troop_counts_do_not_depend_on_order(
    case: tuple[list[TroopCount], list[PredictedTroopCount]], data: st.DataObject
) -> None:
    gold, pred = case
    base = match_troops(gold, pred)
    assert match_troops(data.draw(st.permutations(gold)), data.draw(st.permutations(pred))) == base


@st.composite
def _stance_case(draw: st.DrawFn) -> tuple[list[Stance], list[PredictedStance]]:
    labels = st.sampled_from(["FAVOR", "AGAINST", "NEUTRAL"])
    holders = draw(st.lists(st.sampled_from(["us", "iraq", "pmu"]), unique=True))
    gold = [Stance(h, (Span(0, 2, TEXT[:2]),), draw(labels), ()) for h in holders]
    pred = [
        PredictedStance(draw(st.sampled_from(["us", "iraq", "pmu", "?x"])), draw(labels))
        for _ in range(draw(st.integers(0, 5)))
    ]
    return gold, pred


@settings(max_examples=200, deadline=None)
@given(case=_stance_case(), data=st.data())
def test_stances_do_not_depend_on_order(
    case: tuple[list[Stance], list[PredictedStance]], data: st.DataObject
) -> None:
    gold, pred = case
    base = match_stances(gold, pred)
    again = match_stances(data.draw(st.permutations(gold)), data.draw(st.permutations(pred)))
    # label pairs are listed in holder order, so they compare equal too
    assert again == base
    assert again.label_macro_f1() == base.label_macro_f1()


# ------------------------------------------------------------ 2. holder resolution


def _registry(metonyms: Sequence[Metonym] = ()) -> Registry:
    entries = {
        "baghdad": RegistryEntry("baghdad", "Baghdad", "GPE", ("Baghdad",)),
        "iraq": RegistryEntry("iraq", "Iraq", "GPE", ("Iraq",)),
        "us": RegistryEntry("us", "United States", "GPE", ("US",)),
    }
    return Registry(entries, tuple(metonyms))


def _stance_doc() -> GoldDocument:
    document = Document("d1", TEXT, "t", dt.date(2024, 1, 8), "inferred")
    baghdad = Span(8, 15, "Baghdad")
    stance = Stance("iraq", (baghdad,), "FAVOR", (Span(21, 35, TEXT[21:35]),))
    return GoldDocument(document, (), (), (), (stance,))


def test_holder_named_as_the_text_names_it_needs_a_declared_metonym() -> None:
    # gold: iraq FAVOR, its holder mention "Baghdad". Prediction: "Baghdad".
    # Without a metonym the name resolves through the registry to the city:
    # tuples TP 0, FP 1, FN 1. The gold holder mention is never consulted.
    doc = _stance_doc()
    pred = DocPredictions("d1", stances=(PredictedStance("Baghdad", "FAVOR"),))
    counts = score_layer("stances", doc, pred, _registry())
    assert isinstance(counts, StanceCounts)
    assert counts.tuples == PRF(0, 1, 1)
    # declared for this document, "Baghdad" names iraq: TP 1
    declared = _registry([Metonym("d1", "Baghdad", "iraq", "the government")])
    assert score_layer("stances", doc, pred, declared).tuples == PRF(1, 0, 0)  # type: ignore[union-attr]
    # declared for another document only: no effect here
    elsewhere = _registry([Metonym("d2", "Baghdad", "iraq", "the government")])
    assert score_layer("stances", doc, pred, elsewhere).tuples == PRF(0, 1, 1)  # type: ignore[union-attr]


def test_holder_by_the_offsets_of_a_mention() -> None:
    # {"holder": {"start": 37, "end": 41}} names the holder by the text there,
    # "Iraq", which resolves to iraq: TP 1
    raw = {"doc_id": "d1", "stances": [{"holder": {"start": 37, "end": 41}, "label": "FAVOR"}]}
    parsed, errors = parse_prediction(raw, TEXT, "test")
    assert errors == []
    assert parsed.stances is not None
    assert parsed.stances[0].holder == "Iraq"
    assert parsed.stances[0].holder_span == Span(37, 41, "Iraq")
    assert score_layer("stances", _stance_doc(), parsed, _registry()).tuples == PRF(1, 0, 0)  # type: ignore[union-attr]
    # offsets outside the text are rejected, and count as one false positive
    bad = {"doc_id": "d1", "stances": [{"holder": {"start": 50, "end": 500}, "label": "FAVOR"}]}
    parsed, errors = parse_prediction(bad, TEXT, "test")
    assert len(errors) == 1 and "holder" in errors[0].message
    assert parsed.invalid == {"stances": 1}


def test_holder_offsets_round_trip_through_the_prediction_format() -> None:
    # what a system returns -> JSON line -> validated -> JSON line -> the same
    sent = Prediction("d1", stances=[StancePrediction(EvidenceSpan(37, 41), "FAVOR")])
    assert sent.to_json()["stances"][0]["holder"] == {"start": 37, "end": 41}
    parsed, errors = parse_prediction(sent.to_json(), TEXT, "test")
    assert errors == []
    assert parse_prediction(parsed.to_json(), TEXT, "test") == (parsed, [])


# ------------------------------------------------------------ 3. no per-type exact


def test_no_exact_macro_f1_and_no_per_type_exact() -> None:
    gold = [EntityMention(Span(0, 6, "Monday"), "ORG", "x")]
    counts = match_entities(gold, [PredictedEntity("ORG", "Monday", Span(0, 6, "Monday"))], {}, {})
    metrics = layer_metrics("entities", counts)
    assert "exact_macro_f1" not in metrics
    assert metrics["strict_macro_f1"] == metrics["partial_macro_f1"] == 1.0
    assert metrics["per_type"] == {"ORG": {"strict": 1.0, "partial": 1.0, "type": 1.0}}


# ------------------------------------------------------------ 4. type schema alignment


def test_type_schema_pairs_the_same_type_before_exact_boundaries() -> None:
    # gold ORG[0,5); predictions GPE[0,5) and ORG[1,4), in either order.
    # strict: INC 1 SPU 1; exact: COR 1 SPU 1; partial: COR 1 SPU 1 (the
    # exact-boundary GPE is aligned). type: COR 1 (ORG[1,4)) SPU 1 (GPE).
    gold = [EntityMention(Span(0, 5, TEXT[:5]), "ORG", "x")]
    gpe = PredictedEntity("GPE", TEXT[:5], Span(0, 5, TEXT[:5]))
    org = PredictedEntity("ORG", TEXT[1:4], Span(1, 4, TEXT[1:4]))
    for pred in ([gpe, org], [org, gpe]):
        overall, by_type, _ = count_mentions(gold, pred)
        assert row(overall["strict"]) == (0, 1, 0, 0, 1)
        assert row(overall["exact"]) == (1, 0, 0, 0, 1)
        assert row(overall["partial"]) == (1, 0, 0, 0, 1)
        assert row(overall["type"]) == (1, 0, 0, 0, 1)
        assert row(by_type["ORG"]["type"]) == (1, 0, 0, 0, 0)
        assert row(by_type["GPE"]["type"]) == (0, 0, 0, 0, 1)


# ------------------------------------------------------------ 5. offset-free entities


@pytest.mark.parametrize(
    ("names", "untyped", "typed"),
    [
        # an unknown type: the untyped score ignores the type -> TP
        ([("MISC", "Iraq")], PRF(1, 0, 1), PRF(0, 1, 2)),
        # two spellings of one unresolved name that normalise differently: 2 FP
        ([("ORG", "Foo-Bar"), ("ORG", "Foo Bar")], PRF(0, 2, 2), PRF(0, 2, 2)),
        # two names that normalise alike are one item: 1 FP
        ([("ORG", "Foo Bar"), ("ORG", "the foo bar")], PRF(0, 1, 2), PRF(0, 1, 2)),
        # a resolved name with the wrong type: untyped TP, typed FP + FN
        ([("ORG", "U.S.")], PRF(1, 0, 1), PRF(0, 1, 2)),
    ],
)
def test_offset_free_rules(names: list[tuple[str, str]], untyped: PRF, typed: PRF) -> None:
    gold = [
        EntityMention(Span(21, 23, "US"), "GPE", "us"),
        EntityMention(Span(37, 41, "Iraq"), "GPE", "iraq"),
    ]
    pred = [PredictedEntity(t, n) for t, n in names]
    counts = match_entities(gold, pred, {"us": ["US", "U.S."], "iraq": ["Iraq"]}, {})
    assert counts.offset_free == untyped
    assert counts.offset_free_typed == typed


# ------------------------------------------------------------ 6. name normalisation


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("U.S.", "us"),  # periods removed
        ("X's.", "x"),  # periods go before the possessive, so "X's." resolves
        ("U.S.'s", "us"),
        ("Iraq\u2019s", "iraq"),  # curly apostrophe = straight; possessive removed
        ("militias'", "militias"),  # a bare trailing apostrophe
        ("Asa\u2019ib Ahl al-Haq", "asa'ib ahl al-haq"),  # inner apostrophe kept
        ("The  Pentagon ", "pentagon"),  # leading "the", whitespace
        ("the", "the"),  # "the" needs whitespace after it
        ("Harakat-al-Nujaba", "harakat-al-nujaba"),  # hyphens kept
        ("\uff35.\uff33.", "us"),  # NFKC folds full-width letters
        ("Iraq\u00a0parliament", "iraq parliament"),  # NFKC: no-break space -> space
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),  # casefold, not lower
    ],
)
def test_name_normalisation_table(name: str, normal: str) -> None:
    assert normalize_name(name) == normal


# ------------------------------------------------------------ 7. label macro-F1


def test_label_macro_f1_counts_conflict_as_a_predicted_label() -> None:
    # holders us (AGAINST, predicted AGAINST) and iraq (FAVOR, predicted FAVOR
    # and NEUTRAL -> CONFLICT). Pairs (AGAINST, AGAINST), (FAVOR, CONFLICT).
    # Labels present: AGAINST (F1 1), FAVOR (F1 0), CONFLICT (F1 0) -> 1/3.
    gold = [Stance("us", (), "AGAINST", ()), Stance("iraq", (), "FAVOR", ())]
    pred = [
        PredictedStance("us", "AGAINST"),
        PredictedStance("iraq", "FAVOR"),
        PredictedStance("iraq", "NEUTRAL"),
    ]
    counts = match_stances(gold, pred)
    assert counts.label_pairs == (("FAVOR", CONFLICT), ("AGAINST", "AGAINST"))
    assert counts.label_macro_f1() == pytest.approx(1 / 3)
    # the statistics module computes the same value from the flat counts
    vector = np.asarray(flatten("stances", counts), dtype=np.float64)
    assert metric_values("stances", "label_macro_f1", vector) == pytest.approx(1 / 3)


# ------------------------------------------------------- docs/scoring.md alignment, naively


def _readme_alignment(
    gold: list[tuple[int, int]],
    pred: list[tuple[int, int]],
    glab: list[Label],
    plab: list[Label],
    label_first: bool,
) -> set[tuple[int, int]]:
    """docs/scoring.md "Alignment", written out naively: every candidate keyed, sorted, greedy."""
    candidates = []
    for gi, g in enumerate(gold):
        for pj, p in enumerate(pred):
            overlap = min(g[1], p[1]) - max(g[0], p[0])
            if overlap <= 0:
                continue
            d = disagreement(glab[gi], plab[pj])
            tail = (-overlap, (g[1] - g[0]) + (p[1] - p[0]), g, p, glab[gi], plab[pj])
            k = (d, g != p, *tail) if label_first else (g != p, d, *tail)
            candidates.append((k, gi, pj))
    candidates.sort(key=lambda c: c[0])
    taken_g: set[int] = set()
    taken_p: set[int] = set()
    pairs = set()
    for _, gi, pj in candidates:
        if gi not in taken_g and pj not in taken_p:
            taken_g.add(gi)
            taken_p.add(pj)
            pairs.add((gi, pj))
    return pairs


@settings(max_examples=300, deadline=None)
@given(
    gold=st.lists(st.tuples(SPANS, st.sampled_from(["A", "B"])), max_size=6),
    pred=st.lists(st.tuples(SPANS, st.sampled_from(["A", "B", "C"])), max_size=7),
)
def test_alignment_is_the_readme_definition(
    gold: list[tuple[tuple[int, int], str]], pred: list[tuple[tuple[int, int], str]]
) -> None:
    gs, gl = [s for s, _ in gold], [lab for _, lab in gold]
    ps, pl = [s for s, _ in pred], [lab for _, lab in pred]
    # pairs are compared up to interchangeable items (same span and label)
    ours = set(align(gs, ps, gl, pl).pairs)
    naive = _readme_alignment(gs, ps, list(gl), list(pl), label_first=False)
    assert len(ours) == len(naive)
    assert {(gs[gi], gl[gi], ps[pj], pl[pj]) for gi, pj in ours} == {
        (gs[gi], gl[gi], ps[pj], pl[pj]) for gi, pj in naive
    }
    ours_lf = set(align_label_first(gs, ps, gl, pl))
    naive_lf = _readme_alignment(gs, ps, list(gl), list(pl), label_first=True)
    assert {(gs[gi], gl[gi], ps[pj], pl[pj]) for gi, pj in ours_lf} == {
        (gs[gi], gl[gi], ps[pj], pl[pj]) for gi, pj in naive_lf
    }
    assert len(ours_lf) == len(naive_lf)
