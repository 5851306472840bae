"""The custom toolkit routes' work: upsert, sync from the remote MCP server, delete.

The router (`valetkey.api.routers.custom_toolkits`) calls these and then tells the project's catalog
view to rebuild (`catalog.overlay.ProjectCatalogs.invalidate`).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.connections.accounts import revoke_quietly
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import ApiError, BadRequest, Forbidden
from valetkey.customkits import remote, store
from valetkey.customkits.schemas import SyncBody, UpsertBody
from valetkey.execution.connection import resolve_connection
from valetkey.execution.state import ExecutionState


def upsert_toolkit(state: ExecutionState, project_id: str, body: UpsertBody) -> dict[str, Any]:
    with state.db.session() as db:
        return {"slug": store.upsert(db, project_id, body)}


async def sync_toolkit(state: ExecutionState, project_id: str, body: SyncBody) -> dict[str, Any]:
    """List the remote server's tools (with the account's headers when one is given) and store them."""

    def _load() -> Any:
        with state.db.session() as db:
            row = store.get(db, project_id, body.slug)
            return store.as_toolkit(row, [])

    toolkit = await run_in_threadpool(_load)
    headers: dict[str, str] = {}
    if body.connected_account_id:
        connection = await resolve_connection(
            state, project_id, toolkit, needs_auth=True, connected_account_id=body.connected_account_id
        )
        headers = remote.auth_headers(toolkit.app_url, connection.scheme, connection.values)
    try:
        tools = await remote.list_tools(toolkit.app_url, headers, state.egress)
    except remote.RemoteError as exc:
        hint = (
            "Pass connected_account_id of an ACTIVE account of this toolkit, so the server gets its API key."
            if not body.connected_account_id and toolkit.scheme("API_KEY") is not None
            else "Check that the MCP server is up and that the operator allowed its address (VALETKEY_EGRESS_ALLOW)."
        )
        raise ApiError(
            f"Could not list the tools of {toolkit.slug.upper()}: {exc}",
            status=502,
            slug="CustomToolkitSyncFailed",
            suggested_fix=hint,
        ) from None

    def _save() -> tuple[str, int]:
        with state.db.session() as db:
            return store.save_tools(db, project_id, body.slug, tools)

    version, count = await run_in_threadpool(_save)
    return {"slug": toolkit.slug.upper(), "version": version, "synced_count": count}


async def delete_toolkit(
    state: ExecutionState, project_id: str, slug: str, *, revoke_on_delete: bool
) -> dict[str, Any]:
    """Delete a project's custom toolkit with its tools, auth configs and connected accounts.

    `revoke_job_ids` is always empty: a custom toolkit's accounts hold static API keys, which have no
    revocation endpoint, so there is nothing to revoke in the background; their sealed credentials are
    deleted with the accounts (whatever `revoke_on_delete` says, as Composio deletes the accounts too).
    """
    if state.catalog.find_toolkit(slug) is not None:
        raise Forbidden(
            f"{slug} is a built-in toolkit; only a project's custom toolkits can be deleted",
            slug="ToolkitNotDeletable",
        )
    if not slug.upper().startswith(store.PREFIX):
        raise BadRequest(f"{slug!r} is not a custom toolkit slug (they start with {store.PREFIX})")

    def _accounts() -> list[tuple[ConnectedAccount, AuthConfig]]:
        with state.db.session() as db:
            row = store.get(db, project_id, slug)
            configs = {
                c.id: c
                for c in db.query(AuthConfig).filter_by(
                    project_id=project_id, toolkit_slug=store.catalog_slug(row.slug)
                )
            }
            accounts = db.query(ConnectedAccount).filter_by(
                project_id=project_id, toolkit_slug=store.catalog_slug(row.slug)
            )
            return [(a, configs[a.auth_config_id]) for a in accounts if a.auth_config_id in configs]

    if revoke_on_delete:  # OAuth accounts would be revoked at the provider; API keys have nowhere to go
        for account, config in await run_in_threadpool(_accounts):
            await revoke_quietly(state, account, config)

    def _delete() -> store.Deleted:
        with state.db.session() as db:
            return store.remove(db, project_id, slug)

    deleted = await run_in_threadpool(_delete)
    return {
        "slug": deleted.slug,
        "deleted": True,
        "revoke_job_ids": [],
        "auth_configs_deleted": deleted.auth_configs,
        "connected_accounts_deleted": deleted.connected_accounts,
    }
