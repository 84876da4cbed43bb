"""What extracting a document cost: requests, tokens, seconds, retries, alignment.

A system that calls a model may return a :class:`Metered` from
``extract_metered(document)`` instead of a bare prediction from ``extract``;
the runner then records the :class:`Usage` per document, sums it into the
results file's ``cost`` block, and writes the exchanges (one JSON object per
request and response, as the system chose to record them) to
``results/<name>.responses.jsonl``. Usage values are plain counts that add up
with ``+``; ``seconds`` is the time the requests took when they were made (a
response served from a cache keeps the time it took then, so a re-run writes
the same bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from benchmark.predictions import Prediction

#: One limit policy for usage: a document's counts are whole numbers from 0 to this
#: (summed over 100,000 documents they stay within the 15 digits a results file
#: may hold), its seconds a finite number from 0 to :data:`SECONDS_LIMIT`.
COUNT_LIMIT = 10**9
SECONDS_LIMIT = 10.0**7


@dataclass(frozen=True, slots=True)
class Usage:
    """The cost of one document (or, summed, of a run).

    ``aligned_exact``, ``aligned_fuzzy`` and ``unaligned`` count the model's
    mention answers by how they were grounded to character offsets.
    """

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    retries: int = 0
    aligned_exact: int = 0
    aligned_fuzzy: int = 0
    unaligned: int = 0

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_dict(self) -> dict[str, int | float]:
        out: dict[str, int | float] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = round(value, 3) if isinstance(value, float) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        return cls(**{f.name: data.get(f.name, f.default) for f in fields(cls)})


def usage_problem(data: Any) -> str | None:
    """Why ``data`` (a :meth:`Usage.to_dict`) is not a usage a results file can hold,
    or None: unknown keys, a count that is not a whole number from 0 to
    :data:`COUNT_LIMIT`, seconds that are not finite or out of range."""
    if not isinstance(data, Mapping):
        return f"not an object but a {type(data).__name__}"
    known = {f.name: f for f in fields(Usage)}
    unknown = sorted(str(k)[:40] for k in data if k not in known)
    if unknown:
        return f"unknown key(s) {', '.join(unknown[:5])}"
    for name, f in known.items():
        value = data.get(name, f.default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} is a {type(value).__name__}, not a number"
        if name == "seconds":
            if not 0 <= value <= SECONDS_LIMIT:  # NaN fails both comparisons
                return f"seconds {value!r} is not a number from 0 to {SECONDS_LIMIT:g}"
        elif not isinstance(value, int):
            return f"{name} {value!r} is not a whole number"
        elif not 0 <= value <= COUNT_LIMIT:
            return f"{name} {value:,} is not a count from 0 to {COUNT_LIMIT:,}"
    return None


@dataclass(frozen=True, slots=True)
class Metered:
    """A prediction with what it cost and the exchanges that produced it.

    ``exchanges`` are JSON texts, one per request/response pair, in the order
    the system wants them written. ``problems`` are failures of part of the
    document (for example one layer whose answer never validated), each
    recorded as an error of the document while the rest of the prediction
    counts.
    """

    prediction: Prediction
    usage: Usage
    exchanges: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def cost_block(per_document: Mapping[str, Usage]) -> dict[str, Any]:
    """The results file's ``cost``: totals, means per document, and each document.

    Means divide by the number of documents; with none, they are 0.0.
    """
    total = sum(per_document.values(), Usage())
    n = len(per_document)
    tokens = total.input_tokens + total.output_tokens
    return {
        "documents": n,
        "total": total.to_dict(),
        "tokens_per_document": round(tokens / n, 1) if n else 0.0,
        "seconds_per_document": round(total.seconds / n, 3) if n else 0.0,
        "per_document": {doc: per_document[doc].to_dict() for doc in sorted(per_document)},
    }
