"""Stripe: its published OpenAPI description (APIs.guru copy, ``specs/stripe``).

Stripe's bodies are form-encoded in bracket notation, which the checker
decodes into objects before validating them.
"""

from __future__ import annotations

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, rebound
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

# Stripe documents both headers (API versioning, idempotent requests) but its OpenAPI declares neither.
STRIPE_HEADERS = TRANSPORT_HEADERS | {"stripe-version", "idempotency-key"}
#: Tools with no operation in Stripe's description, and why. Empty: all are described.
UNDESCRIBED: dict[str, str] = {}


def spec():
    return description("stripe", "api.stripe.com.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request, transport_headers=STRIPE_HEADERS)


def _refund(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "STRIPE_CREATE_REFUND"), **change), {"charge": "ch_1"})


DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "STRIPE_LIST_CUSTOMERS"), "starting_after", "query", "startingAfter"),
            {"starting_after": "cus_1"},
        ),
        ("query parameter 'startingAfter' is not declared",),
    ),
    Drift(
        "renamed field inside brackets",
        lambda tk: tool_request(
            rebound(
                tool_by_slug(tk, "STRIPE_UPDATE_CUSTOMER"),
                "default_payment_method",
                "body",
                "invoice_settings[default_method]",
            ),
            {"customer": "cus_1", "default_payment_method": "pm_1"},
        ),
        ("default_method",),
    ),
    Drift(
        "mistyped field inside brackets",
        lambda tk: tool_request(
            tool_by_slug(tk, "STRIPE_CREATE_PRODUCT"),
            {"name": "x", "default_price_data": {"currency": "usd", "unit_amount": "ten"}},
        ),
        ("unit_amount",),
    ),
    Drift(
        "renamed body field",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "STRIPE_CREATE_PRODUCT"), "name", "body", "title"), {"name": "x"}
        ),
        ("'title'",),
    ),
    Drift(
        "nested query filter",
        lambda tk: tool_request(tool_by_slug(tk, "STRIPE_LIST_CHARGES"), {"created": {"gte": 1, "after": 2}}),
        ("created",),
    ),
    Drift("wrong path", lambda tk: _refund(tk, path="/v1/refund"), ("no operation",), first=True),
    Drift("wrong method", lambda tk: _refund(tk, method="PUT"), ("no operation",), first=True),
    Drift(
        "JSON body",  # Stripe takes form bodies only: a tool that slipped back to JSON is caught
        lambda tk: tool_request(
            drifted(tool_by_slug(tk, "STRIPE_CREATE_CUSTOMER"), body="json"), {"email": "a@b.c"}
        ),
        ("media type",),
    ),
)

FIDELITY = Fidelity("stripe", check, undescribed=UNDESCRIBED, drifts=DRIFTS)
