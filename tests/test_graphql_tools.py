"""GraphQL tools in the toolkit format: `graphql:` documents, variables binding, `errors` in 200 answers.

Also a tool's own `base_url` (a second host of a service) and verification
requests with a JSON body, the two other format additions GraphQL and
multi-host services need.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from valetkey.catalog.bindings import build_operation
from valetkey.catalog.format import HttpSpec, VerificationSpec
from valetkey.execution.outcome import reported_errors
from valetkey.execution.request import build_request

DOC = "query Q($id: String!, $first: Int, $filter: F) { thing(id: $id) { items(first: $first, filter: $filter) { id } } }"
INPUT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "first": {"type": "integer"}, "teamId": {"type": "string"}},
    "required": ["id"],
}


def operation(document: str = DOC, schema=INPUT, **http):
    return build_operation(HttpSpec(method="POST", path="/graphql", graphql=document, **http), schema)


def test_arguments_become_variables_and_nested_bindings_build_input_objects():
    op = operation(params={"teamId": {"in": "body", "name": "variables.filter.team.id.eq"}})
    request = build_request(op, "https://api.example.test", {"id": "X-1", "teamId": "t1"})
    assert request.url == "https://api.example.test/graphql" and request.body_kind == "json"
    assert request.body == {
        "query": DOC,
        "variables": {"id": "X-1", "filter": {"team": {"id": {"eq": "t1"}}}},
    }
    assert op.error_path == "errors"


def test_a_document_without_variables_still_sends_a_json_body():
    op = operation("query { viewer { id } }", {"type": "object", "properties": {}})
    assert build_request(op, "https://x.test", {}).body == {
        "query": "query { viewer { id } }",
        "variables": {},
    }


@pytest.mark.parametrize(
    "document, schema, message",
    [
        ("query { nope", INPUT, "does not parse"),
        ("query A { a } query B { b }", {"type": "object", "properties": {}}, "exactly one operation"),
        ("query Q($first: Int) { a(first: $first) }", INPUT, "does not declare"),
        (
            "query Q($id: String!) { a(id: $id) }",
            {"type": "object", "properties": {"id": {"type": "string"}}},
            "$id is non-null",
        ),
    ],
)
def test_documents_that_cannot_work_are_refused_at_load(document, schema, message):
    with pytest.raises(ValueError, match=message.replace("$", r"\$")):
        operation(document, schema)


def test_graphql_tools_are_json_posts():
    with pytest.raises(ValidationError, match="POST with a JSON body"):
        HttpSpec(method="GET", path="/graphql", graphql=DOC)
    with pytest.raises(ValidationError, match="POST with a JSON body"):
        HttpSpec(method="POST", path="/graphql", graphql=DOC, body="form")


@pytest.mark.parametrize(
    "body, failure",
    [
        ({"data": {"a": 1}}, None),
        ({"data": {"a": 1}, "errors": []}, None),
        (
            {"data": None, "errors": [{"message": "Entity not found: Issue", "path": ["issue"]}]},
            "Entity not found: Issue (HTTP 200 answer with errors)",
        ),
        ({"errors": [{"extensions": {}}]}, "the API reported an error (HTTP 200 answer with errors)"),
    ],
)
def test_errors_in_a_200_answer_are_a_failure(body, failure):
    assert reported_errors(body, "errors") == failure
    assert reported_errors(body, None) is None


def test_a_tool_on_a_second_host_keeps_its_own_root():
    spec = HttpSpec(method="GET", path="/topstories.json", base_url="https://hacker-news.firebaseio.com/v0/")
    op = build_operation(spec, {"type": "object", "properties": {}})
    assert (
        build_request(op, "https://hn.algolia.com/api/v1", {}).url
        == "https://hacker-news.firebaseio.com/v0/topstories.json"
    )
    with pytest.raises(ValidationError):
        HttpSpec(method="GET", path="/x", base_url="ftp://example.test")


def test_verification_may_carry_a_json_body():
    spec = VerificationSpec(method="POST", path="/graphql", body={"query": "{ viewer { id } }"})
    assert spec.model_dump()["body"] == {"query": "{ viewer { id } }"}
