"""`valetkey catalog search` and `valetkey catalog add`: the APIs.guru directory on demand, as commands.

A small directory folder laid out as the npm package is (``package/api/<provider>.json``,
``package/api/<provider>/<api>.json``) stands in for the 45 MB tarball; `add` imports one
description into a catalog folder, runs every tool against the generic emulator, hides what
the emulator refuses, and the folder then loads as a toolkit (and regenerates to itself).
"""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from valetkey.catalog.imports.files import stale
from valetkey.catalog.loader import load_toolkit
from valetkey.cli.catalog import app


def _petstore(title: str, *, broken_answer: bool = False) -> dict:
    pet = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "owner": {"$ref": "#/components/schemas/Owner"},
        },
    }
    responses = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1.0",
            "description": "Pets for sale. More text.",
            "x-apisguru-categories": ["ecommerce"],
        },
        "servers": [{"url": "https://api.pets.example/v1"}],
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
            "schemas": {
                "Pet": pet,
                # Recursive, as Microsoft Graph's are: the emulator follows $refs on demand.
                "Owner": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                    },
                },
            },
        },
        "security": [{"key": []}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "summary": "List pets",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                                }
                            },
                        }
                    },
                },
                "post": {
                    "operationId": "createPet",
                    "summary": "Create a pet",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    "responses": responses,
                },
            },
            "/pets/{petId}": {
                "get": {
                    "operationId": "getPet",
                    "summary": "Get a pet",
                    "parameters": [
                        {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": responses,
                },
                # The tool sends what the description says; the description's own server refuses it:
                # a header the operation requires but declares with a schema no example fits.
                **(
                    {
                        "delete": {
                            "operationId": "deletePet",
                            "summary": "Delete a pet",
                            "parameters": [
                                {
                                    "name": "petId",
                                    "in": "path",
                                    "required": True,
                                    "schema": {"type": "integer"},
                                },
                                {
                                    "name": "limit",
                                    "in": "query",
                                    "schema": {"type": "integer", "minimum": 5, "maximum": 1},
                                },
                            ],
                            "responses": {"204": {"description": "gone"}},
                        }
                    }
                    if broken_answer
                    else {}
                ),
            },
        },
    }


def _directory(tmp_path):
    api = tmp_path / "directory" / "package" / "api"
    (api / "pets.example").mkdir(parents=True)
    (api / "petstore.example.json").write_text(json.dumps(_petstore("Petstore API")))
    (api / "pets.example" / "store.json").write_text(json.dumps(_petstore("Pet Store", broken_answer=True)))
    (api / "pets.example" / "admin.json").write_text(json.dumps(_petstore("Pet Admin")))
    return tmp_path / "directory" / "package"


def test_search_finds_directory_entries_by_words(tmp_path, monkeypatch):
    monkeypatch.setenv("VALETKEY_HOME", str(tmp_path / "home"))
    directory = _directory(tmp_path)
    runner = CliRunner()
    found = runner.invoke(app, ["search", "pet", "store", "--directory", str(directory)])
    assert found.exit_code == 0, found.output
    lines = found.output.splitlines()
    assert lines[0].startswith("pets.example:store") and "Pet Store" in lines[0]
    assert {line.split()[0] for line in lines} == {"pets.example:store", "petstore.example"}
    assert (tmp_path / "home" / "cache" / "api-directory-index.json").is_file()  # the second search reads it
    again = runner.invoke(app, ["search", "ecommerce", "--directory", str(directory)])
    assert again.exit_code == 0 and len(again.output.splitlines()) == 3
    none = runner.invoke(app, ["search", "weather", "--directory", str(directory)])
    assert none.exit_code == 1 and "no description matches" in none.output


def test_add_imports_verifies_and_hides_what_the_emulator_refuses(tmp_path, monkeypatch):
    monkeypatch.setenv("VALETKEY_HOME", str(tmp_path / "home"))
    directory, catalog = _directory(tmp_path), tmp_path / "catalog"
    runner = CliRunner()
    added = runner.invoke(
        app, ["add", "petstore.example", "--into", str(catalog), "--directory", str(directory)]
    )
    assert added.exit_code == 0, added.output
    assert (
        "petstore_example: 3 tools" in added.output
        and "3 of 3 ran against the generic emulator" in added.output
    )
    toolkit = load_toolkit(catalog / "petstore_example")
    assert toolkit.tier == "directory" and len(toolkit.tools) == 3
    assert stale(catalog / "petstore_example") == []
    config = yaml.safe_load((catalog / "petstore_example" / "import.yaml").read_text())
    assert "APIs.guru directory: api/petstore.example.json" in config["source"]["origin"]

    # An API of a provider with several: the refused tool is hidden, the rest kept.
    monkeypatch.setenv("VALETKEY_CATALOG_DIRS", str(catalog))
    store = runner.invoke(app, ["add", "pets.example:store", "--directory", str(directory)])
    assert store.exit_code == 0, store.output
    assert (
        "3 of 4 ran" in store.output
        and "1 hidden" in store.output
        and "hidden PETS_EXAMPLE_STORE_DELETE_A_PET" in store.output
    )
    hidden = yaml.safe_load((catalog / "pets_example_store" / "import.yaml").read_text())["tools"]
    assert hidden == {"deletePet": {"hide": True}}
    assert len(load_toolkit(catalog / "pets_example_store").tools) == 3


def test_add_refuses_unknown_keys_ambiguous_providers_and_existing_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("VALETKEY_HOME", str(tmp_path / "home"))
    directory, catalog = _directory(tmp_path), tmp_path / "catalog"
    runner = CliRunner()
    args = ["--into", str(catalog), "--directory", str(directory)]
    unknown = runner.invoke(app, ["add", "nope.example", *args])
    assert unknown.exit_code == 2 and "not in the directory" in unknown.output
    several = runner.invoke(app, ["add", "pets.example", *args])
    assert several.exit_code == 2 and "pets.example:admin, pets.example:store" in several.output
    assert runner.invoke(app, ["add", "petstore.example", *args]).exit_code == 0
    again = runner.invoke(app, ["add", "petstore.example", *args])
    assert again.exit_code == 2 and "exists" in again.output
