"""Stance baseline that learns: logistic regression over TF-IDF word n-grams of sentences.

What it does
------------
For a document D it

1. finds candidate holders in D's own text, with no gold: speaker
   attribution by regular expressions ("X said", "said X", "X told",
   "X denied", "X maintains", "X, the ..., noted", "according to X",
   "he/she said" → the last named person, "the Iraqi government maintains"
   → "Iraq"); the holder is the capitalised name X stripped of titles
   ("Pentagon Press Secretary Maj. Gen. Pat Ryder" → "Pat Ryder") and of a
   possessive owner ("The Pentagon's Singh" → "Singh"). Every sentence with
   an attribution is the holder's; a quoted sentence with none goes to the
   speaker of its paragraph. "Ryder" and "Pat Ryder" are one holder;
2. trains a scikit-learn pipeline (TF-IDF of word 1-2-grams, multinomial
   logistic regression, balanced class weights, ``C`` = 10, fixed
   ``random_state``) on the gold stance layer of every *other* document:
   each sentence overlapping a gold evidence span is an example of that
   stance's label (FAVOR, AGAINST, NEUTRAL); every other prose sentence is
   an example of ``NONE``;
3. classifies each candidate holder's sentences, and emits one stance per
   holder whose most probable non-NONE label, over its sentences, reaches
   the threshold (0.4, fixed before any evaluation and not tuned), with the
   sentences reaching it as evidence.

Leave-one-document-out guarantee
--------------------------------
When it extracts document D, nothing it uses comes from D's gold: the
training set is built from the gold files of the other documents only (a
gold document is left out when its doc_id *or* its text equals D's), and
the candidate holders come from D's text alone. The entity registry is not
used at all, so no alias that only D's annotation introduced can leak in.
Changing D's gold file cannot change D's prediction (the tests check this).

What it cannot do
-----------------
With five short articles it learns from a few dozen evidence sentences, so
it mostly keys on words such as "withdraw", "no plans" or "demanded"; it
cannot read negation or who wants what within a sentence; holders reached
only through a description, a long appositive or an act without a reporting
verb (a vote, a letter) are missed; holder names are surface strings (no
registry ids, no coreference beyond "he"/"she"); it needs the gold
annotations and is unavailable without them.

Its version ends in ``+gold<short hash>`` of the gold it learns from: the
predictions cache keys on (name, version, text), and a prediction made
before a gold edit must not be served after it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmark.corpus import Document
from benchmark.predictions import EvidenceSpan, Prediction, StancePrediction
from benchmark.systems import SystemUnavailable
from benchmark.variants.ids import origin_id
from systems.spacy_sm.stances import merge_holder_names
from systems.spacy_sm.text import is_boilerplate

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from benchmark.gold import Gold

NAME = "stance-lr"
SYSTEM_VERSION = "1.0"
NONE = "NONE"
THRESHOLD = 0.4
"""Minimum probability of a holder's best non-NONE label; fixed a priori, never tuned."""
C_VALUE = 10.0
RANDOM_STATE = 0
GOLD_HINT = "troopbench's own gold (gold/, see gold/FORMAT.md), or pass gold_dir= and seeds_dir="

