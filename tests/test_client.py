"""`valetkey.client` against a running server and the GitHub emulator, sync and async.

The stateless calls (identifier + connection_name), accounts, the catalog, sessions, per-user
MCP URLs, tools in each provider's shape executed from a model's tool call, and the errors as
the server's error object. Retries are tested against a loopback fake (429 then 200).
"""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest
from composio.utils.strict_schema import to_strict_json_schema
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.mcp import mcp_session, text_of
from tests.support.servers import ThreadedServer
from valetkey.client import (
    NO_RETRIES,
    AsyncValetkey,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
    Valetkey,
    read_tool_call,
    strict_schema,
    to_anthropic,
    to_mcp,
    to_openai,
    to_openai_responses,
)
from valetkey.client.retry import retry_after_seconds

HELLO = {"owner": "octocat", "repo": "Hello-World"}
ME = "GITHUB_GET_THE_AUTHENTICATED_USER"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


@pytest.fixture
def github(connect):
    return connect("github", "BEARER_TOKEN")


@pytest.fixture
def vk(github, monkeypatch):
    monkeypatch.setenv("VALETKEY_API_KEY", github.project.api_key)
    monkeypatch.setenv("VALETKEY_BASE_URL", github.server.url)
    with Valetkey.from_env() as client:
        yield client


def _connection_name(vk: Valetkey, github) -> str:
    configs = vk.list_auth_configs(toolkit="github")
    [config] = [c for c in configs if c.id == github.auth_config_id]
    return config.name


def test_stateless_calls_by_identifier_and_connection_name(vk, github):
    name = _connection_name(vk, github)
    result = vk.execute_tool(ME.lower(), identifier=github.user_id, connection_name=name)
    assert result.successful and result.error is None and result.log_id
    assert result.data["login"] == "octocat"

    account = vk.get_or_create_connected_account(github.user_id, name)
    assert account.id == github.account_id and account.active
    assert account.status == "ACTIVE" and account.scalekit_status == "ACTIVE" and account.toolkit == "github"

    proxied = vk.request("/user", identifier=github.user_id, connection_name=name)
    assert proxied.status == 200 and proxied.data["login"] == "octocat"
    starred = vk.request(
        f"/user/starred/{HELLO['owner']}/{HELLO['repo']}", "PUT", connected_account_id=github.account_id
    )
    assert starred.status == 204
    assert "octocat" in github.state.repo("octocat", "Hello-World").stargazers

    scoped = vk.list_scoped_tools(github.user_id)
    assert scoped and {t.toolkit for t in scoped} == {"github"}
    assert [t.slug for t in vk.list_scoped_tools(github.user_id, tool_names=[ME.lower()])] == [ME]
    assert vk.list_scoped_tools(github.user_id, connection_names=["no-such-connection"]) == []
    assert vk.list_scoped_tools("someone-else") == []

    # A Connect Link by connection name: a second, pending account on the same auth config.
    link = vk.get_authorization_link("new-user", name)
    assert link.link.startswith("http") and link.expires_at
    pending = vk.get_connected_account(link.connected_account_id)
    assert pending.user_id == "new-user" and pending.auth_config_id == github.auth_config_id
    assert pending.scalekit_status == "PENDING"

    # A new user with a token: created ACTIVE (the server verified it against the emulator), then found again.
    scheme = github.server.state.catalog.toolkit("github").scheme("BEARER_TOKEN")
    field = next(f.name for f in scheme.account_fields if f.secret)
    token = github.emulator.issue_token("hubot", ("repo", "read:user"))
    created = vk.get_or_create_connected_account("hubot-user", name, credentials={field: token})
    assert created.status == "ACTIVE" and created.user_id == "hubot-user" and created.id != github.account_id
    assert vk.get_or_create_connected_account("hubot-user", name).id == created.id
    ran = vk.execute_tool(ME, identifier="hubot-user", connection_name=name)
    assert ran.data["login"] == "hubot"
    vk.delete_connected_account(created.id)

    listed = vk.list_connected_accounts(identifier=github.user_id)
    assert [a.id for a in listed] == [github.account_id]
    vk.delete_connected_account(link.connected_account_id)
    with pytest.raises(NotFoundError):
        vk.get_connected_account(link.connected_account_id)


