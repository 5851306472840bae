"""Inline custom tools through the official SDK: echoed, listed, found by search, run in the SDK's process.

A custom tool's function runs in the client (the SDK routes `LOCAL_*` calls
to it); the server names it, echoes it, finds it with search and gives its
`ctx.proxy_execute` the session's connection. Nothing a custom tool does runs
on the server, and an MCP client (no SDK process) is never shown one.
"""

from __future__ import annotations

import uuid

import pytest
from composio_client.types.tool_router.session_attach_response import SessionAttachResponse
from composio_client.types.tool_router.session_create_response import SessionCreateResponse
from pydantic import BaseModel, Field

from tests.support.errors import assert_error
from tests.support.execution import make_account, seen
from tests.support.mcp import mcp_session
from tests.support.oauth import V3

SESSIONS = f"{V3}/tool_router/session"


class LookupInput(BaseModel):
    customer: str = Field(description="The customer's name")


class FetchInput(BaseModel):
    tag: str


def tools_for(composio, calls: list):
    @composio.experimental.tool(slug="FIND_CUSTOMER", name="Find customer")
    def find_customer(input: LookupInput, ctx):
        """Look up a customer record in the CRM by name and return its plan."""
        calls.append(("find", input.customer, ctx.user_id))
        return {"customer": input.customer, "plan": "gold"}

    @composio.experimental.tool(slug="FETCH_ECHO", extends_toolkit="keyed")
    def fetch_echo(input: FetchInput, ctx):
        """Fetch an echo through the keyed API with the user's connection."""
        answer = ctx.proxy_execute(toolkit="keyed", endpoint=f"/echo/custom/{input.tag}", method="GET")
        return {"status": answer["status"], "key": answer["data"]["headers"]["x-api-key"]}

    crm = composio.experimental.Toolkit(slug="CRM", name="CRM", description="The company's customer database")

    @crm.tool(slug="LIST_INVOICES")
    def list_invoices(input: LookupInput, ctx):
        """List the unpaid invoices of a customer."""
        return {"invoices": [f"{input.customer}-1"]}

    return [find_customer, fetch_echo], [crm]


def test_custom_tools_are_named_echoed_and_listed(composio, client):
    tools, toolkits = tools_for(composio, [])
    session = composio.create(
        user_id="ct-1", experimental={"custom_tools": tools, "custom_toolkits": toolkits}
    )
    assert {t.slug for t in session.custom_tools()} == {
        "LOCAL_FIND_CUSTOMER",
        "LOCAL_KEYED_FETCH_ECHO",
        "LOCAL_CRM_LIST_INVOICES",
    }
    assert [k.slug for k in session.custom_toolkits()] == ["CRM"]
    assert [t.slug for t in session.custom_toolkits()[0].tools] == ["LOCAL_CRM_LIST_INVOICES"]
    raw = client.get(f"{SESSIONS}/{session.session_id}").json()
    parsed = SessionCreateResponse.model_validate(raw)
    assert {t.slug: t.original_slug for t in parsed.experimental.custom_tools} == {
        "LOCAL_FIND_CUSTOMER": "FIND_CUSTOMER",
        "LOCAL_KEYED_FETCH_ECHO": "FETCH_ECHO",
    }
    assert parsed.experimental.custom_tools[1].extends_toolkit == "keyed"
    # `use(...)` with the same definitions binds them again (POST .../attach).
    again = composio.use(session.session_id, custom_tools=tools, custom_toolkits=toolkits)
    assert {t.slug for t in again.custom_tools()} == {t.slug for t in session.custom_tools()}


def test_custom_tools_run_in_the_sdk_and_proxy_with_the_sessions_account(composio, server, project, upstream):
    make_account(server, project.id, user_id="ct-2", secrets={"api_key": "ct-key"})
    calls: list = []
    tools, toolkits = tools_for(composio, calls)
    session = composio.create(
        user_id="ct-2", experimental={"custom_tools": tools, "custom_toolkits": toolkits}
    )
    result = session.execute("LOCAL_FIND_CUSTOMER", arguments={"customer": "Acme"})
    assert result.result_type == "completed" and result.data == {"customer": "Acme", "plan": "gold"}
    assert calls == [("find", "Acme", "ct-2")]
    by_original = session.execute("FIND_CUSTOMER", arguments={"customer": "Beta"})  # unique original slug
    assert by_original.data["customer"] == "Beta"
    tag = uuid.uuid4().hex
    proxied = session.execute("LOCAL_KEYED_FETCH_ECHO", arguments={"tag": tag})
    assert proxied.result_type == "completed", proxied.error
    assert proxied.data == {"status": 200, "key": "ct-key"}
    assert seen(upstream, tag)[0].headers["x-api-key"] == "ct-key"


