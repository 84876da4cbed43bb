"""The rules baseline: regular expressions and closed-class word lists, nothing learned.

``RulesSystem`` attempts all four layers with the standard library only. It is
the floor every other troopbench system must beat, so it tries to be a serious
floor rather than a strawman. Everything it knows is generic: month and weekday
names, nationality suffixes, title words ("Secretary", "Gen."), organisation
head nouns ("Ministry", "Forces"), reporting verbs and a small stance-cue
lexicon. It holds no gazetteer of this corpus's names.

What it does, layer by layer:

* **Text structure** — boilerplate lines (donation buttons, "Click to see
  full-size image", "Credit:", URLs, comment and e-mail notices, "Scroll to
  Top", takedown notices) are skipped by generic patterns; the rest is split
  into sentences with an abbreviation-aware splitter.
* **Entities** — runs of capitalised words are cut at title words (the name
  after a title is a PERSON), leading determiners, possessives and hyphenated
  compounds ("Iran-backed" → "Iran"), then typed by head nouns (ORG "Ministry",
  GPE "Republic", LOC "Strip", FAC "Base"), nationality suffixes (NORP
  "-ian/-i/-ish"), acronyms (ORG, or GPE for dotted country abbreviations),
  datelines, neighbouring words ("Anbar province" → GPE, "Baghdad airport" →
  FAC, "the Pentagon" → ORG, "in Syria" → GPE) and document-level consistency
  (one type per surface; surnames inherit PERSON from the full name; "Iraq"
  is a GPE when the document says "Iraqi").
* **Timexes** — dates, months, years, weekdays, holidays, relative
  expressions, durations, sets and vague references, resolved against the
  document creation time into TIMEX3 values with mods.
* **Troop counts** — a number followed by a troop noun ("2,500 American
  troops"), or an elliptical number after one ("and 900 in Syria"), with its
  qualifier, force, location and time read off the surrounding words;
  casualties, attacks, people who are not troops and money are excluded.
* **Stances** — a cue lexicon (AGAINST / FAVOR / NEUTRAL toward withdrawing US
  troops) attributed to the speaker of the sentence (subject of a reporting
  verb, "X said" after a quote, the subject of an act such as "has no plans"
  or "passed a resolution"), one label per holder per document.

What it cannot do: it has no lexicon of English words or names, so unknown
single capitalised words are typed by position and default to GPE, and
organisations without a head noun ("Hamas", "Rudaw", "Kataib Hezbollah") are
often mistyped; it cannot resolve coreference beyond surnames, "he/she" and
"there"; its sentence splitter trusts capitalisation; stance cues must match
the lexicon's wording, so paraphrased positions, sarcasm, implicit stances and
unusual attributions are missed, and a cue in a clause governed by an unnamed
speaker is dropped; troop counts written in words ("five thousand") are not
read; relative dates are resolved mechanically against the dct, with past
preference for bare weekdays and months.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from benchmark.corpus import Document
from benchmark.predictions import (
    EntityPrediction,
    EvidenceSpan,
    Prediction,
    StancePrediction,
    TimexPrediction,
    TroopPrediction,
)

# =====================================================================
# Text structure: boilerplate, lines, sentences
# =====================================================================

_BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[\d.,\s]*[$\u20ac\u00a3]\s*$",  # donation buttons: "2,500 $"
        r"^[$\u20ac\u00a3]\s*[\d.,]+\s*$",  # "$ 2,500"
        r"^(?:click|tap)\b.*\b(?:image|photo|picture|enlarge|full[- ]?size|gallery)",
        r"^(?:photo |image )?credits?\s*:?\s*$",  # "Credit:"
        r"https?://|\bwww\.\w",  # URL lines
        r"^leave a (?:comment|reply)\b",
        r"^(?:scroll|back) to top\b",
        r"^do you like this (?:content|article|story)\b",
        r"\bconsider (?:helping|supporting|donating|subscribing)\b",
        r"\be-?mail address will not be published\b",
        r"\brequired fields are marked\b",
        r"\b(?:remove|removal|takedown|take down)\b.*\barticles?\b",
        r"^(?:share|tweet|print|subscribe|sign up|advertisement)\b.{0,30}$",
        r"^(?:related|read more|see also)\s*:",
    )
)

_ABBREVIATION_END = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Gen|Maj|Lt|Col|Sgt|Adm|Capt|Cmdr|Cpl|Pvt|Mr|Mrs|Ms|Dr|Prof|"
    r"Sen|Rep|Gov|St|Jr|Sr|Rev|Brig|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"vs|etc|approx|Inc|Ltd|Co)\.)$"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"\u201d\u2019)\]]*(?=\s+[\"\u201c\u2018(\[]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Region:
    """A half-open character range of the document."""

    start: int
    end: int


def is_boilerplate(line: str) -> bool:
    """Whether a line is page furniture rather than article prose."""
    stripped = line.strip()
    return not stripped or any(p.search(stripped) for p in _BOILERPLATE)


def prose_lines(text: str) -> list[Region]:
    """The non-empty, non-boilerplate lines, without surrounding whitespace."""
    out = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        if is_boilerplate(line):
            continue
        lead = len(line) - len(line.lstrip())
        out.append(Region(match.start() + lead, match.start() + len(line.rstrip())))
    return out


def split_sentences(text: str, line: Region) -> list[Region]:
    """Sentences of one prose line (abbreviations such as "Gen." do not end one)."""
    out = []
    start = line.start
    segment = text[line.start : line.end]
    for match in _SENTENCE_END.finditer(segment):
        end = line.start + match.end()
        if _ABBREVIATION_END.search(text[start : line.start + match.start() + 1]):
            continue
        out.append(Region(start, end))
        start = end + len(text[end : line.end]) - len(text[end : line.end].lstrip())
    if start < line.end:
        out.append(Region(start, line.end))
    return out


def is_title_case(line: str) -> bool:
    """A headline in Title Case, where capitals say nothing about names."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z\u2019'\-]*", line) if len(w) > 3]
    if len(words) < 3 or line.rstrip().endswith("."):
        return False
    capitalised = sum(w[0].isupper() for w in words)
    return capitalised / len(words) >= 0.75


@dataclass(frozen=True)
class Layout:
    """A document's prose lines, their sentences, and which lines are Title Case."""

    text: str
    lines: tuple[Region, ...]
    sentences: tuple[Region, ...]
    title_case: frozenset[int]  # start offsets of Title Case lines

    @classmethod
    def of(cls, text: str) -> Layout:
        lines = prose_lines(text)
        sentences = [s for line in lines for s in split_sentences(text, line)]
        title_case = frozenset(
            line.start for line in lines if is_title_case(text[line.start : line.end])
        )
        return cls(text, tuple(lines), tuple(sentences), title_case)

    def line_of(self, pos: int) -> Region:
        for line in self.lines:
            if line.start <= pos < line.end:
                return line
        raise ValueError(f"offset {pos} is not in a prose line")

    def sentence_of(self, pos: int) -> Region:
        for sentence in self.sentences:
            if sentence.start <= pos < sentence.end:
                return sentence
        raise ValueError(f"offset {pos} is not in a sentence")


# =====================================================================
# Closed-class word lists
# =====================================================================


def _wordset(words: str) -> frozenset[str]:
    """A closed word class written as whitespace-separated words."""
    return frozenset(words.split())


_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOLIDAYS = {  # fixed-date holidays: (month, day)
    "christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
    "new year's day": (1, 1), "new year\u2019s day": (1, 1), "new year's eve": (12, 31),
    "new year\u2019s eve": (12, 31), "halloween": (10, 31), "valentine's day": (2, 14),
}  # fmt: skip
_NOT_NAMES = frozenset(
    {*_MONTHS, *(m + "." for m in _MONTHS), *_WEEKDAYS, "christmas", "easter", "ramadan",
     "thanksgiving", "halloween", "today", "tonight", "yesterday", "tomorrow", "i"}
)  # fmt: skip

