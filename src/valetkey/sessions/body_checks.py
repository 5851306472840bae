"""The checks every part of a session body shares: a problem names its field, unknown keys are refused.

A problem is a `PydanticCustomError` of type `PROBLEM` carrying the field's
dotted path, the problem and a suggested fix; `create_body` raises these
inside its pydantic validators and turns them into the documented 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError

from valetkey.core.validation import ID_MAX, text_problem

PROBLEM = "session_setting"  # the pydantic error type of a problem these validators found


def invalid(field_name: str, problem: str, fix: str | None = None) -> PydanticCustomError:
    """A problem with one field of the body; `field_name` is its dotted path as the caller wrote it."""
    return PydanticCustomError(PROBLEM, "{problem}", {"field": field_name, "problem": problem, "fix": fix})


def strings(value: Any, field_name: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise invalid(field_name, "must be a list of non-empty strings")
    for item in value:
        clean(item, field_name)
    return tuple(dict.fromkeys(value))


def clean(value: str, field_name: str, max_length: int = ID_MAX) -> str:
    """`value` unless it cannot be stored (NUL, lone surrogate, control characters, too long)."""
    problem = text_problem(value, max_length)
    if problem:
        raise invalid(field_name, problem, "Pass printable text without NUL bytes or control characters.")
    return value


def lower(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.lower() for v in values))


def upper(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.upper() for v in values))


APPROVALS_FIX = (
    "Leave require_approval out: this server has no approval step (ToolInputRequiredError). Keep a tool "
    "out of the session with the toolkits/tools/tags filters instead."
)


def only_keys(value: Mapping[str, Any], allowed: tuple[str, ...], field_name: str) -> None:
    """Refuse any key of `value` outside `allowed`, naming it; `require_approval` gets its own reason."""
    if "require_approval" in value and value["require_approval"] not in (None, []):
        raise invalid(f"{field_name}.require_approval", "is not supported by this server", APPROVALS_FIX)
    unknown = [str(k) for k in value if k not in allowed and k != "require_approval"]
    if unknown:
        raise invalid(
            f"{field_name}.{unknown[0]}",
            "is not a session setting",
            f"Pass only {', '.join(allowed)} in {field_name}.",
        )


def flag(value: Any, field_name: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(field_name, "must be true or false")
    return value
