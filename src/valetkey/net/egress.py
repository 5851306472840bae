"""The egress policy: which (host, address, port) an outbound call may connect to.

Every call a project key can cause (tool execution, proxy, verification,
OAuth token exchange, refresh and revocation, and webhook delivery to come)
goes through one `EgressPolicy`. It refuses addresses that are not public
(loopback, private, link-local, multicast, unspecified, reserved, shared, and
IPv6 forms that lead to them; see `valetkey.net.addresses`) unless the
operator allowed them in ``VALETKEY_EGRESS_ALLOW``, and always allows public
ones.

The policy only decides. The HTTP clients apply it to the address they are
about to connect to, after name resolution (`valetkey.net.aio` for aiohttp,
`valetkey.net.sync` for httpx), so a name that resolves to a public address
when checked and to 127.0.0.1 when connecting cannot get through: there is
one resolution, and it is the one that is both checked and used.

``VALETKEY_EGRESS_ALLOW`` entries, comma-separated: a host name
(``ghe.internal``), an IP address (``10.1.2.3``, ``[fd00::1]``) or a CIDR
(``10.0.0.0/8``), each optionally with ``:port`` (``127.0.0.1:8001``,
``[::1]:8001``, ``ghe.internal:443``), which then allows only that port. A
host-name entry allows whatever that name resolves to. The targets of
``VALETKEY_UPSTREAM_OVERRIDES`` are operator-set and allowed too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import urlsplit

from valetkey.core.settings import Settings
from valetkey.net.addresses import IPAddress, embedded_ipv4, ip_network, parse_address, refusal_reason

VARIABLE = "VALETKEY_EGRESS_ALLOW"
LOCALHOST = (IPv4Address("127.0.0.1"), IPv6Address("::1"))
log = logging.getLogger("valetkey.net.egress")


class AllowListError(ValueError):
    """A ``VALETKEY_EGRESS_ALLOW`` entry that is not a host, an address or a CIDR (with an optional port)."""


class EgressRefused(Exception):
    """An outbound call the policy refuses; the message says what and which setting would allow it.

    Deliberately not an `OSError`: the HTTP clients let it through unwrapped,
    so callers can tell a refusal from a network failure.
    """

    def __init__(self, host: str, port: int | None, reason: str):
        self.host, self.port, self.reason = host, port, reason
        where = f"{host}:{port}" if port is not None else host
        super().__init__(
            f"Outbound call to {where} refused: it is a {reason} address, and outbound calls may only "
            f"reach public addresses. An operator can allow it with {VARIABLE} (e.g. {_example(host, port)})."
        )


@dataclass(frozen=True)
class AllowEntry:
    """One allow-list entry: a host name or a network, and the one port it allows (None: every port)."""

    host: str | None = None
    network: IPv4Network | IPv6Network | None = None
    port: int | None = None

    def allows(self, host: str, address: IPAddress, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.host is not None:
            return normalize_host(host) == self.host
        assert self.network is not None
        if address.version == self.network.version:
            return address in self.network
        embedded = embedded_ipv4(address) if address.version == 6 else None  # ::ffff:127.0.0.1 is 127.0.0.1
        return embedded is not None and embedded[0] in self.network


@dataclass(frozen=True)
class EgressPolicy:
    """Public addresses pass; others only when an entry of `allow` matches. Empty `allow`: deny all others."""

    allow: tuple[AllowEntry, ...] = ()

    def refusal(self, host: str, address: IPAddress | str, port: int | None) -> str | None:
        """Why connecting to `address` (which `host` resolved to) on `port` is refused, or None if allowed."""
        if isinstance(address, str):
            parsed = parse_address(address)
            if parsed is None:
                return "unparsable"
            address = parsed
        reason = refusal_reason(address)
        if reason is None or any(entry.allows(host, address, port) for entry in self.allow):
            return None
        return reason

    def check(self, host: str, address: IPAddress | str, port: int | None) -> None:
        """Raise `EgressRefused` unless connecting to `address` for `host` on `port` is allowed."""
        reason = self.refusal(host, address, port)
        if reason is not None:
            log.info("egress refused: %s (%s) port %s: %s", host, address, port, reason)
            raise EgressRefused(host, port, reason)

    def check_literal(self, host: str, port: int | None) -> bool:
        """Check a host that is an IP address in any spelling; False when it is a name (resolve it first)."""
        address = parse_address(host)
        if address is None:
            return False
        self.check(host, address, port)
        return True

    def check_url_without_dns(self, url: str) -> None:
        """The cheap check when a URL is configured: refuse it now if its host is an IP address (any
        spelling) or a ``localhost`` name the policy refuses. Other names are judged when called."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return  # not a URL: the caller's own validation says so
        if not host:
            return
        name = normalize_host(host)
        literal = parse_address(host)
        if literal is not None:
            self.check(host, literal, port)
        elif name == "localhost" or name.endswith(".localhost"):  # always loopback (RFC 6761)
            reasons = [self.refusal(host, address, port) for address in LOCALHOST]
            if all(reasons):
                raise EgressRefused(host, port, str(reasons[0]))

    @classmethod
    def from_settings(cls, settings: Settings) -> EgressPolicy:
        """The server's policy: ``VALETKEY_EGRESS_ALLOW`` plus the upstream override targets.

        A bad entry stops the start with a message naming the variable.
        """
        try:
            entries = parse_allow_list(",".join(settings.egress_allow))
        except AllowListError as exc:
            raise SystemExit(str(exc)) from None
        targets = tuple(_url_entry(target) for _, target in settings.upstream_overrides)
        return cls(entries + tuple(t for t in targets if t is not None))


