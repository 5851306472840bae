"""The one shared HTTP client every upstream call goes through.

A single `httpx.AsyncClient` per process keeps connections to each API host
alive across executions (TLS handshakes dominate small calls otherwise).
`send` never raises for upstream trouble: a refused connection, a timeout or a
500 all come back as an `UpstreamOutcome`, so the executor can report them as
`successful: false` instead of failing our own request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from valetkey.execution.request import UpstreamRequest
from valetkey.execution.retry import NO_RETRY, RetryPolicy, retry_delay

MAX_CONNECTIONS = 200
MAX_KEEPALIVE = 100


@dataclass(frozen=True)
class UpstreamOutcome:
    """What came back: a response, or a failure to get one."""

    response: httpx.Response | None
    # "timeout" or "connect" when there is no response.
    failure: str | None
    message: str
    attempts: int
    duration_ms: float

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None


class UpstreamClient:
    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE),
            follow_redirects=False,
            # Proxy variables of the server's environment must not silently
            # reroute users' credentials.
            trust_env=False,
        )

    async def send(self, request: UpstreamRequest, retry: RetryPolicy = NO_RETRY) -> UpstreamOutcome:
        started = time.perf_counter()
        attempt = 0
        arguments = request.httpx_arguments()
        while True:
            attempt += 1
            response, failure, message = await self._attempt(arguments)
            if failure == "timeout":
                break  # the time budget is spent; retrying would double it
            header = response.headers.get("retry-after") if response is not None else None
            status = response.status_code if response is not None else None
            if response is not None and status < 400:
                break
            wait = retry_delay(retry, attempt, status=status, retry_after=header)
            if wait is None:
                break
            await asyncio.sleep(wait)
        return UpstreamOutcome(response, failure, message, attempt, (time.perf_counter() - started) * 1000)

    async def _attempt(self, arguments: dict) -> tuple[httpx.Response | None, str | None, str]:
        try:
            response = await self.client.request(**arguments)
            return response, None, ""
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                return None, "connect", f"Connecting to the upstream API timed out ({_where(exc)})"
            return None, "timeout", f"The upstream API did not answer within {self.timeout:g} seconds ({_where(exc)})"
        except httpx.TransportError as exc:
            return None, "connect", f"Could not reach the upstream API ({_where(exc)}): {type(exc).__name__}"

    async def aclose(self) -> None:
        await self.client.aclose()


def _where(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:
        return "unknown URL"
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"
