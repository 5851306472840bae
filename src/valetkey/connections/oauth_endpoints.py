"""Where a toolkit's OAuth endpoints are, and with which app credentials to call them.

The toolkit definition declares endpoints and quirks as data (`AuthScheme.oauth`);
an auth config may move them (`authorization_url`, `token_url`, `base_url`
overrides, for GitHub Enterprise or the sandbox) and supplies the app's
credentials: its own (custom) or the operator's (managed, read at use time).
`OAuthApp` is that merge, resolved once per flow step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from valetkey.connections import schemes
from valetkey.connections.credentials import open_config_secrets
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import BadRequest, ValidationError

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class OAuthApp:
    """One toolkit's OAuth endpoints plus the client credentials to use them. Secrets stay out of repr."""

    toolkit: str
    mode: str  # OAUTH2 | OAUTH1
    quirks: Mapping[str, Any]
    authorization_url: str
    token_url: str  # OAuth 1: the access-token URL
    client_id: str
    client_secret: str = field(repr=False, default="")
    refresh_url: str = ""
    revoke_url: str = ""
    request_token_url: str = ""  # OAuth 1 only
    scopes: tuple[str, ...] = ()

    @property
    def scope_separator(self) -> str:
        return self.quirks.get("scope_separator") or " "

    @property
    def uses_pkce(self) -> bool:
        return self.mode == "OAUTH2" and bool(self.quirks.get("pkce", True))


def fill_placeholders(url: str, values: Mapping[str, Any]) -> str:
    """`https://{subdomain}.zendesk.com/...` with the connection's values; BadRequest when one is missing."""

    def _value(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if not value:
            raise ValidationError(
                f"This OAuth app needs '{match.group(1)}' from the connection to know where to send the user",
                suggested_fix=f'Pass "{match.group(1)}" in the connection\'s state "val" when initiating.',
            )
        return str(value)

    return _PLACEHOLDER.sub(_value, url) if url else url


def scopes_for(config: Any, scheme: Any, credentials: Mapping[str, Any]) -> tuple[str, ...]:
    """The scopes to request: the auth config's, else the managed app's, else the toolkit's defaults."""
    settings = config.settings or {}
    if settings.get("scopes"):
        return tuple(settings["scopes"])
    if credentials.get("scopes"):
        return tuple(schemes.parse_scopes(credentials["scopes"]) or ())
    return tuple(scheme.default_scopes)


def config_credentials(state: ConnectionsState, config: Any) -> dict[str, Any]:
    """The auth config's credentials, opened; for a managed config the operator's app, read now."""
    credentials = {
        **(config.settings or {}).get("credentials", {}),
        **open_config_secrets(state.vault, config),
    }
    if config.is_composio_managed:
        app = state.managed_apps.get(config.toolkit_slug)
        if app is None:
            raise BadRequest(
                f"This installation has no managed OAuth app for {config.toolkit_slug}",
                slug="ManagedAuthUnavailable",
                suggested_fix="Create a custom auth config with your own OAuth app credentials.",
            )
        credentials.update(app.credentials())
        if app.scopes:
            credentials["scopes"] = list(app.scopes)
    return credentials


def oauth_app(
    scheme: Any, config: Any, credentials: Mapping[str, Any], values: Mapping[str, Any]
) -> OAuthApp:
    """Endpoints (overrides win over the toolkit's) and client credentials for one account's flow."""
    quirks = dict(scheme.oauth or {})
    mode = scheme.mode

    def _url(name: str, fallback: str | None = None) -> str:
        return fill_placeholders(credentials.get(name) or quirks.get(name) or fallback or "", values)

    if mode == "OAUTH1":
        client_id = credentials.get("consumer_key") or credentials.get("client_id")
        client_secret = credentials.get("consumer_secret") or credentials.get("client_secret")
        token_url = _url("access_token_url", credentials.get("token_url"))
    else:
        client_id, client_secret = credentials.get("client_id"), credentials.get("client_secret")
        token_url = _url("token_url")
    if not client_id:
        raise BadRequest(
            f"Auth config {config.id} has no OAuth client id",
            slug="AuthConfigIncomplete",
            suggested_fix="Update the auth config with the OAuth app's client id and secret.",
        )
    return OAuthApp(
        toolkit=config.toolkit_slug,
        mode=mode,
        quirks=quirks,
        authorization_url=_url("authorization_url"),
        token_url=token_url,
        client_id=str(client_id),
        client_secret=str(client_secret or ""),
        refresh_url=_url("refresh_url") or token_url,
        revoke_url=_url("revoke_url"),
        request_token_url=_url("request_token_url"),
        scopes=scopes_for(config, scheme, credentials),
    )
