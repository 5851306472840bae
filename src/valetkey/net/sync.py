"""The egress policy for httpx (the synchronous OAuth token client): checked at connect.

`GuardedBackend` is the httpcore network backend: it resolves the host
itself, keeps the addresses the policy allows, and connects to one of those
by address, so what was checked is what is connected to. TLS still verifies
the certificate against the host name (httpcore takes SNI from the URL).
Redirects are not followed (`guarded_client` sets ``follow_redirects=False``).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from valetkey.net.addresses import parse_address
from valetkey.net.egress import EgressPolicy, EgressRefused

Resolve = Callable[..., list[tuple[Any, ...]]]


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the policy allows; `resolve` is `socket.getaddrinfo` unless a test swaps it."""

    def __init__(self, policy: EgressPolicy, resolve: Resolve = socket.getaddrinfo):
        self.policy = policy
        self._resolve = resolve
        self._inner = httpcore.SyncBackend()

    def addresses(self, host: str, port: int) -> list[str]:
        """The allowed addresses of `host`, in resolver order; `EgressRefused` when there are none."""
        literal = parse_address(host)
        if literal is not None:
            found = [str(literal)]
        else:
            try:
                found = _unique(info[4][0] for info in self._resolve(host, port, type=socket.SOCK_STREAM))
            except (socket.gaierror, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        allowed = [address for address in found if self.policy.refusal(host, address, port) is None]
        if not allowed:
            self.policy.check(host, found[0] if found else host, port)
            raise EgressRefused(host, port, "unresolvable")
        return allowed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: httpcore.ConnectError | None = None
        for address in self.addresses(host, port):
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise EgressRefused(path, None, "Unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool on a `GuardedBackend`."""

    def __init__(self, backend: GuardedBackend):
        super().__init__(trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


def guarded_client(
    policy: EgressPolicy, *, timeout: float, resolve: Resolve = socket.getaddrinfo
) -> httpx.Client:
    """An `httpx.Client` whose every connection `policy` allowed; no redirects, no proxies from the environment."""
    return httpx.Client(
        transport=GuardedTransport(GuardedBackend(policy, resolve)),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def _unique(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(addresses))
