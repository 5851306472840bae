"""Finishing a redirect flow at `/api/v3/toolkits/auth/callback`.

Order matters for security: the `state` is consumed first (single use,
atomic), so nothing else in the request is trusted before we know which
flow it belongs to; the landing URL comes from the flow record, never from
the request; the provider's error text is stored as plain text and escaped
when shown. Only then is the code exchanged (with the PKCE verifier and the
exact redirect URI of the authorization request) and the account
activated, and only if it is still INITIATED.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from valetkey.connections import flows, oauth1_client, oauth2_client, schemes
from valetkey.connections.credentials import seal_account_state
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.oauth2_client import TokenError, TokenSet
from valetkey.connections.oauth_endpoints import config_credentials, oauth_app
from valetkey.connections.state import ConnectionsState
from valetkey.store.db import utcnow
from valetkey.tenancy.service import project_is_live

log = logging.getLogger("valetkey.connections.oauth")
MAX_REASON = 500


@dataclass(frozen=True)
class CallbackResult:
    """What the callback page does: redirect to `callback_url` if bound, else show the outcome."""

    account_id: str
    success: bool
    callback_url: str | None
    toolkit: str
    reason: str | None = None


class CallbackRefused(Exception):
    """No usable flow: unknown, replayed or expired state, or the account is gone. Never redirects."""

    def __init__(self, reason: str, status: int = 400):
        self.reason = reason
        self.status = status
        super().__init__(reason)


def complete_callback(state: ConnectionsState, params: Mapping[str, str]) -> CallbackResult:
    """Run in a worker thread: consume the flow, exchange, store. Raises CallbackRefused."""
    with state.db.session() as db:
        try:
            flow = flows.consume_flow(db, state.vault, params.get("state"))
        except flows.FlowRefused as exc:
            log.info("oauth callback refused: %s", exc.reason)
            raise CallbackRefused(exc.reason) from None
        if not project_is_live(db, flow.project_id):
            db.commit()  # the flow stays consumed
            raise CallbackRefused("The app this sign-in belongs to no longer exists.", status=404)
        row = db.execute(
            select(ConnectedAccount, AuthConfig)
            .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
            .where(ConnectedAccount.id == flow.account_id, ConnectedAccount.project_id == flow.project_id)
        ).first()
    if row is None:
        raise CallbackRefused("The connection this sign-in belongs to no longer exists.")
    account, config = row
    if account.status != "INITIATED" or account.is_disabled:
        raise CallbackRefused("This connection is no longer waiting for a sign-in. Start again from the app.")
    result = _outcome(state, flow, account, config, params)
    log.info("oauth callback for %s: %s", account.id, "ACTIVE" if result.success else "FAILED")
    return result


def _outcome(
    state: ConnectionsState, flow: flows.ConsumedFlow, account: Any, config: Any, params: Mapping[str, str]
) -> CallbackResult:
    def failed(reason: str) -> CallbackResult:
        reason = reason[:MAX_REASON]
        _finish(state, account.id, flow.project_id, status="FAILED", reason=reason)
        return CallbackResult(account.id, False, flow.callback_url, account.toolkit_slug, reason)

    provider_error = params.get("error") or ("access_denied" if params.get("denied") else None)
    if provider_error:
        description = params.get("error_description") or "The request was denied at the provider."
        return failed(f"{provider_error}: {description}")
    try:
        toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, account.auth_scheme)
        app = oauth_app(scheme, config, config_credentials(state, config), account.data or {})
    except Exception as exc:  # ApiError from a changed catalog or config: the flow cannot finish
        return failed(f"configuration_error: {getattr(exc, 'message', None) or type(exc).__name__}")
    http = state.oauth_http
    try:
        if flow.kind == "OAUTH1":
            tokens = _oauth1_tokens(http, app, flow, params)
        else:
            code = params.get("code")
            if not code:
                return failed("invalid_request: the provider sent no authorization code")
            tokens = oauth2_client.exchange_code(
                http,
                app,
                code=code,
                redirect_uri=flow.redirect_uri,
                code_verifier=flow.secret.get("code_verifier"),
                now=utcnow(),
            )
    except TokenError as exc:
        return failed(f"token_exchange_failed: {exc}")
    stored = _finish(state, account.id, flow.project_id, status="ACTIVE", reason=None, tokens=tokens)
    if not stored:
        raise CallbackRefused("This connection is no longer waiting for a sign-in. Start again from the app.")
    return CallbackResult(account.id, True, flow.callback_url, account.toolkit_slug)


def _oauth1_tokens(http: Any, app: Any, flow: flows.ConsumedFlow, params: Mapping[str, str]) -> TokenSet:
    sent = params.get("oauth_token") or ""
    expected = flow.secret.get("oauth_token") or ""
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise TokenError("token_rejected", "the provider returned a different request token")
    verifier = params.get("oauth_verifier")
    if not verifier:
        raise TokenError("verifier_absent", "the provider sent no oauth_verifier")
    body = oauth1_client.access_token(
        http, app, oauth_token=expected, token_secret=flow.secret["oauth_token_secret"], verifier=verifier
    )
    public_names = set(app.quirks.get("public_token_fields") or ())
    secret = {k: v for k, v in body.items() if k not in public_names}
    public = {k: v for k, v in body.items() if k in public_names}
    public["consumer_key"] = app.client_id
    return TokenSet(secret, public, None)


def _finish(
    state: ConnectionsState,
    account_id: str,
    project_id: str,
    *,
    status: str,
    reason: str | None,
    tokens: TokenSet | None = None,
) -> bool:
    """Move the account out of INITIATED (only from INITIATED); False if it had already left it."""
    now = utcnow()
    with state.db.session() as db:
        account = db.scalar(
            select(ConnectedAccount)
            .where(ConnectedAccount.id == account_id, ConnectedAccount.project_id == project_id)
            .with_for_update()
        )
        if account is None or account.status != "INITIATED" or not project_is_live(db, project_id):
            return False
        account.status, account.status_reason, account.status_changed_at = status, reason, now
        if tokens is not None:
            # The tokens are sealed before the row is written: no plain token ever reaches the database.
            account.state_encrypted = seal_account_state(state.vault, project_id, account_id, tokens.secret)
            account.data = {**(account.data or {}), **tokens.public}
            account.expires_at = tokens.expires_at
            account.refresh_failures = 0
        return True
