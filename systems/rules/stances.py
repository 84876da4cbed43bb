"""Stances layer of the rules system: a cue lexicon attributed to the speaker of the sentence."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmark.predictions import (
    EntityPrediction,
    EvidenceSpan,
    StancePrediction,
)
from systems.rules.entities import _derived_gpes
from systems.rules.text import Layout, Region
from systems.rules.words import NORP_SUFFIX, REPORTING, REPORTING_RE, WEEKDAYS, wordset


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
_SUBJECT_GAP = wordset(
    """has have had is are was were will would does do did also still now again already it
    that been remains remain signals signaled signalled says said maintains believes insists
    reportedly officially formally clearly repeatedly however releasing released issued
    issuing a statement letter"""
) | frozenset(WEEKDAYS)


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
        stems = _derived_gpes({word.lower()}) if NORP_SUFFIX.search(word.lower()) else set()
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
    after = re.match(rf"\s*(?:{REPORTING})\s+", text[verb_start : verb_start + 20], re.I)
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
        for m in REPORTING_RE.finditer(ctx.text, start, end)
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