# Capitalised only because they open a sentence or a quote.
_FUNCTION_WORDS = _wordset(
    """a about above according across after again against ago all almost along already also
    although amid among an and another any are around as at because been before being
    between both but by can could despite did do does during each either even every few for
    following from had has have having he her here hers him his how however i if in inside
    instead into is it its just last least less let like many may meanwhile might more most
    much multiple must my near nearly neither next no nor not now of on once one only or other
    our out outside over per perhaps please rather roughly several she should since so some
    still such than that the their them then there these they this those though through
    throughout thus to too toward towards under unlike until upon us very via was we were
    what when where whether which while who whom whose why will with within without would
    yet you your"""
)
_TITLE_WORDS = _wordset(
    """secretary minister president premier deputy chairman chairwoman chairperson spokesman
    spokeswoman spokesperson chief commander director ambassador senator representative
    governor general gen. major maj. lieutenant lt. colonel col. captain capt. sergeant sgt.
    admiral adm. brig. cmdr. mr. mrs. ms. dr. prof. sen. rep. gov. king queen prince
    princess sheikh ayatollah imam pope speaker mayor judge envoy adviser advisor cleric
    lawmaker undersecretary"""
)
# Words that are part of a title only next to a title word ("Defense Secretary").
_TITLE_MODIFIERS = _wordset(
    """defense defence state foreign interior finance justice treasury energy commerce health
    education homeland security press prime vice caretaker acting former army navy air
    national"""
)
_LOWER_TITLES = _wordset(
    """spokesman spokeswoman spokesperson minister president secretary official leader cleric
    commander general chairman premier envoy ambassador lawmaker senator adviser advisor
    director chief"""
)
_ORG_HEADS = _wordset(
    """ministry department parliament forces force agency commission council corps committee
    party army navy command guard guards units unit brigade brigades battalion division
    movement front organization organisation union association bank group office center
    centre institute university court senate congress assembly alliance coalition
    chiefs staff militia operation operations authority service services bureau cabinet
    government times post journal news herald tribune gazette network company corporation
    foundation fund league mission administration police"""
)
_GPE_HEADS = _wordset("republic kingdom states emirates region province governorate city county")
_LOC_HEADS = _wordset("east west strip gulf sea ocean river peninsula mountains valley desert")
_FAC_HEADS = _wordset("base airport airbase bridge palace embassy tower hospital prison camp")
# A sequence joined by "of" stays one name after these ("Republic of Iraq").
_OF_HEADS = _TITLE_WORDS | _wordset(
    "republic kingdom ministry department chiefs university bank council court office"
)
# Adjectives that start organisation names rather than personal names.
_ORG_MODIFIERS = _wordset(
    """national federal popular democratic republican revolutionary united higher supreme
    joint combined great central islamic"""
)
_GPE_AFTER = _wordset("province district governorate city region town village county")
_FAC_AFTER = ("air base", "airbase", "airport")
_ORG_AFTER = ("news agency", "agency", "militia", "militias", "movement", "party", "forces")
_GPE_BEFORE = re.compile(r"\b(?:city|town|province|village|capital|district) of\s+$", re.I)
_LOCATIVE_PREPOSITIONS = _wordset(
    "in from to into inside within across near toward towards throughout outside"
)
_BACKED = _wordset("backed linked aligned affiliated allied sponsored funded supported")
_PARTICLES = _wordset("al el ad an ar as ash at az ud ul bin ibn")
_COUNTRY_ABBREVIATIONS = frozenset({"US", "USA", "UK", "UAE", "DRC", "PRC", "ROK", "DPRK"})
_DEMONYM_COUNTRIES = {"american": "US", "americans": "US", "british": "UK", "briton": "UK"}
_REPORTING = (
    r"said|says|say|told|tells|added|adds|adding|denied|denies|deny|maintains|maintained|"
    r"noted|notes|stated|states|announced|announces|demanded|demands|requested|requests|"
    r"insisted|insists|stressed|acknowledged|confirmed|confirms|reiterated|argued|warned|"
    r"claimed|claims|signals|signaled|signalled|urged|urges|believes|believed|declared"
)
_REPORTING_RE = re.compile(rf"\b(?:{_REPORTING})\b", re.IGNORECASE)
_NORP_SUFFIX = re.compile(r"(?:ians?|eans?|cans?|ese|ish|is?|erns?)$")
_STRONG_NORP_SUFFIX = re.compile(r"(?:ians?|eans?|cans?|ese|ish)$")

# =====================================================================
# Entities: tokens
# =====================================================================


@dataclass(slots=True)
class Token:
    """A word of a prose line, after possessives and hyphen compounds are cut off."""

    start: int
    end: int
    text: str
    cap: bool  # a name-like word: capitalised, an acronym, "al-Sudani"
    poss: bool = False  # a possessive "'s" followed it
    apos: bool = False  # a bare trailing apostrophe followed it
    glue_left: bool = True  # False when a lowercase hyphen part precedes ("defeat-ISIS")
    glue_right: bool = True  # False when a lowercase hyphen part follows ("Iran-backed")
    compound: bool = False  # two or more capitalised hyphen parts ("Israel-Gaza")
    initial: bool = False  # first word of a sentence or of a quotation
    after_hyphen: str = ""  # the lowercase hyphen part that follows, if any

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_acronym(self) -> bool:
        letters = re.sub(r"[^A-Za-z]", "", self.text)
        return len(letters) >= 2 and letters.isupper() and "." not in self.text

    @property
    def is_dotted(self) -> bool:
        return re.fullmatch(r"(?:[A-Z]\.){2,}", self.text) is not None


_RAW_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\u2019'.\-]*")
_TITLE_ABBREVIATIONS = frozenset(w[:-1] for w in _TITLE_WORDS if w.endswith("."))


def _clean_word(word: str) -> tuple[str, bool, bool]:
    """Strip sentence periods and possessives: (word, possessive, bare apostrophe)."""
    keeps_period = (
        re.fullmatch(r"(?:[A-Z]\.)+(?:-\S+)?", word) is not None
        or word[:-1].lower() in _TITLE_ABBREVIATIONS
        or word[:-1].lower() in _MONTHS
    )
    if not keeps_period:
        word = word.rstrip(".")
    if re.search(r"[\u2019']s$", word) and len(word) > 2:
        return word[:-2], True, False
    if word.endswith(("\u2019", "'")):
        return word[:-1], False, True
    return word, False, False


def _hyphen_parts(word: str) -> list[tuple[int, str, str]]:
    """(offset, part, kind) for each hyphen part; kind is cap, particle or lower."""
    parts = []
    offset = 0
    pieces = word.split("-")
    for i, piece in enumerate(pieces):
        following = pieces[i + 1] if i + 1 < len(pieces) else ""
        if piece[:1].isupper() or re.fullmatch(r"(?:[A-Z]\.)+", piece):
            kind = "cap"
        elif piece.lower() in _PARTICLES and following[:1].isupper():
            kind = "particle"
        else:
            kind = "lower"
        parts.append((offset, piece, kind))
        offset += len(piece) + 1
    return parts


def _word_tokens(word: str, start: int) -> list[Token]:
    """Tokens of one raw word: name runs of its hyphen parts, and lowercase parts."""
    clean, poss, apos = _clean_word(word)
    if not clean:
        return []
    if clean[0].isdigit():
        return [Token(start, start + len(clean), clean, cap=False, poss=poss)]
    parts = [p for p in _hyphen_parts(clean) if p[1]]
    tokens: list[Token] = []
    i = 0
    while i < len(parts):
        is_name = parts[i][2] != "lower"
        j = i
        while j < len(parts) and (parts[j][2] != "lower") == is_name:
            j += 1
        group = parts[i:j]
        first, last = group[0], group[-1]
        s, e = start + first[0], start + last[0] + len(last[1])
        tokens.append(
            Token(
                s,
                e,
                clean[first[0] : last[0] + len(last[1])],
                cap=is_name,
                glue_left=i == 0,
                glue_right=j == len(parts),
                compound=sum(p[2] == "cap" for p in group) >= 2,
            )
        )
        i = j
    for a, b in pairwise(tokens):
        if a.cap and not b.cap:
            a.after_hyphen = b.lower
    tokens[-1].poss, tokens[-1].apos = poss, apos
    return tokens


