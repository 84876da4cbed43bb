"""Transformation ``dates``: move the document to another time, Δ whole weeks away.

Δ is drawn from the seed: between 104 and 520 weeks (two to ten years)
before or after, never 0, and redrawn (deterministically) until no explicit
date string of the original survives in the variant. Whole weeks keep every
weekday name true.

Every TIMEX3 date value keeps its distance from the dct *in its own
granularity*: a day moves by Δ days, an ISO week by Δ weeks, a month by as
many months as the dct's month moved, likewise seasons, quarters, halves,
years, decades and centuries. This is exactly the mechanical resolution of a
relative expression against the new dct ("last week" stays the week before
the dct, "earlier this month" the dct's month), and it moves explicit dates
by Δ in a way that keeps yearless ones ("Oct. 7", "October") readable
against the new dct. Values that are not dates (durations, sets,
``PAST_REF``/``PRESENT_REF``/``FUTURE_REF``) do not change.

Text: relative expressions keep their words. Explicit dates are re-rendered
in their original surface form: month names in full or abbreviated (AP style,
"Oct." but "March"), days with or without an ordinal suffix ("16th"), years,
numeric dates ("2024/01/25"), decades ("the 2010s"), season words (case
kept). Explicit dates outside any timex (a URL, an evidence span) move too,
by the same rules; a yearless month and day outside a timex is read as the
occurrence nearest the dct. A bare month name outside a timex is left alone
(it may be a verb: "may", "march"). The notes of the dct evidence are
rewritten by the same scanner, so "Fri 2024-01-05" stays true.

No faithful rewrite:

* a fixed-date holiday ("Christmas", "New Year's Day") keeps its words; its
  value becomes the occurrence that keeps its place among the other dates
  (rule 1 below), the one nearest to where a shift by Δ days would put it;
* seasons: winter of year Y is December Y-1 to February Y; a season moves by
  whole seasons, so "the fall" may become "the summer"; a moved winter may
  land in another year than a naive year shift would give.

Coherence. Every date moves in its own granularity, so a shift can put a day
and a month, or a holiday and a day, in another order than the text had. A
Δ is accepted only when the variant keeps three rules (:func:`coherence`),
else the next Δ is drawn:

1. *Order.* Every dated thing of the text (each date-valued timex, each
   explicit date outside a timex, and the dct) is a period of days; for every
   pair, the relation of the two periods (before, after, equal, containing,
   inside, overlapping) is the same in the variant as in the original.
2. *Reach of relative expressions.* When a date's period contains the dct
   with days of it before the dct ("earlier this month", "earlier this year"),
   the moved period has days before the new dct; likewise after ("later this
   week", "later this month").
3. *Years.* A year written in the variant (alone, or as part of a date)
   differs from every year the original or the variant writes for another
   date: "late 2011" never becomes "late 2003" in a text that names 2003 for
   the invasion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from benchmark.variants.base import RewriteStep, TransformError, draw, seed_key, survives
from benchmark.variants.core import Edit, Key, Rewrite, Source, apply_edits, registry_following

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: AP style: March to July are never abbreviated.
AP_ABBREVIATIONS = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
_MONTH_FORMS: dict[str, int] = {}
for _i, _m in enumerate(MONTHS):
    _MONTH_FORMS[_m] = _i + 1
    _MONTH_FORMS[_m[:3] + "."] = _i + 1
_MONTH_FORMS["Sept."] = 9
_MONTH_RE = "|".join(sorted((re.escape(f) for f in _MONTH_FORMS), key=len, reverse=True))

HOLIDAYS: dict[str, tuple[int, int]] = {
    "christmas eve": (12, 24),
    "christmas": (12, 25),
    "new year's eve": (12, 31),
    "new year’s eve": (12, 31),
    "new year's day": (1, 1),
    "new year’s day": (1, 1),
    "independence day": (7, 4),
    "halloween": (10, 31),
}

SEASON_WORDS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_SEASON_NAMES = {"SP": "spring", "SU": "summer", "FA": "fall", "WI": "winter"}
_SEASON_ORDER = ("WI", "SP", "SU", "FA")

_YEAR = r"(?:1[0-9]\d\d|20\d\d)"
_NOT_NUM_L = r"(?<![\d,./-])"
_NOT_NUM_R = r"(?![\d]|,\d|\.\d)"

#: Explicit date forms, longest first, as named groups.
_EXPLICIT = re.compile(
    rf"(?<!\d)(?P<ny>\d{{4}})(?P<nsep>[/-])(?P<nm>\d{{2}})(?P=nsep)(?P<nd>\d{{2}})(?!\d)"
    rf"|(?<![A-Za-z])(?P<month>{_MONTH_RE})(?![A-Za-z])"
    rf"(?:(?P<dsep> )(?P<day>[12]\d|3[01]|0?[1-9])(?P<ord>st|nd|rd|th)?(?![\d])"
    rf"(?:(?P<ysep>,? )(?P<dyear>{_YEAR})(?![\d]))?"
    rf"|(?P<mysep> )(?P<myear>{_YEAR})(?![\d]))?"
    rf"|(?<![\w])(?P<decade>1[89]\d0|20\d0)s(?![\w])"
    rf"|{_NOT_NUM_L}(?<![\w])(?P<year>{_YEAR}){_NOT_NUM_R}(?![\w])"
    rf"|(?<![A-Za-z])(?P<season>[Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter)(?![A-Za-z])"
)


@dataclass(frozen=True, slots=True)
class DateSite:
    """An explicit date written in the text: where, what it says, and how it is written."""

    start: int
    end: int
    text: str
    granularity: str  # day, month, month_name, year, decade, season
    match: re.Match[str]


def explicit_sites(text: str, offset: int = 0, with_bare: bool = True) -> Iterator[DateSite]:
    """Explicit dates in ``text`` (positions shifted by ``offset``).

    ``with_bare`` includes bare month names and season words, which are dates
    only where a timex says so.
    """
    for m in _EXPLICIT.finditer(text):
        if m.group("ny"):
            kind = "day"
        elif m.group("month"):
            if m.group("day"):
                kind = "day"
            elif m.group("myear"):
                kind = "month"
            else:
                kind = "month_name"
        elif m.group("decade"):
            kind = "decade"
        elif m.group("year"):
            kind = "year"
        else:
            kind = "season"
        if not with_bare and kind in ("month_name", "season"):
            continue
        yield DateSite(offset + m.start(), offset + m.end(), m.group(), kind, m)


# ------------------------------------------------------------------ TIMEX3 values


_VALUE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})(?P<t>T.*)?)?|-W(?P<w>\d{2})"
    r"|-(?P<s>SP|SU|FA|WI)|-Q(?P<q>[1-4])|-H(?P<h>[12]))?$"
    r"|^(?P<dec>\d{3})X$|^(?P<cen>\d{2})XX$"
)


def _monday(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def season_of(date: dt.date) -> tuple[int, str]:
    """(year, season) of a date; winter of Y is December Y-1 to February Y."""
    if date.month == 12:
        return date.year + 1, "WI"
    return date.year, ("WI", "WI", "SP", "SP", "SP", "SU", "SU", "SU", "FA", "FA", "FA")[
        date.month - 1
    ]


def _season_index(year: int, season: str) -> int:
    return year * 4 + _SEASON_ORDER.index(season)


def granularity(value: str) -> str | None:
    """The granularity of a TIMEX3 date value, or None when it is not a date."""
    m = _VALUE.match(value)
    if m is None:
        return None
    for group, name in (
        ("d", "day"),
        ("w", "week"),
        ("m", "month"),
        ("s", "season"),
        ("q", "quarter"),
        ("h", "half"),
        ("dec", "decade"),
        ("cen", "century"),
    ):
        if m.group(group):
            return name
    return "year"


def shift_value(value: str, old_dct: dt.date, new_dct: dt.date) -> str:
    """``value`` moved so that its distance from the dct, in its own granularity, is kept."""
    m = _VALUE.match(value)
    if m is None:
        return value
    kind = granularity(value)
    if kind == "day":
        date = dt.date(int(m["y"]), int(m["m"]), int(m["d"])) + (new_dct - old_dct)
        return date.isoformat() + (m["t"] or "")
    if kind == "week":
        date = _monday(int(m["y"]), int(m["w"])) + (new_dct - old_dct)
        year, week, _ = date.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if kind == "month":
        index = int(m["y"]) * 12 + int(m["m"]) - 1
        index += (new_dct.year * 12 + new_dct.month) - (old_dct.year * 12 + old_dct.month)
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if kind == "season":
        index = _season_index(int(m["y"]), m["s"])
        index += _season_index(*season_of(new_dct)) - _season_index(*season_of(old_dct))
        return f"{index // 4:04d}-{_SEASON_ORDER[index % 4]}"
    if kind == "quarter":
        index = int(m["y"]) * 4 + int(m["q"]) - 1
        index += (new_dct.year * 4 + (new_dct.month - 1) // 3) - (
            old_dct.year * 4 + (old_dct.month - 1) // 3
        )
        return f"{index // 4:04d}-Q{index % 4 + 1}"
    if kind == "half":
        index = int(m["y"]) * 2 + int(m["h"]) - 1
        index += (new_dct.year * 2 + (new_dct.month - 1) // 6) - (
            old_dct.year * 2 + (old_dct.month - 1) // 6
        )
        return f"{index // 2:04d}-H{index % 2 + 1}"
    if kind == "decade":
        return f"{int(m['dec']) + new_dct.year // 10 - old_dct.year // 10:03d}X"
    if kind == "century":
        return f"{int(m['cen']) + new_dct.year // 100 - old_dct.year // 100:02d}XX"
    return f"{int(m['y']) + new_dct.year - old_dct.year:04d}"


def holiday_in(text: str) -> tuple[int, int] | None:
    """(month, day) of the fixed-date holiday a timex text names, if any."""
    lowered = text.lower()
    for name, when in HOLIDAYS.items():
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            return when
    return None


def nearest_holiday(month: int, day: int, near: dt.date) -> dt.date:
    """The occurrence of (month, day) nearest to ``near`` (the earlier one on a tie)."""
    options = [dt.date(near.year + k, month, day) for k in (-1, 0, 1)]
    return min(options, key=lambda d: (abs((d - near).days), d))


# ------------------------------------------------------------------ periods and coherence

_SEASON_MONTHS = {"WI": (12, 2), "SP": (3, 5), "SU": (6, 8), "FA": (9, 11)}


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period(value: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a TIMEX3 date value; None when it is not a date."""
    m = _VALUE.match(value)
    kind = granularity(value)
    if m is None or kind is None:
        return None
    if kind == "decade":
        first = int(m["dec"]) * 10
        return dt.date(first, 1, 1), dt.date(first + 9, 12, 31)
    if kind == "century":
        first = int(m["cen"]) * 100
        return dt.date(first, 1, 1), dt.date(first + 99, 12, 31)
    year = int(m["y"])
    if kind == "day":
        day = dt.date(year, int(m["m"]), int(m["d"]))
        return day, day
    if kind == "week":
        monday = _monday(year, int(m["w"]))
        return monday, monday + dt.timedelta(days=6)
    if kind == "month":
        return dt.date(year, int(m["m"]), 1), _month_end(year, int(m["m"]))
    if kind == "season":
        first, last = _SEASON_MONTHS[m["s"]]
        start_year = year - 1 if m["s"] == "WI" else year
        return dt.date(start_year, first, 1), _month_end(year, last)
    if kind == "quarter":
        q = int(m["q"])
        return dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if kind == "half":
        h = int(m["h"])
        return dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


