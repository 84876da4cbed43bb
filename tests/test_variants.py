"""Contrast-set variants: validity, perfect gold scores, identity, determinism, per-transformation
guarantees (checked by independent code), and the transformation helpers on hand-computed tables."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from benchmark.agreement import gold_as_predictions
from benchmark.gold import Gold, load_gold
from benchmark.layers import LAYERS
from benchmark.scoring import evaluate
from benchmark.variants import build_suite, make_variant, validate_variant
from benchmark.variants.dates import granularity, shift_value
from benchmark.variants.ids import parse_variant_id, variant_id
from benchmark.variants.numbers import alternative, shape
from benchmark.variants.serialize import document_bytes, registry_bytes
from benchmark.variants.suite import Suite, Variant

pytest.importorskip("faker")


@pytest.fixture(scope="module")
def gold() -> Gold:
    return load_gold()


@pytest.fixture(scope="module")
def suite(gold: Gold) -> Suite:
    return build_suite(gold)


def _alone(v: Variant) -> Gold:
    return Gold(v.registry, {v.doc_id: v.gold}, "x" * 64)


def test_default_suite_is_every_document_transformation_and_seed(gold: Gold, suite: Suite) -> None:
    assert len(suite.variants) == len(gold.documents) * 4 * 10
    assert "000_cfbd3f9e2e2eb4de~dates~3" in suite.variants
    for vid, v in suite.variants.items():
        assert parse_variant_id(vid) == (v.origin, v.transformation, v.seed)
        assert vid == variant_id(v.origin, v.transformation, v.seed)


def test_every_variant_passes_validation(suite: Suite) -> None:
    problems = {v.doc_id: validate_variant(v) for v in suite}
    assert {k: p for k, p in problems.items() if p} == {}


def test_validation_catches_a_broken_variant(gold: Gold) -> None:
    import dataclasses

    v = make_variant(gold, "000_cfbd3f9e2e2eb4de", "numbers", 0)
    bad = dataclasses.replace(v.gold.troop_counts[0], value=v.gold.troop_counts[0].value + 1)
    broken = dataclasses.replace(v.gold, troop_counts=(bad, *v.gold.troop_counts[1:]))
    from benchmark.variants.core import Source

    problems = validate_variant(dataclasses.replace(v, source=Source(broken, v.registry)))
    assert any("does not match the number written" in p.message for p in problems)


def _perfect_metrics(alone: Gold) -> dict[str, dict[str, object]]:
    evaluation = evaluate(alone, gold_as_predictions(alone, alone.registry), frozenset(LAYERS))
    return {layer: evaluation.metrics(layer) for layer in LAYERS}


def test_gold_as_a_system_scores_one_on_every_metric_of_every_variant(
    gold: Gold, suite: Suite
) -> None:
    """1.0 everywhere, except where the original scores otherwise (a per-label F1 of a label
    the document does not have is 0.0 by the scorer's policy): the metrics equal the
    original's, key for key."""
    originals = {
        d: _perfect_metrics(Gold(gold.registry, {d: doc}, gold.sha256))
        for d, doc in gold.documents.items()
    }
    for v in suite:
        metrics = _perfect_metrics(_alone(v))
        assert metrics == originals[v.origin], v.doc_id
        for layer in LAYERS:
            floats = [x for k, x in metrics[layer].items() if isinstance(x, float)]
            assert floats.count(1.0) >= len(floats) - 2, (v.doc_id, layer)
            for key in ("strict_f1", "value_f1", "tuple_f1"):
                assert metrics[layer].get(key, 1.0) == 1.0, (v.doc_id, layer, key)


def test_identity_reproduces_the_gold_byte_for_byte(gold: Gold) -> None:
    from pathlib import Path

    from benchmark.corpus import default_gold_dir

    gold_dir = Path(default_gold_dir())
    for doc_id in gold.documents:
        v = make_variant(gold, doc_id, "identity", 0)
        assert v.document_bytes() == (gold_dir / f"{doc_id}.json").read_bytes()
        assert v.gold.document.text == gold.documents[doc_id].document.text
        assert v.registry_bytes() == (gold_dir / "entities.json").read_bytes()


@pytest.mark.parametrize("name", ["dates", "names", "numbers", "all"])
def test_same_seed_same_bytes_other_seed_other_variant(gold: Gold, name: str) -> None:
    for doc_id in gold.documents:
        a = make_variant(gold, doc_id, name, 4)
        b = make_variant(gold, doc_id, name, 4)
        c = make_variant(gold, doc_id, name, 5)
        assert a.document_bytes() == b.document_bytes()
        assert a.registry_bytes() == b.registry_bytes()
        assert a.gold.document.text == b.gold.document.text
        assert a.gold.document.text != c.gold.document.text


def test_suite_hash_changes_with_the_variants(gold: Gold) -> None:
    one = build_suite(gold, seeds=1, names=("numbers",))
    again = build_suite(gold, seeds=1, names=("numbers",))
    two = build_suite(gold, seeds=2, names=("numbers",))
    assert one.sha256 == again.sha256 != two.sha256


# ------------------------------------------------------------------ dates

_MONTH = (
    r"(?:Jan(?:uary|\.)|Feb(?:ruary|\.)|March|April|May|June|July|Aug(?:ust|\.)"
    r"|Sep(?:tember|t\.|\.)|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.))"
)
_EXPLICIT = re.compile(
    rf"{_MONTH}|\b1\d\d\d\b|\b20\d\d\b|\d{{4}}/\d\d/\d\d|\b(?:spring|summer|fall|autumn|winter)\b",
    re.I,
)
_HOLIDAY = re.compile(r"Christmas|New Year|Halloween|Independence Day", re.I)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"


def _recompute(text: str, old_value: str, old_dct: dt.date, new_dct: dt.date) -> str | None:
    """The value of a relative expression against ``new_dct``, computed independently:
    by the words where they fix it, else by the unit distance from the dct."""
    words = text.lower()
    if words in ("last week",):
        return _iso_week(new_dct - dt.timedelta(days=7))
    if words in ("this week",):
        return _iso_week(new_dct)
    if words in ("earlier this month", "this month"):
        return new_dct.strftime("%Y-%m")
    if words in _WEEKDAYS:
        old = dt.date.fromisoformat(old_value)
        new = new_dct + (old - old_dct)
        assert new.strftime("%A").lower() == words
        return new.isoformat()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", old_value):
        return (new_dct + (dt.date.fromisoformat(old_value) - old_dct)).isoformat()
    if re.fullmatch(r"\d{4}-W\d\d", old_value):
        monday = dt.datetime.strptime(old_value + "-1", "%G-W%V-%u").date()
        return _iso_week(new_dct + (monday - old_dct))
    if re.fullmatch(r"\d{4}-\d\d", old_value):
        months = (int(old_value[:4]) - old_dct.year) * 12 + int(old_value[5:]) - old_dct.month
        y, m = divmod(new_dct.year * 12 + new_dct.month - 1 + months, 12)
        return f"{y:04d}-{m + 1:02d}"
    if re.fullmatch(r"\d{4}", old_value):
        return str(new_dct.year + int(old_value) - old_dct.year)
    return None  # not a date (duration, set, *_REF): must not change


def test_dates_relative_values_follow_the_new_dct(gold: Gold, suite: Suite) -> None:
    checked = 0
    for v in suite:
        if v.transformation != "dates":
            continue
        original = gold.documents[v.origin]
        old_dct, new_dct = original.document.dct, v.gold.document.dct
        assert new_dct != old_dct and (new_dct - old_dct).days % 7 == 0
        assert 104 * 7 <= abs((new_dct - old_dct).days) <= 520 * 7
        for old, new in zip(original.timexes, v.gold.timexes, strict=True):
            if _EXPLICIT.search(old.span.text) or _HOLIDAY.search(old.span.text):
                continue
            assert new.span.text == old.span.text
            expected = _recompute(old.span.text, old.value, old_dct, new_dct)
            assert new.value == (old.value if expected is None else expected), (v.doc_id, old)
            checked += 1
    assert checked > 100


def test_dates_leave_no_explicit_date_string_of_the_original(gold: Gold, suite: Suite) -> None:
    for v in suite:
        if v.transformation not in ("dates", "all"):
            continue
        original = gold.documents[v.origin]
        strings = {t.span.text for t in original.timexes if _EXPLICIT.search(t.span.text)}
        strings |= set(re.findall(r"\d{4}/\d\d/\d\d", original.document.text))
        text = v.gold.document.text
        for s in strings:
            if _HOLIDAY.search(s):
                continue
            assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", text), (
                v.doc_id,
                s,
            )


