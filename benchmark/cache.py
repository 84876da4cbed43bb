"""The predictions cache: a re-run with nothing changed skips extraction.

One entry per (system name, system version, document): a small JSON file
``<cache dir>/predictions/<system>/<version>/<text sha256>-<metadata sha256>.json``
(the second hash, :func:`document_fingerprint`, covers the doc id and the
rest of the document's metadata, so two documents with the same text, an
article and a variant say, have entries of their own) holding the
validated predictions of that document in the prediction format
(:meth:`benchmark.predictions.DocPredictions.to_json`), the numbers of items
validation rejected (``invalid``) and the errors recorded for the document,
so that a cached document is scored and reported exactly as a fresh
extraction would be.

What a hit requires, besides the file's place (system, version, sha256 of the
text): a checksum over the entry that matches (so a damaged or truncated file
is never taken for a valid one), the same system name, version and text hash
written inside it, the same document metadata (doc id, title, creation time
and its certainty and evidence: systems receive all of it, and timexes resolve
against the creation time), the same troopbench version (validation may
change between versions), the layers the system attempts now, and items that
still convert against the text. Anything else is a miss: the document is
extracted again and the entry rewritten. A file that cannot be read or parsed
is treated the same way, never as an error of the run; so is anything that is
not a regular file of at most 64 MiB within the input bounds (a symbolic link
is not followed, a FIFO or a device is never read, and the size is checked
before a byte is read).

An entry is written only if reading it back gives exactly the predictions
the extraction gave; reading does not run the JSON Schema validation again
(the items were validated when extracted, and the checksum says they are the
ones written), which keeps a hit much cheaper than an extraction.

The version the runner files entries under is the system's version plus a
hash of its source files (:func:`benchmark.runner.cache_version`): editing a
system without bumping its version is a miss, not a stale hit. What the key
does not see: anything else a system's output depends on (data files, a
model trained on the gold annotations, as ``stance-lr`` is). Such a system
should put what it depends on in its version, or be run with ``--no-cache``.

Only completed extractions are stored (including their item errors: they are
a deterministic property of the output). An extraction that raised or timed
out is not cached, so it is tried again next time. Entries are written
atomically (a temporary file in the same folder, then a rename); a failure to
write (read-only or full disk) is ignored.

Where the cache lives: ``$TROOPBENCH_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/troopbench``, else ``~/.cache/troopbench``; never inside the
repository. Entries are not evicted: delete the folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.atomic import write_text_atomic
from benchmark.corpus import Document
from benchmark.inputs import BOUNDS, InputError, decode, loads, read_regular
from benchmark.layers import LAYERS
from benchmark.predictions import DocPredictions, ItemError, _convert

CACHE_FORMAT = "troopbench-cache/1"
ENV_VAR = "TROOPBENCH_CACHE_DIR"


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$TROOPBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/troopbench``, else
    ``~/.cache/troopbench`` (an empty variable counts as unset)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "troopbench"
    try:
        return Path.home() / ".cache" / "troopbench"
    except RuntimeError:  # no home directory to be found: a private temporary folder
        uid = getattr(os, "getuid", lambda: "user")()
        return Path(tempfile.gettempdir()) / f"troopbench-cache-{uid}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _folder_name(value: str) -> str:
    """A file-system-safe folder name for ``value``; the hash suffix keeps distinct
    values distinct after the unsafe characters are replaced."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in value).strip(".")[:60]
    return f"{safe or '_'}-{_sha256(value)[:8]}"


