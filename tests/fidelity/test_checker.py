"""The fidelity checker and the apispec reader on small hand-written descriptions."""

from __future__ import annotations

import pytest

from tests.fidelity.checker import FidelityError, WireRequest, assert_request_valid, check_request, undeclared
from valetkey.catalog.apispec.openapi import from_openapi, json_schema, resolve

DOC = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": "https://api.example.com/v2"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "pets/list",
                "parameters": [
                    {"$ref": "#/components/parameters/limit"},
                    {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                    {
                        "name": "csv",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
                ],
            },
            "post": {
                "operationId": "pets/create",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
                },
            },
        },
        "/pets/{pet_id}": {
            "parameters": [{"name": "pet_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"operationId": "pets/get"},
        },
        "/pets/mine": {"get": {"operationId": "pets/mine"}},
    },
    "components": {
        "parameters": {
            "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}}
        },
        "schemas": {
            "NewPet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "tag": {"type": "string", "nullable": True},
                    "owner": {"$ref": "#/components/schemas/Owner"},
                },
            },
            "Owner": {
                "type": "object",
                "properties": {
                    "login": {"type": "string"},
                    "pets": {"type": "array", "items": {"$ref": "#/components/schemas/NewPet"}},
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def pets():
    return from_openapi(DOC)


def ok(pets, request):
    assert check_request(pets, request) == []


def test_matching_prefers_literal_segments_and_decodes_values(pets):
    assert pets.base_path == "/v2"
    assert pets.find("GET", "/pets/mine")[0].id == "pets/mine"
    op, values = pets.find("GET", "/v2/pets/7")
    assert op.id == "pets/get" and values == {"pet_id": "7"}
    assert pets.find("DELETE", "/pets/7") is None


def test_refs_are_resolved_cycles_become_open_and_nullable_becomes_a_type():
    schema = resolve(DOC, {"$ref": "#/components/schemas/NewPet"})
    assert schema["properties"]["owner"]["properties"]["pets"]["items"] == {}
    assert json_schema({"type": "string", "nullable": True}, openapi_30=True) == {"type": ["string", "null"]}


def test_valid_requests_pass(pets):
    ok(
        pets,
        WireRequest(
            "GET",
            "/pets",
            (("limit", "10"), ("tags", "a"), ("tags", "b"), ("csv", "1,2")),
            {"x-trace": "t", "accept": "application/json"},
        ),
    )
    ok(
        pets,
        WireRequest(
            "POST",
            "/pets",
            (),
            {},
            {"name": "Rex", "tag": None, "owner": {"login": "ann"}},
            "application/json",
        ),
    )
    ok(pets, WireRequest("GET", "/pets/12"))


@pytest.mark.parametrize(
    "request_, expected",
    [
        (WireRequest("GET", "/dogs"), "no operation GET matches"),
        (
            WireRequest("GET", "/pets", (("limit", "ten"),), {"x-trace": "t"}),
            "'ten' is not of type 'integer'",
        ),
        (
            WireRequest("GET", "/pets", (("limit", "99"),), {"x-trace": "t"}),
            "99 is greater than the maximum of 50",
        ),
        (
            WireRequest("GET", "/pets", (("lmit", "5"),), {"x-trace": "t"}),
            "query parameter 'lmit' is not declared",
        ),
        (
            WireRequest("GET", "/pets", (("limit", "1"), ("limit", "2")), {"x-trace": "t"}),
            "is repeated but is not an array",
        ),
        (WireRequest("GET", "/pets", (("csv", "1,x"),), {"x-trace": "t"}), "'x' is not of type 'integer'"),
        (WireRequest("GET", "/pets"), "required header 'X-Trace' is missing"),
        (
            WireRequest("GET", "/pets", (), {"x-trace": "t", "x-extra": "1"}),
            "header 'x-extra' is not declared",
        ),
        (WireRequest("GET", "/pets/abc"), "path parameter 'pet_id': 'abc' is not of type 'integer'"),
        (WireRequest("POST", "/pets"), "the request body is required"),
        (
            WireRequest("POST", "/pets", (), {}, {"tag": "x"}, "application/json"),
            "'name' is a required property",
        ),
        (
            WireRequest("POST", "/pets", (), {}, {"name": "x", "colour": "red"}, "application/json"),
            "body property 'colour' is not declared",
        ),
        (
            WireRequest("POST", "/pets", (), {}, {"name": "x", "owner": {"nick": "a"}}, "application/json"),
            "body property 'owner.nick' is not declared",
        ),
        (
            WireRequest("POST", "/pets", (), {}, [("name", "x")], "application/x-www-form-urlencoded"),
            "media type",
        ),
        (WireRequest("GET", "/pets/1", (), {}, {"a": 1}, "application/json"), "takes none"),
    ],
)
def test_each_kind_of_drift_is_reported(pets, request_, expected):
    problems = check_request(pets, request_)
    assert any(expected in p for p in problems), problems
    with pytest.raises(FidelityError):
        assert_request_valid(pets, request_)


def test_undeclared_respects_open_objects_and_combinators():
    schema = {"anyOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}
    assert undeclared(schema, {"a": 1, "b": 2, "c": 3}) == ["c"]
    assert undeclared({"properties": {"a": {}}, "additionalProperties": True}, {"z": 1}) == []
    assert undeclared({"type": "object"}, {"z": 1}) == []


def test_swagger_2_is_refused():
    with pytest.raises(ValueError, match=r"not 3\.x"):
        from_openapi({"swagger": "2.0", "openapi": "2.0", "paths": {}})
