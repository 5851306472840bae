"""OpenAPI 3.0 / 3.1 documents into `ApiDescription`s: `$ref`s inlined, schemas made JSON Schema.

OpenAPI 3.0 schemas are a dialect of JSON Schema: `nullable: true` stands
for a `null` type and some keywords mean nothing to a validator. We rewrite
the former so a standard JSON Schema validator gives OpenAPI's answer. 3.1
schemas are JSON Schema already and pass through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from valetkey.catalog.apispec import ApiDescription, Operation, Param

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA = "application/json"


def resolve(
    document: dict[str, Any], node: Any, seen: tuple[str, ...] = (), max_refs: int | None = None
) -> Any:
    """`node` with every local `$ref` replaced by its target; a cycle becomes ``{}`` (anything).

    `max_refs` bounds how many `$ref`s deep the expansion goes (deeper ones become ``{}``):
    descriptions whose schemas share a lot (Microsoft Graph) grow exponentially otherwise.
    """
    if isinstance(node, list):
        return [resolve(document, item, seen, max_refs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen or (max_refs is not None and len(seen) >= max_refs):
            return {}
        target = lookup(document, ref)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        resolved = resolve(document, target, (*seen, ref), max_refs)
        return {**resolved, **resolve(document, siblings, seen, max_refs)} if siblings else resolved
    return {key: resolve(document, value, seen, max_refs) for key, value in node.items()}


def lookup(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) and key.isdigit() else node[key]
    return node


def json_schema(schema: Any, *, openapi_30: bool) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema (`nullable` folded into `type`)."""
    if isinstance(schema, list):
        return [json_schema(s, openapi_30=openapi_30) for s in schema]
    if not isinstance(schema, dict) or not openapi_30:
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions", "$defs") and isinstance(value, dict):
            out[key] = {k: json_schema(v, openapi_30=True) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = json_schema(value, openapi_30=True)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [json_schema(v, openapi_30=True) for v in value]
        elif key not in ("nullable", "example", "discriminator", "xml", "externalDocs"):
            out[key] = value
    if schema.get("nullable"):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        elif kind is None and any(k in out for k in ("anyOf", "oneOf", "allOf")):
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def from_openapi(document: dict[str, Any], *, source: str = "") -> ApiDescription:
    version = str(document.get("openapi", ""))
    if not version.startswith("3."):
        raise ValueError(f"{source or 'document'}: OpenAPI {version!r} is not 3.x")
    openapi_30 = version.startswith("3.0")
    servers = document.get("servers") or [{}]
    base_path = urlsplit(servers[0].get("url", "")).path.rstrip("/")
    operations = []
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                operations.append(_operation(document, path, method, op, shared, openapi_30))
    info = document.get("info") or {}
    return ApiDescription(
        info.get("title", ""), str(info.get("version", "")), tuple(operations), base_path, source
    )


def _operation(document, path, method, op, shared, openapi_30) -> Operation:
    merged: dict[tuple[str, str], dict] = {}
    for raw in [*shared, *(op.get("parameters") or [])]:
        merged[(raw["name"], raw["in"])] = raw
    params = tuple(
        Param(
            name=raw["name"],
            location=raw["in"],
            required=bool(raw.get("required") or raw["in"] == "path"),
            schema=json_schema(raw.get("schema") or {}, openapi_30=openapi_30),
            description=raw.get("description", ""),
            explode=raw.get("explode", raw.get("style", "form") == "form"),
        )
        for raw in merged.values()
    )
    body = op.get("requestBody") or {}
    content = body.get("content") or {}
    media = tuple(content)
    chosen: dict[str, Any] = content.get(JSON_MEDIA) or next(iter(content.values()), {})
    body_schema = json_schema(chosen.get("schema"), openapi_30=openapi_30) if content else None
    docs = (op.get("externalDocs") or {}).get("url", "")
    return Operation(
        id=op.get("operationId") or f"{method.upper()} {path}",
        method=method.upper(),
        path=path,
        params=params,
        body_schema=body_schema,
        body_required=bool(body.get("required")),
        body_media_types=media,
        summary=op.get("summary", ""),
        description=op.get("description", ""),
        tags=tuple(op.get("tags") or ()),
        docs_url=docs,
        deprecated=bool(op.get("deprecated")),
    )