def line_tokens(text: str, line: Region, sentence_starts: frozenset[int]) -> list[Token]:
    """All tokens of a prose line, with sentence-initial positions marked."""
    tokens: list[Token] = []
    for match in _RAW_WORD.finditer(text, line.start, line.end):
        word_tokens = _word_tokens(match.group(), match.start())
        if word_tokens:
            before = text[line.start : match.start()].rstrip()
            word_tokens[0].initial = (
                match.start() in sentence_starts
                or not before
                or before[-1] in '\u201c"\u2018:'
                or before.endswith((" -", "\u2013", "\u2014"))
            )
        tokens.extend(word_tokens)
    return tokens


# =====================================================================
# Entities: runs, segments, cues
# =====================================================================

STRONG, MEDIUM, WEAK, DEFAULT = 3, 2, 1, 0


@dataclass(slots=True)
class Segment:
    """A candidate mention: its tokens, its type guess and how sure the guess is."""

    tokens: list[Token]
    type: str = "GPE"
    strength: int = DEFAULT
    start: int = 0
    end: int = 0
    after_title: bool = False
    before_title: bool = False  # an affiliation before a title: "Pentagon Press Secretary"
    sentence_initial: bool = False
    extra_end: int = 0  # a lowercase head absorbed into the span ("Baghdad airport")

    def __post_init__(self) -> None:
        self.start = self.tokens[0].start
        self.end = self.tokens[-1].end

    @property
    def words(self) -> list[Token]:
        return [t for t in self.tokens if t.cap]

    @property
    def key(self) -> str:
        key = " ".join(t.lower for t in self.tokens)
        return key + " +" if self.extra_end else key

    def guess(self, entity_type: str, strength: int) -> None:
        if strength > self.strength:
            self.type, self.strength = entity_type, strength


def _joins(text: str, left: Token, right: Token) -> bool:
    """Whether two adjacent name tokens belong to one capitalised run."""
    gap = text[left.end : right.start]
    spaces = (" ", "\u00a0")
    if left.apos:
        spaces = ("\u2019 ", "' ")
    return gap in spaces and not left.poss and left.glue_right and right.glue_left


