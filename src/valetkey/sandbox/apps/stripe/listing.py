"""Stripe's list answers: ``{"object": "list", "data", "has_more", "url"}`` with object-id cursors.

Lists run newest first. ``starting_after=<id>`` gives the objects created
before that one (the next page), ``ending_before=<id>`` the ones created just
after it (the previous page); an id that does not exist is 404
``resource_missing`` naming the cursor parameter. ``limit`` is 1 to 100,
default 10. ``created`` filters by Unix time, as an exact integer or
``created[gt|gte|lt|lte]``.
"""

from __future__ import annotations

from typing import Any

from .kit import Call, StripeError, as_integer, missing
from .state import Obj

BOUNDS = {
    "gt": lambda v, b: v > b,
    "gte": lambda v, b: v >= b,
    "lt": lambda v, b: v < b,
    "lte": lambda v, b: v <= b,
}


def limit_of(call: Call) -> int:
    limit = call.integer("limit")
    if limit is None:
        return 10
    if not 1 <= limit <= 100:
        raise StripeError(
            400,
            "This value must be greater than or equal to 1 and less than or equal to 100.",
            code="parameter_invalid_integer",
            param="limit",
        )
    return limit


def created_filter(call: Call, items: list[Obj]) -> list[Obj]:
    value = call.params.get("created")
    if value is None:
        return items
    if isinstance(value, str):
        exact = as_integer(value, "created")
        return [o for o in items if o["created"] == exact]
    if not isinstance(value, dict) or set(value) - set(BOUNDS):
        raise StripeError(
            400,
            "Invalid created: must be an integer or a hash of gt, gte, lt, lte",
            code="parameter_invalid_integer",
            param="created",
        )
    bounds = {op: as_integer(v, f"created[{op}]") for op, v in value.items()}
    return [o for o in items if all(BOUNDS[op](o["created"], b) for op, b in bounds.items())]


def list_answer(call: Call, resource: str, items: list[Obj], url: str) -> tuple[int, dict[str, Any]]:
    """One page of `items` (already filtered, newest first) as Stripe's list object."""
    limit = limit_of(call)
    after, before = call.text("starting_after"), call.text("ending_before")
    if after is not None:
        cursor = _cursor(call, resource, after, "starting_after")
        rest = [o for o in items if o["created"] < cursor["created"]]
        page, more = rest[:limit], len(rest) > limit
    elif before is not None:
        cursor = _cursor(call, resource, before, "ending_before")
        rest = [o for o in items if o["created"] > cursor["created"]]
        page, more = rest[-limit:], len(rest) > limit
    else:
        page, more = items[:limit], len(items) > limit
    return 200, {"object": "list", "data": page, "has_more": more, "url": url}


def _cursor(call: Call, resource: str, object_id: str, param: str) -> Obj:
    found = call.state.get(resource, object_id)
    if found is None:
        raise missing(resource, object_id, param)
    return found