def test_dates_holiday_keeps_its_words_and_stays_on_the_same_side_of_the_dct(
    gold: Gold, suite: Suite
) -> None:
    seen = 0
    for v in suite:
        if v.transformation != "dates":
            continue
        original = gold.documents[v.origin]
        for old, new in zip(original.timexes, v.gold.timexes, strict=True):
            if not _HOLIDAY.search(old.span.text):
                continue
            seen += 1
            assert new.span.text == old.span.text
            assert new.value[4:] == old.value[4:]  # same month and day
            old_before = dt.date.fromisoformat(old.value) <= original.document.dct
            new_before = dt.date.fromisoformat(new.value) <= v.gold.document.dct
            assert old_before == new_before
            gap = abs((dt.date.fromisoformat(new.value) - v.gold.document.dct).days)
            assert gap <= abs((dt.date.fromisoformat(old.value) - original.document.dct).days) + 366
    assert seen


@pytest.mark.parametrize(
    ("value", "old_dct", "new_dct", "expected"),
    [
        ("2024-01-08", "2024-01-08", "2019-03-04", "2019-03-04"),
        ("2023-10-17", "2024-01-08", "2024-01-15", "2023-10-24"),
        ("2024-W01", "2024-01-08", "2024-01-15", "2024-W02"),
        ("2024-W01", "2024-01-08", "2021-01-04", "2020-W53"),
        ("2023-10", "2024-01-25", "2019-06-13", "2019-03"),
        ("2023-FA", "2024-01-25", "2014-07-03", "2014-SP"),
        # a season that crosses a year: December is winter of the next year (documented)
        ("2023-FA", "2023-10-05", "2023-12-07", "2024-WI"),
        ("2024-WI", "2024-01-25", "2024-03-07", "2024-SP"),
        ("2024-Q1", "2024-03-01", "2024-04-05", "2024-Q2"),
        ("2011", "2024-01-25", "2014-07-03", "2001"),
        ("201X", "2024-01-25", "2034-07-03", "202X"),
        ("2024-01-08TMO", "2024-01-08", "2024-01-15", "2024-01-15TMO"),
        ("PXM", "2024-01-08", "2019-03-04", "PXM"),
        ("PAST_REF", "2024-01-08", "2019-03-04", "PAST_REF"),
    ],
)
def test_shift_value_table(value: str, old_dct: str, new_dct: str, expected: str) -> None:
    got = shift_value(value, dt.date.fromisoformat(old_dct), dt.date.fromisoformat(new_dct))
    assert got == expected