def capitalised_runs(text: str, tokens: Sequence[Token]) -> list[list[Token]]:
    """Maximal runs of name tokens, joined by single spaces or by "of" after a head word."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.cap:
            is_of = (
                tok.lower == "of"
                and current
                and current[-1].lower in _OF_HEADS
                and i + 1 < len(tokens)
                and tokens[i + 1].cap
                and _joins(text, current[-1], tok)
                and _joins(text, tok, tokens[i + 1])
            )
            if is_of:
                current.append(tok)
            elif current:
                runs.append(current)
                current = []
        elif current and _joins(text, current[-1], tok):
            current.append(tok)
        else:
            if current:
                runs.append(current)
            current = [tok]
        i += 1
    if current:
        runs.append(current)
    return runs


def _is_title(tokens: Sequence[Token], i: int) -> bool:
    """Whether token i is part of a title ("Defense Secretary", "Secretary of State")."""
    word = tokens[i].lower
    if word in _TITLE_WORDS:
        return True
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].lower if i > 0 else ""
    prev2 = tokens[i - 2].lower if i > 1 else ""
    if word in _TITLE_MODIFIERS:
        return (
            nxt in _TITLE_WORDS
            or _is_title_modifier_chain(tokens, i + 1)
            or (prev == "of" and prev2 in _TITLE_WORDS)
        )
    return word == "of" and prev in _TITLE_WORDS and nxt in _TITLE_MODIFIERS


def _is_title_modifier_chain(tokens: Sequence[Token], i: int) -> bool:
    while i < len(tokens) and tokens[i].lower in _TITLE_MODIFIERS:
        i += 1
    return i < len(tokens) and tokens[i].lower in _TITLE_WORDS and i > 0


def split_run(run: list[Token]) -> list[Segment]:
    """Cut a run at function words, date words and titles; mark names after titles."""
    segments: list[Segment] = []
    current: list[Token] = []
    after_title = False
    pending_title = False
    for i, tok in enumerate(run):
        lead_function = not current and tok.lower in _FUNCTION_WORDS and not tok.is_acronym
        if lead_function or tok.lower in _NOT_NAMES or _is_title(run, i):
            if current:
                segments.append(
                    Segment(
                        _trim_of(current), after_title=after_title, before_title=_is_title(run, i)
                    )
                )
                current = []
            pending_title = _is_title(run, i)
            continue
        if not current:
            after_title = pending_title
        current.append(tok)
    if current:
        segments.append(Segment(_trim_of(current), after_title=after_title))
    for seg in segments:
        seg.sentence_initial = seg.tokens[0].initial
    return [s for s in segments if s.tokens]


def _trim_of(tokens: list[Token]) -> list[Token]:
    while tokens and not tokens[-1].cap:
        tokens = tokens[:-1]
    while tokens and not tokens[0].cap:
        tokens = tokens[1:]
    return tokens


def _head_type(seg: Segment) -> str | None:
    """Type from a head noun: the last word, or the word before "of"."""
    words = [t.lower for t in seg.tokens]
    heads = [words[-1]] + [words[i - 1] for i, w in enumerate(words) if w == "of" and i > 0]
    if words[0] == "operation" and len(words) > 1:
        return "EVENT"
    if words[0] in ("camp", "fort") and len(words) > 1:
        return "FAC"
    for head in heads:
        for table, entity_type in (
            (_FAC_HEADS, "FAC"),
            (_ORG_HEADS, "ORG"),
            (_GPE_HEADS, "GPE"),
            (_LOC_HEADS, "LOC"),
        ):
            if head in table and len(words) > 1:
                return entity_type
    return None


@dataclass
class EntityContext:
    """Document-level evidence shared by all segments."""

    text: str
    norp_words: set[str] = field(default_factory=set)
    surnames: dict[str, str] = field(default_factory=dict)
    derived_gpes: set[str] = field(default_factory=set)
    body_capitalised: set[str] = field(default_factory=set)
    lowercase_words: set[str] = field(default_factory=set)


def _looks_norp(tok: Token, ctx: EntityContext) -> bool:
    """A nationality or group adjective/noun by its suffix (and document usage)."""
    word = tok.lower
    if tok.is_acronym or (tok.compound) or not _NORP_SUFFIX.search(word) or len(word) < 4:
        return False
    if word in ctx.surnames or word.startswith(tuple(p + "-" for p in _PARTICLES)):
        return False
    return word in ctx.norp_words or _STRONG_NORP_SUFFIX.search(word) is not None


def _collect_norp_words(text: str, tokens: Sequence[Token]) -> set[str]:
    """Suffix words used attributively ("Iraqi militia") or in the plural ("Iraqis")."""
    found = set()
    for i, tok in enumerate(tokens):
        if not tok.cap or tok.compound or tok.is_acronym or not _NORP_SUFFIX.search(tok.lower):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        attributive = (
            nxt is not None
            and not nxt.cap
            and not tok.poss
            and text[tok.end : nxt.start] == " "
            and not _REPORTING_RE.fullmatch(nxt.text)
            and nxt.lower not in _FUNCTION_WORDS | {"has", "had", "is", "was", "are", "were"}
        )
        hyphen = tok.after_hyphen in _BACKED
        plural = re.search(r"(?:ians|eans|cans|[^s]is)$", tok.lower) is not None
        if attributive or hyphen or (plural and not tok.initial):
            found.add(tok.lower)
            if plural:
                found.add(tok.lower[:-1])
    return found


def _derived_gpes(norp_words: set[str]) -> set[str]:
    """Country names a nationality word points to: Iraqi → iraq, Iranian → iran."""
    out = set()
    for word in norp_words:
        if word.endswith("ian"):
            out |= {word[:-3], word[:-1], word[:-3] + "a", word[:-3] + "y"}
        elif word.endswith(("an", "i")):
            out.add(word[:-1])
    return out


def _next_words(text: str, end: int, n: int = 2) -> str:
    return " ".join(re.findall(r"[A-Za-z\u2019'\-]+", text[end : end + 40])[:n]).lower()


def _prev_words(text: str, start: int, n: int = 1) -> list[str]:
    found = re.findall(r"[A-Za-z\u2019'\-]+", text[max(0, start - 40) : start])
    return [w.lower() for w in found][-n:]


def classify(seg: Segment, ctx: EntityContext) -> None:
    """Guess the type of one segment from its own words and its neighbours."""
    text = ctx.text
    words = seg.words
    first, last = seg.tokens[0], seg.tokens[-1]
    head = _head_type(seg)
    if head:
        seg.guess(head, STRONG)
    if len(words) == 1:
        _classify_single(seg, ctx)
    else:
        if words[0].lower in _ORG_MODIFIERS or words[0].lower.endswith("ic"):
            seg.guess("ORG", MEDIUM)
        seg.guess("PERSON", WEAK)
    if seg.after_title and not seg.before_title and not head:
        seg.guess("PERSON", STRONG)
    following = _next_words(text, last.end)
    nxt = following.split(" ")[0] if following else ""
    before = text[max(0, first.start - 30) : first.start]
    if not last.poss and text[last.end : last.end + 1] == " ":
        if nxt in _GPE_AFTER:
            seg.guess("GPE", STRONG)
        elif following.startswith(_FAC_AFTER) and not head:
            absorbed = next(f for f in _FAC_AFTER if following.startswith(f))
            seg.extra_end = last.end + 1 + len(absorbed)
            seg.guess("FAC", STRONG + 1)
        elif (
            following.startswith(_ORG_AFTER) and first.glue_left and not _looks_norp(words[0], ctx)
        ):
            seg.guess("ORG", MEDIUM)
    if re.search(r"\(\s*$", text[first.start - 2 : first.start]) is None and re.match(
        r"\s*\(\s*[A-Z]{2,}[A-Z\-]*\s*\)", text[last.end : last.end + 15]
    ):
        seg.guess("ORG", MEDIUM)
    if _GPE_BEFORE.search(before):
        seg.guess("GPE", STRONG)
    prev = _prev_words(text, first.start, 2)
    if prev and prev[-1].endswith(tuple("-" + b for b in _BACKED)):
        seg.guess("ORG", MEDIUM)
    if prev and prev[-1] in _LOWER_TITLES and text[first.start - 1] == " ":
        seg.guess("PERSON", MEDIUM)
    if prev and prev[-1] == "the" and len(words) > 1 and not seg.after_title:
        seg.guess("ORG", MEDIUM)


def _classify_single(seg: Segment, ctx: EntityContext) -> None:
    """Cues for a one-word name."""
    tok = seg.words[0]
    text = ctx.text
    word = tok.lower
    bare = re.sub(r"^(?:al|el)-", "", word)
    if tok.is_dotted or tok.text in _COUNTRY_ABBREVIATIONS:
        seg.guess("GPE", STRONG + 1)
    elif _is_dateline(text, tok):
        seg.guess("GPE", STRONG)
    elif tok.is_acronym:
        seg.guess("ORG", STRONG)
    if _looks_norp(tok, ctx):
        seg.guess("NORP", STRONG)
        if re.match(r" parliament\b", text[tok.end : tok.end + 12]) and not tok.poss:
            seg.extra_end = tok.end + len(" parliament")
            seg.guess("ORG", STRONG + 1)
    if word in ctx.derived_gpes:
        seg.guess("GPE", STRONG)
    if word in ctx.surnames or bare in ctx.surnames:
        seg.guess("PERSON", STRONG + 1)
    prev = _prev_words(text, tok.start, 2)
    gap = text[tok.start - 1 : tok.start]
    if prev and prev[-1] in _LOCATIVE_PREPOSITIONS and gap == " " and tok.glue_left:
        seg.guess("GPE", MEDIUM)
    if prev and prev[-1] == "the" and gap == " " and tok.glue_left and tok.glue_right:
        seg.guess("ORG", MEDIUM)
    following = _next_words(text, tok.end, 1)
    if following and _REPORTING_RE.fullmatch(following) and not tok.poss:
        seg.guess("ORG", WEAK)


def _is_dateline(text: str, tok: Token) -> bool:
    line_start = text.rfind("\n", 0, tok.start) + 1
    if text[line_start : tok.start].strip():
        return False
    after = text[tok.end : tok.end + 1]
    return (tok.text.isupper() and len(tok.text) > 2 and after == ",") or (
        after == ":" and tok.text[0].isupper()
    )


def _split_leading(seg: Segment, ctx: EntityContext) -> list[Segment]:
    """Split leading nationality words and country abbreviations off a segment."""
    if _head_type(seg) in ("ORG", "FAC") and not (
        seg.tokens[0].is_dotted or seg.tokens[0].text in _COUNTRY_ABBREVIATIONS
    ):
        return [seg]
    out: list[Segment] = []
    tokens = list(seg.tokens)
    stacked = False
    while len(tokens) > 1:
        tok = tokens[0]
        is_abbreviation = (tok.is_dotted or tok.text in _COUNTRY_ABBREVIATIONS) and tokens[1].cap
        is_norp = tok.lower in ctx.norp_words and _looks_norp(tok, ctx)
        if not (is_abbreviation or is_norp):
            break
        out.append(Segment([tok], after_title=False, sentence_initial=tok.initial))
        tokens = _trim_of(tokens[1:])
        if out and not is_abbreviation and len(tokens) == 1 and not _head_type(Segment(tokens)):
            # stacked adjectives before a common noun: "Iraqi Shia cleric"
            nxt = _next_words(ctx.text, tokens[0].end, 1)
            stacked = bool(nxt) and nxt.islower() and nxt not in _FUNCTION_WORDS
    if tokens:
        rest = Segment(
            tokens,
            after_title=seg.after_title,
            before_title=seg.before_title,
            sentence_initial=tokens[0].initial,
        )
        if stacked:
            rest.guess("NORP", MEDIUM)
        out.append(rest)
    return out


def _split_compound(seg: Segment, ctx: EntityContext, standalone: set[str]) -> list[Segment]:
    """ "Israel-Gaza war" → two names, when each part stands alone elsewhere."""
    if len(seg.tokens) != 1 or not seg.tokens[0].compound:
        return [seg]
    tok = seg.tokens[0]
    nxt = ctx.text[tok.end : tok.end + 2]
    parts = list(re.finditer(r"[^-]+", tok.text))
    if not re.match(r" [a-z]", nxt) or not all(p.group().lower() in standalone for p in parts):
        return [seg]
    out = []
    for p in parts:
        part = Token(
            tok.start + p.start(),
            tok.start + p.end(),
            p.group(),
            cap=True,
            glue_left=p.start() == 0,
            glue_right=p.end() == len(tok.text),
        )
        out.append(Segment([part]))
    return out


def _quoted_whole(text: str, seg: Segment) -> bool:
    """A capitalised phrase that fills a whole quotation is a term, not a name."""
    return (
        len(seg.tokens) > 1
        and text[seg.start - 1 : seg.start] in '\u201c"'
        and text[seg.end : seg.end + 1] in '\u201d"'
    )


def _headline_segments(text: str, tokens: Sequence[Token], known: dict[str, str]) -> list[Segment]:
    """Names in a Title Case headline: only word sequences known from the body."""
    out = []
    i = 0
    while i < len(tokens):
        found = None
        for j in range(min(len(tokens), i + 6), i, -1):
            cand = tokens[i:j]
            if not all(t.cap for t in cand) or not all(
                _joins(text, a, b) for a, b in pairwise(cand)
            ):
                continue
            key = " ".join(t.lower for t in cand)
            if key in known:
                found = Segment(list(cand), type=known[key], strength=STRONG)
                break
        if found:
            out.append(found)
            i += len(found.tokens)
        else:
            i += 1
    return out


def extract_entities(text: str, layout: Layout) -> list[EntityPrediction]:
    """Named-entity mentions of the prose, flat and sorted."""
    ctx = EntityContext(text)
    starts = frozenset(s.start for s in layout.sentences)
    body_lines = [line for line in layout.lines if line.start not in layout.title_case]
    tokens_by_line = {line.start: line_tokens(text, line, starts) for line in layout.lines}
    body_tokens = [t for line in body_lines for t in tokens_by_line[line.start]]
    ctx.norp_words = _collect_norp_words(text, body_tokens)
    ctx.body_capitalised = {t.lower for t in body_tokens if t.cap and not t.initial}
    ctx.lowercase_words = {t.lower for t in body_tokens if not t.cap}
    segments = _body_segments(text, body_lines, tokens_by_line, ctx)
    ctx.surnames = _surnames(segments)
    ctx.derived_gpes = _derived_gpes(ctx.norp_words)
    for seg in segments:
        classify(seg, ctx)
    segments = [s for s in segments if _accept(s, ctx)]
    _apply_coordination(text, segments)
    known = _vote(segments)
    for seg in segments:
        if seg.strength <= STRONG:
            seg.type = known.get(seg.key, seg.type)
    for line in layout.lines:
        if line.start in layout.title_case:
            segments.extend(_headline_segments(text, tokens_by_line[line.start], known))
    return _to_predictions(text, segments)


def _body_segments(
    text: str, lines: Sequence[Region], tokens_by_line: dict[int, list[Token]], ctx: EntityContext
) -> list[Segment]:
    segments: list[Segment] = []
    for line in lines:
        for run in capitalised_runs(text, tokens_by_line[line.start]):
            for seg in split_run(run):
                segments.extend(_split_leading(seg, ctx))
    standalone = {s.key for s in segments if len(s.tokens) == 1} | {
        a.lower() for a in _COUNTRY_ABBREVIATIONS
    }
    out = []
    for seg in segments:
        if not _quoted_whole(text, seg):
            out.extend(_split_compound(seg, ctx, standalone))
    return out


def _surnames(segments: Sequence[Segment]) -> dict[str, str]:
    """Last word of each multi-word personal name → the full name."""
    out: dict[str, str] = {}
    for seg in segments:
        words = seg.words
        if len(words) < 2 or _head_type(seg) or words[0].lower in _ORG_MODIFIERS:
            continue
        if words[0].lower.endswith("ic"):
            continue
        full = seg.key
        last = words[-1].lower
        for form in (last, re.sub(r"^(?:al|el)-", "", last)):
            if len(full) > len(out.get(form, "")):
                out[form] = full
    return out


def _accept(seg: Segment, ctx: EntityContext) -> bool:
    """Drop sentence-initial single words that are capitalised only by position."""
    if len(seg.words) > 1 or not seg.sentence_initial or seg.strength >= STRONG:
        return True
    tok = seg.words[0]
    if tok.lower in ctx.lowercase_words:
        return False
    following = ctx.text[tok.end : tok.end + 12]
    return (
        tok.lower in ctx.body_capitalised
        or tok.poss
        or re.match(r" and [A-Z]", following) is not None
    )


def _apply_coordination(text: str, segments: list[Segment]) -> None:
    """ "X and Y": a weakly typed conjunct takes the type of a surely typed one."""
    for a, b in pairwise(segments):
        if text[a.end : b.start] != " and ":
            continue
        if a.strength >= MEDIUM > b.strength and a.type in ("GPE", "ORG"):
            b.guess(a.type, WEAK + 1)
        elif b.strength >= MEDIUM > a.strength and b.type in ("GPE", "ORG"):
            a.guess(b.type, WEAK + 1)


def _vote(segments: Sequence[Segment]) -> dict[str, str]:
    """One type per surface: the type of its strongest cues, then the most frequent."""
    scores: dict[str, Counter[str]] = {}
    for seg in segments:
        weight = 10**seg.strength
        scores.setdefault(seg.key, Counter())[seg.type] += weight
    return {
        key: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for key, c in scores.items()
    }


def _to_predictions(text: str, segments: Sequence[Segment]) -> list[EntityPrediction]:
    out: dict[tuple[int, int], EntityPrediction] = {}
    for seg in sorted(segments, key=lambda s: (s.start, -s.end)):
        end = seg.extra_end or seg.end
        if any(s < end and seg.start < e for s, e in out):
            continue
        out[(seg.start, end)] = EntityPrediction(
            type=seg.type, start=seg.start, end=end, text=text[seg.start : end]
        )
    return [out[k] for k in sorted(out)]


# =====================================================================
# Timexes
# =====================================================================

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


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


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
    return _MONTHS[name.lower().rstrip(".")]


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
    weekday = _WEEKDAYS.index(m["weekday"].lower())
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
    month, day = _HOLIDAYS[m["holiday"].lower()]
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


# =====================================================================
# Troop counts
# =====================================================================

_TROOP_NOUN = (
    r"(?:troops|soldiers|forces|personnel|service ?members|servicemen|servicewomen|[Mm]arines"
    r"|sailors|airmen|advisers|advisors|trainers|paratroopers|commandos|boots on the ground)"
)
_NOUN_MODIFIER = (
    r"(?:[A-Z][\w.\u2019'\-]*|additional|more|other|foreign|coalition|combat|military|ground|special"
    r"|operations|active-duty|international|allied|regular|reserve|elite|american|u\.s\.)"
)
_COUNT = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)"
_TROOP_RE = re.compile(
    rf"(?<![\w$.,]){_COUNT}(?![\w,.]?\d)(?P<mods>(?:\s+{_NOUN_MODIFIER}){{0,3}}?)\s+"
    rf"(?P<noun>{_TROOP_NOUN})\b"
)
_ELLIPTIC_RE = re.compile(
    rf"\b(?:and|while|with|but)\s+(?:that\s+|another\s+|some\s+|about\s+|around\s+|roughly\s+"
    rf"|over\s+|more than\s+|nearly\s+)?{_COUNT}(?![\w,.]?\d)\s+(?=(?:more\s+)?(?:in|are|were|"
    rf"remain|remained|stay|deployed|stationed|based|serve|serving)\b)"
)
_QUALIFIERS = (
    (r"(?:fewer|less) than|under|below|up to|at most|no more than", "less_than"),
    (
        r"more than|over|more|upwards of|in excess of|at least|above|exceeding|nearly all",
        "more_than",
    ),
    (
        r"around|about|roughly|some|approximately|nearly|almost|an estimated|estimated|close to"
        r"|an approximate|~",
        "approximately",
    ),
)
_CASUALTY = re.compile(
    r"\b(?:killed|kill|killing|dead|died|die|deaths?|injured|injuries|injuring|wounded|wounding"
    r"|casualt(?:y|ies)|fatalit(?:y|ies)|hurt|perished|missing|captured|hostages?)\b",
    re.I,
)
_PLANNED = re.compile(
    r"\b(?:will|would|shall|\u2019ll|plans? to|planned|planning|to be (?:deployed|sent)|to deploy"
    r"|to send|expected to|are to|set to|proposed|could be)\b",
    re.I,
)
_HISTORICAL = re.compile(
    r"\b(?:were|was|had been|had|at the height|at its peak|peak(?:ed)?|surge|once|previously"
    r"|used to)\b",
    re.I,
)
_LOCATION_PREPOSITION = re.compile(
    r"\b(?:in|to|into|inside|within|across|at|throughout|on the ground in)\s+(?:the\s+)?$", re.I
)


@dataclass(frozen=True)
class TroopContext:
    """Entities and sentences that a troop count is read against."""

    text: str
    dct: dt.date
    layout: Layout
    entities: tuple[EntityPrediction, ...]

    def places(self, start: int, end: int) -> list[EntityPrediction]:
        return [
            e for e in self.entities if start <= (e.start or 0) < end and e.type in ("GPE", "LOC")
        ]


def _qualifier(text: str, start: int) -> str:
    before = text[max(0, start - 25) : start].lower()
    for pattern, label in _QUALIFIERS:
        if re.search(rf"(?:^|\W)(?:{pattern})\s+$", before):
            return label
    return "exact"


def _force(mods: str, ctx: TroopContext) -> str | None:
    """Whose troops: a country abbreviation or a nationality word before the noun."""
    for word in re.findall(r"[A-Za-z][\w.\u2019'\-]*", mods):
        bare = word.rstrip(".")
        if re.fullmatch(r"(?:[A-Z]\.){2,}", word) or bare in _COUNTRY_ABBREVIATIONS:
            return word.replace(".", "") if "." in word else word
        if word.lower() in _DEMONYM_COUNTRIES:
            return _DEMONYM_COUNTRIES[word.lower()]
        country = _country_of(word, ctx)
        if country:
            return country
    return None


def _country_of(word: str, ctx: TroopContext) -> str | None:
    """The document's GPE name a nationality word points to (Iraqi → Iraq)."""
    if not _NORP_SUFFIX.search(word.lower()):
        return None
    stems = _derived_gpes({word.lower()})
    for entity in ctx.entities:
        if entity.type == "GPE" and (entity.text or "").lower() in stems:
            return entity.text
    return None