# ---------------------------------------------------------------- sentences

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "maj",
    "lt",
    "col",
    "sgt",
    "capt",
    "adm",
    "brig",
    "cpl",
    "st",
    "jr",
    "sr",
    "sen",
    "rep",
    "gov",
    "no",
    "vol",
    "u.s",
    "u.k",
    "u.n",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "vs",
    "etc",
    "inc",
}
_BOUNDARY = re.compile(r"[.!?][\"\u201d\u2019)\]]*\s+(?=[\"\u201c\u2018(\[]*[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document: its offsets, text and paragraph number."""

    start: int
    end: int
    text: str
    paragraph: int


def _is_abbreviation(text: str, period: int) -> bool:
    """Whether the period at ``period`` ends an abbreviation or an initial."""
    word = re.search(r"([\w.]+)$", text[:period])
    if word is None:
        return False
    token = word.group(1).lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _split_line(line: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _BOUNDARY.finditer(line):
        if line[m.start()] == "." and _is_abbreviation(line, m.start()):
            continue
        end = m.end() - len(m.group()) + len(m.group().rstrip())
        yield start, end
        start = m.end()
    if line[start:].strip():
        yield start, len(line.rstrip())


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of every prose line (boilerplate lines skipped), with offsets into ``text``.

    ``paragraph`` numbers the prose lines (0, 1, ...), blank lines not counted.
    """
    out: list[Sentence] = []
    offset = 0
    paragraph = -1
    for line in text.split("\n"):
        if line.strip() and not is_boilerplate(line):
            paragraph += 1
            for start, end in _split_line(line):
                lead = len(line[start:end]) - len(line[start:end].lstrip())
                s, e = offset + start + lead, offset + end
                if e > s:
                    out.append(Sentence(s, e, text[s:e], paragraph))
        offset += len(line) + 1
    return out


# ---------------------------------------------------------------- candidate holders

_CAP = r"[A-Z][\w'\u2019.-]*+"  # possessive: never give back part of a word
_LINK = r"(?:\s+(?:(?:al|el|bin|ibn|abu|de|of|of the)\s+|(?:al|el)-)?)"
_NAME = rf"{_CAP}(?:{_LINK}{_CAP})*"
_AUX = r"(?:(?:has|have|had|also|later|then|previously|again)\s+)*"
_VERBS = (
    r"(?:said|says|told|tells|denied|denies|maintains|maintained|added|adds|noted|notes|"
    r"demanded|demands|requested|requests|announced|announces|insisted|insists|stressed|"
    r"stated|declared|warned|signals|signaled|signalled|confirmed|rejected|rejects|"
    r"reiterated|urged|called|passed|voted)"
)
_HEADLINE_VERBS = r"(?:Says|Said|Denies|Denied|Signals|Rejects|Demands|Insists|Maintains|Tells)"
_APPOSITIVE = r"(?:,\s+[a-z][^,\u201c\u201d\"]{0,90},)"  # ", the chairman of ...,"
_DEMONYMS = {
    "American": "US",
    "Iraqi": "Iraq",
    "Iranian": "Iran",
    "Syrian": "Syria",
    "British": "UK",
    "French": "France",
    "German": "Germany",
    "Turkish": "Turkey",
    "Kurdish": "Kurdistan Region",
    "Israeli": "Israel",
    "Russian": "Russia",
}
_PATTERNS = [
    re.compile(rf"(?P<name>{_NAME}){_APPOSITIVE}?,?\s+{_AUX}{_VERBS}\b"),
    re.compile(rf"(?P<name>{_CAP}(?:{_LINK}{_CAP})*?)\s+{_HEADLINE_VERBS}\b"),
    re.compile(rf"\b(?:said|says|added|adds)\s+(?P<name>{_NAME})(?=\s*(?:[.,;:]|$))"),
    re.compile(rf"\b[Aa]ccording to (?P<name>{_NAME})"),
    re.compile(rf"\b(?P<pronoun>[Hh]e|[Ss]he)\s+{_AUX}{_VERBS}\b"),
    re.compile(
        rf"\b(?P<demonym>{'|'.join(_DEMONYMS)}) (?:government|cabinet)\s+{_AUX}"
        rf"(?:{_VERBS}|maintains|insists)\b"
    ),
]
_TITLES = {
    "secretary",
    "deputy",
    "maj",
    "gen",
    "lt",
    "col",
    "sgt",
    "capt",
    "adm",
    "brig",
    "president",
    "minister",
    "premier",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chairman",
    "commander",
    "ambassador",
    "sen",
    "rep",
    "gov",
    "mr",
    "mrs",
    "ms",
    "dr",
    "cleric",
    "lawmaker",
    "leader",
    "general",
    "senator",
    "official",
    "officials",
}
_FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "but",
    "and",
    "however",
    "meanwhile",
    "in",
    "on",
    "at",
    "after",
    "before",
    "despite",
    "also",
    "then",
    "while",
    "when",
    "multiple",
    "many",
    "some",
    "this",
    "that",
    "these",
    "those",
    "it",
    "they",
    "we",
    "i",
    "you",
    "there",
    "speaking",
    "asked",
    "yet",
    "so",
    "of",
    "he",
    "she",
    "his",
    "her",
    "its",
    "their",
}
_NOT_NAMES = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "today",
    "yesterday",
    "statement",
    "reports",
    "officials",
}
_POSSESSIVE = re.compile(r"['\u2019]s?\s+")


def _bare(word: str) -> str:
    return word.lower().rstrip(".,;:")


def _tokens_after_titles(tokens: list[str]) -> list[str]:
    """Drop everything up to the last title ("Defense Secretary Lloyd Austin" → "Lloyd Austin").

    "Secretary of Defense Lloyd Austin": the "of X" after a title goes too.
    """
    last = max((i for i, t in enumerate(tokens) if t.lower().rstrip(".") in _TITLES), default=-1)
    rest = tokens[last + 1 :]
    if last >= 0 and rest[:1] == ["of"]:
        rest = rest[2:]
    return rest


def clean_holder_name(raw: str) -> str | None:
    """A holder name from a matched capitalised sequence, or None if nothing name-like is left."""
    raw = _POSSESSIVE.split(raw)[-1]  # "The Pentagon's Singh" → "Singh"
    tokens = raw.split()
    while tokens and tokens[0].lower() in _FUNCTION_WORDS:
        tokens = tokens[1:]
    tokens = _tokens_after_titles(tokens)
    while tokens and tokens[0].lower() in _FUNCTION_WORDS:
        tokens = tokens[1:]
    while tokens and _bare(tokens[-1]) in _FUNCTION_WORDS | _NOT_NAMES:
        tokens = tokens[:-1]
    name = " ".join(tokens).strip(" ,")
    if name.endswith(".") and name.count(".") == 1:
        name = name[:-1]  # "said Hoffman." (but keep "U.S.")
    if not name or _bare(name) in _NOT_NAMES or not name[0].isupper():
        return None
    return name


def _is_person_like(raw: str, name: str) -> bool:
    """A person, as far as surface can tell: a title was stripped, or two or more words."""
    return name != raw.strip() or len(name.split()) >= 2


def attributions(sentence: str, last_person: str | None) -> tuple[list[str], str | None]:
    """Holder names attributed in one sentence, and the updated last named person."""
    names: list[str] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            groups = m.groupdict()
            if groups.get("pronoun"):
                name = last_person
            elif groups.get("demonym"):
                name = _DEMONYMS[groups["demonym"]]
            else:
                name = clean_holder_name(groups["name"])
                if name and _is_person_like(groups["name"], name):
                    last_person = name
            if name and name not in names:
                names.append(name)
    return names, last_person


def _in_quote(text: str, sentence: Sentence) -> bool:
    """Whether a sentence is quoted speech (starts with, or lies inside, a quotation)."""
    line_start = text.rfind("\n", 0, sentence.start) + 1
    before = text[line_start : sentence.start]
    depth = before.count("\u201c") - before.count("\u201d") + before.count('"') % 2
    return depth > 0 or sentence.text[:1] in ("\u201c", '"')


def candidate_holders(text: str) -> dict[str, list[Sentence]]:
    """Holder name → the sentences attributed to it, from the text alone.

    A quoted sentence with no attribution of its own goes to the nearest
    speaker of its paragraph (the one before it, else the one after it).
    """
    sentences = split_sentences(text)
    found: list[list[str]] = []
    last_person: str | None = None
    last_paragraph = -1
    for sentence in sentences:
        if sentence.paragraph - last_paragraph > 1:
            last_person = None  # "he"/"she" reach back one paragraph at most
        names, person = attributions(sentence.text, last_person)
        if person != last_person or names:
            last_person, last_paragraph = person, sentence.paragraph
        found.append(names)
    holders: dict[str, list[Sentence]] = {}
    for i, sentence in enumerate(sentences):
        names = found[i] or _paragraph_speaker(sentences, found, i, text)
        for name in names:
            holders.setdefault(name, []).append(sentence)
    canon = merge_holder_names(list(holders))
    merged: dict[str, list[Sentence]] = {}
    for name, attributed in holders.items():
        merged.setdefault(canon[name], []).extend(attributed)
    return {name: sorted(set(s), key=lambda x: x.start) for name, s in merged.items()}


def _paragraph_speaker(
    sentences: Sequence[Sentence], found: Sequence[list[str]], i: int, text: str
) -> list[str]:
    if not _in_quote(text, sentences[i]):
        return []
    paragraph = sentences[i].paragraph
    for j in [*range(i - 1, -1, -1), *range(i + 1, len(sentences))]:
        if sentences[j].paragraph == paragraph and found[j]:
            return found[j][:1]
    return []


# ---------------------------------------------------------------- training data


@dataclass(frozen=True, slots=True)
class Example:
    """One training sentence and its label (a stance label or NONE)."""

    text: str
    label: str
    doc_id: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def training_examples(gold: Gold, exclude: Document) -> list[Example]:
    """Labelled sentences from every gold document except ``exclude``.

    A gold document is left out when its doc_id or its text equals the
    excluded document's, or when the excluded document is a contrast variant
    of it, so nothing of the scored document's gold is used.
    """
    excluded_sha = _sha(exclude.text)
    excluded_ids = {exclude.doc_id, origin_id(exclude.doc_id)}
    examples: list[Example] = []
    for doc_id, gold_doc in gold.documents.items():
        text = gold_doc.document.text
        if doc_id in excluded_ids or _sha(text) == excluded_sha:
            continue
        evidence = [(e.start, e.end, st.label) for st in gold_doc.stances for e in st.evidence]
        for sentence in split_sentences(text):
            labels = [lab for s, e, lab in evidence if s < sentence.end and sentence.start < e]
            examples.append(Example(sentence.text, labels[0] if labels else NONE, doc_id))
    return examples


def fit_model(examples: Sequence[Example]) -> Pipeline | None:
    """TF-IDF + logistic regression on the examples; None if fewer than two labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if len({e.label for e in examples}) < 2:
        return None
    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            (
                "lr",
                LogisticRegression(
                    C=C_VALUE, class_weight="balanced", max_iter=2000, random_state=RANDOM_STATE
                ),
            ),
        ]
    )
    model.fit([e.text for e in examples], [e.label for e in examples])
    return model


