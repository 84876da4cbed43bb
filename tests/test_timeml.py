"""TimeML: the value grammar, the reader (offsets, DCT, title, entities), and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmark.layers.timexes import (
    CORPUS_DEVIATIONS,
    TIMEML_VALUE,
    is_timex3_value,
    timeml_deviation,
)
from benchmark.timeml import TimexTag, parse_timeml, write_timeml

# ------------------------------------------------------------------ value grammar


@pytest.mark.parametrize(
    ("value", "timeml"),
    [
        ("2024", True),
        ("2024-01", True),
        ("2024-01-08", True),
        ("19", True),  # a century (TE3 platinum, twice)
        ("199", True),  # a decade
        ("201X", True),
        ("20XX", True),
        ("XXXX-XX-XX", True),
        ("2024-W02", True),
        ("2024-W02-3", True),
        ("2024-W02-WE", True),
        ("2012-WXX-7TNI", True),  # Sunday night (TE3 platinum)
        ("2024-FA", True),
        ("XXXX-WI", True),
        ("2024-Q1", True),
        ("2024-H2", True),
        ("2024-01-08T14", True),
        ("2012-XX-XXT20", True),
        ("2024-01-08T14:00", True),
        ("2024-01-08T14:00:59.5", True),
        ("2024-01-08T14:00Z", True),
        ("2024-01-08T14:00-05:00", True),
        ("2024-01-08T24:00", True),
        ("2024-01-08TMO", True),
        ("2024-01-08TMI", True),
        ("XXXX-XX-XXTMO", True),
        ("PRESENT_REF", True),
        ("P2D", True),
        ("PT3H7M35S", True),
        ("P1DE", True),
        ("P2CE", True),
        ("P1ML", True),
        ("PXY", True),
        ("P1.5Y", True),
        ("P1Y6MT2H", True),
        ("2000-W7", False),  # a listed deviation, not TimeML
        ("1", False),
        ("2024-13", False),
        ("2024-02-32", False),
        ("2024-W54", False),
        ("2024-01-08T25:00", False),
        ("2024-01-08TXY", False),
        ("P", False),
        ("PT", False),
        ("last Monday", False),
        ("", False),
        ("2024-1-08", False),
        ("19th century", False),
    ],
)
def test_timeml_grammar(value: str, timeml: bool) -> None:
    assert (TIMEML_VALUE.fullmatch(value) is not None) is timeml


@pytest.mark.parametrize(
    ("value", "accepted", "deviation"),
    [
        ("2000-W7", True, "an ISO week number without its leading zero"),
        ("2000-W7-2", True, "an ISO week number without its leading zero"),
        ("2000-W07", True, None),
        ("2000-W0", False, None),
        ("2000-W70", False, None),
        ("garbage", False, None),
    ],
)
def test_listed_deviations(value: str, accepted: bool, deviation: str | None) -> None:
    assert is_timex3_value(value) is accepted
    assert timeml_deviation(value) == deviation


def test_every_listed_deviation_example_is_accepted_and_documented() -> None:
    fmt = (Path(__file__).resolve().parent.parent / "gold" / "FORMAT.md").read_text("utf-8")
    for what, example, _ in CORPUS_DEVIATIONS:
        assert timeml_deviation(example) == what
        assert f"`{example}`" in fmt, f"gold/FORMAT.md does not list {example}"


@given(st.dates(), st.integers(0, 23), st.integers(0, 59))
def test_every_calendar_time_is_a_value(day: object, hour: int, minute: int) -> None:
    assert is_timex3_value(f"{day}T{hour:02d}:{minute:02d}")
    assert is_timex3_value(str(day)) and timeml_deviation(str(day)) is None


# ------------------------------------------------------------------ reader

DOC = """<?xml version="1.0" ?>
<TimeML>
<DOCID>X</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="{dct}" functionInDocument="CREATION_TIME">x</TIMEX3></DCT>
{title}
<TEXT>
Fish &amp; chips <TIMEX3 tid="t1" type="DATE" value="{value}"{extra}>on Monday</TIMEX3>, <EVENT eid="e1">said</EVENT>
 <TIMEX3 tid="t2" type="DURATION" value="P2D">two days</TIMEX3>&#160;x.
