"""Response models of the session (tool router) routes, for the API description.

Session execute and search are hot and loosely shaped: the routes keep
returning their dicts and these models only document them.
"""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Page, Wire
from valetkey.api.schemas.catalog import Tool


class SessionMcp(Wire):
    type: str
    url: str
    headers: dict[str, str]


class Session(Wire):
    session_id: str
    config: dict[str, Any]
    config_version: int
    mcp: SessionMcp
    tool_router_tools: list[str]


class SessionDeleted(Wire):
    session_id: str
    deleted: bool


class SessionConfigVersion(Wire):
    version: int
    config: dict[str, Any]
    is_current: bool
    created_at: str


class HookBlock(Wire):
    """Why a session hook blocked a call (docs/sessions.md, "Hooks")."""

    type: str  # request_blocked | response_blocked
    hook_id: str
    message: str


class SessionProxyResult(Wire):
    """The proxied API's answer; `result_type` is "completed", or "blocked" by a session hook (no status)."""

    data: Any
    status: int | None = None
    headers: dict[str, str] | None = None
    result_type: str
    hook_results: list[dict[str, Any]] | None = None
    reason: HookBlock | None = None
    block_reason: HookBlock | None = None
    message: str | None = None


class SessionToolkit(Wire):
    slug: str
    name: str
    enabled: bool
    is_no_auth: bool
    composio_managed_auth_schemes: list[str]
    meta: dict[str, Any]
    connected_account: dict[str, Any] | None


class SessionLink(Wire):
    connected_account_id: str
    link_token: str
    redirect_url: str


class SessionExecuteResult(Wire):
    """A tool's result; `result_type` is "completed", "failed" or "blocked" (by a session hook)."""

    data: Any
    error: Any
    log_id: str
    result_type: str
    hook_results: list[dict[str, Any]] | None = None  # one per session hook that ran
    reason: HookBlock | None = None  # blocked: what the Python SDK reads as block_reason
    block_reason: HookBlock | None = None
    message: str | None = None  # blocked: the hook's message (also in `error`)


class SessionSearch(Wire):
    success: bool
    error: str | None
    results: list[dict[str, Any]]
    tool_schemas: Any
    toolkit_connection_statuses: list[dict[str, Any]]
    session: dict[str, Any]


SessionToolPage = Page[Tool]
SessionToolkitPage = Page[SessionToolkit]
SessionConfigHistory = Page[SessionConfigVersion]


class ListedSession(Session):
    user_id: str
    created_at: str


class SessionPage(Wire):
    """GET /tool_router/session (a Valetkey extension: Composio has no session listing)."""

    items: list[ListedSession]
    next_cursor: str | None
    total_items: int
