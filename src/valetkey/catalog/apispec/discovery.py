"""Google API discovery documents (``discovery#restDescription``) into `ApiDescription`s.

A discovery document nests methods in ``resources`` (``users.messages.send``),
gives paths relative to ``rootUrl + servicePath`` as RFC 6570 templates
(``{+name}`` may span segments), describes each parameter with a ``location``
and a discovery type (``repeated`` for arrays, numbers as strings for
``minimum``/``default``), and names body schemas by ``$ref`` into ``schemas``.
This adapter turns all of it into the `Operation`/`Param` shape the OpenAPI
adapter produces, with schemas as plain JSON Schema:

- ``servicePath`` becomes `ApiDescription.base_path` (``/drive/v3``), so a
  request path ``/drive/v3/files`` finds the operation ``/files``;
- the document-wide ``parameters`` (``alt``, ``fields``, ``prettyPrint``...)
  are declared on every operation, as Google accepts them everywhere;
- a method that takes media uploads also yields an operation at its
  ``mediaUpload`` simple path (absolute, ``/upload/drive/v3/files``) with the
  required ``uploadType`` query parameter and any media type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from valetkey.catalog.apispec import ApiDescription, Operation, Param

JSON_MEDIA = "application/json"
UPLOAD_SUFFIX = "#upload"

# Discovery keywords that mean nothing (or something else) to a JSON Schema validator.
_DROPPED = frozenset(
    {
        "id",
        "annotations",
        "enumDescriptions",
        "location",
        "repeated",
        "readOnly",
        "deprecated",
        "enumDeprecated",
    }
)
_NUMERIC = ("minimum", "maximum")


def from_discovery(document: dict[str, Any], *, source: str = "") -> ApiDescription:
    if document.get("kind") != "discovery#restDescription":
        raise ValueError(f"{source or 'document'}: not a discovery document")
    schemas = document.get("schemas") or {}
    shared = document.get("parameters") or {}
    base_path = "/" + (document.get("servicePath") or "").strip("/")
    operations: list[Operation] = []
    for method in iter_methods(document.get("resources") or {}):
        operations.append(_operation(method, schemas, shared))
        upload = ((method.get("mediaUpload") or {}).get("protocols") or {}).get("simple")
        if upload and upload.get("path"):
            operations.append(_upload_operation(method, upload["path"], schemas, shared))
    title = document.get("title") or document.get("name", "")
    return ApiDescription(
        title,
        str(document.get("version", "")),
        tuple(operations),
        "" if base_path == "/" else base_path,
        source,
    )


def iter_methods(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every method of a ``resources`` tree, depth first, in document order."""
    for resource in resources.values():
        yield from (resource.get("methods") or {}).values()
        yield from iter_methods(resource.get("resources") or {})


def method_paths(document: dict[str, Any], method: dict[str, Any]) -> list[str]:
    """The request paths (from the host root) a method answers at: its path, its flat path, its upload path.

    The flat path spells a ``{+name}`` template out segment by segment
    (``v1/{+name}`` -> ``v1/projects/{projectsId}``), as a tool path would.
    """
    service = (document.get("servicePath") or "").strip("/")
    templates = dict.fromkeys(p.lstrip("/") for p in (method["path"], method.get("flatPath")) if p)
    paths = ["/" + "/".join(p for p in (service, template) if p) for template in templates]
    upload = ((method.get("mediaUpload") or {}).get("protocols") or {}).get("simple")
    if upload and upload.get("path"):
        paths.append(upload["path"])
    return paths


def json_schema(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """A discovery schema as JSON Schema: ``$ref`` names resolved (a cycle becomes ``{}``), types fixed."""
    if isinstance(node, list):
        return [json_schema(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen or ref not in schemas:
            return {}
        return json_schema(schemas[ref], schemas, (*seen, ref))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or (key == "required" and not isinstance(value, list)):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: json_schema(sub, schemas, seen) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = json_schema(value, schemas, seen)
        elif key == "type" and value == "any":
            continue
        elif key in _NUMERIC and isinstance(value, str):
            out[key] = _number(value)
        elif key == "default":
            out[key] = _typed_default(value, node.get("type"))
        else:
            out[key] = value
    return out


def param_schema(raw: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema; ``repeated`` makes it an array of the declared type."""
    schema = json_schema(raw, schemas)
    schema.pop("description", None)
    if raw.get("repeated"):
        schema.pop("default", None)
        return {"type": "array", "items": schema}
    return schema


def _operation(method: dict[str, Any], schemas: dict[str, Any], shared: dict[str, Any]) -> Operation:
    request = method.get("request")
    return Operation(
        id=method.get("id", f"{method.get('httpMethod')} {method.get('path')}"),
        method=str(method.get("httpMethod", "GET")).upper(),
        path="/" + method["path"].lstrip("/"),
        params=_params(method, schemas, shared),
        body_schema=json_schema(request, schemas) if request else None,
        body_required=bool(request),
        body_media_types=(JSON_MEDIA,) if request else (),
        summary=(method.get("description") or "").split(". ")[0],
        description=method.get("description", ""),
        tags=(method.get("id", "").rsplit(".", 2)[-2],) if method.get("id", "").count(".") >= 2 else (),
        deprecated=bool(method.get("deprecated")),
        scopes=tuple(method.get("scopes") or ()),
    )


def _upload_operation(
    method: dict[str, Any], path: str, schemas: dict[str, Any], shared: dict[str, Any]
) -> Operation:
    """The media-upload twin of a method: same parameters plus ``uploadType``, any body."""
    base = _operation(method, schemas, shared)
    upload_type = Param(
        "uploadType",
        "query",
        True,
        {"type": "string", "enum": ["media", "multipart", "resumable"]},
        "media, multipart (metadata and media) or resumable.",
    )
    params = tuple(p for p in base.params if p.name != "uploadType") + (upload_type,)
    return Operation(
        id=base.id + UPLOAD_SUFFIX,
        method=base.method,
        path="/" + path.lstrip("/"),
        params=params,
        body_schema={},
        body_required=not bool(method.get("request")),
        body_media_types=(),
        summary=base.summary,
        description=base.description,
        tags=base.tags,
        deprecated=base.deprecated,
        scopes=base.scopes,
    )


def _params(method: dict[str, Any], schemas: dict[str, Any], shared: dict[str, Any]) -> tuple[Param, ...]:
    merged = {**shared, **(method.get("parameters") or {})}
    return tuple(
        Param(
            name=name,
            location=raw.get("location", "query"),
            required=bool(raw.get("required")) or raw.get("location") == "path",
            schema=param_schema(raw, schemas),
            description=raw.get("description", ""),
            explode=True,
        )
        for name, raw in merged.items()
    )


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _typed_default(value: Any, kind: Any) -> Any:
    """Discovery writes every default as a string; give it the parameter's own type."""
    if not isinstance(value, str):
        return value
    if kind == "boolean":
        return value == "true"
    if kind in ("integer", "number"):
        try:
            return _number(value)
        except ValueError:
            return value
    return value
