"""The egress policy for aiohttp: checked on the addresses the connector connects to.

`GuardedResolver` wraps the real resolver: aiohttp connects only to what the
resolver returns, and the resolver returns only addresses the policy allows
for that host and port, so the address checked is the address connected to
(DNS rebinding between a check and the connect has nothing to slip between).
aiohttp does not resolve hosts that are IP literals, so `check_url` judges
those before the request is sent, in any spelling (``0x7f.0.0.1``).

Redirects are not followed by the clients that use this (each hop would be
a new call for the caller to make, and would be checked again).
"""

from __future__ import annotations

import socket
from typing import Any

from aiohttp import TCPConnector
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from valetkey.net.egress import EgressPolicy, EgressRefused


class GuardedResolver(AbstractResolver):
    """Resolves with `inner`, then keeps only the addresses `policy` allows; none left: `EgressRefused`."""

    def __init__(self, policy: EgressPolicy, inner: AbstractResolver | None = None):
        self.policy = policy
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self.policy.refusal(host, r["host"], port) is None]
        if not allowed:
            first = results[0]["host"] if results else host
            self.policy.check(host, first, port)  # raises, naming why
            raise EgressRefused(host, port, "unresolvable")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def check_url(policy: EgressPolicy, url: URL) -> None:
    """Refuse a URL whose host is an IP literal the policy refuses (names are judged when resolved)."""
    host = url.raw_host or ""
    if not policy.check_literal(host, url.port) and (":" in host or host.replace(".", "").isdigit()):
        # aiohttp would take this for an address and skip the resolver: refuse what we cannot read.
        raise EgressRefused(host, url.port, "unreadable IP")


def guarded_connector(
    policy: EgressPolicy, resolver: AbstractResolver | None = None, **kwargs: Any
) -> TCPConnector:
    """A `TCPConnector` that only connects where `policy` allows (call inside the event loop)."""
    return TCPConnector(resolver=GuardedResolver(policy, resolver), **kwargs)
