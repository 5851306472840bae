"""Every Slack tool's request against Slack's published OpenAPI description (APIs.guru, Web API 1.7.0).

As for GitHub: statically, the request the executor builds for each tool with
every argument (and with only the required ones); live, what the Slack
emulator received when each tool ran through the SDK and a real server.
Negative tests prove drift fails.

One adaptation, and only one: the description models the credential as a
`token` parameter (a header on most POST methods, the query on GET methods,
sometimes `required`), while Slack takes it as ``Authorization: Bearer``
(api.slack.com/authentication/token-types; the form/query `token` argument is
the legacy way). `as_described` moves the bearer token to where the
operation declares `token` before checking, so the rest of the request is
checked unchanged. PROVENANCE.md lists this and the description's other
outdated points.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.fidelity.checker import (
    TRANSPORT_HEADERS,
    FidelityError,
    WireRequest,
    assert_request_valid,
    check_request,
)
from tests.fidelity.support import (
    description,
    drifted,
    from_recorded,
    sample_arguments,
    tool_by_slug,
    tool_request,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding

#: Tools with no operation in Slack's description, and why. None today.
UNDESCRIBED: dict[str, str] = {}


@pytest.fixture(scope="module")
def spec():
    return description("slack", "slack.com.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "slack")


def as_described(spec, request: WireRequest, token: str = "xoxp-sample") -> WireRequest:
    """The request with its bearer token where the description declares the `token` parameter."""
    found = spec.find(request.method, request.path)
    if found is None:
        return request
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    bearer = headers.pop("authorization", f"Bearer {token}").removeprefix("Bearer ")
    declared = next((p for p in found[0].params if p.name == "token"), None)
    if declared is None:
        return dataclasses.replace(request, headers=headers)
    if declared.location == "header":
        headers["token"] = bearer
        return dataclasses.replace(request, headers=headers)
    return dataclasses.replace(request, headers=headers, query=(*request.query, ("token", bearer)))


def check(spec, request: WireRequest) -> list[str]:
    return check_request(spec, as_described(spec, request), transport_headers=TRANSPORT_HEADERS)


#: Message timestamps are strings like "1700000000.000100"; the description types some as numbers.
TIMESTAMPS = {"ts", "thread_ts", "timestamp", "oldest", "latest"}


def arguments_for(tool, *, optional: bool):
    arguments = sample_arguments(tool, optional=optional)
    return {k: "1700000000.000100" if k in TIMESTAMPS else v for k, v in arguments.items()}


def test_every_tool_with_every_argument_builds_a_described_request(spec, toolkit):
    problems = []
    for tool in toolkit.tools:
        for optional in (True, False):
            problems += check(spec, tool_request(tool, arguments_for(tool, optional=optional)))
    assert not problems, "\n".join(problems)


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    used = {}
    for tool in toolkit.tools:
        found = spec.find(tool.operation.method, tool.operation.path)
        assert found is not None, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}
    assert not UNDESCRIBED


def test_writes_are_form_encoded_as_the_description_declares(spec, toolkit):
    for tool in toolkit.tools:
        operation, _ = spec.find(tool.operation.method, tool.operation.path)
        if operation.body_schema is not None:
            assert tool.operation.body == "form", tool.slug
            assert "application/x-www-form-urlencoded" in operation.body_media_types, tool.slug


GENERAL = "C01GENERAL"
LIVE_CALLS = [
    ("SLACK_AUTH_TEST", {}),
    (
        "SLACK_LIST_CHANNELS",
        {"types": "public_channel,private_channel", "exclude_archived": True, "limit": 5},
    ),
    ("SLACK_GET_CHANNEL_INFO", {"channel": GENERAL, "include_num_members": True}),
    (
        "SLACK_SEND_MESSAGE",
        {
            "channel": GENERAL,
            "text": "hello",
            "mrkdwn": True,
            "unfurl_links": False,
            "blocks": '[{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]',
        },
    ),
    (
        "SLACK_FETCH_CONVERSATION_HISTORY",
        {
            "channel": GENERAL,
            "oldest": "1000000000.000000",
            "latest": "9999999999.000000",
            "inclusive": True,
            "limit": 10,
        },
    ),
    ("SLACK_FETCH_CONVERSATION_REPLIES", {"channel": GENERAL, "ts": "{ts}", "limit": 10}),
    ("SLACK_UPDATE_MESSAGE", {"channel": GENERAL, "ts": "{ts}", "text": "edited"}),
    ("SLACK_ADD_REACTION", {"channel": GENERAL, "timestamp": "{ts}", "name": "eyes"}),
    ("SLACK_REMOVE_REACTION", {"channel": GENERAL, "timestamp": "{ts}", "name": "eyes"}),
    (
        "SLACK_SEARCH_MESSAGES",
        {"query": "edited", "sort": "timestamp", "sort_dir": "asc", "count": 5, "page": 1, "highlight": True},
    ),
    ("SLACK_DELETE_MESSAGE", {"channel": GENERAL, "ts": "{ts}"}),
    ("SLACK_CREATE_CHANNEL", {"name": "fidelity", "is_private": False}),
    ("SLACK_INVITE_TO_CHANNEL", {"channel": "#fidelity", "users": "U02BOB0000"}),
    ("SLACK_SET_CHANNEL_TOPIC", {"channel": "#fidelity", "topic": "checked"}),
    ("SLACK_LIST_USERS", {"limit": 2, "include_locale": True}),
    ("SLACK_GET_USER_INFO", {"user": "U02BOB0000", "include_locale": True}),
    ("SLACK_LOOKUP_USER_BY_EMAIL", {"email": "bob@example.com"}),
    (
        "SLACK_UPLOAD_FILE",
        {
            "content": "a,b",
            "filename": "x.csv",
            "title": "X",
            "filetype": "csv",
            "channels": GENERAL,
            "initial_comment": "here",
        },
    ),
]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    slack = connect("slack")
    slack.emulator.requests.clear()
    problems, ts = [], None
    for slug, arguments in LIVE_CALLS:
        arguments = {k: ts if v == "{ts}" else v for k, v in arguments.items()}
        before = len(slack.emulator.requests)
        result = slack.execute(slug, arguments)
        assert result["successful"], (slug, result["error"])
        ts = result["data"].get("ts", ts)
        sent = slack.emulator.requests.all()[before:]
        assert len(sent) == 1, f"{slug} sent {len(sent)} requests"
        assert sent[0].header("authorization").startswith("Bearer xoxp-")
        problems += check(spec, from_recorded(sent[0]))
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools}


# -- drift is caught ---------------------------------------------------------


def test_a_renamed_form_field_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "SLACK_SEND_MESSAGE")
    wrong = drifted(tool, params=(*tool.operation.params, ParamBinding("thread_ts", "body", "thread")))
    with pytest.raises(FidelityError, match="body property 'thread' is not declared"):
        assert_request_valid(
            spec, as_described(spec, tool_request(wrong, {"channel": "C1", "text": "t", "thread_ts": "1.2"}))
        )


def test_a_renamed_query_parameter_and_a_missing_required_one_fail(spec, toolkit):
    tool = tool_by_slug(toolkit, "SLACK_LOOKUP_USER_BY_EMAIL")
    wrong = drifted(tool, params=(ParamBinding("email", "query", "mail"),))
    problems = check(spec, tool_request(wrong, {"email": "a@b.c"}))
    assert any("query parameter 'mail' is not declared" in p for p in problems), problems
    assert any("required query parameter 'email' is missing" in p for p in problems), problems


def test_a_wrong_method_path_or_body_encoding_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "SLACK_ADD_REACTION")
    arguments = {"channel": "C1", "timestamp": "1.2", "name": "eyes"}
    for wrong in (drifted(tool, path="/reactions.create"), drifted(tool, method="PUT")):
        problems = check(spec, tool_request(wrong, arguments))
        assert problems and "no operation" in problems[0]
    as_json = check(spec, tool_request(drifted(tool, body="json"), arguments))
    assert any("body media type 'application/json'" in p for p in as_json), as_json


def test_a_wrongly_typed_value_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "SLACK_LIST_CHANNELS")
    problems = check(spec, tool_request(tool, {"limit": "many"}))
    assert any("query parameter 'limit'" in p for p in problems), problems
    history = tool_by_slug(toolkit, "SLACK_FETCH_CONVERSATION_HISTORY")
    problems = check(spec, tool_request(history, {"channel": "C1", "oldest": "yesterday"}))
    assert any("query parameter 'oldest'" in p for p in problems), problems


def test_without_the_token_adaptation_the_description_demands_a_token_parameter(spec, toolkit):
    """Documents the one place the description is outdated: it wants `token`, Slack takes a bearer header."""
    tool = tool_by_slug(toolkit, "SLACK_GET_USER_INFO")
    request = tool_request(tool, {"user": "U1"})
    problems = check_request(spec, request, transport_headers=TRANSPORT_HEADERS)
    assert problems == ["GET /users.info (users_info): required query parameter 'token' is missing"]
