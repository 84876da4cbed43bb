"""Transformation ``names``: every PERSON gets a surrogate name, the same in all its mentions.

Names are rewritten token by token. Each person's tokens (the letters of its
registry name, aliases and mention texts, split at spaces and hyphens) get
surrogate tokens; particles (``al``, ``Abu``, ``Abdul``, ``bin``, ``ibn``,
``el``) and initials ("W.") are kept. So "Muqtada al-Sadr", "al-Sadr", "Sadr"
and "Sadr’s" become "Yaser al-Hamdi", "al-Hamdi", "Hamdi", "Hamdi’s": full
name, surname alone and possessive still agree. An apostrophe inside or at
the end of a name token ("Shia’", "Ja’afari": a transliterated hamza or ayn)
belongs to the token and goes with it; the possessive "’s" stays outside, so
no punctuation of the original is glued onto a surrogate. Every occurrence
of a person's name anywhere in the text is rewritten, inside other
annotations too (an evidence span, an organisation named after the person);
the registry entry of the person is renamed (name and every alias), an
organisation whose mention changed gains the new form as an alias, and the
dct-evidence notes follow. Stance holders keep their ids; their mentions
follow the text.

Where surrogates come from (both sources pinned exactly, so that a seed gives
the same bytes everywhere):

* **Arabic names**: the name dictionary of Jörg Michael (``nam_dict.txt``,
  2008, GNU Free Documentation License 1.2), as shipped in the
  ``gender-guesser`` package: first names with their gender and a frequency
  per country. A given name is an Arabic surrogate when the dictionary gives
  it one gender only, its "Arabia/Persia" frequency is 3 or more (at least
  about 1 in 8,000 there, on the dictionary's logarithmic scale) and it is at
  most 1 in Great Britain, Ireland and the USA; about 590 male and 400 female
  names. Surnames are male given names of that list, as Arabic surnames so
  often are (a father's or ancestor's name: "al-Hassan", "Abdul-Karim").
* **Western names**: faker's ``en_US`` lists, male or female given names and
  surnames.

Which source: a name with an Arabic particle is Arabic; otherwise its tokens
are looked up in order in the dictionary and the first one it places decides
(Arabic when its Arabia/Persia frequency is above its frequency in Great
Britain, Ireland and the USA, Western when below); a token the dictionary
does not know but faker's English-speaking locales list (``en_US``,
``en_GB``, ``en_IE``, ``en_NZ``) is Western; a name that nothing places is
Western ("Barack Obama": the dictionary has "Barack" for other countries
only, "Obama" not at all).

Gender comes from the text (:func:`gender_in_text`): an honorific or gendered
title right before a mention ("Mr.", "Sheikh", "spokeswoman") decides;
otherwise the pronouns after the person's mentions ("he", "his" against
"she", "her"), up to the end of the next sentence or the next other person's
mention, by majority; with no evidence either way, the dictionary's gender
of the original given name, else male. The first given name takes the
person's gender; the further given names of an Arabic name are a father's
and grandfather's names (the "Shia" of "Mohammed Shia al-Sudani") and are
always male.

Surrogates that read as typos are filtered: faker's ``en_US`` surnames that
lost an inner capital or apostrophe ("Mcdaniel", "Obrien", "Oconnor") are
never drawn, nor any surrogate that is a common English word (faker's
``en_US`` lorem word list: "Man", "Will"). A surrogate token is never a token
of any person of the document, a word of the original text or a word of any
registry alias, and never repeats within the document.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from benchmark.gold import RegistryEntry
from benchmark.install import as_installed
from benchmark.variants.base import RewriteStep, TransformError, draw, seed_key, word_pattern
from benchmark.variants.core import Edit, Rewrite, Source, apply_edits, registry_following

#: The command that installs faker here (:func:`benchmark.install.as_installed`).
INSTALL = as_installed('pip install "troopbench[variants]"')
FAKER_PIN = "40.54.0"
GENDER_GUESSER_PIN = "0.4.0"
PARTICLES = frozenset({"al", "Al", "el", "El", "Abu", "Abdul", "bin", "ibn", "bint"})
ARABIC_PARTICLES = PARTICLES
#: A token faker's lists of these locales hold is Western (when the dictionary does not know it).
ENGLISH_LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ")
#: A name token: letters, with an apostrophe inside ("Ja’afari") or at the end ("Shia’") but
#: not the possessive "’s".
NAME_TOKEN = re.compile(r"[^\W\d_]+(?:[’'](?!s\b)[^\W\d_]+)*(?:[’'](?![^\W\d_]))?")
_WORD = re.compile(r"[^\W\d_]+")
_PLAIN = re.compile(r"^[A-Z][a-z]{2,}$")
#: faker en_US surnames whose inner capital or apostrophe was lost ("Mcdaniel", "Obrien").
TYPO_LIKE = re.compile(r"^(?:Mc[a-z]|Macd|O(?:brien|conn|donn|neal|neill|hara|keefe|leary|rourke))")
#: Columns of nam_dict.txt (0-based, after the 30-character name field).
_GB, _IE, _US, _ARABIA = 0, 1, 2, 47
#: Frequencies (nam_dict's scale, 1 … 13) that make a given name an Arabic surrogate.
ARABIC_MIN, WESTERN_MAX = 3, 1

MALE_HONORIFICS = frozenset(
    (
        *("mr", "sir", "sheikh", "shaikh", "king", "prince", "emir", "sultan", "ayatollah"),
        *("imam", "father", "brother", "spokesman", "chairman", "congressman"),
        *("businessman", "councilman"),
    )
)
FEMALE_HONORIFICS = frozenset(
    (
        *("mrs", "ms", "miss", "madam", "lady", "queen", "princess", "sister"),
        *("spokeswoman", "chairwoman", "congresswoman", "businesswoman", "councilwoman"),
    )
)
_MALE_PRONOUNS = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)
_FEMALE_PRONOUNS = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?:\s|$)|\n")


class FakerMissing(RuntimeError):
    """faker or gender-guesser is not installed; the message says how to install them."""


@cache
def _faker() -> Any:
    try:
        import faker
        import gender_guesser  # noqa: F401  (its name dictionary, see module doc)
    except ImportError as exc:
        raise FakerMissing(
            "the names transformation needs faker and gender-guesser, which are not "
            f"installed here; install them with: {INSTALL}"
        ) from exc
    return faker


@cache
def _locale_lists(locale: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(male given names, female given names, surnames) of a faker locale."""
    _faker()  # FakerMissing, with the install command, when faker is not installed
    module = __import__(f"faker.providers.person.{locale}", fromlist=["Provider"])
    provider = module.Provider
    male = frozenset(getattr(provider, "first_names_male", ()) or provider.first_names)
    female = frozenset(getattr(provider, "first_names_female", ()) or ())
    return male, female, frozenset(provider.last_names)


