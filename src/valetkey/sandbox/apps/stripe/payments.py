"""Payment intents, the charges their confirmation makes, refunds, and the balance.

Test payment methods behave as in Stripe's test mode: ``pm_card_visa`` (and
any other ``pm_card_<brand>``) succeeds; ``pm_card_chargeDeclined`` and
``pm_card_chargeDeclinedInsufficientFunds`` are declined, answering 402
``card_error`` with the failed charge recorded and the intent back in
``requires_payment_method``.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.routing import Route

from .events import record_event
from .kit import Call, Stripe, StripeError, missing
from .listing import created_filter, list_answer
from .state import Obj, StripeState, new_id

DECLINES = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}
REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def payment_intent(
    state: StripeState,
    *,
    amount: int,
    currency: str,
    customer: str | None = None,
    description: str | None = None,
    payment_method: str | None = None,
    payment_method_types: list[str] | None = None,
    receipt_email: str | None = None,
) -> Obj:
    intent_id = new_id("pi")
    return state.add(
        "payment_intent",
        {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": None if payment_method_types else {"enabled": True},
            "canceled_at": None,
            "capture_method": "automatic_async",
            "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
            "confirmation_method": "automatic",
            "created": state.tick(),
            "currency": currency,
            "customer": customer,
            "description": description,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": {},
            "payment_method": payment_method,
            "payment_method_types": payment_method_types or ["card"],
            "receipt_email": receipt_email,
            "status": "requires_confirmation" if payment_method else "requires_payment_method",
        },
    )


def charge_intent(state: StripeState, intent: Obj) -> Obj:
    """Confirm `intent` with its payment method: a succeeded or failed charge, and the intent's new status."""
    method = intent["payment_method"]
    decline = DECLINES.get(method)
    charge = state.add(
        "charge",
        {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0 if decline else intent["amount"],
            "amount_refunded": 0,
            "balance_transaction": None if decline else new_id("txn"),
            "captured": not decline,
            "created": state.tick(),
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "failure_code": "card_declined" if decline else None,
            "failure_message": DECLINE_MESSAGES[decline] if decline else None,
            "livemode": False,
            "metadata": {},
            "outcome": {
                "network_status": "declined_by_network" if decline else "approved_by_network",
                "reason": decline,
                "type": "issuer_declined" if decline else "authorized",
            },
            "paid": not decline,
            "payment_intent": intent["id"],
            "payment_method": method,
            "receipt_email": intent["receipt_email"],
            "receipt_url": None
            if decline
            else f"https://pay.stripe.com/receipts/payment/{secrets.token_urlsafe(24)}",
            "refunded": False,
            "status": "failed" if decline else "succeeded",
        },
    )
    intent["latest_charge"] = charge["id"]
    record_event(state, "charge.failed" if decline else "charge.succeeded", charge)
    if decline:
        intent["status"], intent["payment_method"] = "requires_payment_method", None
        intent["last_payment_error"] = {
            "charge": charge["id"],
            "code": "card_declined",
            "decline_code": decline,
            "message": DECLINE_MESSAGES[decline],
            "type": "card_error",
        }
        record_event(state, "payment_intent.payment_failed", intent)
    else:
        intent["status"], intent["amount_received"] = "succeeded", intent["amount"]
        state.available[intent["currency"]] = state.available.get(intent["currency"], 0) + intent["amount"]
        record_event(state, "payment_intent.succeeded", intent)
    return charge


def create_intent(call: Call) -> tuple[int, Any]:
    amount = call.integer("amount", needed=True)
    currency = (call.text("currency", needed=True) or "").lower()
    if amount < 1:
        raise StripeError(
            400,
            "This value must be greater than or equal to 1.",
            code="parameter_invalid_integer",
            param="amount",
        )
    customer = call.text("customer")
    if customer is not None and call.state.get("customer", customer) is None:
        raise missing("customer", customer, "customer")
    method = call.text("payment_method")
    if method is not None and not method.startswith("pm_"):
        raise missing("PaymentMethod", method, "payment_method")
    types = call.params.get("payment_method_types")
    if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        raise StripeError(400, "Invalid array", code="parameter_invalid_array", param="payment_method_types")
    intent = payment_intent(
        call.state,
        amount=amount,
        currency=currency,
        customer=customer,
        description=call.text("description"),
        payment_method=method,
        payment_method_types=types,
        receipt_email=call.text("receipt_email"),
    )
    record_event(call.state, "payment_intent.created", intent)
    if call.boolean("confirm"):
        if method is None:
            raise StripeError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "You can either update the PaymentIntent with a payment method and then confirm "
                "it again, or confirm it again directly with a payment method.",
                code="payment_intent_unexpected_state",
                param="payment_method",
            )
        charge = charge_intent(call.state, intent)
        if charge["status"] == "failed":
            error = intent["last_payment_error"]
            raise StripeError(
                402,
                error["message"],
                type="card_error",
                code="card_declined",
                decline_code=error["decline_code"],
                charge=charge["id"],
                payment_intent=intent,
            )
    return 200, intent


