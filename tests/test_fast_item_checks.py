"""The fast item checks of benchmark.predictions accept exactly what the schema accepts."""

from __future__ import annotations

import random
from typing import Any

import pytest

from benchmark.predictions import _FAST_CHECKS, _ITEM_DEF
from benchmark.schemas import schema_validator

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    7,
    2.0,
    0.5,
    "",
    "ORG",
    "DATE",
    "MID",
    "x",
    [],
    {},
    [1],
    {"a": 1},
]
GOOD: dict[str, list[Any]] = {
    "type": ["ORG", "DATE", "SET"],
    "value": ["2024", "PXM"],
    "mod": ["MID", "APPROX"],
    "start": [0, 3],
    "end": [1, 5],
    "text": ["Iraq"],
}
KEYS = {
    "entities": ["type", "start", "end", "text", "value", "other"],
    "timexes": ["value", "type", "mod", "start", "end", "text", "other"],
}


def random_items(layer: str, n: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    items: list[Any] = [None, [], "text", 5]
    for _ in range(n):
        keys = rng.sample(KEYS[layer], rng.randint(0, len(KEYS[layer])))
        items.append(
            {k: rng.choice(GOOD[k] if k in GOOD and rng.random() < 0.8 else VALUES) for k in keys}
        )
    return items


@pytest.mark.parametrize("layer", sorted(_FAST_CHECKS))
def test_fast_checks_agree_with_the_schema(layer: str) -> None:
    validator = schema_validator("predictions", _ITEM_DEF[layer])
    fast = _FAST_CHECKS[layer]
    accepted = 0
    for item in random_items(layer, 20_000, seed=13):
        if fast(item):
            accepted += 1
            assert validator.is_valid(item), item
        # the fast check may refuse a valid item only by being conservative: never here
        elif type(item) is dict and validator.is_valid(item):
            pytest.fail(f"the fast check refuses a valid item: {item!r}")
    assert accepted > 50  # the fuzz reaches valid items
