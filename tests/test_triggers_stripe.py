"""Stripe triggers through the official SDK, against the sandbox's Stripe emulator.

Each trigger registers a webhook endpoint through the emulator's API
(``POST /v1/webhook_endpoints``; the ``whsec_`` it answers becomes the trigger's
secret); payments, subscriptions, invoices and Checkout made in the emulator send
signed events to Valetkey's ingress; deleting the trigger deletes the endpoint.
A replayed event (same id), a forged and a stale ``Stripe-Signature`` are sent by hand.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from tests.support.sandbox_events import flush, stripe_complete_checkout
from tests.support.triggers import connect_for_triggers, start_trigger_server

TYPES = {
    "STRIPE_STRIPE_CHARGE_FAILED_TRIGGER": "charge.failed",
    "STRIPE_STRIPE_INVOICE_PAYMENT_SUCCEEDED_TRIGGER": "invoice.payment_succeeded",
    "STRIPE_STRIPE_SUBSCRIPTION_ADDED_TRIGGER": "customer.subscription.created",
    "STRIPE_STRIPE_SUBSCRIPTION_DELETED_TRIGGER": "customer.subscription.deleted",
    "STRIPE_STRIPE_CHECKOUT_SESSION_COMPLETED_TRIGGER": "checkout.session.completed",
}


@pytest.fixture(scope="module")
def stripe_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def signed(secret: str, body: bytes, at: int | None = None) -> dict:
    import hashlib
    import hmac

    stamp = int(time.time()) if at is None else at
    v1 = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "content": body,
        "headers": {"Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={v1}"},
        "timeout": 20,
    }


def test_stripe_events_from_the_emulator_end_to_end(stripe_server, emulators, receiver):
    shop = connect_for_triggers(emulators, stripe_server, "stripe", receiver, user_id="shop")
    emulator = emulators.emulator("stripe")
    key = emulator.issue_token(emulator.oauth2.config.default_subject if emulator.oauth2 else "acct_sandbox")
    stripe = httpx.Client(
        base_url=f"{emulators.url}/stripe", headers={"Authorization": f"Bearer {key}"}, timeout=20
    )

    ids = {slug: shop.create(slug) for slug in TYPES}
    endpoints = {e["url"].rsplit("/", 1)[1]: e for e in stripe.get("/v1/webhook_endpoints").json()["data"]}
    for slug, kind in TYPES.items():
        endpoint = endpoints[ids[slug]]
        assert endpoint["enabled_events"] == [kind] and endpoint["status"] == "enabled"
        assert endpoint["url"] == f"{stripe_server.url}/api/v3.1/trigger_ingress/stripe/{ids[slug]}"

    # Cause each event in the emulator.
    declined = stripe.post(
        "/v1/payment_intents",
        data={
            "amount": "1500",
            "currency": "usd",
            "payment_method": "pm_card_chargeDeclined",
            "confirm": "true",
        },
    )
    assert declined.status_code == 402, declined.text
    customer = stripe.post(
        "/v1/customers", data={"email": "sub@example.com", "payment_method": "pm_card_visa"}
    ).json()
    prices = stripe.get("/v1/prices").json()["data"]
    monthly = next(p for p in prices if p["type"] == "recurring")
    sub = stripe.post(
        "/v1/subscriptions", data={"customer": customer["id"], "items[0][price]": monthly["id"]}
    )
    assert sub.status_code == 200, sub.text
    assert stripe.delete(f"/v1/subscriptions/{sub.json()['id']}").status_code == 200
    one_time = next(p for p in prices if p["type"] == "one_time")
    session = stripe.post(
        "/v1/checkout/sessions",
        data={
            "mode": "payment",
            "line_items[0][price]": one_time["id"],
            "success_url": "https://example.com/ok",
        },
    ).json()
    assert (
        stripe_complete_checkout(emulators.url, session["id"], email="buyer@example.com").status_code == 200
    )
    sent = flush(emulators.url, "stripe")
    assert sent and all(d["state"] == "succeeded" for d in sent), sent

    raws = shop.events(len(TYPES))
    shop.nothing_more(len(TYPES))
    objects = {}
    for raw in raws:
        slug = raw["metadata"]["trigger_slug"]
        data = shop.check(raw, slug, ids[slug])
        assert data["event_type"] == TYPES[slug] and data["event_id"].startswith("evt_")
        objects[slug] = data["object"]
    assert sorted(objects) == sorted(TYPES)
    assert objects["STRIPE_STRIPE_CHARGE_FAILED_TRIGGER"]["id"] == declined.json()["error"]["charge"]
    assert objects["STRIPE_STRIPE_SUBSCRIPTION_ADDED_TRIGGER"]["id"] == sub.json()["id"]
    assert objects["STRIPE_STRIPE_SUBSCRIPTION_DELETED_TRIGGER"]["status"] == "canceled"
    assert objects["STRIPE_STRIPE_INVOICE_PAYMENT_SUCCEEDED_TRIGGER"]["subscription"] == sub.json()["id"]
    assert objects["STRIPE_STRIPE_CHECKOUT_SESSION_COMPLETED_TRIGGER"]["id"] == session["id"]

    # Stripe's retry of an event already received (same id, freshly signed): acknowledged once.
    charge_id = ids["STRIPE_STRIPE_CHARGE_FAILED_TRIGGER"]
    endpoint = endpoints[charge_id]
    secret = emulator.store.state.secrets[endpoint["id"]]
    [event] = stripe.get("/v1/events", params={"type": "charge.failed"}).json()["data"]
    body = json.dumps(event).encode()
    again = httpx.post(endpoint["url"], **signed(secret, body))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert_error(httpx.post(endpoint["url"], **signed("whsec_forged", body)), 401)
    fresh = json.dumps({**event, "id": "evt_fresh1"}).encode()
    stale = httpx.post(endpoint["url"], **signed(secret, fresh, at=int(time.time()) - 3600))
    assert_error(stale, 401, contains="replay")  # a captured request sent again an hour later
    refund = json.dumps({**event, "id": "evt_other1", "type": "charge.refunded"}).encode()
    other = httpx.post(endpoint["url"], **signed(secret, refund))
    assert other.status_code == 200 and other.json()["delivered"] == 0
    shop.nothing_more(len(TYPES))

    # Disabled: a declined card sends charge.failed to Valetkey, which delivers nothing.
    shop.sdk.triggers.disable(charge_id)
    stripe.post(
        "/v1/payment_intents",
        data={
            "amount": "700",
            "currency": "usd",
            "payment_method": "pm_card_chargeDeclined",
            "confirm": "true",
        },
    )
    flush(emulators.url, "stripe")
    shop.nothing_more(len(TYPES))

    # Deleting the trigger deletes its endpoint at Stripe.
    assert shop.sdk.triggers.delete(charge_id).trigger_id == charge_id
    assert stripe.get(f"/v1/webhook_endpoints/{endpoint['id']}").status_code == 404
    assert endpoint["id"] not in [e["id"] for e in stripe.get("/v1/webhook_endpoints").json()["data"]]
    stripe.close()
    shop.api.close()
