"""Contrast suite v2: plausible surrogate names, on made-up texts.

Gender from the text (honorifics, pronouns), the source by name origin
(Arabic names get gendered Arabic surrogates from the name dictionary,
Western names Western ones), apostrophes of a name never glued onto a
surrogate, typo-like surrogates filtered.
"""

from __future__ import annotations

import datetime as dt

import pytest

from benchmark.corpus import Document
from benchmark.gold import GoldDocument, Registry, RegistryEntry
from benchmark.layers.entities import EntityMention
from benchmark.spans import Span
from benchmark.variants.core import Source
from benchmark.variants.names import (
    TYPO_LIKE,
    Names,
    _pools,
    arabic_given_names,
    dictionary,
    english_words,
    gender_in_text,
    origin,
)

pytest.importorskip("faker")
pytest.importorskip("gender_guesser")

SEEDS = range(25)


def made_up(text: str, people: dict[str, tuple[str, tuple[str, ...]]]) -> Source:
    """``people``: id → (registry name, aliases); every alias and name is a mention where
    it first occurs as a whole (longest first, no overlaps)."""
    entries = {
        pid: RegistryEntry(pid, name, "PERSON", aliases) for pid, (name, aliases) in people.items()
    }
    mentions = []
    taken: list[tuple[int, int]] = []
    forms = sorted(
        ((f, pid) for pid, (n, a) in people.items() for f in {n, *a}), key=lambda x: -len(x[0])
    )
    for form, pid in forms:
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            if all(end <= s or e <= start for s, e in taken):
                taken.append((start, end))
                mentions.append(EntityMention(Span(start, end, form), "PERSON", pid))
            start = text.find(form, end)
    mentions.sort(key=lambda m: m.span.start)
    document = Document("950_names", text, text.split("\n")[0], dt.date(2022, 5, 4), "exact")
    gold = GoldDocument(document, tuple(mentions), (), (), ())
    return Source(gold, Registry(entries))


def surrogates(source: Source, seed: int) -> dict[str, str]:
    """Each person's new registry name."""
    out = Names().transform(source, seed)
    return {pid: out.registry.entries[pid].name for pid in source.registry.entries}


MALE, FEMALE = (frozenset(n) for n in arabic_given_names())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prime Minister Karim Haddad said his government would decide.", "male"),
        ("Karim Haddad left early. She said nothing about the vote.", "female"),
        ("Pentagon spokeswoman Dana Rivers declined to comment.", "female"),
        ("Mr. Rivers declined; she later said he was wrong.", "male"),
        ("Dana Rivers declined to comment.", ""),
    ],
)
def test_gender_in_text_table(text: str, expected: str) -> None:
    name = "Karim Haddad" if "Karim" in text else "Dana Rivers" if "Dana" in text else "Rivers"
    start = text.index(name)
    assert gender_in_text(text, [(start, start + len(name))], []) == expected


def test_pronouns_of_another_person_do_not_count() -> None:
    text = "Lina Saleh met Omar Aziz. He said the talks failed."
    omar = text.index("Omar")
    lina = (0, len("Lina Saleh"))
    assert gender_in_text(text, [lina], [omar]) == ""
    assert gender_in_text(text, [(omar, omar + 9)], []) == "male"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("Hamid al-Tikriti",), "arabic"),  # an Arabic particle
        (("Yusuf Haddad",), "arabic"),  # the dictionary's Arabia/Persia column
        (("Layla Mansour",), "arabic"),
        (("Gregory Miller",), "western"),
        (("Zoltrak Venn",), "western"),  # unknown to every list
        (("Ashley Farah",), "western"),  # the first name the dictionary places decides
    ],
)
def test_origin_table(names: tuple[str, ...], expected: str) -> None:
    assert origin(names) == expected


def test_a_man_with_an_arabic_name_gets_a_male_arabic_surrogate() -> None:
    source = made_up(
        "Prime Minister Samir Nadim al-Faraj said his country wants the troops out. "
        "Al-Faraj’s office confirmed it.",
        {"samir": ("Samir Nadim al-Faraj", ("Samir Nadim al-Faraj", "al-Faraj", "Al-Faraj"))},
    )
    for seed in SEEDS:
        given, father, surname = surrogates(source, seed)["samir"].replace("al-", "").split()
        assert given in MALE and father in MALE and surname in MALE, (seed, given)


def test_a_woman_with_an_arabic_name_gets_a_female_arabic_surrogate() -> None:
    source = made_up(
        "Minister Rana Khalil said her ministry was ready. Khalil spoke in Erbil.",
        {"rana": ("Rana Khalil", ("Rana Khalil", "Khalil"))},
    )
    for seed in SEEDS:
        given, surname = surrogates(source, seed)["rana"].split()
        assert given in FEMALE and surname in MALE, (seed, given)


def test_western_names_get_western_surrogates_of_their_gender() -> None:
    from faker.providers.person.en_US import Provider

    source = make_pair()
    for seed in SEEDS:
        found = surrogates(source, seed)
        for pid, pool in (("tom", Provider.first_names_male), ("ann", Provider.first_names_female)):
            given, surname = found[pid].split()
            assert given in pool and surname in Provider.last_names, (seed, found[pid])
            assert given not in MALE | FEMALE


def make_pair() -> Source:
    return made_up(
        "Senator Thomas Whitfield said he would vote no. Ann Corrigan said she agreed.",
        {
            "tom": ("Thomas Whitfield", ("Thomas Whitfield",)),
            "ann": ("Ann Corrigan", ("Ann Corrigan",)),
        },
    )


def test_an_apostrophe_of_a_name_goes_with_it_and_the_possessive_stays() -> None:
    """ "Sabah’" (a transliteration mark) and "Sabah" are one token with one surrogate; the
    surrogate carries no apostrophe; "’s" stays a possessive."""
    text = "Colonel Hadi Sabah’ al-Dulaimi spoke. He said al-Dulaimi’s men were ready."
    source = made_up(
        text,
        {
            "hadi": (
                "Hadi Sabah al-Dulaimi",
                ("Hadi Sabah’ al-Dulaimi", "al-Dulaimi", "Hadi Sabah al-Dulaimi"),
            )
        },
    )
    for seed in SEEDS:
        out = Names().transform(source, seed).gold.document.text
        name = out.split("Colonel ")[1].split(" spoke")[0]
        _given, father, surname = name.split()
        assert "’" not in name and "'" not in name, out
        assert father in MALE
        assert f"{surname}’s men" in out, out


def test_typo_like_and_word_like_surrogates_are_never_drawn() -> None:
    words = english_words()
    assert {"man", "will"} <= words
    for kind in ("arabic", "western"):
        for role, pool in _pools(kind).items():
            assert pool, (kind, role)
            assert not [n for n in pool if TYPO_LIKE.match(n) or n.lower() in words]
    surnames = set(_pools("western")["surname"])
    assert not {"Obrien", "Mcdaniel", "Oconnor", "Macdonald"} & surnames
    assert {"Miller", "Ortiz", "Owens"} <= surnames


def test_the_arabic_lists_come_from_the_dictionary_gendered() -> None:
    """About 590 male and 400 female names; each has one gender and an Arabia/Persia
    frequency of at least 3 in the dictionary."""
    entries = dictionary()
    assert 500 < len(MALE) < 700 and 300 < len(FEMALE) < 500
    for name in ("Mohammed", "Mahmoud", "Hussein"):
        assert name in MALE
    for name in ("Fatima", "Zainab", "Layla"):
        assert name in FEMALE
    for name in MALE | FEMALE:
        assert len(entries[name].genders) == 1 and entries[name].arabia >= 3
