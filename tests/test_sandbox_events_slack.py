"""The Slack emulator's Events API: url_verification, signed event_callbacks, Slack's retries."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.sandbox_events import slack_post_as, slack_signature_ok, slack_subscribe
from tests.support.servers import ThreadedServer
from tests.support.webhook_receiver import Received, WebhookReceiver, echo_challenge


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["slack"]
    threaded.stop()


@pytest.fixture(scope="module")
def receiver():
    running = WebhookReceiver(echo_challenge).start()
    yield running
    running.stop()


@pytest.fixture
def slack(sandbox, receiver):
    url, emulator = sandbox
    emulator.reset()
    receiver.clear()
    token = emulator.issue_token(
        "valetbot", ("chat:write", "reactions:write", "channels:manage", "channels:read")
    )
    with httpx.Client(base_url=url, timeout=20) as c:
        c.token = token  # type: ignore[attr-defined]
        yield c


def api(slack: httpx.Client, method: str, **args) -> dict:
    answer = slack.post(f"/slack/api/{method}", data=args, headers={"Authorization": f"Bearer {slack.token}"})  # type: ignore[attr-defined]
    body = answer.json()
    assert body["ok"], body
    return body


def subscribe(slack: httpx.Client, receiver: WebhookReceiver, **settings) -> dict:
    return slack_subscribe(str(slack.base_url).rstrip("/"), receiver.url + "/slack/events", **settings)


def flush(slack: httpx.Client) -> list[dict]:
    answer = slack.post("/_sandbox/slack/deliveries/flush", json={})
    assert answer.status_code == 200
    return answer.json()["deliveries"]


def verify(request: Received, secret: str) -> None:
    """Slack's documented check: v0= + hex HMAC-SHA256 of "v0:{timestamp}:{raw body}", a fresh timestamp."""
    timestamp, signature = request.header("x-slack-request-timestamp"), request.header("x-slack-signature")
    assert slack_signature_ok(secret, request.body, timestamp, signature)
    assert not slack_signature_ok(secret, request.body + b" ", timestamp, signature)


def callbacks(receiver: WebhookReceiver) -> list[Received]:
    return [r for r in receiver.received if r.json().get("type") == "event_callback"]


def test_setting_the_request_url_runs_the_signed_url_verification_handshake(slack, receiver):
    settings = subscribe(slack, receiver, signing_secret="8f742231b10e8888abcd99yyyzzz85a5")
    assert settings["request_url"] == receiver.url + "/slack/events"
    assert settings["signing_secret"] == "8f742231b10e8888abcd99yyyzzz85a5"
    assert settings["app_id"] and settings["team_id"] and settings["verification_token"]
    [handshake] = receiver.received
    verify(handshake, settings["signing_secret"])
    body = handshake.json()
    assert body["type"] == "url_verification" and body["challenge"]
    assert body["token"] == settings["verification_token"]
    assert handshake.header("content-type") == "application/json"
    assert slack.get("/_sandbox/slack/events").json() == settings


def test_a_url_that_does_not_echo_the_challenge_is_refused_and_the_old_one_kept(slack, receiver):
    subscribe(slack, receiver)
    plain = WebhookReceiver().start()  # answers 200 "ok", not the challenge
    try:
        refused = slack.put("/_sandbox/slack/events", json={"request_url": plain.url + "/wrong"})
        assert refused.status_code == 400 and refused.json()["error"] == "url_verification_failed"
        assert len(plain.received) == 1
    finally:
        plain.stop()
    assert slack.get("/_sandbox/slack/events").json()["request_url"] == receiver.url + "/slack/events"
    bad = slack.put("/_sandbox/slack/events", json={"request_url": receiver.url, "bot_events": ["nope"]})
    assert bad.status_code == 400


