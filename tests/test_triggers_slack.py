"""Slack triggers through the official SDK: the app's webhook endpoint, the url_verification handshake,
X-Slack-Signature v0 with its 5-minute window, fan-out by workspace and channel, retries deduplicated.
The workspace is `_FakeSlack` (auth.test) until the sandbox's Slack emulator posts Events API callbacks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest
from composio import Composio
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from tests.support.servers import ThreadedServer

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture(scope="module")
def slack():
    async def auth_test(request):
        return JSONResponse({"ok": True, "team_id": "T1", "user_id": "U1", "team": "Acme"})

    server = ThreadedServer(
        Starlette(routes=[Route("/auth.test", auth_test, methods=["GET", "POST"])])
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def slack_server(backend, slack, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        egress_allow=egress_allowed(*EGRESS_TARGETS, slack.url),
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def signed(
    body: dict, *, secret: str = SIGNING_SECRET, at: int | None = None, retry: int | None = None
) -> dict:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if at is None else at)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return {"content": raw, "headers": headers}


def callback(event: dict, event_id: str, team: str = "T1") -> dict:
    return {
        "type": "event_callback",
        "team_id": team,
        "api_app_id": "A123",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }


def test_slack_events_fan_out_to_matching_triggers(slack_server, slack, receiver):
    keys = slack_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=slack_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    api = httpx.Client(base_url=slack_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    config = api.post(
        "/api/v3.1/auth_configs",
        json={
            "toolkit": {"slug": "slack"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "BEARER_TOKEN",
                "credentials": {"base_url": slack.url},
            },
        },
    )
    assert config.status_code == 201, config.text
    account = sdk.connected_accounts.initiate(
        "sam",
        config.json()["auth_config"]["id"],
        config={"auth_scheme": "BEARER_TOKEN", "val": {"token": "xoxb-fake"}},
    )
    assert sdk.connected_accounts.wait_for_connection(account.id, timeout=10).status == "ACTIVE"

    endpoint = sdk.webhooks.endpoints.create(toolkit_slug="slack", client_id="A123").root
    url = endpoint.webhook_url
    assert url == f"{slack_server.url}/api/v3.1/trigger_ingress/slack/apps/{endpoint.id}"
    assert sdk.webhooks.endpoints.create(toolkit_slug="slack", client_id="A123").root.id == endpoint.id
    assert_error(
        httpx.post(url, **signed({"type": "url_verification", "challenge": "c"})), 401
    )  # no secret yet
    updated = sdk.webhooks.endpoints.update(endpoint.id, data={"signing_secret": SIGNING_SECRET})
    assert updated.data["signing_secret"] != SIGNING_SECRET  # answered masked
    assert [e.id for e in sdk.webhooks.endpoints.list(toolkit_slug="slack").items] == [endpoint.id]
    assert_error(api.patch(f"/api/v3.1/webhook_endpoints/{endpoint.id}", json={"data": {"colour": "x"}}), 400)
    assert_error(
        api.post("/api/v3.1/webhook_endpoints", json={"toolkit_slug": "github", "client_id": "x"}), 400
    )

    handshake = httpx.post(
        url,
        **signed(
            {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
        ),
    )
    assert handshake.status_code == 200 and handshake.json()["challenge"].startswith("3eZbrw")

    message = sdk.triggers.create(
        "SLACK_RECEIVE_MESSAGE", user_id="sam", trigger_config={"channel": "C1"}
    ).trigger_id
    reaction = sdk.triggers.create("SLACK_REACTION_ADDED", user_id="sam", trigger_config={}).trigger_id
    created = sdk.triggers.create("SLACK_CHANNEL_CREATED", user_id="sam", trigger_config={}).trigger_id

    hello = callback({"type": "message", "channel": "C1", "user": "U2", "text": "hello", "ts": "1.1"}, "Ev1")
    assert httpx.post(url, **signed(hello)).json()["delivered"] == 1
    assert httpx.post(url, **signed(hello, retry=1)).json()["duplicate"] is True  # Slack's retry
    elsewhere = callback({"type": "message", "channel": "C2", "user": "U2", "text": "x", "ts": "1.2"}, "Ev2")
    assert httpx.post(url, **signed(elsewhere)).json()["delivered"] == 0
    other_team = callback(
        {"type": "message", "channel": "C1", "user": "U9", "text": "x", "ts": "1.3"}, "Ev3", team="T9"
    )
    assert httpx.post(url, **signed(other_team)).json()["delivered"] == 0
    edited = callback({"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.4"}, "Ev4")
    assert httpx.post(url, **signed(edited)).json()["delivered"] == 0
    thumbs = callback(
        {
            "type": "reaction_added",
            "user": "U2",
            "reaction": "thumbsup",
            "item": {"type": "message", "channel": "C2", "ts": "1.1"},
            "event_ts": "1.5",
        },
        "Ev5",
    )
    assert httpx.post(url, **signed(thumbs)).json()["delivered"] == 1
    new_channel = callback(
        {"type": "channel_created", "channel": {"id": "C7", "name": "launch", "creator": "U2", "created": 1}},
        "Ev6",
    )
    assert httpx.post(url, **signed(new_channel)).json()["delivered"] == 1

    assert_error(httpx.post(url, **signed(hello, secret="wrong")), 401)
    assert_error(
        httpx.post(url, **signed(callback(hello["event"], "Ev7"), at=int(time.time()) - 600)),
        401,
        contains="replay",
    )
    assert_error(httpx.post(url.rsplit("/", 1)[0] + "/we_nosuch", **signed(hello)), 404)

    deliveries = receiver.wait_for(3)
    time.sleep(1.0)
    assert len(receiver.received) == 3
    by_trigger = {}
    for d in deliveries:
        raw = sdk.triggers.verify_webhook(
            id=d.headers["webhook-id"],
            payload=d.body,
            signature=d.headers["webhook-signature"],
            timestamp=d.headers["webhook-timestamp"],
            secret=secret,
        )["raw_payload"]
        by_trigger[raw["metadata"]["trigger_id"]] = raw["data"]
    assert by_trigger[message]["text"] == "hello" and by_trigger[message]["team_id"] == "T1"
    assert by_trigger[reaction]["reaction"] == "thumbsup"
    assert by_trigger[created]["channel"]["name"] == "launch"
    import jsonschema

    for trigger_id, slug in (
        (message, "SLACK_RECEIVE_MESSAGE"),
        (reaction, "SLACK_REACTION_ADDED"),
        (created, "SLACK_CHANNEL_CREATED"),
    ):
        jsonschema.validate(by_trigger[trigger_id], sdk.triggers.get_type(slug).payload)
    api.close()
