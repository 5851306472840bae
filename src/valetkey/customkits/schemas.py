"""The request bodies of /api/v3.1/custom/toolkits (composio_client's `CustomUpsertBody`, `CustomSyncBody`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from valetkey.core.validation import RequestBody, ResourceId


class LogoFile(RequestBody):
    content: Annotated[str, Field(min_length=1, max_length=4_000_000, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]
    mime_type: Literal["image/png", "image/jpeg"]


class NoAuthScheme(RequestBody):
    mode: Literal["NO_AUTH"]


class ApiKeyField(RequestBody):
    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class ApiKeyScheme(RequestBody):
    mode: Literal["API_KEY"]
    # Headers sent to the MCP server; {{generic_api_key}} is where the account's API key goes.
    headers: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=100)], Annotated[str, Field(max_length=2000)]],
        Field(min_length=1, max_length=20),
    ]
    api_key_field: ApiKeyField | None = None


class DcrOAuthScheme(RequestBody):
    mode: Literal["DCR_OAUTH"]
    discovery_url: Annotated[str, Field(min_length=1, max_length=2000)]


AuthSchemeBody = Annotated[NoAuthScheme | ApiKeyScheme | DcrOAuthScheme, Field(discriminator="mode")]


class ToolkitConfig(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    app_url: Annotated[str, Field(min_length=1, max_length=2000)]
    logo_file: LogoFile | None = None
    auth_schemes: Annotated[list[AuthSchemeBody], Field(min_length=1, max_length=5)]


class UpsertBody(RequestBody):
    slug: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[a-zA-Z0-9_\s]+$")]
    toolkit_config: ToolkitConfig


class SyncBody(RequestBody):
    slug: Annotated[str, Field(min_length=1, max_length=37, pattern=r"^[a-zA-Z0-9_]+$")]
    connected_account_id: ResourceId | None = None
