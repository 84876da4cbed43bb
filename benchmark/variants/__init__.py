"""Contrast sets: gold-preserving variants of the articles (names, dates, numbers changed).

See :mod:`benchmark.variants.core` for the offset-remapping core, one module
per transformation (:mod:`.dates`, :mod:`.names`, :mod:`.numbers`,
:mod:`.all`), and :mod:`.suite` for the default contrast suite.
"""

from benchmark.variants.core import Edit, EditError, Rewrite, Source, SpanCutError, apply_rewrite
from benchmark.variants.ids import origin_id, parse_variant_id, variant_id
from benchmark.variants.suite import (
    DEFAULT_SEEDS,
    TRANSFORMATIONS,
    Suite,
    Variant,
    build_suite,
    evaluate_suite,
    make_variant,
    validate_variant,
)

__all__ = [
    "DEFAULT_SEEDS",
    "TRANSFORMATIONS",
    "Edit",
    "EditError",
    "Rewrite",
    "Source",
    "SpanCutError",
    "Suite",
    "Variant",
    "apply_rewrite",
    "build_suite",
    "evaluate_suite",
    "make_variant",
    "origin_id",
    "parse_variant_id",
    "validate_variant",
    "variant_id",
]
