"""Recording one execution or proxy call as an execution log row.

The row is handed to the process's `LogWriter` (`state.log_writer`), which
journals it before the execution answers and writes it to the database in the
background; the project's ``log_visibility_setting`` decides whether request
and response bodies are kept (``dont_store_data`` keeps only the metadata).
"""

from __future__ import annotations

from typing import Any

from valetkey.connections.request_auth import secret_values
from valetkey.core.context import ProjectContext
from valetkey.core.ids import new_id
from valetkey.execution.connection import Connection
from valetkey.execution.logs import scrub
from valetkey.execution.state import ExecutionState
from valetkey.store.db import utcnow

DONT_STORE = "dont_store_data"


def record_execution(
    state: ExecutionState,
    project: ProjectContext,
    *,
    kind: str,
    tool_slug: str,
    toolkit_slug: str,
    toolkit_version: str | None,
    user_id: str | None,
    connection: Connection,
    request_id: str | None,
    successful: bool,
    error: str | None,
    upstream_status: int | None,
    duration_ms: float,
    request: dict[str, Any] | None,
    response: dict[str, Any] | None,
) -> str:
    """Queue the log row and return its id."""
    keep = project.setting("log_visibility_setting") != DONT_STORE
    if keep and connection.source != "no_auth":
        secrets = secret_values(connection.scheme, connection.values, connection.parameters)
        request, response = scrub(request, secrets), scrub(response, secrets)
    log_id = new_id("log")
    state.log_writer.submit(
        {
            "id": log_id,
            "project_id": project.project_id,
            "tool_slug": tool_slug,
            "toolkit_slug": toolkit_slug,
            "toolkit_version": toolkit_version,
            "user_id": user_id,
            "connected_account_id": connection.account_id,
            "kind": kind,
            "credential_source": connection.source,
            "request_id": request_id,
            "successful": successful,
            "status": None,
            "error": error,
            "upstream_status": upstream_status,
            "duration_ms": round(duration_ms, 3),
            "request": request if keep else None,
            "response": response if keep else None,
            "created_at": utcnow(),
        }
    )
    return log_id


def record_blocked(
    state: ExecutionState,
    project: ProjectContext,
    *,
    kind: str,
    tool_slug: str,
    toolkit_slug: str,
    user_id: str | None,
    request_id: str | None,
    arguments: dict[str, Any],
    reason: dict[str, Any],
    hook_results: list[dict[str, Any]],
) -> str:
    """Queue the log row of a call a session hook blocked before any upstream request; return its id.

    Status `blocked`, the hook's reason as the error, no connected account and no upstream status: nothing
    was sent. The arguments are kept as the request (unless the project stores no data), like a tool's.
    """
    keep = project.setting("log_visibility_setting") != DONT_STORE
    log_id = new_id("log")
    state.log_writer.submit(
        {
            "id": log_id,
            "project_id": project.project_id,
            "tool_slug": tool_slug,
            "toolkit_slug": toolkit_slug,
            "toolkit_version": None,
            "user_id": user_id,
            "connected_account_id": None,
            "kind": kind,
            "credential_source": None,
            "request_id": request_id,
            "successful": False,
            "status": "blocked",
            "error": reason.get("message"),
            "upstream_status": None,
            "duration_ms": 0.0,
            "request": {"arguments": arguments, "sent": False} if keep else None,
            "response": {"blocked": reason, "hook_results": hook_results} if keep else None,
            "created_at": utcnow(),
        }
    )
    return log_id
