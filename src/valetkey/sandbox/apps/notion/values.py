"""Page property values checked against a data source's schema, and query filters evaluated on them."""

from __future__ import annotations

from typing import Any

from .kit import invalid
from .state import plain

SIMPLE: dict[str, type | tuple[type, ...]] = {
    "number": (int, float),
    "checkbox": bool,
    "url": str,
    "email": str,
    "phone_number": str,
}


def checked_value(name: str, schema: dict[str, Any] | None, value: Any) -> dict[str, Any]:
    """A property value in Notion's shape, refusing what the schema does not allow (400 validation_error)."""
    if not isinstance(value, dict):
        raise invalid(f"body.properties.{name} should be an object.")
    if schema is None:
        raise invalid(f"{name} is not a property that exists.")
    kind = schema["type"]
    if kind not in value:
        raise invalid(f"{name} is expected to be {kind}.")
    raw = value[kind]
    if kind in ("title", "rich_text"):
        if not isinstance(raw, list):
            raise invalid(f"body.properties.{name}.{kind} should be an array.")
        raw = [
            {
                **part,
                "plain_text": (part.get("text") or {}).get("content", part.get("plain_text", "")),
                "type": part.get("type", "text"),
            }
            for part in raw
        ]
    elif kind in ("select", "status"):
        if raw is not None:
            options = {o["name"]: o for o in (schema.get(kind) or {}).get("options", [])}
            if not isinstance(raw, dict) or "name" not in raw:
                raise invalid(f"body.properties.{name}.{kind}.name should be defined.")
            if raw["name"] not in options:
                if kind == "status":
                    raise invalid(f'Invalid status option. Status option "{raw["name"]}" does not exist.')
                options[raw["name"]] = {"id": raw["name"][:4], "name": raw["name"], "color": "default"}
                schema[kind]["options"] = list(options.values())
            raw = options[raw["name"]]
    elif kind == "multi_select":
        if not isinstance(raw, list) or not all(isinstance(o, dict) and "name" in o for o in raw):
            raise invalid(f"body.properties.{name}.multi_select should be an array of {{name}}.")
        raw = [{"name": o["name"], "color": "default"} for o in raw]
    elif kind == "date":
        if raw is not None and not (isinstance(raw, dict) and isinstance(raw.get("start"), str)):
            raise invalid(f"body.properties.{name}.date.start should be a string.")
        raw = None if raw is None else {"start": raw["start"], "end": raw.get("end"), "time_zone": None}
    elif kind in SIMPLE:
        if raw is not None and (
            not isinstance(raw, SIMPLE[kind]) or (kind == "number" and isinstance(raw, bool))
        ):
            raise invalid(f"body.properties.{name}.{kind} should be a {kind}, instead was `{raw!r}`.")
    else:
        raise invalid(f"{name}: properties of type {kind} cannot be set through the sandbox.")
    return {"id": schema["id"], "type": kind, kind: raw}


def comparable(value: dict[str, Any] | None) -> Any:
    if value is None:
        return None
    raw = value.get(value["type"])
    if value["type"] in ("title", "rich_text"):
        return plain(raw)
    if value["type"] in ("select", "status"):
        return raw["name"] if raw else None
    if value["type"] == "multi_select":
        return [o["name"] for o in raw or []]
    if value["type"] == "date":
        return raw["start"] if raw else None
    return raw


def matches(filter_: dict[str, Any], properties: dict[str, dict[str, Any]]) -> bool:
    """Evaluate a Notion filter (``and``/``or`` compounds of property conditions)."""
    if "and" in filter_:
        return all(matches(f, properties) for f in filter_["and"])
    if "or" in filter_:
        return any(matches(f, properties) for f in filter_["or"])
    name = filter_.get("property")
    if name not in properties:
        raise invalid(f"Could not find property with name or id: {name}")
    kinds = [k for k in filter_ if k != "property"]
    if len(kinds) != 1 or not isinstance(filter_[kinds[0]], dict) or len(filter_[kinds[0]]) != 1:
        raise invalid("body.filter should be a property filter with exactly one condition.")
    ((operator, operand),) = filter_[kinds[0]].items()
    value = comparable(properties[name])
    if operator == "equals":
        return value == operand
    if operator == "does_not_equal":
        return value != operand
    if operator == "contains":
        return operand in (value or "" if not isinstance(value, list) else value)
    if operator == "does_not_contain":
        return operand not in (value or "" if not isinstance(value, list) else value)
    if operator == "is_empty":
        return value in (None, "", [])
    if operator == "is_not_empty":
        return value not in (None, "", [])
    if operator in ("greater_than", "after"):
        return value is not None and value > operand
    if operator in ("less_than", "before"):
        return value is not None and value < operand
    if operator in ("greater_than_or_equal_to", "on_or_after"):
        return value is not None and value >= operand
    if operator in ("less_than_or_equal_to", "on_or_before"):
        return value is not None and value <= operand
    raise invalid(f"body.filter: unsupported condition `{operator}`.")
