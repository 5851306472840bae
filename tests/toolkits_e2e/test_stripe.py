"""Every Stripe tool through the official SDK, a real server and the Stripe emulator.

The account is connected with a secret key the emulator minted (``sk_test_...``),
so the scheme's verification request (``GET /v1/balance``) runs against the
emulator. Each test checks the tool's answer and the emulator's state; the
last proves every tool ran.
"""

from __future__ import annotations

import json

import httpx
import pytest


@pytest.fixture
def stripe(connect):
    """The sandbox account's secret key, every tool run recorded for the coverage check."""
    return connect("stripe")


def stripe_error(result):
    """The `error` object of Stripe's answer inside an unsuccessful tool result."""
    message = result["data"]["message"]
    return (json.loads(message) if isinstance(message, str) else message)["error"]


def objects(stripe, resource):
    return stripe.state.objects[resource]


def by_name(stripe, name):
    return next(c for c in objects(stripe, "customer").values() if c["name"] == name)


def test_customer_lifecycle_with_list_search_and_cursors(stripe):
    created = stripe.ok(
        "STRIPE_CREATE_CUSTOMER",
        {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "description": "From the e2e test",
            "phone": "+44 20 7946 0000",
            "payment_method": "pm_card_visa",
        },
    )
    assert created["id"].startswith("cus_") and created["object"] == "customer"
    stored = objects(stripe, "customer")[created["id"]]
    assert stored["email"] == "ada@example.com"
    assert stored["invoice_settings"]["default_payment_method"] == "pm_card_visa"

    assert stripe.ok("STRIPE_RETRIEVE_CUSTOMER", {"customer": created["id"]})["name"] == "Ada Lovelace"
    missing = stripe.fails("STRIPE_RETRIEVE_CUSTOMER", {"customer": "cus_nope"}, status=404)
    assert stripe_error(missing)["code"] == "resource_missing"

    updated = stripe.ok(
        "STRIPE_UPDATE_CUSTOMER",
        {"customer": created["id"], "name": "Ada King", "default_payment_method": "pm_card_mastercard"},
    )
    assert updated["name"] == "Ada King" and stored["name"] == "Ada King"
    assert stored["invoice_settings"]["default_payment_method"] == "pm_card_mastercard"
    assert stored["email"] == "ada@example.com"  # untouched fields stay

    exact = stripe.ok("STRIPE_LIST_CUSTOMERS", {"email": "ada@example.com"})
    assert exact["object"] == "list" and [c["id"] for c in exact["data"]] == [created["id"]]
    assert stripe.ok("STRIPE_LIST_CUSTOMERS", {"email": "ADA@example.com"})["data"] == []  # case-sensitive

    first = stripe.ok("STRIPE_LIST_CUSTOMERS", {"limit": 2})
    assert first["has_more"] is True and first["data"][0]["id"] == created["id"]  # newest first
    second = stripe.ok("STRIPE_LIST_CUSTOMERS", {"limit": 2, "starting_after": first["data"][-1]["id"]})
    assert second["has_more"] is False and len(second["data"]) == 2
    back = stripe.ok("STRIPE_LIST_CUSTOMERS", {"limit": 2, "ending_before": second["data"][0]["id"]})
    assert [c["id"] for c in back["data"]] == [c["id"] for c in first["data"]]
    assert len(objects(stripe, "customer")) == 4

    found = stripe.ok("STRIPE_SEARCH_CUSTOMERS", {"query": "metadata['plan']:'pro'"})
    assert found["object"] == "search_result" and [c["name"] for c in found["data"]] == ["Jenny Rosen"]
    either = stripe.ok(
        "STRIPE_SEARCH_CUSTOMERS", {"query": "name~'ada' OR email:'max@example.com'", "limit": 1}
    )
    assert either["has_more"] is True and either["data"][0]["name"] == "Ada King"
    rest = stripe.ok(
        "STRIPE_SEARCH_CUSTOMERS",
        {"query": "name~'ada' OR email:'max@example.com'", "page": either["next_page"]},
    )
    assert [c["name"] for c in rest["data"]] == ["Max Mustermann"] and rest["next_page"] is None
    bad = stripe.fails("STRIPE_SEARCH_CUSTOMERS", {"query": "nickname:'x'"}, status=400)
    assert stripe_error(bad)["param"] == "query"


