"""Every Slack tool's request against Slack's published OpenAPI description (APIs.guru, Web API 1.7.0).

As for GitHub: statically, the request the executor builds for each tool with
every argument (and with only the required ones); live, what the Slack
emulator received when each tool ran through the SDK and a real server.

One adaptation, and only one: the description models the credential as a
`token` parameter (a header on most POST methods, the query on GET methods,
sometimes `required`), while Slack takes it as ``Authorization: Bearer``
(api.slack.com/authentication/token-types; the form/query `token` argument is
the legacy way). `as_described` moves the bearer token to where the
operation declares `token` before checking, so the rest of the request is
checked unchanged. PROVENANCE.md lists this and the description's other
outdated points.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/slack.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import (
    TRANSPORT_HEADERS,
    check_request,
)
from tests.fidelity.profiles.slack import UNDESCRIBED, check
from tests.fidelity.support import (
    description,
    from_recorded,
    tool_by_slug,
    tool_request,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def spec():
    return description("slack", "slack.com.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "slack")


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
        problems += check(from_recorded(sent[0]))
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools}


def test_without_the_token_adaptation_the_description_demands_a_token_parameter(spec, toolkit):
    """Documents the one place the description is outdated: it wants `token`, Slack takes a bearer header."""
    tool = tool_by_slug(toolkit, "SLACK_GET_USER_INFO")
    request = tool_request(tool, {"user": "U1"})
    problems = check_request(spec, request, transport_headers=TRANSPORT_HEADERS)
    assert problems == ["GET /users.info (users_info): required query parameter 'token' is missing"]
