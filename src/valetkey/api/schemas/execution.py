"""Response models of the execution and log routes, for the API description.

Execute and proxy are the hottest routes: they keep returning their dicts
through a plain JSON response and these models only document them
(`responses=`, never `response_model=`, which would re-validate every answer).
"""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Wire


class ExecuteResult(Wire):
    """`{data, error, successful, log_id}`: a failed tool call is a 200 with `successful: false`."""

    data: Any
    error: str | None
    successful: bool
    log_id: str | None


class ProxyResult(Wire):
    """The upstream's answer: its status, headers and body (parsed JSON, or text)."""

    data: Any
    status: int
    headers: dict[str, Any]


class LogSummary(Wire):
    id: str
    timestamp: str
    type: str
    status: str
    level: str
    message: str | None
    metadata: dict[str, Any]
    metrics: dict[str, Any]
    parent: Any
    tool_slug: str
    toolkit_slug: str | None


class LogEntry(LogSummary):
    timings: dict[str, Any]
    context: dict[str, Any]
    source: dict[str, Any]
    data: dict[str, Any]


class LogPage(Wire):
    logs: list[LogSummary]
    next_cursor: str | None