def parse_allow_list(raw: str) -> tuple[AllowEntry, ...]:
    """Parse ``VALETKEY_EGRESS_ALLOW``; `AllowListError` (naming the variable) on a bad entry."""
    return tuple(parse_entry(item) for item in raw.replace(" ", ",").split(",") if item.strip())


def parse_entry(text: str) -> AllowEntry:
    item = text.strip()
    host, port = _split_port(item)
    if not host:
        raise AllowListError(f"{VARIABLE}: entry {text!r} names no host, address or network")
    network = ip_network(host)
    if network is not None:
        return AllowEntry(network=network, port=port)
    if "/" in host:
        raise AllowListError(f"{VARIABLE}: {text!r} is not a valid CIDR (e.g. 10.0.0.0/8)")
    address = parse_address(host)
    if address is not None:
        return AllowEntry(network=ip_network(f"{address}/{address.max_prefixlen}"), port=port)
    if ":" in host or "[" in host or not _is_host_name(host):
        raise AllowListError(
            f"{VARIABLE}: {text!r} is not a host name, an IP address or a CIDR "
            "(IPv6 with a port is written [::1]:8001)"
        )
    return AllowEntry(host=normalize_host(host), port=port)


def _split_port(item: str) -> tuple[str, int | None]:
    if item.startswith("["):
        inside, bracket, rest = item[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise AllowListError(f"{VARIABLE}: {item!r}: expected [IPv6] or [IPv6]:port")
        return inside, _port(item, rest[1:]) if rest else None
    if item.count(":") == 1:
        host, _, port = item.partition(":")
        return host, _port(item, port)
    return item, None  # a bare IPv6 address (or CIDR) has several colons and no port


def _port(item: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise AllowListError(f"{VARIABLE}: {item!r}: the port must be a number from 1 to 65535")
    return int(text)


def _is_host_name(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label) and label.isascii()
        for label in labels
    )


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _url_entry(url: str) -> AllowEntry | None:
    """An entry allowing exactly the host and port of an operator-set URL."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = parse_address(parts.hostname)
    if address is not None:
        return AllowEntry(network=ip_network(f"{address}/{address.max_prefixlen}"), port=port)
    return AllowEntry(host=normalize_host(parts.hostname), port=port)


def _example(host: str, port: int | None) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"'{shown}:{port}'" if port is not None else f"'{shown}'"
