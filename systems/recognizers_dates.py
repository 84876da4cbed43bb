"""Microsoft Recognizers-Text dates off the shelf: its TIMEX strings, resolved by its own rules.

What it does
------------
Runs ``recognize_datetime(text, Culture.English, reference=dct)`` of
``recognizers-text-date-time`` 1.0.2a2 over the whole text of a document and
turns each result into a troopbench timex:

* **span**: the library's ``start`` and ``end``, where ``end`` is
  *inclusive*, so the half-open span is ``[start, end + 1)``. Its ``text``
  comes back lower-cased, so the text is taken from the document; a result
  whose lower-cased document text is not the library's text is looked for
  at the nearest place where it is (and dropped if it is nowhere);
* **value**: the ``timex`` of the resolution, the library's own TIMEX3-style
  string. Where it leaves the year (or the week) unspecified (``XXXX-12-25``
  for "Christmas", ``XXXX-WXX-1`` for "Monday", ``XXXX-01`` for "early
  January"), the library itself resolves it against the dct into candidate
  dates (their ``value``, else ``start``, else ``end``), one in the past and
  one in the future; the candidate nearest to
  the dct is taken (a tie goes to the earlier one), and its date fills the
  unspecified parts at the timex's own granularity (``2024-01-08`` for a
  weekday, ``2024-01`` for a month). That choice of candidate is the one
  rule of ours, fixed before the system was run on any article;
* a range written ``(start,end,duration)`` ("the last few months") becomes
  its duration, type ``DURATION``;
* **type** from the library's type: ``date``/``daterange`` → ``DATE``,
  ``time``/``timerange``/``datetime``/``datetimerange`` → ``TIME``,
  ``duration`` → ``DURATION``, ``set`` → ``SET`` (a value that is a
  duration makes it ``DURATION`` whatever the type said);
* **mod** from the library's ``Mod``: ``before`` → ``BEFORE``, ``after`` →
  ``AFTER``, ``since`` → ``ON_OR_AFTER``, ``until`` → ``ON_OR_BEFORE``,
  ``start`` → ``START``, ``mid`` → ``MID``, ``end`` → ``END``, ``more`` →
  ``MORE_THAN``, ``less`` → ``LESS_THAN`` (the library's own definitions
  of its mods, in ``recognizers_date_time.date_time.constants``); others
  are dropped.

Nothing else is mended: values the library gets wrong or writes outside
TIMEX3 (a time without a date, ``T10``; "two decades" as ``P21``; a season
as ``FA``) are passed on, and the harness counts an invalid one as
spurious. Boilerplate lines are not removed.

Exposure: none. The library's patterns were written for other text;
the candidate rule above is generic.

Needs ``emoji<2``: ``recognizers_text`` imports ``emoji.UNICODE_EMOJI``,
which emoji 2 removed. Install: ``pip install "troopbench[recognizers]"``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from benchmark.corpus import Document
from benchmark.predictions import Prediction, TimexPrediction
from benchmark.systems import SystemUnavailable, dist_version, find_modules

NAME = "recognizers-dates"
SYSTEM_VERSION = "1.0"
INSTALL = 'pip install "troopbench[recognizers]"'

TYPES: dict[str, str] = {
    "date": "DATE",
    "daterange": "DATE",
    "time": "TIME",
    "timerange": "TIME",
    "datetime": "TIME",
    "datetimerange": "TIME",
    "duration": "DURATION",
    "set": "SET",
}
"""Recognizers' resolution type (``datetimeV2.<type>``) → TIMEX3 type."""

MODS: dict[str, str] = {
    "before": "BEFORE",
    "after": "AFTER",
    "since": "ON_OR_AFTER",
    "until": "ON_OR_BEFORE",
    "start": "START",
    "mid": "MID",
    "end": "END",
    "more": "MORE_THAN",
    "less": "LESS_THAN",
}
"""Recognizers' ``Mod`` → TIMEX3 ``mod``."""

