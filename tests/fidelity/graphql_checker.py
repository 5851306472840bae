"""Checks a GraphQL-over-HTTP request against a schema, as a GraphQL server would before running it.

The request must be a ``POST`` to the endpoint with a JSON body holding a
``query`` document that parses, holds exactly one operation and validates
against the schema (every field, argument and type exists), and
``variables`` that the operation declares and whose values coerce to the
declared types. These are the checks graphql-core (the reference
implementation's Python port) makes; a problem is a string naming it.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from tests.fidelity.checker import WireRequest


def check_graphql_request(schema: GraphQLSchema, request: WireRequest, path: str = "/graphql") -> list[str]:
    """Every reason `schema`'s server would refuse `request` (empty when it would run it)."""
    if request.method != "POST" or request.path.rstrip("/") != path:
        return [f"{request.method} {request.path} is not POST {path}"]
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        return [f"content type {request.content_type!r} is not application/json"]
    body = request.body
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return ["the body is not a JSON object with a `query` string"]
    unknown = set(body) - {"query", "variables", "operationName"}
    if unknown:
        return [f"body keys {sorted(unknown)} are not part of a GraphQL request"]
    try:
        document = parse(body["query"])
    except GraphQLError as error:
        return [f"query does not parse: {error.message}"]
    problems = [f"query: {error.message}" for error in validate(schema, document)]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return problems + [f"expected one operation, found {len(operations)}"]
    if problems:
        return problems
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return ["variables is not an object"]
    declared = {v.variable.name.value for v in operations[0].variable_definitions or ()}
    problems += [f"variable ${name} is sent but not declared" for name in sorted(set(variables) - declared)]
    coerced = get_variable_values(schema, operations[0].variable_definitions or (), variables)
    if isinstance(coerced, list):
        problems += [f"variables: {error.message}" for error in coerced]
    return problems


def assert_graphql_request_valid(schema: GraphQLSchema, request: WireRequest, path: str = "/graphql") -> None:
    problems = check_graphql_request(schema, request, path)
    assert not problems, "\n".join(problems)


def variables_of(request: WireRequest) -> dict[str, Any]:
    return (request.body or {}).get("variables") or {}
