"""Tools written in Python: loading the handler and the context it is given.

A handler is ``def handler(arguments, context)`` (or ``async def``) named in
the tool definition as ``"package.module:function"``. It returns the result's
`data`; raising `ToolError` (or any exception) fails the execution with that
message. Handlers reach the upstream API only through `context.request`, which
applies the toolkit's base URL and the account's credentials, so handler code
never sees a secret unless it reads `context.credentials` deliberately. A 401
renews the credentials once and resends, as for HTTP tools
(`valetkey.execution.renewal`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import AuthScheme, Tool
from valetkey.connections.request_auth import apply_credentials, apply_parameters
from valetkey.execution.renewal import Renew, Sent, send_renewing
from valetkey.net.egress import EgressPolicy
from valetkey.net.request import BodyKind, UpstreamRequest
from valetkey.net.retry import NO_RETRY, RetryPolicy
from valetkey.net.upstream import UpstreamOutcome, UpstreamTransport


class ToolError(Exception):
    """Raise from a handler to fail the execution with a clean message.

    `data` becomes the failed result's `data`, e.g. the ``{"status_code",
    "message"}`` of an upstream error, as HTTP tools report it.
    """

    def __init__(self, message: str = "", data: dict[str, Any] | None = None):
        super().__init__(message)
        self.data = data or {}


class HandlerNotFound(Exception):
    pass


# Imported modules are process-wide (sys.modules) whichever app asks, so a process-wide memo is right;
# a failed load raises and is not remembered.
@functools.lru_cache(maxsize=4096)
def load_handler(ref: str) -> Callable[..., Any]:
    """The function `ref` ("package.module:function") names, imported once."""
    module_name, _, attr = ref.partition(":")
    try:
        handler: Callable[..., Any] = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise HandlerNotFound(f"Tool handler {ref!r} cannot be loaded: {exc}") from exc
    return handler


@dataclass
class ToolContext:
    """What a handler knows about its call. Upstream calls go through `request`."""

    arguments: dict[str, Any]
    user_id: str | None
    connected_account_id: str | None
    base_url: str
    http: UpstreamTransport
    scheme: AuthScheme | None = None
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    retry: RetryPolicy = NO_RETRY
    # The project's staged files (`valetkey.files.access.ProjectFiles`): what the SDK uploaded for
    # `file_uploadable` arguments, and where a tool's returned files go.
    files: Any = None
    # After a 401: newer credentials (a refreshed OAuth 2 token), or None; None here: no renewal.
    renew: Renew[Mapping[str, Any]] | None = field(default=None, repr=False)
    # Every upstream call the handler made (a refused one and its resend both), for the execution log.
    calls: list[tuple[UpstreamRequest, UpstreamOutcome]] = field(default_factory=list, repr=False)
    # The tool being run, and the egress policy for handlers that open clients of their own (the
    # remote MCP servers of custom toolkits, `valetkey.customkits.remote`).
    tool: Tool | None = None
    egress: EgressPolicy | None = field(default=None, repr=False)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
    ) -> UpstreamOutcome:
        """Call the toolkit's API at `path` (relative to its base URL) with credentials applied.

        A 401 renews the credentials once (`renew`) and resends; later calls use the renewed ones.
        """
        if "://" in path:
            raise ToolError("context.request takes a path relative to the toolkit's base URL")
        pairs = params.items() if isinstance(params, Mapping) else (params or ())
        query = tuple((k, str(v)) for k, v in pairs)
        kind: BodyKind | None = None
        body: Any = None
        if json is not None:
            kind, body = "json", json
        elif content is not None:
            kind, body = "raw", content
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        unsigned = apply_parameters(
            UpstreamRequest(method.upper(), url, dict(headers or {}), query, kind, body), self.parameters
        )

        async def send(credentials: Mapping[str, Any]) -> Sent:
            request = apply_credentials(unsigned, self.scheme, credentials)
            outcome = await self.http.send(request, self.retry)
            self.calls.append((request, outcome))
            return request, outcome

        self.credentials, _, outcome = await send_renewing(self.credentials, send, self.renew)
        return outcome


async def run_handler(ref: str, context: ToolContext) -> Any:
    """The handler's return value; exceptions propagate for the caller to report."""
    handler = load_handler(ref)
    if inspect.iscoroutinefunction(handler):
        return await handler(context.arguments, context)
    result = await run_in_threadpool(handler, context.arguments, context)
    if inspect.isawaitable(result):
        result = await result
    return result
