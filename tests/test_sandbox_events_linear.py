"""The Linear emulator's webhooks: webhookCreate/Delete and signed Issue and Comment deliveries."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.sandbox_events import linear_signature_ok
from tests.support.servers import ThreadedServer
from tests.support.webhook_receiver import Received, WebhookReceiver

SECRET = "lin_wh_test_secret"
CREATE_WEBHOOK = """
mutation($input: WebhookCreateInput!) {
  webhookCreate(input: $input) { success webhook { id url enabled secret resourceTypes allPublicTeams team { key } } }
}"""


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["linear"]
    threaded.stop()


@pytest.fixture(scope="module")
def receiver():
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def linear(sandbox, receiver):
    url, emulator = sandbox
    emulator.reset()
    receiver.clear()
    token = emulator.issue_token("ada", ("read", "write", "admin"))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=20) as c:
        c.emulator = emulator  # type: ignore[attr-defined]
        yield c


def gql(linear: httpx.Client, query: str, headers: dict | None = None, **variables) -> dict:
    answer = linear.post(
        "/linear/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def team_id(linear: httpx.Client, key: str = "ENG") -> str:
    teams = gql(linear, "{ teams { nodes { id key } } }")["data"]["teams"]["nodes"]
    return next(t["id"] for t in teams if t["key"] == key)


def flush(linear: httpx.Client) -> list[dict]:
    answer = linear.post("/_sandbox/linear/deliveries/flush", json={})
    assert answer.status_code == 200
    return answer.json()["deliveries"]


def verify(request: Received, secret: str = SECRET) -> dict:
    """Linear's documented check: hex HMAC-SHA256 of the raw body; webhookTimestamp within a minute."""
    assert linear_signature_ok(secret, request.body, request.header("linear-signature"))
    assert not linear_signature_ok(secret + "x", request.body, request.header("linear-signature"))
    body = request.json()
    uuid.UUID(request.header("linear-delivery"))
    assert request.header("linear-event") == body["type"]
    return body


def create_webhook(linear: httpx.Client, receiver: WebhookReceiver, **input) -> dict:
    body = {"url": receiver.url + "/linear", "resourceTypes": ["Issue", "Comment"], "secret": SECRET, **input}
    answer = gql(linear, CREATE_WEBHOOK, input=body)
    assert "errors" not in answer, answer
    return answer["data"]["webhookCreate"]["webhook"]


def test_issue_create_update_and_comment_create_are_delivered_signed(linear, receiver):
    eng = team_id(linear)
    hook = create_webhook(linear, receiver, teamId=eng)
    assert hook["enabled"] is True and hook["team"] == {"key": "ENG"} and hook["secret"] == SECRET
    created = gql(
        linear,
        'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "Crash"}) { issue { id identifier } } }',
        t=eng,
    )["data"]["issueCreate"]["issue"]
    gql(
        linear,
        'mutation($id: String!) { issueUpdate(id: $id, input: {title: "Crash on start", priority: 1}) { success } }',
        id=created["id"],
    )
    gql(
        linear,
        'mutation($id: String!) { commentCreate(input: {issueId: $id, body: "On it"}) { success } }',
        id=created["id"],
    )
    flush(linear)
    bodies = [verify(r) for r in receiver.received]
    assert [(b["type"], b["action"]) for b in bodies] == [
        ("Issue", "create"),
        ("Issue", "update"),
        ("Comment", "create"),
    ]
    issue, update, comment = bodies
    assert issue["data"]["id"] == created["id"] and issue["data"]["identifier"] == created["identifier"]
    assert issue["data"]["teamId"] == eng and issue["data"]["title"] == "Crash"
    assert issue["actor"]["name"] == "Ada Lovelace" and issue["actor"]["type"] == "user"
    assert (
        issue["webhookId"] == hook["id"]
        and issue["organizationId"]
        and issue["url"].startswith("https://linear.app/")
    )
    assert update["data"]["title"] == "Crash on start" and update["data"]["priority"] == 1
    assert update["updatedFrom"]["title"] == "Crash" and update["updatedFrom"]["priority"] == 0
    assert "updatedAt" in update["updatedFrom"]
    assert comment["data"]["body"] == "On it" and comment["data"]["issueId"] == created["id"]
    assert len({r.header("linear-delivery") for r in receiver.received}) == 3


def test_webhooks_of_another_team_disabled_or_deleted_get_nothing(linear, receiver):
    design = create_webhook(linear, receiver, teamId=team_id(linear, "DES"))
    everyone = create_webhook(linear, receiver, allPublicTeams=True, resourceTypes=["Comment"], secret=None)
    assert everyone["secret"].startswith("lin_wh_") and everyone["allPublicTeams"] is True
    gql(
        linear,
        'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "ENG only"}) { success } }',
        t=team_id(linear),
    )
    flush(linear)
    assert receiver.received == []  # DES hook is another team's, the all-teams hook wants comments only
    deleted = gql(
        linear, "mutation($id: String!) { webhookDelete(id: $id) { success entityId } }", id=design["id"]
    )
    assert deleted["data"]["webhookDelete"] == {"success": True, "entityId": design["id"]}
    gql(
        linear,
        "mutation($id: String!) { webhookUpdate(id: $id, input: {enabled: false}) { success } }",
        id=everyone["id"],
    )
    gql(linear, 'mutation { commentCreate(input: {issueId: "ENG-1", body: "quiet"}) { success } }')
    flush(linear)
    assert receiver.received == []
    listed = gql(linear, "{ webhooks { nodes { id enabled } } }")["data"]["webhooks"]["nodes"]
    assert listed == [{"id": everyone["id"], "enabled": False}]


def test_webhooks_need_the_admin_scope_and_valid_input(linear, receiver):
    weak = linear.emulator.issue_token("grace", ("read", "write"))  # type: ignore[attr-defined]
    refused = gql(
        linear,
        CREATE_WEBHOOK,
        headers={"Authorization": f"Bearer {weak}"},
        input={"url": receiver.url, "resourceTypes": ["Issue"], "allPublicTeams": True},
    )
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no_team = gql(linear, CREATE_WEBHOOK, input={"url": receiver.url, "resourceTypes": ["Issue"]})
    assert no_team["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    bad_type = gql(
        linear, CREATE_WEBHOOK, input={"url": receiver.url, "resourceTypes": ["Nope"], "allPublicTeams": True}
    )
    assert "Nope" in bad_type["errors"][0]["message"]


def test_failed_deliveries_are_retried_with_a_fresh_timestamp_and_signature(linear, receiver):
    create_webhook(linear, receiver, allPublicTeams=True)
    receiver.answer(500)
    gql(linear, 'mutation { commentCreate(input: {issueId: "ENG-1", body: "retry"}) { success } }')
    [delivery] = flush(linear)  # Linear retries after 1 min, 1 h, 6 h: run now
    assert [a["status"] for a in delivery["attempts"]] == [500, 200] and delivery["state"] == "succeeded"
    first, second = (verify(r) for r in receiver.received)
    assert first["data"] == second["data"]
    assert receiver.received[0].header("linear-delivery") == receiver.received[1].header("linear-delivery")
