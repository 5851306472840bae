"""Starlette routes exposing an `OAuth2Provider`, mountable at any app's own paths.

An app emulator picks its provider's real paths as data::

    routes = oauth2_routes(provider, paths=OAuth2Paths(
        authorize="/login/oauth/authorize", token="/login/oauth/access_token",
        revoke=None, userinfo=None,
    ))

and guards its API routes with `grant_for_request` / `bearer_challenge`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from valetkey.sandbox.http import NO_STORE, BadRequest, error_response, read_form, single_values
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import Grant, InvalidAuthorizationRequest, OAuth2Error


@dataclass(frozen=True)
class OAuth2Paths:
    """Where each endpoint lives, relative to the mount prefix; ``None`` leaves it out."""

    authorize: str | None = "/authorize"
    token: str | None = "/token"
    revoke: str | None = "/revoke"
    userinfo: str | None = "/userinfo"


def oauth2_routes(
    provider: OAuth2Provider, *, prefix: str = "", paths: OAuth2Paths = OAuth2Paths()
) -> list[Route]:
    """Routes for ``provider`` at ``prefix + path`` for every path in ``paths``."""

    async def authorize(request: Request) -> Response:
        try:
            params = single_values(request.query_params.multi_items())
            location = await run_in_threadpool(provider.authorization_request, params)
        except BadRequest as exc:
            return error_response("invalid_request", str(exc))
        except InvalidAuthorizationRequest as exc:
            return error_response(exc.error, exc.description, exc.status)
        except OAuth2Error as exc:
            return error_response(exc.error, exc.description, exc.status, exc.headers)
        return RedirectResponse(location, status_code=302, headers=NO_STORE)

    async def token(request: Request) -> Response:
        try:
            form = single_values(await read_form(request))
            body = await run_in_threadpool(provider.token_request, form, request.headers.get("authorization"))
        except BadRequest as exc:
            provider.stats.add("token_requests")
            provider.stats.add("token_errors")
            return token_body_response(
                provider, request, {"error": "invalid_request", "error_description": str(exc)}, 400
            )
        except OAuth2Error as exc:
            return token_body_response(provider, request, exc.body(), exc.status, exc.headers)
        return token_body_response(provider, request, body, 200)

    async def revoke(request: Request) -> Response:
        try:
            form = single_values(await read_form(request))
            await run_in_threadpool(provider.revocation_request, form, request.headers.get("authorization"))
        except BadRequest as exc:
            return error_response("invalid_request", str(exc))
        except OAuth2Error as exc:
            return error_response(exc.error, exc.description, exc.status, exc.headers)
        return Response(status_code=200, headers=NO_STORE)

    async def userinfo(request: Request) -> Response:
        grant = grant_for_request(provider, request)
        if grant is None:
            return bearer_challenge("invalid_token", "the access token is missing, expired or revoked")
        return JSONResponse(
            {
                "sub": grant.subject,
                "client_id": grant.client_id,
                "scope": provider.config.join_scopes(grant.scopes),
            },
            headers=NO_STORE,
        )

    handlers = {
        "authorize": (authorize, ["GET"]),
        "token": (token, ["POST"]),
        "revoke": (revoke, ["POST"]),
        "userinfo": (userinfo, ["GET"]),
    }
    routes = []
    for name, (endpoint, methods) in handlers.items():
        path = getattr(paths, name)
        if path is not None:
            routes.append(Route(prefix.rstrip("/") + path, endpoint, methods=methods))
    return routes


def token_body_response(
    provider: OAuth2Provider, request: Request, body: dict, status: int, headers=None
) -> Response:
    """A token-endpoint body encoded the way the emulated provider does (JSON or urlencoded)."""
    headers = {**NO_STORE, **(headers or {})}
    style = provider.config.token_response_format
    if style == "negotiate":
        style = "json" if "application/json" in request.headers.get("accept", "") else "form"
    if style == "json":
        return JSONResponse(body, status, headers=headers)
    flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items() if v is not None}
    return Response(urlencode(flat), status, headers=headers, media_type="application/x-www-form-urlencoded")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header (RFC 6750 §2.1), if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def grant_for_request(provider: OAuth2Provider, request: Request) -> Grant | None:
    """The grant behind the request's bearer token; None when absent, unknown, revoked or expired."""
    return provider.validate_access_token(bearer_token(request))


def bearer_challenge(
    error: str, description: str, *, status: int | None = None, scope: str | None = None
) -> Response:
    """An RFC 6750 §3 error: 401 ``invalid_token`` or 403 ``insufficient_scope``."""
    status = status or (403 if error == "insufficient_scope" else 401)
    challenge = f'Bearer realm="sandbox", error="{error}", error_description="{description}"'
    if scope:
        challenge += f', scope="{scope}"'
    return error_response(error, description, status, {"WWW-Authenticate": challenge})
