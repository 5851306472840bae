"""Arguments against a tool's input schema, with errors that name the field.

Two validators per schema: `jsonschema_rs` (compiled Rust, about 1 µs for a
typical tool input) answers "valid?" on every execution; the reference
`jsonschema` implementation explains a failure, where its `best_match` and
error details give the clearest message. Both are compiled once per
(tool, version) and cached in the app's `AppState.validators` (an LRU cache: two apps
never share one); a definition never changes within a version.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import exceptions, validators

from valetkey.catalog.model import Tool


@dataclass(frozen=True)
class ArgumentError:
    field: str
    message: str


def validate_arguments(
    tool: Tool, version: str, arguments: dict[str, Any], cache: ValidatorCache | None = None
) -> ArgumentError | None:
    """The most relevant problem with `arguments`, or None when they are valid.

    `cache` keeps compiled validators (the app's `AppState.validators`); without one they are compiled anew.
    """
    fast, explain = compiled_validators(tool, version, {} if cache is None else cache)
    if fast.is_valid(arguments):
        return None
    error = exceptions.best_match(explain.iter_errors(arguments))
    if error is None:  # the two implementations disagree: trust the reference one
        return None
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


# (tool slug, version) -> (the schema compiled, fast checker, explaining validator).
ValidatorCache = MutableMapping[tuple[str, str], tuple[Any, Any, Any]]


def compiled_validators(tool: Tool, version: str, cache: ValidatorCache) -> tuple[Any, Any]:
    """(fast checker, explaining validator) for this tool at this version, compiled on first use."""
    key = (tool.slug, version)
    entry = cache.get(key)
    # The identity check covers a catalog reloaded with a changed definition.
    if entry is None or entry[0] is not tool.input_schema:
        schema = tool.input_schema or {"type": "object"}
        cls = validators.validator_for(schema, default=validators.Draft202012Validator)
        explain = cls(schema)
        try:
            fast = jsonschema_rs.validator_for(schema)
        except Exception:  # a construct the Rust validator rejects: use the reference one alone
            fast = explain
        entry = (tool.input_schema, fast, explain)
        cache[key] = entry
    return entry[1], entry[2]
