"""Entities layer of the rules system: capitalised runs cut into segments and typed by cues."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from benchmark.predictions import EntityPrediction
from systems.rules.text import Layout, Region
from systems.rules.words import (
    BACKED,
    COUNTRY_ABBREVIATIONS,
    FAC_AFTER,
    FAC_HEADS,
    FUNCTION_WORDS,
    GPE_AFTER,
    GPE_BEFORE,
    GPE_HEADS,
    LOC_HEADS,
    LOCATIVE_PREPOSITIONS,
    LOWER_TITLES,
    MONTHS,
    NORP_SUFFIX,
    NOT_NAMES,
    OF_HEADS,
    ORG_AFTER,
    ORG_HEADS,
    ORG_MODIFIERS,
    PARTICLES,
    REPORTING_RE,
    STRONG_NORP_SUFFIX,
    TITLE_MODIFIERS,
    TITLE_WORDS,
)


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
_TITLE_ABBREVIATIONS = frozenset(w[:-1] for w in TITLE_WORDS if w.endswith("."))


def _clean_word(word: str) -> tuple[str, bool, bool]:
    """Strip sentence periods and possessives: (word, possessive, bare apostrophe)."""
    keeps_period = (
        re.fullmatch(r"(?:[A-Z]\.)+(?:-\S+)?", word) is not None
        or word[:-1].lower() in _TITLE_ABBREVIATIONS
        or word[:-1].lower() in MONTHS
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
        elif piece.lower() in PARTICLES and following[:1].isupper():
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
                and current[-1].lower in OF_HEADS
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
    if word in TITLE_WORDS:
        return True
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].lower if i > 0 else ""
    prev2 = tokens[i - 2].lower if i > 1 else ""
    if word in TITLE_MODIFIERS:
        return (
            nxt in TITLE_WORDS
            or _is_title_modifier_chain(tokens, i + 1)
            or (prev == "of" and prev2 in TITLE_WORDS)
        )
    return word == "of" and prev in TITLE_WORDS and nxt in TITLE_MODIFIERS


def _is_title_modifier_chain(tokens: Sequence[Token], i: int) -> bool:
    while i < len(tokens) and tokens[i].lower in TITLE_MODIFIERS:
        i += 1
    return i < len(tokens) and tokens[i].lower in TITLE_WORDS and i > 0


def split_run(run: list[Token]) -> list[Segment]:
    """Cut a run at function words, date words and titles; mark names after titles."""
    segments: list[Segment] = []
    current: list[Token] = []
    after_title = False
    pending_title = False
    for i, tok in enumerate(run):
        lead_function = not current and tok.lower in FUNCTION_WORDS and not tok.is_acronym
        if lead_function or tok.lower in NOT_NAMES or _is_title(run, i):
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
            (FAC_HEADS, "FAC"),
            (ORG_HEADS, "ORG"),
            (GPE_HEADS, "GPE"),
            (LOC_HEADS, "LOC"),
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
    if tok.is_acronym or (tok.compound) or not NORP_SUFFIX.search(word) or len(word) < 4:
        return False
    if word in ctx.surnames or word.startswith(tuple(p + "-" for p in PARTICLES)):
        return False
    return word in ctx.norp_words or STRONG_NORP_SUFFIX.search(word) is not None


def _collect_norp_words(text: str, tokens: Sequence[Token]) -> set[str]:
    """Suffix words used attributively ("Iraqi militia") or in the plural ("Iraqis")."""
    found = set()
    for i, tok in enumerate(tokens):
        if not tok.cap or tok.compound or tok.is_acronym or not NORP_SUFFIX.search(tok.lower):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        attributive = (
            nxt is not None
            and not nxt.cap
            and not tok.poss
            and text[tok.end : nxt.start] == " "
            and not REPORTING_RE.fullmatch(nxt.text)
            and nxt.lower not in FUNCTION_WORDS | {"has", "had", "is", "was", "are", "were"}
        )
        hyphen = tok.after_hyphen in BACKED
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
        if words[0].lower in ORG_MODIFIERS or words[0].lower.endswith("ic"):
            seg.guess("ORG", MEDIUM)
        seg.guess("PERSON", WEAK)
    if seg.after_title and not seg.before_title and not head:
        seg.guess("PERSON", STRONG)
    following = _next_words(text, last.end)
    nxt = following.split(" ")[0] if following else ""
    before = text[max(0, first.start - 30) : first.start]
    if not last.poss and text[last.end : last.end + 1] == " ":
        if nxt in GPE_AFTER:
            seg.guess("GPE", STRONG)
        elif following.startswith(FAC_AFTER) and not head:
            absorbed = next(f for f in FAC_AFTER if following.startswith(f))
            seg.extra_end = last.end + 1 + len(absorbed)
            seg.guess("FAC", STRONG + 1)
        elif following.startswith(ORG_AFTER) and first.glue_left and not _looks_norp(words[0], ctx):
            seg.guess("ORG", MEDIUM)
    if re.search(r"\(\s*$", text[first.start - 2 : first.start]) is None and re.match(
        r"\s*\(\s*[A-Z]{2,}[A-Z\-]*\s*\)", text[last.end : last.end + 15]
    ):
        seg.guess("ORG", MEDIUM)
    if GPE_BEFORE.search(before):
        seg.guess("GPE", STRONG)
    prev = _prev_words(text, first.start, 2)
    if prev and prev[-1].endswith(tuple("-" + b for b in BACKED)):
        seg.guess("ORG", MEDIUM)
    if prev and prev[-1] in LOWER_TITLES and text[first.start - 1] == " ":
        seg.guess("PERSON", MEDIUM)
    if prev and prev[-1] == "the" and len(words) > 1 and not seg.after_title:
        seg.guess("ORG", MEDIUM)


def _classify_single(seg: Segment, ctx: EntityContext) -> None:
    """Cues for a one-word name."""
    tok = seg.words[0]
    text = ctx.text
    word = tok.lower
    bare = re.sub(r"^(?:al|el)-", "", word)
    if tok.is_dotted or tok.text in COUNTRY_ABBREVIATIONS:
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
    if prev and prev[-1] in LOCATIVE_PREPOSITIONS and gap == " " and tok.glue_left:
        seg.guess("GPE", MEDIUM)
    if prev and prev[-1] == "the" and gap == " " and tok.glue_left and tok.glue_right:
        seg.guess("ORG", MEDIUM)
    following = _next_words(text, tok.end, 1)
    if following and REPORTING_RE.fullmatch(following) and not tok.poss:
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
        seg.tokens[0].is_dotted or seg.tokens[0].text in COUNTRY_ABBREVIATIONS
    ):
        return [seg]
    out: list[Segment] = []
    tokens = list(seg.tokens)
    stacked = False
    while len(tokens) > 1:
        tok = tokens[0]
        is_abbreviation = (tok.is_dotted or tok.text in COUNTRY_ABBREVIATIONS) and tokens[1].cap
        is_norp = tok.lower in ctx.norp_words and _looks_norp(tok, ctx)
        if not (is_abbreviation or is_norp):
            break
        out.append(Segment([tok], after_title=False, sentence_initial=tok.initial))
        tokens = _trim_of(tokens[1:])
        if out and not is_abbreviation and len(tokens) == 1 and not _head_type(Segment(tokens)):
            # stacked adjectives before a common noun: "Iraqi Shia cleric"
            nxt = _next_words(ctx.text, tokens[0].end, 1)
            stacked = bool(nxt) and nxt.islower() and nxt not in FUNCTION_WORDS
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
        a.lower() for a in COUNTRY_ABBREVIATIONS
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
        if len(words) < 2 or _head_type(seg) or words[0].lower in ORG_MODIFIERS:
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