@cache
def english_words() -> frozenset[str]:
    """Common English words (faker's en_US lorem list), lower case."""
    _faker()
    from faker.providers.lorem.en_US import Provider

    return frozenset(w.lower() for w in Provider.word_list)


def faker_version() -> str:
    """The installed faker version (part of the suite's signature)."""
    return str(_faker().VERSION)


def gender_guesser_version() -> str:
    """The installed gender-guesser version (its dictionary is part of the suite)."""
    _faker()
    from importlib.metadata import version

    return version("gender-guesser")


@dataclass(frozen=True, slots=True)
class DictionaryName:
    """One first name of nam_dict.txt: its gender(s) and its frequencies that matter here."""

    genders: frozenset[str]  # "M", "F" (from M/1M/?M and F/1F/?F) and "?" (unisex)
    arabia: int
    western: int  # the highest of Great Britain, Ireland, USA


def _frequency(field: str) -> int:
    return 0 if field in ("", " ") else int(field, 16)


@cache
def dictionary() -> Mapping[str, DictionaryName]:
    """nam_dict.txt (module doc) by name: genders and frequencies."""
    _faker()
    from importlib.resources import files

    raw = (files("gender_guesser") / "data" / "nam_dict.txt").read_text(encoding="utf-8")
    genders: dict[str, set[str]] = {}
    arabia: dict[str, int] = {}
    western: dict[str, int] = {}
    for line in raw.splitlines():
        if not line or line[0] in "#=":
            continue
        code, name = line.split()[:2]
        if "+" in name:
            continue
        values = line[30:].rstrip("$ ")
        freq = [_frequency(values[i]) if i < len(values) else 0 for i in (_GB, _IE, _US, _ARABIA)]
        gender = code[-1] if code[-1] in "MF" else "?"
        genders.setdefault(name, set()).add(gender)
        arabia[name] = max(arabia.get(name, 0), freq[3])
        western[name] = max(western.get(name, 0), *freq[:3])
    return {n: DictionaryName(frozenset(g), arabia[n], western[n]) for n, g in genders.items()}


