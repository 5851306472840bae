"""Turn a declarative `HttpOperation` plus validated arguments into an upstream request.

`UpstreamRequest` (`valetkey.net.request`) is a plain value: building it does no I/O, so the tricky
parts (URL-encoding path segments, repeated query keys, nested JSON bodies,
which argument goes where) are unit-testable without a server.

Where an argument travels, in order of precedence:

1. an explicit `ParamBinding` on the operation;
2. a `{name}` placeholder in the path template;
3. the query string for methods without a body (GET, HEAD, DELETE, OPTIONS),
   the body otherwise.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from valetkey.catalog.model import HttpOperation, ParamBinding
from valetkey.net.request import BodyKind, UpstreamRequest, scalar_text

BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


class RequestBuildError(ValueError):
    """The arguments cannot form a request (a path parameter is missing, say)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def build_request(operation: HttpOperation, base_url: str, arguments: dict[str, Any]) -> UpstreamRequest:
    """The request `operation` describes for `arguments` against `base_url`."""
    method = operation.method.upper()
    bindings = {b.arg: b for b in operation.params}
    placeholders = set(_PLACEHOLDER.findall(operation.path))
    path_values: dict[str, Any] = {}
    query: list[tuple[str, str]] = [(k, str(v)) for k, v in operation.query.items()]
    headers = dict(operation.headers)
    body_fields: list[tuple[ParamBinding, Any]] = []

    for arg, value in arguments.items():
        if arg == operation.body_arg:
            continue
        binding = bindings.get(arg) or _implicit_binding(arg, method, placeholders)
        if value is None and binding.location != "body":
            continue
        if binding.location == "path":
            path_values[binding.upstream_name] = value
        elif binding.location == "query":
            if operation.form_style == "brackets":
                query.extend(bracket_pairs(binding.upstream_name, value))
            else:
                query.extend((binding.upstream_name, v) for v in _query_values(value))
        elif binding.location == "header":
            headers[binding.upstream_name] = scalar_text(value)
        else:
            body_fields.append((binding, value))

    # A tool on a second host of the service carries its own root (see HttpOperation.base_url).
    url = (operation.base_url or base_url).rstrip("/") + _expand_path(operation.path, path_values)
    body_kind, body = _body(operation, method, arguments, body_fields)
    if operation.graphql is not None:
        # GraphQL over HTTP: the fixed document plus the arguments bound under `variables`.
        body_kind, body = "json", {"query": operation.graphql, "variables": {}, **(body or {})}
    return UpstreamRequest(method, url, headers, tuple(query), body_kind, body)


def _implicit_binding(arg: str, method: str, placeholders: set[str]) -> ParamBinding:
    if arg in placeholders:
        return ParamBinding(arg, "path")
    return ParamBinding(arg, "query" if method in BODYLESS_METHODS else "body")


def _expand_path(template: str, values: dict[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise RequestBuildError(f"Missing path parameter '{name}'", name)
        # safe="" so a value can never add path segments ("../admin", "a/b").
        return quote(scalar_text(values[name]), safe="")

    path = _PLACEHOLDER.sub(substitute, template)
    return path if path.startswith("/") or not path else "/" + path


def _body(
    operation: HttpOperation, method: str, arguments: dict[str, Any], fields: list[tuple[ParamBinding, Any]]
) -> tuple[BodyKind | None, Any]:
    kind: BodyKind | None = operation.body
    if operation.body_arg is not None:
        if operation.body_arg not in arguments:
            return (None, None) if not fields else (kind or "json", _nest(fields))
        whole = arguments[operation.body_arg]
        return (kind or ("raw" if isinstance(whole, str) else "json")), whole
    if not fields:
        return None, None
    if kind is None:
        kind = "json"
    if kind == "json":
        return kind, _nest(fields)
    flat = [(b.upstream_name, v) for b, v in fields if v is not None]
    if kind == "form" and operation.form_style == "brackets":
        return kind, [pair for name, value in flat for pair in bracket_pairs(name, value)]
    if kind == "multipart":
        files = [(name, _file_part(v)) for name, v in flat if _is_file(v)]
        plain = [(name, v) for name, v in flat if not _is_file(v)]
        return kind, (plain, files)
    if kind == "raw":
        return kind, flat[0][1] if flat else b""
    return kind, flat


def _nest(fields: list[tuple[ParamBinding, Any]]) -> dict[str, Any]:
    """A JSON object from body bindings; a dotted wire name ("issue.title") nests."""
    body: dict[str, Any] = {}
    for binding, value in fields:
        *parents, leaf = binding.upstream_name.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise RequestBuildError(f"Body field '{part}' is both a value and an object", binding.arg)
        node[leaf] = value
    return body


def _query_values(value: Any) -> list[str]:
    """Arrays repeat the key (`?label=a&label=b`), the form most APIs accept."""
    if isinstance(value, (list, tuple)):
        return [scalar_text(v) for v in value if v is not None]
    return [scalar_text(value)]


def bracket_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """`value` as form fields in bracket notation, the way Stripe, Rails and PHP read them.

    ``{"a": 1, "b": {"c": True}}`` under ``m`` gives ``m[a]=1``, ``m[b][c]=true``;
    an array gives indexed fields (``items[0][price]=p``), which those servers
    read in order. ``None`` anywhere is left out, like an omitted argument.
    """
    if value is None:
        return []
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in bracket_pairs(f"{name}[{key}]", item)]
    if isinstance(value, (list, tuple)):
        return [pair for index, item in enumerate(value) for pair in bracket_pairs(f"{name}[{index}]", item)]
    return [(name, scalar_text(value))]


def _is_file(value: Any) -> bool:
    return isinstance(value, dict) and "content" in value and ("filename" in value or "name" in value)


def _file_part(value: dict[str, Any]) -> tuple[str, bytes, str]:
    """A multipart file from `{"filename", "content", "content_type"?}`; content is text."""
    content = value["content"]
    data = content.encode() if isinstance(content, str) else bytes(content)
    filename = value.get("filename") or value.get("name") or "file"
    return filename, data, value.get("content_type") or value.get("mimetype") or "application/octet-stream"
