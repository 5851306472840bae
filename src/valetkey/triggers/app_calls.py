"""Calls to an app's API as a trigger's connected account (hook registration, polling).

The account's credentials go on the request as for tools (`apply_credentials`), a
refused OAuth token is refreshed once (`send_renewing`), and the request goes
through `state.trigger_http`: the webhook egress policy, so
`VALETKEY_WEBHOOK_ALLOW_PRIVATE=1` reaches a GitHub Enterprise or an emulator on
a private address too.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.catalog.model import Toolkit
from valetkey.connections.request_auth import CredentialError, apply_credentials
from valetkey.core.errors import ApiError
from valetkey.execution.connection import Connection, resolve_connection
from valetkey.execution.renewal import Sent, connection_renewer, send_renewing
from valetkey.net.request import UpstreamRequest
from valetkey.net.upstream import UpstreamOutcome
from valetkey.triggers.providers.base import AppCall, Form
from valetkey.triggers.state import TriggersState

# Headers each app's API wants on every call (as its tools send them).
HEADERS = {
    "github": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
    "stripe": {"Accept": "application/json", "Stripe-Version": "2025-09-30.clover"},
    "notion": {"Accept": "application/json", "Notion-Version": "2025-09-03"},
}


def app_call(state: TriggersState, project_id: str, toolkit: Toolkit, account_id: str | None) -> AppCall:
    """Calls as `account_id`, or with no credentials when it is None (a NO_AUTH toolkit's trigger)."""

    async def call(method: str, path: str, body: Any, query: dict[str, str] | None) -> UpstreamOutcome:
        connection = await resolve_connection(
            state, project_id, toolkit, needs_auth=account_id is not None, connected_account_id=account_id
        )
        headers = dict(HEADERS.get(toolkit.slug, {"Accept": "application/json"}))
        # An https URL is a second host of the app (Hacker News' Firebase API), as a tool's `http.base_url`.
        url = path if path.startswith("https://") else connection.base_url.rstrip("/") + path
        params = tuple((query or {}).items())
        if isinstance(body, Form):
            request = UpstreamRequest(method, url, headers, params, "form", list(body.fields))
        elif body is not None:
            request = UpstreamRequest(method, url, headers, params, "raw", json.dumps(body).encode())
            request = request.with_header("Content-Type", "application/json")
        else:
            request = UpstreamRequest(method, url, headers, params)

        async def send(connection: Connection) -> Sent:
            try:
                signed = apply_credentials(request, connection.scheme, connection.values)
            except CredentialError as exc:
                raise ApiError(str(exc), status=422, slug="ConnectionCredentialsInvalid") from None
            return signed, await state.trigger_http.send(signed)

        _, _, outcome = await send_renewing(connection, send, connection_renewer(state))
        return outcome

    return call
