"""Turn a tool's `http:` block into an HttpOperation, binding every input argument.

The defaults that make definitions short live here: a `{placeholder}` in the
path binds the argument of that name to the path; every other argument goes
to the query for GET, HEAD and DELETE and to the JSON body otherwise, under its
own name. A definition only spells out the exceptions (`{in: header, name:
X-Trace-Id}`). The result binds *every* property of the input schema, so the
executor never has to guess.
"""

from __future__ import annotations

import re
from typing import Any

from valetkey.catalog.format import HttpSpec
from valetkey.catalog.model import HttpOperation, ParamBinding, ParamLocation

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
BODYLESS_METHODS = ("GET", "HEAD", "DELETE")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def path_placeholders(path: str) -> list[str]:
    return PLACEHOLDER.findall(path)


def build_operation(http: HttpSpec, input_schema: dict[str, Any]) -> HttpOperation:
    """Bind each input property to a request location; ValueError names what is wrong."""
    properties: dict[str, Any] = input_schema.get("properties") or {}
    required = set(input_schema.get("required") or ())
    placeholders = path_placeholders(http.path)

    for name in placeholders:
        if name not in properties:
            raise ValueError(f"path placeholder {{{name}}} is not a property of the input schema")
        if name not in required:
            raise ValueError(f"path placeholder {{{name}}} must be listed in the input schema's `required`")
    if len(set(placeholders)) != len(placeholders):
        raise ValueError(f"path {http.path} repeats a placeholder")

    for arg in http.params:
        if arg not in properties:
            raise ValueError(f"params binds {arg!r}, which is not a property of the input schema")
    if http.body_arg is not None:
        if http.body_arg not in properties:
            raise ValueError(f"body_arg {http.body_arg!r} is not a property of the input schema")
        if http.body_arg in http.params or http.body_arg in placeholders:
            raise ValueError(f"body_arg {http.body_arg!r} is the whole body; do not bind it elsewhere too")

    default_location: ParamLocation = "query" if http.method in BODYLESS_METHODS else "body"
    bindings: list[ParamBinding] = []
    for arg in properties:
        if arg == http.body_arg:
            continue
        bindings.append(_bind(arg, http, placeholders, default_location))

    if http.graphql is not None:
        check_graphql_document(http.graphql, bindings, required)
    has_body = (
        http.body_arg is not None or http.graphql is not None or any(b.location == "body" for b in bindings)
    )
    if has_body and http.method in ("GET", "HEAD"):
        raise ValueError(f"a {http.method} request has no body; bind body arguments to the query or a header")
    if http.body_arg is not None and any(b.location == "body" for b in bindings):
        names = [b.arg for b in bindings if b.location == "body"]
        raise ValueError(
            f"body_arg {http.body_arg!r} is the whole body, so {names} must go to the query, a header or the path"
        )
    for name in http.headers:
        if not HEADER_NAME.match(name):
            raise ValueError(f"headers: {name!r} is not a valid header name")

    return HttpOperation(
        method=http.method,
        path=http.path,
        params=tuple(bindings),
        body=(http.body or "json") if has_body else http.body,
        headers=dict(http.headers),
        query=dict(http.query),
        body_arg=http.body_arg,
        response_path=http.response_path,
        success_path=http.success_path,
        error_path=http.error_path,
        graphql=http.graphql,
        base_url=http.base_url.rstrip("/") if http.base_url else None,
        form_style=http.form_style,
    )


def check_graphql_document(document: str, bindings: list[ParamBinding], required: set[str]) -> None:
    """A `graphql` tool's document parses, holds one operation, and its variables match the arguments.

    Every argument sent under ``variables.<name>`` needs a ``$name`` definition,
    and a non-null ``$name`` without a default needs a required argument: the
    server would refuse the call otherwise. (Whether the document fits the
    service's schema is the fidelity tests' job.)
    """
    from graphql import GraphQLSyntaxError, NonNullTypeNode, OperationDefinitionNode, parse

    try:
        parsed = parse(document)
    except GraphQLSyntaxError as exc:
        raise ValueError(f"graphql document does not parse: {exc.message} at {exc.locations}") from None
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ValueError(f"a graphql document needs exactly one operation, found {len(operations)}")
    declared = {v.variable.name.value: v for v in operations[0].variable_definitions or ()}
    sent: dict[str, str] = {}
    for binding in bindings:
        if binding.location == "body":
            head, _, rest = binding.upstream_name.partition(".")
            if head != "variables" or not rest:
                raise ValueError(
                    f"{binding.arg!r} goes to body field {binding.upstream_name!r}; "
                    "a graphql tool sends arguments under `variables.`"
                )
            sent.setdefault(rest.split(".")[0], binding.arg)
    for name, arg in sent.items():
        if name not in declared:
            raise ValueError(
                f"argument {arg!r} is sent as variable ${name}, which the graphql document does not declare"
            )
    for name, definition in declared.items():
        mandatory = isinstance(definition.type, NonNullTypeNode) and definition.default_value is None
        if mandatory and (
            name not in sent
            or not any(b.arg in required for b in bindings if b.upstream_name.split(".")[1:2] == [name])
        ):
            raise ValueError(f"graphql variable ${name} is non-null: bind it to a required argument")


def _bind(arg: str, http: HttpSpec, placeholders: list[str], default_location: ParamLocation) -> ParamBinding:
    spec = http.binding(arg)
    in_path = arg in placeholders
    location: ParamLocation = (spec.location if spec else None) or ("path" if in_path else default_location)
    wire_name = (spec.name if spec else None) or ""
    if location == "path" and not in_path:
        raise ValueError(f"{arg!r} is bound to the path but {http.path} has no {{{arg}}} placeholder")
    if in_path and location != "path":
        raise ValueError(f"{arg!r} appears in the path {http.path} but is bound to the {location}")
    if in_path and wire_name:
        raise ValueError(
            f"{arg!r} is a path placeholder; rename the placeholder instead of giving it a `name`"
        )
    if location == "header" and not HEADER_NAME.match(wire_name or arg):
        raise ValueError(
            f"{arg!r} goes to a header named {wire_name or arg!r}, which is not a valid header name"
        )
    if http.graphql is not None and location == "body" and not wire_name:
        wire_name = f"variables.{arg}"
    return ParamBinding(arg=arg, location=location, wire_name=wire_name)
