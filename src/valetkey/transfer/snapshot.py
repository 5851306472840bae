"""A project as the Composio v3 API shows it: the import's input and the export's content.

Each part keeps the API's wire objects as they came (auth configs, connected
accounts with `state.val`, trigger instances, the webhook subscription, MCP
servers), so one importer reads a Composio project, another Valetkey's, and
an export file alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from valetkey.transfer.source import SourceClient, SourceError

FORMAT = "valetkey.project-snapshot"
FORMAT_VERSION = 1


@dataclass
class Snapshot:
    source: str
    auth_configs: list[dict[str, Any]] = field(default_factory=list)
    connected_accounts: list[dict[str, Any]] = field(default_factory=list)
    trigger_instances: list[dict[str, Any]] = field(default_factory=list)
    webhook_subscriptions: list[dict[str, Any]] = field(default_factory=list)
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)
    # The source project's settings, when known (masking decides whether tokens came along).
    project_config: dict[str, Any] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Snapshot:
        if document.get("format") != FORMAT or document.get("version") != FORMAT_VERSION:
            raise ValueError(f"not a {FORMAT} v{FORMAT_VERSION} document")
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in document.items() if k in names})

    def counts(self) -> dict[str, int]:
        return {
            "auth_configs": len(self.auth_configs),
            "connected_accounts": len(self.connected_accounts),
            "trigger_instances": len(self.trigger_instances),
            "webhook_subscriptions": len(self.webhook_subscriptions),
            "mcp_servers": len(self.mcp_servers),
        }


Progress = Callable[[str, int], None]


def read_source(client: SourceClient, on_page: Progress | None = None) -> Snapshot:
    """Everything the source project holds that moves, read through its v3 API."""
    snapshot = Snapshot(source=client.base_url)

    def collect(kind: str, pages: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in pages:
            items.extend(page)
            if on_page:
                on_page(kind, len(page))
        return items

    snapshot.auth_configs = collect("auth_configs", client.pages("/api/v3/auth_configs"))
    snapshot.connected_accounts = collect(
        "connected_accounts",
        client.pages("/api/v3/connected_accounts", {"order_by": "created_at", "order_direction": "asc"}),
    )
    snapshot.trigger_instances = collect(
        "trigger_instances", client.pages("/api/v3/trigger_instances/active", {"show_disabled": "true"})
    )
    snapshot.webhook_subscriptions = collect(
        "webhook_subscriptions", client.pages("/api/v3/webhook_subscriptions")
    )
    snapshot.mcp_servers = collect("mcp_servers", client.numbered_pages("/api/v3/mcp/servers"))
    try:
        snapshot.project_config = dict(client.get("/api/v3/org/project/config"))
    except SourceError:  # not every source serves it; the accounts' values tell masking apart anyway
        snapshot.project_config = {}
    return snapshot
