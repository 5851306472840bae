"""Reading and classifying IP addresses for the egress policy.

Two questions, answered on the address itself and never on how it was
spelled:

- `parse_address`: which address does a host string mean? IPv4 is read the way
  `inet_aton` (and so `getaddrinfo`) reads it, so ``2130706433``, ``0177.0.0.1``,
  ``0x7f.0.0.1`` and ``127.1`` all mean 127.0.0.1; IPv6 may come in brackets.
- `refusal_reason`: is the address one an outbound call must not reach on its
  own (loopback, private, link-local, multicast, unspecified, reserved,
  shared), and why? IPv6 forms that carry an IPv4 address (IPv4-mapped,
  IPv4-compatible, 6to4, NAT64, Teredo) are judged on the IPv4 address they
  lead to.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

# (network, what it is), most specific first where they nest.
_REFUSED_V4: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), kind)
    for net, kind in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("169.254.0.0/16", "link-local"),
        ("100.64.0.0/10", "shared (carrier-grade NAT)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "reserved (documentation)"),
        ("198.51.100.0/24", "reserved (documentation)"),
        ("203.0.113.0/24", "reserved (documentation)"),
        ("198.18.0.0/15", "reserved (benchmarking)"),
    )
)
_REFUSED_V6: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), kind)
    for net, kind in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private (site-local)"),
        ("ff00::/8", "multicast"),
        ("100::/64", "reserved (discard)"),
        ("2001:db8::/32", "reserved (documentation)"),
        # Local-use NAT64 prefixes may embed the IPv4 address anywhere: refused whole.
        ("64:ff9b:1::/48", "NAT64 (local use)"),
    )
)
_IPV4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_HEX = frozenset("0123456789abcdefABCDEF")


def parse_ipv4(text: str) -> IPv4Address | None:
    """The IPv4 address `text` means in any `inet_aton` spelling, or None if it is not one.

    One to four parts separated by dots, each decimal, octal (leading ``0``) or
    hex (``0x``); the last part fills the remaining bytes (``127.1`` is 127.0.0.1,
    ``2130706433`` is 127.0.0.1).
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not text.isascii():
        return None
    values = []
    for part in parts:
        value = _number(part)
        if value is None:
            return None
        values.append(value)
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = last
    for index, value in enumerate(leading):
        number += value << (8 * (3 - index))
    return IPv4Address(number)


def _number(part: str) -> int | None:
    try:
        if part[:2].lower() == "0x":
            digits = part[2:]
            return int(digits, 16) if digits and all(c in _HEX for c in digits) else None
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8) if part[1:].isdigit() else None
        return int(part) if part.isdigit() else None
    except ValueError:  # "08": not octal
        return None


@lru_cache(maxsize=4096)  # every upstream call asks for its host: keep it to a dict lookup
def parse_address(host: str) -> IPAddress | None:
    """The IP address a URL host (or allow-list entry) names, or None when it is a host name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    return parse_ipv4(text)


def embedded_ipv4(address: IPv6Address) -> tuple[IPv4Address, str] | None:
    """The IPv4 address an IPv6 address leads to, and the form it is written in."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address.sixtofour is not None:
        return address.sixtofour, "6to4"
    if address.teredo is not None:
        return address.teredo[1], "Teredo"
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return IPv4Address(int(address) & 0xFFFFFFFF), "IPv4-compatible"
    return None


@lru_cache(maxsize=4096)
def refusal_reason(address: IPAddress) -> str | None:
    """Why an outbound call may not reach `address` ("loopback", ...), or None for a public address."""
    if isinstance(address, IPv4Address):
        for network, kind in _REFUSED_V4:
            if address in network:
                return kind
        return None if address.is_global else "reserved"
    for network6, kind in _REFUSED_V6:
        if address in network6:
            return kind
    embedded = embedded_ipv4(address)
    if embedded is not None:
        inner, form = embedded
        reason = refusal_reason(inner)
        return f"{reason} ({form} {inner})" if reason else None
    return None if address.is_global else "reserved"


def ip_network(text: str) -> IPv4Network | IPv6Network | None:
    """A CIDR block (``10.0.0.0/8``, ``fd00::/8``), or None when `text` is not one."""
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None
