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
from valetkey.core.errors import BadRequest, Conflict, NotFound, ValidationError
from valetkey.core.ids import new_id
from valetkey.core.validation import unsupported_field
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
    # {"tools_available_for_execution": [...], "tools_for_connected_account_creation": [...]}
    tool_access_config: Mapping[str, Any] | None = None
    restrict_to_following_tools: Sequence[str] | None = None  # deprecated spelling of the first


@dataclass(frozen=True)
class AuthConfigPatch:
    """PATCH /auth_configs/{id}: `type` is "custom" or "default" and must match the config."""

    type: str
    name: str | None = None
    credentials: Mapping[str, Any] | None = None
    scopes: Any = None
    tool_access_config: Mapping[str, Any] | None = None
    restrict_to_following_tools: Sequence[str] | None = None


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


EXECUTABLE = "tools_available_for_execution"
SCOPING = "tools_for_connected_account_creation"


def allowed_tools(settings: Mapping[str, Any] | None) -> frozenset[str]:
    """The only tools accounts of a config with these settings may execute; empty: every tool."""
    access = (settings or {}).get("tool_access_config") or {}
    listed = access.get(EXECUTABLE) or (settings or {}).get("restrict_to_following_tools") or ()
    return frozenset(slug.upper() for slug in listed)


def _known_tools(toolkit: Toolkit, slugs: Sequence[str], where: str) -> list[str]:
    """`slugs` upper-cased, each a tool of `toolkit` (a 400 naming the first that is not)."""
    tools = {tool.slug.upper() for tool in toolkit.tools}
    out = []
    for slug in slugs:
        if slug.upper() not in tools:
            raise ValidationError(
                f"{where}: {slug} is not a tool of toolkit {toolkit.slug}",
                suggested_fix=f"List the toolkit's tools with GET /api/v3/tools?toolkit_slug={toolkit.slug}.",
            )
        if slug.upper() not in out:
            out.append(slug.upper())
    return out


def _access_settings(
    toolkit: Toolkit, data: AuthConfigInput | AuthConfigPatch, current: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str] | None]:
    """(settings to merge, scopes the tools for account creation need, or None when none were named).

    `tools_available_for_execution` (or its deprecated spelling `restrict_to_following_tools`)
    is enforced at execution (`allowed_tools`); both spellings are kept equal.
    """
    access = dict(data.tool_access_config or {})
    executable = access.get(EXECUTABLE)
    if executable is None:
        executable = data.restrict_to_following_tools
    elif data.restrict_to_following_tools is not None and [s.upper() for s in executable] != [
        s.upper() for s in data.restrict_to_following_tools
    ]:
        raise ValidationError(
            f"restrict_to_following_tools and tool_access_config.{EXECUTABLE} disagree; send one of them",
            suggested_fix=f"Send tool_access_config.{EXECUTABLE} only (the other is its deprecated spelling).",
        )
    merged = dict(current.get("tool_access_config") or {})
    out: dict[str, Any] = {}
    if executable is not None:
        merged[EXECUTABLE] = _known_tools(toolkit, executable, f"tool_access_config.{EXECUTABLE}")
        out["restrict_to_following_tools"] = merged[EXECUTABLE]
    scoped: list[str] | None = None
    if access.get(SCOPING) is not None:
        merged[SCOPING] = _known_tools(toolkit, access[SCOPING], f"tool_access_config.{SCOPING}")
        if merged[SCOPING]:
            by_slug = {tool.slug.upper(): tool for tool in toolkit.tools}
            scoped = sorted({scope for slug in merged[SCOPING] for scope in by_slug[slug].scopes})
    if merged != (current.get("tool_access_config") or {}):
        out["tool_access_config"] = merged
    return out, scoped


