"""The egress policy for httpx2's async client (what the official `mcp` client speaks): checked at connect.

The async twin of `valetkey.net.sync`: `AsyncGuardedBackend` resolves the host itself, keeps the
addresses the policy allows and connects to one of those by address, so what was checked is what is
connected to; TLS still verifies the certificate against the host name. `guarded_async_client` builds
an `httpx2.AsyncClient` on it that follows no redirects and takes no proxy from the environment.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore2
import httpx2

from valetkey.net.addresses import parse_address
from valetkey.net.egress import EgressPolicy, EgressRefused


class AsyncGuardedBackend(httpcore2.AsyncNetworkBackend):
    """Connects only to addresses `policy` allows."""

    def __init__(self, policy: EgressPolicy):
        self.policy = policy
        self._inner = httpcore2.AnyIOBackend()

    async def addresses(self, host: str, port: int) -> list[str]:
        """The allowed addresses of `host`, in resolver order; `EgressRefused` when there are none."""
        literal = parse_address(host)
        if literal is not None:
            found = [str(literal)]
        else:
            try:
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                raise httpcore2.ConnectError(f"cannot resolve {host}: {exc}") from None
            found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = [address for address in found if self.policy.refusal(host, address, port) is None]
        if not allowed:
            self.policy.check(host, found[0] if found else host, port)
            raise EgressRefused(host, port, "unresolvable")
        return allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        error: httpcore2.ConnectError | None = None
        for address in await self.addresses(host, port):
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore2.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise EgressRefused(path, None, "Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class AsyncGuardedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's own async transport, with its connection pool on an `AsyncGuardedBackend`."""

    def __init__(self, backend: AsyncGuardedBackend):
        super().__init__(trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False),
            max_connections=20,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


def guarded_async_client(
    policy: EgressPolicy, *, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> httpx2.AsyncClient:
    """An `httpx2.AsyncClient` whose every connection `policy` allowed; no redirects, no environment proxies."""
    return httpx2.AsyncClient(
        transport=AsyncGuardedTransport(AsyncGuardedBackend(policy)),
        headers=headers,
        timeout=httpx2.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
