"""TimeML in and out: ``.tml`` files read as gold documents, gold or predictions written as TimeML.

Reading (:func:`parse_timeml`) follows TempEval-3's conventions:

* the document text is the content of ``<TEXT>`` with the tags removed and
  the XML entities decoded, every character kept (leading and trailing
  newlines too): ``"".join(TEXT.itertext())``; offsets are into that string;
* the timexes are the ``TIMEX3`` elements inside ``<TEXT>`` (their ``type``,
  ``value`` and ``mod``); EVENT, SIGNAL and the links are not read;
* the document creation time is the value of the ``TIMEX3`` whose
  ``functionInDocument`` is ``CREATION_TIME`` (in ``<DCT>``, outside the
  text); it may carry a time of day;
* the title is the text of ``<TITLE>`` when there is one, else empty;
* the doc id is the file stem.

Every problem is reported with the file, the item (a TIMEX3 by its ``tid``)
and what is wrong; nothing is repaired.

Writing (:func:`write_timeml`) produces a file the official TempEval-3
evaluation toolkit accepts: ``DOCID``, ``DCT`` (as ``TIMEX3 tid="t0"``),
``TITLE`` and ``TEXT`` with one ``TIMEX3`` per timex (``tid`` ``t1``, ``t2``,
... in text order). The toolkit's normaliser aborts on a no-break space
(U+00A0); ``nbsp_to_space=True`` writes each as a plain space, one character
for one, so no offset moves. Reading what was written gives back the text and
every timex (tested on every document of the bundled TimeML corpus).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from benchmark.corpus import parse_dct
from benchmark.layers.timexes import TIMEX_MODS, TIMEX_TYPES, is_timex3_value

NBSP = "\u00a0"
CREATION_TIME = "CREATION_TIME"


@dataclass(frozen=True, slots=True)
class TimemlTimex:
    """One TIMEX3 of ``<TEXT>``: its offsets into the text and its attributes."""

    start: int
    end: int
    text: str
    tid: str
    type: str
    value: str
    mod: str | None = None


@dataclass(frozen=True, slots=True)
class TimemlDocument:
    """What troopbench reads from one TimeML file."""

    doc_id: str
    text: str
    title: str
    dct: str
    timexes: tuple[TimemlTimex, ...]

    def to_gold(self) -> dict[str, Any]:
        """The document as troopbench gold JSON (gold/FORMAT.md), timexes only."""
        timexes = []
        for t in self.timexes:
            item: dict[str, Any] = {
                "start": t.start,
                "end": t.end,
                "text": t.text,
                "type": t.type,
                "value": t.value,
            }
            if t.mod is not None:
                item["mod"] = t.mod
            timexes.append(item)
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "dct": self.dct,
            "dct_certainty": "metadata",
            "timexes": timexes,
        }


@dataclass(frozen=True, slots=True)
class TimemlProblem:
    """One thing wrong with a TimeML file: the file, the item, what is wrong."""

    file: str
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item or '/'}: {self.message}"


def _walk(element: ET.Element, position: int, found: list[tuple[int, int, ET.Element]]) -> int:
    """Advance ``position`` over ``element``'s content; collect (start, end, TIMEX3)."""
    if element.text:
        position += len(element.text)
    for child in element:
        start = position
        position = _walk(child, position, found)
        if child.tag == "TIMEX3":
            found.append((start, position, child))
        if child.tail:
            position += len(child.tail)
    return position


def _timex(
    file: str, index: int, start: int, end: int, element: ET.Element, text: str
) -> tuple[TimemlTimex | None, list[TimemlProblem]]:
    tid = element.get("tid") or ""
    item = f"TIMEX3 tid={tid}" if tid else f"TIMEX3 #{index + 1} (no tid)"
    problems = []
    kind, value, mod = element.get("type"), element.get("value"), element.get("mod")
    if kind not in TIMEX_TYPES:
        problems.append(
            TimemlProblem(file, item, f"type {kind!r} is not one of {', '.join(TIMEX_TYPES)}")
        )
    if value is None:
        problems.append(TimemlProblem(file, item, "has no value attribute"))
    elif not is_timex3_value(value):
        problems.append(
            TimemlProblem(
                file, item, f"value {value!r} is not a TIMEX3 value (gold/FORMAT.md lists them)"
            )
        )
    if mod is not None and mod not in TIMEX_MODS:
        problems.append(
            TimemlProblem(file, item, f"mod {mod!r} is not one of {', '.join(TIMEX_MODS)}")
        )
    if start >= end:
        problems.append(TimemlProblem(file, item, "encloses no text"))
    if problems:
        return None, problems
    assert kind is not None and value is not None
    return TimemlTimex(start, end, text[start:end], tid, kind, value, mod), []


