"""Hosted Connect Links: an INITIATED account plus an opaque, expiring, single-use token.

`create_link` makes both (the SDK's `connected_accounts.link`). The token is
the only key to the page at `{VALETKEY_PUBLIC_URL}/link/{token}`; only its
SHA-256 is stored. Reading the page never uses it up (link previewers fetch
URLs); it is consumed, with a conditional UPDATE, by the one action that
commits: "Continue" for OAuth (which starts the provider flow), or a form
submission whose values validate and verify. A form with errors keeps the
link usable so the user can correct it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from valetkey.connections import accounts, schemes
from valetkey.connections.configs import get_auth_config
from valetkey.connections.credentials import config_overrides, seal_account_state
from valetkey.connections.flow_models import ConnectLink
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.oauth_endpoints import config_credentials, scopes_for
from valetkey.connections.oauth_start import check_callback_url
from valetkey.connections.serializers import INITIATED_TTL
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import BadRequest, ValidationError
from valetkey.core.ids import hash_secret, new_id
from valetkey.core.validation import unsupported_field
from valetkey.store.db import affected_rows, utcnow
from valetkey.tenancy.models import Project
from valetkey.tenancy.service import project_is_live

LINK_TTL = dt.timedelta(minutes=10)
LINK_PATH = "/link/"
TOKEN_PREFIX = "lnk_"  # noqa: S105 (not a secret)


def link_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + LINK_PATH + token


@dataclass(frozen=True)
class NewLink:
    account_id: str
    token: str = field(repr=False)
    expires_at: dt.datetime
    url: str


def _prefill(scheme: Any, prefill: Mapping[str, Any] | None) -> dict[str, str]:
    """`connection_data` as the form's pre-filled values: only the scheme's non-secret fields.

    A secret would sit in a page's HTML and a field the form does not show would be
    dropped, so either is a 400 naming it rather than accepted and ignored.
    """
    public_names = [f.name for f in scheme.account_fields if not f.secret]
    out: dict[str, str] = {}
    for name, value in (prefill or {}).items():
        if value is None:
            continue
        if name not in public_names:
            raise unsupported_field(
                f"connection_data.{name}",
                f"the hosted form pre-fills only the {scheme.mode} scheme's non-secret fields "
                f"({', '.join(public_names) or 'none'})",
            )
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValidationError(f"connection_data.{name} must be a string")
        out[name] = str(value)
    return out


def create_link(
    state: ConnectionsState,
    project_id: str,
    *,
    auth_config_id: str,
    user_id: str,
    callback_url: str | None,
    alias: str | None,
    prefill: Mapping[str, Any] | None,
    ttl: dt.timedelta = LINK_TTL,
) -> NewLink:
    """Create the INITIATED account and its link (runs in a worker thread).

    `ttl` is how long the link works: longer than LINK_TTL for links sent by
    email (`valetkey import links`). An INITIATED account expires
    INITIATED_TTL after `status_changed_at`, so a longer link sets that point
    `ttl` ahead: the account waits exactly as long as its link.
    """
    callback_url = check_callback_url(callback_url)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with state.db.session() as db:
        config = get_auth_config(db, project_id, auth_config_id)
        if config.status != "ENABLED":
            raise BadRequest(
                f"Auth config {config.id} is disabled",
                slug="AuthConfigDisabled",
                suggested_fix=f"Enable it (PATCH /api/v3/auth_configs/{config.id}/ENABLED) first.",
            )
        if alias:
            accounts._check_alias(db, project_id, user_id, config.toolkit_slug, alias, exclude=None)
        toolkit = schemes.toolkit_of(state.catalog_for(project_id), config.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, config.auth_scheme)
        data: dict[str, Any] = {}
        if scheme.mode in schemes.REDIRECT_SCHEMES:
            data["requested_scopes"] = list(scopes_for(config, scheme, config_credentials(state, config)))
        data["prefill"] = _prefill(scheme, prefill)
        account_id = new_id("ca")
        db.add(
            ConnectedAccount(
                id=account_id,
                project_id=project_id,
                user_id=user_id,
                toolkit_slug=config.toolkit_slug,
                auth_config_id=config.id,
                auth_scheme=scheme.mode,
                status="INITIATED",
                status_changed_at=now + max(ttl - INITIATED_TTL, dt.timedelta(0)),
                alias=alias or None,
                data=data,
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        db.add(
            ConnectLink(
                id=new_id("lnk"),
                token_hash=hash_secret(token),
                project_id=project_id,
                account_id=account_id,
                callback_url=callback_url,
                expires_at=now + ttl,
                created_at=now,
            )
        )
    return NewLink(account_id, token, now + ttl, link_url(state.settings.public_url, token))


@dataclass(frozen=True)
class OpenLink:
    """Everything a link page needs, read in one go."""

    link_id: str
    project_id: str
    account_id: str
    callback_url: str | None
    account: Any
    config: Any
    toolkit: Any
    scheme: Any
    branding: dict[str, Any]


class LinkUnusable(Exception):
    """The token is unknown, used, expired, or its account is no longer waiting. `reason` is shown."""

    def __init__(self, title: str, reason: str):
        self.title = title
        self.reason = reason
        super().__init__(reason)


def branding(project: Project | None) -> dict[str, Any]:
    if project is None:
        return {}
    return {"name": project.setting("display_name") or project.name, "logo_url": project.setting("logo_url")}


def open_link(state: ConnectionsState, token: str) -> OpenLink:
    """The link for `token` if it can still be used (runs in a worker thread)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise LinkUnusable("Link not found", "This connection link is not valid. Ask the app for a new one.")
    now = utcnow()
    with state.db.session() as db:
        link = db.scalar(select(ConnectLink).where(ConnectLink.token_hash == hash_secret(token)))
        if link is None:
            raise LinkUnusable(
                "Link not found", "This connection link is not valid. Ask the app for a new one."
            )
        if link.consumed_at is not None:
            raise LinkUnusable(
                "Link already used", "This connection link was already used. Ask the app for a new one."
            )
        if link.expires_at <= now:
            raise LinkUnusable("Link expired", "This connection link has expired. Ask the app for a new one.")
        row = db.execute(
            select(ConnectedAccount, AuthConfig)
            .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
            .where(ConnectedAccount.id == link.account_id)
        ).first()
        project = db.get(Project, link.project_id)
        if project is None or project.deleted:
            raise LinkUnusable(
                "Link not found", "This connection link is not valid. Ask the app for a new one."
            )
        if row is None or row[0].status != "INITIATED" or row[0].is_disabled:
            raise LinkUnusable(
                "Link no longer valid", "This connection is no longer waiting. Ask the app for a new link."
            )
        account, config = row
    toolkit = schemes.toolkit_of(state.catalog_for(account.project_id), account.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, account.auth_scheme)
    return OpenLink(
        link.id,
        link.project_id,
        account.id,
        link.callback_url,
        account,
        config,
        toolkit,
        scheme,
        branding(project),
    )