Period = tuple[dt.date, dt.date]


def relation(a: Period, b: Period) -> str:
    """How period ``a`` stands to period ``b``: before, after, equal, contains, inside
    or overlaps (days are inclusive)."""
    if a[1] < b[0]:
        return "before"
    if b[1] < a[0]:
        return "after"
    if a == b:
        return "equal"
    if a[0] <= b[0] and b[1] <= a[1]:
        return "contains"
    if b[0] <= a[0] and a[1] <= b[1]:
        return "inside"
    return "overlaps"


@dataclass(frozen=True, slots=True)
class Dated:
    """A dated thing of the text: its label, its period before and after the shift."""

    label: str
    old: Period
    new: Period


@dataclass(frozen=True, slots=True)
class WrittenYear:
    """A year written in the text (alone or in a date), before and after the shift."""

    label: str
    old: int
    new: int


def order_problems(items: Sequence[Dated]) -> list[str]:
    """Rule 1: pairs of dated things whose relation changed."""
    out = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            before, after = relation(a.old, b.old), relation(a.new, b.new)
            if before != after:
                out.append(f"{a.label} was {before} {b.label}, would be {after}")
    return out


def reach_problems(items: Sequence[Dated], old_dct: dt.date, new_dct: dt.date) -> list[str]:
    """Rule 2: periods around the dct that lose their days before or after it."""
    out = []
    for item in items:
        (s, e), (ns, ne) = item.old, item.new
        if not s <= old_dct <= e:
            continue
        if s < old_dct and not ns < new_dct:
            out.append(f"{item.label} has no day before the new dct {new_dct}")
        if old_dct < e and not new_dct < ne:
            out.append(f"{item.label} has no day after the new dct {new_dct}")
    return out


