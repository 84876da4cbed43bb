"""The contrast suite: every document, transformation and seed, built, checked and scored.

A variant's id shows its origin: ``000_cfbd3f9e2e2eb4de~dates~3`` is seed 3
of the ``dates`` transformation of document ``000_cfbd3f9e2e2eb4de``.
Variants are generated from the gold every time they are needed (never
stored, never edited by hand); the suite's hash covers the bytes of every
variant document and registry, so results scored against variants made by
another gold, another transformation version or another faker are stale.

Every variant of a document differs from the original and from every other
variant of it, in its text or its dct (what a system receives): variants are
made in a fixed order (seed by seed, the transformations in
:data:`TRANSFORMATIONS` order within a seed), and one that repeats the
original or an earlier variant draws again (``redraw`` 1, 2, … up to
:data:`REDRAWS`: another, independent draw for the same seed, deterministic
like the first). A seed that finds no new variant in :data:`REDRAWS` draws
is left out, and the suite says so (:attr:`Suite.shortfalls`): it counts the
variants it has. Variant ``s`` of a transformation therefore depends on the
variants before it in that order, never on how many seeds the suite has.

Each variant carries its own registry (the ``names`` transformation renames
people), so the suite is scored variant by variant with that registry
(:func:`evaluate_suite`); the per-document and per-paragraph counts are the
same kind as for the original articles.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from benchmark.gold import (
    Gold,
    GoldDocument,
    Problem,
    Registry,
    _document_problems,
    _registry_problems,
    _schema_problems,
)
from benchmark.layers import LAYERS
from benchmark.predictions import DocPredictions
from benchmark.scoring import Counts, Evaluation, evaluate
from benchmark.variants.all import All
from benchmark.variants.base import Transformation
from benchmark.variants.core import Source
from benchmark.variants.dates import Dates
from benchmark.variants.identity import Identity
from benchmark.variants.ids import variant_id
from benchmark.variants.names import Names
from benchmark.variants.numbers import Numbers
from benchmark.variants.serialize import (
    document_bytes,
    document_json,
    registry_bytes,
    registry_json,
)

#: Seeds per (document, transformation) in the default suite (see perf/README.md).
DEFAULT_SEEDS = 10
#: Draws per seed before a seed whose variants all repeat earlier ones is left out.
REDRAWS = 50
SUITES = ("original", "contrast", "all")

TRANSFORMATIONS: dict[str, Transformation] = {
    t.name: t for t in (Dates(), Names(), Numbers(), All())
}
#: Transformations that exist for tests only, not in the suite.
EXTRA: dict[str, Transformation] = {"identity": Identity()}


def transformation(name: str) -> Transformation:
    found = TRANSFORMATIONS.get(name) or EXTRA.get(name)
    if found is None:
        known = ", ".join((*TRANSFORMATIONS, *EXTRA))
        raise KeyError(f"unknown transformation {name!r}; known: {known}")
    return found


@dataclass(frozen=True)
class Variant:
    """One variant: where it comes from and its gold (document and registry); ``redraw``:
    how many draws of its seed repeated an earlier variant first (module doc)."""

    origin: str
    transformation: str
    seed: int
    source: Source
    redraw: int = 0

    @property
    def doc_id(self) -> str:
        return self.source.gold.doc_id

    @property
    def gold(self) -> GoldDocument:
        return self.source.gold

    @property
    def registry(self) -> Registry:
        return self.source.registry

    def document_bytes(self) -> bytes:
        return document_bytes(self.gold)

    def registry_bytes(self) -> bytes:
        return registry_bytes(self.registry)


def _variant(gold: Gold, doc_id: str, name: str, seed: int, redraw: int) -> Variant:
    """One draw of one variant, renamed to its variant id."""
    out = transformation(name).transform(
        Source(gold.documents[doc_id], gold.registry), seed, redraw
    )
    if name == "identity":
        return Variant(doc_id, name, seed, out)
    vid = variant_id(doc_id, name, seed)
    document = dataclasses.replace(out.gold.document, doc_id=vid)
    # document-scoped metonyms follow the document to its new id; other documents' go
    metonyms = tuple(
        dataclasses.replace(m, doc_id=vid) for m in out.registry.metonyms if m.doc_id == doc_id
    )
    registry = dataclasses.replace(out.registry, metonyms=metonyms)
    gold_doc = dataclasses.replace(out.gold, document=document)
    return Variant(doc_id, name, seed, Source(gold_doc, registry), redraw)


def _what_systems_see(gold_doc: GoldDocument) -> tuple[str, str]:
    """What makes two variants distinct: the text and the dct (all a system receives but
    the id and what follows from the text)."""
    return gold_doc.document.text, gold_doc.document.dct.isoformat()


class _Series:
    """The distinct variants of one document, made in the suite's order (module doc) as far
    as they were asked for."""

    def __init__(self, gold: Gold, doc_id: str) -> None:
        self.gold = gold
        self.doc_id = doc_id
        self.seen = {_what_systems_see(gold.documents[doc_id])}
        self.made: dict[tuple[str, int], Variant | None] = {}
        self.seeds = 0

    def upto(self, seeds: int) -> None:
        """Make every transformation's variants of seeds ``0 .. seeds - 1``."""
        for seed in range(self.seeds, seeds):
            for name in TRANSFORMATIONS:
                self.made[(name, seed)] = self._distinct(name, seed)
            self.seeds = seed + 1

    def _distinct(self, name: str, seed: int) -> Variant | None:
        for redraw in range(REDRAWS):
            v = _variant(self.gold, self.doc_id, name, seed, redraw)
            seen = _what_systems_see(v.gold)
            if seen not in self.seen:
                self.seen.add(seen)
                return v
        return None

    def get(self, name: str, seed: int) -> Variant | None:
        self.upto(seed + 1)
        return self.made[(name, seed)]


