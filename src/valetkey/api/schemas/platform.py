"""Response models of the smaller SDK routes: revocation, scope advice, usage, and the cloud-only answers.

They document the API (`responses=` next to each route); the routes return plain dicts.
"""

from __future__ import annotations

from pydantic import Field

from valetkey.api.responses import Wire


class RevokedAccount(Wire):
    id: str
    status: str = Field(examples=["REVOKED"])


class Revocation(Wire):
    """`POST /connected_accounts/{nanoid}/revoke`: the tokens the provider revoked on this call."""

    revoked_tokens: list[str] = Field(examples=[["refresh_token", "access_token"]])
    connected_account: RevokedAccount


class ScopeCondition(Wire):
    scope: str


class RecommendedScopes(Wire):
    least_privilege: list[str]
    fewest: list[str]
    conditional: list[ScopeCondition]


class ScopeRecommendation(Wire):
    auth_scheme: str
    toolkit_version: str
    grant_context: dict[str, str]
    scopes: RecommendedScopes


class GrantContexts(Wire):
    auth_scheme: str
    toolkit_version: str
    grant_context_dimensions: list[dict[str, object]]
    default_grant_context: dict[str, str]


class UsageEntity(Wire):
    unit: str
    total_quantity: str
    event_count: int


class UsageSummary(Wire):
    entities: dict[str, UsageEntity]
    instant_charge: str = Field(examples=["0"])


class UsageGroup(Wire):
    key: str
    total_quantity: str
    event_count: int


class UsageBreakdown(Wire):
    entity_type: str
    unit: str
    total_quantity: str
    event_count: int
    groups: list[UsageGroup]


class CompletedAuth(Wire):
    """`POST /connected_accounts/complete_auth` (the shape Composio answers; Valetkey answers 404)."""

    connected_account_id: str
    toolkit_slug: str


class ListedFile(Wire):
    toolkit_slug: str
    tool_slug: str
    filename: str
    mimetype: str
    md5: str


class FilePage(Wire):
    """`GET /files/list`."""

    items: list[ListedFile]
    next_cursor: str | None
    total_items: int
    current_page: int
    total_pages: int


# What Composio answers on the cloud-only routes (api/routers/cloud_only.py); Valetkey answers the error.


class TransferKeys(Wire):
    success: bool
    active_kid: str
    keys: list[dict[str, str]]


class SessionInfo(Wire):
    project: dict[str, object] | None
    api_key: dict[str, object] | None
    org_member: dict[str, object]


class NanoId(Wire):
    nanoid: str


class LabsSession(Wire):
    session_id: str
    chat_session_mcp_url: str


class ToolInput(Wire):
    """`POST /tools/execute/{tool_slug}/input`: the arguments, or why the model's are not valid."""

    arguments: dict[str, object] | None
    error: str | None
