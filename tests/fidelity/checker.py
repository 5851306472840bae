"""Is a request one the published API description allows? The core of the fidelity tests.

`check_request(description, request)` returns the problems with one recorded
request (empty list = valid):

- an operation with that method and path template exists;
- every query and header parameter sent is declared (headers: unless in
  `transport_headers`), with a value its schema accepts once read as the
  declared type;
- every required path/query/header parameter is present;
- the body is present when required, absent when the operation takes none,
  of a declared media type, valid against the body schema, and names no
  property the schema does not declare (so a renamed argument is caught even
  where the description allows extra properties implicitly).

It reads descriptions through `valetkey.catalog.apispec`, so it works for any
format with an adapter (OpenAPI now; Google discovery documents next).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from valetkey.catalog.apispec import ApiDescription, Operation, Param

#: Headers any HTTP client or the executor sends that no API description declares.
TRANSPORT_HEADERS = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "user-agent",
        "authorization",
        "x-request-id",
        "traceparent",
        "tracestate",
    }
)


@dataclass(frozen=True)
class WireRequest:
    """One request as sent: path relative to the API root and still percent-encoded."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] | None = None
    body: Any = None
    content_type: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class FidelityError(AssertionError):
    """A request the description does not allow; the message lists every problem."""


def check_request(
    description: ApiDescription, request: WireRequest, *, transport_headers: Iterable[str] = TRANSPORT_HEADERS
) -> list[str]:
    found = description.find(request.method, request.path)
    if found is None:
        return [
            f"{request}: no operation {request.method} matches this path in {description.title} "
            f"{description.version}"
        ]
    operation, path_values = found
    problems: list[str] = []
    for name, value in path_values.items():
        param = operation.param(name, "path")
        if param is not None:
            problems += _value_problems(param, [value])
    problems += _query_problems(operation, request.query)
    problems += _header_problems(operation, request.headers or {}, {h.lower() for h in transport_headers})
    problems += _body_problems(operation, request)
    return [f"{request} ({operation.id}): {p}" for p in problems]


def assert_request_valid(description: ApiDescription, request: WireRequest, **options: Any) -> None:
    problems = check_request(description, request, **options)
    if problems:
        raise FidelityError(
            "request does not match the published API description:\n  " + "\n  ".join(problems)
        )


def _query_problems(operation: Operation, query: tuple[tuple[str, str], ...]) -> list[str]:
    problems, grouped, deep = [], {}, []
    for name, value in query:
        if "[" in name and operation.param(name, "query") is None:
            deep.append((name, value))  # OpenAPI deepObject: created[gte]=1, expand[0]=x
        else:
            grouped.setdefault(name, []).append(value)
    for name, values in grouped.items():
        param = operation.param(name, "query")
        if param is None:
            problems.append(f"query parameter {name!r} is not declared")
        else:
            problems += _value_problems(param, values)
    for name, value in bracket_tree(deep).items():
        param = operation.param(name, "query")
        if param is None:
            problems.append(f"query parameter {name!r} (sent in brackets) is not declared")
            continue
        grouped[name] = [value]
        typed = _coerce_tree(value, param.schema or {})
        problems += [
            f"query parameter {name!r}{_where(e.absolute_path)}: {e.message}"
            for e in Draft202012Validator(param.schema or {}).iter_errors(typed)
        ]
        problems += [
            f"query parameter {name!r}: property {p!r} is not declared"
            for p in undeclared(param.schema or {}, typed)
        ]
    for param in operation.params:
        if param.location == "query" and param.required and param.name not in grouped:
            problems.append(f"required query parameter {param.name!r} is missing")
    return problems


def _header_problems(operation: Operation, headers: dict[str, str], transport: set[str]) -> list[str]:
    problems = []
    sent = {k.lower(): v for k, v in headers.items()}
    for name, value in sent.items():
        param = operation.param(name, "header")
        if param is not None:
            problems += _value_problems(param, [value])
        elif name not in transport:
            problems.append(f"header {name!r} is not declared")
    for param in operation.params:
        if param.location == "header" and param.required and param.name.lower() not in sent:
            problems.append(f"required header {param.name!r} is missing")
    return problems


def _body_problems(operation: Operation, request: WireRequest) -> list[str]:
    if request.body is None:
        return ["the request body is required but none was sent"] if operation.body_required else []
    if operation.body_schema is None:
        return [f"a body was sent but {operation.method} {operation.path} takes none"]
    media = (request.content_type or "").split(";")[0].strip().lower()
    if operation.body_media_types and media not in operation.body_media_types:
        return [f"body media type {media!r} is not one of {list(operation.body_media_types)}"]
    body = request.body
    if media == FORM and isinstance(body, (list, tuple)):
        body = form_object(operation.body_schema, body)
    problems = [
        f"body{_where(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(operation.body_schema).iter_errors(body)
    ]
    return problems + [
        f"body property {p!r} is not declared" for p in undeclared(operation.body_schema, body)
    ]


