"""Admin routes of the sandbox (``/_sandbox/...``): register clients, arm faults, read stats.

These exist so tests in other processes (and users poking at the sandbox with
curl) can steer an emulator over HTTP. They are unauthenticated on purpose:
the sandbox serves loopback only and holds nothing but throwaway test data.
"""

from __future__ import annotations

import functools
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from valetkey.sandbox.faults import Fault, FaultQueue
from valetkey.sandbox.http import BadRequest, error_response, read_json
from valetkey.sandbox.oauth1 import OAuth1Consumer, OAuth1Provider
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import OAuth2Client

#: Config fields settable over HTTP (the rest hold callables or are wire quirks fixed per app).
OAUTH2_SETTABLE = {
    "access_token_lifetime": (int, float, type(None)),
    "refresh_token_lifetime": (int, float, type(None)),
    "code_lifetime": (int, float),
    "issue_refresh_tokens": (bool,),
    "rotate_refresh_tokens": (bool,),
    "refresh_reuse_revokes_grant": (bool,),
    "require_pkce": (bool,),
    "default_subject": (str,),
}


def _handles_bad_input(handler):
    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except (BadRequest, ValueError, TypeError) as exc:
            return error_response("invalid_request", str(exc))

    return wrapped


def _get(body: dict, name: str, kinds: tuple, default=None):
    value = body.get(name, default)
    # bool is an int subclass; refuse true/false where a number is expected.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise BadRequest(f"{name} has the wrong type")
    return value


def _strings(body: dict, name: str) -> tuple[str, ...] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(f"{name} must be a list of strings")
    return tuple(value)


def fault_routes(faults: FaultQueue, endpoints: tuple[str, ...], default_endpoint) -> list[Route]:
    """``GET|POST|DELETE /faults`` over one emulator's fault queue."""

    @_handles_bad_input
    async def faults_endpoint(request: Request) -> Response:
        if request.method == "DELETE":
            faults.clear()
            return Response(status_code=204)
        if request.method == "GET":
            return JSONResponse({"faults": [f.as_dict() for f in faults.pending()]})
        body = await read_json(request)
        kind = _get(body, "kind", (str,), "")
        endpoint = _get(body, "endpoint", (str,), default_endpoint(kind))
        if endpoint not in endpoints:
            raise BadRequest(f"endpoint must be one of {', '.join(endpoints)}")
        fault = Fault(
            kind=kind,
            endpoint=endpoint,
            remaining=_get(body, "count", (int,), 1),
            grant_type=_get(body, "grant_type", (str, type(None))),
            status=_get(body, "status", (int,), 503),
            delay_ms=_get(body, "delay_ms", (int,), 0),
        )
        return JSONResponse(faults.arm(fault).as_dict(), status_code=201)

    return [Route("/faults", faults_endpoint, methods=["GET", "POST", "DELETE"])]


def stats_routes(provider) -> list[Route]:
    async def stats(request: Request) -> Response:
        if request.method == "DELETE":
            provider.stats.reset()
            return Response(status_code=204)
        return JSONResponse(provider.stats.as_dict())

    async def reset(request: Request) -> Response:
        provider.reset()
        return Response(status_code=204)

    return [Route("/stats", stats, methods=["GET", "DELETE"]), Route("/reset", reset, methods=["POST"])]


def oauth2_admin_routes(provider: OAuth2Provider) -> list[Route]:
    """Admin routes of an OAuth 2.0 provider, to mount under e.g. ``/_sandbox/oauth2``."""

    @_handles_bad_input
    async def create_client(request: Request) -> Response:
        body = await read_json(request)
        public = _get(body, "public", (bool,), False)
        default_secret = None if public else secrets.token_urlsafe(24)
        client = OAuth2Client(
            client_id=_get(body, "client_id", (str,), "client-" + secrets.token_hex(6)),
            client_secret=None if public else _get(body, "client_secret", (str,), default_secret),
            redirect_uris=_strings(body, "redirect_uris") or (),
            default_scopes=_strings(body, "default_scopes") or (),
            allowed_scopes=_strings(body, "allowed_scopes"),
            allow_loopback_redirects=_get(body, "allow_loopback_redirects", (bool,), False),
        )
        if not client.client_id:
            raise BadRequest("client_id must not be empty")
        if not client.redirect_uris and not client.allow_loopback_redirects:
            raise BadRequest("give redirect_uris or allow_loopback_redirects")
        return JSONResponse(provider.register_client(client).public_dict(), status_code=201)

    async def get_client(request: Request) -> Response:
        client = provider.get_client(request.path_params["client_id"])
        if client is None:
            return error_response("not_found", "no such client", 404)
        return JSONResponse(client.public_dict())

    @_handles_bad_input
    async def mint_tokens(request: Request) -> Response:
        body = await read_json(request)
        client_id = _get(body, "client_id", (str,), "")
        if provider.get_client(client_id) is None:
            raise BadRequest("unknown client_id")
        subject = _get(body, "subject", (str,), provider.config.default_subject)
        return JSONResponse(
            provider.issue_tokens(client_id, subject, _strings(body, "scopes") or ()), status_code=201
        )

    @_handles_bad_input
    async def config(request: Request) -> Response:
        if request.method == "PATCH":
            body = await read_json(request)
            unknown = set(body) - set(OAUTH2_SETTABLE)
            if unknown:
                raise BadRequest(f"not settable: {', '.join(sorted(unknown))}")
            provider.configure(**{name: _get(body, name, OAUTH2_SETTABLE[name]) for name in body})
        current = provider.config
        return JSONResponse({name: getattr(current, name) for name in OAUTH2_SETTABLE})

    return [
        Route("/clients", create_client, methods=["POST"]),
        Route("/clients/{client_id}", get_client, methods=["GET"]),
        Route("/tokens", mint_tokens, methods=["POST"]),
        Route("/config", config, methods=["GET", "PATCH"]),
        *fault_routes(
            provider.faults, ("authorize", "token"), lambda kind: "authorize" if kind == "deny" else "token"
        ),
        *stats_routes(provider),
    ]


def oauth1_admin_routes(provider: OAuth1Provider) -> list[Route]:
    """Admin routes of an OAuth 1.0a provider, to mount under e.g. ``/_sandbox/oauth1``."""

    @_handles_bad_input
    async def create_consumer(request: Request) -> Response:
        body = await read_json(request)
        consumer = OAuth1Consumer(
            key=_get(body, "key", (str,), "consumer-" + secrets.token_hex(6)),
            secret=_get(body, "secret", (str,), secrets.token_urlsafe(24)),
            callback_uris=_strings(body, "callback_uris") or (),
            allow_loopback_callbacks=_get(body, "allow_loopback_callbacks", (bool,), False),
            allow_oob=_get(body, "allow_oob", (bool,), True),
        )
        if not consumer.key or not consumer.secret:
            raise BadRequest("key and secret must not be empty")
        provider.register_consumer(consumer)
        return JSONResponse(
            {
                "key": consumer.key,
                "secret": consumer.secret,
                "callback_uris": list(consumer.callback_uris),
                "allow_loopback_callbacks": consumer.allow_loopback_callbacks,
                "allow_oob": consumer.allow_oob,
            },
            status_code=201,
        )

    return [
        Route("/consumers", create_consumer, methods=["POST"]),
        *fault_routes(
            provider.faults,
            ("request_token", "authorize", "access_token"),
            lambda kind: "authorize" if kind == "deny" else "access_token",
        ),
        *stats_routes(provider),
    ]
