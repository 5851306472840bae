"""Where a call's credentials come from and which base URL it targets.

Three sources, in the order the Composio API applies them:

1. `custom_connection_data`: credential values sent with the call, placed by
   the toolkit's scheme of the given mode;
2. `custom_auth_params`: literal headers/query parameters and a base URL;
3. a stored connected account (explicit id, or the user's latest ACTIVE one).

Tools of no-auth toolkits (or tools marked no_auth) need none of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import AuthScheme, Toolkit
from valetkey.connections.credentials import account_credentials, config_overrides
from valetkey.connections.token_use import fresh_credentials
from valetkey.core.errors import ApiError, BadRequest
from valetkey.execution.accounts import ResolvedAccount, resolve_account
from valetkey.execution.schemas import CustomAuthParams, CustomConnectionData
from valetkey.execution.state import ExecutionState

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Connection:
    source: str  # connected_account | custom_auth | no_auth
    base_url: str
    scheme: AuthScheme | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    parameters: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    account: ResolvedAccount | None = None

    @property
    def account_id(self) -> str | None:
        return self.account.id if self.account else None


NO_AUTH = "no_auth"


async def resolve_connection(
    state: ExecutionState,
    project_id: str,
    toolkit: Toolkit,
    *,
    needs_auth: bool,
    connected_account_id: str | None = None,
    user_id: str | None = None,
    custom_connection_data: CustomConnectionData | None = None,
    custom_auth_params: CustomAuthParams | None = None,
    connection_name: str | None = None,
) -> Connection:
    if custom_connection_data is not None:
        return _from_custom_data(toolkit, custom_connection_data)
    if custom_auth_params is not None:
        params = tuple(p.model_dump(by_alias=True) for p in custom_auth_params.parameters)
        return Connection(
            "custom_auth", base_url_for(toolkit, custom_auth_params.base_url), parameters=params
        )
    if not needs_auth and not connected_account_id:
        return Connection(NO_AUTH, base_url_for(toolkit))
    account, values = await run_in_threadpool(
        _load_account, state, project_id, toolkit.slug, connected_account_id, user_id, connection_name
    )
    # OAuth 2 tokens expiring within the margin are refreshed before the call (single flight).
    account, values = await fresh_credentials(state, account, values)
    scheme = toolkit.scheme(account.auth_scheme)
    if scheme is None:
        raise ApiError(
            f"Toolkit {toolkit.slug} has no {account.auth_scheme} auth scheme, which connected account {account.id} uses",
            status=422,
            slug="AuthSchemeMismatch",
            suggested_fix="Reconnect the user with an auth config of a scheme this toolkit supports.",
        )
    override = values.get("base_url") or config_overrides(account.auth_config_settings).get("base_url")
    return Connection(
        "connected_account", base_url_for(toolkit, override, values), scheme, values, account=account
    )


def _load_account(
    state: ExecutionState,
    project_id: str,
    toolkit_slug: str,
    account_id: str | None,
    user_id: str | None,
    connection_name: str | None = None,
) -> tuple[ResolvedAccount, dict[str, Any]]:
    with state.db.session() as db:
        account = resolve_account(
            db,
            project_id,
            toolkit_slug,
            connected_account_id=account_id,
            user_id=user_id,
            connection_name=connection_name,
        )
        consumer = _oauth1_consumer(state, db, account) if account.auth_scheme == "OAUTH1" else {}
    if not account.state_encrypted:
        return account, {**account.data, **consumer}
    try:
        values = account_credentials(state.vault, account, auth_config_settings=account.auth_config_settings)
        return account, {**values, **consumer}
    except Exception as exc:  # VaultError, KeyringError: a server-side problem, said plainly
        raise ApiError(
            f"The credentials of connected account {account.id} cannot be opened: {type(exc).__name__}",
            status=500,
            slug="CredentialsUnreadable",
            suggested_fix="The operator should check VALETKEY_ENCRYPTION_KEYS holds the key these were sealed with.",
        ) from None


def _oauth1_consumer(state: ExecutionState, db: Any, account: ResolvedAccount) -> dict[str, Any]:
    """The OAuth 1.0a consumer key and secret of the account's auth config (or the operator's managed app).

    OAuth 1.0a signs every request with the consumer secret as well as the
    token secret, so execution needs the auth config's secrets too.
    """
    from valetkey.connections.models import AuthConfig
    from valetkey.connections.oauth_endpoints import config_credentials

    credentials = config_credentials(state, db.get(AuthConfig, account.auth_config_id))
    return {
        "consumer_key": credentials.get("consumer_key") or credentials.get("client_id"),
        "consumer_secret": credentials.get("consumer_secret") or credentials.get("client_secret"),
    }


def _from_custom_data(toolkit: Toolkit, data: CustomConnectionData) -> Connection:
    if data.toolkit_slug and data.toolkit_slug.lower() != toolkit.slug.lower():
        raise BadRequest(
            f"custom_connection_data is for toolkit {data.toolkit_slug}, but this call targets {toolkit.slug}",
            suggested_fix="Set custom_connection_data.toolkitSlug to the tool's toolkit.",
        )
    mode = data.auth_scheme.upper()
    scheme = toolkit.scheme(mode)
    if scheme is None and mode != "NO_AUTH":
        supported = ", ".join(s.mode for s in toolkit.auth_schemes) or "none"
        raise BadRequest(
            f"Toolkit {toolkit.slug} does not support the {mode} auth scheme (supported: {supported})",
            suggested_fix="Set custom_connection_data.authScheme to one the toolkit supports.",
        )
    values = dict(data.val)
    return Connection("custom_auth", base_url_for(toolkit, values.get("base_url"), values), scheme, values)


def base_url_for(toolkit: Toolkit, override: str | None = None, values: dict[str, Any] | None = None) -> str:
    """The API root for this call, with `{subdomain}`-style placeholders filled from the connection."""
    url = (override or toolkit.base_url or "").rstrip("/")
    if "{" in url:
        values = values or {}
        missing = [name for name in _PLACEHOLDER.findall(url) if not values.get(name)]
        if missing:
            raise ApiError(
                f"The {toolkit.slug} API address needs '{missing[0]}' from the connection, which it does not have",
                status=422,
                slug="ConnectionDataMissing",
                suggested_fix=f"Reconnect with the '{missing[0]}' field filled in.",
            )
        url = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), url)
    if not url:
        raise ApiError(f"Toolkit {toolkit.slug} has no base URL", status=422, slug="ToolkitMisconfigured")
    return url