def document_fingerprint(document: Document) -> str:
    """sha256 of everything a system receives besides the text (doc id and metadata)."""
    meta = [
        document.doc_id,
        document.title,
        document.dct.isoformat(),
        document.dct_certainty,
        [[e.span.start, e.span.end, e.span.text, e.note] for e in document.dct_evidence],
    ]
    if document.dct_time is not None:  # only then, so earlier keys stay valid
        meta.append(document.dct_value)
    return _sha256(json.dumps(meta, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True, slots=True)
class CachedDocument:
    """A cache hit: what the runner would have recorded for the document."""

    predictions: DocPredictions
    errors: tuple[ItemError, ...]


def _harness_version() -> str:
    from benchmark import __version__

    return __version__


class PredictionCache:
    """Validated predictions per (system, version, document text); see the module doc."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.writes = 0

    def path(self, system: str, version: str, document: Document) -> Path:
        return (
            self.directory
            / "predictions"
            / _folder_name(system)
            / _folder_name(version)
            / f"{document.text_sha256}-{document_fingerprint(document)[:16]}.json"
        )

    # -- reading

    def get(
        self, system: str, version: str, document: Document, layers: Sequence[str]
    ) -> CachedDocument | None:
        """The cached result for ``document``, or None (missing, stale or unreadable).

        ``layers`` are the layers the system attempts now: an entry attempting
        others (a system that changed its layers but not its version) is stale.
        """
        found = self._read(system, version, document, frozenset(layers))
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def _read(
        self, system: str, version: str, document: Document, layers: frozenset[str]
    ) -> CachedDocument | None:
        path = self.path(system, version, document)
        try:  # a regular file (no link, FIFO or device) no bigger than a predictions line
            data = loads(decode(read_regular(path, BOUNDS.max_line_bytes, follow=False)))
        except (OSError, InputError):  # missing, not a file, too big, not JSON, too deep ...
            return None
        try:
            return self._decode(data, system, version, document, layers)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError):
            return None  # the wrong shape

    def _decode(
        self, data: Any, system: str, version: str, document: Document, layers: frozenset[str]
    ) -> CachedDocument | None:
        if not isinstance(data, dict) or data.get("sha256") != _checksum(data.get("entry")):
            return None  # damaged (or edited by hand): a miss, rewritten after extraction
        entry = data["entry"]
        if any(entry.get(k) != v for k, v in _identity(system, version, document).items()):
            return None
        predictions = _rebuild(entry["predictions"], entry["invalid"], document)
        if predictions.attempted() != layers:
            return None
        errors = tuple(
            ItemError(e["source"], e["doc_id"], e["item"], e["message"]) for e in entry["errors"]
        )
        return CachedDocument(predictions, errors)

    # -- writing

    def put(
        self,
        system: str,
        version: str,
        document: Document,
        predictions: DocPredictions,
        errors: Sequence[ItemError],
    ) -> bool:
        """Store a completed extraction; False when it was not stored.

        Predictions whose prediction-format JSON would not read back to the same
        items (an exotic output the format cannot carry) are not stored, so a
        hit always gives exactly what the extraction gave.
        """
        raw = predictions.to_json()
        invalid = dict(predictions.invalid)
        try:
            if _rebuild(raw, invalid, document) != predictions:
                return False
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return False
        entry = {
            **_identity(system, version, document),
            "doc_id": document.doc_id,
            "predictions": raw,
            "invalid": invalid,
            "errors": [
                {"source": e.source, "doc_id": e.doc_id, "item": e.pointer, "message": e.message}
                for e in errors
            ],
        }
        try:
            text = json.dumps(
                {"sha256": _checksum(entry), "entry": entry},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            write_text_atomic(self.path(system, version, document), text, durable=False)
        except (OSError, TypeError, ValueError):
            return False  # the cache is an optimisation: never fail the run over it
        self.writes += 1
        return True


def _identity(system: str, version: str, document: Document) -> dict[str, str]:
    """What an entry must match to be a hit (besides its checksum)."""
    return {
        "format": CACHE_FORMAT,
        "troopbench": _harness_version(),
        "system": system,
        "version": version,
        "text_sha256": document.text_sha256,
        "document": document_fingerprint(document),
    }


def _checksum(entry: Any) -> str:
    """sha256 of the entry's canonical JSON: a damaged file never passes for a valid one."""
    canonical = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _sha256(canonical)


def _rebuild(
    raw: Mapping[str, Any], invalid: Mapping[str, int], document: Document
) -> DocPredictions:
    """The validated items back from their prediction-format JSON.

    The items were validated when they were extracted, and the checksum
    guarantees they are the ones written, so they are not checked against the
    schema again (that would cost as much as many extractions); offsets are
    still checked against the text by the conversion.
    """
    unknown = set(raw) - {"doc_id", *LAYERS}
    if unknown or raw.get("doc_id") != document.doc_id:
        raise ValueError("not a prediction of this document")
    layers = {
        layer: tuple(_convert(layer, item, document.text) for item in raw[layer])
        for layer in LAYERS
        if layer in raw
    }
    return DocPredictions(document.doc_id, invalid=dict(invalid), **layers)  # type: ignore[arg-type]
