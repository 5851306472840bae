"""HTTP helpers app emulators share: page slicing with `Link` headers, rate limits, tokens, JSON.

Each helper encodes one convention several real APIs follow, so an emulator
answers the way its API does without re-deriving RFC 8288 links or counting
requests per token itself. App-specific error *bodies* stay in the app module.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

T = TypeVar("T")


def json_response(
    body: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = "application/json; charset=utf-8",
) -> Response:
    """A JSON answer; `None` with 204 gives an empty body, as APIs answer a PUT/DELETE."""
    content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    return Response(
        content, status, headers=dict(headers or {}), media_type=None if body is None else media_type
    )


async def read_json_body(request: Request) -> tuple[Any, bool]:
    """(value, ok): the JSON body (None when empty); ok is False for a body that is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


def mount_root(request: Request) -> str:
    """The absolute URL of the app's mount (``http://127.0.0.1:8001/github``), for links in bodies.

    `request.base_url` leaves out the mount prefix, which lives in ``root_path``.
    """
    return str(request.url.replace(path=request.scope.get("root_path", ""), query="", fragment="")).rstrip(
        "/"
    )


def request_token(request: Request, schemes: Sequence[str] = ("bearer",)) -> str | None:
    """The token of ``Authorization: <scheme> <token>`` for any of `schemes` (case-insensitive)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in {s.lower() for s in schemes} or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True)
class Page:
    """One page of a list plus the `Link` header pointing at its neighbours."""

    items: list[Any]
    page: int
    per_page: int
    last_page: int
    link: str | None

    def headers(self) -> dict[str, str]:
        return {"Link": self.link} if self.link else {}


def int_param(
    request: Request, name: str, default: int, *, minimum: int = 1, maximum: int | None = None
) -> int:
    """A positive integer query parameter; junk falls back to `default`, big values are capped."""
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        value = default
    value = max(value, minimum)
    return min(value, maximum) if maximum is not None else value


def paginate(
    request: Request,
    items: Sequence[T],
    *,
    default_per_page: int = 30,
    max_per_page: int = 100,
    page_param: str = "page",
    per_page_param: str = "per_page",
) -> Page:
    """Slice `items` by page-number pagination and build RFC 8288 ``Link`` relations.

    Pages are 1-based. Relations follow GitHub's order (prev, next, last,
    first), present only where they make sense; the URLs keep every other
    query parameter of the request, so a client can follow them verbatim.
    """
    per_page = int_param(request, per_page_param, default_per_page, maximum=max_per_page)
    page = int_param(request, page_param, 1)
    last = max(1, math.ceil(len(items) / per_page))
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])

    def url(number: int) -> str:
        return str(request.url.include_query_params(**{page_param: number, per_page_param: per_page}))

    relations = []
    if page > 1:
        relations.append((min(page - 1, last), "prev"))
    if page < last:
        relations += [(page + 1, "next"), (last, "last")]
    if page > 1:
        relations.append((1, "first"))
    link = ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in relations) or None
    return Page(chunk, page, per_page, last, link)


@dataclass
class RateLimiter:
    """A fixed-window request budget per caller, reported the way GitHub-style APIs do.

    `check(key)` spends one request and returns (allowed, headers); the header
    names are configurable because APIs spell them differently.
    """

    limit: int = 5000
    window_seconds: int = 3600
    clock: Callable[[], float] = time.time
    header_prefix: str = "X-RateLimit-"
    resource: str | None = "core"
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, key: str) -> tuple[bool, dict[str, str]]:
        now = self.clock()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.window_seconds:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._windows[key] = (start, used)
        headers = {
            f"{self.header_prefix}Limit": str(self.limit),
            f"{self.header_prefix}Remaining": str(max(0, self.limit - used)),
            f"{self.header_prefix}Reset": str(int(start + self.window_seconds)),
            f"{self.header_prefix}Used": str(used),
        }
        if self.resource:
            headers[f"{self.header_prefix}Resource"] = self.resource
        return allowed, headers

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
