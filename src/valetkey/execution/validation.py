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


def admits_null(schema: Any) -> bool:
    """Whether a property schema accepts JSON null (`type` with "null", `nullable`, a null branch...)."""
    if not isinstance(schema, dict) or not schema:
        return True  # no constraint: anything, null included
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind) or schema.get("nullable") is True:
        return True
    if "const" in schema:
        return schema["const"] is None
    if "enum" in schema:
        return None in (schema["enum"] or [])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and any(admits_null(branch) for branch in schema[key]):
            return True
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        return all(admits_null(branch) for branch in schema["allOf"])
    return kind is None and not any(k in schema for k in ("properties", "items", "$ref"))


def drop_null_optionals(schema: Any, arguments: Any) -> Any:
    """`arguments` without the `null`s given for optional properties that do not accept null.

    Agents (CrewAI's text mode, many function-calling models) send every
    optional argument, with `null` for those they have no value for. For an
    optional property whose schema does not allow null, "null" can only mean
    "not given", so it is treated as absent (at every object level) rather
    than failing the call; a required property's `null` is still an error.
    """
    if not isinstance(schema, dict) or not isinstance(arguments, dict):
        return arguments
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return arguments
    required = set(schema.get("required") or ())
    cleaned: dict[str, Any] = {}
    for name, value in arguments.items():
        prop = properties.get(name)
        if value is None and name in properties and name not in required and not admits_null(prop):
            continue
        cleaned[name] = drop_null_optionals(prop, value)
    return cleaned


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
