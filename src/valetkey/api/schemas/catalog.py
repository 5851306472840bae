"""Response models of the catalog routes: what `catalog.serializers` sends (the SDK's wire format).

They document the API (`responses=` in `catalog.routes`); the routes keep
returning the precomputed dicts.
"""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Page, Wire


class Category(Wire):
    id: str
    name: str


class ToolkitMeta(Wire):
    app_url: str | None
    created_at: str
    updated_at: str
    description: str
    logo: str
    tools_count: int
    triggers_count: int
    version: str
    categories: list[dict[str, Any]]


class ToolkitItem(Wire):
    slug: str
    name: str
    type: str
    is_local_toolkit: bool
    no_auth: bool
    auth_schemes: list[str]
    composio_managed_auth_schemes: list[str]
    auth_guide_url: str | None
    meta: ToolkitMeta


class ToolkitDetail(ToolkitItem):
    enabled: bool
    base_url: str | None
    get_current_user_endpoint: str  # "" when the toolkit has no verification request
    get_current_user_endpoint_method: str
    composio_managed_auth: list[Any]
    auth_config_details: list[dict[str, Any]]


class ChangelogVersion(Wire):
    version: str
    changelog: str


class ChangelogItem(Wire):
    slug: str
    name: str
    display_name: str
    versions: list[ChangelogVersion]


class Changelog(Wire):
    items: list[ChangelogItem]
    url: str
    content_type: str
    size: int


class ToolkitRef(Wire):
    slug: str
    name: str
    logo: str


class Tool(Wire):
    slug: str
    name: str
    description: str
    human_description: str | None
    input_parameters: dict[str, Any]
    output_parameters: dict[str, Any]
    no_auth: bool
    scopes: list[str]
    scope_requirements: dict[str, Any] | None
    tags: list[str]
    toolkit: ToolkitRef
    version: str
    available_versions: list[str]
    is_deprecated: bool


class ToolScopes(Wire):
    tool: str
    scope_requirements: dict[str, Any] | None


class RequiredScopes(Wire):
    scopes_required: list[str]
    per_tool_requirements: list[ToolScopes]


ToolkitPage = Page[ToolkitItem]
CategoryPage = Page[Category]
ToolPage = Page[Tool]


class TriggerTypeToolkit(Wire):
    slug: str
    name: str
    logo: str


class TriggerType(Wire):
    """A trigger type (the SDK's `triggers_type_retrieve_response`)."""

    slug: str
    name: str
    description: str
    instructions: str
    type: str
    toolkit: TriggerTypeToolkit
    config: dict[str, Any]
    payload: dict[str, Any]
    version: str
    requires_webhook_endpoint_setup: bool


class TriggerTypePage(Page[TriggerType]):
    pass
