"""The Trello emulator: the Trello REST API (``https://api.trello.com/1``) for the trello toolkit's tools.

Mounted at ``{sandbox}/trello``: the API at ``/1/...``. Credentials are an
application API key plus a member's token, in the query string
(``?key=...&token=...``) or in ``Authorization: OAuth oauth_consumer_key="...",
oauth_token="..."``, as Trello takes them. Tokens carry Trello's scopes
(``read``, ``write``, ``account``); a write without ``write`` answers 401
``unauthorized permission requested``. Errors are Trello's plain-text bodies
(see `kit`). ``/1/authorize`` is Trello's token authorization page: it
redirects to ``return_url`` with ``#token=...`` for the member named by
``sandbox_user`` (default ``ada``). OAuth 1.0a, as Trello offers it for
applications acting for many members: ``/1/OAuthGetRequestToken``,
``/1/OAuthAuthorizeToken`` (with Trello's ``scope``, ``expiration`` and
``name``) and ``/1/OAuthGetAccessToken``; requests signed with the access
token (HMAC-SHA1) act for the member who approved, with the approved scopes.
The sandbox application is consumer ``SANDBOX_KEY`` / ``SANDBOX_SECRET``.

Admin: ``POST /_sandbox/trello/tokens`` with ``{"member", "scopes"?}`` answers
``{"key", "token"}``; in process, ``issue_token(app, member, scopes)``.

Starting state (`state.initial_state`): members ada (default login), grace and
linus; ada's boards "Roadmap" (lists To Do, Doing, Done; three cards, a Bug
label, a checklist, one comment by grace; grace is a normal member; starred by
ada) and "Personal" (empty).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.emulator_http import json_response, read_json_body
from valetkey.sandbox.oauth1 import OAuth1Config, OAuth1Consumer, OAuth1Error, OAuth1Provider
from valetkey.sandbox.oauth1_routes import OAuth1Paths, oauth1_routes

from . import boards, cards
from .kit import Trello
from .state import SANDBOX_KEY, SANDBOX_SECRET, TrelloState, initial_state, seed

SLUG = "trello"
SCOPES = ("read", "write", "account")


def issue_token(app: SandboxApp, member: str = "ada", scopes: tuple[str, ...] = ("read", "write")) -> str:
    """A token of the sandbox key for `member` (username or id), as if they had authorized the app."""
    with app.store.transaction() as state:
        return state.issue_token(member, scopes)


def create_app() -> SandboxApp:
    store: StateStore[TrelloState] = StateStore(initial_state)
    oauth1 = OAuth1Provider(OAuth1Config(default_subject="ada"))
    oauth1.register_consumer(OAuth1Consumer(SANDBOX_KEY, SANDBOX_SECRET, allow_loopback_callbacks=True))
    trello = Trello(store, oauth1)
    signed = oauth1_routes(
        oauth1,
        prefix="/1",
        paths=OAuth1Paths(
            request_token="/OAuthGetRequestToken",
            authorize=None,
            access_token="/OAuthGetAccessToken",
            userinfo=None,
        ),
    )

    async def authorize_token(request: Request) -> Response:
        """Trello's OAuth 1.0a approval page: ``scope`` (read, write, account) and ``expiration`` are Trello's own."""
        params = dict(request.query_params)
        scopes = [s for s in params.pop("scope", "read").split(",") if s]
        if not scopes or not set(scopes) <= set(SCOPES):
            return PlainTextResponse("invalid scope", 400)
        if params.pop("expiration", "30days") not in ("1hour", "1day", "30days", "never"):
            return PlainTextResponse("invalid expiration", 400)
        params.pop("name", None)
        # The provider keeps one subject per grant: the member and the scopes they approved.
        params["sandbox_user"] = f"{params.get('sandbox_user', 'ada')}:{','.join(scopes)}"
        try:
            outcome = oauth1.authorization_request(params)
        except OAuth1Error as error:
            return PlainTextResponse(error.description, error.status)
        if isinstance(outcome, dict):
            return json_response(outcome)
        return RedirectResponse(outcome, 302)

    async def authorize(request: Request) -> Response:
        params = request.query_params
        if params.get("key") not in store.state.keys:
            return PlainTextResponse("invalid key", 401)
        scopes = tuple(s for s in params.get("scope", "read").split(",") if s)
        if not scopes or not set(scopes) <= set(SCOPES):
            return PlainTextResponse("invalid scope", 400)
        return_url = params.get("return_url", "")
        if params.get("response_type", "token") != "token" or urlsplit(return_url).hostname not in (
            "127.0.0.1",
            "localhost",
        ):
            return PlainTextResponse("invalid return_url", 400)
        with store.transaction() as state:
            try:
                token = state.issue_token(params.get("sandbox_user", "ada"), scopes, params["key"])
            except KeyError:
                return PlainTextResponse("unknown sandbox_user", 400)
        return RedirectResponse(f"{return_url}#token={token}", 302)

    async def admin_token(request: Request) -> Response:
        body, ok = await read_json_body(request)
        if not ok or not isinstance(body, dict) or not isinstance(body.get("member", "ada"), str):
            return json_response({"error": "expected {member, scopes?}"}, 400)
        scopes: Any = body.get("scopes", ["read", "write"])
        if not isinstance(scopes, list) or not set(scopes) <= set(SCOPES):
            return json_response({"error": f"scopes are among {', '.join(SCOPES)}"}, 400)
        with store.transaction() as state:
            try:
                token = state.issue_token(body.get("member", "ada"), tuple(scopes))
            except KeyError as missing:
                return json_response({"error": str(missing)}, 404)
        return json_response({"key": SANDBOX_KEY, "token": token}, 201)

    routes = [
        Route("/1/authorize", authorize, methods=["GET"]),
        Route("/1/OAuthAuthorizeToken", authorize_token, methods=["GET"]),
        *signed,
        *boards.routes(trello),
        *cards.routes(trello),
    ]
    return SandboxApp(
        SLUG, routes, store, seed=seed, admin_routes=[Route("/tokens", admin_token, methods=["POST"])]
    )
