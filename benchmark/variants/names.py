"""Transformation ``names``: every PERSON gets a surrogate name, the same in all its mentions.

Names are rewritten token by token. Each person's tokens (the letters of its
registry name, aliases and mention texts, split at spaces, hyphens and
apostrophes) get surrogate tokens; particles (``al``, ``Abu``, ``Abdul``,
``bin``, ``ibn``, ``el``) and initials ("W.") are kept. So "Muqtada al-Sadr",
"al-Sadr", "Sadr" and "Sadr’s" become "Yawer al-Raatib", "al-Raatib",
"Raatib", "Raatib’s": full name, surname alone and possessive still agree.
Every occurrence of a person's name anywhere in the text is rewritten, inside
other annotations too (an evidence span, an organisation named after the
person); the registry entry of the person is renamed (name and every alias),
an organisation whose mention changed gains the new form as an alias, and the
dct-evidence notes follow. Stance holders keep their ids; their mentions
follow the text.

Surrogates come from ``faker`` (an optional dependency, pinned exactly so
that a seed gives the same bytes everywhere): a name with an Arabic particle,
or none of whose tokens is a given name or surname of faker's ``en_US``,
``en_GB``, ``en_IE`` or ``en_NZ`` locales, draws from ``en_PK`` (romanised
Arabic and Urdu names); other names draw from ``en_US``, female given names
for female given names. A surrogate token is never a token of any person of
the document, a word of the original text or a word of any registry alias,
and never repeats within the document.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from benchmark.gold import RegistryEntry
from benchmark.install import as_installed
from benchmark.variants.base import RewriteStep, TransformError, draw, word_pattern
from benchmark.variants.core import Edit, Rewrite, Source, apply_edits, registry_following

#: The command that installs faker here (:func:`benchmark.install.as_installed`).
INSTALL = as_installed('pip install "troopbench[variants]"')
FAKER_PIN = "40.54.0"
PARTICLES = frozenset({"al", "Al", "el", "El", "Abu", "Abdul", "bin", "ibn", "bint"})
ARABIC_PARTICLES = PARTICLES
#: A name with a token from one of these locales' lists is English-speaking.
ENGLISH_LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ")
_TOKEN = re.compile(r"[^\W\d_]+")
_PLAIN = re.compile(r"^[A-Z][a-z]{2,}$")


class FakerMissing(RuntimeError):
    """faker is not installed; the message says how to install it."""


@cache
def _faker() -> Any:
    try:
        import faker
    except ImportError as exc:
        raise FakerMissing(
            f"the names transformation needs faker, which is not installed here; "
            f"install it with: {INSTALL}"
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
def _generator(locale: str) -> Any:
    """One faker generator per locale (re-seeded before every use)."""
    return _faker().Faker(locale)


def faker_version() -> str:
    """The installed faker version (part of the suite's signature)."""
    return str(_faker().VERSION)


def tokens(name: str) -> list[str]:
    """The name tokens that get surrogates (particles and initials excluded)."""
    return [t for t in _TOKEN.findall(name) if t not in PARTICLES and len(t) > 1]


def locale_for(names: tuple[str, ...]) -> str:
    """``en_PK`` for Arabic names (see module doc), else ``en_US``."""
    words = {w for n in names for w in _TOKEN.findall(n)}
    if words & ARABIC_PARTICLES:
        return "en_PK"
    for english in ENGLISH_LOCALES:
        male, female, last = _locale_lists(english)
        if words & (male | female | last):
            return "en_US"
    return "en_PK"


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
            stripped = re.sub(r"(?:['’]s|['’])$", "", n)
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
    words = {w.casefold() for w in _TOKEN.findall(source.gold.document.text)}
    for entry in source.registry.entries.values():
        for alias in (entry.name, *entry.aliases):
            words |= {w.casefold() for w in _TOKEN.findall(alias)}
    return words


def _surrogate_maps(source: Source, seed: int, key: str) -> dict[str, dict[str, str]]:
    """entity id → (original token → surrogate token)."""
    taken = _taken_words(source)
    persons = _persons(source)
    maps: dict[str, dict[str, str]] = {}
    for p_index, person in enumerate(persons):
        entry = source.registry.entries[person.entity]
        locale = locale_for((entry.name, *entry.aliases))
        male, female, _ = _locale_lists(locale)
        us_male, us_female, _ = _locale_lists("en_US")
        generator = _generator(locale)
        generator.seed_instance(draw(f"{key}|{person.entity}", p_index, 2**32))
        mapping: dict[str, str] = {}
        for token in (*person.given, *([person.surname] if person.surname else [])):
            is_female = token in us_female and token not in us_male
            for _ in range(1000):
                if token == person.surname:
                    candidate = generator.last_name()
                elif is_female and female:
                    candidate = generator.first_name_female()
                else:
                    candidate = generator.first_name_male() if male else generator.first_name()
                if _PLAIN.match(candidate) and candidate.casefold() not in taken:
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
        Edit(start + m.start(), start + m.end(), mapping[m.group()])
        for m in _TOKEN.finditer(text[start:end])
        if m.group() in mapping
    ]


def rename(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with every mapped token replaced (particles, punctuation, case of rest kept)."""
    return _TOKEN.sub(lambda m: mapping.get(m.group(), m.group()), text)


def _occurrences(text: str, persons: list[_Person]) -> list[tuple[int, int, str]]:
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
    """Replace every PERSON by a faker surrogate, consistently across its mentions."""

    name: str = "names"
    version: str = f"1+faker{FAKER_PIN}"

    def rewrite(self, source: Source, seed: int) -> Rewrite:
        doc = source.gold.document
        key = f"{self.name}|{self.version}|{doc.doc_id}|{seed}"
        maps = _surrogate_maps(source, seed, key)
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