@cache
def arabic_given_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(male, female) Arabic given names of the dictionary (module doc), sorted."""
    male, female = [], []
    for name, entry in dictionary().items():
        if len(entry.genders) != 1 or not _PLAIN.match(name) or name in PARTICLES:
            continue
        if entry.arabia >= ARABIC_MIN and entry.western <= WESTERN_MAX:
            (male if entry.genders == {"M"} else female).append(name)
    return tuple(sorted(male)), tuple(sorted(female))


def _bare(token: str) -> str:
    """A token without its apostrophes ("Shia’" → "Shia"): "Shia" and "Shia’" are one token
    of one name, with one surrogate."""
    return token.replace("’", "").replace("'", "")


def tokens(name: str) -> list[str]:
    """The name tokens that get surrogates, bare (particles and initials excluded)."""
    return [_bare(t) for t in NAME_TOKEN.findall(name) if t not in PARTICLES and len(t) > 1]


def origin(names: Sequence[str]) -> str:
    """``arabic`` or ``western``: the surrogate source of a person's names (module doc)."""
    found = [t for n in names for t in NAME_TOKEN.findall(n)]
    if set(found) & ARABIC_PARTICLES:
        return "arabic"
    known = dictionary()
    english: set[str] = set()
    for locale in ENGLISH_LOCALES:
        male, female, last = _locale_lists(locale)
        english |= male | female | last
    for token in found:
        entry = known.get(_bare(token))
        if entry is not None and entry.arabia != entry.western:
            return "arabic" if entry.arabia > entry.western else "western"
        if entry is None and _bare(token) in english:
            return "western"
    return "western"


def gender_in_text(text: str, mentions: Sequence[tuple[int, int]], others: Sequence[int]) -> str:
    """``male``, ``female`` or ``""`` (no evidence) for the person mentioned at ``mentions``
    ((start, end) pairs); ``others``: where other persons' mentions start (module doc)."""
    male = female = 0
    for start, end in mentions:
        before = re.findall(r"[A-Za-z]+", text[max(0, start - 30) : start])
        if before:
            word = before[-1].lower()
            if word in MALE_HONORIFICS:
                return "male"
            if word in FEMALE_HONORIFICS:
                return "female"
        limit = min([o for o in others if o >= end] or [len(text)])
        stop = end
        for _ in range(2):  # the rest of this sentence and the next one
            found = _SENTENCE_END.search(text, stop, limit)
            stop = found.end() if found else limit
        window = text[end:stop]
        male += len(_MALE_PRONOUNS.findall(window))
        female += len(_FEMALE_PRONOUNS.findall(window))
    if male != female:
        return "male" if male > female else "female"
    return ""


@dataclass(frozen=True)
class _Person:
    entity: str
    forms: tuple[str, ...]  # every surface form, longest first
    given: tuple[str, ...]  # tokens drawn as given names (in order of first use)
    surname: str | None


def _persons(source: Source) -> list[_Person]:
    registry = source.registry
    gold = source.gold
    ids = {m.entity for m in gold.entities if m.type == "PERSON"}
    ids |= {s.holder for s in gold.stances if registry.types.get(s.holder) == "PERSON"}
    mention_forms: dict[str, set[str]] = {}
    for m in gold.entities:
        mention_forms.setdefault(m.entity, set()).add(m.span.text)
    out = []
    for entity in sorted(ids):
        entry = registry.entries[entity]
        names = {entry.name, *entry.aliases, *mention_forms.get(entity, ())}
        forms = set()
        for n in names:
            stripped = re.sub(r"(?:['’]s)$", "", n)
            if tokens(stripped):
                forms.add(stripped)
        canonical = tokens(entry.name)
        surname = canonical[-1] if len(canonical) > 1 else None
        given = [t for t in canonical if t != surname]
        for form in sorted(forms):
            given += [t for t in tokens(form) if t not in given and t != surname]
        out.append(
            _Person(entity, tuple(sorted(forms, key=lambda f: (-len(f), f))), tuple(given), surname)
        )
    return out


def _taken_words(source: Source) -> set[str]:
    words = {w.casefold() for w in _WORD.findall(source.gold.document.text)}
    for entry in source.registry.entries.values():
        for alias in (entry.name, *entry.aliases):
            words |= {w.casefold() for w in _WORD.findall(alias)}
    return words


def person_gender(text: str, person: _Person, occurrences: Sequence[tuple[int, int, str]]) -> str:
    """``male`` or ``female`` for a person (module doc: text, then dictionary, then male);
    ``occurrences``: every person's mentions in ``text`` (:func:`_occurrences`)."""
    spans = [(s, e) for s, e, entity in occurrences if entity == person.entity]
    others = sorted(s for s, _, entity in occurrences if entity != person.entity)
    found = gender_in_text(text, spans, others)
    if found:
        return found
    if person.given:
        entry = dictionary().get(person.given[0])
        if entry is not None and len(entry.genders - {"?"}) == 1:
            return "female" if entry.genders - {"?"} == {"F"} else "male"
    return "male"


