"""Variant document ids: ``<origin>~<transformation>~<seed>``.

For example ``000_cfbd3f9e2e2eb4de~dates~3``.

No imports beyond the standard library, so that systems can ask which
original article a variant comes from (a system trained leave-one-document-out
must leave out the variant's origin too).
"""

from __future__ import annotations

SEPARATOR = "~"


def variant_id(doc_id: str, transformation: str, seed: int) -> str:
    return f"{doc_id}{SEPARATOR}{transformation}{SEPARATOR}{seed}"


def parse_variant_id(vid: str) -> tuple[str, str, int] | None:
    """(origin doc id, transformation, seed) of a variant id; None for an original id."""
    parts = vid.split(SEPARATOR)
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


def origin_id(doc_id: str) -> str:
    """The original article's id of a variant id; an original id is its own origin."""
    parsed = parse_variant_id(doc_id)
    return parsed[0] if parsed else doc_id