def test_errors_carry_the_servers_error_object(vk, github):
    with pytest.raises(NotFoundError) as caught:
        vk.get_tool("GITHUB_NO_SUCH_TOOL")
    error = caught.value
    assert error.status == 404 and error.slug and error.message and error.request_id
    assert error.body["error"]["request_id"] == error.request_id
    assert error.request_id in str(error)

    # Two ways to name the account at once: refused, naming both.
    with pytest.raises(BadRequestError) as caught:
        vk.execute_tool(ME, connection_name="x", connected_account_id=github.account_id, identifier="u")
    assert "connection_name" in caught.value.message and "connected_account_id" in caught.value.message
    with pytest.raises(NotFoundError) as caught:
        vk.execute_tool(ME, identifier=github.user_id, connection_name="no-such-connection")
    assert caught.value.slug == "AuthConfigNotFound" and caught.value.suggested_fix
    with pytest.raises(BadRequestError) as caught:
        vk.get_authorization_link("u", "a-name", auth_config_id=github.auth_config_id)
    assert "auth_config_id and connection_name" in caught.value.message

    with (
        Valetkey("vk_not_a_key", github.server.url) as stranger,
        pytest.raises(AuthenticationError) as caught,
    ):
        stranger.list_toolkits()
    assert caught.value.status == 401


def test_catalog_calls(vk):
    toolkit = vk.get_toolkit("github")
    assert toolkit.slug == "github" and "OAUTH2" in toolkit.auth_schemes
    page = vk.list_toolkits(limit=2)
    assert len(page) == 2 and page.next_cursor
    assert vk.list_toolkits(limit=2, cursor=page.next_cursor).items[0].slug not in {t.slug for t in page}
    tools = vk.list_tools(toolkits=["github"], limit=5)
    assert len(tools) == 5 and all(t.toolkit == "github" for t in tools)
    found = vk.search_tools("star a repository", toolkits=["github"], limit=3)
    assert "GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER" in [t.slug for t in found]
    assert vk.get_tool(ME.lower()).slug == ME


def _closed_and_fully_required(schema) -> list[str]:
    problems = []

    def walk(node, path):
        if not isinstance(node, dict):
            return
        kinds = node.get("type")
        if kinds == "object" or (isinstance(kinds, list) and "object" in kinds):
            if node.get("additionalProperties") is not False:
                problems.append(f"{path} not closed")
            if set(node.get("required") or []) != set(node.get("properties") or {}):
                problems.append(f"{path} not fully required")
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, f"{path}.{name}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]")
        for i, sub in enumerate(node.get("anyOf") or []):
            walk(sub, f"{path}.anyOf[{i}]")

    walk(schema, "$")
    return problems


def test_tool_shapes_follow_each_providers_rules(vk):
    tools = vk.list_tools(toolkits=["github", "gmail", "slack", "notion", "linear"], limit=500).items
    assert len(tools) > 100
    strict_count = 0
    for tool in tools:
        chat = to_openai(tool, strict=True)
        assert chat["type"] == "function" and NAME.match(chat["function"]["name"])
        responses = to_openai_responses(tool)
        assert responses["name"] == tool.slug and responses["strict"] == chat["function"]["strict"]
        sdk = to_strict_json_schema(tool.input_parameters)
        if chat["function"]["strict"]:
            strict_count += 1
            schema = chat["function"]["parameters"]
            assert _closed_and_fully_required(schema) == [], tool.slug
            Draft202012Validator.check_schema(schema)
            # The same rewrite the official SDK's strict mode makes is accepted by it as lossless.
            assert not sdk.unsupported, (tool.slug, sdk.unsupported)
        else:
            assert sdk.unsupported, f"{tool.slug}: the SDK makes it strict, this client gave up"
            assert chat["function"]["parameters"] == tool.input_parameters
        anthropic = to_anthropic(tool)
        assert anthropic["input_schema"]["type"] == "object" and NAME.match(anthropic["name"])
        assert not {"oneOf", "anyOf", "allOf"} & set(anthropic["input_schema"])
        mcp = to_mcp(tool)
        assert mcp["inputSchema"] == anthropic["input_schema"] and mcp["name"] == tool.slug
    assert strict_count > len(tools) // 2
    assert to_openai(tools[0])["function"].get("strict") is None  # non-strict unless asked


