"""The emulators' shared outbox (`valetkey.sandbox.webhooks.Deliveries`): background POSTs, retries, flush."""

from __future__ import annotations

import time

import pytest

from tests.support.webhook_receiver import WebhookReceiver
from valetkey.sandbox.webhooks import Deliveries, Outcome, RetryPolicy


@pytest.fixture(scope="module")
def receiver():
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def outbox(receiver):
    receiver.clear()
    return Deliveries(timeout=1.0, user_agent="test-agent/1")


def numbered(attempt: int, previous: Outcome | None) -> tuple[bytes, dict[str, str]]:
    headers = {"X-Attempt": str(attempt)}
    if previous is not None:
        headers["X-Previous"] = str(previous.status or previous.error)
    return b'{"n": 1}', headers


def test_send_returns_at_once_and_flush_waits_for_the_post(outbox, receiver):
    receiver.answer(200, delay=0.3)
    started = time.monotonic()
    delivery = outbox.send(receiver.url + "/a", "thing.happened", numbered)
    assert time.monotonic() - started < 0.2 and delivery.state == "pending"
    [done] = outbox.flush()
    assert done is delivery and done.state == "succeeded"
    [attempt] = done.attempts
    assert attempt.outcome.status == 200 and attempt.duration_ms >= 250
    [got] = receiver.received
    assert got.path == "/a" and got.body == b'{"n": 1}'
    assert got.header("user-agent") == "test-agent/1" and got.header("x-attempt") == "1"


def test_retries_follow_the_policy_and_see_the_previous_outcome(outbox, receiver):
    receiver.answer(503, times=2)
    delivery = outbox.send(receiver.url, "e", numbered, retry=RetryPolicy((0.0, 3600.0, 3600.0)))
    outbox.flush(retries=False)
    # The immediate retry ran; the next one waits an hour.
    assert [a.outcome.status for a in delivery.attempts] == [503, 503] and delivery.state == "pending"
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at - time.time() > 3000
    outbox.flush()  # fast-forwards the clock
    assert [a.outcome.status for a in delivery.attempts] == [503, 503, 200] and delivery.state == "succeeded"
    assert [r.header("x-previous") for r in receiver.received] == [None, "503", "503"]


def test_a_policy_stops_after_its_last_delay_or_when_the_answer_says_so(outbox, receiver):
    receiver.answer(500, times=3)
    limited = outbox.send(receiver.url, "e", numbered, retry=RetryPolicy((0.0, 0.0)))
    outbox.flush()
    assert len(limited.attempts) == 3 and limited.state == "failed"
    receiver.answer(500, headers={"x-stop": "1"})
    stopped = outbox.send(
        receiver.url, "e", numbered, retry=RetryPolicy((0.0,), stop=lambda o: o.headers.get("x-stop") == "1")
    )
    outbox.flush()
    assert len(stopped.attempts) == 1 and stopped.state == "failed"


def test_transport_errors_redirects_and_timeouts_are_failures(outbox, receiver):
    refused = outbox.send("http://127.0.0.1:9/", "e", numbered)
    receiver.answer(307, headers={"location": receiver.url + "/elsewhere"})
    redirected = outbox.send(receiver.url, "e", numbered)
    receiver.answer(200, delay=1.5)
    slow = outbox.send(receiver.url, "e", numbered)
    outbox.flush()
    assert refused.attempts[0].outcome.error == "connection_failed" and refused.state == "failed"
    assert redirected.attempts[0].outcome.status == 307 and redirected.state == "failed"
    assert slow.attempts[0].outcome.error == "timeout" and slow.state == "failed"


def test_wait_clear_and_redeliver(outbox, receiver):
    first = outbox.send(receiver.url, "e", numbered, delivery_id="d-1", meta={"k": "v"})
    assert outbox.wait(first).state == "succeeded"
    again = outbox.redeliver(first, extra=True)
    outbox.flush()
    assert again.id == "d-1" and again.meta == {"k": "v", "redelivery": True, "extra": True}
    assert [d.id for d in outbox.all()] == ["d-1", "d-1"] and outbox.find("d-1") is first
    outbox.clear()
    assert outbox.all() == [] and outbox.flush() == []
    as_json = outbox.send(receiver.url, "e", numbered).to_json()
    assert as_json["event"] == "e" and as_json["body"] == '{"n": 1}' and as_json["state"] == "pending"
    outbox.flush()
