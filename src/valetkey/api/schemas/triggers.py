"""Response schemas of `/trigger_instances` (the SDK's `trigger_instance_*` models)."""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Page, Wire


class TriggerHealth(Wire):
    last_event_at: str | None
    last_poll_at: str | None
    next_poll_at: str | None
    consecutive_errors: int
    last_error: str | None
    disabled_reason: str | None


class TriggerInstance(Wire):
    id: str
    uuid: str
    connected_account_id: str
    connected_account_uuid: str
    auth_config_id: str
    trigger_name: str
    user_id: str
    trigger_data: str | None
    version: str
    trigger_config: dict[str, Any]
    egress_url: str | None
    status: str
    disabled_reason: str | None
    updated_at: str
    disabled_at: str | None
    health: TriggerHealth


class TriggerInstancePage(Page[TriggerInstance]):
    pass


class Upserted(Wire):
    trigger_id: str


class ManageStatus(Wire):
    status: str


class Deleted(Wire):
    trigger_id: str


class Endpoint(Wire):
    id: str
    toolkit_slug: str
    client_id: str | None
    webhook_url: str
    data: dict[str, str] | None  # secrets masked
    created_at: str


class EndpointItem(Wire):
    id: str
    toolkit_slug: str
    client_id: str | None


class EndpointList(Wire):
    items: list[EndpointItem]
