"""Auth configs: create, read, update, enable/disable and delete, scoped to one project.

Plain functions over a SQLAlchemy Session. Every lookup filters by project id,
so an id from another project is indistinguishable from one that never
existed (404, never 403).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from valetkey.catalog.model import Toolkit
from valetkey.connections import schemes
from valetkey.connections.credentials import open_config_secrets, seal_config_secrets
from valetkey.connections.managed import ManagedApps, ManagedAuthError, managed_scheme
from valetkey.connections.models import AUTH_CONFIG_STATUSES, CUSTOM, MANAGED, AuthConfig, ConnectedAccount
from valetkey.core.errors import BadRequest, NotFound, ValidationError
from valetkey.core.ids import new_id
from valetkey.vault import Vault, mask_secret

MAX_LIMIT = 1000
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class AuthConfigInput:
    """The `auth_config` object of POST /auth_configs, already shape-checked by the route."""

    type: str = MANAGED
    name: str | None = None
    auth_scheme: str | None = None
    credentials: Mapping[str, Any] | None = None
    tool_access_config: Mapping[str, Any] | None = None
    restrict_to_following_tools: Sequence[str] | None = None
    is_enabled_for_tool_router: bool | None = None
    proxy_config: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AuthConfigPatch:
    """PATCH /auth_configs/{id}: `type` is "custom" or "default" and must match the config."""

    type: str
    name: str | None = None
    credentials: Mapping[str, Any] | None = None
    scopes: Any = None
    user_scopes: Any = None
    tool_access_config: Mapping[str, Any] | None = None
    restrict_to_following_tools: Sequence[str] | None = None
    is_enabled_for_tool_router: bool | None = None
    proxy_config: Mapping[str, Any] | None = None
    proxy_config_set: bool = False


def no_managed_auth(toolkit: Toolkit) -> BadRequest:
    return BadRequest(
        f"Default auth config not found for toolkit '{toolkit.slug}': this installation has no managed "
        f"(use_composio_managed_auth) credentials for it. Create a custom auth config with your own credentials.",
        slug="DefaultAuthConfigNotFound",
        suggested_fix=(
            f'Create one with POST /api/v3/auth_configs and {{"toolkit": {{"slug": "{toolkit.slug}"}}, '
            f'"auth_config": {{"type": "use_custom_auth", "authScheme": ..., "credentials": {{...}}}}}} '
            f"(the fields are listed by GET /api/v3/toolkits/{toolkit.slug}). "
            f"Operators can add a managed OAuth app in $VALETKEY_HOME/managed_auth.yaml."
        ),
    )


def _access_settings(data: AuthConfigInput | AuthConfigPatch) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if data.tool_access_config is not None:
        out["tool_access_config"] = dict(data.tool_access_config)
    if data.restrict_to_following_tools is not None:
        out["restrict_to_following_tools"] = list(data.restrict_to_following_tools)
    if data.is_enabled_for_tool_router is not None:
        out["is_enabled_for_tool_router"] = bool(data.is_enabled_for_tool_router)
    return out


def _scopes_from(credentials: Mapping[str, Any] | None) -> tuple[list[str] | None, list[str] | None]:
    credentials = credentials or {}
    return schemes.parse_scopes(credentials.get("scopes")), schemes.parse_scopes(
        credentials.get("user_scopes"), where="credentials.user_scopes"
    )


def create_auth_config(
    db: Session, vault: Vault, managed: ManagedApps, project_id: str, toolkit: Toolkit, data: AuthConfigInput
) -> AuthConfig:
    config_id = new_id("ac")
    scopes, user_scopes = _scopes_from(data.credentials)
    settings: dict[str, Any] = _access_settings(data)
    sealed: str | None = None
    if data.type == MANAGED:
        try:
            mode = managed_scheme(toolkit, managed.get(toolkit.slug))
        except ManagedAuthError as exc:
            raise BadRequest(
                f"The operator's managed auth configuration is invalid: {exc}",
                slug="ManagedAuthMisconfigured",
            ) from None
        if mode is None:
            raise no_managed_auth(toolkit)
        if data.auth_scheme and schemes.normalize_mode(data.auth_scheme, where="auth_config") != mode:
            raise BadRequest(
                f"Managed auth for '{toolkit.slug}' uses {mode}, not {data.auth_scheme}",
                slug="AuthSchemeNotSupported",
                suggested_fix="Create a custom auth config for other schemes.",
            )
        scheme = schemes.scheme_of(toolkit, mode)
        extra = set(data.credentials or {}) - set(schemes.SCOPE_KEYS)
        if extra:
            raise ValidationError(
                f"A managed auth config takes only scopes in credentials, not {', '.join(sorted(extra))}; "
                "to bring your own credentials, create a custom auth config",
                suggested_fix="Use type 'use_custom_auth' to bring your own credentials.",
            )
        app = managed.get(toolkit.slug)
        settings["credentials"] = {}
    else:
        mode = (
            schemes.normalize_mode(data.auth_scheme, where="auth_config.auth_scheme")
            if data.auth_scheme
            else schemes.default_scheme(toolkit).mode
        )
        scheme = schemes.scheme_of(toolkit, mode)
        checked = schemes.check_config_credentials(scheme, data.credentials, require=True)
        settings["credentials"] = checked.public
        sealed = seal_config_secrets(vault, project_id, config_id, checked.secret)
        app = None
    if data.proxy_config is not None:
        settings["proxy_config"] = _public_proxy(data.proxy_config)
    if scheme.mode in schemes.REDIRECT_SCHEMES:
        default = (
            list(app.scopes) if app is not None and app.scopes is not None else list(scheme.default_scopes)
        )
        settings["scopes"] = scopes if scopes is not None else default
        if user_scopes:
            settings["user_scopes"] = user_scopes
    elif scopes:
        settings["scopes"] = scopes
    label = "managed" if data.type == MANAGED else "custom"
    config = AuthConfig(
        id=config_id,
        project_id=project_id,
        toolkit_slug=toolkit.slug,
        name=(data.name or f"{toolkit.name} {label} {mode}").strip()[:200],
        type=data.type,
        auth_scheme=mode,
        status="ENABLED",
        settings=settings,
        credentials_encrypted=sealed,
    )
    db.add(config)
    db.flush()
    return config


def _public_proxy(proxy: Mapping[str, Any]) -> dict[str, Any]:
    url = proxy.get("proxy_url")
    if not isinstance(url, str) or not url:
        raise ValidationError("proxy_config.proxy_url is required")
    # The proxy's auth key is not kept: the proxy feature is not supported, and a key we cannot use is a liability.
    return {"proxy_url": url}


def get_auth_config(db: Session, project_id: str, config_id: str) -> AuthConfig:
    config = db.scalars(
        select(AuthConfig).where(AuthConfig.project_id == project_id, AuthConfig.id == config_id)
    ).first()
    if config is None:
        raise NotFound(
            f"Auth config {config_id} not found",
            slug="AuthConfigNotFound",
            suggested_fix="List auth configs with GET /api/v3/auth_configs.",
        )
    return config


def list_auth_configs(
    db: Session,
    project_id: str,
    *,
    toolkit_slugs: Sequence[str] = (),
    is_composio_managed: bool | None = None,
    show_disabled: bool | None = None,
    search: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> tuple[list[AuthConfig], int]:
    query = select(AuthConfig).where(AuthConfig.project_id == project_id)
    if toolkit_slugs:
        query = query.where(AuthConfig.toolkit_slug.in_([s.lower() for s in toolkit_slugs]))
    if is_composio_managed is not None:
        query = query.where(AuthConfig.type == (MANAGED if is_composio_managed else CUSTOM))
    if show_disabled is False:
        query = query.where(AuthConfig.status == "ENABLED")
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(AuthConfig.name).like(pattern), func.lower(AuthConfig.id).like(pattern))
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(AuthConfig.created_at.desc(), AuthConfig.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def active_connection_counts(db: Session, config_ids: Sequence[str]) -> dict[str, int]:
    if not config_ids:
        return {}
    rows = db.execute(
        select(ConnectedAccount.auth_config_id, func.count())
        .where(ConnectedAccount.auth_config_id.in_(list(config_ids)), ConnectedAccount.status == "ACTIVE")
        .group_by(ConnectedAccount.auth_config_id)
    ).all()
    return {config_id: int(count) for config_id, count in rows}


def _merge_secrets(current: Mapping[str, Any], incoming: Mapping[str, str]) -> dict[str, Any]:
    """New secret values over old; a value sent back exactly as we masked it keeps the old one."""
    merged = dict(current)
    for name, value in incoming.items():
        if name in current and value == mask_secret(current[name]):
            continue
        merged[name] = value
    return merged


def update_auth_config(
    db: Session, vault: Vault, toolkit: Toolkit, project_id: str, config_id: str, patch: AuthConfigPatch
) -> AuthConfig:
    config = get_auth_config(db, project_id, config_id)
    expected = "default" if config.is_composio_managed else "custom"
    if patch.type != expected:
        raise ValidationError(
            f"Auth config {config_id} is a {expected} auth config; send type '{expected}' to update it",
            suggested_fix=f'Send {{"type": "{expected}", ...}}.',
        )
    settings = dict(config.settings or {})
    settings.update(_access_settings(patch))
    scopes = patch.scopes
    user_scopes = patch.user_scopes
    if patch.credentials is not None:
        scopes = patch.credentials.get("scopes", scopes)
        user_scopes = patch.credentials.get("user_scopes", user_scopes)
        rest = {k: v for k, v in patch.credentials.items() if k not in schemes.SCOPE_KEYS}
        if rest and config.is_composio_managed:
            raise ValidationError("A managed auth config takes only scopes in credentials")
        if rest:
            scheme = schemes.scheme_of(toolkit, config.auth_scheme)
            checked = schemes.check_config_credentials(scheme, rest, require=False)
            secrets = _merge_secrets(open_config_secrets(vault, config), checked.secret)
            public = {**(settings.get("credentials") or {}), **checked.public}
            # A field may move between public and secret only if the catalog changed; keep one copy.
            public = {k: v for k, v in public.items() if k not in secrets}
            all_values = {**public, **secrets}
            schemes.check_config_credentials(scheme, all_values, require=True)
            settings["credentials"] = public
            config.credentials_encrypted = seal_config_secrets(vault, project_id, config.id, secrets)
    if scopes is not None:
        settings["scopes"] = schemes.parse_scopes(scopes)
    if user_scopes is not None:
        settings["user_scopes"] = schemes.parse_scopes(user_scopes, where="user_scopes")
    if patch.proxy_config_set:
        settings["proxy_config"] = _public_proxy(patch.proxy_config) if patch.proxy_config else None
    if patch.name is not None:
        if not patch.name.strip():
            raise ValidationError("name must not be empty")
        config.name = patch.name.strip()[:200]
    config.settings = settings
    db.flush()
    return config


def set_auth_config_status(db: Session, project_id: str, config_id: str, status: str) -> AuthConfig:
    if status not in AUTH_CONFIG_STATUSES:
        raise ValidationError(
            f"Unknown auth config status {status!r}",
            suggested_fix="Use ENABLED or DISABLED.",
        )
    config = get_auth_config(db, project_id, config_id)
    config.status = status
    db.flush()
    return config


def config_accounts(db: Session, config: AuthConfig) -> list[ConnectedAccount]:
    return list(
        db.scalars(select(ConnectedAccount).where(ConnectedAccount.auth_config_id == config.id)).all()
    )


def delete_auth_config(db: Session, project_id: str, config_id: str) -> list[ConnectedAccount]:
    """Delete the config and its connected accounts; returns the deleted accounts."""
    config = get_auth_config(db, project_id, config_id)
    accounts = config_accounts(db, config)
    db.execute(delete(ConnectedAccount).where(ConnectedAccount.auth_config_id == config.id))
    db.delete(config)
    db.flush()
    return accounts
