"""OntoNotes 5 entity labels (spaCy's English pipelines) mapped to troopbench's entity types.

One table for every spaCy-based system (``spacy-sm`` and the raw ``spacy-md``
and ``spacy-sm-raw``): the seven OntoNotes labels that are troopbench entity
types keep their name; the eleven others (dates, times, numbers, money,
products, laws, works of art, languages) are not entities here and are
dropped. Nothing else is mapped: OntoNotes' definitions of PERSON, NORP, ORG,
GPE, LOC, FAC and EVENT are those troopbench's guidelines start from.
"""

from __future__ import annotations

LABEL_MAP: dict[str, str | None] = {
    "PERSON": "PERSON",
    "NORP": "NORP",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "FAC",
    "EVENT": "EVENT",
    "PRODUCT": None,
    "WORK_OF_ART": None,
    "LAW": None,
    "LANGUAGE": None,
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}
"""OntoNotes label → troopbench entity type (``None``: not an entity here)."""


def map_label(label: str) -> str | None:
    """The troopbench type of an OntoNotes label, or ``None`` to drop it."""
    return LABEL_MAP.get(label)
