"""Starting a redirect flow: from an INITIATED account to the provider's consent page.

OAuth 2.0: a fresh `state` and PKCE verifier, recorded server-side
(`valetkey.connections.flows`), and the provider's authorization URL carrying the
state, the S256 challenge and our exact redirect URI.

OAuth 1.0a: a request token obtained now (signed POST), its secret sealed in
the flow record, and the provider's authorize URL. Our OAuth 1 callback URL
carries the `state` in its query, so both protocols land on one callback
and are matched the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.concurrency import run_in_threadpool

from valetkey.connections import flows, oauth1_client, oauth2_client
from valetkey.connections.oauth2_client import TokenError
from valetkey.connections.oauth_endpoints import oauth_app
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import ApiError, BadRequest, ValidationError

MAX_CALLBACK_URL = 2048


def check_callback_url(url: str | None) -> str | None:
    """The caller's post-flow landing URL: absolute http(s), or None. It is bound to the flow here."""
    if url is None or url == "":
        return None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if (
        parsed is None
        or parsed.scheme not in ("http", "https")
        or not parsed.host
        or len(url) > MAX_CALLBACK_URL
    ):
        raise ValidationError(
            "callback_url must be an absolute http(s) URL",
            suggested_fix="Pass the full URL of the page your users should land on, e.g. "
            "https://your-app.example/connected.",
        )
    return url


@dataclass(frozen=True)
class FlowStart:
    redirect_url: str
    flow_id: str


async def start_flow(
    state: ConnectionsState,
    *,
    project_id: str,
    account_id: str,
    scheme: Any,
    config: Any,
    credentials: Mapping[str, Any],
    values: Mapping[str, Any],
    callback_url: str | None,
) -> FlowStart:
    """Record a flow for `account_id` and return where to send the user's browser."""
    app = oauth_app(scheme, config, credentials, values)
    redirect_uri = flows.callback_redirect_uri(state.settings.public_url)
    state_value = flows.new_state()
    if app.mode == "OAUTH1":
        callback = str(httpx.URL(redirect_uri).copy_merge_params({"state": state_value}))
        try:
            temporary = await run_in_threadpool(
                oauth1_client.request_token, state.oauth_http, app, callback=callback
            )
        except TokenError as exc:
            if exc.error == "egress_refused":
                raise BadRequest(exc.description, slug="EgressRefused") from None
            raise ApiError(
                f"The provider refused to start the OAuth 1.0a flow ({exc.error})",
                status=502,
                slug="OAuthProviderError",
                suggested_fix="Check the auth config's consumer key and secret, and the provider's "
                "registered callback URL.",
            ) from None
        secret = {
            "oauth_token": temporary["oauth_token"],
            "oauth_token_secret": temporary["oauth_token_secret"],
        }
        url = oauth1_client.authorize_url(app, temporary["oauth_token"])
        redirect_uri = callback
    else:
        verifier = oauth2_client.new_code_verifier() if app.uses_pkce else None
        secret = {"code_verifier": verifier} if verifier else {}
        url = oauth2_client.authorization_url(
            app, redirect_uri=redirect_uri, state=state_value, code_verifier=verifier
        )

    def _record() -> str:
        with state.db.session() as db:
            return flows.record_flow(
                db,
                state.vault,
                project_id=project_id,
                account_id=account_id,
                kind=app.mode,
                redirect_uri=redirect_uri,
                callback_url=callback_url,
                secret=secret,
                state=state_value,
            )

    flow_id = await run_in_threadpool(_record)
    return FlowStart(url, flow_id)
