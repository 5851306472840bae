"""The Stripe emulator's data: one test-mode account's customers, payments, catalogue and invoices.

Objects are kept as the JSON dictionaries Stripe answers (``{"id": "cus_...",
"object": "customer", ...}``), one dict per resource type keyed by id in
creation order; `created` comes from a clock that ticks a second per object,
so "newest first" is well defined. Ids carry Stripe's prefixes (``cus_``,
``pi_``, ``ch_``, ``re_``, ``in_``, ``prod_``, ``price_``).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

START = 1_760_000_000  # 2025-10-09, the emulator's first `created`
ALPHABET = string.ascii_letters + string.digits
RESOURCES = (
    "customer",
    "payment_intent",
    "charge",
    "refund",
    "invoice",
    "product",
    "price",
    "subscription",
    "checkout_session",
    "webhook_endpoint",
    "event",
)
Obj = dict[str, Any]


def new_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(ALPHABET) for _ in range(24))


@dataclass
class StripeState:
    """Every object by resource type, plus what the API keeps beside them."""

    objects: dict[str, dict[str, Obj]] = field(default_factory=lambda: {r: {} for r in RESOURCES})
    # Money paid in and not yet paid out, by currency: {"usd": 12345}.
    available: dict[str, int] = field(default_factory=dict)
    # Idempotency-Key -> (request fingerprint, status, body, Request-Id) of the first answer.
    idempotency: dict[str, tuple[str, int, Any, str]] = field(default_factory=dict)
    clock: int = START
    # Requests a second per key before 429 (Stripe's live-mode budget); tests lower it.
    rate_limit: int = 100
    # Webhook endpoint id -> its signing secret (shown once, on create).
    secrets: dict[str, str] = field(default_factory=dict)
    # Events recorded during the current request, with the endpoints to send each to.
    outbox: list[tuple[str, list[str]]] = field(default_factory=list)
    # The request being handled (an event's `request`), None outside the API (seed, admin).
    request_id: str | None = None
    idempotency_key: str | None = None
    # Checkout Session id -> its line items as (price id, quantity).
    session_items: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def add(self, resource: str, obj: Obj) -> Obj:
        self.objects[resource][obj["id"]] = obj
        return obj

    def get(self, resource: str, object_id: str) -> Obj | None:
        return self.objects[resource].get(object_id)

    def newest_first(self, resource: str) -> list[Obj]:
        return sorted(self.objects[resource].values(), key=lambda o: o["created"], reverse=True)


def customer(
    state: StripeState,
    *,
    email: str | None = None,
    name: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return state.add(
        "customer",
        {
            "id": new_id("cus"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": state.tick(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": description,
            "email": email,
            "invoice_prefix": secrets.token_hex(4).upper(),
            "livemode": False,
            "metadata": dict(metadata or {}),
            "name": name,
            "phone": phone,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
        },
    )


def product(state: StripeState, name: str, *, description: str | None = None, active: bool = True) -> Obj:
    now = state.tick()
    return state.add(
        "product",
        {
            "id": new_id("prod"),
            "object": "product",
            "active": active,
            "created": now,
            "default_price": None,
            "description": description,
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": {},
            "name": name,
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": None,
            "tax_code": None,
            "unit_label": None,
            "updated": now,
            "url": None,
        },
    )


def price(
    state: StripeState,
    product_id: str,
    currency: str,
    unit_amount: int,
    recurring: dict[str, Any] | None = None,
    *,
    nickname: str | None = None,
) -> Obj:
    if recurring is not None:
        recurring = {
            "interval": recurring["interval"],
            "interval_count": int(recurring.get("interval_count") or 1),
            "meter": None,
            "usage_type": "licensed",
        }
    return state.add(
        "price",
        {
            "id": new_id("price"),
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": state.tick(),
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": nickname,
            "product": product_id,
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
    )


def invoice(
    state: StripeState, customer_obj: Obj, lines: list[tuple[str, int]], status: str, currency: str = "usd"
) -> Obj:
    total = sum(amount for _, amount in lines)
    paid = total if status == "paid" else 0
    number = f"{customer_obj['invoice_prefix']}-{len(state.objects['invoice']) + 1:04d}"
    invoice_id = new_id("in")
    return state.add(
        "invoice",
        {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "Sandbox Inc.",
            "amount_due": total,
            "amount_paid": paid,
            "amount_remaining": total - paid,
            "attempt_count": 0,
            "collection_method": "send_invoice",
            "created": state.tick(),
            "currency": currency,
            "customer": customer_obj["id"],
            "customer_email": customer_obj["email"],
            "customer_name": customer_obj["name"],
            "description": None,
            "due_date": state.clock + 30 * 86400 if status == "open" else None,
            "hosted_invoice_url": None
            if status == "draft"
            else f"https://invoice.stripe.com/i/acct_sandbox/{invoice_id}",
            "invoice_pdf": None
            if status == "draft"
            else f"https://pay.stripe.com/invoice/acct_sandbox/{invoice_id}/pdf",
            "lines": {
                "object": "list",
                "has_more": False,
                "url": f"/v1/invoices/{invoice_id}/lines",
                "data": [
                    {
                        "id": new_id("il"),
                        "object": "line_item",
                        "amount": amount,
                        "currency": currency,
                        "description": text,
                        "quantity": 1,
                        "invoice": invoice_id,
                    }
                    for text, amount in lines
                ],
            },
            "livemode": False,
            "metadata": {},
            "number": None if status == "draft" else number,
            "status": status,
            "subtotal": total,
            "total": total,
        },
    )


def initial_state() -> StripeState:
    """A test-mode account: three customers, two products with prices, three invoices, one paid charge."""
    from .payments import charge_intent, payment_intent  # the payment flow lives with its routes

    state = StripeState(available={"usd": 0})
    jenny = customer(
        state, email="jenny.rosen@example.com", name="Jenny Rosen", metadata={"plan": "pro", "crm_id": "4711"}
    )
    customer(state, email="max@example.com", name="Max Mustermann", metadata={"plan": "free"})
    acme = customer(state, email="billing@acme.example", name="Acme Corp", description="Enterprise account")
    pro = product(state, "Pro plan", description="Everything in Free, plus priority support")
    pro["default_price"] = price(
        state, pro["id"], "usd", 2000, {"interval": "month"}, nickname="Pro monthly"
    )["id"]
    price(state, pro["id"], "usd", 20000, {"interval": "year"}, nickname="Pro yearly")
    kit = product(state, "Starter kit", description="One-time onboarding package")
    kit["default_price"] = price(state, kit["id"], "usd", 4900)["id"]
    product(state, "Legacy plan", active=False)
    invoice(state, jenny, [("Pro plan (Sep 2025)", 2000)], "paid")
    invoice(state, jenny, [("Pro plan (Oct 2025)", 2000)], "open")
    invoice(state, acme, [("Enterprise onboarding", 150000), ("Seats x 10", 50000)], "draft")
    intent = payment_intent(
        state,
        amount=4900,
        currency="usd",
        customer=jenny["id"],
        description="Starter kit",
        payment_method="pm_card_visa",
    )
    charge_intent(state, intent)
    return state
