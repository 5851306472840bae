"""Subscriptions, paying invoices and Checkout Sessions: the flows behind Stripe's billing events.

- ``POST /v1/subscriptions`` (``customer``, ``items[i][price]``/``[quantity]``,
  ``default_payment_method``, ``metadata``): the first invoice is created,
  finalized and charged to the payment method (the parameter, else the
  customer's ``invoice_settings.default_payment_method``; none is 400 as on
  Stripe). Paid: ``active``; declined: ``incomplete`` (Stripe's default
  ``allow_incomplete``). Events: ``customer.subscription.created``,
  ``invoice.created``, ``invoice.finalized``, then ``invoice.paid`` +
  ``invoice.payment_succeeded`` or ``invoice.payment_failed`` (with the charge
  and payment intent events).
- ``GET /v1/subscriptions[/{id}]``; ``DELETE /v1/subscriptions/{id}`` cancels at
  once: ``customer.subscription.deleted``.
- ``POST /v1/invoices/{id}/pay`` (``payment_method``): ``invoice.paid`` and
  ``invoice.payment_succeeded``, or 402 ``card_error`` and ``invoice.payment_failed``.
- ``POST /v1/checkout/sessions`` (``mode`` ``payment`` or ``subscription``,
  ``line_items[i][price]``/``[quantity]``, ``success_url``, ``cancel_url``,
  ``customer``, ``customer_email``, ``client_reference_id``, ``metadata``) -> an
  ``open`` session with its ``url``; ``GET`` it; ``POST .../expire``
  (``checkout.session.expired``). Paying happens in a browser on Stripe, so the
  sandbox has ``POST /_sandbox/stripe/checkout/sessions/{id}/complete``
  ``{"payment_method"?: "pm_card_visa", "email"?, "name"?}``: the session
  becomes ``complete``/``paid`` with its payment intent (or subscription and
  customer), and ``checkout.session.completed`` is sent.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import json_response
from valetkey.sandbox.http import BadRequest, read_json

from .events import StripeWebhooks, record_event
from .kit import Call, Stripe, StripeError, missing, required
from .listing import created_filter, list_answer
from .payments import DECLINE_MESSAGES, DECLINES, charge_intent, payment_intent
from .state import Obj, StripeState, customer, invoice, new_id

NO_PAYMENT_METHOD = (
    "This customer has no attached payment source or default payment method. "
    "Please consider adding a default payment method."
)


def _items(call: Call, name: str) -> list[tuple[Obj, int]]:
    """``items[i][price]`` / ``[quantity]`` as (price, quantity) pairs."""
    value = call.params.get(name)
    if value is None:
        raise required(name)
    if not isinstance(value, list) or not value:
        raise StripeError(400, "Invalid array", code="parameter_invalid_array", param=name)
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("price"), str):
            raise required(f"{name}[{index}][price]")
        unknown = set(item) - {"price", "quantity"}
        if unknown:
            raise StripeError(
                400,
                f"Received unknown parameter: {name}[{index}][{sorted(unknown)[0]}]",
                code="parameter_unknown",
                param=f"{name}[{index}][{sorted(unknown)[0]}]",
            )
        found = call.state.get("price", item["price"])
        if found is None:
            raise missing("price", item["price"], f"{name}[{index}][price]")
        try:
            quantity = int(item.get("quantity", 1))
        except ValueError:
            raise StripeError(
                400, "Invalid integer", code="parameter_invalid_integer", param=f"{name}[{index}][quantity]"
            ) from None
        out.append((found, quantity))
    return out


def _customer_of(state: StripeState, customer_id: str, param: str = "customer") -> Obj:
    found = state.get("customer", customer_id)
    if found is None:
        raise missing("customer", customer_id, param)
    return found


def pay_invoice(state: StripeState, bill: Obj, method: str) -> Obj:
    """Charge `bill` to `method`: paid (``invoice.paid``, ``invoice.payment_succeeded``) or a decline."""
    intent = payment_intent(
        state,
        amount=bill["amount_due"],
        currency=bill["currency"],
        customer=bill["customer"],
        description=f"Invoice {bill['number']}",
        payment_method=method,
    )
    record_event(state, "payment_intent.created", intent)
    charge = charge_intent(state, intent)
    bill["attempt_count"] += 1
    bill["payment_intent"] = intent["id"]
    if charge["status"] == "failed":
        record_event(state, "invoice.payment_failed", bill)
    else:
        bill.update(status="paid", amount_paid=bill["amount_due"], amount_remaining=0, charge=charge["id"])
        bill["status_transitions"]["paid_at"] = state.clock
        record_event(state, "invoice.paid", bill)
        record_event(state, "invoice.payment_succeeded", bill)
    return charge


def _payment_method(call: Call, buyer: Obj, param: str) -> str:
    method = call.text(param) or buyer["invoice_settings"]["default_payment_method"]
    if not method:
        raise StripeError(400, NO_PAYMENT_METHOD, code="resource_missing", param=param)
    if not method.startswith("pm_"):
        raise missing("PaymentMethod", method, param)
    return method


def start_subscription(
    state: StripeState, buyer: Obj, items: list[tuple[Obj, int]], method: str, metadata: dict[str, str]
) -> Obj:
    """A subscription whose first invoice is charged at once; records the events in Stripe's order."""
    for index, (price_obj, _) in enumerate(items):
        if price_obj["type"] != "recurring":
            raise StripeError(
                400,
                "The price specified is set to `type=one_time` but this field only accepts prices with "
                "`type=recurring`.",
                code="parameter_invalid_string",
                param=f"items[{index}][price]",
            )
    now = state.tick()
    sub_id = new_id("sub")
    interval = items[0][0]["recurring"]["interval"]
    period = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}[interval]
    lines = [(f"{q} × {p.get('nickname') or p['product']}", p["unit_amount"] * q) for p, q in items]
    bill = invoice(state, buyer, lines, "draft", currency=items[0][0]["currency"])
    bill.update(
        collection_method="charge_automatically",
        subscription=sub_id,
        billing_reason="subscription_create",
        status_transitions={"finalized_at": None, "paid_at": None},
    )
    sub = state.add(
        "subscription",
        {
            "id": sub_id,
            "object": "subscription",
            "billing_cycle_anchor": now,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": now,
            "currency": items[0][0]["currency"],
            "customer": buyer["id"],
            "default_payment_method": method,
            "ended_at": None,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "created": now,
                        "current_period_start": now,
                        "current_period_end": now + period,
                        "metadata": {},
                        "price": p,
                        "quantity": q,
                        "subscription": sub_id,
                    }
                    for p, q in items
                ],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            "latest_invoice": bill["id"],
            "livemode": False,
            "metadata": metadata,
            "start_date": now,
            "status": "incomplete",
            "trial_end": None,
            "trial_start": None,
        },
    )
    bill["status"], bill["number"] = "open", f"{buyer['invoice_prefix']}-{len(state.objects['invoice']):04d}"
    bill["status_transitions"]["finalized_at"] = state.clock
    # The payment decides the status the subscription is created with.
    sub["status"] = "active" if _accepted(method) else "incomplete"
    record_event(state, "customer.subscription.created", sub)
    record_event(state, "invoice.created", {**bill, "status": "draft"})
    record_event(state, "invoice.finalized", bill)
    pay_invoice(state, bill, method)
    return sub


