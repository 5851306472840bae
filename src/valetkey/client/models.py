"""Typed results: what the server returns, as frozen dataclasses.

Each keeps the fields a caller reads and the whole answer in `raw` (the server may add fields;
nothing is lost). Statuses are reported in both vocabularies: `status` (Composio's) and
`scalekit_status` (PENDING, ACTIVE, EXPIRED, REVOKED, ERROR).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total_items: int | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def page_of(parse: Callable[[Any], T]) -> Callable[[Any], Page[T]]:
    def read(document: Any) -> Page[T]:
        body = _dict(document)
        return Page(
            [parse(item) for item in body.get("items") or []],
            body.get("next_cursor") or None,
            body.get("total_items"),
        )

    return read


@dataclass(frozen=True)
class ExecuteResult:
    successful: bool
    data: Any
    error: str | None
    log_id: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> ExecuteResult:
        body = _dict(document)
        successful = body.get("successful")
        if successful is None:  # a session's answer: error is None on success
            successful = body.get("error") in (None, "")
        return cls(bool(successful), body.get("data"), body.get("error") or None, body.get("log_id"), body)


@dataclass(frozen=True)
class ProxyResult:
    status: int | None
    data: Any
    headers: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> ProxyResult:
        body = _dict(document)
        return cls(body.get("status"), body.get("data"), _dict(body.get("headers")), body)


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    user_id: str
    toolkit: str
    auth_config_id: str | None
    status: str
    scalekit_status: str | None
    status_reason: str | None
    is_disabled: bool
    alias: str | None
    redirect_url: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE" and not self.is_disabled

    @classmethod
    def from_wire(cls, document: Any) -> ConnectedAccount:
        body = _dict(document)
        toolkit = body.get("toolkit")
        return cls(
            id=body["id"],
            user_id=body.get("user_id") or "",
            toolkit=(toolkit.get("slug") if isinstance(toolkit, dict) else toolkit) or "",
            auth_config_id=_dict(body.get("auth_config")).get("id"),
            status=body.get("status") or "",
            scalekit_status=body.get("scalekit_status"),
            status_reason=body.get("status_reason"),
            is_disabled=bool(body.get("is_disabled")),
            alias=body.get("alias"),
            redirect_url=body.get("redirect_url"),
            raw=body,
        )


@dataclass(frozen=True)
class AuthConfig:
    id: str
    name: str
    toolkit: str
    auth_scheme: str
    status: str
    is_composio_managed: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> AuthConfig:
        body = _dict(document)
        return cls(
            id=body["id"],
            name=body.get("name") or "",
            toolkit=_dict(body.get("toolkit")).get("slug") or "",
            auth_scheme=body.get("auth_scheme") or "",
            status=body.get("status") or "",
            is_composio_managed=bool(body.get("is_composio_managed")),
            raw=body,
        )


@dataclass(frozen=True)
class AuthorizationLink:
    """A Connect Link: send the user to `link`; the account is `connected_account_id` once they finish."""

    link: str
    connected_account_id: str
    link_token: str
    expires_at: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> AuthorizationLink:
        body = _dict(document)
        return cls(
            body["redirect_url"],
            body["connected_account_id"],
            body.get("link_token") or "",
            body.get("expires_at"),
            body,
        )


@dataclass(frozen=True)
class Toolkit:
    slug: str
    name: str
    auth_schemes: list[str]
    no_auth: bool
    description: str
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> Toolkit:
        body = _dict(document)
        return cls(
            body["slug"],
            body.get("name") or body["slug"],
            list(body.get("auth_schemes") or []),
            bool(body.get("no_auth")),
            _dict(body.get("meta")).get("description") or "",
            body,
        )


@dataclass(frozen=True)
class Tool:
    """A tool's definition; render it for a model with `valetkey.client.shapes`."""

    slug: str
    name: str
    description: str
    toolkit: str
    input_parameters: dict[str, Any]
    output_parameters: dict[str, Any]
    no_auth: bool
    version: str | None
    tags: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> Tool:
        body = _dict(document)
        toolkit = body.get("toolkit")
        return cls(
            slug=body["slug"],
            name=body.get("name") or body["slug"],
            description=body.get("description") or "",
            toolkit=(toolkit.get("slug") if isinstance(toolkit, dict) else toolkit) or "",
            input_parameters=_dict(body.get("input_parameters")) or {"type": "object", "properties": {}},
            output_parameters=_dict(body.get("output_parameters")),
            no_auth=bool(body.get("no_auth")),
            version=body.get("version"),
            tags=list(body.get("tags") or []),
            raw=body,
        )


@dataclass(frozen=True)
class Session:
    """A Tool Router session; `mcp_url` with `mcp_headers` serves its tools over MCP."""

    id: str
    user_id: str
    config: dict[str, Any]
    mcp_url: str
    mcp_headers: dict[str, str]
    tool_router_tools: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> Session:
        body = _dict(document)
        mcp = _dict(body.get("mcp"))
        config = _dict(body.get("config"))
        return cls(
            id=body["session_id"],
            user_id=config.get("user_id") or "",
            config=config,
            mcp_url=mcp.get("url") or "",
            mcp_headers=dict(_dict(mcp.get("headers"))),
            tool_router_tools=list(body.get("tool_router_tools") or []),
            raw=body,
        )


@dataclass(frozen=True)
class SearchResult:
    """A session search: the tools found per query, their schemas, and which toolkits need a connection."""

    success: bool
    results: list[dict[str, Any]]
    tool_schemas: Any
    toolkit_connection_statuses: list[dict[str, Any]]
    error: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> SearchResult:
        body = _dict(document)
        return cls(
            bool(body.get("success")),
            list(body.get("results") or []),
            body.get("tool_schemas"),
            list(body.get("toolkit_connection_statuses") or []),
            body.get("error"),
            body,
        )


@dataclass(frozen=True)
class McpUrls:
    """Per-user MCP URLs: each carries its own credential (no API key), shown once."""

    base_url: str
    user_urls: list[str]
    connected_account_urls: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, document: Any) -> McpUrls:
        body = _dict(document)
        return cls(
            body.get("mcp_url") or "",
            list(body.get("user_ids_url") or []),
            list(body.get("connected_account_urls") or []),
            body,
        )


def nothing(_: Any) -> None:
    return None


def raw(document: Any) -> dict[str, Any]:
    return _dict(document)
