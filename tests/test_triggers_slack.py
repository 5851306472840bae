"""Slack triggers through the official SDK, against the sandbox's Slack emulator.

The project's Slack webhook endpoint is the emulator app's Request URL: saving it
runs Slack's signed ``url_verification`` handshake against Valetkey; messages,
reactions and new channels made in the emulator arrive as signed ``event_callback``s,
fanned out to the matching triggers by workspace and channel. Forged, stale and
retried requests are sent by hand (Slack's algorithm, ``tests.support.sandbox_events``).
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
from tests.support.sandbox_events import flush, slack_post_as, slack_subscribe
from tests.support.triggers import connect_for_triggers, start_trigger_server

GENERAL = "C01GENERAL"


@pytest.fixture(scope="module")
def slack_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def signed(body: dict, secret: str, *, at: int | None = None, retry: int | None = None) -> dict:
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


def test_slack_events_from_the_emulator_fan_out_to_matching_triggers(slack_server, emulators, receiver):
    slack = connect_for_triggers(emulators, slack_server, "slack", receiver, user_id="sam")
    sdk, api = slack.sdk, slack.api
    settings = httpx.get(f"{emulators.url}/_sandbox/slack/events", timeout=20).json()
    endpoint = sdk.webhooks.endpoints.create(toolkit_slug="slack", client_id=settings["app_id"]).root
    url = endpoint.webhook_url
    assert url == f"{slack_server.url}/api/v3.1/trigger_ingress/slack/apps/{endpoint.id}"
    assert (
        sdk.webhooks.endpoints.create(toolkit_slug="slack", client_id=settings["app_id"]).root.id
        == endpoint.id
    )
    # No signing secret yet: Slack's handshake is refused, and the emulator keeps no Request URL.
    refused = httpx.put(f"{emulators.url}/_sandbox/slack/events", json={"request_url": url}, timeout=20)
    assert refused.status_code == 400 and refused.json()["error"] == "url_verification_failed"
    updated = sdk.webhooks.endpoints.update(endpoint.id, data={"signing_secret": settings["signing_secret"]})
    assert updated.data["signing_secret"] != settings["signing_secret"]  # answered masked
    assert [e.id for e in sdk.webhooks.endpoints.list(toolkit_slug="slack").items] == [endpoint.id]
    assert_error(api.patch(f"/api/v3.1/webhook_endpoints/{endpoint.id}", json={"data": {"colour": "x"}}), 400)
    assert_error(
        api.post("/api/v3.1/webhook_endpoints", json={"toolkit_slug": "github", "client_id": "x"}), 400
    )
    # Saving the Request URL in Slack runs the signed url_verification handshake against Valetkey.
    assert slack_subscribe(emulators.url, url)["request_url"] == url

    message = slack.create("SLACK_RECEIVE_MESSAGE", {"channel": GENERAL})
    reaction = slack.create("SLACK_REACTION_ADDED")
    created = slack.create("SLACK_CHANNEL_CREATED")

    token = emulators.emulator("slack").issue_token(
        "valetbot", ("chat:write", "reactions:write", "channels:manage", "channels:read")
    )

    def call(method: str, **args) -> dict:
        answer = httpx.post(
            f"{emulators.url}/slack/api/{method}",
            data=args,
            headers={"Authorization": f"Bearer {token}"},
            timeout=20,
        ).json()
        assert answer["ok"], answer
        return answer

    typed = slack_post_as(emulators.url, "general", "bob", "hello")
    call("reactions.add", channel=GENERAL, timestamp=typed["ts"], name="thumbsup")
    launch = call("conversations.create", name="launch")["channel"]
    # A message elsewhere (the new channel) is not the message trigger's (channel C01GENERAL).
    call("chat.postMessage", channel=launch["id"], text="elsewhere")
    deliveries = flush(emulators.url, "slack")
    callbacks = [d for d in deliveries if d["event"].startswith("event_callback")]
    assert len(callbacks) == 4 and all(d["state"] == "succeeded" for d in callbacks), callbacks

    raws = slack.events(3)
    slack.nothing_more(3)
    by_trigger = {raw["metadata"]["trigger_id"]: raw for raw in raws}
    said = slack.check(by_trigger[message], "SLACK_RECEIVE_MESSAGE", message)
    assert said["text"] == "hello" and said["channel"] == GENERAL and said["team_id"] == settings["team_id"]
    assert said["user"] == "U02BOB0000" and said["event_id"] == typed["event_id"]
    reacted = slack.check(by_trigger[reaction], "SLACK_REACTION_ADDED", reaction)
    assert reacted["reaction"] == "thumbsup" and reacted["item_ts"] == typed["ts"]
    channel = slack.check(by_trigger[created], "SLACK_CHANNEL_CREATED", created)["channel"]
    assert channel["id"] == launch["id"] and channel["name"] == "launch"

    # Slack's retry of an event already received (same event_id): acknowledged, not delivered twice.
    secret = settings["signing_secret"]
    again = {
        "type": "event_callback",
        "team_id": settings["team_id"],
        "api_app_id": settings["app_id"],
        "event_id": typed["event_id"],
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel": GENERAL,
            "user": "U02BOB0000",
            "text": "hello",
            "ts": typed["ts"],
        },
    }
    assert httpx.post(url, **signed(again, secret, retry=1)).json()["duplicate"] is True
    other_team = {**again, "event_id": "EvOTHER", "team_id": "T9NOTOURS"}
    assert httpx.post(url, **signed(other_team, secret)).json()["delivered"] == 0
    edited = {**again, "event_id": "EvEDIT", "event": {**again["event"], "subtype": "message_changed"}}
    assert httpx.post(url, **signed(edited, secret)).json()["delivered"] == 0
    # Forged, stale and misaddressed requests are refused.
    fresh = {**again, "event_id": "EvFRESH"}
    assert_error(httpx.post(url, **signed(fresh, "wrong")), 401)
    assert_error(httpx.post(url, **signed(fresh, secret, at=int(time.time()) - 600)), 401, contains="replay")
    assert_error(httpx.post(url.rsplit("/", 1)[0] + "/we_nosuch", **signed(fresh, secret)), 404)
    slack.nothing_more(3)

    # A disabled trigger delivers nothing, then or later.
    sdk.triggers.disable(message)
    slack_post_as(emulators.url, "general", "bob", "while disabled")
    flush(emulators.url, "slack")
    slack.nothing_more(3)
    sdk.triggers.enable(message)
    slack_post_as(emulators.url, "general", "bob", "back")
    flush(emulators.url, "slack")
    [*_, back] = slack.events(4)
    assert slack.check(back, "SLACK_RECEIVE_MESSAGE", message)["text"] == "back"
    slack.nothing_more(4)
    slack_subscribe(emulators.url, None)
    api.close()
