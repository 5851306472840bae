"""Proxy execute: an arbitrary request to a toolkit's API with the account's credentials.

The endpoint is a path relative to the toolkit's base URL, or an absolute URL
on that same origin (scheme, host and port). Any other host is refused: the
credentials being injected belong to that API and must never be sent
elsewhere, and the server must not become a way to reach arbitrary hosts.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from yarl import URL

from valetkey.catalog.model import Toolkit
from valetkey.connections.request_auth import (
    CredentialError,
    apply_credentials,
    apply_parameters,
    secret_names,
)
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError, BadRequest, connected_account_not_found
from valetkey.execution.connection import Connection, resolve_connection
from valetkey.execution.logs import describe_request, describe_response
from valetkey.execution.outcome import decode_body
from valetkey.execution.recording import record_execution
from valetkey.execution.renewal import Sent, connection_renewer, send_renewing
from valetkey.execution.schemas import ProxyBody
from valetkey.execution.state import ExecutionState
from valetkey.net.request import BodyKind, UpstreamRequest
from valetkey.net.retry import DEFAULT_RETRY, NO_RETRY
from valetkey.net.upstream import UpstreamResponse

PROXY_TOOL = "PROXY"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "set-cookie",
        "content-encoding",
        "content-length",
    }
)
TEXT_TYPES = ("json", "text/", "xml", "javascript", "x-www-form-urlencoded", "html")


async def proxy_request(
    state: ExecutionState, project: ProjectContext, body: ProxyBody, request_id: str | None
) -> dict[str, Any]:
    started = time.perf_counter()
    toolkit = await _toolkit(state, project, body)
    connection = await resolve_connection(
        state,
        project.project_id,
        toolkit,
        needs_auth=True,
        connected_account_id=body.connected_account_id,
        user_id=body.user_id or body.identifier,
        custom_connection_data=body.custom_connection_data,
        connection_name=body.connection_name,
    )
    url = URL(target_url(connection.base_url, body.endpoint), encoded=True)
    kind, content, headers = _body(body)
    # The endpoint's own query string joins the request's query, so parameters add to it.
    query = tuple(url.query.items())
    request = UpstreamRequest(body.method, str(url.with_query(None)), headers, query, kind, content)
    params = [p.model_dump() for p in body.parameters]
    retry = DEFAULT_RETRY if body.method in ("GET", "HEAD") else NO_RETRY

    async def send(connection: Connection) -> Sent:
        try:
            # Credentials go on last, so a caller's parameter cannot replace them.
            signed = apply_credentials(
                apply_parameters(request, params), connection.scheme, connection.values
            )
        except CredentialError as exc:
            raise ApiError(str(exc), status=422, slug="ConnectionCredentialsInvalid") from None
        return signed, await state.http.send(signed, retry)

    # A refused token is refreshed once (single flight) and the request sent once more.
    connection, request, outcome = await send_renewing(connection, send, connection_renewer(state))
    response = outcome.response
    if outcome.failure == "refused":  # the egress policy (valetkey.net.egress)
        raise BadRequest(
            outcome.message,
            slug="EgressRefused",
            suggested_fix="Call a public API address, or ask the operator to allow this one in VALETKEY_EGRESS_ALLOW.",
        )
    if response is None:
        raise ApiError(
            outcome.message,
            status=504 if outcome.failure == "timeout" else 502,
            slug="UpstreamUnavailable",
            suggested_fix="Check the endpoint and that the API is reachable from the Valetkey server.",
        )
    answer = proxy_answer(response)
    secret_headers, secret_query = secret_names(connection.scheme)
    record_execution(
        state,
        project,
        kind="proxy",
        tool_slug=PROXY_TOOL,
        toolkit_slug=toolkit.slug,
        toolkit_version=None,
        user_id=connection.account.user_id if connection.account else body.user_id,
        connection=connection,
        request_id=request_id,
        successful=response.status_code < 400,
        error=None if response.status_code < 400 else f"Upstream answered {response.status_code}",
        upstream_status=response.status_code,
        duration_ms=(time.perf_counter() - started) * 1000,
        request=describe_request(request, secret_headers, secret_query),
        response=describe_response(response.status_code, answer["headers"], answer.get("data")),
    )
    return answer


def target_url(base_url: str, endpoint: str) -> str:
    """The absolute URL for `endpoint`; BadRequest unless it stays on the base URL's origin.

    Parsed with yarl, the parser aiohttp sends with, so the host checked here
    is the host connected to.
    """
    base = URL(base_url)
    try:
        if endpoint.startswith("//") or "://" in endpoint.split("?", 1)[0]:
            url = URL(endpoint)
        else:
            url = URL(base_url.rstrip("/") + "/" + endpoint.lstrip("/"))
    except ValueError:
        raise BadRequest(f"Invalid endpoint {endpoint!r}") from None
    if _origin(url) != _origin(base):
        raise BadRequest(
            f"Endpoint host {url.host or endpoint!r} is not this toolkit's API host ({base.host})",
            slug="ProxyHostNotAllowed",
            suggested_fix=f"Use a path relative to {base_url}, or an absolute URL on {base.origin()}.",
        )
    return str(url)


def proxy_answer(response: UpstreamResponse) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
    kind = response.headers.get("content-type", "").lower()
    if response.content and kind and not any(t in kind for t in TEXT_TYPES):
        # No file store to hand out a download URL from yet: binary bodies come inline.
        data: Any = {
            "base64": base64.b64encode(response.content).decode(),
            "content_type": kind,
            "size": len(response.content),
        }
    else:
        data = decode_body(response)
    return {"data": data, "status": response.status_code, "headers": headers}


async def _toolkit(state: ExecutionState, project: ProjectContext, body: ProxyBody) -> Toolkit:
    if body.connected_account_id:
        slug = await run_in_threadpool(_account_toolkit, state, project.project_id, body.connected_account_id)
    elif body.connection_name:
        slug = await run_in_threadpool(_named_toolkit, state, project.project_id, body.connection_name)
    elif body.custom_connection_data is not None and body.custom_connection_data.toolkit_slug:
        slug = body.custom_connection_data.toolkit_slug
    else:
        raise BadRequest(
            "A proxy call needs connected_account_id (or custom_connection_data with toolkitSlug) "
            "to know which API and credentials to use",
            suggested_fix="Pass the connected_account_id of the user's account for the toolkit you want to call.",
        )
    return state.catalog_for(project.project_id).toolkit(slug)


def _named_toolkit(state: ExecutionState, project_id: str, connection_name: str) -> str:
    from valetkey.connections.configs import config_by_name

    with state.db.session() as db:
        return config_by_name(db, project_id, connection_name).toolkit_slug


def _account_toolkit(state: ExecutionState, project_id: str, account_id: str) -> str:
    from sqlalchemy import select

    from valetkey.connections.models import ConnectedAccount

    with state.db.session() as db:
        slug = db.scalar(
            select(ConnectedAccount.toolkit_slug).where(
                ConnectedAccount.id == account_id, ConnectedAccount.project_id == project_id
            )
        )
    if slug is None:
        raise connected_account_not_found(account_id)
    return slug


def _body(body: ProxyBody) -> tuple[BodyKind | None, Any, dict[str, str]]:
    if body.binary_body is not None and body.binary_body.base64 is not None:  # the body model requires it
        try:
            content = base64.b64decode(body.binary_body.base64, validate=True)
            return (
                "raw",
                content,
                {"Content-Type": body.binary_body.content_type or "application/octet-stream"},
            )
        except (binascii.Error, ValueError):
            raise BadRequest("binary_body.base64 is not valid base64") from None
    if body.body is None:  # the body model refuses one on GET and HEAD
        return None, None, {}
    return ("raw", body.body, {}) if isinstance(body.body, str) else ("json", body.body, {})


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme.lower(), (url.host or "").lower(), url.port
