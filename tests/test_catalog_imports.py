"""The importer's rules on small descriptions: schemas, auth, server variables, slugs, overrides, Swagger 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.test_tool_schema_quality import RULES
from valetkey.catalog.imports.build import build_toolkit, render
from valetkey.catalog.imports.config import ImportConfig
from valetkey.catalog.imports.files import import_into, stale
from valetkey.catalog.imports.swagger import to_openapi3
from valetkey.catalog.loader import load_toolkit

OBJ = {"type": "object", "properties": {"a": {"type": "string"}}}


def doc(paths: dict, **extra) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Acme", "version": "1"},
        "servers": [{"url": "https://api.acme.test/v1"}],
        "paths": paths,
        **extra,
    }


def config(**extra) -> ImportConfig:
    return ImportConfig.model_validate(
        {
            "source": {"origin": "test", "license": "test"},
            "toolkit": {"slug": "acme", "name": "Acme", "description": "Acme.", "versions": ["20251203_00"]},
            **extra,
        }
    )


def load(tmp_path: Path, result) -> object:
    folder = tmp_path / "acme"
    folder.mkdir(exist_ok=True)
    for name, text in render(result).items():
        (folder / name).write_text(text)
    toolkit = load_toolkit(folder)
    problems = [p for t in toolkit.tools for rule in RULES for p in rule(t.slug, t.input_schema)]
    assert not problems, problems
    return toolkit


BODY = {
    "type": "object",
    "required": ["title", "meta"],
    "properties": {
        "title": {
            "type": "string",
            "nullable": True,
            "description": "The <b>title</b>, see [docs](https://x.test).",
        },
        "meta": {
            "allOf": [
                {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
                {"properties": {"n": {"type": "integer", "format": "int64", "enum": [1, 2]}}},
            ]
        },
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "kind": {"oneOf": [{"type": "string", "pattern": "^x"}, {"type": "integer"}, {"type": "null"}]},
        "shape": {
            "oneOf": [
                {"type": "object", "properties": {"w": {"type": "number"}}},
                {"type": "object", "properties": {"h": {"type": "number"}}},
            ]
        },
        "id": {"type": "string", "readOnly": True},
    },
}


def test_schemas_become_strict_and_gemini_safe(tmp_path):
    description = doc(
        {
            "/items/{item-id}": {
                "post": {
                    "operationId": "updateItem",
                    "summary": "Update an item",
                    "parameters": [
                        {"name": "item-id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "X-Trace-Id", "in": "header", "schema": {"type": "string"}},
                        {"name": "page_token", "in": "query", "schema": {"type": "string"}},
                    ],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": BODY}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"type": "array", "items": OBJ}}},
                        }
                    },
                }
            }
        }
    )
    result = build_toolkit(description, config())
    toolkit = load(tmp_path, result)
    tool = toolkit.tools[0]
    props = tool.input_schema["properties"]
    assert tool.slug == "ACME_UPDATE_AN_ITEM" and tool.operation.path == "/items/{item_id}"
    assert props["title"] == {"type": "string", "description": "The title , see docs."}
    assert props["meta"]["properties"]["n"] == {
        "type": "integer",
        "format": "int64",
        "description": "One of: 1, 2.",
    }
    assert props["meta"]["required"] == ["k"]
    assert "labels" not in props and "id" not in props  # a free-form map, a read-only field
    assert props["kind"]["anyOf"] == [{"type": "string", "pattern": "^x"}, {"type": "integer"}]
    assert set(props["shape"]["properties"]) == {"w", "h"} and "required" not in props["shape"]
    assert {b.arg: (b.location, b.upstream_name) for b in tool.operation.params}["x_trace_id"] == (
        "header",
        "X-Trace-Id",
    )
    assert set(tool.input_schema["required"]) == {"item_id", "title", "meta"}
    assert "a page at a time" in tool.description and result.report.dropped_arguments == {
        "updateItem": ["labels"]
    }
    assert tool.output_schema["properties"]["data"]["type"] == "array"
    assert tool.tags == ("openWorldHint",)


def test_a_required_free_form_body_field_skips_the_operation():
    body = {
        "type": "object",
        "required": ["labels"],
        "properties": {"labels": {"type": "object", "additionalProperties": True}},
    }
    description = doc(
        {
            "/x": {
                "post": {
                    "operationId": "x",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                    "responses": {"204": {"description": "none"}},
                }
            }
        }
    )
    result = build_toolkit(description, config())
    assert result.tools == [] and "labels" in result.report.skipped[0].reason


SECURED = {
    "components": {
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": "https://acme.test/authorize",
                        "tokenUrl": "https://acme.test/token",
                        "scopes": {"read": "r", "write": "w"},
                    }
                },
            },
            "key": {"type": "apiKey", "in": "query", "name": "key"},
            "token": {"type": "apiKey", "in": "query", "name": "token"},
            "basic": {"type": "http", "scheme": "basic"},
        }
    },
    "security": [{"key": [], "token": []}, {"basic": []}],
}


def test_auth_schemes_scopes_and_server_variables(tmp_path):
    paths = {
        "/things": {
            "get": {
                "operationId": "listThings",
                "summary": "List things",
                "security": [{"oauth": ["read"]}],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/things/{id}": {
            "delete": {
                "operationId": "deleteThing",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "gone"}},
            }
        },
    }
    description = doc(paths, **SECURED)
    description["servers"] = [
        {
            "url": "https://{tenant}.acme.test/v1",
            "variables": {"tenant": {"default": "demo", "description": "Your tenant."}},
        }
    ]
    toolkit = load(tmp_path, build_toolkit(description, config()))
    assert toolkit.base_url == "https://{tenant}.acme.test/v1"
    modes = {s.mode: s for s in toolkit.auth_schemes}
    assert set(modes) == {"OAUTH2", "API_KEY", "BASIC"}
    assert modes["OAUTH2"].oauth["authorization_url"] == "https://acme.test/authorize"
    assert modes["OAUTH2"].default_scopes == ("read",)
    assert [(p.location, p.name, p.template) for p in modes["API_KEY"].placements] == [
        ("query", "key", "{key}"),
        ("query", "token", "{token}"),
    ]
    for scheme in toolkit.auth_schemes:
        assert "tenant" in [f.name for f in scheme.account_fields]
    listed, deleted = toolkit.tools
    assert listed.scopes == ("read",) and listed.tags == ("readOnlyHint", "idempotentHint", "openWorldHint")
    assert deleted.tags == ("destructiveHint", "idempotentHint", "openWorldHint")


def test_composio_slugs_overrides_and_selection(tmp_path):
    paths = {
        f"/{name}": {
            "get": {"operationId": op, "summary": summary, "responses": {"200": {"description": "ok"}}}
        }
        for name, op, summary in [
            ("a", "getA", "Fetch the A"),
            ("b", "getB", "Read B"),
            ("c", "getC", "Read C"),
        ]
    }
    cfg = config(
        exclude=["getC"],
        tools={"getB": {"slug": "ACME_B", "description": "Reads B.", "defaults": {}}},
    )
    result = build_toolkit(doc(paths), cfg, composio_slugs=["ACME_GET_A"])
    toolkit = load(tmp_path, result)
    by_slug = {t.slug: t for t in toolkit.tools}
    assert set(by_slug) == {"ACME_GET_A", "ACME_B"}
    assert (
        by_slug["ACME_GET_A"].aliases == ()
    )  # Composio's slug (from the operationId) won; the summary's is not listed
    assert (
        by_slug["ACME_B"].aliases == ("ACME_READ_B", "ACME_GET_B")
        and by_slug["ACME_B"].description == "Reads B."
    )
    assert result.report.composio_slugs == 1


def test_swagger_2_is_read_as_openapi_3(tmp_path):
    swagger = {
        "swagger": "2.0",
        "info": {"title": "Old", "version": "1"},
        "host": "old.test",
        "basePath": "/api",
        "schemes": ["http", "https"],
        "securityDefinitions": {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "security": [{"k": []}],
        "definitions": {
            "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        },
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "addPet",
                    "parameters": [
                        {
                            "in": "body",
                            "name": "body",
                            "required": True,
                            "schema": {"$ref": "#/definitions/Pet"},
                        }
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
                },
                "get": {
                    "operationId": "findPets",
                    "parameters": [
                        {
                            "name": "tags",
                            "in": "query",
                            "type": "array",
                            "items": {"type": "string"},
                            "collectionFormat": "multi",
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                },
            },
            "/pets/{id}/photo": {
                "post": {
                    "operationId": "upload",
                    "consumes": ["multipart/form-data"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "type": "integer"},
                        {"name": "file", "in": "formData", "type": "file", "required": True},
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
    }
    converted = to_openapi3(swagger)
    assert converted["servers"] == [{"url": "https://old.test/api"}]
    assert converted["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    assert converted["paths"]["/pets"]["get"]["parameters"][0]["explode"] is True
    result = build_toolkit(swagger, config())
    toolkit = load(tmp_path, result)
    assert sorted(t.slug for t in toolkit.tools) == ["ACME_ADD_PET", "ACME_FIND_PETS"]
    assert toolkit.auth_schemes[0].placements[0].name == "X-Key"
    assert "multipart" in result.report.skipped[0].reason


def test_import_into_writes_a_reproducible_folder(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "import.yaml").write_text(
        yaml.safe_dump(config(max_tools=1).model_dump(exclude_defaults=True)).replace(
            "'20251203_00'", "20251203_00"
        )
    )
    paths = {
        f"/{n}": {
            "get": {
                "operationId": n,
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}},
                    }
                },
            }
        }
        for n in ("one", "two")
    }
    description = doc(paths, components={"schemas": {"S": OBJ, "Unused": OBJ}})
    result = import_into(folder, description)
    assert [t["slug"] for t in result.tools] == ["ACME_ONE"] and stale(folder) == []
    subset = yaml.safe_load((folder / "api.json").read_text())
    assert list(subset["paths"]) == ["/one"] and list(subset["components"]["schemas"]) == ["S"]
    (folder / "tools.yaml").write_text((folder / "tools.yaml").read_text() + "# edited\n")
    assert stale(folder) == ["tools.yaml"]


@pytest.mark.parametrize("bad", [{"tools": {"x": {"unknown": 1}}}, {"max_tools": 0}, {"tier": "platinum"}])
def test_import_yaml_is_strict(bad):
    with pytest.raises(ValueError):
        config(**bad)
