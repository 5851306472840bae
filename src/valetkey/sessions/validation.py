"""Create-time checks of a session config against the catalog and the project's data.

A session is immutable, so a typo found later could never be fixed: every
slug and id is checked once, here, and a mistake fails creation with a 400
naming it. Auth configs and accounts are looked up in the caller's project
only; an id of another project reads as unknown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.catalog.registry import Catalog
from valetkey.connections.configs import config_by_name
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import BadRequest
from valetkey.sessions import custom_tools
from valetkey.sessions.config import PRELOAD_ALL, SessionConfig
from valetkey.sessions.custom_tools import CustomTools


def _bad(field: str, message: str, fix: str, slug: str = "ValidationError") -> BadRequest:
    return BadRequest(f"{field}: {message}", slug=slug, suggested_fix=fix)


def check_custom_tools(catalog: Catalog, found: CustomTools, where: str = "experimental") -> None:
    """Custom tools extend toolkits that exist; custom toolkits do not take a catalog toolkit's slug."""
    try:
        custom_tools.check_catalog(found, catalog.find_toolkit, where)
    except custom_tools.CustomToolError as exc:
        raise _bad(
            exc.field, exc.problem, "List toolkits with GET /api/v3/toolkits.", "ValidationError"
        ) from None


def check_catalog(catalog: Catalog, config: SessionConfig) -> None:
    """Toolkit and tool slugs of the config exist (tools in their toolkit's latest version)."""
    check_custom_tools(catalog, config.custom)
    named = [
        *(config.toolkits.enabled or ()),
        *config.toolkits.disabled,
        *config.tools,
        *config.auth_configs,
        *config.connected_accounts,
    ]
    unknown = sorted({slug for slug in named if catalog.find_toolkit(slug) is None})
    if unknown:
        raise _bad(
            "toolkits",
            f"unknown toolkit(s) {', '.join(unknown)}",
            "List toolkits with GET /api/v3/toolkits and use their slugs.",
            "ToolkitNotFound",
        )
    for toolkit, rules in config.tools.items():
        known = {tool.slug for tool in catalog.tools_at(toolkit)}
        wrong = [
            s
            for s in (*(rules.enabled or ()), *rules.disabled)
            if catalog.canonical_tool_slug(s) not in known
        ]
        if wrong:
            raise _bad(
                f"tools.{toolkit}",
                f"not tools of {toolkit}: {', '.join(wrong)}",
                f"List them with GET /api/v3/tools?toolkit_slug={toolkit}.",
                "ToolNotFound",
            )
    if config.preload != PRELOAD_ALL:
        wrong = [s for s in config.preload if catalog.canonical_tool_slug(s) is None]
        if wrong:
            raise _bad(
                "preload.tools",
                f"unknown tool(s) {', '.join(wrong)}",
                "Use tool slugs from GET /api/v3/tools.",
                "ToolNotFound",
            )


def canonical_slugs(catalog: Catalog, config: SessionConfig) -> SessionConfig:
    """`config` with every tool slug in the catalog's spelling: an alias (Composio's slug) becomes ours.

    Call after `check_catalog`, which made sure each one resolves.
    """

    def spelled(slugs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(catalog.canonical_tool_slug(s) or s for s in slugs))

    tools = {
        toolkit: replace(
            rules,
            enabled=None if rules.enabled is None else spelled(rules.enabled),
            disabled=spelled(rules.disabled),
        )
        for toolkit, rules in config.tools.items()
    }
    preload = config.preload if config.preload == PRELOAD_ALL else spelled(tuple(config.preload))
    if tools == config.tools and preload == config.preload:
        return config
    return replace(config, tools=tools, preload=preload)