def _same_country(name: str, force: str | None) -> bool:
    if force is None:
        return False

    def norm(s: str) -> str:
        s = s.replace(".", "")
        words = s.split()
        return "".join(w[0] for w in words).upper() if len(words) > 1 else s.upper()

    return norm(name) == norm(force) or (norm(force) == "US" and name.lower() == "america")


def _location(
    ctx: TroopContext, number_start: int, after: int, limit: int, force: str | None
) -> str | None:
    """The place after "in"/"to" in the count's clause, "there", or the main place."""
    sentence = ctx.layout.sentence_of(number_start)
    window_end = min(limit, sentence.end)
    window = ctx.text[after:window_end]
    stop = re.search(r"[;.]|\b(?:but|while|after|following|since|when)\b", window)
    if stop:
        window_end = after + stop.start()
    for place in ctx.places(after, window_end):
        if (
            _LOCATION_PREPOSITION.search(ctx.text[after : place.start])
            and re.fullmatch(r"[^,;]*", ctx.text[after : place.start])
            and not _same_country(place.text or "", force)
        ):
            return place.text
    if re.match(r"\s+there\b", ctx.text[after : after + 10]):
        before = [
            e
            for e in ctx.places(sentence.start, number_start)
            if not _same_country(e.text or "", force)
        ]
        if before:
            return before[-1].text
    return _main_place(ctx, force)


