"""Every Stripe tool's request against Stripe's published OpenAPI description (APIs.guru copy).

Statically, the request the executor builds for each tool with every argument
set (and with only the required ones); live, the requests the Stripe emulator
received when each tool ran through the SDK and a real server. Stripe's
bodies are form-encoded in bracket notation, which the checker decodes into
objects before validating them.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/stripe.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import check_request
from tests.fidelity.profiles.stripe import STRIPE_HEADERS
from tests.fidelity.support import (
    description,
    from_recorded,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def spec():
    return description("stripe", "api.stripe.com.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "stripe")


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    used = {}
    for tool in toolkit.tools:
        found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
        assert found is not None, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}


# Arguments for a live run of every tool against the emulator's starting state, in order.
LIVE_CALLS = [
    ("STRIPE_RETRIEVE_BALANCE", {}),
    (
        "STRIPE_CREATE_CUSTOMER",
        {
            "email": "f@example.com",
            "name": "F",
            "description": "d",
            "phone": "+1555",
            "payment_method": "pm_card_visa",
            "idempotency_key": "fid-1",
        },
    ),
    ("STRIPE_LIST_CUSTOMERS", {"email": "f@example.com", "limit": 3}),
    ("STRIPE_SEARCH_CUSTOMERS", {"query": "name~'jenny' AND metadata['plan']:'pro'", "limit": 5}),
    (
        "STRIPE_CREATE_PAYMENT_INTENT",
        {
            "amount": 1500,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
            "description": "d",
            "receipt_email": "f@example.com",
            "idempotency_key": "fid-2",
        },
    ),
    ("STRIPE_LIST_PAYMENT_INTENTS", {"created": {"gte": 1_700_000_000}, "limit": 5}),
    ("STRIPE_LIST_CHARGES", {"created": {"gt": 1_700_000_000, "lte": 1_900_000_000}, "limit": 5}),
    ("STRIPE_LIST_INVOICES", {"status": "open", "limit": 5}),
    ("STRIPE_LIST_PRODUCTS", {"active": True}),
    (
        "STRIPE_CREATE_PRODUCT",
        {
            "name": "Team",
            "description": "d",
            "active": True,
            "idempotency_key": "fid-3",
            "default_price_data": {
                "currency": "usd",
                "unit_amount": 900,
                "recurring": {"interval": "month", "interval_count": 1},
            },
        },
    ),
    ("STRIPE_LIST_PRICES", {"type": "recurring", "currency": "usd", "active": True}),
]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    stripe = connect("stripe")
    jenny = next(c for c in stripe.state.objects["customer"].values() if c["name"] == "Jenny Rosen")
    invoice = next(iter(stripe.state.objects["invoice"]))
    stripe.emulator.requests.clear()
    calls = LIVE_CALLS + [
        ("STRIPE_RETRIEVE_CUSTOMER", {"customer": jenny["id"]}),
        (
            "STRIPE_UPDATE_CUSTOMER",
            {"customer": jenny["id"], "name": "Jenny R.", "default_payment_method": "pm_card_visa"},
        ),
        ("STRIPE_RETRIEVE_INVOICE", {"invoice": invoice}),
        (
            "STRIPE_CREATE_REFUND",
            {
                "charge": next(iter(stripe.state.objects["charge"])),
                "amount": 100,
                "reason": "requested_by_customer",
                "idempotency_key": "fid-4",
            },
        ),
    ]
    problems = []
    for slug, arguments in calls:
        before = len(stripe.emulator.requests)
        stripe.ok(slug, arguments)
        sent = stripe.emulator.requests.all()[before:]
        assert len(sent) == 1, f"{slug} sent {len(sent)} requests"
        problems += check_request(spec, from_recorded(sent[0]), transport_headers=STRIPE_HEADERS)
        assert sent[0].header("authorization").startswith("Bearer sk_test_")
        assert sent[0].header("stripe-version") == "2025-09-30.clover"
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in calls} == {t.slug for t in toolkit.tools}