def consume_link(db: Session, link_id: str) -> bool:
    """Use the link up; False if someone else already did (two tabs, a double click)."""
    now = utcnow()
    claimed = db.execute(
        update(ConnectLink)
        .where(ConnectLink.id == link_id, ConnectLink.consumed_at.is_(None), ConnectLink.expires_at > now)
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(claimed) == 1


def activate_with_values(
    state: ConnectionsState, link: OpenLink, checked: schemes.CheckedValues, label: str | None
) -> bool:
    """Consume the link and make the account ACTIVE with its sealed values, atomically. False if too late."""
    now = utcnow()
    with state.db.session() as db:
        if not consume_link(db, link.link_id):
            return False
        account = db.scalar(
            select(ConnectedAccount).where(ConnectedAccount.id == link.account_id).with_for_update()
        )
        if account is None or account.status != "INITIATED" or not project_is_live(db, link.project_id):
            db.rollback()  # the project may have been deleted while the provider verified the values
            return False
        public = {**checked.public}
        if label:
            public["account_label"] = label
        account.data = public
        account.state_encrypted = seal_account_state(state.vault, link.project_id, account.id, checked.secret)
        account.status, account.status_reason, account.status_changed_at = "ACTIVE", None, now
    return True


def verification_values(link: OpenLink, checked: schemes.CheckedValues) -> dict[str, Any]:
    return {**config_overrides(link.config.settings), **checked.merged()}
