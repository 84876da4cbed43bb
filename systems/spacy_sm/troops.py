"""Troop-counts layer of spacy-sm: numbers attached by the parse to troop nouns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmark.predictions import TroopPrediction
from systems.spacy_sm.entities import trim_surface

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


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


def troop_counts_of(parsed: Sequence[tuple[int, Doc]], text: str) -> list[TroopPrediction]:
    """Troop counts of every parsed line, with document offsets."""
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
