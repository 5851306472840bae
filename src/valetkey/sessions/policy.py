"""The session's rules as pure functions: which tools it reaches, which account and auth config it uses.

No I/O here, so every rule is unit-tested with plain values
(tests/test_sessions_policy.py). `accounts.py` feeds them rows from the
database.

Account selection follows the precedence of docs_configuring-sessions:

1. `connected_accounts` pinned in the session config;
2. `auth_configs` override: an account of the user on that auth config;
3. otherwise the user's accounts of the toolkit, on any auth config;

and, when one must be *created* (a Connect Link), the auth config comes from:
the pinned account's config, the `auth_configs` override, the auth config
previously created for the toolkit, a new managed auth config, or an error
when the installation has no managed auth for the toolkit. Among several
usable accounts, the most recently connected one wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from valetkey.catalog.model import Tool
from valetkey.sessions.config import SessionConfig

# -- tools --------------------------------------------------------------------------------------


def toolkit_allowed(config: SessionConfig, toolkit: str) -> bool:
    return config.toolkits.admits(toolkit.lower())


def tool_allowed(config: SessionConfig, tool: Tool) -> bool:
    """Whether the session reaches `tool`.

    Toolkit filter first; then the toolkit's own tool rules, where an
    explicit `enable` list is final and `disable` removes tools; then tags,
    the toolkit's own tags replacing the global ones.
    """
    toolkit = tool.toolkit.lower()
    if not config.toolkits.admits(toolkit):
        return False
    rules = config.tools.get(toolkit)
    tags = config.tags
    if rules is not None:
        if rules.enabled is not None:
            return tool.slug in rules.enabled
        if tool.slug in rules.disabled:
            return False
        if rules.tags is not None:
            tags = rules.tags
    return tags is None or tags.admits(tool.tags)


# -- accounts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFacts:
    """What selection needs to know about one of the user's connected accounts."""

    id: str
    auth_config_id: str
    status: str
    is_disabled: bool
    created_at: dt.datetime
    alias: str | None = None

    @property
    def usable(self) -> bool:
        return self.status == "ACTIVE" and not self.is_disabled


Source = Literal["connected_accounts", "auth_configs", "default"]


@dataclass(frozen=True)
class AccountRule:
    """Where the session may take a toolkit's account from (precedence steps 1 to 3)."""

    source: Source
    account_ids: tuple[str, ...] = ()
    auth_config_id: str | None = None


def account_rule(config: SessionConfig, toolkit: str) -> AccountRule:
    toolkit = toolkit.lower()
    if toolkit in config.connected_accounts:
        return AccountRule("connected_accounts", account_ids=config.connected_accounts[toolkit])
    if toolkit in config.auth_configs:
        return AccountRule("auth_configs", auth_config_id=config.auth_configs[toolkit])
    return AccountRule("default")


def _newest_first(accounts: Sequence[AccountFacts]) -> list[AccountFacts]:
    return sorted(accounts, key=lambda a: (a.created_at, a.id), reverse=True)


def accounts_in_scope(rule: AccountRule, accounts: Sequence[AccountFacts]) -> list[AccountFacts]:
    """The user's accounts the rule lets the session use, whatever their status; preferred first."""
    if rule.source == "connected_accounts":
        by_id = {a.id: a for a in accounts}
        return [by_id[i] for i in rule.account_ids if i in by_id]
    if rule.source == "auth_configs":
        accounts = [a for a in accounts if a.auth_config_id == rule.auth_config_id]
    return _newest_first(accounts)


def pick_account(
    rule: AccountRule, accounts: Sequence[AccountFacts], *, explicit: str | None = None
) -> AccountFacts | None:
    """The account a call runs as: the first usable one in scope (optionally only `explicit`, an id or alias)."""
    for account in accounts_in_scope(rule, accounts):
        if account.usable and (explicit is None or explicit in (account.id, account.alias)):
            return account
    return None


def selection_needed(
    config: SessionConfig, rule: AccountRule, accounts: Sequence[AccountFacts], *, explicit: str | None = None
) -> list[AccountFacts]:
    """The usable accounts a call must choose among, when the session requires an explicit choice.

    Empty unless `multi_account.require_explicit_selection` is on, no account
    was named, and more than one usable account is in scope: then taking the
    newest silently would be a guess the session asked not to make.
    """
    multi = config.multi_account
    if explicit is not None or multi is None or not multi.enable or not multi.require_explicit_selection:
        return []
    usable = [a for a in accounts_in_scope(rule, accounts) if a.usable]
    return usable if len(usable) > 1 else []


def at_account_limit(config: SessionConfig, accounts: Sequence[AccountFacts]) -> bool:
    """Whether the user already has `max_accounts_per_toolkit` live accounts, so no new one may start."""
    multi = config.multi_account
    if multi is None or not multi.enable:
        return False
    live = [a for a in accounts if not a.is_disabled and a.status in ("ACTIVE", "INITIATED", "EXPIRED")]
    return len(live) >= multi.limit


# -- auth configs for new connections -----------------------------------------------------------


@dataclass(frozen=True)
class AuthConfigFacts:
    id: str
    enabled: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class LinkPlan:
    """How a new connection gets its auth config: `use` an existing one, `create_managed`, or `none`."""

    action: Literal["use", "create_managed", "none"]
    auth_config_id: str | None = None


def plan_link_auth_config(
    rule: AccountRule,
    *,
    pinned_config_id: str | None,
    existing: Sequence[AuthConfigFacts],
    managed_available: bool,
) -> LinkPlan:
    """The auth config a Connect Link for this toolkit uses (precedence steps 1 to 5).

    `pinned_config_id` is the auth config of the session's pinned account,
    `existing` the project's auth configs of the toolkit.
    """
    if rule.source == "connected_accounts" and pinned_config_id:
        return LinkPlan("use", pinned_config_id)
    if rule.source == "auth_configs":
        return LinkPlan("use", rule.auth_config_id)
    enabled = sorted((c for c in existing if c.enabled), key=lambda c: (c.created_at, c.id), reverse=True)
    if enabled:
        return LinkPlan("use", enabled[0].id)
    if managed_available:
        return LinkPlan("create_managed")
    return LinkPlan("none")
