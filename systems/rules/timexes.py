"""Timexes layer of the rules system: regular expressions resolved against the dct into TIMEX3."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from benchmark.predictions import TimexPrediction
from systems.rules.text import Layout, Region
from systems.rules.words import HOLIDAYS, MONTHS, WEEKDAYS
from systems.timex3 import iso_week

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
_VAGUE_QUANTITIES = ("several", "a few", "few", "many", "some", "numerous", "the")
_UNIT_CODES = {
    "hour": "H",
    "day": "D",
    "week": "W",
    "month": "M",
    "year": "Y",
    "decade": "Y",
    "century": "Y",
}
_UNIT_FACTORS = {"decade": 10, "century": 100}
_PART_MODS = {
    "early": "START",
    "mid": "MID",
    "late": "END",
    "the end of": "END",
    "the start of": "START",
    "the beginning of": "START",
    "the middle of": "MID",
}
_DURATION_MODS = {
    "more than": "MORE_THAN",
    "over": "MORE_THAN",
    "less than": "LESS_THAN",
    "under": "LESS_THAN",
    "about": "APPROX",
    "around": "APPROX",
    "roughly": "APPROX",
    "approximately": "APPROX",
    "nearly": "APPROX",
    "almost": "APPROX",
    "at least": "EQUAL_OR_MORE",
    "at most": "EQUAL_OR_LESS",
    "up to": "EQUAL_OR_LESS",
}
_SEASONS = {
    "spring": ("SP", 3),
    "summer": ("SU", 6),
    "fall": ("FA", 9),
    "autumn": ("FA", 9),
    "winter": ("WI", 12),
}
_SETS = {
    "day": "P1D",
    "week": "P1W",
    "month": "P1M",
    "year": "P1Y",
    "night": "P1D",
    "morning": "P1D",
    "evening": "P1D",
    "daily": "P1D",
    "weekly": "P1W",
    "monthly": "P1M",
    "annually": "P1Y",
    "yearly": "P1Y",
    "nightly": "P1D",
}
_TIME_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

_MONTH_NAME = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_MONTH_NO_MAY = _MONTH_NAME.replace("|May|", "|")
_PART = (
    r"(?:(?P<part>(?i:early|mid|late|the end of|the start of|the beginning of|the middle of))"
    r"[- ])"
)
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM_WORD = (
    r"(?P<num>\d+|(?i:a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|fifteen|twenty|thirty|forty|fifty|several|few|many|numerous))"
)
_UNIT = r"(?P<unit>(?i:hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)))"
_DMOD = (
    r"(?:(?P<dmod>(?i:more than|less than|about|around|roughly|approximately|nearly|almost"
    r"|at least|at most|up to)) )?"
)
_FUTURE_CUE = re.compile(r"\b(?:will|shall|\u2019ll|'ll|upcoming|scheduled|set to|due to)\b", re.I)
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:troops|soldiers|forces|personnel|people|members|times|fighters|%|percent|dollars"
    r"|\$|[A-Z]?[a-z]+ (?:troops|soldiers))",
    re.I,
)


@dataclass(frozen=True, slots=True)
class TimexHit:
    """A timex found by one pattern, before overlaps are resolved."""

    start: int
    end: int
    type: str
    value: str
    mod: str | None = None


@dataclass(frozen=True)
class TimexContext:
    """What a pattern handler may look at: the text, the dct, the sentence."""

    text: str
    dct: dt.date
    sentence: Region

    def future(self, start: int) -> bool:
        """Whether the clause before ``start`` speaks of the future."""
        clause = self.text[self.sentence.start : start]
        clause = re.split(r"[,;:\u201c\u201d\"]", clause)[-1]
        return _FUTURE_CUE.search(clause) is not None


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def resolve_weekday(weekday: int, dct: dt.date, relation: str = "") -> dt.date:
    """The date of a weekday (0 = Monday) relative to the dct.

    ``"past"`` (the default): the most recent such day on or before the dct;
    ``"last"``: strictly before; ``"next"``/``"future"``: on or after (strictly
    after for ``"next"``).
    """
    back = (dct.weekday() - weekday) % 7
    if relation == "last":
        return dct - dt.timedelta(days=back or 7)
    if relation in ("next", "future"):
        ahead = (weekday - dct.weekday()) % 7
        return dct + dt.timedelta(days=ahead or (7 if relation == "next" else 0))
    return dct - dt.timedelta(days=back)


def resolve_month(month: int, dct: dt.date, future: bool = False) -> tuple[int, int]:
    """Year of a bare month: the latest on or before the dct's month, or the next one."""
    if future:
        return (dct.year if month >= dct.month else dct.year + 1), month
    return (dct.year if month <= dct.month else dct.year - 1), month