# ---------------------------------------------------------------- the system


@dataclass(frozen=True, slots=True)
class HolderDecision:
    """A holder's label, its probability and the sentences that reach the threshold."""

    label: str
    probability: float
    evidence: tuple[Sentence, ...]


def decide(
    sentences: Sequence[Sentence],
    probabilities: Sequence[Mapping[str, float]],
    threshold: float = THRESHOLD,
) -> HolderDecision | None:
    """The most probable non-NONE label over a holder's sentences, if it reaches ``threshold``."""
    best: tuple[float, str] | None = None
    for probs in probabilities:
        for label, p in probs.items():
            if label != NONE and (best is None or p > best[0]):
                best = (p, label)
    if best is None or best[0] < threshold:
        return None
    p, label = best
    evidence = tuple(
        s
        for s, probs in zip(sentences, probabilities, strict=True)
        if probs.get(label, 0.0) >= threshold
    )
    return HolderDecision(label, p, evidence)


class StanceLogReg:
    """Stances by logistic regression on TF-IDF n-grams, trained leave-one-document-out."""

    name = NAME
    layers: tuple[str, ...] = ("stances",)
    exposure = "leave-one-out"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = (
        "trained on the other articles' stance gold; holder patterns written by people who had "
        "read all five"
    )
    parallel = "process"

    def __init__(
        self,
        gold_dir: Path | str | None = None,
        seeds_dir: Path | str | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        import sklearn

        self.threshold = threshold
        self.gold = self._load_gold(gold_dir, seeds_dir)
        # what it learns from is part of its version, so that a prediction cached
        # before the gold changed is never served after (see benchmark.cache)
        self.version = f"{SYSTEM_VERSION}+sklearn{sklearn.__version__}+gold{self.gold.short_hash}"
        self._models: dict[tuple[str, str], Any] = {}

    @staticmethod
    def probe() -> str:
        """Its version, if scikit-learn is installed, from the gold's hash; nothing is
        trained, and the gold is not checked (``troopbench validate`` does)."""
        from benchmark.gold import gold_hash_unchecked
        from benchmark.systems import dist_version, find_modules

        find_modules(NAME, {"sklearn": "scikit-learn is not installed"}, GOLD_HINT)
        try:
            short = gold_hash_unchecked()[:12]
        except (OSError, ValueError) as exc:
            raise SystemUnavailable(
                NAME, f"no usable gold annotations to learn from: {exc}", GOLD_HINT
            ) from exc
        return f"{SYSTEM_VERSION}+sklearn{dist_version('scikit-learn')}+gold{short}"

    @staticmethod
    def _load_gold(gold_dir: Path | str | None, seeds_dir: Path | str | None) -> Gold:
        from benchmark.gold import GoldError, load_gold

        try:
            gold = load_gold(gold_dir, seeds_dir)
        except GoldError as exc:
            first = exc.problems[0] if exc.problems else "unknown problem"
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            raise SystemUnavailable(
                NAME, f"no usable gold annotations to learn from: {first}{more}", GOLD_HINT
            ) from exc
        if not any(doc.stances for doc in gold):
            raise SystemUnavailable(
                NAME, "the gold has no stance annotations to learn from", GOLD_HINT
            )
        return gold

    def model_for(self, document: Document) -> Any:
        """The model trained without ``document`` (cached per document)."""
        origin = origin_id(document.doc_id)
        # every variant of one article is scored by the model trained without that article
        key = (origin, _sha(document.text) if origin == document.doc_id else "")
        if key not in self._models:
            self._models[key] = fit_model(training_examples(self.gold, document))
        return self._models[key]

    def extract(self, document: Document) -> Prediction:
        model = self.model_for(document)
        stances: list[StancePrediction] = []
        if model is not None:
            for holder, sentences in candidate_holders(document.text).items():
                decision = self._classify(model, sentences)
                if decision is not None:
                    stances.append(
                        StancePrediction(
                            holder=holder,
                            label=decision.label,
                            evidence=tuple(
                                EvidenceSpan(s.start, s.end, s.text) for s in decision.evidence
                            ),
                        )
                    )
        return Prediction(doc_id=document.doc_id, stances=stances)

    def _classify(self, model: Any, sentences: Sequence[Sentence]) -> HolderDecision | None:
        rows = model.predict_proba([s.text for s in sentences])
        classes = [str(c) for c in model.classes_]
        probabilities = [dict(zip(classes, map(float, row), strict=True)) for row in rows]
        return decide(sentences, probabilities, self.threshold)
