"""The catalogue and invoices: products (with a default price in one call), prices, invoices."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from .kit import Call, Stripe, StripeError, as_integer, missing, required
from .listing import created_filter, list_answer
from .state import price, product

INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")
INTERVALS = ("day", "week", "month", "year")


def list_invoices(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("invoice")
    customer = call.text("customer")
    if customer is not None:
        items = [i for i in items if i["customer"] == customer]
    status = call.text("status")
    if status is not None:
        if status not in INVOICE_STATUSES:
            raise StripeError(
                400,
                f"Invalid status: must be one of {', '.join(INVOICE_STATUSES)}",
                code="parameter_invalid_string",
                param="status",
            )
        items = [i for i in items if i["status"] == status]
    return list_answer(call, "invoice", created_filter(call, items), "/v1/invoices")


def retrieve_invoice(call: Call) -> tuple[int, Any]:
    found = call.state.get("invoice", call.path["invoice"])
    if found is None:
        raise missing("invoice", call.path["invoice"])
    return 200, found


def create_product(call: Call) -> tuple[int, Any]:
    name = call.text("name", needed=True)
    if not name:
        raise required("name")
    active = call.boolean("active")
    created = product(
        call.state, name, description=call.text("description"), active=True if active is None else active
    )
    data = call.params.get("default_price_data")
    if data is not None:
        if not isinstance(data, dict):
            raise StripeError(400, "Invalid hash", param="default_price_data")
        created["default_price"] = _default_price(call, created["id"], data)["id"]
    return 200, created


def _default_price(call: Call, product_id: str, data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - {"currency", "unit_amount", "recurring"})
    if unknown:
        raise StripeError(
            400,
            f"Received unknown parameter: default_price_data[{unknown[0]}]",
            code="parameter_unknown",
            param=f"default_price_data[{unknown[0]}]",
        )
    for name in ("currency", "unit_amount"):
        if not data.get(name):
            raise required(f"default_price_data[{name}]")
    recurring = data.get("recurring")
    if recurring is not None:
        if not isinstance(recurring, dict) or recurring.get("interval") not in INTERVALS:
            raise StripeError(
                400,
                f"Invalid default_price_data[recurring][interval]: must be one of {', '.join(INTERVALS)}",
                param="default_price_data[recurring][interval]",
            )
        if "interval_count" in recurring:
            as_integer(recurring["interval_count"], "default_price_data[recurring][interval_count]")
    amount = as_integer(data["unit_amount"], "default_price_data[unit_amount]")
    return price(call.state, product_id, str(data["currency"]).lower(), amount, recurring)


def list_products(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("product")
    active = call.boolean("active")
    if active is not None:
        items = [p for p in items if p["active"] is active]
    return list_answer(call, "product", created_filter(call, items), "/v1/products")


def list_prices(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("price")
    active = call.boolean("active")
    if active is not None:
        items = [p for p in items if p["active"] is active]
    for name in ("product", "currency", "type"):
        value = call.text(name)
        if value is not None:
            items = [p for p in items if p[name] == value]
    return list_answer(call, "price", created_filter(call, items), "/v1/prices")


def routes(stripe: Stripe) -> list[Route]:
    pages = ("created", "limit", "starting_after", "ending_before")
    return [
        stripe.route("GET", "/v1/invoices", list_invoices, params=("customer", "status", *pages)),
        stripe.route("GET", "/v1/invoices/{invoice}", retrieve_invoice),
        stripe.route(
            "POST",
            "/v1/products",
            create_product,
            params=("name", "description", "active", "default_price_data", "metadata"),
        ),
        stripe.route("GET", "/v1/products", list_products, params=("active", *pages)),
        stripe.route(
            "GET", "/v1/prices", list_prices, params=("product", "active", "currency", "type", *pages)
        ),
    ]
