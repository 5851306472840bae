"""Draft a tool definition from an operation of a published API description.

`draft_tool(operation, toolkit)` turns an `apispec.Operation` (from OpenAPI
today, a discovery document once its adapter exists: the importer only sees
the shared shape) into a `tools.yaml` entry: slug in Composio's style from
the summary, path/query/header parameters and the JSON body's top-level
properties as the input schema, an `http` block binding each argument where
the defaults would not put it, and behaviour tags from the method.

It is a *draft*: descriptions need "when to use it" and "what it returns",
inputs need trimming to what an agent needs, output schemas need writing.
The `TODO` markers say where.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from valetkey.catalog.apispec import Operation

TAGS_BY_METHOD = {
    "GET": ["readOnlyHint", "idempotentHint", "openWorldHint"],
    "HEAD": ["readOnlyHint", "idempotentHint", "openWorldHint"],
    "PUT": ["idempotentHint", "openWorldHint"],
    "DELETE": ["destructiveHint", "idempotentHint", "openWorldHint"],
    "PATCH": ["openWorldHint"],
    "POST": ["openWorldHint"],
}
# Kept when copying a parameter schema; the rest is noise to an agent or unsupported by LLM providers.
KEPT_KEYWORDS = (
    "type",
    "enum",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "format",
    "items",
    "properties",
    "required",
)
SKIPPED_HEADERS = {"accept", "content-type", "authorization", "user-agent"}
BODYLESS = ("GET", "HEAD", "DELETE")
MAX_DESCRIPTION = 300


def tool_slug(toolkit: str, operation: Operation) -> str:
    """GITHUB_CREATE_AN_ISSUE from the summary "Create an issue" (the operation id if no summary)."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", operation.summary or operation.id).strip("_").upper()
    return f"{toolkit.upper()}_{words}"


def arg_name(wire: str) -> str:
    """A snake_case argument name for a wire name ("X-Trace-Id" -> "x_trace_id", "pageSize" -> "page_size")."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", wire)
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "value"


def simplify(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A parameter schema reduced to keywords every LLM provider accepts; a `oneOf` keeps its first typed branch."""
    for key in ("oneOf", "anyOf"):
        if key in schema and "type" not in schema:
            branch = next(
                (s for s in schema[key] if isinstance(s, dict) and s.get("type") not in (None, "null")), {}
            )
            schema = {**branch, **{k: v for k, v in schema.items() if k != key}}
    out: dict[str, Any] = {}
    for key in KEPT_KEYWORDS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "type" and isinstance(value, list):
            value = next((t for t in value if t != "null"), "string")
        elif key == "items" and isinstance(value, dict):
            value = simplify(value)
        elif key == "properties" and isinstance(value, dict):
            value = {name: simplify(sub, sub.get("description", "")) for name, sub in value.items()}
        elif key == "enum":
            value = [v for v in value if v is not None]
        out[key] = value
    out.setdefault("type", "string")
    text = _first_sentences(description or schema.get("description", ""))
    if text:
        out["description"] = text
    return out


def draft_tool(operation: Operation, toolkit: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    bindings: dict[str, Any] = {}
    default_location = "query" if operation.method in BODYLESS else "body"

    def add(wire: str, location: str, schema: dict[str, Any], description: str, is_required: bool) -> None:
        name = arg_name(wire) if location == "header" else wire
        if name in properties:  # the same name in two places: keep both, the later one prefixed
            name = f"{location}_{name}"
        properties[name] = simplify(schema, description)
        if is_required:
            required.append(name)
        if location == "path":
            return
        if name != wire:
            bindings[name] = {"in": location, "name": wire}
        elif location != default_location:
            bindings[name] = location

    for param in operation.params:
        if param.location == "cookie" or (
            param.location == "header" and param.name.lower() in SKIPPED_HEADERS
        ):
            continue
        add(param.name, param.location, param.schema, param.description, param.required)
    body = operation.body_schema or {}
    body_required = set(body.get("required") or ())
    for name, schema in (body.get("properties") or {}).items():
        add(name, "body", schema, schema.get("description", ""), name in body_required)

    summary = operation.summary or operation.id
    detail = _first_sentences(operation.description)
    description = " ".join(p for p in (summary.rstrip(".") + ".", detail) if p)
    http: dict[str, Any] = {"method": operation.method, "path": operation.path}
    if bindings:
        http["params"] = bindings
    input_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = required
    draft: dict[str, Any] = {
        "slug": tool_slug(toolkit, operation),
        "name": summary,
        "description": description + " TODO: when to use it, and what it returns.",
        "tags": TAGS_BY_METHOD.get(operation.method, ["openWorldHint"]),
    }
    if operation.scopes:
        draft["scopes"] = list(operation.scopes)
    draft.update(
        input=input_schema,
        output={"type": "object", "description": "TODO: the fields an agent reads."},
        http=http,
    )
    return draft


def draft_yaml(operation: Operation, toolkit: str) -> str:
    """The draft as a `tools.yaml` list entry, with where it came from in a comment."""
    source = f"# Draft from {operation.method} {operation.path} ({operation.id})"
    if operation.docs_url:
        source += f", {operation.docs_url}"
    body = yaml.safe_dump([draft_tool(operation, toolkit)], sort_keys=False, allow_unicode=True, width=100)
    return f"{source}. Curate before shipping.\n{body}"


def _first_sentences(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """The opening of a Markdown description, links reduced to their text, cut at a sentence."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text or "")
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > 40 else cut.rstrip() + "..."