def test_payment_refund_and_balance(stripe):
    jenny = by_name(stripe, "Jenny Rosen")
    balance = stripe.ok("STRIPE_RETRIEVE_BALANCE")
    assert balance["object"] == "balance" and balance["available"][0] == {
        "amount": 4900,
        "currency": "usd",
        "source_types": {"card": 4900},
    }

    waiting = stripe.ok(
        "STRIPE_CREATE_PAYMENT_INTENT", {"amount": 2000, "currency": "usd", "customer": jenny["id"]}
    )
    assert waiting["status"] == "requires_payment_method" and waiting["latest_charge"] is None
    paid = stripe.ok(
        "STRIPE_CREATE_PAYMENT_INTENT",
        {
            "amount": 3000,
            "currency": "usd",
            "customer": jenny["id"],
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
            "description": "Pro upgrade",
            "receipt_email": "jenny.rosen@example.com",
            "idempotency_key": "order-42",
        },
    )
    assert paid["status"] == "succeeded" and paid["amount_received"] == 3000
    assert objects(stripe, "payment_intent")[paid["id"]]["payment_method_types"] == ["card"]
    charge = objects(stripe, "charge")[paid["latest_charge"]]
    assert charge["status"] == "succeeded" and charge["amount"] == 3000

    # A retry with the same Idempotency-Key replays the first answer instead of charging twice.
    again = stripe.ok(
        "STRIPE_CREATE_PAYMENT_INTENT",
        {
            "amount": 3000,
            "currency": "usd",
            "customer": jenny["id"],
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
            "description": "Pro upgrade",
            "receipt_email": "jenny.rosen@example.com",
            "idempotency_key": "order-42",
        },
    )
    assert again["id"] == paid["id"] and len(objects(stripe, "charge")) == 2
    reused = stripe.fails(
        "STRIPE_CREATE_PAYMENT_INTENT",
        {"amount": 1, "currency": "usd", "idempotency_key": "order-42"},
        status=400,
    )
    assert stripe_error(reused)["type"] == "idempotency_error"

    declined = stripe.fails(
        "STRIPE_CREATE_PAYMENT_INTENT",
        {"amount": 500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True},
        status=402,
    )
    error = stripe_error(declined)
    assert error["type"] == "card_error" and error["decline_code"] == "generic_decline"
    assert (
        objects(stripe, "payment_intent")[error["payment_intent"]["id"]]["status"]
        == "requires_payment_method"
    )
    stripe.fails(
        "STRIPE_CREATE_PAYMENT_INTENT", {"amount": 500, "currency": "usd", "customer": "cus_nope"}, status=404
    )

    intents = stripe.ok("STRIPE_LIST_PAYMENT_INTENTS", {"customer": jenny["id"], "limit": 10})
    assert [i["id"] for i in intents["data"][:2]] == [paid["id"], waiting["id"]] and len(intents["data"]) == 3
    recent = stripe.ok("STRIPE_LIST_PAYMENT_INTENTS", {"created": {"gte": waiting["created"]}})
    assert {i["id"] for i in recent["data"]} == {waiting["id"], paid["id"], error["payment_intent"]["id"]}
    charges = stripe.ok("STRIPE_LIST_CHARGES", {"payment_intent": paid["id"]})
    assert [c["id"] for c in charges["data"]] == [charge["id"]]
    failed = stripe.ok("STRIPE_LIST_CHARGES", {"created": {"gt": paid["created"]}, "limit": 1})
    assert failed["data"][0]["status"] == "failed" and failed["data"][0]["failure_code"] == "card_declined"

    partial = stripe.ok(
        "STRIPE_CREATE_REFUND",
        {"payment_intent": paid["id"], "amount": 1000, "reason": "requested_by_customer"},
    )
    assert (
        partial["object"] == "refund"
        and partial["status"] == "succeeded"
        and partial["charge"] == charge["id"]
    )
    assert charge["amount_refunded"] == 1000 and charge["refunded"] is False
    too_much = stripe.fails("STRIPE_CREATE_REFUND", {"charge": charge["id"], "amount": 5000}, status=400)
    assert stripe_error(too_much)["code"] == "amount_too_large"
    rest = stripe.ok("STRIPE_CREATE_REFUND", {"charge": charge["id"], "idempotency_key": "refund-rest"})
    assert rest["amount"] == 2000 and charge["amount_refunded"] == 3000 and charge["refunded"] is True
    done = stripe.fails("STRIPE_CREATE_REFUND", {"payment_intent": paid["id"]}, status=400)
    assert stripe_error(done)["code"] == "charge_already_refunded"
    stripe.fails("STRIPE_CREATE_REFUND", {"payment_intent": waiting["id"]}, status=400)
    assert stripe.ok("STRIPE_RETRIEVE_BALANCE")["available"][0]["amount"] == 4900  # paid 3000, refunded 3000


