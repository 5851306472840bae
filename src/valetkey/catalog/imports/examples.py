"""Example arguments for a tool, valid against its input schema: how an import is verified end to end.

Every argument gets a value (optional ones too, so every binding is
exercised): the default or first enum value when the schema has one, else a
plain value of its type (``"example"``, ``1``, ``true``, one-item arrays,
objects with all their properties).
"""

from __future__ import annotations

import re
from typing import Any

# Strings tried, in order, against an argument's `pattern`.
CANDIDATES = (
    "example",
    "abcdef1234567",
    "0123456789",
    "1",
    "a",
    "A",
    "ABC",
    "2025-01-01",
    "2025-01-01T00:00:00Z",
    "00000000-0000-4000-8000-000000000000",
    "user@example.com",
    "https://example.com/",
    "+15555550100",
    "#ffffff",
    "en-US",
    "en",
    "US",
    "USD",
)


def example_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    value = example_value(schema)
    return value if isinstance(value, dict) else {}


def example_value(schema: Any, depth: int = 0) -> Any:
    if not isinstance(schema, dict):
        return "example"
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("anyOf"):
        return example_value(schema["anyOf"][0], depth)
    kind = schema.get("type")
    if kind == "object":
        return {name: example_value(sub, depth + 1) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        count = max(int(schema.get("minItems") or 1), 1)
        return [example_value(schema.get("items"), depth + 1) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2025-01-01T00:00:00Z"
    if isinstance(schema.get("pattern"), str):
        return next((c for c in CANDIDATES if re.search(schema["pattern"], c)), "example")
    minimum = int(schema.get("minLength") or 0)
    text = "example"
    if schema.get("maxLength") is not None:
        text = text[: max(int(schema["maxLength"]), 1)]
    return text + "x" * max(minimum - len(text), 0)