FORM = "application/x-www-form-urlencoded"


def form_object(schema: dict[str, Any], pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A form body's (name, value) pairs as the object its schema describes.

    Every form value is text on the wire; each is read as the property's
    declared type (``"true"`` -> boolean, ``"20"`` -> integer), repeated names
    become an array. Values built by the executor (not yet text) are first
    written the way it writes them.
    """
    properties = schema.get("properties") or {} if isinstance(schema, dict) else {}
    grouped: dict[str, list[str]] = {}
    deep: list[tuple[str, str]] = []
    for name, value in pairs:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if "[" in name and name not in properties:
            deep.append((name, text))  # bracket notation: metadata[k]=v, items[0][price]=p
        else:
            grouped.setdefault(name, []).append(text)
    out: dict[str, Any] = {}
    for name, values in grouped.items():
        kinds = _types(properties.get(name) or {})
        coerced = [_coerce(v, kinds) for v in values]
        out[name] = coerced if len(coerced) > 1 or "array" in kinds else coerced[0]
    for name, tree in bracket_tree(deep).items():
        out[name] = _coerce_tree(tree, properties.get(name) or {})
    return out


def bracket_tree(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Bracket-notation fields (``m[a]=1``, ``items[0][p]=x``, ``expand[]=y``) as nested values.

    Objects whose keys are all indexes (or were appended with ``[]``) become
    arrays in index order, as Stripe, Rails and PHP read them.
    """
    root: dict[str, Any] = {}
    for name, value in pairs:
        head, _, rest = name.partition("[")
        keys = [head] + (rest[:-1].split("][") if rest else [])
        node = root
        for key, _child in itertools.pairwise(keys):
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = node[key] = {}
            node = nxt
        leaf = keys[-1] if keys[-1] != "" else str(len(node))
        node[leaf] = value
    return {name: _arrays(value) for name, value in root.items()}


def _arrays(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {k: _arrays(v) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def _coerce_tree(value: Any, schema: dict[str, Any]) -> Any:
    """Text leaves of a decoded bracket value read as the types its schema declares."""
    branches = [schema] + [s for k in ("anyOf", "oneOf", "allOf") for s in schema.get(k) or []]
    if isinstance(value, dict):
        declared = {n: sub for b in branches for n, sub in (b.get("properties") or {}).items()}
        extra = next(
            (b["additionalProperties"] for b in branches if isinstance(b.get("additionalProperties"), dict)),
            {},
        )
        return {k: _coerce_tree(v, declared.get(k, extra)) for k, v in value.items()}
    if isinstance(value, list):
        items = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), {})
        return [_coerce_tree(v, items) for v in value]
    return _coerce(value, _types(schema))


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """`schema` and every schema it combines, however deep (``allOf`` of ``allOf``, as Asana's are)."""
    out = [schema]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            if isinstance(sub, dict):
                out += _branches(sub)
    return out


def undeclared(schema: dict[str, Any], value: Any, prefix: str = "") -> list[str]:
    """Dotted names of object properties in `value` that `schema` never mentions."""
    if not isinstance(schema, dict) or not isinstance(value, dict):
        return []
    branches = _branches(schema)
    declared = {name: sub for branch in branches for name, sub in (branch.get("properties") or {}).items()}
    open_ended = any(
        b.get("additionalProperties") not in (None, False) or b.get("patternProperties") for b in branches
    )
    if not declared:
        return []
    out = []
    for name, item in value.items():
        if name in declared:
            out += undeclared(declared[name], item, f"{prefix}{name}.")
        elif not open_ended:
            out.append(prefix + name)
    return out


def _value_problems(param: Param, raw_values: list[str]) -> list[str]:
    schema = param.schema or {}
    kind = _types(schema)
    if "array" in kind:
        items = [piece for v in raw_values for piece in (v.split(",") if not param.explode else [v])]
        candidates = [[_coerce(i, _types(schema.get("items") or {})) for i in items]]
    elif len(raw_values) > 1:
        return [f"{param.location} parameter {param.name!r} is repeated but is not an array"]
    else:
        candidates = [_coerce(raw_values[0], kind)]
    validator = Draft202012Validator(schema)
    errors = [e.message for c in candidates for e in validator.iter_errors(c)]
    return [f"{param.location} parameter {param.name!r}: {message}" for message in errors]


def _types(schema: dict[str, Any]) -> set[str]:
    kinds = schema.get("type")
    found = set([kinds] if isinstance(kinds, str) else kinds or [])
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key) or []:
            found |= _types(sub)
    return found


def _coerce(text: str, kinds: set[str]) -> Any:
    """The typed value a string on the wire stands for, given the declared types (first that parses)."""
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


def _where(path: Iterable[Any]) -> str:
    parts = list(path)
    return "." + ".".join(str(p) for p in parts) if parts else ""
