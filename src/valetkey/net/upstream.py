"""The one shared HTTP client every upstream call goes through.

One `aiohttp.ClientSession` per process keeps connections to each API host
alive across executions. aiohttp rather than httpx because upstream calls are
the executor's hottest path: measured on the benchmark machine under the same
load, an httpx call cost 1.5 ms of CPU at concurrency 1 and 3.1 ms at 32 (its
pool re-checks every connection on every request), aiohttp 0.25-0.33 ms; see
benchmarks/README.md. httpx stays the project's client everywhere else.

`send` never raises for upstream trouble: a refused connection, a timeout or a
500 all come back as an `UpstreamOutcome`, so the executor reports them as
``successful: false`` instead of failing our own request. The session keeps
no cookies: it is shared by every user of every project.

Every connection obeys the egress policy (`valetkey.net.egress`): the
connector's resolver only hands out addresses the policy allows, IP-literal
hosts are checked before sending, and redirects are not followed. A refused
call comes back with ``failure="refused"``. Callers' `Host`, hop-by-hop and
`Content-Length` headers are never sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

import aiohttp
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict
from yarl import URL

from valetkey.net.aio import check_url, guarded_connector
from valetkey.net.egress import EgressPolicy, EgressRefused
from valetkey.net.headers import forwardable
from valetkey.net.request import UpstreamRequest, scalar_text
from valetkey.net.retry import NO_RETRY, RetryPolicy, retry_delay

MAX_CONNECTIONS = 200
# Responses larger than this are cut off rather than held in memory whole.
MAX_RESPONSE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    reason: str
    headers: CIMultiDict[str] = field(repr=False)
    content: bytes = field(repr=False)

    @property
    def status_code(self) -> int:
        return self.status

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


@dataclass(frozen=True)
class UpstreamOutcome:
    """What came back: a response, or a failure to get one."""

    response: UpstreamResponse | None
    # "timeout", "connect" or "refused" (by the egress policy) when there is no response.
    failure: str | None
    message: str
    attempts: int
    duration_ms: float

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None


KEEPALIVE_SECONDS = 4.0


class UpstreamTransport(Protocol):
    """What execution needs of an upstream client, as httpx's transports are one method.

    `UpstreamClient` (egress-guarded aiohttp) is the server's; `ReroutingClient` wraps one; tests may
    pass any object with these two methods. `send` never raises for upstream trouble.
    """

    async def send(self, request: UpstreamRequest, retry: RetryPolicy = NO_RETRY) -> UpstreamOutcome: ...

    async def aclose(self) -> None: ...


class UpstreamClient:
    """`egress` defaults to the deny-by-default policy; `resolver` replaces the real DNS resolver (tests)."""

    def __init__(
        self,
        timeout: float = 30.0,
        egress: EgressPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ):
        self.timeout = timeout
        self.egress = egress if egress is not None else EgressPolicy()
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: aiohttp binds the session to the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # Idle connections are dropped before the common 5 s server-side
                # keep-alive timeout (uvicorn, Node), so a request never goes out
                # on a connection the server is closing at that very moment.
                connector=guarded_connector(
                    self.egress,
                    self._resolver,
                    limit=MAX_CONNECTIONS,
                    ttl_dns_cache=300,
                    keepalive_timeout=KEEPALIVE_SECONDS,
                ),
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 10.0)),
                cookie_jar=aiohttp.DummyCookieJar(),
                # Proxy variables of the server's environment must not silently
                # reroute users' credentials.
                trust_env=False,
                auto_decompress=True,
            )
        return self._session

    async def send(self, request: UpstreamRequest, retry: RetryPolicy = NO_RETRY) -> UpstreamOutcome:
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            response, failure, message = await self._attempt(request)
            if failure in ("timeout", "refused"):
                break  # the time budget is spent, or the policy will refuse again
            status = response.status if response is not None else None
            if status is not None and status < 400:
                break
            header = response.header("retry-after") if response is not None else None
            wait = retry_delay(retry, attempt, status=status, retry_after=header)
            if wait is None:
                break
            await asyncio.sleep(wait)
        return UpstreamOutcome(response, failure, message, attempt, (time.perf_counter() - started) * 1000)

    async def _attempt(self, request: UpstreamRequest) -> tuple[UpstreamResponse | None, str | None, str]:
        where = _where(request.url)
        try:
            url = URL(request.url, encoded=True)
            check_url(self.egress, url)
            data, content_type = encode_body(request)
            headers = forwardable(request.headers)
            if content_type and not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = content_type
            async with self._client().request(
                request.method,
                url,
                params=list(request.query) or None,
                headers=headers,
                data=data,
                allow_redirects=False,
            ) as response:
                content = await response.content.read(MAX_RESPONSE_BYTES)
                return (
                    UpstreamResponse(
                        response.status, response.reason or "", response.headers.copy(), content
                    ),
                    None,
                    "",
                )
        except EgressRefused as exc:
            return None, "refused", str(exc)
        except aiohttp.ConnectionTimeoutError:
            return None, "connect", f"Connecting to the upstream API timed out ({where})"
        except TimeoutError:
            return (
                None,
                "timeout",
                f"The upstream API did not answer within {self.timeout:g} seconds ({where})",
            )
        except aiohttp.ClientError as exc:
            return None, "connect", f"Could not reach the upstream API ({where}): {type(exc).__name__}"
        except ValueError as exc:  # a URL or header aiohttp refuses to send
            return None, "connect", f"Could not send the request to the upstream API ({where}): {exc}"

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def encode_body(request: UpstreamRequest) -> tuple[bytes | aiohttp.FormData | None, str | None]:
    """The request body as sent, and its content type (None: leave it to the caller's header)."""
    kind, body = request.body_kind, request.body
    if kind == "json":
        return json.dumps(body, separators=(",", ":")).encode(), "application/json"
    if kind == "form":
        pairs = [
            (name, scalar_text(v))
            for name, value in body
            for v in (value if isinstance(value, (list, tuple)) else [value])
        ]
        return urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    if kind == "multipart":
        fields, files = body
        form = aiohttp.FormData()
        for name, value in fields:
            form.add_field(name, scalar_text(value))
        for name, (filename, content, file_type) in files:
            form.add_field(name, content, filename=filename, content_type=file_type)
        return form, None
    if kind == "raw":
        return (body if isinstance(body, bytes) else str(body).encode()), None
    return None, None


def _where(url: str) -> str:
    return url.split("?", 1)[0]
