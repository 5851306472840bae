"""Linear triggers through the official SDK, against the sandbox's Linear emulator.

Each trigger creates a webhook through the emulator's GraphQL API (``webhookCreate``,
on one team or all public teams, with the trigger's secret); issues and comments
made in the emulator arrive signed (``Linear-Signature``, ``webhookTimestamp``);
deleting the trigger runs ``webhookDelete``. A replayed delivery (same
``Linear-Delivery``), a forged signature and a stale timestamp are sent by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest

from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from tests.support.sandbox_events import flush
from tests.support.toolkits import _default_subject
from tests.support.triggers import connect_for_triggers, start_trigger_server

SCOPES = ["read", "write", "admin"]


@pytest.fixture(scope="module")
def linear_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def signed(secret: str, body: dict, delivery: str) -> dict:
    raw = json.dumps(body).encode()
    return {
        "content": raw,
        "headers": {
            "Content-Type": "application/json",
            "Linear-Signature": hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(),
            "Linear-Delivery": delivery,
            "Linear-Event": body["type"],
        },
        "timeout": 20,
    }


def test_linear_events_from_the_emulator_end_to_end(linear_server, emulators, receiver):
    lin = connect_for_triggers(emulators, linear_server, "linear", receiver, user_id="lin", scopes=SCOPES)
    emulator = emulators.emulator("linear")
    token = emulator.issue_token(_default_subject(emulator), tuple(SCOPES))
    client = httpx.Client(base_url=emulators.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)

    def gql(query: str, **variables) -> dict:
        answer = client.post("/linear/graphql", json={"query": query, "variables": variables})
        assert answer.status_code == 200 and not answer.json().get("errors"), answer.text
        return answer.json()["data"]

    teams = {t["key"]: t["id"] for t in gql("{ teams { nodes { id key } } }")["teams"]["nodes"]}
    created = lin.create("LINEAR_ISSUE_CREATED_TRIGGER", {"team_id": teams["ENG"]})
    updated = lin.create("LINEAR_ISSUE_UPDATED_TRIGGER")
    comments = lin.create("LINEAR_COMMENT_EVENT_TRIGGER")
    hooks = {
        h["url"].rsplit("/", 1)[1]: h
        for h in gql("{ webhooks { nodes { id url enabled resourceTypes allPublicTeams team { id } } } }")[
            "webhooks"
        ]["nodes"]
    }
    assert hooks[created]["team"]["id"] == teams["ENG"] and hooks[created]["resourceTypes"] == ["Issue"]
    assert hooks[updated]["allPublicTeams"] is True and hooks[comments]["resourceTypes"] == ["Comment"]
    assert all(h["enabled"] for h in hooks.values())

    issue = gql(
        'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "Crash"}) { issue { id identifier } } }',
        t=teams["ENG"],
    )["issueCreate"]["issue"]
    gql(
        'mutation($id: String!) { issueUpdate(id: $id, input: {title: "Crash on start"}) { success } }',
        id=issue["id"],
    )
    gql(
        'mutation($id: String!) { commentCreate(input: {issueId: $id, body: "On it"}) { success } }',
        id=issue["id"],
    )
    sent = flush(emulators.url, "linear")
    assert sent and all(d["state"] == "succeeded" for d in sent), sent

    raws = lin.events(3)
    lin.nothing_more(3)
    by_trigger = {raw["metadata"]["trigger_id"]: raw for raw in raws}
    new = lin.check(by_trigger[created], "LINEAR_ISSUE_CREATED_TRIGGER", created)
    changed = lin.check(by_trigger[updated], "LINEAR_ISSUE_UPDATED_TRIGGER", updated)
    said = lin.check(by_trigger[comments], "LINEAR_COMMENT_EVENT_TRIGGER", comments)
    assert issue["id"] in json.dumps(new) and "Crash on start" in json.dumps(changed)
    assert "On it" in json.dumps(said)

    # Linear's retry of a delivery already received: acknowledged, not delivered twice.
    hook_id = hooks[comments]["id"]
    secret = next(h.secret for h in emulator.store.state.webhooks.values() if h.id == hook_id)
    body = {
        "action": "create",
        "type": "Comment",
        "data": {"id": "c-by-hand", "body": "+1", "issueId": issue["id"]},
        "url": "https://linear.app/acme/issue/ENG-1",
        "createdAt": "2026-12-03T08:00:00.000Z",
        "webhookTimestamp": int(time.time() * 1000),
    }
    url = hooks[comments]["url"]
    assert httpx.post(url, **signed(secret, body, "dlv-1")).json()["delivered"] == 1
    assert httpx.post(url, **signed(secret, body, "dlv-1")).json()["duplicate"] is True
    assert_error(httpx.post(url, **signed("forged", body, "dlv-2")), 401)
    stale = {**body, "webhookTimestamp": int((time.time() - 120) * 1000)}
    assert_error(httpx.post(url, **signed(secret, stale, "dlv-3")), 401, contains="replay")
    lin.events(4)
    lin.nothing_more(4)

    # Disabled: comments made meanwhile are never delivered.
    lin.sdk.triggers.disable(comments)
    gql(
        'mutation($id: String!) { commentCreate(input: {issueId: $id, body: "quiet"}) { success } }',
        id=issue["id"],
    )
    flush(emulators.url, "linear")
    lin.nothing_more(4)

    # Deleting the trigger deletes its webhook at Linear.
    lin.sdk.triggers.delete(created)
    left = gql("{ webhooks { nodes { id } } }")["webhooks"]["nodes"]
    assert hooks[created]["id"] not in [h["id"] for h in left] and len(left) == 2
    client.close()
    lin.api.close()
