"""Making an execution-log row storable: escape what a database refuses, cut what is too long.

A row carries caller-chosen text (user ids, request ids, arguments echoed in
the request and response). PostgreSQL refuses NUL characters in text and
lone surrogates anywhere, and enforces `VARCHAR(n)`; SQLite refuses lone
surrogates. A row is never dropped for that: the offending value is stored
escaped (NUL as the four characters ``\\x00``, a lone surrogate as
``\\udXXX``) and, if too long, cut and ended with `TRUNCATED`, so a reader
sees that it was altered.

The writer repairs every row before it is queued (the text columns always,
the JSON request and response when they hold a lone surrogate), so both
databases store, and the log endpoints return, the same thing; `repair_row`
is the last resort for a row the database still refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String

from valetkey.execution.models import ExecutionLog

TRUNCATED = "…[truncated]"
# The row's identity is ours, never caller text: never rewritten.
_KEPT = {"id", "project_id"}
_TEXT_COLUMNS = {
    c.name: getattr(c.type, "length", None)
    for c in ExecutionLog.__table__.columns
    if isinstance(c.type, String) and c.name not in _KEPT
}
_JSON_COLUMNS = ("request", "response")


def repair_columns(row: dict[str, Any]) -> list[str]:
    """Repair the text columns of `row` in place; the names of those changed."""
    changed = []
    for name, length in _TEXT_COLUMNS.items():
        value = row.get(name)
        if isinstance(value, str):
            fixed = storable_text(value, length)
            if fixed is not value:
                row[name] = fixed
                changed.append(name)
    return changed


def repair_json_columns(row: dict[str, Any]) -> list[str]:
    """Repair the JSON request and response of `row` in place; the names of those changed."""
    changed = []
    for name in _JSON_COLUMNS:
        if row.get(name) is not None:
            value = storable_json(row[name])
            if value != row[name]:
                row[name] = value
                changed.append(name)
    return changed


def repair_row(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of `row` that every supported database accepts, and the names of the fields changed."""
    fixed = dict(row)
    return fixed, repair_columns(fixed) + repair_json_columns(fixed)


def storable_text(value: str, length: int | None = None) -> str:
    """`value` itself when storable as is, else escaped and cut to `length` characters, marked."""
    fixed = value
    if "\x00" in fixed:
        fixed = fixed.replace("\x00", "\\x00")
    if not fixed.isascii():
        try:
            fixed.encode("utf-8")
        except UnicodeEncodeError:
            fixed = fixed.encode("utf-8", "backslashreplace").decode("utf-8")
    if length is not None and len(fixed) > length:
        fixed = fixed[: length - len(TRUNCATED)] + TRUNCATED
    return value if fixed == value else fixed


def storable_json(value: Any) -> Any:
    """A JSON value with every string (keys too) storable, and anything not JSON as its text."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): storable_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable_json(v) for v in value]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return storable_text(str(value))
