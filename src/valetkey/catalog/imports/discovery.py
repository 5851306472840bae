"""Google API discovery documents rewritten as OpenAPI 3.0, so one importer reads them too.

Each method becomes an operation at ``servicePath + path`` with its own
parameters (the document-wide ones, ``alt``/``fields``/``prettyPrint``...,
are left out: they are transport details, not arguments), its request and
response schemas under `components.schemas` (``$ref`` names rewritten), and
its OAuth scopes as the operation's security requirement. A path with
``{+name}`` (a value spanning segments) uses the method's `flatPath` when
that spells every placeholder as a declared parameter, and is skipped
otherwise. Media-upload twins are not imported.
"""

from __future__ import annotations

import re
from typing import Any

from valetkey.catalog.apispec.discovery import iter_methods

GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
_DROPPED = {"id", "annotations", "enumDescriptions", "location", "repeated", "enumDeprecated", "deprecated"}


def is_discovery(document: dict[str, Any]) -> bool:
    return document.get("kind") == "discovery#restDescription"


def to_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    root = str(document.get("rootUrl", "")).rstrip("/")
    service = (document.get("servicePath") or "").strip("/")
    server = root + ("/" + service if service else "")
    paths: dict[str, Any] = {}
    for method in iter_methods(document.get("resources") or {}):
        path = _path(method)
        if path is None:
            continue
        params = []
        for name, raw in (method.get("parameters") or {}).items():
            schema = _schema(raw)
            schema.pop("description", None)
            if raw.get("repeated"):
                schema.pop("default", None)
                schema = {"type": "array", "items": schema}
            params.append(
                {
                    "name": name,
                    "in": raw.get("location", "query"),
                    "required": bool(raw.get("required")) or raw.get("location") == "path",
                    "description": raw.get("description", ""),
                    "schema": schema,
                }
            )
        description = method.get("description") or ""
        op: dict[str, Any] = {
            "operationId": method.get("id", ""),
            "summary": description.split(". ")[0].rstrip("."),
            "description": description,
            "parameters": params,
            "responses": {"200": _response(method.get("response"))},
        }
        if method.get("request"):
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(method["request"])}},
            }
        if method.get("scopes"):
            op["security"] = [{"Oauth2": list(method["scopes"])}]
        if method.get("deprecated"):
            op["deprecated"] = True
        paths.setdefault(path, {})[str(method.get("httpMethod", "GET")).lower()] = op
    scopes = ((document.get("auth") or {}).get("oauth2") or {}).get("scopes") or {}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": document.get("title") or document.get("name", ""),
            "version": str(document.get("version", "")),
            "description": document.get("description", ""),
            "x-origin": [{"format": "google", "url": document.get("discoveryRestUrl", ""), "version": "v1"}],
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {name: _schema(s) for name, s in (document.get("schemas") or {}).items()},
            "securitySchemes": {
                "Oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": GOOGLE_AUTHORIZE,
                            "tokenUrl": GOOGLE_TOKEN,
                            "scopes": {k: (v or {}).get("description", "") for k, v in scopes.items()},
                        }
                    },
                }
            },
        },
    }


def _path(method: dict[str, Any]) -> str | None:
    path = str(method.get("path", ""))
    if "{+" in path:
        flat = method.get("flatPath")
        declared = set(method.get("parameters") or {})
        if not flat or not set(re.findall(r"\{([^}]+)\}", flat)) <= declared:
            return None
        path = flat
    return "/" + path.lstrip("/")


def _response(ref: Any) -> dict[str, Any]:
    if not ref:
        return {"description": "Success (no body)."}
    return {"description": "Success.", "content": {"application/json": {"schema": _schema(ref)}}}


def _schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = "#/components/schemas/" + value
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: _schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _schema(value)
        elif key == "type" and value == "any":
            continue
        elif key in ("minimum", "maximum") and isinstance(value, str):
            try:
                out[key] = int(value)
            except ValueError:
                continue
        elif key == "default" and isinstance(value, str) and node.get("type") == "boolean":
            out[key] = value == "true"
        elif key == "default" and isinstance(value, str) and node.get("type") == "integer":
            try:
                out[key] = int(value)
            except ValueError:
                continue
        elif key == "required" and not isinstance(value, list):
            continue
        else:
            out[key] = value
    return out
