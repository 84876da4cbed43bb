"""The dateparser baseline: an off-the-shelf date finder as a timex peer.

``DateparserSystem`` runs ``dateparser.search.search_dates`` over each prose
line of a document (boilerplate lines skipped, as every system does), with
the document creation time as ``RELATIVE_BASE`` and past dates preferred, and
turns each (substring, datetime) it finds into a TIMEX3 prediction:

* the span is the substring itself, located in the line by a forward scan so
  that a repeated substring ("Thursday" twice) gets the offsets of each
  occurrence in turn;
* the value is the datetime written at a granularity guessed from the
  substring's words: a clock time → ``YYYY-MM-DDTHH:MM`` (type TIME); a
  weekday, a day of the month, "today"/"yesterday"/"tomorrow" or "days" →
  ``YYYY-MM-DD``; "week" → ``YYYY-Www``; a month name or "month" →
  ``YYYY-MM``; a year, "year" or "decade" → ``YYYY``; anything else → a day.

The library is taken as it is, warts included: nothing it returns is filtered
or corrected beyond that conversion. It cannot produce durations, sets,
``PAST_REF``/``PRESENT_REF``/``FUTURE_REF``, seasons or mods; it reads
durations ("two decades") as dates counted back from the dct; it returns
spans with stray neighbouring words ("in August about") and some false hits
(a lone "we" read as Wednesday); with ``PREFER_DATES_FROM = "past"`` a bare
weekday that is the dct's own weekday resolves to a week earlier; it misses
expressions it has no pattern for ("Days before Christmas", "the fall").
Only the timex layer is attempted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from benchmark.corpus import Document
from benchmark.predictions import Prediction, TimexPrediction
from benchmark.systems import SystemUnavailable, find_modules
from systems.rules.text import prose_lines
from systems.timex3 import iso_week

_SearchDates = Callable[..., Any]

_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am|pm)(?!\w)", re.I)
_DAY_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat"
    r"|sun|today|yesterday|tomorrow|tonight|now|days?|\d{1,2}(?:st|nd|rd|th)?)\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.I,
)
_WEEK_WORDS = re.compile(r"\bweeks?\b", re.I)
_MONTH_WORDS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|months?)\b",
    re.I,
)
_YEAR_WORDS = re.compile(r"\b(?:\d{4}|years?|decades?|centur(?:y|ies))\b", re.I)
_YEAR_NUMBER = re.compile(r"^\d{4}$")


def timex_value(substring: str, when: dt.datetime) -> tuple[str, str]:
    """(type, TIMEX3 value) for a dateparser hit, at a granularity read off its words."""
    if _CLOCK.search(substring):
        return "TIME", when.strftime("%Y-%m-%dT%H:%M")
    has_month = _MONTH_WORDS.search(substring) is not None
    day_words = [w for w in _DAY_WORDS.findall(substring) if not _YEAR_NUMBER.match(w)]
    if day_words:
        return "DATE", when.date().isoformat()
    if _WEEK_WORDS.search(substring):
        return "DATE", iso_week(when.date())
    if has_month:
        return "DATE", when.strftime("%Y-%m")
    if _YEAR_WORDS.search(substring):
        return "DATE", f"{when.year:04d}"
    return "DATE", when.date().isoformat()


def locate(line: str, found: Iterable[tuple[str, Any]]) -> list[tuple[int, int, Any]]:
    """Offsets in ``line`` of each found substring, scanning forward for repeats.

    A substring that cannot be found after the previous hit is looked for
    from the start of the line, and dropped if it is not there at all.
    """
    out = []
    cursor = 0
    for substring, payload in found:
        if not substring:
            continue
        index = line.find(substring, cursor)
        if index < 0:
            index = line.find(substring)
        if index < 0:
            continue
        out.append((index, index + len(substring), payload))
        cursor = index + len(substring)
    return out


class DateparserSystem:
    """dateparser's ``search_dates`` as a timex extractor, taken as it is.

    Finds dates and relative date phrases and resolves them against the dct;
    cannot produce durations, sets, vague references, seasons or mods, and
    keeps the library's stray words and false hits.
    """

    name = "dateparser"
    version = "1.0"
    layers: tuple[str, ...] = ("timexes",)
    parallel = "process"
    exposure = "configured"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = (
        "dateparser off the shelf; past preference, granularity words and the rules "
        "boilerplate filter chosen by people who had read the articles"
    )

    @staticmethod
    def probe() -> str:
        """Its version, if dateparser is installed (benchmark.systems: nothing built)."""
        find_modules(
            "dateparser",
            {"dateparser": "the dateparser package is not installed"},
            'pip install "troopbench[dateparser]"',
        )
        return DateparserSystem.version

    def __init__(self) -> None:
        try:
            from dateparser.search import search_dates
        except ImportError as exc:
            raise SystemUnavailable(
                "dateparser",
                "the dateparser package is not installed",
                'pip install "troopbench[dateparser]"',
            ) from exc
        self._search_dates: _SearchDates = search_dates

    def _search(self, line: str, dct: dt.date) -> list[tuple[str, dt.datetime]]:
        settings = {
            "RELATIVE_BASE": dt.datetime(dct.year, dct.month, dct.day),
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        found = self._search_dates(line, settings=settings, languages=["en"])
        return list(found or [])

    def extract(self, document: Document) -> Prediction:
        text = document.text
        timexes = []
        for region in prose_lines(text):
            line = text[region.start : region.end]
            for start, end, when in locate(line, self._search(line, document.dct)):
                timex_type, value = timex_value(line[start:end], when)
                timexes.append(
                    TimexPrediction(
                        value=value,
                        type=timex_type,
                        start=region.start + start,
                        end=region.start + end,
                        text=line[start:end],
                    )
                )
        timexes.sort(key=lambda t: (t.start or 0, t.end or 0, t.value))
        return Prediction(doc_id=document.doc_id, timexes=timexes)