def year_problems(years: Sequence[WrittenYear]) -> list[str]:
    """Rule 3: a written year that lands on a year written for another date."""
    out = []
    for y in years:
        for other in years:
            if other.old == y.old:
                continue
            if y.new in (other.old, other.new):
                out.append(f"{y.label} becomes {y.new}, the year of {other.label}")
                break
    return out


def coherence(
    items: Sequence[Dated], years: Sequence[WrittenYear], old_dct: dt.date, new_dct: dt.date
) -> list[str]:
    """Every broken coherence rule (module doc), one line each; empty when coherent."""
    return order_problems(items) + reach_problems(items, old_dct, new_dct) + year_problems(years)


def holiday_place(
    month: int,
    day: int,
    old: dt.date,
    delta: dt.timedelta,
    others: Sequence[Dated],
) -> dt.date | None:
    """The occurrence of the holiday (month, day) that keeps its relation to every other
    dated thing, nearest to ``old + delta``; None when no occurrence does."""
    target = old + delta
    best: dt.date | None = None
    for year in range(target.year - 2, target.year + 3):
        try:
            when = dt.date(year, month, day)
        except ValueError:
            continue
        keeps = all(relation((old, old), o.old) == relation((when, when), o.new) for o in others)
        if keeps and (best is None or abs((when - target).days) < abs((best - target).days)):
            best = when
    return best


