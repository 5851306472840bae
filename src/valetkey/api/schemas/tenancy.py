"""Response models of the project routes (`tenancy.routes`): what they send, for the API description."""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Wire


class CreatedProject(Wire):
    id: str
    name: str
    api_key: str | None


class Project(Wire):
    id: str
    org_id: str
    name: str
    email: str
    created_at: str
    updated_at: str
    webhook_url: str | None
    event_webhook_url: str | None
    webhook_secret: str | None
    triggers_enabled: bool
    last_subscribed_at: str | None
    is_new_webhook: bool
    webhook_version: str
    deleted: bool


class ApiKey(Wire):
    id: str
    name: str
    key: str
    created_at: str


class ProjectDetail(Project):
    api_keys: list[ApiKey]
    config: dict[str, Any]


class ProjectList(Wire):
    data: list[Project]
    next_cursor: str | None
    total_pages: int
    current_page: int
    total_items: int


class Deleted(Wire):
    status: str


class RegeneratedKey(Wire):
    api_key: ApiKey
    message: str


class ProjectConfigOut(Wire):
    """The project's settings; unset ones are left out."""

    is_2FA_enabled: bool | None = None
    logo_url: str | None = None
    display_name: str | None = None
    mask_secret_keys_in_connected_account: bool | None = None
    log_visibility_setting: str | None = None
    require_mcp_api_key: bool | None = None


class SessionOrg(Wire):
    id: str
    name: str
    plan: str


class SessionProject(Project):
    auto_id: int
    nano_id: str
    org: SessionOrg


class SessionMember(Wire):
    id: str
    email: str
    name: str
    role: str
    metadata: dict[str, Any]


class SessionInfo(Wire):
    project: SessionProject | None
    api_key: ApiKey | None
    org_member: SessionMember
