"""Loading toolkit definitions: defaults, and one test per validation rule.

Every broken definition must raise CatalogError naming its file (and its
tool), never be skipped.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from valetkey.catalog.loader import CatalogError, load_toolkit
from valetkey.catalog.registry import load_catalog

TOOLKIT: dict[str, Any] = {
    "slug": "demo",
    "name": "Demo",
    "description": "A demo toolkit.",
    "base_url": "https://api.demo.invalid",
    "versions": ["20250101_00", "20250201_00"],
}

TOOL: dict[str, Any] = {
    "slug": "DEMO_GET_THING",
    "description": "Gets a thing.",
    "tags": ["readOnlyHint"],
    "input": {
        "type": "object",
        "properties": {"thing_id": {"type": "string"}, "verbose": {"type": "boolean"}},
        "required": ["thing_id"],
    },
    "http": {"method": "GET", "path": "/things/{thing_id}"},
}


def write(
    tmp_path: Path, toolkit: dict | None = None, tools: list | None = None, *, raw_tools: str | None = None
) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir(exist_ok=True)
    (folder / "toolkit.yaml").write_text(yaml.safe_dump(toolkit or TOOLKIT))
    (folder / "tools.yaml").write_text(
        raw_tools if raw_tools is not None else yaml.safe_dump(tools or [TOOL])
    )
    return folder


def tool(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(TOOL)
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return spec


def http(**changes: Any) -> dict[str, Any]:
    return {**TOOL["http"], **changes}


def fails(
    tmp_path: Path, *, contains: str, toolkit: dict | None = None, tools: list | None = None, **kw
) -> str:
    folder = write(tmp_path, toolkit, tools, **kw)
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path], builtin=False)
    message = str(caught.value)
    assert str(folder) in message, message
    assert contains.lower() in message.lower(), message
    return message


# -- what a valid definition turns into ---------------------------------------


def test_defaults_bind_every_argument(tmp_path):
    toolkit = load_toolkit(write(tmp_path, tools=[tool()]))
    (loaded,) = toolkit.tools
    assert loaded.name == "Get thing"
    assert loaded.no_auth and toolkit.no_auth
    assert loaded.added_in == "20250101_00" and loaded.removed_in is None
    bindings = {b.arg: (b.location, b.upstream_name) for b in loaded.operation.params}
    assert bindings == {"thing_id": ("path", "thing_id"), "verbose": ("query", "verbose")}
    assert loaded.operation.body is None


def test_body_methods_default_to_json_body(tmp_path):
    post = tool(
        slug="DEMO_CREATE",
        tags=[],
        http=http(method="post", path="/things", params={"verbose": {"in": "query", "name": "v"}}),
    )
    (loaded,) = load_toolkit(write(tmp_path, tools=[post])).tools
    bindings = {b.arg: (b.location, b.upstream_name) for b in loaded.operation.params}
    assert bindings == {"thing_id": ("body", "thing_id"), "verbose": ("query", "v")}
    assert loaded.operation.method == "POST" and loaded.operation.body == "json"


def test_versions_need_no_quotes(tmp_path):
    folder = write(tmp_path)
    (folder / "toolkit.yaml").write_text(
        "slug: demo\nname: Demo\ndescription: d\nversions:\n  - 20250101_00\n  - 20250201_00\n"
    )
    assert load_toolkit(folder).versions == ("20250101_00", "20250201_00")


def test_default_auth_fields_and_placements(tmp_path):
    spec = {
        **TOOLKIT,
        "auth_schemes": [
            {
                "mode": "OAUTH2",
                "oauth": {"authorization_url": "https://a/authorize", "token_url": "https://a/token"},
            },
            {"mode": "BEARER_TOKEN"},
        ],
    }
    toolkit = load_toolkit(write(tmp_path, spec))
    oauth, bearer = toolkit.auth_schemes
    assert [f.name for f in oauth.config_fields] == ["client_id", "client_secret"]
    assert oauth.placements[0].template == "Bearer {access_token}"
    assert oauth.oauth["scope_separator"] == " " and "pkce" in oauth.oauth
    assert [f.name for f in bearer.account_fields] == ["token"] and bearer.account_fields[0].secret
    assert not toolkit.tools[0].no_auth


def test_tools_directory_is_read_too(tmp_path):
    folder = write(tmp_path)
    (folder / "tools").mkdir()
    (folder / "tools" / "more.yaml").write_text(yaml.safe_dump([tool(slug="DEMO_OTHER")]))
    assert [t.slug for t in load_toolkit(folder).tools] == ["DEMO_GET_THING", "DEMO_OTHER"]


def test_the_shipped_catalog_loads():
    catalog = load_catalog()
    assert "hackernews" in catalog.toolkits
    assert {t.slug for t in catalog.tools_at("hackernews")} >= {
        "HACKERNEWS_GET_LATEST_POSTS",
        "HACKERNEWS_SEARCH_POSTS",
        "HACKERNEWS_GET_ITEM",
        "HACKERNEWS_GET_USER",
        "HACKERNEWS_GET_FRONTPAGE",
    }


def test_the_test_toolkits_load():
    catalog = load_catalog([Path(__file__).parent / "toolkits"])
    assert {"loopback", "keyed"} <= set(catalog.toolkits)
    assert catalog.resolve_tool("LOOPBACK_PY_SUM").tool.handler


# -- one test per validation rule ------------------------------------------------


def test_invalid_yaml(tmp_path):
    fails(tmp_path, raw_tools="- slug: [unclosed", contains="invalid YAML")


def test_unknown_key_is_a_typo(tmp_path):
    message = fails(tmp_path, tools=[tool(descripton="typo")], contains="descripton")
    assert "DEMO_GET_THING" in message


def test_tools_file_must_be_a_list(tmp_path):
    fails(tmp_path, raw_tools="slug: DEMO_X\n", contains="list of tools")


def test_slug_format(tmp_path):
    fails(tmp_path, tools=[tool(slug="demo_get_thing")], contains="slug")


def test_slug_needs_toolkit_prefix(tmp_path):
    fails(tmp_path, tools=[tool(slug="OTHER_GET_THING")], contains="prefix 'DEMO_'")


def test_toolkit_slug_format(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "slug": "Demo Kit"}, contains="slug")


def test_description_required(tmp_path):
    fails(tmp_path, tools=[tool(description=None)], contains="description")


def test_exactly_one_implementation(tmp_path):
    fails(tmp_path, tools=[tool(http=None)], contains="exactly one of `http` and `handler`")
    fails(tmp_path, tools=[tool(handler="json:dumps")], contains="exactly one")


def test_input_schema_must_be_an_object(tmp_path):
    fails(tmp_path, tools=[tool(input={"type": "string"})], contains="type: object")


def test_input_schema_must_be_valid_json_schema(tmp_path):
    bad = {"type": "object", "properties": {"thing_id": {"type": "strnig"}}, "required": ["thing_id"]}
    fails(tmp_path, tools=[tool(input=bad)], contains="not valid JSON Schema")


def test_output_schema_must_be_an_object(tmp_path):
    fails(tmp_path, tools=[tool(output={"type": "array"})], contains="output schema")


def test_required_names_a_property(tmp_path):
    bad = {
        "type": "object",
        "properties": {"thing_id": {"type": "string"}},
        "required": ["thing_id", "thingid"],
    }
    fails(tmp_path, tools=[tool(input=bad)], contains="thingid")


def test_binding_names_an_existing_property(tmp_path):
    fails(tmp_path, tools=[tool(http=http(params={"verbos": "header"}))], contains="'verbos'")


def test_path_placeholder_must_be_a_property(tmp_path):
    fails(tmp_path, tools=[tool(http=http(path="/things/{id}"))], contains="{id}")


def test_path_placeholder_must_be_required(tmp_path):
    schema = {"type": "object", "properties": {"thing_id": {"type": "string"}}}
    fails(tmp_path, tools=[tool(input=schema)], contains="required")


def test_path_binding_needs_a_placeholder(tmp_path):
    fails(tmp_path, tools=[tool(http=http(params={"verbose": "path"}))], contains="no {verbose} placeholder")


def test_placeholder_cannot_be_bound_elsewhere(tmp_path):
    fails(tmp_path, tools=[tool(http=http(params={"thing_id": "query"}))], contains="appears in the path")


def test_get_has_no_body(tmp_path):
    fails(tmp_path, tools=[tool(http=http(params={"verbose": "body"}))], contains="no body")


def test_body_arg_excludes_other_body_params(tmp_path):
    post = tool(http=http(method="POST", path="/things", body_arg="verbose"))
    fails(tmp_path, tools=[post], contains="whole body")


def test_unknown_method(tmp_path):
    fails(tmp_path, tools=[tool(http=http(method="FETCH"))], contains="method")


def test_invalid_header_name(tmp_path):
    fails(
        tmp_path,
        tools=[tool(http=http(params={"verbose": {"in": "header", "name": "X Verbose"}}))],
        contains="header name",
    )


def test_unknown_tag(tmp_path):
    fails(tmp_path, tools=[tool(tags=["readonlyhint"])], contains="unknown tags")


def test_declared_tags_are_known(tmp_path):
    load_toolkit(write(tmp_path, {**TOOLKIT, "tags": ["beta"]}, [tool(tags=["beta"])]))


def test_read_only_and_destructive_conflict(tmp_path):
    fails(tmp_path, tools=[tool(tags=["readOnlyHint", "destructiveHint"])], contains="both")


def test_version_format(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "versions": ["2025-01-01"]}, contains="YYYYMMDD_NN")


def test_version_must_be_a_date(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "versions": ["20251301_00"]}, contains="real date")


def test_versions_oldest_first(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "versions": ["20250201_00", "20250101_00"]}, contains="oldest first")


def test_added_in_must_be_a_version(tmp_path):
    fails(tmp_path, tools=[tool(added_in="20250301_00")], contains="added_in")


def test_removed_in_after_added_in(tmp_path):
    fails(
        tmp_path, tools=[tool(added_in="20250201_00", removed_in="20250101_00")], contains="must come after"
    )


def test_duplicate_slug_in_one_version(tmp_path):
    fails(tmp_path, tools=[tool(), tool(name="Again")], contains="defined twice")


def test_same_slug_in_disjoint_windows_is_fine(tmp_path):
    old, new = tool(removed_in="20250201_00"), tool(added_in="20250201_00", description="Gets a thing, v2.")
    assert len(load_toolkit(write(tmp_path, tools=[old, new])).tools) == 2


def test_handler_must_import(tmp_path):
    fails(tmp_path, tools=[tool(http=None, handler="valetkey.nowhere:fn")], contains="cannot be imported")


def test_handler_attribute_must_exist(tmp_path):
    fails(tmp_path, tools=[tool(http=None, handler="json:nothing_here")], contains="no attribute")


def test_handler_must_be_callable(tmp_path):
    fails(tmp_path, tools=[tool(http=None, handler="json:__version__")], contains="not callable")


def test_api_key_scheme_needs_placements(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "auth_schemes": [{"mode": "API_KEY"}]}, contains="placements")


def test_placement_names_a_field(tmp_path):
    scheme = {"mode": "API_KEY", "placements": [{"in": "header", "name": "X-Key", "template": "{apikey}"}]}
    fails(tmp_path, toolkit={**TOOLKIT, "auth_schemes": [scheme]}, contains="apikey")


def test_oauth2_needs_endpoints(tmp_path):
    fails(tmp_path, toolkit={**TOOLKIT, "auth_schemes": [{"mode": "OAUTH2"}]}, contains="token_url")


def test_tools_without_toolkit_file(tmp_path):
    folder = tmp_path / "orphan"
    folder.mkdir()
    (folder / "tools.yaml").write_text("[]")
    with pytest.raises(CatalogError, match=r"orphan.*no toolkit\.yaml"):
        load_catalog([tmp_path], builtin=False)


def test_toolkit_defined_twice(tmp_path):
    write(tmp_path)
    other = tmp_path / "again"
    other.mkdir()
    (other / "toolkit.yaml").write_text(yaml.safe_dump(TOOLKIT))
    with pytest.raises(CatalogError, match="already defined"):
        load_catalog([tmp_path], builtin=False)


def test_missing_catalog_dir(tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog([tmp_path / "nope"], builtin=False)


def test_schema_keys_that_are_not_keywords_fail_and_name_the_yaml_trap():
    """`{description: a, b}` in a YAML flow mapping quietly adds a key "b"; the loader refuses it."""
    from valetkey.catalog.checks import check_schema

    schema = yaml.safe_load("{type: object, properties: {x: {type: string, description: one, two.}}}")
    with pytest.raises(ValueError) as info:
        check_schema(schema, "input")
    assert "$.x.two." in str(info.value) and "quote the value" in str(info.value)
    check_schema({"type": "object", "properties": {"x": {"type": "string", "x-hint": 1}}}, "input")