</TEXT>
</TimeML>
"""  # noqa: E501


def doc(
    *,
    dct: str = "2013-03-22",
    title: str = "<TITLE>A &lt;b&gt; title</TITLE>",
    value: str = "2013-03-18",
    extra: str = "",
) -> str:
    return DOC.format(dct=dct, title=title, value=value, extra=extra)


def test_reader_offsets_entities_dct_and_title() -> None:
    document, problems = parse_timeml(doc(), "X_1", "X_1.tml")
    assert problems == [] and document is not None
    assert document.text == "\nFish & chips on Monday, said\n two days\u00a0x.\n"
    assert document.title == "A <b> title"
    assert document.dct == "2013-03-22"
    assert [(t.start, t.end, t.text, t.tid) for t in document.timexes] == [
        (14, 23, "on Monday", "t1"),
        (31, 39, "two days", "t2"),
    ]
    assert all(document.text[t.start : t.end] == t.text for t in document.timexes)


def test_reader_dct_with_a_time_of_day_and_no_title() -> None:
    document, problems = parse_timeml(doc(dct="2013-03-22T10:30", title=""), "d", "d.tml")
    assert problems == [] and document is not None
    assert document.dct == "2013-03-22T10:30" and document.title == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"value": "last Monday"},
            "d.tml: TIMEX3 tid=t1: value 'last Monday' is not a TIMEX3 value",
        ),
        ({"extra": ' mod="SOMETIMES"'}, "d.tml: TIMEX3 tid=t1: mod 'SOMETIMES' is not one of"),
        ({"dct": "March 2013"}, "d.tml: DCT TIMEX3 tid=t0: value 'March 2013' is not a calendar"),
        ({"dct": "2013-03-22T10"}, "d.tml: DCT TIMEX3 tid=t0: value '2013-03-22T10'"),
    ],
)
def test_reader_errors_name_file_item_and_value(kwargs: dict[str, str], message: str) -> None:
    document, problems = parse_timeml(doc(**kwargs), "d", "d.tml")
    assert document is None
    assert any(str(p).startswith(message) for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<TimeML><TEXT>a <b></TEXT></TimeML>", "d.tml: line 1, column"),
        ("<TimeML><DCT/></TimeML>", "d.tml: TEXT: 0 <TEXT> elements"),
        (
            '<TimeML><TEXT>a <TIMEX3 tid="t1" type="DATE" value="2013">b</TIMEX3></TEXT></TimeML>',
            'd.tml: DCT: 0 TIMEX3 with functionInDocument="CREATION_TIME"',
        ),
        (
            '<TimeML><TEXT>a <TIMEX3 tid="t1" type="DAY" value="2013">b</TIMEX3></TEXT></TimeML>',
            "d.tml: TIMEX3 tid=t1: type 'DAY' is not one of",
        ),
        (
            '<TimeML><TEXT>a <TIMEX3 tid="t1" type="DATE" value="2013"></TIMEX3></TEXT></TimeML>',
            "d.tml: TIMEX3 tid=t1: encloses no text",
        ),
    ],
)
def test_reader_rejects_broken_files(source: str, message: str) -> None:
    document, problems = parse_timeml(source, "d", "d.tml")
    assert document is None
    assert any(str(p).startswith(message) for p in problems), [str(p) for p in problems]


def test_writer_output_reads_back_the_same() -> None:
    document, _ = parse_timeml(doc(), "X_1", "X_1.tml")
    assert document is not None
    tags = [TimexTag(t.start, t.end, t.value, t.type, t.mod) for t in document.timexes]
    written = write_timeml("X_1", document.text, document.title, document.dct, tags)
    again, problems = parse_timeml(written, "X_1", "X_1.tml")
    assert problems == [] and again is not None
    assert again.text == document.text and again.title == document.title
    assert [(t.start, t.end, t.type, t.value) for t in again.timexes] == [
        (t.start, t.end, t.type, t.value) for t in document.timexes
    ]


def test_writer_replaces_nbsp_one_for_one_and_refuses_overlaps() -> None:
    text = "on\u00a0Monday and Tuesday"
    plain = write_timeml("d", text, "", "2013-03-22", [TimexTag(0, 9, "2013-03-18", "DATE")])
    spaced = write_timeml(
        "d", text, "", "2013-03-22", [TimexTag(0, 9, "2013-03-18", "DATE")], nbsp_to_space=True
    )
    assert "\u00a0" in plain and "\u00a0" not in spaced
    back, _ = parse_timeml(spaced, "d", "d.tml")
    assert back is not None and back.text == text.replace("\u00a0", " ")
    assert (back.timexes[0].start, back.timexes[0].end) == (0, 9)
    with pytest.raises(ValueError, match="overlaps"):
        write_timeml(
            "d",
            text,
            "",
            "2013-03-22",
            [TimexTag(0, 9, "2013-03-18", "DATE"), TimexTag(3, 12, "2013-03-18", "DATE")],
        )