def _accepted(method: str) -> bool:
    """Whether the test payment method pays (the decline test cards do not)."""
    return method not in DECLINES


# -- handlers ---------------------------------------------------------------------------------------


def create_subscription(call: Call) -> tuple[int, Any]:
    buyer = _customer_of(call.state, call.text("customer", needed=True))
    items = _items(call, "items")
    method = _payment_method(call, buyer, "default_payment_method")
    metadata = call.params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise StripeError(400, "Invalid hash", param="metadata")
    return 200, start_subscription(call.state, buyer, items, method, dict(metadata))


def _subscription(call: Call) -> Obj:
    found = call.state.get("subscription", call.path["subscription"])
    if found is None:
        raise missing("subscription", call.path["subscription"])
    return found


def retrieve_subscription(call: Call) -> tuple[int, Any]:
    return 200, _subscription(call)


def list_subscriptions(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("subscription")
    buyer, status = call.text("customer"), call.text("status")
    if buyer is not None:
        items = [s for s in items if s["customer"] == buyer]
    # Stripe lists every status but `canceled` unless asked (status=all or a status).
    if status is None:
        items = [s for s in items if s["status"] != "canceled"]
    elif status != "all":
        items = [s for s in items if s["status"] == status]
    return list_answer(call, "subscription", created_filter(call, items), "/v1/subscriptions")


def cancel_subscription(call: Call) -> tuple[int, Any]:
    sub = _subscription(call)
    if sub["status"] == "canceled":
        raise StripeError(
            400,
            "A canceled subscription can only update its cancellation_details and metadata.",
            code="resource_missing",
        )
    now = call.state.tick()
    sub.update(status="canceled", canceled_at=now, ended_at=now)
    sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": "cancellation_requested"}
    record_event(call.state, "customer.subscription.deleted", sub)
    return 200, sub


def pay(call: Call) -> tuple[int, Any]:
    bill = call.state.get("invoice", call.path["invoice"])
    if bill is None:
        raise missing("invoice", call.path["invoice"])
    if bill["status"] == "paid":
        raise StripeError(400, "Invoice is already paid", code="invoice_already_paid")
    if bill["status"] not in ("draft", "open"):
        raise StripeError(
            400, f"You cannot pay an invoice with status {bill['status']}.", code="invoice_not_payable"
        )
    buyer = _customer_of(call.state, bill["customer"])
    method = _payment_method(call, buyer, "payment_method")
    bill.setdefault("status_transitions", {"finalized_at": None, "paid_at": None})
    if bill["status"] == "draft":
        bill["status"] = "open"
        bill["number"] = (
            bill["number"] or f"{buyer['invoice_prefix']}-{len(call.state.objects['invoice']):04d}"
        )
        bill["status_transitions"]["finalized_at"] = call.state.tick()
        record_event(call.state, "invoice.finalized", bill)
    charge = pay_invoice(call.state, bill, method)
    if charge["status"] == "failed":
        raise StripeError(
            402,
            DECLINE_MESSAGES[charge["outcome"]["reason"]],
            type="card_error",
            code="card_declined",
            decline_code=charge["outcome"]["reason"],
            charge=charge["id"],
        )
    return 200, bill


def create_session(call: Call) -> tuple[int, Any]:
    mode = call.text("mode", needed=True)
    if mode not in ("payment", "subscription"):
        raise StripeError(
            400,
            "Invalid mode: must be one of payment or subscription (setup is not emulated)",
            code="parameter_invalid_string",
            param="mode",
        )
    items = _items(call, "line_items")
    for index, (price_obj, _) in enumerate(items):
        if (price_obj["type"] == "recurring") != (mode == "subscription"):
            raise StripeError(
                400,
                "You must provide at least one recurring price in `subscription` mode when using prices."
                if mode == "subscription"
                else "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param=f"line_items[{index}][price]",
            )
    buyer = call.text("customer")
    if buyer is not None:
        _customer_of(call.state, buyer)
    if buyer is not None and call.text("customer_email") is not None:
        raise StripeError(400, "You may only specify one of these parameters: customer, customer_email.")
    metadata = call.params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise StripeError(400, "Invalid hash", param="metadata")
    now = call.state.tick()
    session_id = "cs_test_" + secrets.token_urlsafe(42).replace("-", "a").replace("_", "b")
    total = sum(p["unit_amount"] * q for p, q in items)
    session = call.state.add(
        "checkout_session",
        {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": call.text("cancel_url"),
            "client_reference_id": call.text("client_reference_id"),
            "created": now,
            "currency": items[0][0]["currency"],
            "customer": buyer,
            "customer_details": None,
            "customer_email": call.text("customer_email"),
            "expires_at": now + 86400,
            "livemode": False,
            "metadata": dict(metadata),
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": call.text("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        },
    )
    call.state.session_items[session_id] = [(p["id"], q) for p, q in items]
    return 200, session


def _session(call: Call) -> Obj:
    found = call.state.get("checkout_session", call.path["session"])
    if found is None:
        raise missing("checkout.session", call.path["session"], "session")
    return found


def retrieve_session(call: Call) -> tuple[int, Any]:
    return 200, _session(call)


def expire_session(call: Call) -> tuple[int, Any]:
    session = _session(call)
    if session["status"] != "open":
        raise StripeError(
            400,
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "{session["status"]}".',
        )
    session["status"] = "expired"
    session["url"] = None
    record_event(call.state, "checkout.session.expired", session)
    return 200, session


def complete_session(
    state: StripeState, session: Obj, method: str, email: str | None, name: str | None
) -> Obj:
    """What a buyer paying on the hosted page does: a paid session and ``checkout.session.completed``."""
    if session["status"] != "open":
        raise StripeError(400, f"The Checkout Session is {session['status']}, not open.")
    email = email or session["customer_email"] or "buyer@example.com"
    items = [(state.objects["price"][price_id], q) for price_id, q in state.session_items[session["id"]]]
    if session["mode"] == "subscription":
        buyer = state.get("customer", session["customer"]) if session["customer"] else None
        if buyer is None:
            buyer = customer(state, email=email, name=name)
            record_event(state, "customer.created", buyer)
        sub = start_subscription(state, buyer, items, method, {})
        if sub["status"] != "active":
            raise _declined(method)
        session.update(customer=buyer["id"], subscription=sub["id"])
    else:
        intent = payment_intent(
            state,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            payment_method=method,
        )
        record_event(state, "payment_intent.created", intent)
        if charge_intent(state, intent)["status"] == "failed":
            raise _declined(method)
        session["payment_intent"] = intent["id"]
    session.update(status="complete", payment_status="paid", url=None)
    session["customer_details"] = {
        "email": email,
        "name": name,
        "phone": None,
        "address": None,
        "tax_exempt": "none",
    }
    record_event(state, "checkout.session.completed", session)
    return session


def _declined(method: str) -> StripeError:
    return StripeError(402, DECLINE_MESSAGES[DECLINES[method]], type="card_error", code="card_declined")


def admin_routes(store: StateStore[StripeState], webhooks: StripeWebhooks) -> list[BaseRoute]:
    async def complete(request: Request) -> Response:
        try:
            body = await read_json(request)
        except BadRequest as exc:
            return json_response({"error": {"type": "invalid_request_error", "message": str(exc)}}, 400)
        method = str(body.get("payment_method") or "pm_card_visa")
        with store.transaction() as state:
            session = state.get("checkout_session", request.path_params["session"])
            try:
                if session is None:
                    raise missing("checkout.session", request.path_params["session"], "session")
                if not method.startswith("pm_"):
                    raise missing("PaymentMethod", method, "payment_method")
                done = complete_session(state, session, method, body.get("email"), body.get("name"))
            except StripeError as error:
                webhooks.send_queued(state)
                return json_response(error.body(), error.status)
            webhooks.send_queued(state)
            return json_response(done)

    return [Route("/checkout/sessions/{session}/complete", complete, methods=["POST"])]


def routes(stripe: Stripe) -> list[Route]:
    pages = ("created", "limit", "starting_after", "ending_before")
    return [
        stripe.route(
            "POST",
            "/v1/subscriptions",
            create_subscription,
            params=("customer", "items", "default_payment_method", "metadata"),
        ),
        stripe.route("GET", "/v1/subscriptions", list_subscriptions, params=("customer", "status", *pages)),
        stripe.route("GET", "/v1/subscriptions/{subscription}", retrieve_subscription),
        stripe.route("DELETE", "/v1/subscriptions/{subscription}", cancel_subscription),
        stripe.route("POST", "/v1/invoices/{invoice}/pay", pay, params=("payment_method",)),
        stripe.route(
            "POST",
            "/v1/checkout/sessions",
            create_session,
            params=(
                "mode",
                "line_items",
                "success_url",
                "cancel_url",
                "customer",
                "customer_email",
                "client_reference_id",
                "metadata",
            ),
        ),
        stripe.route("GET", "/v1/checkout/sessions/{session}", retrieve_session),
        stripe.route("POST", "/v1/checkout/sessions/{session}/expire", expire_session),
    ]
