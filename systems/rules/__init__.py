"""The rules baseline: regular expressions and closed-class word lists, nothing learned.

``RulesSystem`` attempts all four layers with the standard library only. It is
the floor every other troopbench system must beat, so it tries to be a serious
floor rather than a strawman. Everything it knows is generic: month and weekday
names, nationality suffixes, title words ("Secretary", "Gen."), organisation
head nouns ("Ministry", "Forces"), reporting verbs and a small stance-cue
lexicon. It holds no gazetteer of this corpus's names.

What it does, layer by layer:

* **Text structure** — boilerplate lines (donation buttons, "Click to see
  full-size image", "Credit:", URLs, comment and e-mail notices, "Scroll to
  Top", takedown notices) are skipped by generic patterns; the rest is split
  into sentences with an abbreviation-aware splitter.
* **Entities** — runs of capitalised words are cut at title words (the name
  after a title is a PERSON), leading determiners, possessives and hyphenated
  compounds ("Iran-backed" → "Iran"), then typed by head nouns (ORG "Ministry",
  GPE "Republic", LOC "Strip", FAC "Base"), nationality suffixes (NORP
  "-ian/-i/-ish"), acronyms (ORG, or GPE for dotted country abbreviations),
  datelines, neighbouring words ("Anbar province" → GPE, "Baghdad airport" →
  FAC, "the Pentagon" → ORG, "in Syria" → GPE) and document-level consistency
  (one type per surface; surnames inherit PERSON from the full name; "Iraq"
  is a GPE when the document says "Iraqi").
* **Timexes** — dates, months, years, weekdays, holidays, relative
  expressions, durations, sets and vague references, resolved against the
  document creation time into TIMEX3 values with mods.
* **Troop counts** — a number followed by a troop noun ("2,500 American
  troops"), or an elliptical number after one ("and 900 in Syria"), with its
  qualifier, force, location and time read off the surrounding words;
  casualties, attacks, people who are not troops and money are excluded.
* **Stances** — a cue lexicon (AGAINST / FAVOR / NEUTRAL toward withdrawing US
  troops) attributed to the speaker of the sentence (subject of a reporting
  verb, "X said" after a quote, the subject of an act such as "has no plans"
  or "passed a resolution"), one label per holder per document.

What it cannot do: it has no lexicon of English words or names, so unknown
single capitalised words are typed by position and default to GPE, and
organisations without a head noun ("Hamas", "Rudaw", "Kataib Hezbollah") are
often mistyped; it cannot resolve coreference beyond surnames, "he/she" and
"there"; its sentence splitter trusts capitalisation; stance cues must match
the lexicon's wording, so paraphrased positions, sarcasm, implicit stances and
unusual attributions are missed, and a cue in a clause governed by an unnamed
speaker is dropped; troop counts written in words ("five thousand") are not
read; relative dates are resolved mechanically against the dct, with past
preference for bare weekdays and months.
"""

from __future__ import annotations

from benchmark.corpus import Document
from benchmark.predictions import Prediction
from systems.rules.entities import extract_entities
from systems.rules.stances import extract_stances
from systems.rules.text import Layout
from systems.rules.timexes import extract_timexes
from systems.rules.troops import TroopContext, extract_troops


class RulesSystem:
    """Hand-written rules for all four layers: the floor other systems must beat.

    Entities come from capitalised sequences typed by titles, head nouns,
    nationality suffixes, acronyms and neighbouring words; timexes from
    regular expressions resolved against the dct; troop counts from
    number + troop-noun patterns; stances from a cue lexicon attributed to the
    speaker of the sentence. Standard library only, deterministic.

    It cannot type names that carry no cue (a bare "Hamas" defaults to GPE),
    resolve coreference beyond surnames, "he/she" and "there", read numbers
    written in words, or see stances not worded like its cues.
    """

    name = "rules"
    version = "1.0"
    layers: tuple[str, ...] = ("entities", "timexes", "troop_counts", "stances")
    parallel = "process"
    exposure = "developed"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = (
        "every pattern and word list was written and revised against the five test articles"
    )

    @staticmethod
    def probe() -> str:
        """Its version (benchmark.systems, "Listing without building"): always available."""
        return RulesSystem.version

    def extract(self, document: Document) -> Prediction:
        text = document.text
        layout = Layout.of(text)
        entities = extract_entities(text, layout)
        troop_ctx = TroopContext(text, document.dct, layout, tuple(entities))
        return Prediction(
            doc_id=document.doc_id,
            entities=entities,
            timexes=extract_timexes(text, document.dct, layout),
            troop_counts=extract_troops(troop_ctx),
            stances=extract_stances(text, layout, entities),
        )
