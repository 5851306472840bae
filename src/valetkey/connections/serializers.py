"""Auth configs and connected accounts in the Composio v3 wire format.

Shapes follow the `composio_client` response models (the official SDK parses
them). Secrets leave the server masked: auth-config secrets always, account
secrets unless the project turned `mask_secret_keys_in_connected_account` off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from valetkey.catalog.model import AuthField, AuthScheme, Toolkit
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.vault import mask_secret

INITIATED_TTL = dt.timedelta(minutes=10)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def field_out(spec: AuthField) -> dict[str, Any]:
    """One input field, as the toolkit endpoint and `expected_input_fields` describe it."""
    return {
        "name": spec.name,
        "displayName": spec.display_name,
        "type": spec.type,
        "description": spec.description,
        "required": spec.required,
        "default": spec.default,
        "is_secret": spec.secret,
        "user_visible": True,
    }


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: mask_secret(v) if isinstance(v, str) else "REDACTED" for k, v in values.items()}


# Scalekit's account statuses beside Composio's (`scalekit_status` on every account): Scalekit has
# no disabled state, and a disabled account is as unusable as a revoked one until it is enabled.
SCALEKIT_STATUSES = {
    "INITIALIZING": "PENDING",
    "INITIATED": "PENDING",
    "ACTIVE": "ACTIVE",
    "EXPIRED": "EXPIRED",
    "FAILED": "ERROR",
    "INACTIVE": "REVOKED",
    "REVOKED": "REVOKED",
}


def scalekit_status(status: str) -> str:
    """Scalekit's name (PENDING, ACTIVE, EXPIRED, REVOKED, ERROR) for a Composio status."""
    return SCALEKIT_STATUSES.get(status, "ERROR")


def wire_status(account: ConnectedAccount, now: dt.datetime) -> str:
    """The status a reader sees: an INITIATED connection older than 10 minutes reads as EXPIRED."""
    if account.status == "INITIATED" and account.status_changed_at + INITIATED_TTL <= now:
        return "EXPIRED"
    return account.status


# ---- auth configs ---------------------------------------------------------------------------


def _toolkit_out(slug: str, toolkit: Toolkit | None) -> dict[str, Any]:
    out: dict[str, Any] = {"slug": slug, "logo": toolkit.logo if toolkit else ""}
    guide = getattr(toolkit, "auth_guide_url", "") if toolkit else ""
    if guide:
        out["auth_guide_url"] = guide
    return out


def auth_config_out(
    config: AuthConfig,
    *,
    toolkit: Toolkit | None,
    scheme: AuthScheme | None,
    secrets: Mapping[str, Any],
    connections: int,
) -> dict[str, Any]:
    """The full auth config (GET one, list items). `secrets` are the opened sealed fields."""
    settings = config.settings or {}
    credentials: dict[str, Any] = {**(settings.get("credentials") or {}), **masked(secrets)}
    if settings.get("scopes") is not None:
        credentials["scopes"] = list(settings["scopes"])
    if settings.get("user_scopes"):
        credentials["user_scopes"] = list(settings["user_scopes"])
    tool_access = dict(settings.get("tool_access_config") or {})
    tool_access.setdefault("tools_for_connected_account_creation", [])
    restrict = list(settings.get("restrict_to_following_tools") or [])
    if restrict:
        tool_access.setdefault("tools_available_for_execution", restrict)
    expected = [field_out(f) for f in scheme.account_fields] if scheme else []
    return {
        "id": config.id,
        "uuid": config.id,
        "name": config.name,
        "type": "default" if config.is_composio_managed else "custom",
        "auth_scheme": config.auth_scheme,
        "is_composio_managed": config.is_composio_managed,
        "status": config.status,
        "toolkit": _toolkit_out(config.toolkit_slug, toolkit),
        "credentials": credentials,
        "no_of_connections": connections,
        "expected_input_fields": expected,
        "tool_access_config": tool_access,
        "restrict_to_following_tools": restrict,
        "is_enabled_for_tool_router": bool(settings.get("is_enabled_for_tool_router", False)),
        "proxy_config": settings.get("proxy_config"),
        "shared_credentials": {},
        "created_by": "",  # a string in the TypeScript SDK's model; no dashboard user creates configs here
        "created_at": iso(config.created_at),
        "last_updated_at": iso(config.updated_at),
        "deprecated_params": {"expected_input_fields": expected, "toolkit_id": config.toolkit_slug},
    }


def auth_config_created(config: AuthConfig) -> dict[str, Any]:
    """The POST /auth_configs answer."""
    return {
        "toolkit": {"slug": config.toolkit_slug},
        "auth_config": {
            "id": config.id,
            "auth_scheme": config.auth_scheme,
            "is_composio_managed": config.is_composio_managed,
            "restrict_to_following_tools": list(
                (config.settings or {}).get("restrict_to_following_tools") or []
            ),
        },
    }


# ---- connected accounts ---------------------------------------------------------------------


def state_val(
    account: ConnectedAccount, status: str, secrets: Mapping[str, Any], *, mask: bool
) -> dict[str, Any]:
    """`state.val`: the connection's values under its status; secrets masked when asked."""
    val: dict[str, Any] = dict(account.data or {})
    val.update(masked(secrets) if mask else secrets)
    if status == "FAILED" and account.status_reason:
        val.setdefault("error", account.status_reason)
    if status == "EXPIRED":
        val.setdefault(
            "expired_at",
            iso(account.status_changed_at + INITIATED_TTL)
            if account.status == "INITIATED"
            else iso(account.status_changed_at),
        )
    val["status"] = status
    return val


def account_out(
    account: ConnectedAccount,
    config: AuthConfig,
    *,
    secrets: Mapping[str, Any],
    mask: bool,
    now: dt.datetime,
) -> dict[str, Any]:
    """A connected account (GET one, list items)."""
    status = wire_status(account, now)
    val = state_val(account, status, secrets, mask=mask)
    scopes = (account.data or {}).get("requested_scopes")
    out: dict[str, Any] = {
        "id": account.id,
        "user_id": account.user_id,
        "alias": account.alias,
        "word_id": None,
        "status": status,
        "scalekit_status": scalekit_status(status),
        "status_reason": account.status_reason,
        "is_disabled": account.is_disabled,
        "toolkit": {"slug": account.toolkit_slug},
        "auth_config": {
            "id": config.id,
            "auth_scheme": config.auth_scheme,
            "is_composio_managed": config.is_composio_managed,
            "is_disabled": config.status == "DISABLED",
        },
        "authScheme": account.auth_scheme,
        "state": {"authScheme": account.auth_scheme, "val": val},
        "data": val,
        "params": {},
        "test_request_endpoint": "",  # a string in the TypeScript SDK's model
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
    }
    if scopes:
        out["requested_scopes"] = list(scopes)
    return out


def account_created(
    account: ConnectedAccount,
    *,
    secrets: Mapping[str, Any],
    mask: bool,
    redirect_url: str | None = None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The POST /connected_accounts answer: the new connection's state, masked like a GET."""
    status = wire_status(account, now)
    val = state_val(account, status, secrets, mask=mask)
    if redirect_url:
        val["redirect_url"] = redirect_url
    return {
        "id": account.id,
        "connectionData": {"authScheme": account.auth_scheme, "val": val},
        "status": status,
        "scalekit_status": scalekit_status(status),
        "redirect_url": redirect_url,
        "redirect_uri": redirect_url,
        "status_reason": account.status_reason,
    }
