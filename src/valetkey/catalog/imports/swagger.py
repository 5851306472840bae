"""OpenAPI 2.0 (Swagger) documents rewritten as OpenAPI 3.0, so one importer reads both.

What changes between the versions and what this rewrite does about it:

- `host` + `basePath` + `schemes` become `servers` (https preferred);
- `definitions`, `parameters`, `responses` and `securityDefinitions` move
  under `components` (`schemas`, `parameters`, `responses`,
  `securitySchemes`), and every `$ref` is rewritten to the new place;
- a `body` parameter becomes the `requestBody` (JSON, or the operation's
  first `consumes` type); `formData` parameters become a form (or
  multipart, when one is a `file`) request body of their own;
- a non-body parameter's type keywords move into its `schema`
  (`collectionFormat: multi` is `explode: true`, others `explode: false`);
- a response's `schema` and `examples` move into `content`;
- `securityDefinitions` of type `basic` become HTTP basic, `oauth2` flows
  (`accessCode`, `implicit`, `password`, `application`) the OpenAPI 3 flows.
"""

from __future__ import annotations

import copy
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_MOVED = {
    "#/definitions/": "#/components/schemas/",
    "#/parameters/": "#/components/parameters/",
    "#/responses/": "#/components/responses/",
}
_PARAM_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)
_FLOWS = {
    "accessCode": "authorizationCode",
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
}


def is_swagger(document: dict[str, Any]) -> bool:
    return str(document.get("swagger", "")).startswith("2")


def to_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document saying what the Swagger 2.0 `document` says."""
    doc = _refs_moved(copy.deepcopy(document))
    schemes = doc.get("schemes") or ["https"]
    scheme = "https" if "https" in schemes else schemes[0]
    host = doc.get("host")
    base = doc.get("basePath") or ""
    servers = [{"url": f"{scheme}://{host}{base}".rstrip("/")}] if host else [{"url": base or "/"}]
    consumes = doc.get("consumes") or ["application/json"]
    produces = doc.get("produces") or ["application/json"]
    components: dict[str, Any] = {
        "schemas": doc.get("definitions") or {},
        "parameters": {
            name: _parameter(p) for name, p in (doc.get("parameters") or {}).items() if p.get("in") != "body"
        },
        "responses": {name: _response(r, produces) for name, r in (doc.get("responses") or {}).items()},
        "securitySchemes": {
            name: _security_scheme(s) for name, s in (doc.get("securityDefinitions") or {}).items()
        },
    }
    shared_body = {
        f"#/components/parameters/{name}": p
        for name, p in (doc.get("parameters") or {}).items()
        if p.get("in") in ("body", "formData")
    }
    paths: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        out_item: dict[str, Any] = {}
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                out_item[method] = _operation(op, shared, consumes, produces, shared_body)
        paths[path] = out_item
    out: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": doc.get("info") or {"title": "", "version": ""},
        "servers": servers,
        "paths": paths,
        "components": components,
    }
    for key in ("security", "tags", "externalDocs"):
        if key in doc:
            out[key] = doc[key]
    out.update({k: v for k, v in doc.items() if k.startswith("x-")})
    return out


def _refs_moved(node: Any) -> Any:
    if isinstance(node, list):
        return [_refs_moved(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            for old, new in _MOVED.items():
                if value.startswith(old):
                    value = new + value[len(old) :]
            out[key] = value
        else:
            out[key] = _refs_moved(value)
    return out


def _parameter(raw: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in raw:
        return raw
    out: dict[str, Any] = {k: raw[k] for k in ("name", "in", "description", "required") if k in raw}
    schema = {k: raw[k] for k in _PARAM_SCHEMA_KEYS if k in raw}
    if raw.get("type") == "file":
        schema = {"type": "string", "format": "binary"}
    out["schema"] = schema
    if raw.get("type") == "array":
        out["explode"] = raw.get("collectionFormat") == "multi"
    return out


def _operation(
    op: dict[str, Any],
    shared: list[dict[str, Any]],
    consumes: list[str],
    produces: list[str],
    shared_body: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    out = {
        k: v for k, v in op.items() if k not in ("parameters", "responses", "consumes", "produces", "schemes")
    }
    consumes = op.get("consumes") or consumes
    produces = op.get("produces") or produces
    params: list[dict[str, Any]] = []
    body: dict[str, Any] | None = None
    form: list[dict[str, Any]] = []
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared, *(op.get("parameters") or [])]:
        if "$ref" in raw and raw["$ref"] in shared_body:
            raw = shared_body[raw["$ref"]]
        key = (raw.get("$ref") or raw.get("name", ""), raw.get("in", ""))
        merged[key] = raw
    for raw in merged.values():
        where = raw.get("in")
        if where == "body":
            body = raw
        elif where == "formData":
            form.append(raw)
        else:
            params.append(_parameter(raw))
    out["parameters"] = params
    if body is not None:
        media = next((c for c in consumes if "json" in c), consumes[0])
        out["requestBody"] = {
            "required": bool(body.get("required")),
            "content": {media: {"schema": body.get("schema") or {}}},
            **({"description": body["description"]} if body.get("description") else {}),
        }
    elif form:
        has_file = any(p.get("type") == "file" for p in form)
        media = (
            "multipart/form-data"
            if has_file or "multipart/form-data" in consumes
            else ("application/x-www-form-urlencoded")
        )
        properties = {p["name"]: _parameter(p)["schema"] | _described(p) for p in form}
        required = [p["name"] for p in form if p.get("required")]
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        out["requestBody"] = {"required": bool(required), "content": {media: {"schema": schema}}}
    out["responses"] = {str(code): _response(r, produces) for code, r in (op.get("responses") or {}).items()}
    return out


def _described(raw: dict[str, Any]) -> dict[str, Any]:
    return {"description": raw["description"]} if raw.get("description") else {}


def _response(raw: dict[str, Any], produces: list[str]) -> dict[str, Any]:
    if "$ref" in raw:
        return raw
    out: dict[str, Any] = {"description": raw.get("description", "")}
    if "schema" in raw:
        media = next((p for p in produces if "json" in p), produces[0] if produces else "application/json")
        content: dict[str, Any] = {"schema": raw["schema"]}
        example = (raw.get("examples") or {}).get(media)
        if example is not None:
            content["example"] = example
        out["content"] = {media: content}
    if raw.get("headers"):
        out["headers"] = {name: {"schema": h} for name, h in raw["headers"].items()}
    return out


def _security_scheme(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("type")
    described = _described(raw)
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **described}
    if kind == "apiKey":
        return {"type": "apiKey", "name": raw.get("name", ""), "in": raw.get("in", "header"), **described}
    if kind == "oauth2":
        flow: dict[str, Any] = {"scopes": raw.get("scopes") or {}}
        if raw.get("authorizationUrl"):
            flow["authorizationUrl"] = raw["authorizationUrl"]
        if raw.get("tokenUrl"):
            flow["tokenUrl"] = raw["tokenUrl"]
        return {"type": "oauth2", "flows": {_FLOWS.get(raw.get("flow", ""), "implicit"): flow}, **described}
    return dict(raw)
