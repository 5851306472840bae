"""`experimental.usage.summary()` and `.breakdown()` through the SDK: counts from the execution logs."""

from __future__ import annotations

import time

import httpx
import pytest
from composio_client import BadRequestError, NotFoundError

from tests.support.errors import assert_error
from tests.support.execution import EXECUTE, make_account

V3 = "/api/v3.1"


def run(client, slug, arguments, user_id):
    r = client.post(EXECUTE + slug, json={"arguments": arguments, "user_id": user_id})
    assert r.status_code == 200, r.text


def test_summary_and_breakdown_count_this_projects_calls(composio, client, server, project):
    run(client, "LOOPBACK_ECHO_GET", {"item_id": "1"}, "alice")
    run(client, "LOOPBACK_ECHO_GET", {"item_id": "2"}, "alice")
    run(client, "LOOPBACK_ECHO_GET", {"item_id": "3"}, "bob")
    run(client, "LOOPBACK_STATUS", {"code": 500}, "bob")  # a failed call is a call too
    account = make_account(server, project.id, user_id="carol", secrets={"api_key": "k"})
    composio.tools.proxy(endpoint="/echo/usage", method="GET", connected_account_id=account)
    other = server.new_project()  # another project's calls never count here
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}) as stranger:
        run(stranger, "LOOPBACK_ECHO_GET", {"item_id": "9"}, "alice")

    summary = composio.experimental.usage.summary()
    assert summary.instant_charge == "0"
    assert summary.entities["tool_calls"].event_count == 4
    assert (
        summary.entities["tool_calls"].total_quantity == "4"
        and summary.entities["tool_calls"].unit == "calls"
    )
    assert summary.entities["proxy_calls"].event_count == 1
    only_bob = composio.experimental.usage.summary(entity_types=["tool_calls"], filters={"user_id": ["bob"]})
    assert list(only_bob.entities) == ["tool_calls"] and only_bob.entities["tool_calls"].event_count == 2

    by_tool = composio.experimental.usage.breakdown("tool_calls")
    assert by_tool.entity_type == "tool_calls" and by_tool.event_count == 4 and by_tool.total_quantity == "4"
    assert [(g.key, g.event_count) for g in by_tool.groups] == [
        ("LOOPBACK_ECHO_GET", 3),
        ("LOOPBACK_STATUS", 1),
    ]
    by_user = composio.experimental.usage.breakdown(
        "tool_calls", group_by="user_id", order_by="key", order_direction="asc"
    )
    assert [(g.key, g.total_quantity) for g in by_user.groups] == [("alice", "2"), ("bob", "2")]
    top = composio.experimental.usage.breakdown("tool_calls", limit=1)
    assert len(top.groups) == 1 and top.event_count == 4  # the total is over every group
    clamped = composio.experimental.usage.breakdown("tool_calls", limit=5000)  # clamped to 1000, not refused
    assert len(clamped.groups) == 2

    now_ms = time.time() * 1000
    past = composio.experimental.usage.summary(from_=now_ms - 3_600_000 * 48, to=now_ms - 3_600_000 * 24)
    assert past.entities["tool_calls"].event_count == 0


def test_what_the_logs_cannot_answer_is_refused(composio, client):
    with pytest.raises(BadRequestError, match="do not record the session"):
        composio.experimental.usage.summary(filters={"session_id": ["trs_1"]})
    with pytest.raises(NotFoundError, match="'sessions' is not metered"):
        composio.experimental.usage.breakdown("sessions")
    with pytest.raises(BadRequestError, match="'sessions' is not metered"):
        composio.experimental.usage.summary(entity_types=["sessions"])
    with pytest.raises(BadRequestError, match="group_by"):
        composio.experimental.usage.breakdown("tool_calls", group_by="request")
    assert_error(
        client.post(f"{V3}/project/usage/summary", json={"from": 10, "to": 5}), 400, contains="range"
    )
    assert_error(client.post(f"{V3}/project/usage/summary", json={"window": 1}), 400, contains="window")
    assert_error(client.post(f"{V3}/project/usage/tool_calls", json={"limit": 0}), 400, contains="limit")
