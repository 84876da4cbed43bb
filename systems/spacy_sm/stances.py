"""Stances layer of spacy-sm: speaker attribution from the parse and a cue lexicon."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmark.predictions import (
    EvidenceSpan,
    StancePrediction,
)
from systems.ontonotes import map_label
from systems.spacy_sm.entities import clean_entity_span, trim_surface
from systems.spacy_sm.text import strip_span
from systems.spacy_sm.troops import _DEMONYMS, _entity_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


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


def stances_of(parsed: Sequence[tuple[int, Doc]], text: str) -> list[StancePrediction]:
    """One stance per holder over the parsed lines (he/she reach back one paragraph)."""
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
            s, e = strip_span(text, offset + h.start, offset + h.end)
            hits.append(StanceHit(h.holder, h.label, s, e))
    return aggregate_stances(hits, text)