@cache
def _pools(kind: str) -> dict[str, tuple[str, ...]]:
    """Candidate surrogates by role (``male``, ``female``, ``surname``) for ``kind``."""
    words = english_words()

    def keep(names: Sequence[str] | frozenset[str]) -> tuple[str, ...]:
        return tuple(
            n
            for n in sorted(names)
            if _PLAIN.match(n) and not TYPO_LIKE.match(n) and n.lower() not in words
        )

    if kind == "arabic":
        male, female = arabic_given_names()
        return {"male": keep(male), "female": keep(female), "surname": keep(male)}
    us_male, us_female, us_last = _locale_lists("en_US")
    return {"male": keep(us_male), "female": keep(us_female), "surname": keep(us_last)}


def _surrogate_maps(source: Source, key: str) -> dict[str, dict[str, str]]:
    """entity id → (original token → surrogate token)."""
    taken = _taken_words(source)
    persons = _persons(source)
    text = source.gold.document.text
    occurrences = _occurrences(text, persons)
    maps: dict[str, dict[str, str]] = {}
    for p_index, person in enumerate(persons):
        entry = source.registry.entries[person.entity]
        kind = origin((entry.name, *entry.aliases))
        gender = person_gender(text, person, occurrences)
        pools = _pools(kind)
        mapping: dict[str, str] = {}
        roles = [
            (t, gender if i == 0 or kind == "western" else "male")
            for i, t in enumerate(person.given)
        ]
        if person.surname:
            roles.append((person.surname, "surname"))
        for t_index, (token, role) in enumerate(roles):
            pool = pools[role]
            for attempt in range(1000):
                at = draw(f"{key}|{person.entity}|{p_index}|{t_index}", attempt, len(pool))
                candidate = pool[at]
                if candidate.casefold() not in taken:
                    break
            else:
                raise TransformError(f"no surrogate found for {token!r} of {person.entity!r}")
            taken.add(candidate.casefold())
            mapping[token] = candidate
        maps[person.entity] = mapping
    return maps


def token_edits(text: str, start: int, end: int, mapping: Mapping[str, str]) -> list[Edit]:
    """One edit per mapped token of ``text[start:end]`` (so no edit crosses a span boundary
    that falls between two tokens of a name)."""
    return [
        Edit(start + m.start(), start + m.end(), mapping[_bare(m.group())])
        for m in NAME_TOKEN.finditer(text[start:end])
        if _bare(m.group()) in mapping
    ]


def rename(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with every mapped token replaced, its apostrophes with it (particles, other
    punctuation and the rest kept)."""
    return NAME_TOKEN.sub(lambda m: mapping.get(_bare(m.group()), m.group()), text)


def _occurrences(text: str, persons: Sequence[_Person]) -> list[tuple[int, int, str]]:
    """(start, end, entity) of every person form in ``text``, longest forms first, no overlaps."""
    forms = sorted(
        ((f, p.entity) for p in persons for f in p.forms), key=lambda fe: (-len(fe[0]), fe)
    )
    taken: list[tuple[int, int, str]] = []
    for form, entity in forms:
        for m in word_pattern(form).finditer(text):
            if all(m.end() <= s or e <= m.start() for s, e, _ in taken):
                taken.append((m.start(), m.end(), entity))
    return sorted(taken)


@dataclass(frozen=True)
class Names(RewriteStep):
    """Replace every PERSON by a surrogate of its gender and name origin, in every mention."""

    name: str = "names"
    version: str = f"2+faker{FAKER_PIN}+gender-guesser{GENDER_GUESSER_PIN}"

    def rewrite(self, source: Source, seed: int, redraw: int = 0) -> Rewrite:
        doc = source.gold.document
        maps = _surrogate_maps(source, seed_key(self.name, self.version, doc.doc_id, seed, redraw))
        persons = _persons(source)
        edits = tuple(
            edit
            for s, e, entity in _occurrences(doc.text, persons)
            for edit in token_edits(doc.text, s, e, maps[entity])
        )
        notes = {}
        for ev in doc.dct_evidence:
            note_edits = [
                edit
                for s, e, entity in _occurrences(ev.note, persons)
                for edit in token_edits(ev.note, s, e, maps[entity])
            ]
            notes[(ev.span.start, ev.span.end)] = apply_edits(ev.note, note_edits)
        registry = registry_following(source, edits)
        entries = dict(registry.entries)
        for entity, mapping in maps.items():
            entry = entries[entity]
            aliases = tuple(dict.fromkeys(rename(a, mapping) for a in entry.aliases))
            entries[entity] = RegistryEntry(
                entry.id, rename(entry.name, mapping), entry.type, aliases
            )
        renamed = dataclasses.replace(registry, entries=entries)
        return Rewrite(edits=edits, notes=notes, registry=renamed)
