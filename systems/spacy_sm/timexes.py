"""Timexes layer of spacy-sm: DATE and TIME entities normalised to TIMEX3 against the dct."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmark.predictions import TimexPrediction
from systems.spacy_sm.text import strip_span
from systems.timex3 import iso_week

if TYPE_CHECKING:
    from spacy.tokens import Doc

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
}
_VAGUE_AMOUNT = {
    "several",
    "few",
    "a few",
    "many",
    "some",
    "couple",
    "a couple of",
    "the last few",
    "the past few",
    "the last",
    "the past",
    "last few",
    "past few",
    "recent",
}
_UNITS = {
    "second": ("T", "S", 1),
    "minute": ("T", "M", 1),
    "hour": ("T", "H", 1),
    "day": ("", "D", 1),
    "week": ("", "W", 1),
    "month": ("", "M", 1),
    "year": ("", "Y", 1),
    "decade": ("", "Y", 10),
    "century": ("", "Y", 100),
}
_SEASONS = {
    "spring": ("SP", 3),
    "summer": ("SU", 6),
    "fall": ("FA", 9),
    "autumn": ("FA", 9),
    "winter": ("WI", 12),
}
_HOLIDAYS = {
    "christmas": (12, 25),
    "new year's day": (1, 1),
    "new year": (1, 1),
    "independence day": (7, 4),
    "halloween": (10, 31),
    "thanksgiving": (11, 25),
}
_MODS = [
    (re.compile(r"^(?:late|the end of|end of)\s+", re.I), "END"),
    (re.compile(r"^(?:early|the beginning of|beginning of|the start of)\s+", re.I), "START"),
    (re.compile(r"^(?:mid-|mid\s+|the middle of\s+)", re.I), "MID"),
    (re.compile(r"^(?:about|around|roughly|approximately)\s+", re.I), "APPROX"),
    (re.compile(r"^(?:more than|over)\s+", re.I), "MORE_THAN"),
    (re.compile(r"^(?:less than|under)\s+", re.I), "LESS_THAN"),
]
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}


@dataclass(frozen=True, slots=True)
class TimexValue:
    """A normalised temporal expression."""

    type: str
    value: str
    mod: str | None = None


def _amount(word: str) -> str | None:
    """'two' → '2', 'several' → 'X', '20' → '20'; None if not an amount."""
    w = word.lower().strip()
    if w.isdigit():
        return w
    if w in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[w])
    if w in _VAGUE_AMOUNT:
        return "X"
    return None


_DURATION = re.compile(
    r"^(?:(?P<amount>[\w ]+?)\s+)?(?P<unit>second|minute|hour|day|week|month|year|decade|centur)"
    r"(?:y|ie)?s?(?P<long>-long)?$",
    re.I,
)


def _duration(phrase: str) -> TimexValue | None:
    """'two decades' → P20Y, 'several weeks' → PXW, 'months-long' → PXM."""
    m = _DURATION.match(phrase)
    if not m:
        return None
    unit = m.group("unit").lower()
    unit = {"centur": "century"}.get(unit, unit)
    plural = phrase.lower().rstrip().endswith("s") or bool(m.group("long"))
    raw = m.group("amount")
    if raw is None:
        amount = "X" if plural else "1"
    else:
        amount = _amount(raw)
        if amount is None:
            return None
    time_part, letter, factor = _UNITS[unit]
    if amount != "X":
        amount = str(int(amount) * factor)
    elif factor == 100:
        letter = "CE"
    elif factor == 10:
        letter = "DE"
    return TimexValue("DURATION", f"P{time_part}{amount}{letter}")


def _shift_month(day: dt.date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _relative(phrase: str, dct: dt.date) -> TimexValue | None:
    """this/last/next week, month, year; today/yesterday/tomorrow."""
    p = phrase.lower()
    m = re.fullmatch(
        r"(?:earlier |later )?(this|last|next|past|previous|coming) "
        r"(week|weekend|month|year)",
        p,
    )
    if m:
        step = {"this": 0, "coming": 1, "next": 1}.get(m.group(1), -1)
        unit = m.group(2)
        if unit in ("week", "weekend"):
            return TimexValue("DATE", iso_week(dct + dt.timedelta(weeks=step)))
        if unit == "month":
            return TimexValue("DATE", _shift_month(dct, step))
        return TimexValue("DATE", str(dct.year + step))
    days = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}
    if p in days:
        return TimexValue("DATE", (dct + dt.timedelta(days=days[p])).isoformat())
    return None


def _weekday(phrase: str, dct: dt.date) -> TimexValue | None:
    """A weekday: the one on or before the dct (news reports the recent past)."""
    m = re.fullmatch(
        r"(?:last |this |on )?(\w+?)s?(?: (morning|afternoon|evening|night))?", phrase.lower()
    )
    if not m or m.group(1) not in _WEEKDAYS:
        return None
    back = (dct.weekday() - _WEEKDAYS[m.group(1)]) % 7
    day = (dct - dt.timedelta(days=back)).isoformat()
    parts = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
    part = parts.get(m.group(2) or "")
    return TimexValue("TIME", f"{day}T{part}") if part else TimexValue("DATE", day)


def _vague(phrase: str) -> TimexValue | None:
    p = phrase.lower()
    if re.fullmatch(r"now|currently|at present|present|these days|nowadays|at this time", p):
        return TimexValue("DATE", "PRESENT_REF")
    if re.fullmatch(
        r"recent(?:ly| years| months| weeks| days| times)?|the past|formerly|"
        r"in the past|previously",
        p,
    ):
        return TimexValue("DATE", "PAST_REF")
    if re.fullmatch(
        r"soon|the future|the coming (?:days|weeks|months|years)|"
        r"the next few (?:days|weeks|months|years)|"
        r"the (?:near|foreseeable) future|later this (?:week|month|year)",
        p,
    ):
        return TimexValue("DATE", "FUTURE_REF")
    return None


def _season(phrase: str, dct: dt.date) -> TimexValue | None:
    m = re.fullmatch(
        r"(?:the |this |last |next )?(spring|summer|fall|autumn|winter)(?: of)?"
        r"(?: (\d{4}))?",
        phrase.lower(),
    )
    if not m:
        return None
    code, start_month = _SEASONS[m.group(1)]
    latest = dct.year if start_month <= dct.month else dct.year - 1
    year = int(m.group(2)) if m.group(2) else latest
    return TimexValue("DATE", f"{year}-{code}")


def _holiday(phrase: str, dct: dt.date) -> TimexValue | None:
    """'Days before Christmas' → 2023-12-25 BEFORE (the occurrence nearest the dct)."""
    p = phrase.lower()
    for name, (month, day) in _HOLIDAYS.items():
        if name not in p:
            continue
        dates = [dt.date(dct.year + k, month, day) for k in (-1, 0, 1)]
        nearest = min(dates, key=lambda d: abs((d - dct).days))
        mod = "BEFORE" if " before " in f" {p} " else "AFTER" if " after " in f" {p} " else None
        return TimexValue("DATE", nearest.isoformat(), mod)
    return None


def _sets(phrase: str) -> TimexValue | None:
    m = re.fullmatch(
        r"(?:every|each) (day|week|month|year)|(daily|weekly|monthly|annually|yearly)",
        phrase.lower(),
    )
    if not m:
        return None
    unit = m.group(1) or {"daily": "day", "weekly": "week", "monthly": "month"}.get(
        m.group(2), "year"
    )
    return TimexValue("SET", f"P1{_UNITS[unit][1]}")


_MONTHS = "|".join(
    [m.lower() for m in calendar.month_name[1:]] + [m.lower() for m in calendar.month_abbr[1:]]
)


def _granularity(phrase: str) -> str:
    """'day', 'month', 'year' or 'decade' for a calendar phrase."""
    p = phrase.lower()
    has_month = re.search(rf"\b(?:{_MONTHS})\b\.?", p) is not None
    has_day = re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", re.sub(r"\b\d{4}\b", "", p)) is not None
    if has_month and has_day:
        return "day"
    if has_month:
        return "month"
    if re.search(r"\b\d{3}0s\b", p):
        return "decade"
    return "year" if re.search(r"\b\d{4}\b", p) else "day"


def _calendar(phrase: str, dct: dt.date) -> TimexValue | None:
    """Explicit dates with ``dateparser``, relative to the dct, at the phrase's granularity."""
    granularity = _granularity(phrase)
    decade = re.search(r"\b(\d{3})0s\b", phrase)
    if granularity == "decade" and decade:
        return TimexValue("DATE", f"{decade.group(1)}X")
    if granularity == "year":
        year = re.search(r"\b(\d{4})\b", phrase)
        return TimexValue("DATE", year.group(1)) if year else None
    parsed = _dateparser_date(phrase, dct)
    if parsed is None:
        return None
    if granularity == "month":
        return TimexValue("DATE", f"{parsed.year}-{parsed.month:02d}")
    if not re.search(rf"\b(?:{_MONTHS})\b", phrase.lower()):
        return None  # a bare number is not a date
    return TimexValue("DATE", parsed.isoformat())