def _written_year(site: DateSite, text: str) -> int | None:
    """The year a date site writes (None: it writes none)."""
    m = _EXPLICIT.fullmatch(text)
    if m is None:
        return None
    for group in ("ny", "dyear", "myear", "year"):
        if m.group(group):
            return int(m.group(group))
    return None


# ------------------------------------------------------------------ rendering


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _month_form(old: str, month: int) -> str:
    if old.endswith("."):
        return AP_ABBREVIATIONS[month - 1]
    return MONTHS[month - 1]


def _value_date(value: str) -> tuple[int, int | None, int | None, str | None]:
    """(year, month, day, season) of a date value."""
    m = _VALUE.match(value)
    if m is None or m["y"] is None:
        raise ValueError(value)
    month = int(m["m"]) if m["m"] else None
    day = int(m["d"]) if m["d"] else None
    return int(m["y"]), month, day, m["s"]


def render_site(site: DateSite, new_value: str, label: str) -> str:
    """The site re-rendered from ``new_value`` in the site's own surface form."""
    g = site.match
    try:
        year, month, day, season = _value_date(new_value)
    except ValueError:
        if site.granularity == "decade" and new_value.endswith("X"):
            return f"{new_value[:3]}0s"
        raise TransformError(
            f"{label}: cannot render {site.text!r} from value {new_value!r}"
        ) from None
    if g["ny"]:
        if month is None or day is None:
            raise TransformError(f"{label}: {site.text!r} needs a day, value is {new_value!r}")
        sep = g["nsep"]
        return f"{year:04d}{sep}{month:02d}{sep}{day:02d}"
    if g["month"]:
        if month is None:
            raise TransformError(f"{label}: {site.text!r} needs a month, value is {new_value!r}")
        out = _month_form(g["month"], month)
        if g["day"]:
            if day is None:
                raise TransformError(f"{label}: {site.text!r} needs a day, value is {new_value!r}")
            out += g["dsep"] + (f"{day:02d}" if g["day"].startswith("0") else str(day))
            if g["ord"]:
                out += _ordinal(day)
            if g["dyear"]:
                out += g["ysep"] + f"{year:04d}"
        elif g["myear"]:
            out += g["mysep"] + f"{year:04d}"
        return out
    if g["decade"]:
        return f"{year // 10 * 10:04d}s"
    if g["year"]:
        return f"{year:04d}"
    if season is None:
        raise TransformError(f"{label}: {site.text!r} needs a season, value is {new_value!r}")
    word = _SEASON_NAMES[season]
    return word.capitalize() if site.text[0].isupper() else word


