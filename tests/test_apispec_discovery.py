"""The Google discovery-document adapter and subset extractor (`valetkey.catalog.apispec.discovery*`).

A small hand-written document covers each translation rule; the published
Gmail, Drive and Sheets documents in shared/ (when present) check that real
documents load and that a checked-request round trip works.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fidelity.checker import WireRequest, check_request
from valetkey.catalog.apispec import load_description
from valetkey.catalog.apispec.discovery import from_discovery
from valetkey.catalog.apispec.discovery_subset import discovery_subset

SHARED = Path("/work/shared/specs/google")

DOC = {
    "kind": "discovery#restDescription",
    "id": "demo:v2",
    "name": "demo",
    "version": "v2",
    "title": "Demo API",
    "rootUrl": "https://demo.googleapis.com/",
    "servicePath": "demo/v2/",
    "parameters": {
        "fields": {"type": "string", "location": "query"},
        "prettyPrint": {"type": "boolean", "default": "true", "location": "query"},
    },
    "resources": {
        "things": {
            "methods": {
                "list": {
                    "id": "demo.things.list",
                    "httpMethod": "GET",
                    "path": "things",
                    "parameters": {
                        "maxResults": {
                            "type": "integer",
                            "format": "uint32",
                            "minimum": "1",
                            "maximum": "500",
                            "default": "100",
                            "location": "query",
                        },
                        "labelIds": {"type": "string", "repeated": True, "location": "query"},
                        "order": {"type": "string", "enum": ["asc", "desc"], "location": "query"},
                    },
                    "scopes": ["https://www.googleapis.com/auth/demo.readonly"],
                },
                "insert": {
                    "id": "demo.things.insert",
                    "httpMethod": "POST",
                    "path": "things",
                    "request": {"$ref": "Thing"},
                    "response": {"$ref": "Thing"},
                    "mediaUpload": {
                        "accept": ["*/*"],
                        "protocols": {"simple": {"multipart": True, "path": "/upload/demo/v2/things"}},
                    },
                    "scopes": ["https://www.googleapis.com/auth/demo"],
                },
                "batch": {
                    "id": "demo.things.batch",
                    "httpMethod": "POST",
                    "path": "things/{thingId}:batch",
                    "parameters": {"thingId": {"type": "string", "required": True, "location": "path"}},
                },
            },
            "resources": {
                "parts": {
                    "methods": {
                        "get": {
                            "id": "demo.things.parts.get",
                            "httpMethod": "GET",
                            "path": "{+name}",
                            "flatPath": "things/{thingsId}/parts/{partsId}",
                            "parameters": {
                                "name": {
                                    "type": "string",
                                    "required": True,
                                    "location": "path",
                                    "pattern": "^things/[^/]+/parts/[^/]+$",
                                }
                            },
                            "response": {"$ref": "Part"},
                        },
                    }
                }
            },
        }
    },
    "schemas": {
        "Thing": {
            "id": "Thing",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "size": {"type": "integer", "format": "int32"},
                "extra": {"type": "any"},
                "parent": {"$ref": "Thing"},
                "parts": {"type": "array", "items": {"$ref": "Part"}},
            },
        },
        "Part": {
            "id": "Part",
            "type": "object",
            "properties": {"label": {"type": "string", "readOnly": True}},
        },
        "Unused": {"id": "Unused", "type": "object"},
    },
}


@pytest.fixture
def demo():
    return from_discovery(DOC, source="demo.json")


def test_service_path_is_the_base_path_and_methods_become_operations(demo):
    assert demo.title == "Demo API" and demo.version == "v2" and demo.base_path == "/demo/v2"
    ids = {op.id for op in demo.operations}
    assert ids == {
        "demo.things.list",
        "demo.things.insert",
        "demo.things.insert#upload",
        "demo.things.batch",
        "demo.things.parts.get",
    }
    op, values = demo.find("GET", "/demo/v2/things")
    assert op.id == "demo.things.list" and values == {}


def test_parameters_types_repeated_enums_and_shared(demo):
    op = demo.operation("demo.things.list")
    assert op.param("maxResults", "query").schema == {
        "type": "integer",
        "format": "uint32",
        "minimum": 1,
        "maximum": 500,
        "default": 100,
    }
    assert op.param("labelIds", "query").schema == {"type": "array", "items": {"type": "string"}}
    assert op.param("order", "query").schema["enum"] == ["asc", "desc"]
    assert op.param("prettyPrint", "query").schema["default"] is True  # document-wide parameter
    assert op.scopes == ("https://www.googleapis.com/auth/demo.readonly",)


def test_request_ref_becomes_a_resolved_json_body_schema(demo):
    op = demo.operation("demo.things.insert")
    assert op.body_required and op.body_media_types == ("application/json",)
    props = op.body_schema["properties"]
    assert props["parts"]["items"]["properties"]["label"] == {"type": "string"}
    assert props["extra"] == {} and props["parent"] == {}  # "any" and the self-reference cycle
    assert "id" not in op.body_schema


def test_media_upload_path_is_an_operation_with_upload_type(demo):
    op, _ = demo.find("POST", "/upload/demo/v2/things")
    assert op.id == "demo.things.insert#upload"
    assert op.param("uploadType", "query").required
    ok = WireRequest(
        "POST",
        "/upload/demo/v2/things",
        (("uploadType", "media"),),
        {"content-type": "image/png"},
        "PNGDATA",
        "image/png",
    )
    assert check_request(demo, ok) == []
    assert any("uploadType" in p for p in check_request(demo, WireRequest("POST", "/upload/demo/v2/things")))


def test_reserved_expansion_and_mixed_segments_match(demo):
    op, values = demo.find("GET", "/demo/v2/things/t1/parts/p2")
    assert op.id == "demo.things.parts.get" and values == {"name": "things/t1/parts/p2"}
    op, values = demo.find("POST", "/demo/v2/things/abc:batch")
    assert op.id == "demo.things.batch" and values == {"thingId": "abc"}
    assert demo.find("POST", "/demo/v2/things/abc:other") is None


def test_checker_catches_wrong_types_and_undeclared_names(demo):
    good = WireRequest("GET", "/demo/v2/things", (("maxResults", "10"), ("labelIds", "A"), ("labelIds", "B")))
    assert check_request(demo, good) == []
    bad = WireRequest("GET", "/demo/v2/things", (("max_results", "10"), ("maxResults", "x")))
    problems = " ".join(check_request(demo, bad))
    assert "'max_results' is not declared" in problems and "maxResults" in problems
    body = WireRequest(
        "POST", "/demo/v2/things", (), {}, {"name": "n", "size": "big", "colour": 1}, "application/json"
    )
    problems = " ".join(check_request(demo, body))
    assert "'big' is not of type 'integer'" in problems and "'colour' is not declared" in problems


def test_load_description_picks_the_discovery_adapter(tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(DOC))
    assert load_description(path).operation("demo.things.batch").method == "POST"


def test_subset_keeps_used_methods_and_their_schemas_only():
    part, matched = discovery_subset(
        DOC,
        [
            ("POST", "/demo/v2/things"),
            ("GET", "/demo/v2/things/{x}/parts/{y}"),
            ("DELETE", "/demo/v2/things"),
        ],
    )
    assert matched == {
        ("POST", "/demo/v2/things"): "demo.things.insert",
        ("GET", "/demo/v2/things/{x}/parts/{y}"): "demo.things.parts.get",
    }
    methods = part["resources"]["things"]["methods"]
    assert set(methods) == {"insert"} and "response" not in methods["insert"]
    assert set(part["resources"]["things"]["resources"]["parts"]["methods"]) == {"get"}
    assert set(part["schemas"]) == {"Thing", "Part"}
    assert part["servicePath"] == "demo/v2/" and "fields" in part["parameters"]
    reread = from_discovery(part)
    assert {op.id for op in reread.operations} == {
        "demo.things.insert",
        "demo.things.insert#upload",
        "demo.things.parts.get",
    }


def test_subset_matches_upload_paths_and_literal_values_in_place_of_placeholders():
    wanted = [
        ("POST", "/upload/demo/v2/things"),
        ("POST", "/demo/v2/things/mine:batch"),
        ("POST", "/demo/v2/things/{thing}:batch"),
    ]
    _, matched = discovery_subset(DOC, wanted)
    assert matched == {
        wanted[0]: "demo.things.insert",
        wanted[1]: "demo.things.batch",
        wanted[2]: "demo.things.batch",
    }


@pytest.mark.skipif(not SHARED.is_dir(), reason="published discovery documents not available")
@pytest.mark.parametrize(
    "name, method, path, op_id",
    [
        ("gmail.v1.json", "POST", "/gmail/v1/users/me/messages/send", "gmail.users.messages.send"),
        ("drive.v3.json", "POST", "/upload/drive/v3/files", "drive.files.create#upload"),
        ("drive.v3.json", "GET", "/drive/v3/files/abc", "drive.files.get"),
        (
            "sheets.v4.json",
            "POST",
            "/v4/spreadsheets/s1/values/Sheet1!A1:B2:append",
            "sheets.spreadsheets.values.append",
        ),
        ("calendar.v3.json", "GET", "/calendar/v3/calendars/primary/events", "calendar.events.list"),
    ],
)
def test_published_documents_load(name, method, path, op_id):
    description = load_description(SHARED / name)
    op, _ = description.find(method, path)
    assert op.id == op_id