def test_strict_schema_rewrite():
    schema = {
        "type": "object",
        "properties": {
            "q": {"type": "string", "description": "query"},
            "n": {"type": "integer", "default": 3},
            "mode": {"enum": ["a", "b"]},
            "filter": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
        },
        "required": ["q"],
    }
    strict = strict_schema(schema)
    assert strict == {
        "type": "object",
        "properties": {
            "q": {"type": "string", "description": "query"},
            "n": {"type": ["integer", "null"]},
            "mode": {"enum": ["a", "b", None]},
            "filter": {
                "type": ["object", "null"],
                "properties": {"x": {"type": "string"}},
                "required": ["x"],
                "additionalProperties": False,
            },
        },
        "required": ["q", "n", "mode", "filter"],
        "additionalProperties": False,
    }
    assert strict_schema({"type": "object", "properties": {"m": {"type": "object"}}}) is None
    assert strict_schema({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}) is None
    assert strict_schema({"type": "object", "additionalProperties": {"type": "string"}}) is None


def test_a_models_tool_calls_are_executed_and_answered_in_kind(vk, github):
    name = _connection_name(vk, github)
    who = {"identifier": github.user_id, "connection_name": name}
    chat_call = {"id": "call_1", "type": "function", "function": {"name": ME, "arguments": "{}"}}
    answer = vk.handle_tool_call(chat_call, **who)
    assert answer["role"] == "tool" and answer["tool_call_id"] == "call_1"
    assert json.loads(answer["content"])["login"] == "octocat"

    responses_call = {
        "type": "function_call",
        "call_id": "fc_1",
        "name": "GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER",
        "arguments": json.dumps(HELLO),
    }
    answer = vk.handle_tool_call(responses_call, **who)
    assert answer["type"] == "function_call_output" and answer["call_id"] == "fc_1"
    assert "octocat" in github.state.repo("octocat", "Hello-World").stargazers

    anthropic_call = {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "GITHUB_GET_A_USER",
        "input": {"username": "nobody-here"},
    }
    answer = vk.handle_tool_call(anthropic_call, **who)
    assert answer["type"] == "tool_result" and answer["tool_use_id"] == "toolu_1" and answer["is_error"]

    class Function:  # the OpenAI SDK's objects, read by attribute
        name = ME
        arguments = ""

    class Call:
        id = "call_2"
        type = "function"
        function = Function()

    assert read_tool_call(Call()).arguments == {}
    with pytest.raises(ValueError):
        read_tool_call({"type": "text", "text": "hi"})


def test_sessions_and_the_per_user_mcp_url(vk, github):
    name = _connection_name(vk, github)
    session = vk.create_session(github.user_id, toolkits=["github"], connection_names=[name])
    assert session.user_id == github.user_id and session.mcp_url
    assert session.config["connected_accounts"] == {"github": [github.account_id]}
    assert session.config["auth_configs"] == {"github": github.auth_config_id}
    meta = [t.slug for t in vk.session_tools(session.id)]
    assert "COMPOSIO_SEARCH_TOOLS" in meta and "COMPOSIO_MULTI_EXECUTE_TOOL" in meta
    found = vk.session_search(session.id, "star a github repository")
    assert found.success and found.results
    ran = vk.session_execute(session.id, ME.lower())
    assert ran.successful and ran.data["login"] == "octocat"
    multi = vk.handle_tool_call(
        {
            "id": "c1",
            "type": "function",
            "function": {
                "name": "COMPOSIO_MULTI_EXECUTE_TOOL",
                "arguments": json.dumps({"tools": [{"tool_slug": ME, "arguments": {}}]}),
            },
        },
        session_id=session.id,
    )
    assert "octocat" in multi["content"]
    vk.delete_session(session.id)
    with pytest.raises(NotFoundError):
        vk.get_session(session.id)

    server = vk.create_mcp_server(
        "client-mcp", auth_config_ids=[github.auth_config_id], allowed_tools=[ME.lower()]
    )
    url = vk.mcp_url(server["id"], github.user_id)

    async def over_mcp() -> str:
        async with mcp_session(url) as mcp:
            listed = await mcp.list_tools()
            assert [t.name for t in listed.tools] == [ME]
            return text_of(await mcp.call_tool(ME, {}))

    import asyncio

    assert "octocat" in asyncio.run(over_mcp())


