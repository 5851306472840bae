"""Executing a tool: resolve, validate, authenticate, call, report, log.

`execute_tool` is the whole story of ``POST /tools/execute/{slug}`` without
HTTP concerns. Problems with the *request* (unknown tool, bad arguments, no
connected account) raise `ApiError` and become 4xx error objects; problems
*upstream* (4xx/5xx answers, timeouts, refused connections) are results with
``successful: false``, because the call itself was carried out as asked.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from valetkey.catalog.model import Tool, Toolkit
from valetkey.connections.configs import allowed_tools
from valetkey.connections.request_auth import (
    CredentialError,
    apply_credentials,
    apply_parameters,
    secret_names,
)
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError, BadRequest, Forbidden
from valetkey.execution.connection import Connection, resolve_connection
from valetkey.execution.handlers import ToolContext, ToolError, run_handler
from valetkey.execution.logs import describe_request, describe_response
from valetkey.execution.outcome import ToolResult, as_data, decode_body, tool_result
from valetkey.execution.recording import record_execution
from valetkey.execution.renewal import ConnectionRenewal, Sent, connection_renewer, send_renewing
from valetkey.execution.request import RequestBuildError, build_request
from valetkey.execution.schemas import ExecuteBody
from valetkey.execution.state import ExecutionState
from valetkey.execution.validation import ValidatorCache, drop_null_optionals, validate_arguments
from valetkey.files.access import ProjectFiles
from valetkey.net.request import UpstreamRequest
from valetkey.net.retry import DEFAULT_RETRY, NO_RETRY

log = logging.getLogger("valetkey.execution")
LATEST = ("", "latest")
# What running a tool gives back: its result, the request and response as logged, the upstream status.
Run = tuple[ToolResult, dict[str, Any], dict[str, Any], int | None]


async def execute_tool(
    state: ExecutionState, project: ProjectContext, slug: str, body: ExecuteBody, request_id: str | None
) -> dict[str, Any]:
    started = time.perf_counter()
    resolved = state.catalog_for(project.project_id).resolve_tool(
        slug, None if body.version in LATEST else body.version
    )
    tool, toolkit, version = resolved.tool, resolved.toolkit, resolved.version
    arguments = _arguments(tool, version, body, state.validators)
    user_id = body.user_id or body.entity_id or body.identifier
    connection = await resolve_connection(
        state,
        project.project_id,
        toolkit,
        needs_auth=needs_connection(tool, toolkit) or body.connection_name is not None,
        connected_account_id=body.connected_account_id,
        user_id=user_id,
        connection_name=body.connection_name,
        custom_connection_data=body.custom_connection_data,
        custom_auth_params=body.custom_auth_params,
    )
    _check_tool_allowed(tool, connection)
    if tool.handler:
        files = ProjectFiles(state.files, project.project_id, toolkit.slug, tool.slug)
        result, request_log, response_log, status = await _run_python(
            state, tool, tool.handler, arguments, user_id, connection, files
        )
    else:
        result, request_log, response_log, status = await _run_http(state, tool, arguments, connection)
    log_id = record_execution(
        state,
        project,
        kind="tool",
        tool_slug=tool.slug,
        toolkit_slug=toolkit.slug,
        toolkit_version=version,
        user_id=user_id or (connection.account.user_id if connection.account else None),
        connection=connection,
        request_id=request_id,
        successful=result.successful,
        error=result.error,
        upstream_status=status,
        duration_ms=(time.perf_counter() - started) * 1000,
        request=request_log,
        response=response_log,
    )
    return {"data": result.data, "error": result.error, "successful": result.successful, "log_id": log_id}


def _check_tool_allowed(tool: Tool, connection: Connection) -> None:
    """The account's auth config may limit the tools it runs (`tool_access_config.tools_available_for_execution`)."""
    if connection.account is None:
        return
    allowed = allowed_tools(connection.account.auth_config_settings)
    if allowed and tool.slug.upper() not in allowed:
        raise Forbidden(
            f"Tool {tool.slug} is not available to connected account {connection.account.id}: its auth config "
            f"{connection.account.auth_config_id} allows only {', '.join(sorted(allowed))}",
            slug="ToolNotAllowed",
            suggested_fix="Add the tool to the auth config's tool_access_config.tools_available_for_execution.",
        )


def needs_connection(tool: Tool, toolkit: Toolkit) -> bool:
    """Whether a call must find credentials; toolkits that also offer NO_AUTH run without."""
    if tool.no_auth or toolkit.no_auth:
        return False
    return toolkit.scheme("NO_AUTH") is None


