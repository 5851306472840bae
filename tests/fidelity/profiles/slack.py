"""Slack: its published OpenAPI description (APIs.guru, Web API 1.7.0, ``specs/slack``).

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
from typing import Any

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, rebound
from tests.fidelity.support import description, drifted, sample_arguments, tool_by_slug, tool_request
from valetkey.catalog.model import Tool

#: Tools with no operation in Slack's description, and why. None today.
UNDESCRIBED: dict[str, str] = {}
#: Message timestamps are strings like "1700000000.000100"; the description types some as numbers.
TIMESTAMPS = {"ts", "thread_ts", "timestamp", "oldest", "latest"}


def spec():
    return description("slack", "slack.com.subset.json")


def as_described(request: WireRequest, token: str = "xoxp-sample") -> WireRequest:
    """The request with its bearer token where the description declares the `token` parameter."""
    found = spec().find(request.method, request.path)
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


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), as_described(request), transport_headers=TRANSPORT_HEADERS)


def arguments(tool: Tool, optional: bool) -> dict[str, Any]:
    values = sample_arguments(tool, optional=optional)
    return {k: "1700000000.000100" if k in TIMESTAMPS else v for k, v in values.items()}


REACTION = {"channel": "C1", "timestamp": "1.2", "name": "eyes"}


def _reaction(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "SLACK_ADD_REACTION"), **change), REACTION)


def _lookup_renamed(toolkit) -> WireRequest:
    return tool_request(
        rebound(tool_by_slug(toolkit, "SLACK_LOOKUP_USER_BY_EMAIL"), "email", "query", "mail"),
        {"email": "a@b.c"},
    )


DRIFTS = (
    Drift(
        "renamed form field",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "SLACK_SEND_MESSAGE"), "thread_ts", "body", "thread"),
            {"channel": "C1", "text": "t", "thread_ts": "1.2"},
        ),
        ("body property 'thread' is not declared",),
    ),
    Drift("renamed query parameter", _lookup_renamed, ("query parameter 'mail' is not declared",)),
    Drift(
        "missing required query parameter", _lookup_renamed, ("required query parameter 'email' is missing",)
    ),
    Drift("wrong path", lambda tk: _reaction(tk, path="/reactions.create"), ("no operation",), first=True),
    Drift("wrong method", lambda tk: _reaction(tk, method="PUT"), ("no operation",), first=True),
    Drift(
        "wrong body encoding", lambda tk: _reaction(tk, body="json"), ("body media type 'application/json'",)
    ),
    Drift(
        "wrongly typed query value",
        lambda tk: tool_request(tool_by_slug(tk, "SLACK_LIST_CHANNELS"), {"limit": "many"}),
        ("query parameter 'limit'",),
    ),
    Drift(
        "wrongly typed timestamp",
        lambda tk: tool_request(
            tool_by_slug(tk, "SLACK_FETCH_CONVERSATION_HISTORY"), {"channel": "C1", "oldest": "yesterday"}
        ),
        ("query parameter 'oldest'",),
    ),
)

FIDELITY = Fidelity("slack", check, arguments=arguments, undescribed=UNDESCRIBED, drifts=DRIFTS)
