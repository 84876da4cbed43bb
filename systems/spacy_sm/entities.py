"""Entities layer of spacy-sm: OntoNotes entities, trimmed to the spec's conventions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmark.predictions import EntityPrediction
from systems.ontonotes import map_label

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


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


def entities_of(parsed: Sequence[tuple[int, Doc]], text: str) -> list[EntityPrediction]:
    """Entity mentions of every parsed line: mapped, trimmed, surnames relabelled, deduplicated."""
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