def _site_value(site: DateSite, dct: dt.date) -> str | None:
    """The value an explicit date outside any timex stands for (None: not a date by itself)."""
    g = site.match
    if g["ny"]:
        return f"{g['ny']}-{g['nm']}-{g['nd']}"
    if site.granularity == "day":
        month, day = _MONTH_FORMS[g["month"]], int(g["day"])
        if g["dyear"]:
            return f"{g['dyear']}-{month:02d}-{day:02d}"
        try:
            date = nearest_holiday(month, day, dct)
        except ValueError:
            return None  # 29 February in a year without it: not a date
        return date.isoformat()
    if site.granularity == "month":
        return f"{g['myear']}-{_MONTH_FORMS[g['month']]:02d}"
    if site.granularity == "year":
        return g["year"]
    if site.granularity == "decade":
        return g["decade"][:3] + "X"
    return None


# ------------------------------------------------------------------ the transformation


@dataclass(frozen=True)
class _Plan:
    edits: tuple[Edit, ...]
    values: dict[Key, str]
    notes: dict[Key, str]
    explicit: tuple[str, ...]  # the original explicit date strings
    problems: tuple[str, ...]  # broken coherence rules (module doc); empty when coherent


def rewrite_free_text(text: str, old_dct: dt.date, new_dct: dt.date, label: str) -> list[Edit]:
    """Edits moving every explicit date of a free text (bare month names and seasons aside)."""
    edits = []
    for site in explicit_sites(text, with_bare=False):
        value = _site_value(site, old_dct)
        if value is None:
            continue
        new = render_site(site, shift_value(value, old_dct, new_dct), label)
        edits.append(Edit(site.start, site.end, new))
    return edits


def _dated(label: str, old_value: str, new_value: str) -> Dated | None:
    old, new = period(old_value), period(new_value)
    if old is None or new is None:
        return None
    return Dated(label, old, new)


