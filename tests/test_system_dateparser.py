"""Tests of the dateparser baseline's own logic: conversion, offsets, availability."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from benchmark.corpus import Document, default_seeds_dir, read_seed, seed_paths
from benchmark.install import extra_command
from benchmark.layers.timexes import is_timex3_value
from benchmark.predictions import parse_prediction
from benchmark.systems import SystemUnavailable
from systems.dateparser_system import DateparserSystem, locate, timex_value

WHEN = dt.datetime(2024, 1, 18, 15, 30)


@pytest.fixture(scope="module")
def system() -> DateparserSystem:
    pytest.importorskip("dateparser")
    return DateparserSystem()


# ------------------------------------------------------------ pure conversion


@pytest.mark.parametrize(
    ("substring", "expected"),
    [
        ("Thursday", ("DATE", "2024-01-18")),
        ("on Thursday", ("DATE", "2024-01-18")),
        ("the January 3", ("DATE", "2024-01-18")),
        ("of January 16th", ("DATE", "2024-01-18")),
        ("yesterday", ("DATE", "2024-01-18")),
        ("two days after", ("DATE", "2024-01-18")),
        ("last week", ("DATE", "2024-W03")),
        ("October by", ("DATE", "2024-01")),
        ("December 2019, the", ("DATE", "2024-01")),
        ("this month", ("DATE", "2024-01")),
        ("in 2014, after", ("DATE", "2024")),
        ("two decades of", ("DATE", "2024")),
        ("at 3:30 pm", ("TIME", "2024-01-18T15:30")),
        ("9 a.m.", ("TIME", "2024-01-18T15:30")),
        ("something else", ("DATE", "2024-01-18")),
    ],
)
def test_granularity_is_read_off_the_substring(substring: str, expected: tuple[str, str]) -> None:
    assert timex_value(substring, WHEN) == expected


def test_iso_week_of_the_value() -> None:
    assert timex_value("last week", dt.datetime(2021, 1, 1)) == ("DATE", "2020-W53")


def test_locate_scans_forward_for_repeats() -> None:
    line = "We met on Thursday and again on Thursday."
    found = locate(line, [("on Thursday", 1), ("on Thursday", 2)])
    first = line.index("on Thursday")
    second = line.index("on Thursday", first + 1)
    assert found == [(first, first + 11, 1), (second, second + 11, 2)]


def test_locate_drops_what_is_not_there_and_rescans_from_the_start() -> None:
    line = "Monday and Tuesday"
    found = locate(line, [("Tuesday", "a"), ("Monday", "b"), ("Friday", "c"), ("", "d")])
    assert found == [(11, 18, "a"), (0, 6, "b")]


def test_missing_package_makes_the_system_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dateparser", None)
    monkeypatch.setitem(sys.modules, "dateparser.search", None)
    with pytest.raises(SystemUnavailable) as info:
        DateparserSystem()
    assert info.value.name == "dateparser"
    # a command that works as troopbench was installed (benchmark.install)
    assert extra_command("dateparser") in info.value.install


# ------------------------------------------------------------ with dateparser


def _doc(text: str, dct: dt.date = dt.date(2024, 1, 25)) -> Document:
    return Document("doc", text, "", dct, "inferred")


def test_system_attributes(system: DateparserSystem) -> None:
    assert system.name == "dateparser"
    assert system.layers == ("timexes",)
    assert system.parallel == "process"
    assert isinstance(system.version, str) and system.version


def test_dates_are_found_and_resolved(system: DateparserSystem) -> None:
    text = "Troops first arrived in March 2003 and again in 2014."
    prediction = system.extract(_doc(text))
    assert prediction.entities is None and prediction.stances is None
    values = {(t.value, t.type) for t in prediction.timexes or ()}
    assert ("2003-03", "DATE") in values
    assert ("2014", "DATE") in values
    for t in prediction.timexes or ():
        assert text[t.start : t.end] == t.text


def test_repeated_substrings_get_their_own_offsets(system: DateparserSystem) -> None:
    text = "Officials met in March 2003.\nOfficials met in March 2003."
    timexes = system.extract(_doc(text)).timexes or ()
    starts = [t.start for t in timexes]
    assert len(starts) == 2 and starts[0] != starts[1]
    assert all(text[t.start : t.end] == t.text for t in timexes)


def test_boilerplate_lines_are_skipped(system: DateparserSystem) -> None:
    text = (
        "Click to see full-size image\n"
        "1: https://www.example.com/2024/01/25/story-from-monday/\n"
        "The vote was held in March 2003.\n"
        "Leave a Comment\n"
    )
    prose = (text.index("The vote"), text.index("\nLeave"))
    timexes = system.extract(_doc(text)).timexes or ()
    assert timexes
    assert all(prose[0] <= t.start < t.end <= prose[1] for t in timexes)


def _seeds() -> list[Document]:
    return [_doc(read_seed(p)) for p in seed_paths(default_seeds_dir()).values()]


def test_seed_spans_match_and_validate(system: DateparserSystem) -> None:
    for document in _seeds():
        prediction = system.extract(document)
        timexes = prediction.timexes or ()
        keys = [(t.start, t.end) for t in timexes]
        assert keys == sorted(keys)
        for t in timexes:
            assert document.text[t.start : t.end] == t.text
            assert is_timex3_value(t.value)
        raw = json.loads(json.dumps(prediction.to_json()))
        _, errors = parse_prediction(raw, document.text, "dateparser")
        assert errors == []
        assert system.extract(document).to_json() == prediction.to_json()
