"""The Stripe emulator's webhook endpoints, events and signed deliveries, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.sandbox_events import flush as flush_app
from tests.support.sandbox_events import stripe_complete_checkout, stripe_signature_ok
from tests.support.servers import ThreadedServer
from tests.support.webhook_receiver import Received, WebhookReceiver


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["stripe"]
    threaded.stop()


@pytest.fixture(scope="module")
def receiver():
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def stripe(sandbox, receiver):
    url, emulator = sandbox
    emulator.reset()
    receiver.clear()
    key = emulator.issue_token("acct_sandbox")
    with httpx.Client(base_url=f"{url}/stripe", headers={"Authorization": f"Bearer {key}"}, timeout=20) as c:
        c.sandbox_url = url  # type: ignore[attr-defined]
        yield c


def verify(request: Received, secret: str) -> dict:
    """Stripe's documented check: split t= and v1=, HMAC-SHA256 of "t.body", within the tolerance."""
    assert stripe_signature_ok(secret, request.body, request.header("stripe-signature"))
    assert not stripe_signature_ok(secret + "x", request.body, request.header("stripe-signature"))
    return json.loads(request.body)


def endpoint(stripe: httpx.Client, receiver: WebhookReceiver, events: list[str]) -> dict:
    data = {"url": receiver.url + "/stripe", "description": "valetkey"}
    data.update({f"enabled_events[{i}]": e for i, e in enumerate(events)})
    created = stripe.post("/v1/webhook_endpoints", data=data)
    assert created.status_code == 200, created.text
    return created.json()


def flush(stripe: httpx.Client) -> list[dict]:
    return flush_app(stripe.sandbox_url, "stripe")  # type: ignore[attr-defined]


def received(receiver: WebhookReceiver, secret: str) -> list[dict]:
    return [verify(r, secret) for r in receiver.received]