def resolve_connection_names(db: Session, project_id: str, config: SessionConfig) -> SessionConfig:
    """`connection_name` (auth config names) as the pins they stand for.

    Each name's auth config becomes the session's auth config for its toolkit, and the user's
    newest ACTIVE enabled account on it is pinned (with none, the session connects new accounts
    on that auth config). A name whose toolkit `auth_configs` or `connected_accounts` already
    settles, or two names of one toolkit, are ambiguous: a 400 naming both.
    """
    if not config.connection_names:
        return config
    auth_configs = dict(config.auth_configs)
    pinned = dict(config.connected_accounts)
    named: dict[str, str] = {}
    for name in config.connection_names:
        found = config_by_name(db, project_id, name)
        toolkit = found.toolkit_slug
        where = f"connection_name {name!r}"
        if toolkit in named:
            raise _bad(
                where,
                f"and connection_name {named[toolkit]!r} both name an auth config of {toolkit}",
                "Name one connection per toolkit.",
            )
        if toolkit in auth_configs and auth_configs[toolkit] != found.id:
            raise _bad(
                where,
                f"and auth_configs.{toolkit} ({auth_configs[toolkit]}) both choose the auth config of {toolkit}",
                "Send connection_name or auth_configs for a toolkit, not both.",
            )
        if toolkit in pinned:
            raise _bad(
                where,
                f"and connected_accounts.{toolkit} both choose the account of {toolkit}",
                "Send connection_name or connected_accounts for a toolkit, not both.",
            )
        named[toolkit] = name
        auth_configs[toolkit] = found.id
        account = db.scalars(
            select(ConnectedAccount.id)
            .where(
                ConnectedAccount.project_id == project_id,
                ConnectedAccount.auth_config_id == found.id,
                ConnectedAccount.user_id == config.user_id,
                ConnectedAccount.status == "ACTIVE",
                ConnectedAccount.is_disabled.is_(False),
            )
            .order_by(ConnectedAccount.created_at.desc(), ConnectedAccount.id.desc())
            .limit(1)
        ).first()
        if account is not None:
            pinned[toolkit] = (account,)
    return replace(config, auth_configs=auth_configs, connected_accounts=pinned, connection_names=())


def check_references(db: Session, project_id: str, config: SessionConfig) -> None:
    """Auth configs and pinned accounts exist in the project, match their toolkit and the session's user."""
    for toolkit, config_id in config.auth_configs.items():
        row = db.execute(
            select(AuthConfig.toolkit_slug, AuthConfig.status).where(
                AuthConfig.project_id == project_id, AuthConfig.id == config_id
            )
        ).first()
        if row is None:
            raise _bad(
                f"auth_configs.{toolkit}",
                f"auth config {config_id} not found",
                "List auth configs with GET /api/v3/auth_configs.",
                "AuthConfigNotFound",
            )
        if row.toolkit_slug != toolkit:
            raise _bad(
                f"auth_configs.{toolkit}",
                f"auth config {config_id} is for {row.toolkit_slug}",
                f"Pass an auth config of {toolkit}.",
            )
        if row.status != "ENABLED":
            raise _bad(
                f"auth_configs.{toolkit}",
                f"auth config {config_id} is disabled",
                "Enable it first, or pass another one.",
                "AuthConfigDisabled",
            )
    for toolkit, account_ids in config.connected_accounts.items():
        for account_id in account_ids:
            _check_account(db, project_id, config.user_id, toolkit, account_id)


def _check_account(db: Session, project_id: str, user_id: str, toolkit: str, account_id: str) -> None:
    where = f"connected_accounts.{toolkit}"
    row: Any = db.execute(
        select(ConnectedAccount.toolkit_slug, ConnectedAccount.user_id, ConnectedAccount.is_disabled).where(
            ConnectedAccount.project_id == project_id, ConnectedAccount.id == account_id
        )
    ).first()
    if row is None:
        raise _bad(
            where,
            f"connected account {account_id} not found",
            "List accounts with GET /api/v3/connected_accounts.",
            "ConnectedAccountNotFound",
        )
    if row.user_id != user_id:
        raise _bad(
            where,
            f"connected account {account_id} belongs to another user",
            "Pin only accounts of the session's user_id.",
            "ConnectedAccountUserMismatch",
        )
    if row.toolkit_slug != toolkit:
        raise _bad(
            where,
            f"connected account {account_id} is for {row.toolkit_slug}",
            f"Pin an account of {toolkit}.",
        )
    if row.is_disabled:
        raise _bad(
            where,
            f"connected account {account_id} is disabled",
            "Enable it, or pin another one.",
            "ConnectedAccountDisabled",
        )
