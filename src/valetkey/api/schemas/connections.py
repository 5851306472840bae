"""Response models of the auth-config and connected-account routes: what `auth.serializers` sends.

They document the API (`responses=` next to each route); the routes keep
returning the serializers' dicts.
"""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Page, Wire

# ---- auth configs ---------------------------------------------------------------------------


class AuthConfigToolkit(Wire):
    slug: str
    logo: str


class AuthConfig(Wire):
    id: str
    uuid: str
    name: str
    type: str
    auth_scheme: str
    is_composio_managed: bool
    status: str
    toolkit: AuthConfigToolkit
    credentials: dict[str, Any]
    no_of_connections: int
    expected_input_fields: list[dict[str, Any]]
    tool_access_config: dict[str, Any]
    restrict_to_following_tools: list[str]
    is_enabled_for_tool_router: bool
    proxy_config: dict[str, Any] | None
    created_at: str | None
    last_updated_at: str | None


class CreatedAuthConfigBody(Wire):
    id: str
    auth_scheme: str
    is_composio_managed: bool
    restrict_to_following_tools: list[str]


class CreatedAuthConfig(Wire):
    toolkit: dict[str, Any]
    auth_config: CreatedAuthConfigBody


class AuthConfigChanged(Wire):
    success: bool
    message: str


AuthConfigPage = Page[AuthConfig]

# ---- connected accounts ---------------------------------------------------------------------


class AccountState(Wire):
    authScheme: str
    val: dict[str, Any]


class AccountAuthConfig(Wire):
    id: str
    auth_scheme: str
    is_composio_managed: bool
    is_disabled: bool


class ConnectedAccount(Wire):
    id: str
    user_id: str
    alias: str | None
    status: str
    scalekit_status: str  # PENDING, ACTIVE, EXPIRED, REVOKED or ERROR (Scalekit's names for `status`)
    status_reason: str | None
    is_disabled: bool
    toolkit: dict[str, Any]
    auth_config: AccountAuthConfig
    state: AccountState
    data: dict[str, Any]
    params: dict[str, Any]
    created_at: str | None
    updated_at: str | None


class CreatedConnectedAccount(Wire):
    id: str
    connectionData: AccountState
    status: str
    scalekit_status: str
    redirect_url: str | None
    redirect_uri: str | None
    status_reason: str | None


class RefreshedAccount(Wire):
    id: str
    status: str
    redirect_url: str | None


class PatchedAccount(Wire):
    success: bool
    id: str
    status: str


class ConnectLink(Wire):
    connected_account_id: str
    link_token: str
    redirect_url: str
    expires_at: str | None


ConnectedAccountPage = Page[ConnectedAccount]