def _main_place(ctx: TroopContext, force: str | None) -> str | None:
    """The most frequently named GPE of the document other than the force's country."""
    counts = Counter(
        e.text
        for e in ctx.entities
        if e.type == "GPE" and e.text and not _same_country(e.text, force)
    )
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _troop_time(ctx: TroopContext, start: int, end: int) -> str:
    """historical, planned or current, from the words around the count."""
    sentence = ctx.layout.sentence_of(start)
    before = ctx.text[max(sentence.start, start - 60) : start]
    before = re.split(r"[;,]|\b(?:and|but|which|who|that)\b", before)[-1]
    after = ctx.text[end : min(sentence.end, end + 60)]
    after = re.split(r"[;,]|\b(?:and|but|which|who|that)\b", after)[0]
    clause = before + ctx.text[start:end] + after
    if _PLANNED.search(clause):
        return "planned"
    if _HISTORICAL.search(clause) or re.search(
        r"\bat the height\b|\bat its peak\b", ctx.text[sentence.start : start]
    ):
        return "historical"
    years = [int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", clause)]
    if years and max(years) < ctx.dct.year - 1:
        return "historical"
    return "current"


def _is_casualty(ctx: TroopContext, start: int, end: int) -> bool:
    sentence = ctx.layout.sentence_of(start)
    after = ctx.text[end : sentence.end]
    after = " ".join(re.split(r"\s+", after.strip())[:10])
    after = re.split(r"[;]|\b(?:but|while|where|who|which)\b", after)[0]
    before = " ".join(ctx.text[sentence.start : start].split()[-4:])
    return bool(_CASUALTY.search(after) or _CASUALTY.search(before))


def extract_troops(ctx: TroopContext) -> list[TroopPrediction]:
    """Troop counts with their qualifier, force, location and time."""
    out: list[TroopPrediction] = []
    text = ctx.text
    for sentence in ctx.layout.sentences:
        found: list[tuple[int, int, str | None]] = []
        for m in _TROOP_RE.finditer(text, sentence.start, sentence.end):
            if _is_casualty(ctx, m.start("num"), m.end()):
                continue
            force = _force(m["mods"], ctx)
            found.append((m.start("num"), m.end(), force))
        for m in _ELLIPTIC_RE.finditer(text, sentence.start, sentence.end):
            antecedents = [f for f in found if f[1] <= m.start("num")]
            if antecedents and not _is_casualty(ctx, m.start("num"), m.end()):
                found.append((m.start("num"), m.end("num"), antecedents[-1][2]))
        found.sort()
        for i, (start, end, force) in enumerate(found):
            limit = found[i + 1][0] if i + 1 < len(found) else sentence.end
            num_end = start + len(re.match(_COUNT, text[start:]).group())  # type: ignore[union-attr]
            out.append(
                TroopPrediction(
                    value=int(text[start:num_end].replace(",", "")),
                    location=_location(ctx, start, end, limit, force),
                    force=force,
                    qualifier=_qualifier(text, start),
                    time=_troop_time(ctx, start, end),
                    start=start,
                    end=num_end,
                    text=text[start:num_end],
                )
            )
    return sorted(out, key=lambda t: (t.start or 0, t.end or 0))


# =====================================================================
# Stances
# =====================================================================


@dataclass(frozen=True, slots=True)
class Cue:
    """A stance cue: its label, its pattern, and whether the clause subject holds it."""

    label: str
    pattern: re.Pattern[str]
    subject_holds: bool


def _cue(label: str, pattern: str, subject_holds: bool = True) -> Cue:
    return Cue(label, re.compile(pattern, re.IGNORECASE), subject_holds)


_W = r"[\w\u2019'.\-]+"  # one word
_CUES: tuple[Cue, ...] = (
    # AGAINST: denies plans or requests, says nothing changed, refuses to leave
    _cue(
        "AGAINST",
        rf"\bno plans?\b(?:\s+{_W}){{0,5}}?\s+to\s+(?:withdraw|pull|leave|remove"
        r"|reduce|exit)",
    ),
    _cue("AGAINST", r"\bnot aware of any (?:plans?|requests?|decision)"),
    _cue("AGAINST", r"\bunaware of any\b"),
    _cue(
        "AGAINST",
        rf"\b(?:won[\u2019']t|will not|would not|not going to|do(?:es)? not (?:intend|"
        rf"plan) to)\s+(?:{_W}\s+){{0,2}}?(?:withdraw|pull out|leave)",
    ),
    _cue("AGAINST", r"\bno (?:\w+ )?(?:policy )?change\b|\bnothing has changed\b"),
    _cue(
        "AGAINST",
        r"\b(?:received|receive|had|has)\s+no\s+(?:formal\s+)?(?:request|"
        r"notification|notice)",
    ),
    _cue(
        "AGAINST",
        r"\bnot\s+(?:\w+\s+){0,2}(?:received|included|made)\s+(?:a|any)\s+"
        r"(?:formal\s+)?(?:request|notification)",
    ),
    _cue(
        "AGAINST",
        r"\bnot (?:a |any )?negotiations? (?:about|on|over|for|to) (?:the )?"
        r"withdraw",
    ),
    _cue("AGAINST", r"\bden(?:y|ies|ied|ying)\b"),
    _cue("AGAINST", r"\bnot what[\u2019']s happening|\bnot what is happening"),
    _cue(
        "AGAINST",
        r"\b(?:insist\w*|maintain\w*) (?:that )?(?:\w+ ){0,3}(?:troops|forces) "
        r"(?:will )?(?:stay|remain)",
    ),
    _cue(
        "AGAINST",
        r"\breject\w* (?:\w+ ){0,3}(?:calls?|demands?|requests?) (?:for|to) "
        r"(?:\w+ ){0,3}withdraw",
    ),
    # NEUTRAL: open or non-committal
    _cue("NEUTRAL", r"\bopen to\b"),
    _cue("NEUTRAL", r"\b(?:left|leaves?|leaving) (?:the door |it )?open\b"),
    _cue(
        "NEUTRAL",
        r"\b(?:left|leaves?|leaving) it unclear\b|\bunclear whether\b|\bundecided\b"
        r"|\bremains to be seen\b|\btoo early to (?:say|tell)\b|\bdecide whether\b",
    ),
    # FAVOR: demands, requests, supports or moves to carry out withdrawal
    _cue(
        "FAVOR",
        rf"\b(?:should|must|need(?:s|ed)? to|ought to|has to|have to)\s+(?:{_W}\s+)?"
        r"(?:withdraw|leave|pull out|go home|exit)",
        subject_holds=False,
    ),
    _cue(
        "FAVOR",
        r"\bdemand\w*\b.{0,120}?\b(?:withdraw\w*|leave|exit|expel\w*|ouster|presence"
        r"|pull\w* out|departure)",
    ),
    _cue(
        "FAVOR",
        rf"\bcall\w* for\b(?:\s+{_W}){{0,8}}?\s+(?:withdraw\w*|ouster|expulsion|exit"
        r"|departure|pullout|expel\w*|eject\w*|end(?:ing)? (?:of )?(?:the )?(?:\w+ )?presence)",
    ),
    _cue(
        "FAVOR",
        r"\b(?:passed|approved|adopted)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?"
        r"(?:resolution|bill|law|motion)\b.{0,80}?\b(?:expel\w*|eject\w*|end\w* the (?:\w+ )?"
        r"presence|withdraw\w*|oust\w*)",
    ),
    _cue("FAVOR", r"\bvoted (?:to|for) (?:the )?(?:expel\w*|eject\w*|end\w*|oust\w*|withdraw\w*)"),
    _cue("FAVOR", r"\b(?:expel\w*|eject\w*|oust\w*|kick\w* out)\b", subject_holds=False),
    _cue("FAVOR", r"\brequest\w*\b.{0,160}?\bwithdraw\w*"),
    _cue(
        "FAVOR",
        r"\b(?:against|condemn\w*|end\w*|reduc\w*|reduction of)\s+(?:the\s+)?"
        r"(?:continued\s+|continuing\s+)?(?:[\w.\-]+\s+){0,3}?presence\b",
        subject_holds=False,
    ),
    _cue(
        "FAVOR",
        r"\b(?:timing|timetable|timeline|schedule|mechanisms?)\b.{0,60}?\b"
        r"(?:withdraw\w*|departure|exit|presence)",
        subject_holds=False,
    ),
    _cue("FAVOR", r"\b(?:initiate|begin|start)\w*\s+the\s+process\s+of\b"),
    _cue("FAVOR", r"\bsupport\w*\s+(?:a\s+|the\s+)?(?:\w+\s+)?withdrawal"),
)
_TARGET = re.compile(
    r"\b(?:withdraw\w*|pull\w*[ -]?(?:out|back)|troops|forces|presence|leave|expel\w*|eject\w*"
    r"|ouster|exit|drawdown|departure|quit|doing so)\b",
    re.I,
)
_HOLDER_TYPES = ("PERSON", "ORG", "GPE")
_AFFILIATED = re.compile(
    r"\s+(?:officials?|spokes(?:man|woman|person|men)|sources?|troops|forces|force|military"
    r"|personnel|soldiers|lawmakers|members|leaders?|commanders?|diplomats?|president|secretary"
    r"|minister|policy|presence|strikes?|drones?|attacks?|interests|support|airstrikes|officers?"
    r"|authorities|delegation|envoy|response|positions|involvement|surge|missions?|partners?"
    r"|press|deputy|[A-Z][a-z]+ Secretary)\b"
)
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:by|of|in|from|with|to|at|for|on|about|against|toward|towards|into|inside|within"
    r"|between|over|despite|through|among|via)\s+(?:the\s+)?$",
    re.I,
)
_ACT_NOUNS = r"announcement|decision|statement|demand|request|call|plan|move|vote|letter"
# Words that may stand between a subject and its act: "The US has no plans".
_SUBJECT_GAP = _wordset(
    """has have had is are was were will would does do did also still now again already it
    that been remains remain signals signaled signalled says said maintains believes insists
    reportedly officially formally clearly repeatedly however releasing released issued
    issuing a statement letter"""
) | frozenset(_WEEKDAYS)


