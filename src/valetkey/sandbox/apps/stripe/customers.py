"""Customers: create, retrieve, update, list (exact email) and search."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.routing import Route

from .events import record_event
from .kit import Call, Stripe, StripeError, missing
from .listing import created_filter, limit_of, list_answer
from .search import compile_query
from .state import customer

WRITABLE = ("email", "name", "description", "phone")
SEARCHABLE = frozenset({"email", "name", "phone", "description"})


def create(call: Call) -> tuple[int, Any]:
    fields = {name: call.text(name) for name in WRITABLE}
    created = customer(call.state, **fields, metadata=_metadata(call, {}))
    payment_method = call.text("payment_method")
    if payment_method is not None:
        _check_payment_method(payment_method)
        created["invoice_settings"]["default_payment_method"] = payment_method
    record_event(call.state, "customer.created", created)
    return 200, created


def retrieve(call: Call) -> tuple[int, Any]:
    return 200, _customer(call)


def update(call: Call) -> tuple[int, Any]:
    found = _customer(call)
    for name in WRITABLE:
        value = call.text(name)
        if value is not None:
            found[name] = value or None  # "" unsets a field
    settings = call.params.get("invoice_settings")
    if settings is not None:
        if not isinstance(settings, dict) or set(settings) - {"default_payment_method"}:
            raise StripeError(
                400,
                "Received unknown parameter: invoice_settings",
                code="parameter_unknown",
                param="invoice_settings",
            )
        method = str(settings.get("default_payment_method") or "")
        if method:
            _check_payment_method(method)
        found["invoice_settings"]["default_payment_method"] = method or None
    found["metadata"] = _metadata(call, found["metadata"])
    return 200, found


def list_customers(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("customer")
    email = call.text("email")
    if email is not None:
        items = [c for c in items if c["email"] == email]
    return list_answer(call, "customer", created_filter(call, items), "/v1/customers")


def search(call: Call) -> tuple[int, Any]:
    query = call.text("query", needed=True)
    matches = [c for c in call.state.newest_first("customer") if compile_query(query, SEARCHABLE)(c)]
    limit, start = limit_of(call), _page_offset(call.text("page"))
    page = matches[start : start + limit]
    more = len(matches) > start + limit
    token = (
        base64.urlsafe_b64encode(json.dumps({"offset": start + limit}).encode()).decode() if more else None
    )
    return 200, {
        "object": "search_result",
        "data": page,
        "has_more": more,
        "next_page": token,
        "url": "/v1/customers/search",
    }


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise StripeError(400, f"Invalid page: {token}", param="page") from None


def _customer(call: Call) -> dict[str, Any]:
    found = call.state.get("customer", call.path["customer"])
    if found is None:
        raise missing("customer", call.path["customer"])
    return found


def _metadata(call: Call, current: dict[str, str]) -> dict[str, str]:
    """Merge `metadata[...]` into `current`; an empty value deletes its key, as Stripe does."""
    given = call.params.get("metadata")
    if given is None or given == "":
        return dict(current) if given is None else {}
    if not isinstance(given, dict):
        raise StripeError(400, "Invalid hash", code="parameter_invalid_empty", param="metadata")
    merged = dict(current)
    for key, value in given.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


def _check_payment_method(payment_method: str) -> None:
    if not payment_method.startswith("pm_"):
        raise missing("PaymentMethod", payment_method, "payment_method")


def routes(stripe: Stripe) -> list[Route]:
    fields = (*WRITABLE, "metadata")
    return [
        stripe.route("GET", "/v1/customers/search", search, params=("query", "limit", "page")),
        stripe.route("POST", "/v1/customers", create, params=(*fields, "payment_method")),
        stripe.route(
            "GET",
            "/v1/customers",
            list_customers,
            params=("email", "created", "limit", "starting_after", "ending_before"),
        ),
        stripe.route("GET", "/v1/customers/{customer}", retrieve),
        stripe.route("POST", "/v1/customers/{customer}", update, params=(*fields, "invoice_settings")),
    ]
