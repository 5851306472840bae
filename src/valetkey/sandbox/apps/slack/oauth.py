"""Slack's OAuth v2: ``GET /oauth/v2/authorize`` and ``POST /api/oauth.v2.access``.

Slack asks for two kinds of scopes at once: `scope` for the app's bot token
(``xoxb-``) and `user_scope` for a token acting as the approving member
(``xoxp-``), both comma-separated. oauth.v2.access answers one JSON object:
the bot token at the top level (only when bot scopes were asked for) and the
user token under ``authed_user``; errors are HTTP 200 ``{"ok": false,
"error": "invalid_code"}``. The bot provider runs the code flow (so the
sandbox's OAuth admin routes and faults apply to it); the user token is minted
by a second provider for the same member.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from valetkey.sandbox.http import BadRequest, error_response, read_form, single_values
from valetkey.sandbox.oauth2_types import InvalidAuthorizationRequest, OAuth2Error

from .kit import Slack
from .state import APP_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME

SLACK_ERRORS = {
    "invalid_grant": "invalid_code",
    "invalid_client": "invalid_client_id",
    "invalid_request": "invalid_arguments",
    "unsupported_grant_type": "invalid_grant_type",
}


def oauth_routes(slack: Slack) -> list[Route]:
    # code -> user scopes asked for, and whether bot scopes were asked for.
    pending: dict[str, tuple[tuple[str, ...], bool]] = {}
    config = slack.bots.config

    async def authorize(request: Request) -> Response:
        try:
            params = single_values(request.query_params.multi_items())
        except BadRequest as exc:
            return error_response("invalid_request", str(exc))
        params.setdefault("response_type", "code")
        user_scopes = config.split_scopes(params.pop("user_scope", ""))
        wants_bot = bool(config.split_scopes(params.get("scope")))
        if not wants_bot and not user_scopes:
            return error_response("invalid_scope", "ask for `scope` (bot) and/or `user_scope` (user token)")
        try:
            location = await run_in_threadpool(slack.bots.authorization_request, params)
        except OAuth2Error as exc:
            return error_response(exc.error, exc.description, exc.status)
        code = parse_qs(urlsplit(location).query).get("code", [None])[0]
        if code:
            pending[code] = (user_scopes, wants_bot)
        return RedirectResponse(location, status_code=302)

    async def access(request: Request) -> Response:
        try:
            form = single_values(await read_form(request))
            form.setdefault("grant_type", "authorization_code")
            tokens = await run_in_threadpool(
                slack.bots.token_request, form, request.headers.get("authorization")
            )
        except BadRequest:
            return JSONResponse({"ok": False, "error": "invalid_arguments"})
        except InvalidAuthorizationRequest as exc:
            return JSONResponse({"ok": False, "error": SLACK_ERRORS.get(exc.error, exc.error)})
        except OAuth2Error as exc:
            if exc.status >= 500:
                return JSONResponse({"ok": False, "error": "internal_error"}, exc.status)
            return JSONResponse({"ok": False, "error": SLACK_ERRORS.get(exc.error, exc.error)})
        user_scopes, wants_bot = pending.pop(form.get("code", ""), ((), True))
        grant = slack.bots.validate_access_token(tokens["access_token"])
        member = grant.subject if grant else config.default_subject
        with slack.store.transaction() as state:
            member_id = state.ensure_user(member).id
        body: dict = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": member_id},
            "team": {"id": TEAM_ID, "name": TEAM_NAME},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if wants_bot:
            body.update(
                scope=tokens["scope"],
                token_type="bot",
                access_token=tokens["access_token"],
                bot_user_id=BOT_USER_ID,
            )
        else:
            slack.bots.revoke_token(tokens["access_token"])
        if user_scopes:
            user = slack.users.issue_tokens(
                grant.client_id if grant else "sandbox-client", member, user_scopes
            )
            body["authed_user"].update(
                scope=user["scope"], access_token=user["access_token"], token_type="user"
            )
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return [
        Route("/oauth/v2/authorize", authorize, methods=["GET"]),
        Route("/api/oauth.v2.access", access, methods=["POST"]),
    ]