@dataclass(frozen=True)
class Holder:
    """A stance holder: the name as written and the key it is merged by."""

    name: str
    key: str


@dataclass
class StanceContext:
    """Entities, sentences and per-document holder naming."""

    text: str
    layout: Layout
    entities: tuple[EntityPrediction, ...]
    full_names: dict[str, str] = field(default_factory=dict)

    def mentions(self, start: int, end: int) -> list[EntityPrediction]:
        return [e for e in self.entities if start <= (e.start or 0) and (e.end or 0) <= end]

    def holder(self, entity: EntityPrediction) -> Holder:
        name = entity.text or ""
        if entity.type == "PERSON":
            full = self.full_names.get(name.lower())
            if full:
                name = full
            return Holder(name, "person:" + name.lower())
        return Holder(name, "name:" + _holder_key(name, entity.type))


def _holder_key(name: str, entity_type: str) -> str:
    """ "U.S.", "US" and "United States" merge; other names by their lowercase form."""
    bare = name.replace(".", "")
    words = bare.split()
    if entity_type == "GPE" and len(words) > 1 and all(w[0].isupper() for w in words):
        return "".join(w[0] for w in words).lower()
    return bare.lower()


def _eligible(ctx: StanceContext, e: EntityPrediction) -> bool:
    """Whether a mention can be the one holding a position (not a modifier or object)."""
    text = ctx.text
    start, end = e.start or 0, e.end or 0
    if e.type not in _HOLDER_TYPES:
        return False
    if _AFFILIATED.match(text, end) or _PREPOSITION_BEFORE.search(text[max(0, start - 30) : start]):
        return False
    possessive = re.match(r"[\u2019']s?\b", text[end : end + 2]) is not None
    return not possessive


def _government_holder(ctx: StanceContext, start: int, end: int) -> list[tuple[int, Holder]]:
    """ "the Iraqi government" names the country it governs."""
    out = []
    for m in re.finditer(r"\b(?:the\s+)?([A-Z][a-z]+)\s+government\b", ctx.text[start:end]):
        word = m.group(1)
        if _PREPOSITION_BEFORE.search(ctx.text[max(0, start + m.start() - 30) : start + m.start()]):
            continue
        stems = _derived_gpes({word.lower()}) if _NORP_SUFFIX.search(word.lower()) else set()
        country = next(
            (e.text for e in ctx.entities if e.type == "GPE" and (e.text or "").lower() in stems),
            None,
        )
        name = country or f"{word} government"
        out.append((start + m.end(), Holder(name, "name:" + _holder_key(name, "GPE"))))
    return out


def _candidates(ctx: StanceContext, start: int, end: int) -> list[tuple[int, str, Holder]]:
    """(end offset, type, holder) of every eligible subject between start and end."""
    out = [
        ((e.end or 0), e.type, ctx.holder(e)) for e in ctx.mentions(start, end) if _eligible(ctx, e)
    ]
    out += [(pos, "GPE", h) for pos, h in _government_holder(ctx, start, end)]
    return sorted(out, key=lambda c: c[0])


def _speaker(ctx: StanceContext, sentence: Region, verb_start: int) -> Holder | None:
    """Who the reporting verb at ``verb_start`` is attributed to."""
    text = ctx.text
    clause_start = sentence.start
    closing = max(
        text.rfind("\u201d", sentence.start, verb_start),
        text.rfind('"', sentence.start, verb_start),
    )
    if closing >= 0:
        clause_start = closing + 1
    before = text[clause_start:verb_start]
    if re.search(r"\b(?:he|she)\s+(?:\w+\s+)?$", before, re.I):
        return _last_person(ctx, sentence.start)
    if re.search(
        r"\b(?:it|they|we|i|officials?|the (?:official|statement|letter))\s+(?:\w+\s+)?"
        r"$",
        before,
        re.I,
    ):
        return None
    candidates = _candidates(ctx, clause_start, verb_start)
    persons = [c for c in candidates if c[1] == "PERSON"]
    if persons:
        return persons[-1][2]
    if candidates:
        return candidates[-1][2]
    after = re.match(rf"\s*(?:{_REPORTING})\s+", text[verb_start : verb_start + 20], re.I)
    if after and re.search(r"[\u201d\",]\s*$", text[sentence.start : verb_start]):
        inverted = _candidates(ctx, verb_start, min(sentence.end, verb_start + 60))
        if inverted:
            return inverted[0][2]
    return None


def _last_person(ctx: StanceContext, before: int) -> Holder | None:
    persons = [e for e in ctx.entities if e.type == "PERSON" and (e.end or 0) <= before]
    return ctx.holder(persons[-1]) if persons else None


