"""The Asana emulator: app.asana.com/api/1.0 for the operations the asana toolkit uses.

Mounted at ``{sandbox}/asana`` with the API under ``/api/1.0`` and Asana's
OAuth endpoints at their real paths (``/-/oauth_authorize``,
``/-/oauth_token``). A token minted with `SandboxApp.issue_token` stands in
for a personal access token (both are bearer tokens). Every answer is
``{"data": ...}``; lists take ``limit`` (1-100) and an ``offset`` token and
answer ``next_page``; ``opt_fields`` picks the fields of listed objects (compact
otherwise); errors are ``{"errors": [{"message", "help"}]}``.

Starting state (`state.initial_state`): workspace Acme, users Ada (the
default account) and Grace, project Launch (sections "Untitled section" and
"Doing", two tasks, one comment) and tag "urgent".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.emulator_http import json_response, mount_root, read_json_body, request_token
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Config

from . import views
from .state import ADA, initial_state, seed
from .views import AsanaError, Call

SLUG = "asana"
API = "/api/1.0"
HELP = "For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors"


def error_body(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "help": HELP}]}


def create_app() -> SandboxApp:
    provider = OAuth2Provider(OAuth2Config(default_subject=ADA, access_token_prefix="2/"))
    store = StateStore(initial_state)

    def route(method: str, path: str, handler: Callable[[Call], Any], status: int = 200) -> Route:
        async def endpoint(request: Request) -> Response:
            body, ok = await read_json_body(request)
            if not ok:
                return json_response(error_body("Could not parse request data, invalid JSON"), 400)
            grant = provider.validate_access_token(request_token(request))
            if grant is None:
                return json_response({"errors": [{"message": "Not Authorized"}]}, 401)
            if body is not None and not (isinstance(body, dict) and isinstance(body.get("data", {}), dict)):
                return json_response(error_body("Request data must be a JSON object with a data key"), 400)
            with store.transaction() as state:
                call = Call(
                    request, state, grant.subject, (body or {}).get("data") or {}, mount_root(request) + API
                )
                try:
                    result = handler(call)
                except AsanaError as exc:
                    return json_response(error_body(exc.message), exc.status)
            if isinstance(result, Response):
                return result
            return json_response({"data": result}, status)

        return Route(API + path, endpoint, methods=[method])

    routes = oauth2_routes(
        provider,
        paths=OAuth2Paths(authorize="/-/oauth_authorize", token="/-/oauth_token", revoke=None, userinfo=None),
    )
    routes += [route(method, path, handler, status) for method, path, handler, status in views.ROUTES]
    return SandboxApp(SLUG, routes, store, oauth2=provider, seed=seed)
