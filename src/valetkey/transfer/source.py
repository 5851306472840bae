"""The source project's v3 REST API: paged reads that honour the source's rate limits.

This is an operator command's client (the operator runs `valetkey import`
with the source's API key), so it is outside the egress policy like every
operator command: it talks to the URL the operator names. It pages with the
API's cursors (`next_cursor`; MCP servers with `page_no`), waits out a 429 or
503 for the `Retry-After` the source sends (or backs off exponentially) and
retries transport errors a bounded number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_URL = "https://backend.composio.dev"
PAGE_SIZE = 200
MAX_ATTEMPTS = 8
MAX_WAIT_SECONDS = 120.0


class SourceError(Exception):
    """The source answered something other than a page (a wrong key, a missing route)."""


def retry_after_seconds(value: str | None, attempt: int) -> float:
    """`Retry-After` in seconds (delta form; an HTTP date counts as a short wait), else a backoff."""
    if value:
        try:
            return min(max(float(value), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            return 1.0
    return min(0.5 * 2**attempt, MAX_WAIT_SECONDS)


@dataclass
class SourceClient:
    base_url: str
    api_key: str
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    waits: list[float] = field(default_factory=list)  # every Retry-After honoured (for the report)
    _http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"x-api-key": self.api_key, "accept": "application/json"},
            timeout=self.timeout,
            transport=self.transport,
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self._http is not None
        for attempt in range(MAX_ATTEMPTS):
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt == MAX_ATTEMPTS - 1:
                    raise SourceError(f"GET {path}: {exc}") from None
                self.sleep(retry_after_seconds(None, attempt))
                continue
            if response.status_code in (429, 502, 503, 504) and attempt < MAX_ATTEMPTS - 1:
                wait = retry_after_seconds(response.headers.get("retry-after"), attempt)
                self.waits.append(wait)
                self.sleep(wait)
                continue
            if response.status_code >= 400:
                raise SourceError(f"GET {path}: HTTP {response.status_code}: {_message(response)}")
            body = response.json()
            if not isinstance(body, dict):
                raise SourceError(f"GET {path}: not a JSON object")
            return body
        raise SourceError(f"GET {path}: still refused after {MAX_ATTEMPTS} attempts")  # pragma: no cover

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page's items, following `next_cursor` to the end."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "limit": PAGE_SIZE}
            if cursor:
                query["cursor"] = cursor
            body = self.get(path, query)
            yield list(body.get("items") or [])
            cursor = body.get("next_cursor") or None
            if not cursor or cursor in seen:
                return
            seen.add(cursor)

    def numbered_pages(self, path: str, size: int = 100) -> Iterator[list[dict[str, Any]]]:
        """Every page of a `page_no` listing (MCP servers)."""
        number = 1
        while True:
            body = self.get(path, {"page_no": number, "limit": size})
            yield list(body.get("items") or [])
            if number >= int(body.get("total_pages") or 1):
                return
            number += 1


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(body)[:200]