def test_invoices_products_and_prices(stripe):
    jenny = by_name(stripe, "Jenny Rosen")
    invoices = stripe.ok("STRIPE_LIST_INVOICES", {"customer": jenny["id"]})
    assert [i["status"] for i in invoices["data"]] == ["open", "paid"]
    open_only = stripe.ok("STRIPE_LIST_INVOICES", {"status": "open"})
    assert [i["id"] for i in open_only["data"]] == [invoices["data"][0]["id"]]
    invoice = stripe.ok("STRIPE_RETRIEVE_INVOICE", {"invoice": invoices["data"][0]["id"]})
    assert (
        invoice["amount_remaining"] == 2000
        and invoice["lines"]["data"][0]["description"] == "Pro plan (Oct 2025)"
    )
    assert invoice["hosted_invoice_url"].startswith("https://invoice.stripe.com/")
    stripe.fails("STRIPE_RETRIEVE_INVOICE", {"invoice": "in_nope"}, status=404)

    product = stripe.ok(
        "STRIPE_CREATE_PRODUCT",
        {
            "name": "Team plan",
            "description": "For teams of five",
            "default_price_data": {
                "currency": "usd",
                "unit_amount": 4500,
                "recurring": {"interval": "month", "interval_count": 3},
            },
        },
    )
    assert product["id"].startswith("prod_") and product["default_price"].startswith("price_")
    price = objects(stripe, "price")[product["default_price"]]
    assert (
        price["unit_amount"] == 4500
        and price["recurring"]["interval_count"] == 3
        and price["type"] == "recurring"
    )
    plain = stripe.ok("STRIPE_CREATE_PRODUCT", {"name": "Sticker pack", "active": False})
    assert plain["default_price"] is None and objects(stripe, "product")[plain["id"]]["active"] is False

    active = stripe.ok("STRIPE_LIST_PRODUCTS", {"active": True})
    assert [p["name"] for p in active["data"]] == ["Team plan", "Starter kit", "Pro plan"]
    archived = stripe.ok("STRIPE_LIST_PRODUCTS", {"active": False, "limit": 1})
    assert archived["data"][0]["name"] == "Sticker pack" and archived["has_more"] is True

    recurring = stripe.ok("STRIPE_LIST_PRICES", {"type": "recurring", "currency": "usd"})
    assert [p["unit_amount"] for p in recurring["data"]] == [4500, 20000, 2000]
    one_product = stripe.ok("STRIPE_LIST_PRICES", {"product": product["id"], "active": True})
    assert [p["id"] for p in one_product["data"]] == [product["default_price"]]
    stripe.fails("STRIPE_LIST_PRICES", {"starting_after": "price_nope"}, status=404)


def test_bad_key_rate_limit_and_wire_format(stripe, sandbox):
    base = f"{sandbox.url}/stripe"
    with httpx.Client(base_url=base, timeout=10) as http:
        bad = http.get("/v1/balance", headers={"Authorization": "Bearer sk_test_notakey1234"})
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == 'Basic realm="Stripe"'
        assert bad.json() == {
            "error": {
                "message": "Invalid API Key provided: sk_test_************1234",
                "type": "invalid_request_error",
            }
        }
        assert (
            http.get("/v1/balance").json()["error"]["message"].startswith("You did not provide an API key.")
        )
        key = stripe.emulator.issue_token("acct_sandbox")
        auth = {"Authorization": f"Bearer {key}"}
        answer = http.get("/v1/customers", headers=auth)
        assert answer.headers["request-id"].startswith("req_") and answer.headers["stripe-version"]
        unknown = http.post("/v1/customers", data={"emial": "x"}, headers=auth)
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "parameter_unknown"
        stripe.state.rate_limit = 1
        limited = http.get("/v1/balance", headers=auth)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limit"

    # Through the SDK: the tool answers unsuccessfully with the upstream status.
    stripe.fails("STRIPE_RETRIEVE_BALANCE", status=429)

    # A key Stripe does not know cannot connect: the verification request gets 401.
    config = stripe.auth_config_id
    request = stripe.composio.connected_accounts.initiate(
        "someone-else", config, config={"auth_scheme": "API_KEY", "val": {"api_key": "sk_test_revoked0000"}}
    )
    account = stripe.composio.connected_accounts.get(request.id)
    assert account.status == "FAILED"
