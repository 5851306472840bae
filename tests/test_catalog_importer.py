"""`valetkey catalog import-openapi`: drafts from OpenAPI operations that load as real tools."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from valetkey.catalog.apispec.openapi import from_openapi
from valetkey.catalog.importer import arg_name, draft_tool, tool_slug
from valetkey.cli.catalog import app

GITHUB = "/work/shared/specs/github/api.github.com.json.gz"
DOC = {
    "openapi": "3.1.0",
    "info": {"title": "Acme API", "version": "2"},
    "paths": {
        "/items/{item_id}": {
            "post": {
                "operationId": "updateItem",
                "summary": "Update an item",
                "description": "Changes an [item](https://x.invalid). " + "Long text. " * 60,
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "dryRun", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "X-Trace-Id", "in": "header", "schema": {"type": "string"}},
                    {"name": "Accept", "in": "header", "schema": {"type": "string"}},
                    {"name": "name", "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": ["string", "null"]},
                                    "size": {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]},
                                },
                            }
                        }
                    }
                },
            }
        }
    },
}


def test_draft_binds_every_argument_and_keeps_llm_friendly_schemas(tmp_path):
    operation = from_openapi(DOC).operation("updateItem")
    draft = draft_tool(operation, "acme")
    assert draft["slug"] == tool_slug("acme", operation) == "ACME_UPDATE_AN_ITEM"
    props = draft["input"]["properties"]
    assert list(props) == ["item_id", "dryRun", "x_trace_id", "name", "body_name", "size"]
    assert props["size"] == {"type": "integer", "minimum": 0} and props["body_name"]["type"] == "string"
    assert draft["http"]["params"] == {
        "dryRun": "query",
        "x_trace_id": {"in": "header", "name": "X-Trace-Id"},
        "name": "query",
        "body_name": {"in": "body", "name": "name"},
    }
    assert draft["input"]["required"] == ["item_id", "body_name"]
    assert "https://" not in draft["description"] and len(draft["description"]) < 400
    assert draft["tags"] == ["openWorldHint"]

    # The draft is a valid definition: it loads as a toolkit.
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "toolkit.yaml").write_text(
        yaml.safe_dump(
            {
                "slug": "acme",
                "name": "Acme",
                "description": "d",
                "base_url": "https://acme.invalid",
                "versions": ["20250101_00"],
            }
        )
    )
    (folder / "tools.yaml").write_text(yaml.safe_dump([draft]))
    from valetkey.catalog.loader import load_toolkit

    tool = load_toolkit(folder).tools[0]
    assert {b.arg: b.location for b in tool.operation.params}["body_name"] == "body"


def test_arg_names():
    assert arg_name("X-Trace-Id") == "x_trace_id" and arg_name("pageSize") == "page_size"


def test_cli_prints_a_draft_for_a_github_operation():
    result = CliRunner().invoke(
        app, ["import-openapi", GITHUB, "activity/list-stargazers-for-repo", "--toolkit", "github"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Draft from GET /repos/{owner}/{repo}/stargazers")
    [draft] = yaml.safe_load(result.output)
    assert draft["slug"] == "GITHUB_LIST_STARGAZERS"
    assert set(draft["input"]["properties"]) == {"owner", "repo", "per_page", "page"}
    assert draft["tags"] == ["readOnlyHint", "idempotentHint", "openWorldHint"]


def test_cli_names_an_unknown_operation(tmp_path):
    spec = tmp_path / "acme.json"
    spec.write_text(json.dumps(DOC))
    result = CliRunner().invoke(app, ["import-openapi", str(spec), "nope"])
    assert result.exit_code == 2 and "no operation 'nope'" in result.output
    assert (
        CliRunner()
        .invoke(app, ["import-openapi", str(spec), "updateItem"])
        .output.count("ACME_UPDATE_AN_ITEM")
        == 1
    )
