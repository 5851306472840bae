"""An agent loop against the sandbox: a scripted model, the SDK's OpenAI provider, real toolkits.

The "model" is a script returning OpenAI `ChatCompletion` objects: it searches
for tools, asks for the missing connections, and multi-executes. Every tool
call goes through `composio.provider.handle_tool_calls(user_id=..., response=...)`
exactly as an application would run it; the "user" opens the Connect Links
the agent hands out (Valetkey's link page, then the emulated provider). The
effects are checked in the GitHub and Slack emulators' state.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openai.types.chat.chat_completion import ChatCompletion

from tests.support.toolkits import SANDBOX_CLIENT_SECRET
from valetkey.sandbox.emulator import SANDBOX_CLIENT_ID

V3 = "/api/v3.1"
GENERAL = "C01GENERAL"


def completion(*calls: tuple[str, dict[str, Any]], content: str | None = None) -> ChatCompletion:
    """What the OpenAI API answers: tool calls, or a final message."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for i, (name, args) in enumerate(calls)
        ]
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 0,
            "model": "scripted",
            "choices": [{"index": 0, "finish_reason": "tool_calls" if calls else "stop", "message": message}],
        }
    )


class ScriptedModel:
    """Decides its next turn from the tool results so far, like a model following the meta tools' guidance."""

    def __init__(self) -> None:
        self.turns = 0

    def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatCompletion:
        self.turns += 1
        session_id = tools[0]["function"]["parameters"]["properties"]["session_id"]["default"]
        results = [json.loads(m["content"]) for m in messages if m["role"] == "tool"]
        if not results:
            return completion(
                (
                    "COMPOSIO_SEARCH_TOOLS",
                    {
                        "session_id": session_id,
                        "queries": [
                            {"use_case": "create an issue in a github repository"},
                            {"use_case": "send a message to a slack channel"},
                        ],
                    },
                )
            )
        last = results[-1]["data"]
        if "tool_schemas" in last:  # the search answer
            self.primary = [r["primary_tool_slugs"][0] for r in last["results"]]
            missing = [
                s["toolkit"] for s in last["toolkit_connection_statuses"] if not s["has_active_connection"]
            ]
            return completion(
                ("COMPOSIO_MANAGE_CONNECTIONS", {"session_id": session_id, "toolkits": missing})
            )
        if "summary" in last:  # connections: the user has opened the links by now
            return completion(
                (
                    "COMPOSIO_MULTI_EXECUTE_TOOL",
                    {
                        "session_id": session_id,
                        "thought": "file and tell",
                        "tools": [
                            {
                                "tool_slug": self.primary[0],
                                "arguments": {
                                    "owner": "octocat",
                                    "repo": "Hello-World",
                                    "title": "Login crashes",
                                    "body": "Seen in 2.3",
                                },
                            },
                            {
                                "tool_slug": self.primary[1],
                                "arguments": {"channel": "#general", "text": "Filed: login crash"},
                            },
                            {
                                "tool_slug": self.primary[0],
                                "arguments": {"owner": "octocat", "repo": "no-such-repo", "title": "Lost"},
                            },
                        ],
                    },
                )
            )
        return completion(content="Done: the issue is filed and #general knows.")


def follow_connect_link(url: str) -> None:
    """The user at the Connect Link: Continue, sign in at the provider, land back on Valetkey."""
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        response = browser.post(url + "/continue")
        assert response.status_code == 303, response.text
        for _ in range(10):
            if not response.is_redirect:
                break
            response = browser.get(response.next_request.url)
        assert response.status_code < 400, response.text


def sandbox_auth_config(client: httpx.Client, sandbox, server, slug: str) -> str:
    toolkit = server.state.catalog.toolkit(slug)
    credentials = {
        **sandbox.endpoints(toolkit),
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "scopes": list(toolkit.scheme("OAUTH2").default_scopes),
    }
    r = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": slug},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "OAUTH2", "credentials": credentials},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


