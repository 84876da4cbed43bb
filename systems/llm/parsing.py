"""Reading a model's answer: lenient JSON, salvage of a cut-off answer, schema check.

Servers that enforce a grammar still let raw control characters into strings,
and small models wrap JSON in prose or code fences, or run out of tokens in
the middle of a list. :func:`read_answer` takes the text from the first
``{``, parses it with ``strict=False`` (control characters allowed), and, if
the text was cut off, keeps the longest prefix that ends after a complete
list item and closes the open brackets. The result must then validate
against the request's JSON Schema; the problem found otherwise is returned
(and sent back to the model in the one repair request).

Before the schema, the parsed answer passes troopbench's input bounds
(:func:`benchmark.inputs.check_value`): no lone surrogate (a ``\\ud800``
escape), no nesting deeper than the bounds' ``max_depth`` (an answer nested
too deeply for the parser says so too), no non-finite number, no integer of
more than ``max_int_digits`` digits. Each string is first passed through
``clean`` (the system removes the API key there). A number the schema wants
as an integer and JSON Schema accepts as one (``2500.0``) becomes the
integer ``2500``; a fraction (``2500.5``) breaks the schema. The salvage of a
cut-off text tries at most :data:`SALVAGE_TRIES` cuts, the longest first.

Validation has a fast path: :func:`plainly_valid` checks the small subset of
JSON Schema the answer schemas use (``type``, ``properties``, ``required``,
``additionalProperties: false``, ``items``, ``enum``, ``minimum``) and only
ever says "valid" when the full validator would; anything else (a problem,
or a keyword it does not know) goes to :mod:`jsonschema`, which gives the
verdict and the message. A property test cross-checks the two.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from benchmark.inputs import BOUNDS, InputError, check_value

#: At most this many cuts of a cut-off answer are tried (each is one parse).
SALVAGE_TRIES = 32


@dataclass(frozen=True, slots=True)
class Reading:
    """What an answer text gave: the object if valid, else the problem; and
    whether the object was salvaged from a cut-off text."""

    value: Mapping[str, Any] | None
    problem: str
    salvaged: bool = False


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
    for cut, closers in list(reversed(_cuts(text)))[:SALVAGE_TRIES]:
        try:
            return json.loads(text[:cut] + closers, strict=False)
        except (ValueError, RecursionError):
            continue
    raise ValueError("nothing complete to salvage")


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
    "boolean": (bool,),
    "null": (type(None),),
}
_KNOWN = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "minimum"}
)


Check = Callable[[Any], bool]


def _never(value: Any) -> bool:
    return False


def _compile(schema: Mapping[str, Any]) -> Check:
    """A checker for ``schema``: True only when the value is valid (module doc)."""
    if not isinstance(schema, Mapping) or not _KNOWN.issuperset(schema):
        return _never
    checks: list[Check] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        allowed = frozenset(t for name in names for t in _TYPES.get(name, ()))
        checks.append(lambda v: type(v) in allowed)
    if "enum" in schema:
        members = [(type(e), e) for e in schema["enum"]]
        checks.append(lambda v: any(type(v) is t and v == e for t, e in members))
    minimum = schema.get("minimum")
    if minimum is not None:
        checks.append(lambda v: type(v) in (int, float) and v >= minimum)
    properties = {k: _compile(sub) for k, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    if extra is not True and extra is not False:
        return _never
    closed = extra is False
    names = frozenset(properties)

    def check_object(v: Any) -> bool:
        if type(v) is not dict:
            return True
        if any(k not in v for k in required) or (closed and not names.issuperset(v)):
            return False
        return all(properties[k](item) for k, item in v.items() if k in properties)

    checks.append(check_object)
    if "items" in schema:
        item_check = _compile(schema["items"])
        checks.append(lambda v: type(v) is not list or all(map(item_check, v)))
    return lambda v: all(check(v) for check in checks)


class AnswerSchema:
    """A JSON Schema with its fast checker and (built when first needed) its validator."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.fast = _compile(schema)
        self._validator: Draft202012Validator | None = None

    def validator(self) -> Draft202012Validator:
        if self._validator is None:
            self._validator = Draft202012Validator(dict(self.schema))
        return self._validator


def plainly_valid(value: Any, schema: Mapping[str, Any]) -> bool:
    """True only if ``value`` is valid under ``schema`` (a subset of JSON Schema;
    False means "ask the full validator", see module doc)."""
    return _compile(schema)(value)


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    """``value`` with ``clean`` applied to every string in it, keys included
    (recursive: called on values already within the bounds' depth)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    if isinstance(value, dict):
        return {clean(k): _cleaned(v, clean) for k, v in value.items()}
    return value


def _wants_integer(schema: Mapping[str, Any]) -> bool:
    kinds = schema.get("type")
    return kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)


def integral(value: Any, schema: Mapping[str, Any]) -> Any:
    """``value`` with each integer-valued float the schema types ``integer`` made an
    int (module doc); the rest unchanged."""
    if isinstance(value, float) and value.is_integer() and _wants_integer(schema):
        return int(value)
    if isinstance(value, dict) and isinstance(schema.get("properties"), Mapping):
        properties = schema["properties"]
        return {k: integral(v, properties.get(k, {})) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [integral(v, schema["items"]) for v in value]
    return value


def _same(text: str) -> str:
    return text


def read_answer(
    text: str,
    schema: Mapping[str, Any] | AnswerSchema,
    clean: Callable[[str], str] = _same,
) -> Reading:
    """Parse leniently, salvage a cut-off answer, check the bounds, validate (module doc)."""
    checked = schema if isinstance(schema, AnswerSchema) else AnswerSchema(schema)
    body = _strip(text).strip()
    if body.startswith("{") and body.endswith("```"):
        body = body[: body.rfind("}") + 1]
    salvaged = False
    too_deep = f"nests deeper than {BOUNDS.max_depth} levels"
    try:
        value = json.loads(body, strict=False)
    except RecursionError:
        return Reading(None, too_deep)
    except ValueError as exc:
        try:
            value = _salvage(body)
            salvaged = True
        except ValueError:
            position = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:80]
            return Reading(None, f"not JSON ({message}{position})")
    try:
        check_value(value)
    except InputError as exc:
        if "nested deeper" in exc.message:
            return Reading(None, too_deep)
        return Reading(None, f"holds a value out of bounds at {exc.pointer or '/'}: {exc.message}")
    value = integral(_cleaned(value, clean), checked.schema)
    try:
        check_value(value)  # an integral float may have become a huge integer
    except InputError as exc:
        return Reading(None, f"holds a value out of bounds at {exc.pointer or '/'}: {exc.message}")
    if checked.fast(value):
        return Reading(value, "", salvaged)
    errors = sorted(checked.validator().iter_errors(value), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/" + "/".join(map(str, first.absolute_path))
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        message = first.message if len(first.message) <= 300 else first.message[:299] + "…"
        return Reading(None, f"breaks the schema at {where}: {message}{more}", salvaged)
    return Reading(value, "", salvaged)
