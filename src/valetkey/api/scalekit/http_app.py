"""The HTTP/1.1 side of the Scalekit origin: `/oauth/token` and `actions.request`'s `/proxy/...`.

`POST /oauth/token` is the client-credentials grant (RFC 6749 section 4.4, form-encoded, the
pair in the body as the SDK sends it, or in HTTP Basic): a short-lived bearer token, or
401 `invalid_client` saying nothing more. Wrong secrets count against the client address's
wrong-key allowance (`VALETKEY_AUTH_FAILURE_LIMIT`), as wrong API keys do.

`/proxy/{path}` is the authenticated proxy: the SDK sends the connection and user as
`connection_name` and `identifier` headers, the path relative to the connection's API base
URL, its query, and a JSON, form or raw body; the answer is the upstream's status and body
(`execution.proxy.proxy_request`, the REST proxy's own function).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from valetkey.api.scalekit.auth import TokenCache, project_for
from valetkey.api.state import AppState
from valetkey.core.errors import ApiError
from valetkey.execution.proxy import proxy_request
from valetkey.execution.schemas import ProxyBody
from valetkey.tenancy import clients

TOKEN_FIELDS = {"grant_type", "client_id", "client_secret", "scope"}
# What the SDK (and `requests`) put on every request: not the caller's headers for the upstream.
TRANSPORT_HEADERS = {
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "connection",
    "content-length",
    "content-type",
    "authorization",
    "x-api-version",
    "x-sdk-version",
    "connection_name",
    "identifier",
    "transfer-encoding",
}
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=NO_STORE
    )


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "message": exc.message,
                "status": exc.status,
                "slug": exc.slug,
                "suggested_fix": exc.suggested_fix,
            }
        },
        status_code=exc.status,
    )


def create_http_app(state: AppState, tokens: TokenCache) -> Starlette:
    async def token(request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "send the grant as application/x-www-form-urlencoded")
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        form: dict[str, str] = {}
        for name, value in pairs:
            if name in form:
                return _oauth_error(400, "invalid_request", f"{name} is given twice")
            form[name] = value
        unknown = set(form) - TOKEN_FIELDS
        if unknown:
            return _oauth_error(400, "invalid_request", f"unknown parameter(s): {', '.join(sorted(unknown))}")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        if form.get("scope"):
            return _oauth_error(400, "invalid_scope", "scopes are not supported; leave scope out")
        basic = _basic(request.headers.get("authorization"))
        client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if not client_id or not client_secret:
            return _oauth_error(401, "invalid_client", "client_id and client_secret are required")
        failures = state.auth_failures
        client_key = "badclient:" + (request.client.host if request.client else "unknown")
        if failures.enabled and await run_in_threadpool(failures.is_blocked, client_key):
            return _oauth_error(429, "slow_down", "too many wrong client secrets from this address; wait")

        def grant() -> clients.AccessToken | None:
            with state.db.session() as db:
                return clients.grant(db, client_id, client_secret)

        issued = await run_in_threadpool(grant)
        if issued is None:
            if failures.enabled:
                await run_in_threadpool(failures.hit, client_key)
            return _oauth_error(401, "invalid_client", "unknown client, wrong secret or revoked credentials")
        return JSONResponse(
            {"access_token": issued.token, "token_type": "Bearer", "expires_in": issued.expires_in},
            headers=NO_STORE,
        )

    async def proxy(request: Request) -> Response:
        project = await project_for(state, tokens, request.headers.getlist("authorization"))
        if project is None:
            return _error(
                ApiError("Missing, expired or revoked access token", status=401, slug="Unauthorized")
            )
        body: dict[str, Any] = {
            "endpoint": "/" + request.path_params["path"],
            "method": request.method,
            "identifier": request.headers.get("identifier"),
            "connection_name": request.headers.get("connection_name"),
            "parameters": [
                {"name": k, "value": v, "type": "query"} for k, v in request.query_params.multi_items()
            ]
            + [
                {"name": k, "value": v, "type": "header"}
                for k, v in request.headers.items()
                if k.lower() not in TRANSPORT_HEADERS
            ],
        }
        raw = await request.body()
        kind = request.headers.get("content-type", "")
        if raw:
            if kind.startswith("application/json"):
                try:
                    body["body"] = json.loads(raw)
                except ValueError:
                    return _error(ApiError("The JSON body does not parse", slug="ValidationError"))
            else:
                body["binary_body"] = {"base64": base64.b64encode(raw).decode(), "content_type": kind or None}
        try:
            parsed = ProxyBody.model_validate(body)
            answer = await proxy_request(state, project, parsed, None)
        except ApiError as exc:
            return _error(exc)
        except ValueError as exc:  # pydantic's ValidationError
            return _error(ApiError(str(exc), slug="ValidationError"))
        return _upstream_response(answer)

    return Starlette(
        routes=[
            Route("/oauth/token", token, methods=["POST"]),
            Route("/proxy/{path:path}", proxy, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
        ]
    )


def _upstream_response(answer: dict[str, Any]) -> Response:
    """The upstream's answer as `requests.Response` shows it: its status, content type and body."""
    status, headers, data = answer["status"], answer.get("headers") or {}, answer.get("data")
    kind = headers.get("content-type", "")
    if isinstance(data, dict) and set(data) == {"base64", "content_type", "size"}:
        return Response(base64.b64decode(data["base64"]), status_code=status, media_type=data["content_type"])
    if isinstance(data, str) and "json" not in kind:
        return Response(data, status_code=status, media_type=kind or "text/plain")
    if data is None:
        return Response(b"", status_code=status, media_type=kind or None)
    return Response(json.dumps(data), status_code=status, media_type=kind or "application/json")
