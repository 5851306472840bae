"""The egress policy of webhook deliveries and provider registrations.

Deliveries obey the server's policy (`VALETKEY_EGRESS_ALLOW`: public addresses,
plus what the operator allowed), checked by the HTTP client against the address
it actually connects to, so a name that resolves to a public address when the
subscription is saved and to 127.0.0.1 at delivery time (DNS rebinding) is still
refused. `VALETKEY_WEBHOOK_ALLOW_PRIVATE=1` adds loopback and private networks
(not link-local: cloud metadata services live there) for development and tests.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from urllib.parse import urlsplit

from valetkey.core.errors import ValidationError
from valetkey.core.settings import Settings
from valetkey.net.egress import AllowEntry, EgressPolicy, EgressRefused

PRIVATE_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = (
    IPv4Network("127.0.0.0/8"),
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv6Network("::1/128"),
    IPv6Network("fc00::/7"),
)
URL_MAX = 2048


def webhook_policy(base: EgressPolicy, settings: Settings) -> EgressPolicy:
    """`base`, and loopback and private networks when `VALETKEY_WEBHOOK_ALLOW_PRIVATE` is set."""
    if not settings.webhook_allow_private:
        return base
    return EgressPolicy(base.allow + tuple(AllowEntry(network=network) for network in PRIVATE_NETWORKS))


def check_webhook_url(
    url: str, policy: EgressPolicy, settings: Settings, *, field: str = "webhook_url"
) -> str:
    """A delivery URL as given, or a 400 naming `field`: https (http only when private ones are allowed),
    with a host, and not an address the policy refuses (names are judged again at each delivery)."""
    problem = None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        parts, host, problem = None, None, "is not a URL"
    if problem is None:
        assert parts is not None
        allowed = ("https", "http") if settings.webhook_allow_private else ("https",)
        if len(url) > URL_MAX:
            problem = f"is longer than {URL_MAX} characters"
        elif parts.scheme not in allowed:
            problem = "must be an https:// URL"
        elif not host:
            problem = "has no host"
        elif parts.username or parts.password:
            problem = "must not carry a user name or password"
    if problem is None:
        try:
            policy.check_url_without_dns(url)
        except EgressRefused as exc:
            raise ValidationError(
                f"{field}: {exc.reason} addresses cannot receive webhooks",
                suggested_fix="Use a public URL; for local development start the server with "
                "VALETKEY_WEBHOOK_ALLOW_PRIVATE=1.",
            ) from None
        return url
    raise ValidationError(
        f"{field} {problem}",
        suggested_fix="Pass the https:// URL of your webhook receiver"
        + ("" if settings.webhook_allow_private else " (http:// only with VALETKEY_WEBHOOK_ALLOW_PRIVATE=1)")
        + ".",
    )
