"""Project management (org key) and project configuration (project key)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import key_cache, require_org, require_project
from valetkey.api.responses import documented, link
from valetkey.api.schemas import tenancy as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import OrgContext, ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.validation import Name, QueryText
from valetkey.tenancy import service
from valetkey.tenancy.models import Organization, Project
from valetkey.triggers import instances

router = APIRouter(tags=["projects"])
_ID = {"nano_id": "$response.body#/id"}
PROJECT_LINKS = {
    "GetProject": link("GET /org/owner/project/{nano_id}", **_ID),
    "RegenerateApiKey": link("POST /org/owner/project/{nano_id}/regenerate_api_key", **_ID),
    "DeleteProject": link("DELETE /org/owner/project/{nano_id}", **_ID),
}


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_2FA_enabled: bool | None = None
    logo_url: QueryText | None = Field(default=None, max_length=2048)
    display_name: Name | None = Field(default=None, max_length=120)
    mask_secret_keys_in_connected_account: bool | None = None
    log_visibility_setting: Literal["show_all", "dont_store_data"] | None = None
    require_mcp_api_key: bool | None = None


class NewProject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=75, pattern=r"^[a-zA-Z0-9_-]+$")
    should_create_api_key: bool = False
    config: ProjectConfig | None = None


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _project_out(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "org_id": project.org_id,
        "name": project.name,
        "email": "",
        "created_at": _iso(project.created_at),
        "updated_at": _iso(project.updated_at),
        "webhook_url": None,
        "event_webhook_url": None,
        "webhook_secret": None,
        "triggers_enabled": True,
        "last_subscribed_at": None,
        "is_new_webhook": True,
        "webhook_version": "V3",
        "deleted": project.deleted,
    }


def _config_out(config: dict[str, Any]) -> dict[str, Any]:
    full = {**service.DEFAULT_PROJECT_CONFIG, **config}
    return {k: v for k, v in full.items() if v is not None}


@router.post(
    "/org/owner/project/new",
    status_code=201,
    responses=documented(r.CreatedProject, 409, status=201, links=PROJECT_LINKS),
)
def create_project(
    body: NewProject, org: OrgContext = Depends(require_org), state: AppState = Depends(app_state)
):
    config = body.config.model_dump(exclude_none=True) if body.config else None
    with state.db.session() as db:
        project = service.create_project(db, org.org_id, body.name, config=config)
        key = service.create_project_key(db, project.id) if body.should_create_api_key else None
        return {"id": project.id, "name": project.name, "api_key": key.key if key else None}


@router.get("/org/owner/project/list", responses=documented(r.ProjectList))
def list_projects(
    limit: int = Query(50, ge=1, description="Projects per page; more than 500 is served as 500."),
    cursor: QueryText | None = None,
    org: OrgContext = Depends(require_org),
    state: AppState = Depends(app_state),
):
    limit = min(limit, 500)
    offset = decode_cursor(cursor)
    with state.db.session() as db:
        projects = service.list_projects(db, org.org_id)
    page = projects[offset : offset + limit]
    more = offset + limit < len(projects)
    return {
        "data": [_project_out(p) for p in page],
        "next_cursor": encode_cursor(offset + limit) if more else None,
        "total_pages": max(1, -(-len(projects) // limit)),
        "current_page": offset // limit + 1,
        "total_items": len(projects),
    }


@router.get("/org/owner/project/{nano_id}", responses=documented(r.ProjectDetail, 404))
def get_project(nano_id: str, org: OrgContext = Depends(require_org), state: AppState = Depends(app_state)):
    with state.db.session() as db:
        project = service.get_project(db, org.org_id, nano_id)
        keys = service.project_keys(db, project.id)
        out = _project_out(project)
        out["api_keys"] = [
            {"id": k.id, "name": k.name, "key": k.hint, "created_at": _iso(k.created_at)} for k in keys
        ]
        out["config"] = _config_out(project.config or {})
        return out


@router.delete("/org/owner/project/{nano_id}", responses=documented(r.Deleted, 404))
async def delete_project(
    nano_id: str, org: OrgContext = Depends(require_org), state: AppState = Depends(app_state)
):
    def _project_id() -> str:
        with state.db.session() as db:
            return service.get_project(db, org.org_id, nano_id).id  # 404 for another org's

    project_id = await run_in_threadpool(_project_id)
    # Its triggers first: their hooks are removed at the apps while the accounts can still call them.
    await instances.delete_all(state, project_id)

    def _delete() -> None:
        with state.db.session() as db:
            service.delete_project(db, service.get_project(db, org.org_id, nano_id))

    await run_in_threadpool(_delete)
    key_cache(state).evict_project(nano_id)
    return {"status": "success"}


@router.post("/org/owner/project/{nano_id}/regenerate_api_key", responses=documented(r.RegeneratedKey, 404))
def regenerate_api_key(
    nano_id: str, org: OrgContext = Depends(require_org), state: AppState = Depends(app_state)
):
    with state.db.session() as db:
        project = service.get_project(db, org.org_id, nano_id)
        key = service.regenerate_key(db, project)
    key_cache(state).evict_project(nano_id)
    return {
        "api_key": {"id": key.id, "name": key.name, "key": key.key, "created_at": _iso(key.created_at)},
        "message": "API key regenerated successfully",
    }


@router.get("/auth/session/info", responses=documented(r.SessionInfo))
def session_info(project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)):
    """Who a project key is: its project and organization (`valetkey whoami`, the SDK's `auth.session`).

    A self-hosted installation has no member accounts behind a project key, so
    `org_member` names the key's project role, and `api_key` is null: the key in
    use is not known to the route (keys are stored hashed), and the caller has it.
    """
    with state.db.session() as db:
        row = service.get_project(db, project.org_id, project.project_id)
        org = db.get(Organization, row.org_id)
        out = _project_out(row)
        out |= {
            "auto_id": 0,
            "nano_id": row.id,
            "org": {"id": row.org_id, "name": org.name if org else "", "plan": "self-hosted"},
        }
    member = {"id": project.project_id, "email": "", "name": "project API key", "role": "project"}
    return {"project": out, "api_key": None, "org_member": {**member, "metadata": {}}}


@router.get("/org/project/config", responses=documented(r.ProjectConfigOut))
def get_config(project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)):
    with state.db.session() as db:
        row = service.get_project(db, project.org_id, project.project_id)
        return _config_out(row.config or {})


@router.patch("/org/project/config", responses=documented(r.ProjectConfigOut))
def update_config(
    body: ProjectConfig,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        row = service.get_project(db, project.org_id, project.project_id)
        config = service.update_config(row, body.model_dump(exclude_unset=True))
    key_cache(state).evict_project(project.project_id)
    return _config_out(config)