def list_intents(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("payment_intent")
    customer = call.text("customer")
    if customer is not None:
        items = [i for i in items if i["customer"] == customer]
    return list_answer(call, "payment_intent", created_filter(call, items), "/v1/payment_intents")


def list_charges(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("charge")
    for name in ("customer", "payment_intent"):
        value = call.text(name)
        if value is not None:
            items = [c for c in items if c[name] == value]
    return list_answer(call, "charge", created_filter(call, items), "/v1/charges")


def create_refund(call: Call) -> tuple[int, Any]:
    charge = _refundable_charge(call)
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise StripeError(
            400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = call.integer("amount")
    amount = remaining if amount is None else amount
    if amount > remaining or amount < 1:
        raise StripeError(
            400,
            f"Refund amount ({_money(amount, charge)}) is greater than unrefunded amount on "
            f"charge ({_money(remaining, charge)})",
            code="amount_too_large",
            param="amount",
        )
    reason = call.text("reason")
    if reason is not None and reason not in REASONS:
        raise StripeError(
            400,
            f"Invalid reason: must be one of {', '.join(REASONS)}",
            code="parameter_invalid_string",
            param="reason",
        )
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
    call.state.available[charge["currency"]] = call.state.available.get(charge["currency"], 0) - amount
    return 200, call.state.add(
        "refund",
        {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "charge": charge["id"],
            "created": call.state.tick(),
            "currency": charge["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        },
    )


def _refundable_charge(call: Call) -> Obj:
    intent_id, charge_id = call.text("payment_intent"), call.text("charge")
    if charge_id is not None:
        charge = call.state.get("charge", charge_id)
        if charge is None:
            raise missing("charge", charge_id, "charge")
    elif intent_id is None:
        raise StripeError(
            400,
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    else:
        intent = call.state.get("payment_intent", intent_id)
        if intent is None:
            raise missing("payment_intent", intent_id, "payment_intent")
        charge = call.state.get("charge", intent["latest_charge"] or "")
        if charge is None or intent["status"] != "succeeded":
            raise StripeError(
                400,
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
    if intent_id is not None and charge["payment_intent"] != intent_id:
        raise StripeError(
            400, f"Charge {charge['id']} does not belong to PaymentIntent {intent_id}.", param="charge"
        )
    if charge["status"] != "succeeded":
        raise StripeError(
            400, f"Charge {charge['id']} has no captured amount to refund.", code="charge_not_refundable"
        )
    return charge


def balance(call: Call) -> tuple[int, Any]:
    currencies = sorted(call.state.available) or ["usd"]
    return 200, {
        "object": "balance",
        "livemode": False,
        "available": [
            {
                "amount": call.state.available.get(c, 0),
                "currency": c,
                "source_types": {"card": call.state.available.get(c, 0)},
            }
            for c in currencies
        ],
        "pending": [{"amount": 0, "currency": c, "source_types": {"card": 0}} for c in currencies],
    }


def _money(amount: int, charge: Obj) -> str:
    return f"{'$' if charge['currency'] == 'usd' else charge['currency'].upper() + ' '}{amount / 100:.2f}"


def routes(stripe: Stripe) -> list[Route]:
    pages = ("created", "limit", "starting_after", "ending_before")
    return [
        stripe.route(
            "POST",
            "/v1/payment_intents",
            create_intent,
            params=(
                "amount",
                "currency",
                "customer",
                "description",
                "receipt_email",
                "payment_method",
                "payment_method_types",
                "confirm",
                "metadata",
            ),
        ),
        stripe.route("GET", "/v1/payment_intents", list_intents, params=("customer", *pages)),
        stripe.route("GET", "/v1/charges", list_charges, params=("customer", "payment_intent", *pages)),
        stripe.route(
            "POST",
            "/v1/refunds",
            create_refund,
            params=("payment_intent", "charge", "amount", "reason", "metadata"),
        ),
        stripe.route("GET", "/v1/balance", balance),
    ]
