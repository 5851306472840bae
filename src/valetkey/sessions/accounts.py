"""The session's side of connected accounts: load the user's accounts, pick one, start a new one.

The rules are in `policy.py`; this module feeds them rows and acts on their
answers. Every query is scoped to the session's project *and* user, so a
session never sees another user's accounts, whatever its config says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import Toolkit
from valetkey.connections import link as links
from valetkey.connections.accounts import expire_stale_initiations
from valetkey.connections.configs import AuthConfigInput, create_auth_config, no_managed_auth
from valetkey.connections.managed import ManagedAuthError, managed_scheme
from valetkey.connections.models import MANAGED, AuthConfig, ConnectedAccount
from valetkey.core.errors import BadRequest
from valetkey.execution.state import ExecutionState
from valetkey.sessions import policy
from valetkey.sessions.config import SessionConfig


@dataclass(frozen=True)
class UserAccount:
    """One of the user's accounts: the facts selection needs, plus what listings show."""

    facts: policy.AccountFacts
    toolkit: str
    user_id: str
    auth_scheme: str
    is_managed: bool

    @property
    def id(self) -> str:
        return self.facts.id


def load_user_accounts(
    db: Session, project_id: str, user_id: str, toolkits: Sequence[str] | None = None
) -> dict[str, list[UserAccount]]:
    """The user's accounts by toolkit slug (every toolkit when `toolkits` is None)."""
    expire_stale_initiations(db, project_id=project_id)
    query = (
        select(
            ConnectedAccount.id,
            ConnectedAccount.auth_config_id,
            ConnectedAccount.status,
            ConnectedAccount.is_disabled,
            ConnectedAccount.created_at,
            ConnectedAccount.alias,
            ConnectedAccount.toolkit_slug,
            ConnectedAccount.user_id,
            AuthConfig.auth_scheme,
            AuthConfig.type,
        )
        .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
        .where(ConnectedAccount.project_id == project_id, ConnectedAccount.user_id == user_id)
    )
    if toolkits is not None:
        query = query.where(ConnectedAccount.toolkit_slug.in_([t.lower() for t in toolkits]))
    out: dict[str, list[UserAccount]] = {}
    for row in db.execute(query):
        facts = policy.AccountFacts(
            row.id, row.auth_config_id, row.status, row.is_disabled, row.created_at, row.alias
        )
        out.setdefault(row.toolkit_slug, []).append(
            UserAccount(facts, row.toolkit_slug, row.user_id, row.auth_scheme, row.type == MANAGED)
        )
    return out


def shown_account(config: SessionConfig, toolkit: str, accounts: Sequence[UserAccount]) -> UserAccount | None:
    """The account a listing shows for a toolkit: the one calls would use, else the newest in scope."""
    rule = policy.account_rule(config, toolkit)
    facts = [a.facts for a in accounts]
    chosen = policy.pick_account(rule, facts) or next(iter(policy.accounts_in_scope(rule, facts)), None)
    if chosen is None:
        return None
    return next(a for a in accounts if a.id == chosen.id)


async def choose_account(
    state: ExecutionState, project_id: str, config: SessionConfig, toolkit: str, explicit: str | None = None
) -> policy.AccountFacts | None:
    """The account a call of `toolkit` runs as in this session, or None when there is no usable one."""

    def _load() -> list[UserAccount]:
        with state.db.session() as db:
            return load_user_accounts(db, project_id, config.user_id, [toolkit]).get(toolkit, [])

    accounts = await run_in_threadpool(_load)
    rule, facts = policy.account_rule(config, toolkit), [a.facts for a in accounts]
    choices = policy.selection_needed(config, rule, facts, explicit=explicit)
    if choices:
        raise BadRequest(
            f"The user has {len(choices)} active {toolkit} accounts and this session requires choosing one "
            f"(multi_account.require_explicit_selection): {', '.join(a.id for a in choices)}",
            slug="AccountSelectionRequired",
            suggested_fix="Pass account=<connected account id> with the call (the `account` field of each "
            "COMPOSIO_MULTI_EXECUTE_TOOL entry).",
        )
    return policy.pick_account(rule, facts, explicit=explicit)


# -- new connections ----------------------------------------------------------------------------


def _managed_available(state: ExecutionState, toolkit: Toolkit) -> bool:
    try:
        return managed_scheme(toolkit, state.managed_apps.get(toolkit.slug)) not in (None, "NO_AUTH")
    except ManagedAuthError:
        return False


def link_auth_config(
    state: ExecutionState, db: Session, project_id: str, config: SessionConfig, toolkit: Toolkit
) -> str:
    """The auth config a new connection of `toolkit` uses in this session, creating the managed one if needed."""
    rule = policy.account_rule(config, toolkit.slug)
    pinned_config = None
    if rule.source == "connected_accounts":
        pinned_config = db.scalar(
            select(ConnectedAccount.auth_config_id).where(
                ConnectedAccount.project_id == project_id, ConnectedAccount.id == rule.account_ids[0]
            )
        )
    existing = [
        policy.AuthConfigFacts(row.id, row.status == "ENABLED", row.created_at)
        for row in db.execute(
            select(AuthConfig.id, AuthConfig.status, AuthConfig.created_at).where(
                AuthConfig.project_id == project_id, AuthConfig.toolkit_slug == toolkit.slug
            )
        )
    ]
    plan = policy.plan_link_auth_config(
        rule,
        pinned_config_id=pinned_config,
        existing=existing,
        managed_available=_managed_available(state, toolkit),
    )
    if plan.action == "use" and plan.auth_config_id is not None:
        return plan.auth_config_id
    if plan.action == "create_managed":
        created = create_auth_config(
            db, state.vault, state.managed_apps, project_id, toolkit, AuthConfigInput(type=MANAGED)
        )
        return created.id
    raise no_managed_auth(toolkit)


@dataclass(frozen=True)
class StartedLink:
    account_id: str
    token: str
    redirect_url: str
    expires_at: dt.datetime


def start_link(
    state: ExecutionState,
    project_id: str,
    config: SessionConfig,
    toolkit: Toolkit,
    *,
    callback_url: str | None = None,
    alias: str | None = None,
) -> StartedLink:
    """A hosted Connect Link for the session's user and `toolkit` (runs in a worker thread)."""
    if toolkit.no_auth:
        raise BadRequest(
            f"Toolkit {toolkit.slug} needs no connection",
            slug="NoAuthToolkit",
            suggested_fix="Execute its tools directly.",
        )
    with state.db.session() as db:
        existing = load_user_accounts(db, project_id, config.user_id, [toolkit.slug]).get(toolkit.slug, [])
        if config.multi_account and policy.at_account_limit(config, [a.facts for a in existing]):
            raise BadRequest(
                f"The user already has {config.multi_account.limit} {toolkit.slug} accounts, the most this "
                f"session allows (multi_account.max_accounts_per_toolkit)",
                slug="AccountLimitReached",
                suggested_fix="Use one of the existing accounts, delete one, or raise max_accounts_per_toolkit "
                '(PATCH the session with {"multi_account": {"max_accounts_per_toolkit": N}}, at most 10).',
            )
        auth_config_id = link_auth_config(state, db, project_id, config, toolkit)
    created = links.create_link(
        state,
        project_id,
        auth_config_id=auth_config_id,
        user_id=config.user_id,
        callback_url=callback_url or config.manage_connections.callback_url,
        alias=alias,
        prefill=None,
    )
    return StartedLink(created.account_id, created.token, created.url, created.expires_at)
