"""Reading a model's answer: lenient JSON, salvage of a cut-off answer, schema check.

Servers that enforce a grammar still let raw control characters into strings,
and small models wrap JSON in prose or code fences, or run out of tokens in
the middle of a list. :func:`read_answer` takes the text from the first
``{``, parses it with ``strict=False`` (control characters allowed), and, if
the text was cut off, keeps the longest prefix that ends after a complete
list item and closes the open brackets. The result must then validate
against the request's JSON Schema; the problem found otherwise is returned
(and sent back to the model in the one repair request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True, slots=True)
class Reading:
    """What an answer text gave: the object if valid, else the problem; and
    whether the object was salvaged from a cut-off text."""

    value: Mapping[str, Any] | None
    problem: str
    salvaged: bool = False


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def _strip(text: str) -> str:
    start = text.find("{")
    return text[start:] if start >= 0 else text


def _cuts(text: str) -> list[tuple[int, str]]:
    """Each place just after a ``}`` outside strings, with the closers it lacks there."""
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack:
                break
            stack.pop()
            if ch == "}":
                cuts.append((i + 1, "".join(reversed(stack))))
    return cuts


def _salvage(text: str) -> Any:
    """The longest cut of a truncated JSON text, ending after a ``}``, that parses."""
    for cut, closers in reversed(_cuts(text)):
        try:
            return json.loads(text[:cut] + closers, strict=False)
        except ValueError:
            continue
    raise ValueError("nothing complete to salvage")


def read_answer(text: str, schema: Mapping[str, Any]) -> Reading:
    """Parse leniently, salvage a cut-off answer, validate (module doc)."""
    body = _strip(text).strip()
    if body.startswith("{") and body.endswith("```"):
        body = body[: body.rfind("}") + 1]
    salvaged = False
    try:
        value = json.loads(body, strict=False)
    except ValueError as exc:
        try:
            value = _salvage(body)
            salvaged = True
        except ValueError:
            return Reading(None, f"not JSON ({exc.msg} at character {exc.pos})")
    errors = sorted(validator_for(schema).iter_errors(value), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/" + "/".join(map(str, first.absolute_path))
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        return Reading(None, f"breaks the schema at {where}: {first.message}{more}", salvaged)
    return Reading(value, "", salvaged)
