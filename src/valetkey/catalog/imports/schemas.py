"""Schemas of a published description made into tool schemas every LLM provider accepts.

`input_schema_of` makes an argument schema that passes the gates of
`tests/test_tool_schema_quality.py`: OpenAI strict mode (after the SDK's
rewrite), Anthropic and Gemini. Everything is already `$ref`-resolved
(`apispec.openapi.resolve`, cycles cut to ``{}``) and plain JSON Schema
(`nullable` folded into `type`). The rules:

- `allOf` branches are merged into one schema (properties, required, type);
- `oneOf`/`anyOf`: `null` branches are dropped (optional arguments are
  nullable in strict mode anyway); one branch left is that branch; only
  object branches merge into one object whose properties are all optional;
  scalar branches become an `anyOf` of them (Gemini and strict mode accept it);
- a free-form map (`additionalProperties` and no `properties`, or an
  object with nothing known about it) cannot be expressed in strict mode, so
  the argument is dropped (`None`): the importer reports it, and an operation
  that *requires* one is not imported;
- type lists become their first non-null type; formats and `enum` survive
  only where Gemini takes them (`date-time` on strings, `int32`/`int64`,
  `float`/`double`; `enum` only on strings); `pattern` is kept when it
  compiles and uses only the common regex core (no lookarounds, named groups, `\\p`);
- nesting is cut at `MAX_DEPTH` objects: deeper objects are dropped.

`output_schema_of` is laxer: outputs are documentation and validation, not
a model's function signature, so they keep their shape (bounded in depth and
cleaned of keys that are not JSON Schema).
"""

from __future__ import annotations

import json
import re
from typing import Any

from valetkey.catalog.checks import SCHEMA_KEYWORDS

