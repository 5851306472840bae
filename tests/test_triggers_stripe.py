"""Stripe triggers through the official SDK: endpoint registration, Stripe-Signature with tolerance,
event-id dedup, removal on delete. Registration runs against `tests.support.fake_stripe` until the
sandbox's Stripe emulator implements webhook endpoints."""

from __future__ import annotations

import time

import httpx
import jsonschema
import pytest
from composio import Composio

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.errors import assert_error
from tests.support.fake_stripe import FakeStripe, event
from tests.support.receiver import Receiver

TYPES = {
    "STRIPE_STRIPE_CHARGE_FAILED_TRIGGER": "charge.failed",
    "STRIPE_STRIPE_INVOICE_PAYMENT_SUCCEEDED_TRIGGER": "invoice.payment_succeeded",
    "STRIPE_STRIPE_SUBSCRIPTION_ADDED_TRIGGER": "customer.subscription.created",
    "STRIPE_STRIPE_SUBSCRIPTION_DELETED_TRIGGER": "customer.subscription.deleted",
    "STRIPE_STRIPE_CHECKOUT_SESSION_COMPLETED_TRIGGER": "checkout.session.completed",
}


@pytest.fixture(scope="module")
def stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def stripe_server(backend, stripe, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        egress_allow=egress_allowed(*EGRESS_TARGETS, stripe.url),
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def test_stripe_events_end_to_end(stripe_server, stripe, receiver):
    keys = stripe_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=stripe_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    api = httpx.Client(base_url=stripe_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    config = api.post(
        "/api/v3.1/auth_configs",
        json={
            "toolkit": {"slug": "stripe"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "API_KEY",
                "credentials": {"base_url": stripe.url},
            },
        },
    )
    assert config.status_code == 201, config.text
    account = sdk.connected_accounts.initiate(
        "shop",
        config.json()["auth_config"]["id"],
        config={"auth_scheme": "API_KEY", "val": {"api_key": "sk_test_fake123"}},
    )
    assert sdk.connected_accounts.wait_for_connection(account.id, timeout=10).status == "ACTIVE"

    ids = {slug: sdk.triggers.create(slug, user_id="shop", trigger_config={}).trigger_id for slug in TYPES}
    endpoints = {e.url.rsplit("/", 1)[1]: e for e in stripe.live()}
    assert stripe.keys[-1] == "Bearer sk_test_fake123"
    for slug, kind in TYPES.items():
        endpoint = endpoints[ids[slug]]
        assert endpoint.events == [kind]
        assert (
            stripe.send(endpoint, event(kind, {"id": "obj_" + kind, "amount": 500})).json()["received"]
            is True
        )
    deliveries = receiver.wait_for(len(TYPES))
    for delivery in deliveries:
        raw = sdk.triggers.verify_webhook(
            id=delivery.headers["webhook-id"],
            payload=delivery.body,
            signature=delivery.headers["webhook-signature"],
            timestamp=delivery.headers["webhook-timestamp"],
            secret=secret,
        )["raw_payload"]
        slug = raw["metadata"]["trigger_slug"]
        assert (
            raw["data"]["event_type"] == TYPES[slug] and raw["data"]["object"]["id"] == "obj_" + TYPES[slug]
        )
        jsonschema.validate(raw["data"], sdk.triggers.get_type(slug).payload)

    endpoint = endpoints[ids["STRIPE_STRIPE_CHARGE_FAILED_TRIGGER"]]
    repeated = event("charge.failed", {"id": "ch_1"}, event_id="evt_same")
    assert stripe.send(endpoint, repeated).json()["delivered"] == 1
    assert stripe.send(endpoint, repeated).json()["duplicate"] is True  # Stripe's retry of the same event
    assert_error(stripe.send(endpoint, event("charge.failed", {"id": "ch_2"}), secret="whsec_forged"), 401)
    stale = stripe.send(endpoint, event("charge.failed", {"id": "ch_3"}), at=int(time.time()) - 3600)
    assert_error(stale, 401, contains="replay")  # a captured request sent again an hour later
    other = stripe.send(endpoint, event("charge.refunded", {"id": "ch_4"}))
    assert other.status_code == 200 and other.json()["delivered"] == 0
    time.sleep(1.0)
    assert len(receiver.received) == len(TYPES) + 1

    assert sdk.triggers.delete(ids["STRIPE_STRIPE_CHARGE_FAILED_TRIGGER"]).trigger_id
    assert endpoint.deleted
    api.close()
