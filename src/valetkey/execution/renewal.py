"""The one renewal path: send with the current credentials; after a 401, renew once and resend.

HTTP tools, the proxy and Python handler tools all send through
`send_renewing`, so "the token was refused" is handled in one place:

1. build the request from the credentials and send it;
2. on a 401, ask `renew` for newer credentials (for an OAuth 2 account,
   `valetkey.connections.token_use.renew_after_unauthorized`: one refresh through
   the single-flight path, shared with every concurrent caller);
3. if there are newer ones, rebuild and send once more; the second answer is
   the answer, whatever it is. No newer credentials (not OAuth 2, a failed
   refresh, someone already refreshed to what we sent): the first 401 stands.

A handler tool makes several requests through one `ToolContext`; each gets
this treatment, and a renewal carries over to its later requests (see
`ConnectionRenewal`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from valetkey.connections.token_use import renew_after_unauthorized
from valetkey.execution.connection import Connection
from valetkey.execution.state import ExecutionState
from valetkey.net.request import UpstreamRequest
from valetkey.net.upstream import UpstreamOutcome

C = TypeVar("C")
Sent = tuple[UpstreamRequest, UpstreamOutcome]
# After a 401: newer credentials than the ones given, or None when there are none.
Renew = Callable[[C], Awaitable[C | None]]


async def send_renewing(
    credentials: C, send: Callable[[C], Awaitable[Sent]], renew: Renew[C] | None
) -> tuple[C, UpstreamRequest, UpstreamOutcome]:
    """(credentials used last, request sent last, its outcome), renewing once after a 401."""
    request, outcome = await send(credentials)
    if outcome.status != 401 or renew is None:
        return credentials, request, outcome
    renewed = await renew(credentials)
    if renewed is None:
        return credentials, request, outcome
    request, outcome = await send(renewed)
    return renewed, request, outcome


def connection_renewer(state: ExecutionState) -> Renew[Connection]:
    """`renew` for a resolved connection: a single-flight refresh of its OAuth 2 account."""

    async def renew(connection: Connection) -> Connection | None:
        renewed: Connection | None = await renew_after_unauthorized(state, connection)
        return renewed

    return renew


class ConnectionRenewal:
    """`renew` over credential values, for a handler's `ToolContext`, keeping the renewed connection.

    The context only holds credential values; the connection behind them
    (its account snapshot, the sealed state last sent) lives here, so a
    second 401 later in the same handler compares against what was actually
    sent and refreshes again only if that is still the stored state.
    """

    def __init__(self, state: ExecutionState, connection: Connection):
        self._renew = connection_renewer(state)
        self.connection = connection

    async def __call__(self, values: Mapping[str, Any]) -> Mapping[str, Any] | None:
        renewed = await self._renew(self.connection)
        if renewed is None:
            return None
        self.connection = renewed
        return renewed.values