def parse_timeml(
    data: bytes | str, doc_id: str, file: str
) -> tuple[TimemlDocument | None, list[TimemlProblem]]:
    """One TimeML file's document (None when it has problems) and every problem found."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        return None, [
            TimemlProblem(file, f"line {line}, column {column + 1}", f"not well-formed XML: {exc}")
        ]
    problems: list[TimemlProblem] = []
    texts = root.findall(".//TEXT")
    if len(texts) != 1:
        return None, [TimemlProblem(file, "TEXT", f"{len(texts)} <TEXT> elements; one is needed")]
    text_element = texts[0]
    text = "".join(text_element.itertext())
    found: list[tuple[int, int, ET.Element]] = []
    _walk(text_element, 0, found)
    timexes = []
    for i, (start, end, element) in enumerate(sorted(found, key=lambda f: (f[0], f[1]))):
        timex, more = _timex(file, i, start, end, element, text)
        problems += more
        if timex is not None:
            timexes.append(timex)
    creation = [t for t in root.iter("TIMEX3") if t.get("functionInDocument") == CREATION_TIME]
    dct = ""
    if len(creation) != 1:
        problems.append(
            TimemlProblem(
                file,
                "DCT",
                f'{len(creation)} TIMEX3 with functionInDocument="CREATION_TIME"; '
                "one document creation time is needed",
            )
        )
    else:
        dct = creation[0].get("value") or ""
        try:
            parse_dct(dct)
        except ValueError:
            problems.append(
                TimemlProblem(
                    file,
                    f"DCT TIMEX3 tid={creation[0].get('tid') or '?'}",
                    f"value {dct!r} is not a calendar date (YYYY-MM-DD, optionally THH:MM[:SS])",
                )
            )
    title_element = root.find(".//TITLE")
    title = "".join(title_element.itertext()) if title_element is not None else ""
    if problems:
        return None, problems
    return TimemlDocument(doc_id, text, title, dct, tuple(timexes)), []


def read_timeml_file(path: Path) -> tuple[TimemlDocument | None, list[TimemlProblem]]:
    """:func:`parse_timeml` of a file; its doc id is the file stem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [TimemlProblem(path.name, "", f"cannot be read: {exc.strerror}")]
    return parse_timeml(data, path.stem, path.name)


@dataclass(frozen=True, slots=True)
class TimexTag:
    """A timex to write: offsets into the text and its attributes (type may be unknown)."""

    start: int
    end: int
    value: str
    type: str | None = None
    mod: str | None = None


def _attributes(pairs: Sequence[tuple[str, str | None]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in pairs if v is not None)


def write_timeml(
    doc_id: str,
    text: str,
    title: str,
    dct: str,
    timexes: Sequence[TimexTag],
    *,
    nbsp_to_space: bool = False,
) -> str:
    """A TimeML file for the TempEval-3 toolkit (module doc).

    ``timexes`` must be sorted and must not overlap (XML cannot nest them
    across each other); ValueError otherwise. ``nbsp_to_space`` writes each
    U+00A0 of the text and title as U+0020.
    """
    if nbsp_to_space:
        text, title = text.replace(NBSP, " "), title.replace(NBSP, " ")
    parts: list[str] = []
    position = 0
    for i, t in enumerate(timexes, start=1):
        if t.start < position or not 0 <= t.start < t.end <= len(text):
            raise ValueError(
                f"{doc_id}: timex [{t.start}:{t.end}] overlaps the one before it or "
                "lies outside the text"
            )
        parts.append(escape(text[position : t.start]))
        attrs = _attributes(
            [("tid", f"t{i}"), ("type", t.type), ("value", t.value), ("mod", t.mod)]
        )
        parts.append(f"<TIMEX3{attrs}>{escape(text[t.start : t.end])}</TIMEX3>")
        position = t.end
    parts.append(escape(text[position:]))
    dct_type = "TIME" if "T" in dct else "DATE"
    dct_attrs = _attributes(
        [
            ("tid", "t0"),
            ("type", dct_type),
            ("value", dct),
            ("temporalFunction", "false"),
            ("functionInDocument", CREATION_TIME),
        ]
    )
    head = (
        '<?xml version="1.0" ?>\n'
        '<TimeML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="http://timeml.org/timeMLdocs/TimeML_1.2.1.xsd">\n\n'
        f"<DOCID>{escape(doc_id)}</DOCID>\n\n"
        f"<DCT><TIMEX3{dct_attrs}>{escape(dct)}</TIMEX3></DCT>\n\n"
    )
    if title:
        head += f"<TITLE>{escape(title)}</TITLE>\n\n"
    return f"{head}<TEXT>{''.join(parts)}</TEXT>\n\n</TimeML>\n"
