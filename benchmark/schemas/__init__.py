"""The JSON Schemas (Draft 2020-12) shipped with troopbench, and validators for them.

* ``gold.schema.json``: gold document files and the entity registry
  (``$defs/document``, ``$defs/registry``);
* ``predictions.schema.json``: one line of a predictions JSONL file;
* ``results.schema.json``: a results file under ``results/``.

Validators are strict about integers: ``46.0`` is not one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators


def _strict_integer(checker: Any, instance: Any) -> bool:
    """JSON Schema calls 46.0 an integer; troopbench does not (offsets index strings)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


#: Draft 2020-12, except that a float with a zero fraction is not an integer.
StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Parse ``<name>.schema.json`` from this package."""
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def schema_validator(name: str, definition: str | None = None) -> Any:
    """A validator for a whole schema, or for one of its ``$defs``."""
    schema = load_schema(name)
    if definition is not None:
        schema = {
            "$schema": schema["$schema"],
            "$defs": schema["$defs"],
            "$ref": f"#/$defs/{definition}",
        }
    return StrictValidator(schema)


def json_pointer(path: Iterable[Any]) -> str:
    """RFC 6901 pointer for a jsonschema ``absolute_path``."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""