def _subject(ctx: StanceContext, sentence: Region, cue_start: int) -> Holder | None:
    """The named subject right before an act cue ("The US has no plans ...")."""
    text = ctx.text
    possessive = re.search(
        rf"([A-Z][\w.\-]*)[\u2019']s\s+(?:{_ACT_NOUNS})\b[^.]{{0,60}}$",
        text[sentence.start : cue_start],
    )
    candidates = _candidates(ctx, sentence.start, cue_start)
    if possessive:
        pos = sentence.start + possessive.end(1)
        owners = [
            e
            for e in ctx.mentions(sentence.start, cue_start)
            if e.end == pos and e.type in _HOLDER_TYPES
        ]
        if owners:
            return ctx.holder(owners[0])
    if not candidates:
        return None
    end, _, holder = candidates[-1]
    between = text[end:cue_start].lower().replace("\u2019", "'")
    words = re.findall(r"[\w']+", between)
    if re.search(r"[,;:\u201c\u201d\"(]", between) or not all(w in _SUBJECT_GAP for w in words):
        return None
    return holder


def _quote_open(text: str, line: Region, pos: int) -> bool:
    segment = text[line.start : pos]
    return segment.count("\u201c") > segment.count("\u201d") or segment.count('"') % 2 == 1


@dataclass(frozen=True, slots=True)
class StanceHit:
    """One cue attributed to one holder in one sentence."""

    holder: Holder
    label: str
    sentence: Region
    position: int


def _sentence_cues(text: str, sentence: Region) -> list[tuple[Cue, re.Match[str]]]:
    """Cue matches of a sentence, FAVOR cues inside a negation or a hedge dropped."""
    found = [(c, m) for c in _CUES for m in c.pattern.finditer(text, sentence.start, sentence.end)]
    against = [m for c, m in found if c.label == "AGAINST"]
    neutral = [m for c, m in found if c.label == "NEUTRAL"]
    kept = []
    for cue, m in found:
        overlaps = any(a.start() < m.end() and m.start() < a.end() for a in against)
        if cue.label == "FAVOR" and (overlaps or neutral):
            continue
        kept.append((cue, m))
    return kept


def _verbs(ctx: StanceContext, start: int, end: int) -> list[int]:
    """Offsets of reporting verbs, leaving out words inside names ("United States")."""
    return [
        m.start()
        for m in _REPORTING_RE.finditer(ctx.text, start, end)
        if not any((e.start or 0) <= m.start() < (e.end or 0) for e in ctx.entities)
    ]


def _reporting_verb(ctx: StanceContext, sentence: Region, cue_start: int) -> int | None:
    """The reporting verb governing a cue: the nearest before it, else the nearest after."""
    verbs = _verbs(ctx, sentence.start, sentence.end)
    before = [v for v in verbs if v <= cue_start]
    if before:
        return before[-1]
    return verbs[0] if verbs else None


def _paragraph_speaker(ctx: StanceContext, sentence: Region) -> Holder | None:
    """Speaker of another sentence of the same paragraph (for continued quotations)."""
    line = ctx.layout.line_of(sentence.start)
    others = [s for s in ctx.layout.sentences if line.start <= s.start < line.end and s != sentence]
    others.sort(key=lambda s: abs(s.start - sentence.start))
    for other in others:
        for verb in _verbs(ctx, other.start, other.end):
            holder = _speaker(ctx, other, verb)
            if holder:
                return holder
    return None


def _on_target(ctx: StanceContext, sentence: Region) -> bool:
    """Whether the sentence, its paragraph or the paragraph before speaks of troops leaving."""
    lines = ctx.layout.lines
    index = lines.index(ctx.layout.line_of(sentence.start))
    scope = [sentence] + [lines[i] for i in (index, index - 1) if i >= 0]
    return any(_TARGET.search(ctx.text, r.start, r.end) for r in scope)


def stance_hits(ctx: StanceContext) -> list[StanceHit]:
    """Every (holder, label) a cue attributes, sentence by sentence."""
    text = ctx.text
    hits: list[StanceHit] = []
    for sentence in ctx.layout.sentences:
        if not _on_target(ctx, sentence):
            continue
        for cue, m in _sentence_cues(text, sentence):
            holders: list[Holder] = []
            verb = _reporting_verb(ctx, sentence, m.start())
            if verb is not None:
                speaker = _speaker(ctx, sentence, verb)
                if speaker:
                    holders.append(speaker)
            if cue.subject_holds:
                subject = _subject(ctx, sentence, m.start())
                if subject:
                    holders.append(subject)
            line = ctx.layout.line_of(sentence.start)
            if not holders and verb is None and _quote_open(text, line, m.start()):
                speaker = _paragraph_speaker(ctx, sentence)
                if speaker:
                    holders.append(speaker)
            hits.extend(StanceHit(h, cue.label, sentence, m.start()) for h in holders)
    return hits


def _trimmed(text: str, region: Region) -> EvidenceSpan:
    segment = text[region.start : region.end]
    start = region.start + len(segment) - len(segment.lstrip())
    end = region.start + len(segment.rstrip())
    return EvidenceSpan(start, end, text[start:end])


def aggregate_stances(text: str, hits: Sequence[StanceHit]) -> list[StancePrediction]:
    """One label per holder: the explicit label cued most often (ties: the first)."""
    by_holder: dict[str, list[StanceHit]] = {}
    for hit in sorted(hits, key=lambda h: h.position):
        by_holder.setdefault(hit.holder.key, []).append(hit)
    out = []
    for group in by_holder.values():
        explicit = [h for h in group if h.label != "NEUTRAL"] or group
        counts = Counter(h.label for h in explicit)
        first = {label: min(h.position for h in explicit if h.label == label) for label in counts}
        label = sorted(counts, key=lambda lab: (-counts[lab], first[lab]))[0]
        chosen = [h for h in explicit if h.label == label]
        regions = sorted({(h.sentence.start, h.sentence.end) for h in chosen})
        evidence = tuple(_trimmed(text, Region(s, e)) for s, e in regions)
        out.append((group[0].position, StancePrediction(group[0].holder.name, label, evidence)))
    return [p for _, p in sorted(out, key=lambda x: (x[0], x[1].holder))]


def full_names(entities: Sequence[EntityPrediction]) -> dict[str, str]:
    """Lowercase surname → the longest personal name of the document ending in it."""
    persons = sorted({e.text or "" for e in entities if e.type == "PERSON"})
    out: dict[str, str] = {}
    for name in persons:
        bare = re.sub(r"^(?:al|el)-", "", name.lower())
        for other in persons:
            lowered = other.lower()
            ends = lowered.endswith((" " + bare, "-" + bare, " " + name.lower()))
            if ends and len(other) > len(out.get(name.lower(), name)):
                out[name.lower()] = other
    return out


def extract_stances(
    text: str, layout: Layout, entities: Sequence[EntityPrediction]
) -> list[StancePrediction]:
    ctx = StanceContext(text, layout, tuple(entities), full_names(entities))
    return aggregate_stances(text, stance_hits(ctx))


# =====================================================================
# The system
# =====================================================================


class RulesSystem:
    """Hand-written rules for all four layers: the floor other systems must beat.

    Entities come from capitalised sequences typed by titles, head nouns,
    nationality suffixes, acronyms and neighbouring words; timexes from
    regular expressions resolved against the dct; troop counts from
    number + troop-noun patterns; stances from a cue lexicon attributed to the
    speaker of the sentence. Standard library only, deterministic.

    It cannot type names that carry no cue (a bare "Hamas" defaults to GPE),
    resolve coreference beyond surnames, "he/she" and "there", read numbers
    written in words, or see stances not worded like its cues.
    """

    name = "rules"
    version = "1.0"
    layers: tuple[str, ...] = ("entities", "timexes", "troop_counts", "stances")
    parallel = "process"

    def extract(self, document: Document) -> Prediction:
        text = document.text
        layout = Layout.of(text)
        entities = extract_entities(text, layout)
        troop_ctx = TroopContext(text, document.dct, layout, tuple(entities))
        return Prediction(
            doc_id=document.doc_id,
            entities=entities,
            timexes=extract_timexes(text, document.dct, layout),
            troop_counts=extract_troops(troop_ctx),
            stances=extract_stances(text, layout, entities),
        )