def test_granularity_of_non_dates_is_none() -> None:
    assert granularity("P2D") is None and granularity("FUTURE_REF") is None
    assert granularity("2024-W04") == "week" and granularity("2019") == "year"


def test_dates_render_surface_forms(gold: Gold) -> None:
    """'Oct. 7' stays AP-abbreviated, 'January 16th' keeps its ordinal, the URL date moves."""
    v = make_variant(gold, "003_5d9fcba85c3d5cb5", "dates", 0)
    original = gold.documents["003_5d9fcba85c3d5cb5"]
    by_old = {o.span.text: n for o, n in zip(original.timexes, v.gold.timexes, strict=True)}
    oct7 = by_old["Oct. 7"]
    date = dt.date.fromisoformat(oct7.value)
    ap = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.")
    ap += ("Nov.", "Dec.")
    assert oct7.span.text == f"{ap[date.month - 1]} {date.day}"
    url = v.gold.document.dct.strftime("%Y/%m/%d")
    assert url in v.gold.document.text
    v1 = make_variant(gold, "001_3a9edc2c992913d8", "dates", 0)
    o1 = gold.documents["001_3a9edc2c992913d8"]
    t16 = {o.span.text: n for o, n in zip(o1.timexes, v1.gold.timexes, strict=True)}["January 16th"]
    day = dt.date.fromisoformat(t16.value).day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    assert t16.span.text.endswith(f" {day}{suffix}")


# ------------------------------------------------------------------ names


def _person_forms(g: Gold, doc_id: str) -> set[str]:
    doc = g.documents[doc_id]
    forms = {
        re.sub(r"(?:['’]s|['’])$", "", m.span.text) for m in doc.entities if m.type == "PERSON"
    }
    forms |= {
        re.sub(r"(?:['’]s|['’])$", "", h.text)
        for s in doc.stances
        if g.registry.types[s.holder] == "PERSON"
        for h in s.holder_mentions
    }
    return forms


def test_names_leave_no_person_surface_form(gold: Gold, suite: Suite) -> None:
    for v in suite:
        if v.transformation not in ("names", "all"):
            continue
        text = v.gold.document.text
        for form in _person_forms(gold, v.origin):
            pattern = rf"(?<![^\W_]){re.escape(form)}(?![^\W_])"
            assert not re.search(pattern, text), (v.doc_id, form)


def test_names_are_consistent_across_mentions_and_registry(gold: Gold, suite: Suite) -> None:
    from benchmark.aliases import normalize_name

    for v in suite:
        if v.transformation != "names":
            continue
        for m in v.gold.entities:
            entry = v.registry.entries[m.entity]
            assert normalize_name(m.span.text) in {
                normalize_name(a) for a in (entry.name, *entry.aliases)
            }
        original = gold.documents[v.origin]
        for old, new in zip(original.entities, v.gold.entities, strict=True):
            assert old.entity == new.entity
            if old.type == "PERSON":
                assert old.span.text != new.span.text
        for old_s, new_s in zip(original.stances, v.gold.stances, strict=True):
            assert (old_s.holder, old_s.label) == (new_s.holder, new_s.label)