def test_search_finds_custom_tools(composio):
    tools, toolkits = tools_for(composio, [])
    session = composio.create(
        user_id="ct-3",
        toolkits=["loopback"],
        experimental={"custom_tools": tools, "custom_toolkits": toolkits},
    )
    found = session.search(query="look up a customer record in the CRM")
    primary = found.results[0].primary_tool_slugs
    assert primary[0] == "LOCAL_FIND_CUSTOMER", primary
    assert "LOCAL_FIND_CUSTOMER" in found.tool_schemas
    invoices = session.search(query="list unpaid invoices of a customer")
    assert "LOCAL_CRM_LIST_INVOICES" in invoices.results[0].primary_tool_slugs
    statuses = {s.toolkit: s.has_active_connection for s in invoices.toolkit_connection_statuses}
    assert statuses.get("CRM") is True  # a custom toolkit needs no connection
    meta = session.execute_meta(
        "COMPOSIO_SEARCH_TOOLS", arguments={"queries": [{"use_case": "find a customer's plan in the CRM"}]}
    )
    assert "LOCAL_FIND_CUSTOMER" in meta.data["results"][0]["primary_tool_slugs"]


def test_a_custom_tool_reaching_the_server_is_not_run_there(composio):
    tools, toolkits = tools_for(composio, [])
    session = composio.create(
        user_id="ct-4", experimental={"custom_tools": tools, "custom_toolkits": toolkits}
    )
    # execute_meta sends the call as is: the server cannot run the SDK's function, and says so.
    result = session.execute_meta(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        arguments={"tools": [{"tool_slug": "LOCAL_FIND_CUSTOMER", "arguments": {"customer": "x"}}]},
    )
    assert result.result_type == "failed"
    assert "runs in the application's SDK process" in str(result.data)


async def test_mcp_clients_are_not_shown_custom_tools(composio):
    tools, toolkits = tools_for(composio, [])
    session = composio.create(
        user_id="ct-5", experimental={"custom_tools": tools, "custom_toolkits": toolkits}
    )
    async with mcp_session(session.mcp.url, session.mcp.headers) as mcp:
        names = {t.name for t in (await mcp.list_tools()).tools}
        assert not any(name.startswith("LOCAL_") for name in names)
        found = await mcp.call_tool(
            "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "look up a customer record in the CRM"}]}
        )
        assert "LOCAL_FIND_CUSTOMER" not in found.content[-1].text


def test_attach_answers_the_attach_shape_and_checks_definitions(client):
    session_id = client.post(SESSIONS, json={"user_id": "ct-6"}).json()["session_id"]
    definition = {
        "slug": "GREP",
        "name": "Grep",
        "description": "Search text",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    }
    r = client.post(f"{SESSIONS}/{session_id}/attach", json={"experimental": {"custom_tools": [definition]}})
    assert r.status_code == 200, r.text
    parsed = SessionAttachResponse.model_validate(r.json())
    assert [t.slug for t in parsed.experimental.custom_tools] == ["LOCAL_GREP"]
    assert client.get(f"{SESSIONS}/{session_id}").json().get("experimental") is None  # attach stores nothing
    bad = {**definition, "extends_toolkit": "nope"}
    assert_error(
        client.post(f"{SESSIONS}/{session_id}/attach", json={"experimental": {"custom_tools": [bad]}}),
        400,
        contains="unknown toolkit nope",
    )
    assert_error(
        client.post(
            f"{SESSIONS}/{session_id}/attach", json={"experimental": {"permissions": {"default": "x"}}}
        ),
        400,
        contains="experimental.permissions: is not supported",
    )


@pytest.mark.parametrize(
    "definition, contains",
    [
        ({"slug": "LOCAL_X"}, "must not start with LOCAL_"),
        ({"slug": "A B"}, "may hold only"),
        ({"slug": "X", "name": "X", "description": "d", "input_schema": {"type": "string"}}, "type"),
        (
            {
                "slug": "X" * 60,
                "name": "X",
                "description": "d",
                "input_schema": {"type": "object", "properties": {}},
            },
            "longer than 60",
        ),
        (
            {
                "slug": "X",
                "name": "X",
                "description": "d",
                "input_schema": {"type": "object", "properties": {}},
                "run": "x",
            },
            "run: is not a custom tool setting",
        ),
    ],
)
def test_bad_definitions_fail_creation(client, definition, contains):
    body = {"user_id": "ct-7", "experimental": {"custom_tools": [definition]}}
    assert_error(client.post(SESSIONS, json=body), 400, contains=contains)


def test_a_custom_toolkit_may_not_take_a_catalog_toolkits_slug(client):
    toolkit = {
        "slug": "keyed",
        "name": "Keyed",
        "description": "shadowing",
        "tools": [
            {
                "slug": "X",
                "name": "X",
                "description": "d",
                "input_schema": {"type": "object", "properties": {}},
            }
        ],
    }
    r = client.post(SESSIONS, json={"user_id": "ct-8", "experimental": {"custom_toolkits": [toolkit]}})
    assert_error(r, 400, contains="existing toolkit")


def test_update_keeps_the_sessions_custom_tools(composio, client):
    tools, _ = tools_for(composio, [])
    session = composio.create(user_id="ct-9", experimental={"custom_tools": tools})
    session.update(tags=["readOnlyHint"])
    raw = client.get(f"{SESSIONS}/{session.session_id}").json()
    assert raw["config_version"] == 2
    assert [t["slug"] for t in raw["experimental"]["custom_tools"]] == [
        "LOCAL_FIND_CUSTOMER",
        "LOCAL_KEYED_FETCH_ECHO",
    ]
