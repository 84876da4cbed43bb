"""The recognizers-dates system: Recognizers-Text TIMEX strings resolved against the dct.

The resolution and the offsets are tested everywhere on results recorded
from the real library (``tests/fixtures/systems/recorded.json``, made-up
text); where the library is installed (CI installs it), it must still give
that recording.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from benchmark.corpus import Document
from benchmark.install import extra_command
from benchmark.systems import SystemUnavailable, declared_exposure
from systems.recognizers_dates import (
    MODS,
    TYPES,
    RecognizersDates,
    Result,
    fill_timex,
    locate,
    map_results,
    nearest_candidate,
    resolve,
)

RECORDED = json.loads(
    (Path(__file__).parent / "fixtures" / "systems" / "recorded.json").read_text(encoding="utf-8")
)["recognizers"]
TEXT: str = RECORDED["text"]
DCT = dt.date.fromisoformat(RECORDED["dct"])  # a Tuesday
RESULTS = [
    Result(r["start"], r["end"], r["text"], r["type_name"], tuple(r["values"]))
    for r in RECORDED["results"]
]


def live() -> RecognizersDates:
    try:
        return RecognizersDates()
    except SystemUnavailable as exc:
        pytest.skip(str(exc))


# ---------------------------------------------------------------- resolution against the dct

# (document text, value, type, mod), worked out by hand from the recording and the module doc
EXPECTED = [
    ("Tuesday", "2023-11-14", "DATE", None),  # XXXX-WXX-2: 2023-11-07 or the dct; the dct is nearer
    ("March 2019", "2019-03", "DATE", None),
    ("next month", "2023-12", "DATE", None),
    ("every week", "P1W", "SET", None),
    ("since 2021", "2021", "DATE", "ON_OR_AFTER"),
    ("two decades", "P21", "DURATION", None),  # the library's own (invalid) value, passed on
    ("may", "2024-05", "DATE", None),  # the modal verb read as a month: 2024-05-01 is nearer
    ("by the summer", "SU", "DATE", "BEFORE"),
    ("10 a.m. on 4 July", "2023-07-04T10", "TIME", None),
    ("three days", "P3D", "DURATION", None),
    ("few years", "P3Y", "DURATION", None),
    ("this week", "2023-W46", "DATE", None),
    ("Tuesday", "2023-11-14", "DATE", None),
    ("before Christmas", "2023-12-25", "DATE", "BEFORE"),  # candidates by their end dates
]


def test_recorded_results_resolve_as_documented() -> None:
    got = [(t.text, t.value, t.type, t.mod) for t in map_results(TEXT, RESULTS, DCT)]
    assert got == EXPECTED


def test_inclusive_end_offsets_become_half_open_spans_of_document_text() -> None:
    for result, timex in zip(RESULTS, map_results(TEXT, RESULTS, DCT), strict=True):
        assert (timex.start, timex.end) == (result.start, result.end + 1)
        assert TEXT[timex.start : timex.end].lower() == result.text  # the library lower-cases
        assert timex.text == TEXT[timex.start : timex.end]


@pytest.mark.parametrize(
    ("dates", "dct", "chosen"),
    [
        (("2023-11-07", "2023-11-14"), "2023-11-14", "2023-11-14"),  # the dct itself
        (("2023-11-07", "2023-11-21"), "2023-11-14", "2023-11-07"),  # a tie: the earlier
        (("2023-12-25", "2024-12-25"), "2024-01-08", "2023-12-25"),
        (("2023-05-01", "2024-05-01"), "2023-11-14", "2024-05-01"),
    ],
)
def test_nearest_candidate(dates: tuple[str, str], dct: str, chosen: str) -> None:
    values = [{"timex": "XXXX-WXX-2", "value": d} for d in dates]
    candidate = nearest_candidate(values, dt.date.fromisoformat(dct))
    assert candidate is not None and candidate["value"] == chosen


def test_nearest_candidate_without_dates_is_the_first_and_none_without_candidates() -> None:
    assert nearest_candidate([{"timex": "P1W"}, {"timex": "P2W"}], DCT) == {"timex": "P1W"}
    assert nearest_candidate([], DCT) is None


@pytest.mark.parametrize(
    ("timex", "candidate", "filled"),
    [
        ("XXXX-12-25", {"value": "2023-12-25"}, "2023-12-25"),
        ("XXXX-WXX-1", {"value": "2024-01-08"}, "2024-01-08"),
        ("XXXX-01", {"start": "2024-01-01"}, "2024-01"),
        ("XXXX-07-04T10", {"value": "2023-07-04 10:00:00"}, "2023-07-04T10"),
        ("2024-W02", {"start": "2024-01-08"}, "2024-W02"),  # nothing unspecified
        ("XXXX-SU", {"start": "2023-06-01"}, "XXXX-SU"),  # no rule for seasons: unchanged
        ("XXXX-12-25", {"value": "not resolved"}, "XXXX-12-25"),
    ],
)
def test_fill_timex(timex: str, candidate: dict[str, str], filled: str) -> None:
    assert fill_timex(timex, candidate) == filled


@pytest.mark.parametrize(
    ("type_name", "values", "expected"),
    [
        (
            "datetimeV2.daterange",
            ({"timex": "(2023-10-08,2024-01-08,P3M)", "start": "2023-10-08"},),
            ("P3M", "DURATION", None),
        ),
        ("datetimeV2.set", ({"timex": "P1W", "value": "not resolved"},), ("P1W", "SET", None)),
        (
            "datetimeV2.date",
            ({"timex": "PRESENT_REF", "value": "x"},),
            ("PRESENT_REF", "DATE", None),
        ),
        ("datetimeV2.time", ({"timex": "T10", "value": "10:00:00"},), ("T10", "TIME", None)),
        (
            "datetimeV2.daterange",
            ({"timex": "2019", "Mod": "until", "end": "2019-01-01"},),
            ("2019", "DATE", "ON_OR_BEFORE"),
        ),
        (
            "datetimeV2.daterange",
            ({"timex": "2019", "Mod": "ref_undef", "start": "2019-01-01"},),
            ("2019", "DATE", None),  # a mod with no TIMEX3 counterpart is dropped
        ),
    ],
)
def test_resolve(type_name: str, values: tuple[dict[str, str], ...], expected: Any) -> None:
    assert resolve(Result(0, 3, "abcd", type_name, values), DCT) == expected


def test_type_and_mod_tables_use_timex3_names_only() -> None:
    from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES

    assert set(TYPES.values()) <= set(TIMEX_TYPES)
    assert set(MODS.values()) <= set(TIMEX_MODS)


def test_locate_looks_near_the_reported_place_when_offsets_drift() -> None:
    text = "On Monday, and again on Monday."
    assert locate(text, Result(3, 8, "monday", "datetimeV2.date", ())) == (3, 9)
    assert locate(text, Result(22, 27, "monday", "datetimeV2.date", ())) == (24, 30)
    assert locate(text, Result(3, 8, "friday", "datetimeV2.date", ())) is None


# ---------------------------------------------------------------- availability


def test_without_the_library_the_system_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def broken(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("recognizers_date_time"):
            raise ImportError("cannot import name 'UNICODE_EMOJI' from 'emoji'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    with pytest.raises(SystemUnavailable) as info:
        RecognizersDates()
    assert "emoji<2" in info.value.reason
    # the extra's command as this installation runs it (benchmark.install)
    assert info.value.install == extra_command("recognizers")


def test_declares_no_exposure_to_the_articles() -> None:
    assert declared_exposure(RecognizersDates).level == "none"


# ---------------------------------------------------------------- the real library


def test_live_library_gives_the_recorded_results() -> None:
    assert live().results(TEXT, DCT) == RESULTS


def test_live_system_maps_a_document() -> None:
    system = live()
    prediction = system.extract(Document("d", TEXT, "", DCT, "inferred"))
    assert prediction.timexes == map_results(TEXT, RESULTS, DCT)
