"""The HTTP exchange both clients share: one pooled httpx client, the key, retries, errors.

A call is described once as a `Call` (method, path, query, body, and how to read the answer);
`SyncTransport` and `AsyncTransport` send it. Nothing is sent anywhere but the configured
server: no telemetry, no version check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from valetkey.client import errors
from valetkey.client.retry import RETRY_STATUSES, RetryPolicy

T = TypeVar("T")
API = "/api/v3.1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USER_AGENT = "valetkey-client"


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    # Sent only when given: a GET or DELETE carries no body.
    has_body: bool = field(default=False)


def call(
    method: str,
    path: str,
    parse: Callable[[Any], T],
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
) -> Call[T]:
    clean = {k: v for k, v in (params or {}).items() if v is not None}
    return Call(method, path, parse, clean or None, json, has_body=json is not None)


def _headers(api_key: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"x-api-key": api_key, "user-agent": USER_AGENT, "accept": "application/json"}
    headers.update(extra or {})
    return headers


def _result(c: Call[T], response: httpx.Response) -> T:
    if response.status_code >= 400:
        raise errors.error_from_response(response)
    if response.status_code == 204 or not response.content:
        return c.parse(None)
    try:
        document = response.json()
    except ValueError as exc:
        raise errors.APIError(
            "the server answered with something that is not JSON",
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
        ) from exc
    return c.parse(document)


def _request_args(c: Call[Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"params": c.params}
    if c.has_body:
        args["json"] = c.json
    return args


class SyncTransport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._owned = http_client is None
        self.http = http_client or httpx.Client(
            base_url=self.base_url,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            headers=_headers(api_key, headers),
        )
        if not self._owned:
            self.http.headers.update(_headers(api_key, headers))

    def send(self, c: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = self.http.request(c.method, c.path, **_request_args(c))
            except httpx.ConnectError as exc:
                wait = self.retry.wait(attempt, None)
                if wait is None:
                    raise errors.TransportError(f"cannot reach {self.base_url}: {exc}") from exc
            except httpx.TimeoutException as exc:
                raise errors.TimeoutError(f"{c.method} {c.path}: no answer in time") from exc
            except httpx.TransportError as exc:
                raise errors.TransportError(f"{c.method} {c.path}: {exc}") from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return _result(c, response)
                wait = self.retry.wait(attempt, response.headers.get("retry-after"))
                if wait is None:
                    return _result(c, response)
            attempt += 1
            time.sleep(wait)

    def close(self) -> None:
        if self._owned:
            self.http.close()


class AsyncTransport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._owned = http_client is None
        self.http = http_client or httpx.AsyncClient(
            base_url=self.base_url,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            headers=_headers(api_key, headers),
        )
        if not self._owned:
            self.http.headers.update(_headers(api_key, headers))

    async def send(self, c: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = await self.http.request(c.method, c.path, **_request_args(c))
            except httpx.ConnectError as exc:
                wait = self.retry.wait(attempt, None)
                if wait is None:
                    raise errors.TransportError(f"cannot reach {self.base_url}: {exc}") from exc
            except httpx.TimeoutException as exc:
                raise errors.TimeoutError(f"{c.method} {c.path}: no answer in time") from exc
            except httpx.TransportError as exc:
                raise errors.TransportError(f"{c.method} {c.path}: {exc}") from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return _result(c, response)
                wait = self.retry.wait(attempt, response.headers.get("retry-after"))
                if wait is None:
                    return _result(c, response)
            attempt += 1
            await asyncio.sleep(wait)

    async def close(self) -> None:
        if self._owned:
            await self.http.aclose()
