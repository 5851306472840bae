"""Valetkey's native Python client: small, typed, on httpx, no telemetry (docs/client.md).

    from valetkey.client import Valetkey

    vk = Valetkey.from_env()  # VALETKEY_API_KEY, VALETKEY_BASE_URL
    result = vk.execute_tool("github_get_the_authenticated_user", identifier="user-1", connection_name="github")

It imports nothing of the server: a contract in pyproject.toml keeps it that way.
"""

from valetkey.client.client import AsyncValetkey, Valetkey
from valetkey.client.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    TransportError,
    UnprocessableError,
    ValetkeyError,
)
from valetkey.client.models import (
    AuthConfig,
    AuthorizationLink,
    ConnectedAccount,
    ExecuteResult,
    McpUrls,
    Page,
    ProxyResult,
    SearchResult,
    Session,
    Tool,
    Toolkit,
)
from valetkey.client.retry import NO_RETRIES, RetryPolicy
from valetkey.client.shapes import (
    ToolCall,
    read_tool_call,
    strict_schema,
    to_anthropic,
    to_mcp,
    to_openai,
    to_openai_responses,
    tool_result,
)

__all__ = [
    "NO_RETRIES",
    "APIError",
    "AsyncValetkey",
    "AuthConfig",
    "AuthenticationError",
    "AuthorizationLink",
    "BadRequestError",
    "ConflictError",
    "ConnectedAccount",
    "ExecuteResult",
    "McpUrls",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "ProxyResult",
    "RateLimitError",
    "RetryPolicy",
    "SearchResult",
    "ServerError",
    "Session",
    "TimeoutError",
    "Tool",
    "ToolCall",
    "Toolkit",
    "TransportError",
    "UnprocessableError",
    "Valetkey",
    "ValetkeyError",
    "read_tool_call",
    "strict_schema",
    "to_anthropic",
    "to_mcp",
    "to_openai",
    "to_openai_responses",
    "tool_result",
]