_SERIES: dict[tuple[int, int, str], _Series] = {}


def _series(gold: Gold, doc_id: str) -> _Series:
    """The series of ``doc_id`` of this gold, cached by the identity of the gold document
    and registry objects (the series keeps them alive, so an id is never reused)."""
    key = (id(gold.documents[doc_id]), id(gold.registry), doc_id)
    if key not in _SERIES:
        _SERIES[key] = _Series(gold, doc_id)
    return _SERIES[key]


class NoDistinctVariant(KeyError):
    """A seed whose every draw repeats the original or an earlier variant (module doc)."""


def make_variant(gold: Gold, doc_id: str, name: str, seed: int) -> Variant:
    """The variant of ``doc_id`` by transformation ``name`` with ``seed`` (module doc: it
    differs from the original and from every variant before it);
    :class:`NoDistinctVariant` when that seed has none."""
    if doc_id not in gold.documents:
        raise KeyError(f"no document {doc_id!r} in the gold")
    if name not in TRANSFORMATIONS:
        transformation(name)  # KeyError naming the known ones, for an unknown name
        return _variant(gold, doc_id, name, seed, 0)
    found = _series(gold, doc_id).get(name, seed)
    if found is None:
        raise NoDistinctVariant(
            f"{name} gives no variant of {doc_id} for seed {seed} that differs from the "
            f"original and from the variants before it ({REDRAWS} draws)"
        )
    return found


def validate_variant(variant: Variant) -> list[Problem]:
    """Every problem ``troopbench validate`` would report for the variant's files."""
    file = f"{variant.doc_id}.json"
    data = document_json(variant.gold)
    registry = registry_json(variant.registry)
    problems = list(_registry_check(variant.registry_bytes()))
    problems += _schema_problems(file, data, "document")
    registry_map = {e["id"]: e for e in registry["entities"]}
    problems += _document_problems(
        file, data, variant.doc_id, variant.gold.document.text, registry_map
    )
    problems += [
        Problem("entities.json", f"/metonyms/{i}/doc_id", f"no document {m.doc_id!r}")
        for i, m in enumerate(variant.registry.metonyms)
        if m.doc_id != variant.doc_id
    ]
    return problems


@cache
def _registry_check(data: bytes) -> tuple[Problem, ...]:
    """Problems of a registry file's bytes (cached: most variants share their registry)."""
    registry = json.loads(data)
    problems = _schema_problems("entities.json", registry, "registry")
    return tuple(problems or _registry_problems("entities.json", registry))


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A transformation that cannot give ``wanted`` distinct variants of a document."""

    origin: str
    transformation: str
    distinct: int
    wanted: int

    def line(self) -> str:
        return (
            f"{self.transformation} gives {self.distinct} distinct variants of {self.origin}, "
            f"not {self.wanted}"
        )


@dataclass(frozen=True)
class Suite:
    """The variants of a gold, in (document, transformation, seed) order, and their hash;
    ``shortfalls``: where a transformation could not give ``seeds`` distinct variants."""

    gold: Gold
    variants: Mapping[str, Variant]
    seeds: int
    sha256: str
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def wanted(self) -> int:
        """How many variants the suite asked for (documents x transformations x seeds)."""
        return len(self.variants) + sum(s.wanted - s.distinct for s in self.shortfalls)

    def __iter__(self) -> Iterator[Variant]:
        return iter(self.variants.values())

    def registries(self) -> dict[str, Registry]:
        """Each variant's registry, by variant id."""
        return {v.doc_id: v.registry for v in self}

    def as_gold(self) -> Gold:
        """The variants as a :class:`Gold` for everything that reads documents and a hash.

        Its registry is the original's; score with :func:`evaluate_suite`,
        which uses each variant's own registry.
        """
        return Gold(self.gold.registry, {v.doc_id: v.gold for v in self}, self.sha256)