def _check_scopes_apply(mode: str, scopes: Sequence[str] | None, scoped: list[str] | None) -> None:
    """Scopes mean something only to the OAuth schemes: elsewhere they would be stored and ignored."""
    if mode in schemes.REDIRECT_SCHEMES:
        return
    if scopes:
        raise unsupported_field("credentials.scopes", f"the {mode} scheme requests no OAuth scopes")
    if scoped is not None:
        raise unsupported_field(
            f"tool_access_config.{SCOPING}",
            f"the {mode} scheme requests no OAuth scopes to derive from tools",
        )


def _with_tool_scopes(scopes: list[str] | None, scoped: list[str] | None) -> list[str] | None:
    """The explicit scopes plus those the named tools need (the tools' alone replace the defaults)."""
    if scoped is None:
        return scopes
    return sorted({*(scopes or ()), *scoped})


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
    settings, scoped = _access_settings(toolkit, data, {})
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
    _check_scopes_apply(scheme.mode, scopes, scoped)
    scopes = _with_tool_scopes(scopes, scoped)
    if scheme.mode in schemes.REDIRECT_SCHEMES:
        default = (
            list(app.scopes) if app is not None and app.scopes is not None else list(scheme.default_scopes)
        )
        settings["scopes"] = scopes if scopes is not None else default
        if user_scopes:
            settings["user_scopes"] = user_scopes
    label = "managed" if data.type == MANAGED else "custom"
    config = AuthConfig(
        id=config_id,
        project_id=project_id,
        toolkit_slug=toolkit.slug,
        name=unique_name(
            db, project_id, data.name or f"{toolkit.name} {label} {mode}", explicit=bool(data.name)
        ),
        type=data.type,
        auth_scheme=mode,
        status="ENABLED",
        settings=settings,
        credentials_encrypted=sealed,
    )
    db.add(config)
    db.flush()
    return config


def name_taken(name: str) -> Conflict:
    return Conflict(
        f"An auth config named {name!r} already exists in this project",
        slug="AuthConfigNameExists",
        suggested_fix="Names are unique within a project (a name is a connection_name): choose another one.",
    )


def unique_name(
    db: Session, project_id: str, name: str, *, explicit: bool, exclude: str | None = None
) -> str:
    """An auth config's name, unique within its project: a name given twice is refused (it names
    the connection in `connection_name`); a default name gets the first free " 2", " 3"... suffix."""
    name = name.strip()[:200]
    query = select(AuthConfig.name).where(AuthConfig.project_id == project_id)
    if exclude:
        query = query.where(AuthConfig.id != exclude)
    taken = set(db.scalars(query))
    if name not in taken:
        return name
    if explicit:
        raise name_taken(name)
    n = 2
    while f"{name} {n}"[:200] in taken:
        n += 1
    return f"{name} {n}"[:200]


def config_by_name(db: Session, project_id: str, name: str) -> AuthConfig:
    """The auth config a `connection_name` names (Scalekit's word for an auth config)."""
    config = db.scalars(
        select(AuthConfig).where(AuthConfig.project_id == project_id, AuthConfig.name == name)
    ).first()
    if config is None:
        raise NotFound(
            f"No auth config named {name!r} (connection_name) in this project",
            slug="AuthConfigNotFound",
            suggested_fix="List auth configs with GET /api/v3/auth_configs; connection_name is an auth config's name.",
        )
    return config


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
    access, scoped = _access_settings(toolkit, patch, settings)
    settings.update(access)
    scopes = patch.scopes
    if patch.credentials is not None:
        scopes = patch.credentials.get("scopes", scopes)
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
    parsed = schemes.parse_scopes(scopes) if scopes is not None else None
    _check_scopes_apply(config.auth_scheme, parsed, scoped)
    if parsed is not None or scoped is not None:
        settings["scopes"] = _with_tool_scopes(parsed, scoped)
    if patch.name is not None:
        if not patch.name.strip():
            raise ValidationError("name must not be empty")
        config.name = unique_name(db, project_id, patch.name, explicit=True, exclude=config.id)
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
