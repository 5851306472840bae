"""Starlette routes exposing an `OAuth1Provider`, mountable at any app's own paths.

Responses are form-encoded, as OAuth 1.0a providers answer; refusals carry
``oauth_problem`` (OAuth Problem Reporting) and, for 401, a
``WWW-Authenticate: OAuth`` challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from valetkey.sandbox.http import NO_STORE, BadRequest, read_form, single_values
from valetkey.sandbox.oauth1 import OAuth1Error, OAuth1Grant, OAuth1Provider


@dataclass(frozen=True)
class OAuth1Paths:
    """Where each endpoint lives, relative to the mount prefix; ``None`` leaves it out."""

    request_token: str | None = "/request_token"
    authorize: str | None = "/authorize"
    access_token: str | None = "/access_token"
    userinfo: str | None = "/userinfo"


def oauth1_routes(
    provider: OAuth1Provider, *, prefix: str = "", paths: OAuth1Paths = OAuth1Paths()
) -> list[Route]:
    """Routes for ``provider`` at ``prefix + path`` for every path in ``paths``."""

    async def request_token(request: Request) -> Response:
        return await _signed(request, provider.request_token)

    async def access_token(request: Request) -> Response:
        return await _signed(request, provider.access_token)

    async def authorize(request: Request) -> Response:
        try:
            params = single_values(request.query_params.multi_items())
            outcome = await run_in_threadpool(provider.authorization_request, params)
        except BadRequest as exc:
            return problem_response(OAuth1Error("parameter_rejected", str(exc), 400))
        except OAuth1Error as exc:
            return problem_response(exc)
        if isinstance(outcome, dict):  # out-of-band: show the verifier instead of redirecting
            return JSONResponse(outcome, headers=NO_STORE)
        return RedirectResponse(outcome, status_code=302, headers=NO_STORE)

    async def userinfo(request: Request) -> Response:
        grant = await grant_for_signed_request(provider, request)
        if isinstance(grant, Response):
            return grant
        return JSONResponse({"sub": grant.subject, "consumer_key": grant.consumer_key}, headers=NO_STORE)

    handlers = {
        "request_token": (request_token, ["POST"]),
        "authorize": (authorize, ["GET"]),
        "access_token": (access_token, ["POST"]),
        "userinfo": (userinfo, ["GET", "POST"]),
    }
    routes = []
    for name, (endpoint, methods) in handlers.items():
        path = getattr(paths, name)
        if path is not None:
            routes.append(Route(prefix.rstrip("/") + path, endpoint, methods=methods))
    return routes


async def _signed(request: Request, handler) -> Response:
    try:
        body = await _form_parameters(request)
        result = await run_in_threadpool(
            handler, request.method, signed_url(request), request.headers.get("authorization"), body
        )
    except OAuth1Error as exc:
        return problem_response(exc)
    return Response(urlencode(result), 200, headers=NO_STORE, media_type="application/x-www-form-urlencoded")


async def grant_for_signed_request(provider: OAuth1Provider, request: Request) -> OAuth1Grant | Response:
    """For API emulators: the grant of a correctly signed request, or the error response to send."""
    try:
        body = await _form_parameters(request)
        return await run_in_threadpool(
            provider.validate_request,
            request.method,
            signed_url(request),
            request.headers.get("authorization"),
            body,
        )
    except OAuth1Error as exc:
        return problem_response(exc)


def signed_url(request: Request) -> str:
    """The URL as the client sent it: ``scope["path"]`` is percent-decoded, the signed one is not."""
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{request.url.scheme}://{request.url.netloc}{path}" + (f"?{query}" if query else "")


async def _form_parameters(request: Request) -> list[tuple[str, str]]:
    """Body parameters take part in the signature only for urlencoded bodies (RFC 5849 §3.4.1.3.1)."""
    try:
        return await read_form(request)
    except BadRequest:
        return []


def problem_response(error: OAuth1Error) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'OAuth realm="sandbox"'
    body = urlencode({"oauth_problem": error.problem, "oauth_problem_advice": error.description})
    return Response(body, error.status, headers=headers, media_type="application/x-www-form-urlencoded")