def _arguments(tool: Tool, version: str, body: ExecuteBody, validators: ValidatorCache) -> dict[str, Any]:
    # A null for an optional, non-nullable argument means "not given" (see drop_null_optionals).
    cleaned = drop_null_optionals(tool.input_schema, body.arguments or {})
    arguments: dict[str, Any] = cleaned if isinstance(cleaned, dict) else {}
    problem = validate_arguments(tool, version, arguments, validators)
    if problem is not None:
        raise BadRequest(
            f"Invalid arguments for {tool.slug}: {problem.field}: {problem.message}",
            slug="ToolArgumentsInvalid",
            suggested_fix=f"Check `{problem.field}` against the input schema of {tool.slug} (GET /api/v3/tools/{tool.slug}).",
            extra={"errors": [{"field": problem.field, "message": problem.message}]},
        )
    return arguments


async def _run_http(
    state: ExecutionState, tool: Tool, arguments: dict[str, Any], connection: Connection
) -> Run:
    operation = tool.operation
    if operation is None:
        raise ApiError(
            f"Tool {tool.slug} has neither an HTTP operation nor a handler",
            status=500,
            slug="ToolMisconfigured",
        )
    retry = DEFAULT_RETRY if tool.idempotent else NO_RETRY

    async def send(connection: Connection) -> Sent:
        request = _signed_request(tool, operation, arguments, connection)
        return request, await state.http.send(request, retry)

    # A refused token is refreshed once (single flight) and the request sent once more.
    connection, request, outcome = await send_renewing(connection, send, connection_renewer(state))
    result = tool_result(outcome, operation.response_path, operation.success_path, operation.error_path)
    if not result.successful and outcome.attempts > 1:
        result = ToolResult(result.data, f"{result.error} (after {outcome.attempts} attempts)", False)
    headers, query = secret_names(connection.scheme, connection.parameters)
    request_log = {**describe_request(request, headers, query), "attempts": outcome.attempts}
    response = outcome.response
    response_log = describe_response(
        outcome.status,
        dict(response.headers) if response is not None else None,
        result.data
        if result.successful
        else (decode_body(response) if response is not None else outcome.message),
    )
    return result, request_log, response_log, outcome.status


def _signed_request(
    tool: Tool, operation: Any, arguments: dict[str, Any], connection: Connection
) -> UpstreamRequest:
    """The tool's request with the connection's parameters and credentials applied (credentials last)."""
    try:
        request = build_request(operation, connection.base_url, arguments)
        return apply_credentials(
            apply_parameters(request, connection.parameters), connection.scheme, connection.values
        )
    except RequestBuildError as exc:
        raise BadRequest(
            f"Invalid arguments for {tool.slug}: {exc.field}: {exc}", slug="ToolArgumentsInvalid"
        ) from None
    except CredentialError as exc:
        raise ApiError(
            str(exc),
            status=422,
            slug="ConnectionCredentialsInvalid",
            suggested_fix="Reconnect the account so it carries the credentials this toolkit needs.",
        ) from None


async def _run_python(
    state: ExecutionState,
    tool: Tool,
    handler: str,
    arguments: dict[str, Any],
    user_id: str | None,
    connection: Connection,
    files: ProjectFiles | None = None,
) -> Run:
    context = ToolContext(
        arguments=arguments,
        user_id=user_id,
        connected_account_id=connection.account_id,
        base_url=connection.base_url,
        http=state.http,
        scheme=connection.scheme,
        credentials=connection.values,
        parameters=connection.parameters,
        retry=DEFAULT_RETRY if tool.idempotent else NO_RETRY,
        files=files,
        renew=ConnectionRenewal(state, connection) if connection.account is not None else None,
        tool=tool,
        egress=state.egress,
    )
    try:
        result = ToolResult(as_data(await run_handler(handler, context)), None, True)
    except ToolError as exc:
        result = ToolResult(exc.data, str(exc) or "The tool failed", False)
    except CredentialError as exc:
        result = ToolResult({}, str(exc), False)
    except Exception as exc:
        log.exception("tool handler failed", extra={"tool": tool.slug})
        result = ToolResult({}, f"The tool's handler failed: {type(exc).__name__}: {exc}"[:500], False)
    headers, query = secret_names(connection.scheme, connection.parameters)
    request_log = {
        "handler": handler,
        "arguments": arguments,
        "calls": [describe_request(request, headers, query) for request, _ in context.calls],
    }
    status = context.calls[-1][1].status if context.calls else None
    return result, request_log, describe_response(status, None, result.data), status