def _plan(source: Source, new_dct: dt.date) -> _Plan:
    gold = source.gold
    text = gold.document.text
    old_dct = gold.document.dct
    edits: list[Edit] = []
    values: dict[Key, str] = {}
    explicit: list[str] = []
    covered: list[tuple[int, int]] = []
    dated: list[Dated] = [Dated("the dct", (old_dct, old_dct), (new_dct, new_dct))]
    years: list[WrittenYear] = []
    holidays: list[tuple[str, Key, tuple[int, int], dt.date]] = []

    def written(site: DateSite, new: str | None, label: str) -> None:
        old_year = _written_year(site, site.text)
        if old_year is not None:
            new_year = old_year if new is None else _written_year(site, new)
            years.append(WrittenYear(label, old_year, old_year if new_year is None else new_year))

    for i, t in enumerate(gold.timexes):
        key = (t.span.start, t.span.end)
        covered.append(key)
        label = f"timexes[{i}] {t.span.text!r}"
        if granularity(t.value) is None:
            continue
        holiday = holiday_in(t.span.text)
        if holiday is not None and granularity(t.value) == "day":
            year, month, day, _ = _value_date(t.value)
            if (month, day) != holiday:
                raise TransformError(f"{label}: value {t.value} is not the holiday it names")
            holidays.append((label, key, holiday, dt.date(year, month, day)))
            for site in explicit_sites(t.span.text, t.span.start):
                written(site, None, label)
            continue
        new_value = shift_value(t.value, old_dct, new_dct)
        values[key] = new_value
        item = _dated(label, t.value, new_value)
        if item is not None:
            dated.append(item)
        for site in explicit_sites(t.span.text, t.span.start):
            if holiday is not None and site.granularity != "year":
                continue
            explicit.append(site.text)
            new = render_site(site, new_value, label)
            written(site, new, label)
            edits.append(Edit(site.start, site.end, new))
    for site in explicit_sites(text, with_bare=False):
        if any(s < site.end and site.start < e for s, e in covered):
            continue
        label = f"{site.text!r} at [{site.start}:{site.end}]"
        if any(c.span.start < site.end and site.start < c.span.end for c in gold.troop_counts):
            written(site, None, label)
            continue
        value = _site_value(site, old_dct)
        if value is None:
            written(site, None, label)
            continue
        explicit.append(site.text)
        new_value = shift_value(value, old_dct, new_dct)
        new = render_site(site, new_value, label)
        written(site, new, label)
        item = _dated(label, value, new_value)
        if item is not None:
            dated.append(item)
        edits.append(Edit(site.start, site.end, new))
    problems: list[str] = []
    for label, key, (month, day), old in holidays:
        when = holiday_place(month, day, old, new_dct - old_dct, dated)
        if when is None:
            problems.append(f"{label}: no occurrence keeps its place among the other dates")
            continue
        values[key] = when.isoformat()
        dated.append(Dated(label, (old, old), (when, when)))
    problems += coherence(dated, years, old_dct, new_dct)
    notes = {}
    for ev in gold.document.dct_evidence:
        note_edits = rewrite_free_text(ev.note, old_dct, new_dct, f"dct evidence note {ev.note!r}")
        notes[(ev.span.start, ev.span.end)] = apply_edits(ev.note, note_edits)
    return _Plan(tuple(edits), values, notes, tuple(explicit), tuple(problems))


@dataclass(frozen=True)
class Dates(RewriteStep):
    """Move the dct by Δ whole weeks; every date and value follows, in the same order."""

    name: str = "dates"
    version: str = "2"
    min_weeks: int = 104
    max_weeks: int = 520
    attempts: int = 400

    def weeks(self, doc_id: str, seed: int, attempt: int, redraw: int = 0) -> int:
        """Δ in weeks for one attempt: ±[min_weeks, max_weeks], never 0."""
        key = seed_key(self.name, self.version, doc_id, seed, redraw)
        size = draw(key, 2 * attempt, self.max_weeks - self.min_weeks + 1) + self.min_weeks
        return size if draw(key, 2 * attempt + 1, 2) else -size

    def rewrite(self, source: Source, seed: int, redraw: int = 0) -> Rewrite:
        doc = source.gold.document
        last = "no attempt"
        for attempt in range(self.attempts):
            weeks = self.weeks(doc.doc_id, seed, attempt, redraw)
            new_dct = doc.dct + dt.timedelta(weeks=weeks)
            try:
                plan = _plan(source, new_dct)
            except (OverflowError, ValueError) as exc:
                if isinstance(exc, TransformError):
                    raise
                last = f"a date out of range ({exc})"
                continue  # a date out of range: draw again
            if plan.problems:
                last = plan.problems[0]
                continue
            new_text = apply_edits(doc.text, plan.edits)
            survivors = [s for s in plan.explicit if survives(s, new_text)]
            if survivors:
                last = f"{survivors[0]!r} survives"
                continue
            return Rewrite(
                edits=plan.edits,
                dct=new_dct,
                timex_values=plan.values,
                notes=plan.notes,
                registry=registry_following(source, plan.edits),
            )
        raise TransformError(
            f"{doc.doc_id}: no shift in {self.attempts} attempts moves every explicit date "
            f"coherently (the last one: {last})"
        )
