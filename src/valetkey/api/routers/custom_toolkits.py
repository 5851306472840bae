"""`/custom/toolkits`: a project's custom toolkits (a remote MCP server as a toolkit), over `customkits`.

`upsert` registers one (or updates its display metadata), `sync` lists the remote server's tools into
it, `DELETE` removes it with its auth configs and connected accounts. Each write tells the project's
catalog view to rebuild, so tools, toolkits, execute, search, sessions and MCP see the change at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.customkits import service
from valetkey.customkits.schemas import SyncBody, UpsertBody

router = APIRouter(tags=["custom toolkits"])


class Upserted(BaseModel):
    slug: str


class Synced(BaseModel):
    slug: str
    version: str
    synced_count: int


class Deleted(BaseModel):
    slug: str
    deleted: bool
    revoke_job_ids: list[str]
    auth_configs_deleted: int
    connected_accounts_deleted: int


@router.post("/custom/toolkits/upsert", responses=documented(Upserted, 409))
async def upsert_custom_toolkit(
    body: UpsertBody, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
) -> dict[str, Any]:
    """Create a custom toolkit, or update its name, API key field copy and logo (app_url and auth fixed)."""
    answer = await run_in_threadpool(service.upsert_toolkit, state, project.project_id, body)
    state.catalogs.invalidate(project.project_id)
    return answer


@router.post("/custom/toolkits/sync", responses=documented(Synced, 404, 502))
async def sync_custom_toolkit(
    body: SyncBody, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
) -> dict[str, Any]:
    """Fetch the tools of the toolkit's remote MCP server (with the account's credentials when given)."""
    answer = await service.sync_toolkit(state, project.project_id, body)
    state.catalogs.invalidate(project.project_id)
    return answer


@router.delete("/custom/toolkits/{slug}", responses=documented(Deleted, 403, 404))
async def delete_custom_toolkit(
    slug: str,
    revoke_on_delete: bool = True,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> dict[str, Any]:
    """Delete a custom toolkit with its tools, auth configs and connected accounts (403 for a built-in)."""
    answer = await service.delete_toolkit(state, project.project_id, slug, revoke_on_delete=revoke_on_delete)
    state.catalogs.invalidate(project.project_id)
    return answer