_RANGE = re.compile(r"^\((?P<start>[^,]*),(?P<end>[^,]*),(?P<duration>P[^)]*)\)$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Result:
    """One result of the library, as it reports it (``end`` inclusive, ``text`` lower-cased)."""

    start: int
    end: int
    text: str
    type_name: str  # "datetimeV2.date", ...
    values: tuple[Mapping[str, str], ...]  # the resolution's candidates

    @classmethod
    def of(cls, raw: Any) -> Result:
        resolution = raw.resolution or {}
        values = tuple(
            {str(k): str(v) for k, v in value.items()} for value in resolution.get("values", ())
        )
        return cls(int(raw.start), int(raw.end), str(raw.text), str(raw.type_name), values)


def _candidate_date(value: Mapping[str, str]) -> dt.date | None:
    for key in ("value", "start", "end"):
        match = _DATE.match(value.get(key, ""))
        if match:
            return dt.date(*(int(g) for g in match.groups()))
    return None


def nearest_candidate(
    values: Sequence[Mapping[str, str]], dct: dt.date
) -> Mapping[str, str] | None:
    """The resolution candidate whose date is nearest the dct (ties: the earlier one)."""
    dated = [(d, i, v) for i, v in enumerate(values) if (d := _candidate_date(v)) is not None]
    if not dated:
        return values[0] if values else None
    return min(dated, key=lambda x: (abs((x[0] - dct).days), x[0], x[1]))[2]


def fill_timex(timex: str, candidate: Mapping[str, str]) -> str:
    """``timex`` with its unspecified year/week taken from the candidate's date.

    ``XXXX-MM-DD`` and ``XXXX-WXX-D`` become the candidate's date (a time
    after them, ``T10``, is kept); ``XXXX-MM`` its year and the month;
    anything else is returned unchanged.
    """
    day = _candidate_date(candidate)
    if day is None:
        return timex
    dated = re.fullmatch(r"XXXX-(?:\d{2}-\d{2}|WXX-[1-7])(T.*)?", timex)
    if dated:
        return day.isoformat() + (dated.group(1) or "")
    month = re.fullmatch(r"XXXX-(\d{2})", timex)
    if month:
        return f"{day.year:04d}-{month.group(1)}"
    return timex


def resolve(result: Result, dct: dt.date) -> tuple[str, str | None, str | None]:
    """(value, type, mod) of one result, resolved against the dct as the module doc says."""
    candidate = nearest_candidate(result.values, dct) or {}
    timex = candidate.get("timex", "")
    kind = result.type_name.rsplit(".", 1)[-1]
    timex_type = TYPES.get(kind)
    as_range = _RANGE.match(timex)
    timex = as_range.group("duration") if as_range else fill_timex(timex, candidate)
    if re.match(r"P(?:[\dX]|T)", timex):
        timex_type = "DURATION" if kind != "set" else "SET"
    return timex, timex_type, MODS.get(candidate.get("Mod", ""))


def locate(text: str, result: Result) -> tuple[int, int] | None:
    """The half-open span of a result in ``text``, checked against its (lower-cased) text."""
    start, end = result.start, result.end + 1
    if text[start:end].lower() == result.text:
        return start, end
    lowered = text.lower()
    places = [m.start() for m in re.finditer(re.escape(result.text), lowered)]
    if not places or not result.text:
        return None
    best = min(places, key=lambda p: abs(p - result.start))
    return best, best + len(result.text)


def map_results(text: str, results: Sequence[Result], dct: dt.date) -> list[TimexPrediction]:
    """Every result as a troopbench timex, in text order."""
    out = []
    for result in results:
        span = locate(text, result)
        if span is None:
            continue
        value, timex_type, mod = resolve(result, dct)
        if not value:
            continue
        start, end = span
        out.append(TimexPrediction(value, timex_type, start, end, text[start:end], mod))
    out.sort(key=lambda t: (t.start or 0, t.end or 0))
    return out


_Recognize = Callable[[str, dt.datetime], Sequence[Any]]


def _recognizer() -> _Recognize:
    try:
        from recognizers_date_time import Culture, recognize_datetime
    except ImportError as exc:
        raise SystemUnavailable(
            NAME,
            f"recognizers-text-date-time cannot be imported ({exc}; it needs emoji<2)",
            INSTALL,
        ) from exc

    def recognize(text: str, reference: dt.datetime) -> Sequence[Any]:
        return recognize_datetime(text, Culture.English, reference=reference)

    return recognize


class RecognizersDates:
    """Microsoft Recognizers-Text date/time model, its TIMEX resolved by its own candidates."""

    name = NAME
    layers: tuple[str, ...] = ("timexes",)
    parallel = "process"
    exposure = "none"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = (
        "Recognizers-Text off the shelf with the dct; TIMEX mapping and nearest-candidate rule "
        "fixed before any run on the articles"
    )

    @staticmethod
    def probe() -> str:
        """Its version, if the library is installed with emoji<2 (nothing imported)."""
        find_modules(
            NAME,
            {"recognizers_date_time": "recognizers-text-date-time is not installed"},
            INSTALL,
        )
        emoji = dist_version("emoji")
        if emoji == "?" or int(emoji.split(".")[0]) >= 2:
            raise SystemUnavailable(
                NAME,
                f"recognizers-text-date-time cannot be imported (emoji {emoji}; it needs emoji<2)",
                INSTALL,
            )
        return f"{SYSTEM_VERSION}+recognizers{dist_version('recognizers-text-date-time')}"

    def __init__(self) -> None:
        self._recognize = _recognizer()
        try:
            library = package_version("recognizers-text-date-time")
        except PackageNotFoundError:
            library = "?"
        self.version = f"{SYSTEM_VERSION}+recognizers{library}"

    def __getstate__(self) -> dict[str, Any]:
        return {"version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.version = state["version"]
        self._recognize = _recognizer()

    def results(self, text: str, dct: dt.date) -> list[Result]:
        reference = dt.datetime(dct.year, dct.month, dct.day)
        return [Result.of(r) for r in self._recognize(text, reference)]

    def extract(self, document: Document) -> Prediction:
        results = self.results(document.text, document.dct)
        return Prediction(
            doc_id=document.doc_id, timexes=map_results(document.text, results, document.dct)
        )
