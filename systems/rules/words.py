"""Closed-class word lists of the rules system: months, titles, head nouns, reporting verbs."""

from __future__ import annotations

import re


def wordset(words: str) -> frozenset[str]:
    """A closed word class written as whitespace-separated words."""
    return frozenset(words.split())


MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOLIDAYS = {  # fixed-date holidays: (month, day)
    "christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
    "new year's day": (1, 1), "new year\u2019s day": (1, 1), "new year's eve": (12, 31),
    "new year\u2019s eve": (12, 31), "halloween": (10, 31), "valentine's day": (2, 14),
}  # fmt: skip
NOT_NAMES = frozenset(
    {*MONTHS, *(m + "." for m in MONTHS), *WEEKDAYS, "christmas", "easter", "ramadan",
     "thanksgiving", "halloween", "today", "tonight", "yesterday", "tomorrow", "i"}
)  # fmt: skip

# Capitalised only because they open a sentence or a quote.
FUNCTION_WORDS = wordset(
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
TITLE_WORDS = wordset(
    """secretary minister president premier deputy chairman chairwoman chairperson spokesman
    spokeswoman spokesperson chief commander director ambassador senator representative
    governor general gen. major maj. lieutenant lt. colonel col. captain capt. sergeant sgt.
    admiral adm. brig. cmdr. mr. mrs. ms. dr. prof. sen. rep. gov. king queen prince
    princess sheikh ayatollah imam pope speaker mayor judge envoy adviser advisor cleric
    lawmaker undersecretary"""
)
# Words that are part of a title only next to a title word ("Defense Secretary").
TITLE_MODIFIERS = wordset(
    """defense defence state foreign interior finance justice treasury energy commerce health
    education homeland security press prime vice caretaker acting former army navy air
    national"""
)
LOWER_TITLES = wordset(
    """spokesman spokeswoman spokesperson minister president secretary official leader cleric
    commander general chairman premier envoy ambassador lawmaker senator adviser advisor
    director chief"""
)
ORG_HEADS = wordset(
    """ministry department parliament forces force agency commission council corps committee
    party army navy command guard guards units unit brigade brigades battalion division
    movement front organization organisation union association bank group office center
    centre institute university court senate congress assembly alliance coalition
    chiefs staff militia operation operations authority service services bureau cabinet
    government times post journal news herald tribune gazette network company corporation
    foundation fund league mission administration police"""
)
GPE_HEADS = wordset("republic kingdom states emirates region province governorate city county")
LOC_HEADS = wordset("east west strip gulf sea ocean river peninsula mountains valley desert")
FAC_HEADS = wordset("base airport airbase bridge palace embassy tower hospital prison camp")
# A sequence joined by "of" stays one name after these ("Republic of Iraq").
OF_HEADS = TITLE_WORDS | wordset(
    "republic kingdom ministry department chiefs university bank council court office"
)
# Adjectives that start organisation names rather than personal names.
ORG_MODIFIERS = wordset(
    """national federal popular democratic republican revolutionary united higher supreme
    joint combined great central islamic"""
)
GPE_AFTER = wordset("province district governorate city region town village county")
FAC_AFTER = ("air base", "airbase", "airport")
ORG_AFTER = ("news agency", "agency", "militia", "militias", "movement", "party", "forces")
GPE_BEFORE = re.compile(r"\b(?:city|town|province|village|capital|district) of\s+$", re.I)
LOCATIVE_PREPOSITIONS = wordset(
    "in from to into inside within across near toward towards throughout outside"
)
BACKED = wordset("backed linked aligned affiliated allied sponsored funded supported")
PARTICLES = wordset("al el ad an ar as ash at az ud ul bin ibn")
COUNTRY_ABBREVIATIONS = frozenset({"US", "USA", "UK", "UAE", "DRC", "PRC", "ROK", "DPRK"})
DEMONYM_COUNTRIES = {"american": "US", "americans": "US", "british": "UK", "briton": "UK"}
REPORTING = (
    r"said|says|say|told|tells|added|adds|adding|denied|denies|deny|maintains|maintained|"
    r"noted|notes|stated|states|announced|announces|demanded|demands|requested|requests|"
    r"insisted|insists|stressed|acknowledged|confirmed|confirms|reiterated|argued|warned|"
    r"claimed|claims|signals|signaled|signalled|urged|urges|believes|believed|declared"
)
REPORTING_RE = re.compile(rf"\b(?:{REPORTING})\b", re.IGNORECASE)
NORP_SUFFIX = re.compile(r"(?:ians?|eans?|cans?|ese|ish|is?|erns?)$")
STRONG_NORP_SUFFIX = re.compile(r"(?:ians?|eans?|cans?|ese|ish)$")