def test_webhook_endpoints_api_returns_the_secret_on_create_only(stripe, receiver):
    created = endpoint(stripe, receiver, ["charge.failed", "invoice.payment_succeeded"])
    assert created["object"] == "webhook_endpoint" and created["id"].startswith("we_")
    assert created["secret"].startswith("whsec_") and created["status"] == "enabled"
    assert created["enabled_events"] == ["charge.failed", "invoice.payment_succeeded"]
    assert created["url"] == receiver.url + "/stripe" and created["livemode"] is False
    got = stripe.get(f"/v1/webhook_endpoints/{created['id']}").json()
    assert "secret" not in got and got["enabled_events"] == created["enabled_events"]
    listed = stripe.get("/v1/webhook_endpoints").json()
    assert listed["object"] == "list" and [e["id"] for e in listed["data"]] == [created["id"]]
    assert all("secret" not in e for e in listed["data"])
    updated = stripe.post(f"/v1/webhook_endpoints/{created['id']}", data={"disabled": "true"}).json()
    assert updated["status"] == "disabled"
    deleted = stripe.delete(f"/v1/webhook_endpoints/{created['id']}").json()
    assert deleted == {"id": created["id"], "object": "webhook_endpoint", "deleted": True}
    assert stripe.get(f"/v1/webhook_endpoints/{created['id']}").status_code == 404
    bad = stripe.post("/v1/webhook_endpoints", data={"url": receiver.url, "enabled_events[0]": "charge.nope"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "enabled_events[0]"
    assert (
        stripe.post("/v1/webhook_endpoints", data={"url": receiver.url}).json()["error"]["param"]
        == "enabled_events"
    )
    assert (
        stripe.post("/v1/webhook_endpoints", data={"enabled_events[0]": "*"}).json()["error"]["param"]
        == "url"
    )


def test_a_declined_card_sends_a_signed_charge_failed_event(stripe, receiver):
    hook = endpoint(stripe, receiver, ["charge.failed"])
    declined = stripe.post(
        "/v1/payment_intents",
        data={
            "amount": "1500",
            "currency": "usd",
            "payment_method": "pm_card_chargeDeclined",
            "confirm": "true",
        },
    )
    assert declined.status_code == 402
    flush(stripe)
    [event] = received(receiver, hook["secret"])
    assert event["object"] == "event" and event["type"] == "charge.failed" and event["id"].startswith("evt_")
    charge = event["data"]["object"]
    assert charge["object"] == "charge" and charge["status"] == "failed" and charge["amount"] == 1500
    assert charge["id"] == declined.json()["error"]["charge"]
    assert event["livemode"] is False and event["pending_webhooks"] == 1
    assert event["request"]["id"] == declined.headers["request-id"]
    assert receiver.received[0].header("content-type").startswith("application/json")
    # The event is in /v1/events, and nobody waits for it any more.
    listed = stripe.get("/v1/events", params={"type": "charge.failed"}).json()["data"]
    assert listed[0]["id"] == event["id"] and listed[0]["pending_webhooks"] == 0
    assert stripe.get(f"/v1/events/{event['id']}").json()["type"] == "charge.failed"


def test_subscription_created_paid_and_deleted(stripe, receiver):
    hook = endpoint(
        stripe,
        receiver,
        ["customer.subscription.created", "customer.subscription.deleted", "invoice.payment_succeeded"],
    )
    customer = stripe.post(
        "/v1/customers", data={"email": "sub@example.com", "payment_method": "pm_card_visa"}
    ).json()
    monthly = next(p for p in stripe.get("/v1/prices").json()["data"] if p["type"] == "recurring")
    sub = stripe.post(
        "/v1/subscriptions", data={"customer": customer["id"], "items[0][price]": monthly["id"]}
    )
    assert sub.status_code == 200, sub.text
    assert sub.json()["status"] == "active"
    cancelled = stripe.delete(f"/v1/subscriptions/{sub.json()['id']}").json()
    assert cancelled["status"] == "canceled" and cancelled["canceled_at"]
    flush(stripe)
    events = received(receiver, hook["secret"])
    assert [e["type"] for e in events] == [
        "customer.subscription.created",
        "invoice.payment_succeeded",
        "customer.subscription.deleted",
    ]
    created, paid, deleted = (e["data"]["object"] for e in events)
    assert created["id"] == sub.json()["id"] and created["customer"] == customer["id"]
    assert created["items"]["data"][0]["price"]["id"] == monthly["id"]
    assert paid["object"] == "invoice" and paid["status"] == "paid" and paid["subscription"] == created["id"]
    assert paid["amount_paid"] == monthly["unit_amount"]
    assert deleted["status"] == "canceled"
    nopm = stripe.post("/v1/customers", data={"email": "none@example.com"}).json()
    refused = stripe.post(
        "/v1/subscriptions", data={"customer": nopm["id"], "items[0][price]": monthly["id"]}
    )
    assert refused.status_code == 400 and "default payment method" in refused.json()["error"]["message"]


def test_paying_an_invoice_sends_invoice_payment_succeeded(stripe, receiver):
    hook = endpoint(stripe, receiver, ["invoice.payment_succeeded", "invoice.payment_failed"])
    bill = next(i for i in stripe.get("/v1/invoices", params={"status": "open"}).json()["data"])
    declined = stripe.post(
        f"/v1/invoices/{bill['id']}/pay", data={"payment_method": "pm_card_chargeDeclined"}
    )
    assert declined.status_code == 402
    paid = stripe.post(f"/v1/invoices/{bill['id']}/pay", data={"payment_method": "pm_card_visa"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert (
        stripe.post(f"/v1/invoices/{bill['id']}/pay", data={"payment_method": "pm_card_visa"}).status_code
        == 400
    )
    flush(stripe)
    events = received(receiver, hook["secret"])
    assert [e["type"] for e in events] == ["invoice.payment_failed", "invoice.payment_succeeded"]
    assert (
        events[1]["data"]["object"]["id"] == bill["id"]
        and events[1]["data"]["object"]["amount_paid"] == bill["amount_due"]
    )


def test_checkout_session_completed_for_payment_and_subscription_modes(stripe, receiver):
    hook = endpoint(stripe, receiver, ["checkout.session.completed", "customer.subscription.created"])
    prices = stripe.get("/v1/prices").json()["data"]
    one_time = next(p for p in prices if p["type"] == "one_time")
    recurring = next(p for p in prices if p["type"] == "recurring")
    session = stripe.post(
        "/v1/checkout/sessions",
        data={
            "mode": "payment",
            "line_items[0][price]": one_time["id"],
            "line_items[0][quantity]": "2",
            "success_url": "https://example.com/ok",
            "client_reference_id": "order-7",
        },
    ).json()
    assert session["status"] == "open" and session["url"].startswith("https://checkout.stripe.com/")
    assert session["amount_total"] == 2 * one_time["unit_amount"]
    done = stripe_complete_checkout(stripe.sandbox_url, session["id"], email="buyer@example.com")  # type: ignore[attr-defined]
    assert done.status_code == 200 and done.json()["status"] == "complete"
    mismatch = stripe.post(
        "/v1/checkout/sessions", data={"mode": "payment", "line_items[0][price]": recurring["id"]}
    )
    assert mismatch.status_code == 400
    subscribe = stripe.post(
        "/v1/checkout/sessions", data={"mode": "subscription", "line_items[0][price]": recurring["id"]}
    ).json()
    assert stripe_complete_checkout(stripe.sandbox_url, subscribe["id"]).status_code == 200  # type: ignore[attr-defined]
    flush(stripe)
    events = received(receiver, hook["secret"])
    assert [e["type"] for e in events] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "checkout.session.completed",
    ]
    paid = events[0]["data"]["object"]
    assert (
        paid["id"] == session["id"]
        and paid["payment_status"] == "paid"
        and paid["client_reference_id"] == "order-7"
    )
    assert (
        paid["payment_intent"].startswith("pi_") and paid["customer_details"]["email"] == "buyer@example.com"
    )
    subscribed = events[2]["data"]["object"]
    assert (
        subscribed["mode"] == "subscription"
        and subscribed["subscription"] == events[1]["data"]["object"]["id"]
    )
    expired = stripe.post(f"/v1/checkout/sessions/{session['id']}/expire")
    assert expired.status_code == 400  # a completed session cannot expire


def test_failed_deliveries_are_retried_each_signed_afresh_until_a_2xx(stripe, receiver):
    hook = endpoint(stripe, receiver, ["*"])
    receiver.answer(500)
    receiver.answer(302, headers={"location": "https://example.com"})  # a redirect is a failure too
    stripe.post("/v1/customers", data={"email": "retry@example.com"})
    [delivery] = flush(stripe)  # runs Stripe's retries (1 h, 2 h...) now
    assert [a["status"] for a in delivery["attempts"]] == [500, 302, 200] and delivery["state"] == "succeeded"
    bodies = received(receiver, hook["secret"])
    assert {b["id"] for b in bodies} == {bodies[0]["id"]} and bodies[0]["type"] == "customer.created"


def test_disabled_endpoints_and_other_event_types_get_nothing(stripe, receiver):
    hook = endpoint(stripe, receiver, ["charge.failed"])
    stripe.post("/v1/customers", data={"email": "quiet@example.com"})
    stripe.post(f"/v1/webhook_endpoints/{hook['id']}", data={"disabled": "true"})
    stripe.post(
        "/v1/payment_intents",
        data={
            "amount": "100",
            "currency": "usd",
            "payment_method": "pm_card_chargeDeclined",
            "confirm": "true",
        },
    )
    flush(stripe)
    assert receiver.received == []
    # The events still exist.
    types = [e["type"] for e in stripe.get("/v1/events", params={"limit": "100"}).json()["data"]]
    assert "charge.failed" in types and "customer.created" in types
