"""Arguments against a tool's input schema, with errors that name the field.

Compiling a JSON Schema validator costs far more than running one, so each
(tool, version) compiles once per process; tool definitions are immutable
for a given version, which makes the cache safe without invalidation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import exceptions, validators

from valetkey.catalog.model import Tool


@dataclass(frozen=True)
class ArgumentError:
    field: str
    message: str


def validate_arguments(tool: Tool, version: str, arguments: dict[str, Any]) -> ArgumentError | None:
    """The most relevant problem with `arguments`, or None when they are valid."""
    validator = compiled_validator(tool, version)
    if validator.is_valid(arguments):
        return None
    error = exceptions.best_match(validator.iter_errors(arguments))
    return describe(error)


def describe(error: exceptions.ValidationError) -> ArgumentError:
    path = [str(p) for p in error.absolute_path]
    # For required/additionalProperties the interesting name is in the message's
    # parameters, not the path (which points at the enclosing object).
    if error.validator == "required":
        missing = next((name for name in error.validator_value if name not in (error.instance or {})), None)
        if missing is not None:
            return ArgumentError(".".join([*path, missing]), f"'{missing}' is required")
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema or {}).get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            return ArgumentError(".".join([*path, extra[0]]), f"'{extra[0]}' is not an accepted argument")
    return ArgumentError(".".join(path) or "arguments", error.message)


_COMPILED: dict[tuple[str, str], tuple[Any, Any]] = {}


def compiled_validator(tool: Tool, version: str) -> Any:
    """The validator for this tool at this version, compiled on first use."""
    key = (tool.slug, version)
    entry = _COMPILED.get(key)
    # The identity check covers a catalog reloaded with a changed definition.
    if entry is None or entry[0] is not tool.input_schema:
        schema = tool.input_schema or {"type": "object"}
        cls = validators.validator_for(schema, default=validators.Draft202012Validator)
        entry = (tool.input_schema, cls(schema))
        _COMPILED[key] = entry
    return entry[1]