def test_names_possessive_and_surname_agree(gold: Gold) -> None:
    v = make_variant(gold, "003_5d9fcba85c3d5cb5", "names", 2)
    entry = v.registry.entries["lloyd_austin"]
    full, surname = entry.name, entry.aliases[-1]
    assert full.endswith(" " + surname) and full != "Lloyd Austin"
    texts = [m.span.text for m in v.gold.entities if m.entity == "lloyd_austin"]
    assert full in texts and all(t.startswith((full, surname)) for t in texts)


# ------------------------------------------------------------------ numbers


def test_numbers_leave_no_troop_count_surface_form(gold: Gold, suite: Suite) -> None:
    for v in suite:
        if v.transformation not in ("numbers", "all"):
            continue
        original = gold.documents[v.origin]
        for c in original.troop_counts:
            pattern = rf"(?<![\d,]){re.escape(c.span.text)}(?![\d]|,\d)"
            assert not re.search(pattern, v.gold.document.text), (v.doc_id, c.span.text)
        for old, new in zip(original.troop_counts, v.gold.troop_counts, strict=True):
            assert old.value / 2 <= new.value <= old.value * 2
            assert ("," in old.span.text) == ("," in new.span.text)
            (digits, significant, _), (new_digits, new_significant, _) = (
                shape(old.span.text),
                shape(new.span.text),
            )
            assert new_digits == digits
            # a round count (one significant digit) may take a second one
            assert new_significant == significant or (significant == 1 and new_significant == 2)


def test_numbers_change_the_trap_numbers_too(gold: Gold) -> None:
    v = make_variant(gold, "003_5d9fcba85c3d5cb5", "numbers", 0)
    for trap in ("153 times", "4,000 U.S. troops", "70 Americans"):
        assert trap in gold.documents["003_5d9fcba85c3d5cb5"].document.text
        assert trap not in v.gold.document.text


@pytest.mark.parametrize(
    ("written", "digits", "significant", "commas"),
    [("2,500", 4, 2, True), ("170,000", 6, 2, True), ("900", 3, 1, False), ("153", 3, 3, False)],
)
def test_number_shape_table(written: str, digits: int, significant: int, commas: bool) -> None:
    assert shape(written) == (digits, significant, commas)


@pytest.mark.parametrize("written", ["2,500", "170,000", "900", "153", "5,000"])
def test_alternative_keeps_the_shape_and_avoids(written: str) -> None:
    value = int(written.replace(",", ""))
    for i in range(30):
        new = alternative(written, f"k{i}", {value})
        assert new != value and value / 2 <= new <= value * 2
        digits, significant, _ = shape(f"{new:,}" if "," in written else str(new))
        assert digits == shape(written)[0]
        if shape(written)[1] > 1:
            assert significant == shape(written)[1]
        else:  # a round number may take a second significant digit
            assert significant <= 2


@pytest.mark.parametrize(("written", "expected"), [("5,000", 74), ("900", 54), ("40", 60)])
def test_round_numbers_have_enough_values_for_ten_variants(written: str, expected: int) -> None:
    """Hand-counted: "5,000" takes heads 25 … 99 in hundreds (half to twice), 75 values, less
    itself: 74 (one significant digit alone gave 6); "900": 45 … 99 in tens, 55 less 1;
    "40": 20 … 80, 61 less 1."""
    value = int(written.replace(",", ""))
    seen = {alternative(written, f"k{i}", {value}) for i in range(3000)}
    assert len(seen) == expected


def test_identical_serialisation_of_registry(gold: Gold) -> None:
    v = make_variant(gold, "002_3909ecee38eeaec9", "dates", 1)
    assert registry_bytes(v.registry).endswith(b"\n")
    assert document_bytes(v.gold).decode("utf-8").startswith('{\n  "doc_id": "002_')


def test_same_bytes_in_other_processes_whatever_the_hash_seed(gold: Gold) -> None:
    """No set or dict order leaks into a variant: other processes, other hash seeds."""
    import os
    import subprocess
    import sys

    code = (
        "from benchmark.gold import load_gold; from benchmark.variants import build_suite; "
        "print(build_suite(load_gold(), seeds=2).sha256)"
    )
    here = build_suite(gold, seeds=2).sha256
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == here


def test_document_metonyms_move_to_the_variant(gold: Gold, suite: Suite) -> None:
    for v in suite:
        own = [m for m in gold.registry.metonyms if m.doc_id == v.origin]
        assert [(m.name, m.entity) for m in v.registry.metonyms] == [
            (m.name, m.entity) for m in own
        ]
        assert all(m.doc_id == v.doc_id for m in v.registry.metonyms)
    assert any(v.registry.metonyms for v in suite) == any(gold.registry.metonyms)