@pytest.fixture
def agent_setup(emulators, toolkit_server):
    from composio import Composio

    for slug in ("github", "slack"):
        emulators.emulator(slug).reset()
    project = toolkit_server.new_project()
    with httpx.Client(
        base_url=toolkit_server.url, headers={"x-api-key": project.api_key}, timeout=30
    ) as client:
        for slug in ("github", "slack"):
            sandbox_auth_config(client, emulators, toolkit_server, slug)
    return Composio(api_key=project.api_key, base_url=toolkit_server.url)


def test_agent_searches_connects_and_multi_executes(agent_setup, emulators):
    composio, user_id = agent_setup, "user-agent-1"
    session = composio.create(user_id=user_id, toolkits=["github", "slack", "hackernews"])
    tools = session.tools()
    model = ScriptedModel()
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "File the login crash on GitHub, tell #general."}
    ]
    outputs: dict[str, Any] = {}
    while model.turns < 6:
        response = model.respond(messages, tools)
        message = response.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        results = composio.provider.handle_tool_calls(user_id=user_id, response=response)
        for call, result in zip(message.tool_calls, results, strict=False):
            outputs[call.function.name] = result
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
            if call.function.name == "COMPOSIO_MANAGE_CONNECTIONS":
                for entry in result["data"]["results"].values():
                    follow_connect_link(entry["redirect_url"])
    assert message.content.startswith("Done")

    search = outputs["COMPOSIO_SEARCH_TOOLS"]["data"]
    assert search["session"]["id"] == session.session_id
    assert model.primary == ["GITHUB_CREATE_ISSUE", "SLACK_SEND_MESSAGE"]
    assert {s["toolkit"] for s in search["toolkit_connection_statuses"]} >= {"github", "slack"}
    connections = outputs["COMPOSIO_MANAGE_CONNECTIONS"]["data"]["results"]
    assert {slug: e["status"] for slug, e in connections.items()} == {
        "github": "initiated",
        "slack": "initiated",
    }
    for entry in connections.values():
        assert composio.connected_accounts.get(entry["connected_account_id"]).status == "ACTIVE"

    multi = outputs["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert multi["successful"] is False and multi["error"] == "1 out of 3 tools failed"
    issue, sent, lost = multi["data"]["results"]
    assert issue["response"]["successful"] and sent["response"]["successful"], multi
    assert lost["response"]["successful"] is False and lost["error"]

    repo = emulators.emulator("github").store.state.repo("octocat", "Hello-World")
    filed = repo.issues[issue["response"]["data"]["number"]]
    assert filed.title == "Login crashes"
    general = emulators.emulator("slack").store.state.channels[GENERAL]
    assert general.messages[sent["response"]["data"]["ts"]].text == "Filed: login crash"

    listing = {t.slug: t for t in session.toolkits().items}
    assert listing["github"].connection.is_active and listing["slack"].connection.is_active


def test_agent_loop_with_the_session_as_target(agent_setup, emulators):
    """The same provider, handing tool calls to the session (`handle_tool_calls(session=...)`)."""
    composio = agent_setup
    session = composio.create(user_id="user-agent-2", toolkits=["github"], manage_connections=False)
    tools = session.tools()
    assert "COMPOSIO_MANAGE_CONNECTIONS" not in {t["function"]["name"] for t in tools}
    request = session.authorize("github")
    follow_connect_link(request.redirect_url)
    assert request.wait_for_connection(timeout=10).status == "ACTIVE"
    response = completion(
        (
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {
                "tools": [
                    {
                        "tool_slug": "GITHUB_CREATE_ISSUE",
                        "arguments": {
                            "owner": "octocat",
                            "repo": "Hello-World",
                            "title": "Through the session",
                        },
                    }
                ]
            },
        )
    )
    [result] = composio.provider.handle_tool_calls(session=session, response=response)
    assert result["successful"], result
    number = result["data"]["results"][0]["response"]["data"]["number"]
    assert (
        emulators.emulator("github").store.state.repo("octocat", "Hello-World").issues[number].title
        == "Through the session"
    )