MAX_DEPTH = 4
MAX_OUTPUT_DEPTH = 3
MAX_DESCRIPTION = 300
# Characters of JSON one argument's (or one output's) schema may take before nesting is cut.
BUDGET = 12_000
SCALARS = ("string", "integer", "number", "boolean")
GEMINI_FORMATS = {"string": {"date-time"}, "number": {"float", "double"}, "integer": {"int32", "int64"}}
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def clean_text(text: Any, limit: int = MAX_DESCRIPTION) -> str:
    """Markdown and HTML reduced to plain sentences, at most `limit` characters, cut at a sentence end."""
    if not isinstance(text, str):
        return ""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = re.sub(r"[`*_]{2,}", "", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > limit // 3 else cut[: limit - 3].rstrip() + "..."


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `allOf` folded in: properties and required unioned, first type wins."""
    branches = [b for b in schema.get("allOf") or [] if isinstance(b, dict)]
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for branch in branches:
        branch = merge_all_of(branch)
        for key, value in branch.items():
            if key == "properties":
                out["properties"] = {**value, **(out.get("properties") or {})}
            elif key == "required":
                out["required"] = list(dict.fromkeys([*(out.get("required") or []), *value]))
            else:
                out.setdefault(key, value)
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    return out


def _single_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            if values and all(isinstance(v, bool) for v in values):
                return "boolean"
            if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return "integer"
            return "string"
    return kind if isinstance(kind, str) else None


def _combined(schema: dict[str, Any], depth: int, max_depth: int = MAX_DEPTH) -> dict[str, Any] | None:
    """A `oneOf`/`anyOf` schema as one strict- and Gemini-safe schema, or None."""
    key = "oneOf" if "oneOf" in schema else "anyOf"
    branches = [
        merge_all_of(b)
        for b in schema[key]
        if isinstance(b, dict) and _single_type(merge_all_of(b)) != "null"
    ]
    branches = [b for b in branches if b.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
    if not branches:
        return None
    if len(branches) == 1:
        return input_schema_of({**branches[0], **rest}, depth, max_depth)
    kinds = [_single_type(b) for b in branches]
    if all(k == "object" for k in kinds):
        properties: dict[str, Any] = {}
        for branch in branches:
            for name, sub in (branch.get("properties") or {}).items():
                properties.setdefault(name, sub)
        return input_schema_of({**rest, "type": "object", "properties": properties}, depth, max_depth)
    converted = []
    for branch in branches:
        sub = input_schema_of(branch, depth, max_depth)
        if sub is None or sub.get("type") in ("object", None):
            continue
        sub.pop("description", None)
        if sub not in converted:
            converted.append(sub)
    if not converted:
        return None
    if len(converted) == 1:
        return {**converted[0], **_described(rest)}
    return {"anyOf": converted, **_described(rest)}


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    text = clean_text(schema.get("description"))
    return {"description": text} if text else {}


def input_schema_of(schema: Any, depth: int = 0, max_depth: int = MAX_DEPTH) -> dict[str, Any] | None:
    """An argument schema every provider accepts, or None when it cannot be expressed (see module doc)."""
    if not isinstance(schema, dict) or not schema:
        return None
    schema = merge_all_of(schema)
    if ("oneOf" in schema or "anyOf" in schema) and "properties" not in schema:
        return _combined(schema, depth, max_depth)
    kind = _single_type(schema)
    out: dict[str, Any] = {}
    if kind == "object":
        if depth >= max_depth:
            return None
        properties = {}
        declared = schema.get("properties") or {}
        wanted = [r for r in schema.get("required") or [] if isinstance(r, str)]
        for name, sub in declared.items():
            if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", str(name)):
                if name in wanted:
                    return None
                continue
            if isinstance(sub, dict) and sub.get("readOnly") is True:
                continue
            converted = input_schema_of(sub, depth + 1, max_depth)
            if converted is None and name in wanted:
                return None  # a required field no tool schema can express: the object cannot be sent
            if converted is not None:
                properties[name] = converted
        for name in wanted:
            # Required by the description without a schema of its own (a description bug, but
            # the service may enforce it): any text passes.
            if name not in declared and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
                properties[name] = {"type": "string", "description": f"The {name} (required by the API)."}
        if not properties:
            return None  # a free-form map, or an object of nothing expressible
        out = {"type": "object", "properties": properties}
        required = [r for r in wanted if r in properties]
        if required:
            out["required"] = required
    elif kind == "array":
        items = input_schema_of(schema.get("items"), depth, max_depth)
        if items is None:
            return None
        out = {"type": "array", "items": items}
        for key in ("minItems", "maxItems"):
            if isinstance(schema.get(key), int):
                out[key] = schema[key]
    elif kind in SCALARS:
        out = {"type": kind}
        fmt = schema.get("format")
        if fmt in GEMINI_FORMATS.get(kind, ()):
            out["format"] = fmt
        if kind == "string" and fmt == "binary":
            return None  # file content: not an argument a model can type
        values = [v for v in schema.get("enum") or [] if v is not None]
        if values and kind == "string" and all(isinstance(v, str) for v in values):
            out["enum"] = values
        pattern = schema.get("pattern")
        if kind == "string" and isinstance(pattern, str) and "enum" not in out and _portable_regex(pattern):
            out["pattern"] = pattern
        for key in ("minimum", "maximum") if kind in ("integer", "number") else ("minLength", "maxLength"):
            value = schema.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = int(value) if kind != "number" else value
        default = schema.get("default")
        if _fits(default, kind) and ("enum" not in out or default in out["enum"]):
            out["default"] = default
    else:
        return None
    text = clean_text(schema.get("description") or schema.get("title"))
    if kind in ("integer", "number", "boolean") and schema.get("enum"):
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        text = f"{text} One of: {allowed}.".strip()
    if text:
        out["description"] = text
    return out


def bounded(convert: Any, schema: Any, max_depth: int, budget: int = BUDGET) -> Any:
    """`convert(schema, 0, depth)` at the deepest nesting (up to `max_depth`) whose result stays
    within `budget` characters of JSON: a description's big objects (DocuSign's envelope) are cut
    shallower rather than shipped as megabytes of schema."""
    result = None
    for depth in range(max_depth, 0, -1):
        result = convert(schema, 0, depth)
        if result is None or len(json.dumps(result)) <= budget:
            return result
    return result


def _portable_regex(pattern: str) -> bool:
    """A pattern Python compiles and that uses no syntax outside the ECMA/Python/RE2 common core."""
    if len(pattern) > 200 or re.search(r"\(\?[<!=P]|\\[pPkAZz]", pattern):
        return False
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return False
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


_OUTPUT_KEYS = frozenset(SCHEMA_KEYWORDS) - {
    "$ref",
    "$schema",
    "$id",
    "$defs",
    "definitions",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "example",
    "examples",
    "pattern",
    "patternProperties",
    "default",
    "file_uploadable",
    "file_downloadable",
    "nullable",
    "readOnly",
    "writeOnly",
    "contentSchema",
    "title",
}


_BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")


def output_schema_of(schema: Any, depth: int = 0, max_depth: int = MAX_OUTPUT_DEPTH) -> dict[str, Any]:
    """A response schema kept close to the description: cleaned, `allOf` merged, bounded in depth."""
    if not isinstance(schema, dict):
        return {}
    schema = merge_all_of(schema)
    if depth >= max_depth:
        kind = _single_type(schema)
        return {"type": kind} if kind and kind != "null" else {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _OUTPUT_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {str(k): output_schema_of(v, depth + 1, max_depth) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = output_schema_of(value, depth + 1, max_depth)
        elif key in ("anyOf", "oneOf") and isinstance(value, list):
            # anyOf, not oneOf: an output schema documents and checks shapes, and cut-down
            # branches often overlap (a file and a folder both have `id` and `type`).
            out["anyOf"] = [output_schema_of(v, depth + 1, max_depth) for v in value if isinstance(v, dict)]
        elif key == "description" and depth <= 1:
            text = clean_text(value, 200)
            if text:
                out[key] = text
        elif key == "required" and isinstance(value, list):
            out[key] = [str(v) for v in value]
        elif key == "type" and (isinstance(value, str) or isinstance(value, list)):
            out[key] = value
        elif key == "enum" and isinstance(value, list):
            out[key] = value
        elif key == "format" and isinstance(value, str):
            out[key] = value
        elif key in _BOUNDS and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value
    if "type" not in out and _single_type(schema):
        out["type"] = _single_type(schema)
    if isinstance(out.get("type"), str) and out["type"] not in (*SCALARS, "object", "array", "null"):
        out.pop("type")
    if "required" in out and "properties" in out:
        out["required"] = [r for r in out["required"] if r in out["properties"]]
        if not out["required"]:
            out.pop("required")
    elif "required" in out:
        out.pop("required")
    return out
