"""Request headers a caller may not set on an outbound call.

`Host` is taken from the URL (a caller-set one would let a request to an
allowed address be routed by name to another virtual host, Valetkey's own
among them); hop-by-hop headers (RFC 9110 §7.6.1) and `Content-Length`
describe the connection and the body framing, which the HTTP client owns.
"""

from __future__ import annotations

from collections.abc import Mapping

FORBIDDEN_HEADERS = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
)


def is_forwardable(name: str) -> bool:
    """False for `Host`, hop-by-hop, `Proxy-*` and `Content-Length` headers."""
    lowered = name.strip().lower()
    return lowered not in FORBIDDEN_HEADERS and not lowered.startswith("proxy-")


def forwardable(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` without the ones the client must set itself."""
    return {name: value for name, value in headers.items() if is_forwardable(name)}
