"""The Stripe emulator: api.stripe.com for the operations the stripe toolkit uses.

Mounted at ``{sandbox}/stripe`` (the API's ``/v1/...`` paths below it). Stripe
has no OAuth for its own API: an account connects with a secret key, which
the sandbox mints through its key provider (`SandboxApp.issue_token` gives
``sk_test_...`` keys that never expire). See `kit` for what every route does
(401, 429, Request-Id, idempotency, form parsing) and `state.initial_state`
for the starting account.

Events (`events`): ``/v1/webhook_endpoints`` and ``/v1/events``; what the API
causes (payments, subscriptions, invoices, Checkout Sessions: `subscriptions`)
is recorded as events and POSTed, signed with ``Stripe-Signature``, to the
endpoints that enable them.
"""

from __future__ import annotations

from typing import Any

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import OAuth2Config
from valetkey.sandbox.webhooks import Deliveries

from . import billing, customers, events, payments, subscriptions
from .kit import Stripe
from .state import StripeState, customer, initial_state, invoice

SLUG = "stripe"


def seed(state: StripeState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"customers": [{"email", "name", "metadata"?, "invoices"?: [{"status", "lines": [[text, amount]]}]}]}``."""
    created = []
    for spec in payload.get("customers") or []:
        made = customer(state, email=spec.get("email"), name=spec.get("name"), metadata=spec.get("metadata"))
        for bill in spec.get("invoices") or []:
            invoice(state, made, [tuple(line) for line in bill["lines"]], bill.get("status", "open"))
        created.append(made["id"])
    return {"customers": created}


def create_app() -> SandboxApp:
    keys = OAuth2Provider(
        OAuth2Config(
            access_token_prefix="sk_test_",
            access_token_lifetime=None,
            issue_refresh_tokens=False,
            default_subject="acct_sandbox",
        )
    )
    store = StateStore(initial_state)
    deliveries = Deliveries(timeout=10.0, user_agent=events.USER_AGENT)
    webhooks = events.StripeWebhooks(deliveries, store)
    stripe = Stripe(store, keys, emitter=webhooks.send_queued)
    routes = customers.routes(stripe) + payments.routes(stripe) + billing.routes(stripe)
    routes += subscriptions.routes(stripe) + events.routes(stripe)
    return SandboxApp(
        SLUG,
        routes,
        store,
        oauth2=keys,
        seed=seed,
        deliveries=deliveries,
        admin_routes=subscriptions.admin_routes(store, webhooks),
        on_reset=(stripe.limiter.reset,),
    )
