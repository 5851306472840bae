"""`valetkey export`: a project as a snapshot in the Composio wire format, every secret in the clear.

The snapshot is the same document `valetkey import composio` reads from a
source, so one importer restores it; the file is sealed to a passphrase
(`archive.py`) before it touches the disk. What the wire format hides and a
restore needs is added: auth config secrets unmasked, account tokens
unmasked with their `expires_at`, and the webhook subscription's secret.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from valetkey.connections import serializers
from valetkey.connections.credentials import open_account_state, open_config_secrets
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.state import ConnectionsState
from valetkey.mcp import wire as mcp_wire
from valetkey.mcp.models import McpServer
from valetkey.store.db import utcnow
from valetkey.tenancy.models import Project
from valetkey.transfer.snapshot import Snapshot
from valetkey.triggers import instances as trigger_instances
from valetkey.triggers.models import TriggerInstance
from valetkey.webhooks import subscriptions
from valetkey.webhooks.models import WebhookSubscription


def snapshot_project(state: ConnectionsState, project_id: str) -> Snapshot:
    now = utcnow()
    snapshot = Snapshot(source=f"valetkey:{project_id}")
    with state.db.session() as db:
        project = db.get(Project, project_id)
        if project is None:
            raise LookupError(f"project {project_id} not found")
        snapshot.project_config = dict(project.config or {})
        configs = list(
            db.scalars(
                select(AuthConfig).where(AuthConfig.project_id == project_id).order_by(AuthConfig.created_at)
            )
        )
        by_id = {c.id: c for c in configs}
        for config in configs:
            toolkit = state.catalog.find_toolkit(config.toolkit_slug)
            scheme = toolkit.scheme(config.auth_scheme) if toolkit is not None else None
            secrets = open_config_secrets(state.vault, config)
            wire = serializers.auth_config_out(
                config, toolkit=toolkit, scheme=scheme, secrets=secrets, connections=0
            )
            wire["credentials"].update(secrets)  # unmasked: the file is sealed
            snapshot.auth_configs.append(wire)
        accounts = db.scalars(
            select(ConnectedAccount)
            .where(ConnectedAccount.project_id == project_id)
            .order_by(ConnectedAccount.created_at, ConnectedAccount.id)
        )
        for account in accounts:
            secrets = open_account_state(state.vault, project_id, account.id, account.state_encrypted)
            wire = serializers.account_out(
                account, by_id[account.auth_config_id], secrets=secrets, mask=False, now=now
            )
            val = wire["state"]["val"]
            val.pop("imported_from", None)
            if account.expires_at is not None:
                val["expires_at"] = serializers.iso(account.expires_at)
            if account.is_disabled:
                wire["status"] = "INACTIVE"
            snapshot.connected_accounts.append(wire)
        for instance in db.scalars(
            select(TriggerInstance)
            .where(TriggerInstance.project_id == project_id)
            .order_by(TriggerInstance.created_at)
        ):
            snapshot.trigger_instances.append(trigger_instances.serialize(instance))
        sub = db.scalar(select(WebhookSubscription).where(WebhookSubscription.project_id == project_id))
        if sub is not None:
            snapshot.webhook_subscriptions.append(subscriptions.serialize(state.vault, sub, reveal=True))
        servers = db.scalars(
            select(McpServer).where(McpServer.project_id == project_id).order_by(McpServer.created_at)
        )
        for server in servers:
            item: dict[str, Any] = mcp_wire.server_item(server, state.settings.public_url, state.catalog, 0)
            snapshot.mcp_servers.append(item)
    return snapshot