def build_suite(
    gold: Gold,
    seeds: int = DEFAULT_SEEDS,
    names: Sequence[str] = tuple(TRANSFORMATIONS),
    doc_ids: Sequence[str] | None = None,
) -> Suite:
    """Every (document, transformation, seed) variant, seeds ``0 .. seeds - 1``."""
    variants: dict[str, Variant] = {}
    shortfalls: list[Shortfall] = []
    digest = hashlib.sha256(gold.sha256.encode())
    for doc_id in doc_ids or tuple(gold.documents):
        for name in names:
            distinct = 0
            for seed in range(seeds):
                try:
                    v = make_variant(gold, doc_id, name, seed)
                except NoDistinctVariant:
                    continue
                distinct += 1
                variants[v.doc_id] = v
                digest.update(v.document_bytes())
                digest.update(hashlib.sha256(v.gold.document.text.encode()).digest())
                digest.update(v.registry_bytes())
            if distinct < seeds:
                shortfalls.append(Shortfall(doc_id, name, distinct, seeds))
    return Suite(gold, variants, seeds, digest.hexdigest(), tuple(shortfalls))


def evaluate_each(
    gold: Gold,
    registries: Mapping[str, Registry],
    predictions: Mapping[str, DocPredictions],
    attempted: frozenset[str],
) -> Evaluation:
    """Score every document of ``gold`` with its own registry (``registries[doc_id]``, else
    the gold's); one merged evaluation, in document order."""
    layers = tuple(layer for layer in LAYERS if layer in attempted)
    per_doc: dict[str, dict[str, Counts]] = {layer: {} for layer in layers}
    per_unit: dict[str, dict[str, Counts]] = {layer: {} for layer in layers}
    invalid: dict[str, dict[str, int]] = {layer: {} for layer in layers}
    for doc_id, gold_doc in gold.documents.items():
        registry = registries.get(doc_id, gold.registry)
        pred = {doc_id: predictions[doc_id]} if doc_id in predictions else {}
        part = evaluate(Gold(registry, {doc_id: gold_doc}, gold.sha256), pred, attempted)
        for layer in layers:
            per_doc[layer].update(part.per_doc[layer])
            per_unit[layer].update(part.per_unit[layer])
            invalid[layer].update(part.invalid[layer])
    return Evaluation(layers, per_doc, per_unit, invalid)


def evaluate_suite(
    suite: Suite, predictions: Mapping[str, DocPredictions], attempted: frozenset[str]
) -> Evaluation:
    """Score predictions on every variant with the variant's registry; one merged evaluation."""
    return evaluate_each(suite.as_gold(), suite.registries(), predictions, attempted)


_BUILT: dict[tuple[str, int], Suite] = {}


def cached_suite(gold: Gold, seeds: int = DEFAULT_SEEDS) -> Suite:
    """:func:`build_suite`, once per (gold hash, seeds) in this process."""
    key = (gold.sha256, seeds)
    if key not in _BUILT:
        _BUILT[key] = build_suite(gold, seeds)
    return _BUILT[key]


def suite_gold(gold: Gold, suite: str) -> tuple[Gold, dict[str, Registry]]:
    """The documents of ``suite`` (``original``, ``contrast`` or ``all``) as one gold, and
    the registries of the documents that have their own (empty for ``original``)."""
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; suites are {', '.join(SUITES)}")
    if suite == "original":
        return gold, {}
    built = cached_suite(gold)
    if suite == "contrast":
        return built.as_gold(), built.registries()
    documents = {**gold.documents, **built.as_gold().documents}
    digest = hashlib.sha256(f"{gold.sha256}+{built.sha256}".encode()).hexdigest()
    return Gold(gold.registry, documents, digest), built.registries()