def _dateparser_date(phrase: str, dct: dt.date) -> dt.date | None:
    import dateparser

    settings: Any = {
        "RELATIVE_BASE": dt.datetime(dct.year, dct.month, dct.day),
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def normalize_timex(phrase: str, dct: dt.date) -> TimexValue | None:
    """TIMEX3 type, value and mod of a temporal phrase, resolved against ``dct``.

    Returns ``None`` when the phrase cannot be normalised.
    """
    phrase = re.sub(r"\s+", " ", phrase.strip())
    mod = None
    for pattern, name in _MODS:
        if pattern.search(phrase):
            phrase, mod = pattern.sub("", phrase), name
            break
    core = re.sub(
        r"^the\s+(?=(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))", "", phrase, flags=re.I
    )
    for rule in (_vague, _sets, _duration):
        found = rule(core)
        if found:
            return TimexValue(found.type, found.value, found.mod or mod)
    for dated in (_relative, _weekday, _season, _holiday, _calendar):
        found = dated(core, dct)
        if found:
            return TimexValue(found.type, found.value, found.mod or mod)
    return None


_SEASON_PHRASE = re.compile(
    r"\b(?:the|this|last|next) (?:spring|summer|fall|autumn|winter)\b", re.I
)


def _extra_timex_spans(doc: Doc, found: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Temporal words the NER misses: "now", "soon" (adverbs) and "the fall"."""
    spans = [
        (t.idx, t.idx + len(t.text))
        for t in doc
        if t.lower_ in ("now", "soon") and t.pos_ == "ADV" and not t.ent_type_
    ]
    spans += [m.span() for m in _SEASON_PHRASE.finditer(doc.text)]
    return [(s, e) for s, e in spans if not any(s < fe and fs < e for fs, fe in found)]


def timexes_of(parsed: Sequence[tuple[int, Doc]], text: str, dct: dt.date) -> list[TimexPrediction]:
    """Timexes of every parsed line: DATE/TIME entities and missed temporal words, normalised."""
    out: dict[tuple[int, int], TimexPrediction] = {}
    for offset, doc in parsed:
        spans = [
            (ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in ("DATE", "TIME")
        ]
        spans += _extra_timex_spans(doc, spans)
        for start, end in spans:
            s, e = strip_span(text, offset + start, offset + end)
            surface = re.sub(r"(?:'s|\u2019s)$", "", text[s:e])
            e = s + len(surface)
            if text[e : e + 5] == "-long":
                e += 5  # "months-long"
                surface = text[s:e]
            value = normalize_timex(surface, dct)
            if value is None or e <= s:
                continue
            out[(s, e)] = TimexPrediction(
                value=value.value,
                type=value.type,
                start=s,
                end=e,
                text=text[s:e],
                mod=value.mod,
            )
    return [out[k] for k in sorted(out)]