def test_post_message_reaction_and_channel_created_arrive_as_signed_event_callbacks(slack, receiver):
    settings = subscribe(slack, receiver)
    posted = api(slack, "chat.postMessage", channel="C01GENERAL", text="Deploy done")
    api(slack, "reactions.add", channel="C01GENERAL", timestamp=posted["ts"], name="tada")
    created = api(slack, "conversations.create", name="launch")
    # A member (bob) types in #general, as a test posts "as another user".
    typed = slack_post_as(str(slack.base_url).rstrip("/"), "general", "bob", "nice")
    flush(slack)
    received = callbacks(receiver)
    for request in received:
        verify(request, settings["signing_secret"])
    bodies = [r.json() for r in received]
    assert [b["event"]["type"] for b in bodies] == ["message", "reaction_added", "channel_created", "message"]
    for body in bodies:
        assert body["team_id"] == settings["team_id"] and body["api_app_id"] == settings["app_id"]
        assert body["token"] == settings["verification_token"]
        assert body["event_id"].startswith("Ev") and isinstance(body["event_time"], int)
        assert body["authorizations"][0]["is_bot"] is True
    message = bodies[0]["event"]
    assert (
        message["channel"] == "C01GENERAL"
        and message["text"] == "Deploy done"
        and message["ts"] == posted["ts"]
    )
    assert message["channel_type"] == "channel" and message["bot_id"] and message["event_ts"] == posted["ts"]
    reaction = bodies[1]["event"]
    assert reaction["reaction"] == "tada" and reaction["item"] == {
        "type": "message",
        "channel": "C01GENERAL",
        "ts": posted["ts"],
    }
    channel = bodies[2]["event"]["channel"]
    assert channel["id"] == created["channel"]["id"] and channel["name"] == "launch"
    human = bodies[3]["event"]
    assert human["user"] == "U02BOB0000" and human["text"] == "nice" and "bot_id" not in human
    assert typed["event_id"] == bodies[3]["event_id"]


def test_events_the_bot_cannot_see_or_does_not_subscribe_to_are_not_sent(slack, receiver):
    subscribe(slack, receiver, bot_events=["message.channels"])
    # #random: the bot is not a member.
    assert (
        slack.post(
            "/_sandbox/slack/messages", json={"channel": "random", "user": "bob", "text": "psst"}
        ).status_code
        == 201
    )
    api(slack, "conversations.create", name="quiet")  # channel_created is not subscribed
    flush(slack)
    assert callbacks(receiver) == []
    assert slack.put("/_sandbox/slack/events", json={"request_url": None}).json()["request_url"] is None
    api(slack, "chat.postMessage", channel="C01GENERAL", text="nobody listens")
    flush(slack)
    assert callbacks(receiver) == []


def test_failed_deliveries_are_retried_with_retry_num_and_reason_each_freshly_signed(slack, receiver):
    settings = subscribe(slack, receiver)
    receiver.answer(500)
    receiver.answer(503)
    api(slack, "chat.postMessage", channel="C01GENERAL", text="retry me")
    [*_, delivery] = flush(slack)  # runs the retries Slack schedules at 0 s and 60 s now
    assert delivery["state"] == "succeeded" and [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    attempts = callbacks(receiver)
    assert len(attempts) == 3 and len({r.body for r in attempts}) == 1
    assert [r.header("x-slack-retry-num") for r in attempts] == [None, "1", "2"]
    assert [r.header("x-slack-retry-reason") for r in attempts] == [None, "http_error", "http_error"]
    for request in attempts:
        verify(request, settings["signing_secret"])


def test_x_slack_no_retry_stops_retries_and_three_retries_is_the_limit(slack, receiver):
    subscribe(slack, receiver)
    receiver.answer(500, headers={"X-Slack-No-Retry": "1"})
    api(slack, "chat.postMessage", channel="C01GENERAL", text="once")
    [*_, once] = flush(slack)
    assert once["state"] == "failed" and len(once["attempts"]) == 1
    receiver.clear()
    receiver.answer(500, times=4)
    api(slack, "chat.postMessage", channel="C01GENERAL", text="four times")
    [*_, four] = flush(slack)
    assert four["state"] == "failed" and [a["status"] for a in four["attempts"]] == [500] * 4
    assert [r.header("x-slack-retry-num") for r in callbacks(receiver)] == [None, "1", "2", "3"]


def test_a_slow_receiver_times_out_after_three_seconds_and_the_retry_says_http_timeout(slack, receiver):
    subscribe(slack, receiver)
    receiver.answer(200, delay=3.5)
    started = time.monotonic()
    api(slack, "chat.postMessage", channel="C01GENERAL", text="slow")
    assert time.monotonic() - started < 2  # the API call did not wait for the receiver
    [*_, delivery] = flush(slack)
    assert [a["error"] for a in delivery["attempts"]] == ["timeout", None]
    assert callbacks(receiver)[-1].header("x-slack-retry-reason") == "http_timeout"


def test_without_fast_forward_a_retry_waits_for_slacks_schedule(slack, receiver):
    subscribe(slack, receiver)
    receiver.answer(500, times=2)
    api(slack, "chat.postMessage", channel="C01GENERAL", text="later")
    answer = slack.post("/_sandbox/slack/deliveries/flush", json={"retries": False})
    [*_, delivery] = answer.json()["deliveries"]
    # The immediate retry ran; the next one is scheduled a minute later and has not.
    assert delivery["state"] == "pending" and len(delivery["attempts"]) == 2
    assert delivery["next_attempt_at"] - time.time() > 50