async def test_async_client(github):
    async with AsyncValetkey(github.project.api_key, github.server.url) as vk:
        configs = await vk.list_auth_configs(toolkit="github")
        name = next(c.name for c in configs if c.id == github.auth_config_id)
        result = await vk.execute_tool(ME, identifier=github.user_id, connection_name=name)
        assert result.successful and result.data["login"] == "octocat"
        account = await vk.get_or_create_connected_account(github.user_id, name)
        assert account.id == github.account_id
        assert [t.slug for t in await vk.list_scoped_tools(github.user_id, tool_names=[ME])] == [ME]
        proxied = await vk.request("/user", connected_account_id=github.account_id)
        assert proxied.data["login"] == "octocat"
        session = await vk.create_session(github.user_id, connection_names=[name])
        assert (await vk.session_execute(session.id, ME)).successful
        await vk.delete_session(session.id)
        with pytest.raises(NotFoundError) as caught:
            await vk.get_tool("GITHUB_NO_SUCH_TOOL")
        assert caught.value.request_id


# -- retries, against a loopback fake -------------------------------------------------------------


class Flaky:
    """Answers `script` (status, headers) in turn, then 200; records each request's arrival."""

    def __init__(self, script):
        self.script = list(script)
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        async def any_route(request: Request) -> JSONResponse:
            with self.lock:
                self.seen.append(request.headers.get("x-api-key", ""))
                step = self.script.pop(0) if self.script else None
            if step is None:
                return JSONResponse({"items": [], "next_cursor": None})
            status, headers = step
            error = {"message": "slow down", "status": status, "slug": "RateLimited", "request_id": "req_x"}
            return JSONResponse({"error": error}, status_code=status, headers=headers)

        return Starlette(routes=[Route("/{path:path}", any_route, methods=["GET", "POST"])])


@pytest.fixture
def flaky():
    made = []

    def start(script):
        fake = Flaky(script)
        server = ThreadedServer(fake.app()).start()
        made.append(server)
        return fake, server.url

    yield start
    for server in made:
        server.stop()


def test_retries_on_429_and_503_honour_retry_after(flaky):
    fake, url = flaky([(429, {"retry-after": "0"}), (503, {"retry-after": "0"})])
    with Valetkey("k", url) as vk:
        assert vk.list_toolkits().items == []
    assert fake.seen == ["k", "k", "k"]  # the same pooled client, the key on every attempt

    fake, url = flaky([(429, {"retry-after": "0"})] * 3)
    with Valetkey("k", url, retry=RetryPolicy(max_retries=2)) as vk, pytest.raises(RateLimitError) as caught:
        vk.list_toolkits()
    assert len(fake.seen) == 3 and caught.value.retry_after == 0 and caught.value.request_id == "req_x"

    # A server asking for longer than the client waits: raised at once, with its hint.
    fake, url = flaky([(429, {"retry-after": "3600"})])
    with Valetkey("k", url) as vk, pytest.raises(RateLimitError) as caught:
        vk.list_toolkits()
    assert len(fake.seen) == 1 and caught.value.retry_after == 3600

    fake, url = flaky([(503, {})])
    with Valetkey("k", url, retry=NO_RETRIES) as vk, pytest.raises(ServerError):
        vk.list_toolkits()
    # Other errors are never retried.
    fake, url = flaky([(500, {"retry-after": "0"})])
    with Valetkey("k", url) as vk, pytest.raises(ServerError):
        vk.list_toolkits()
    assert len(fake.seen) == 1


async def test_async_retries(flaky):
    fake, url = flaky([(429, {"retry-after": "0"}), (503, {})])
    async with AsyncValetkey("k", url, retry=RetryPolicy(backoff=0.01)) as vk:
        assert (await vk.list_toolkits()).items == []
    assert len(fake.seen) == 3


def test_unreachable_server_and_missing_key(monkeypatch):
    monkeypatch.delenv("VALETKEY_API_KEY", raising=False)
    with pytest.raises(Exception, match="VALETKEY_API_KEY"):
        Valetkey.from_env()
    with Valetkey("k", "http://127.0.0.1:9", retry=RetryPolicy(max_retries=1, backoff=0.01)) as vk:
        with pytest.raises(TransportError):
            vk.list_toolkits()


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert httpx  # the client's transport
