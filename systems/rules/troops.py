"""Troop-counts layer of the rules system: a number and a troop noun, with its attributes."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from benchmark.predictions import (
    EntityPrediction,
    TroopPrediction,
)
from systems.rules.entities import _derived_gpes
from systems.rules.text import Layout
from systems.rules.words import COUNTRY_ABBREVIATIONS, DEMONYM_COUNTRIES, NORP_SUFFIX

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
        if re.fullmatch(r"(?:[A-Z]\.){2,}", word) or bare in COUNTRY_ABBREVIATIONS:
            return word.replace(".", "") if "." in word else word
        if word.lower() in DEMONYM_COUNTRIES:
            return DEMONYM_COUNTRIES[word.lower()]
        country = _country_of(word, ctx)
        if country:
            return country
    return None


def _country_of(word: str, ctx: TroopContext) -> str | None:
    """The document's GPE name a nationality word points to (Iraqi → Iraq)."""
    if not NORP_SUFFIX.search(word.lower()):
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