def resolve_day(month: int, day: int, dct: dt.date, future: bool = False) -> dt.date | None:
    """Year of a month and day without one: on or before the dct, or after it."""
    for year in (dct.year, dct.year + 1) if future else (dct.year, dct.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if (candidate >= dct) if future else (candidate <= dct):
            return candidate
    return None


def _month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _part_mod(match: re.Match[str]) -> str | None:
    part = match.groupdict().get("part")
    return _PART_MODS[part.lower()] if part else None


def _t_full_date(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    month, day = _month_number(m["month"]), int(m["day"])
    if m["year"]:
        try:
            date = dt.date(int(m["year"]), month, day)
        except ValueError:
            return None
    else:
        date = resolve_day(month, day, ctx.dct, ctx.future(m.start()))
    if date is None:
        return None
    return TimexHit(m.start(), m.end(), "DATE", date.isoformat(), _part_mod(m))


def _t_month_year(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    value = f"{m['year']}-{_month_number(m['month']):02d}"
    return TimexHit(m.start(), m.end(), "DATE", value, _part_mod(m))


def _t_month(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    month = _month_number(m["month"])
    rel = (m["rel"] or "").lower()
    if rel == "last":
        year = ctx.dct.year - 1 if month >= ctx.dct.month else ctx.dct.year
    elif rel == "next":
        year = ctx.dct.year + 1 if month <= ctx.dct.month else ctx.dct.year
    elif rel == "this":
        year = ctx.dct.year
    else:
        year, _ = resolve_month(month, ctx.dct, ctx.future(m.start()))
    return TimexHit(m.start(), m.end(), "DATE", f"{year}-{month:02d}", _part_mod(m))


def _t_year(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    if _NOT_YEAR_AFTER.match(ctx.text, m.end()) or ctx.text[m.start() - 1 : m.start()] in "$,.":
        return None
    return TimexHit(m.start(), m.end(), "DATE", m["year"], _part_mod(m))


def _t_decade(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    return TimexHit(m.start(), m.end(), "DATE", m["decade"][:3] + "X", _part_mod(m))


def _t_weekday(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    weekday = WEEKDAYS.index(m["weekday"].lower())
    rel = (m["rel"] or "").lower()
    relation = rel if rel in ("last", "next") else ("future" if ctx.future(m.start()) else "")
    date = resolve_weekday(weekday, ctx.dct, relation)
    start = m.start("rel") if rel in ("last", "next", "this") else m.start("weekday")
    if m["tod"]:
        code = _TIME_OF_DAY[m["tod"].strip().lower()]
        return TimexHit(start, m.end(), "TIME", f"{date.isoformat()}T{code}")
    return TimexHit(start, m.end("weekday"), "DATE", date.isoformat())


def _t_deictic_day(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    word = m.group().lower()
    offsets = {
        "today": 0,
        "yesterday": -1,
        "tomorrow": 1,
        "tonight": 0,
        "last night": -1,
        "this morning": 0,
        "this afternoon": 0,
        "this evening": 0,
    }
    date = ctx.dct + dt.timedelta(days=offsets[word])
    if word in ("today", "yesterday", "tomorrow"):
        return TimexHit(m.start(), m.end(), "DATE", date.isoformat())
    code = _TIME_OF_DAY["night" if "night" in word else word.split()[-1]]
    return TimexHit(m.start(), m.end(), "TIME", f"{date.isoformat()}T{code}")


def _t_relative_unit(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    """ "this week", "last month", "earlier this year", "late last year"."""
    rel, unit = m["rel"].lower(), m["unit"].lower()
    delta = {"this": 0, "last": -1, "next": 1, "previous": -1, "coming": 1}[rel]
    pre = (m["pre"] or "").lower()
    mod = {"late": "END", "early": "START", "mid": "MID"}.get(pre)
    dct = ctx.dct
    if unit == "week":
        value = iso_week(dct + dt.timedelta(weeks=delta))
    elif unit == "weekend":
        value = iso_week(dct + dt.timedelta(weeks=delta)) + "-WE"
    elif unit == "month":
        year, month = shift_month(dct.year, dct.month, delta)
        value = f"{year}-{month:02d}"
    elif unit == "year":
        value = str(dct.year + delta)
    else:
        return None
    return TimexHit(m.start(), m.end(), "DATE", value, mod)


def _t_season(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    if re.match(r"\s+of\b", ctx.text[m.end() : m.end() + 5]):
        return None
    bare = not m["rel"] and not m["year"]
    if bare and not re.search(r"\b(?:in|during|by|until|since)\s+$", ctx.text[: m.start()], re.I):
        return None  # "could fall", "a fall in prices"
    code, first_month = _SEASONS[m["season"].lower()]
    rel = (m["rel"] or "").lower()
    if m["year"]:
        year = int(m["year"])
    elif rel == "this":
        year = ctx.dct.year
    elif rel == "next" or (rel != "last" and ctx.future(m.start())):
        year = ctx.dct.year if first_month > ctx.dct.month else ctx.dct.year + 1
    else:
        year = ctx.dct.year if first_month <= ctx.dct.month else ctx.dct.year - 1
        if rel == "last" and first_month <= ctx.dct.month and code != "WI":
            year -= 1 if first_month > ctx.dct.month - 3 else 0
    return TimexHit(m.start(), m.end(), "DATE", f"{year}-{code}")


def _duration_value(num: str, unit: str) -> str:
    unit = unit.lower().rstrip("s")
    unit = "century" if unit.startswith("centur") else unit
    code = _UNIT_CODES[unit]
    factor = _UNIT_FACTORS.get(unit, 1)
    if num.isdigit():
        amount = str(int(num) * factor)
    elif num.lower() in _NUMBER_WORDS:
        amount = str(_NUMBER_WORDS[num.lower()] * factor)
    else:
        amount = "X"
    prefix = "PT" if code == "H" else "P"
    return f"{prefix}{amount}{code}"


def _t_duration(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    """ "two decades", "several weeks", "a day", "more than two years", "two years ago"."""
    num, unit = m["num"], m["unit"]
    singular = not unit.lower().endswith("s") or unit.lower() == "centuries"
    if singular != (num.lower() in ("a", "an", "one", "1")):
        return None
    if m["ago"]:
        return _ago(m, ctx)
    mod = _DURATION_MODS.get((m["dmod"] or "").lower())
    return TimexHit(m.start(), m.end(), "DURATION", _duration_value(num, unit), mod)


def _ago(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    num = m["num"].lower()
    amount = int(num) if num.isdigit() else _NUMBER_WORDS.get(num)
    unit = m["unit"].lower().rstrip("s")
    if amount is None:
        return TimexHit(m.start(), m.end(), "DATE", "PAST_REF")
    dct = ctx.dct
    if unit == "day":
        value = (dct - dt.timedelta(days=amount)).isoformat()
    elif unit == "week":
        value = iso_week(dct - dt.timedelta(weeks=amount))
    elif unit == "month":
        year, month = shift_month(dct.year, dct.month, -amount)
        value = f"{year}-{month:02d}"
    elif unit in ("year", "decade"):
        value = str(dct.year - amount * (10 if unit == "decade" else 1))
    else:
        return None
    return TimexHit(m.start(), m.end(), "DATE", value)


def _t_span_phrase(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    """ "the last few months", "the coming days", "the past two years"."""
    num = m["num"] or "X"
    return TimexHit(m.start(), m.end(), "DURATION", _duration_value(num, m["unit"]))


def _t_bare_units(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    """ "for months", "years of", "and weeks", "months-long"."""
    start = m.start("unit")
    return TimexHit(start, m.end(), "DURATION", _duration_value("X", m["unit"]))


def _t_compound_duration(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    """ "two-day visit", "20-year war"."""
    return TimexHit(m.start(), m.end(), "DURATION", _duration_value(m["num"], m["unit"]))


def _t_reference(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    word = m.group().lower()
    if word in ("the future", "the past") and re.match(r"\s+(?:of|few)\b", ctx.text[m.end() :]):
        return None
    if (
        word == "soon"
        and re.match(r"\s+as\b", ctx.text[m.end() :])
        and re.search(r"\bas\s+$", ctx.text[: m.start()])
    ):
        return None
    value = {
        "now": "PRESENT_REF",
        "currently": "PRESENT_REF",
        "nowadays": "PRESENT_REF",
        "this time": "PRESENT_REF",
        "the moment": "PRESENT_REF",
        "recently": "PAST_REF",
        "the past": "PAST_REF",
        "soon": "FUTURE_REF",
        "the future": "FUTURE_REF",
    }.get(word)
    if value is None:
        value = "PAST_REF"  # "recent years/months/weeks/days"
    return TimexHit(m.start(), m.end(), "DATE", value)


def _t_set(m: re.Match[str], ctx: TimexContext) -> TimexHit:
    unit = (m["unit"] or m.group()).lower()
    return TimexHit(m.start(), m.end(), "SET", _SETS[unit])


def _t_holiday(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    month, day = HOLIDAYS[m["holiday"].lower()]
    date = resolve_day(month, day, ctx.dct, ctx.future(m.start()))
    if date is None:
        return None
    mod = None
    if m["direction"]:
        mod = "AFTER" if m["direction"].lower() == "after" else "BEFORE"
    return TimexHit(m.start(), m.end(), "DATE", date.isoformat(), mod)


def _t_clock(m: re.Match[str], ctx: TimexContext) -> TimexHit | None:
    hour, minute = int(m["hour"]), int(m["minute"] or 0)
    if hour > 12 or minute > 59:
        return None
    if m["ampm"].lower().startswith("p") and hour < 12:
        hour += 12
    elif m["ampm"].lower().startswith("a") and hour == 12:
        hour = 0
    return TimexHit(m.start(), m.end(), "TIME", f"{ctx.dct.isoformat()}T{hour:02d}:{minute:02d}")


_Handler = Callable[[re.Match[str], TimexContext], "TimexHit | None"]
_TIMEX_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = tuple(
    (re.compile(p), h)
    for p, h in (
        (rf"\b{_PART}?(?P<month>{_MONTH_NAME}) {_DAY}\b(?:,? {_YEAR}\b)?", _t_full_date),
        (rf"\b(?P<day>[12]\d|3[01]|0?[1-9]) (?P<month>{_MONTH_NAME})(?: {_YEAR})?\b", _t_full_date),
        (rf"\b{_PART}?(?P<month>{_MONTH_NAME}),? {_YEAR}\b", _t_month_year),
        (
            rf"\b(?:(?P<rel>(?i:last|this|next)) )?{_PART}?(?P<month>{_MONTH_NO_MAY})(?![\w-])",
            _t_month,
        ),
        (rf"\b{_PART}?{_YEAR}(?![\w,.]\d)(?!s)", _t_year),
        (r"\b" + _PART + r"?(?P<decade>(?:1[89]|20)\d0)s\b", _t_decade),
        (
            rf"\b(?:(?P<rel>(?i:last|this|next|on)) )?{_WEEKDAY}(?P<tod> (?i:morning|afternoon|"
            r"evening|night))?\b",
            _t_weekday,
        ),
        (
            r"\b(?i:today|yesterday|tomorrow|tonight|last night|this (?:morning|afternoon|evening))"
            r"\b",
            _t_deictic_day,
        ),
        (
            r"\b(?:(?P<pre>(?i:earlier|later|late|early|mid))[- ])?(?P<rel>(?i:this|last|next|"
            r"previous)) (?P<unit>(?i:week|weekend|month|year))\b",
            _t_relative_unit,
        ),
        (
            r"(?i:\b(?:(?P<rel>the|this|last|next|early|late) )?(?P<season>spring|summer|fall|"
            r"autumn|winter)\b)(?: (?P<year>(?:19|20)\d\d))?",
            _t_season,
        ),
        (rf"\b{_DMOD}{_NUM_WORD}[ -]{_UNIT}(?P<ago> (?i:ago))?\b(?!-)", _t_duration),
        (
            r"\b(?i:the (?:last|past|next|coming|previous|following) )(?:(?P<num>\d+|(?i:two|three|"
            r"four|five|six|seven|eight|nine|ten)) |(?i:few|several|couple of|many) )?"
            r"(?P<unit>(?i:hours|days|weeks|months|years|decades))\b",
            _t_span_phrase,
        ),
        (
            r"(?:(?<=\bfor )|(?<=\band )|(?<=\bor )|(?<=\bwithin )|(?<=\bover ))(?P<unit>(?i:hours|"
            r"days|weeks|months|years|decades))\b(?![- ]\w+ (?:ago|old))",
            _t_bare_units,
        ),
        (r"\b(?P<unit>(?i:hours|days|weeks|months|years|decades))(?= of\b)", _t_bare_units),
        (r"\b(?P<unit>(?i:days|weeks|months|years|decades))-long\b", _t_bare_units),
        (
            r"\b(?P<num>\d+|(?i:one|two|three|four|five|six|seven|eight|nine|ten|twenty))-"
            r"(?P<unit>(?i:hour|day|week|month|year|decade))(?:-long)?\b(?!-old)",
            _t_compound_duration,
        ),
        (
            r"\b(?i:now|currently|nowadays|recently|soon|the future|the past|(?<=at )this time"
            r"|recent (?:years|months|weeks|days|decades))\b",
            _t_reference,
        ),
        (r"\b(?i:every|each) (?P<unit>(?i:day|week|month|year|night|morning|evening))\b", _t_set),
        (r"\b(?i:daily|weekly|monthly|annually|yearly|nightly)\b", _t_set),
        (
            r"\b(?:(?i:(?:\w+ )?(?:days|weeks|hours|day|week|shortly|just|right)) (?P<direction>"
            r"(?i:before|after|ahead of)) )?(?P<holiday>Christmas(?: Eve| Day)?|New Year[\u2019']s "
            r"(?:Eve|Day)|Halloween|Valentine[\u2019']s Day)\b",
            _t_holiday,
        ),
        (
            r"\b(?P<hour>\d{1,2})(?::(?P<minute>[0-5]\d))? ?(?P<ampm>(?i:a\.m\.|p\.m\.|am|pm))"
            r"(?!\w)",
            _t_clock,
        ),
    )
)


def find_timexes(text: str, dct: dt.date, layout: Layout) -> list[TimexHit]:
    """All timexes of the prose: leftmost-longest, never overlapping."""
    hits: list[TimexHit] = []
    for sentence in layout.sentences:
        ctx = TimexContext(text, dct, sentence)
        for pattern, handler in _TIMEX_PATTERNS:
            for match in pattern.finditer(text, sentence.start, sentence.end):
                hit = handler(match, ctx)
                if hit is not None and hit.end > hit.start:
                    hits.append(hit)
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), h.value))
    chosen: list[TimexHit] = []
    for hit in hits:
        if chosen and hit.start < chosen[-1].end:
            continue
        chosen.append(hit)
    return chosen


def extract_timexes(text: str, dct: dt.date, layout: Layout) -> list[TimexPrediction]:
    return [
        TimexPrediction(
            value=h.value,
            type=h.type,
            start=h.start,
            end=h.end,
            text=text[h.start : h.end],
            mod=h.mod,
        )
        for h in find_timexes(text, dct, layout)
    ]
