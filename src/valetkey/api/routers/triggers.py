"""HTTP routes of trigger instances and provider ingress, thin over `valetkey.triggers`.

``/trigger_instances`` is Composio's (the SDK's `triggers.create`, `list_active`,
`enable`, `disable`, `delete`). ``/trigger_ingress/{toolkit}/{trigger_id}`` is
where apps deliver (GitHub's hook URL): no API key, the provider's signature.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import triggers as r
from valetkey.api.state import AppState, app_state
from valetkey.catalog.params import split_list
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError, ValidationError
from valetkey.core.validation import QueryText, ResourceId, Slug, UserId, limit_query
from valetkey.triggers import endpoints, ingress, instances
from valetkey.triggers.providers.base import IngressRequest

router = APIRouter(tags=["triggers"])
MAX_LIMIT = 1000
EGRESS_FIX = (
    "Valetkey delivers every event to the project's webhook subscription (POST /webhook_subscriptions)."
)


class UpsertBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    connected_account_id: ResourceId | None = Field(
        None, validation_alias=AliasChoices("connected_account_id", "connectedAuthId")
    )
    user_id: UserId | None = None
    trigger_config: dict[str, Any] | None = Field(
        None, validation_alias=AliasChoices("trigger_config", "triggerConfig")
    )
    toolkit_versions: str | dict[str, str] | None = None
    version: str | None = None
    egress_url: str | None = None


class ManageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["enable", "disable"] | None = None
    user_id: UserId | None = None
    egress_url: str | None = None


def _no_egress_url(value: str | None) -> None:
    if value is not None:
        raise ValidationError(
            "egress_url is not supported: per-trigger delivery URLs do not exist here",
            suggested_fix=EGRESS_FIX,
        )


def _version(state: AppState, slug: str, body: UpsertBody) -> str | None:
    selector = body.toolkit_versions
    if isinstance(selector, dict):
        toolkit = state.catalog.trigger_type(slug)[1].slug
        return selector.get(toolkit) or selector.get(toolkit.upper()) or None
    return body.version or selector


@router.post("/trigger_instances/{slug}/upsert", responses=documented(r.Upserted, 404, 422))
async def upsert_trigger(
    slug: QueryText = Path(),
    body: UpsertBody = Body(default_factory=UpsertBody),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    _no_egress_url(body.egress_url)
    trigger_id = await instances.upsert(
        state,
        project.project_id,
        slug,
        user_id=body.user_id,
        connected_account_id=body.connected_account_id,
        trigger_config=body.trigger_config or {},
        version=_version(state, slug, body),
    )
    return {"trigger_id": trigger_id}


@router.get("/trigger_instances/active", responses=documented(r.TriggerInstancePage))
async def list_active(
    request: Request,
    connected_account_ids: list[QueryText] | None = Query(None),
    trigger_ids: list[QueryText] | None = Query(None),
    trigger_names: list[QueryText] | None = Query(None),
    auth_config_ids: list[QueryText] | None = Query(None),
    user_ids: list[QueryText] | None = Query(None),
    show_disabled: bool = False,
    limit: float | None = limit_query(None, maximum=MAX_LIMIT),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    q = request.query_params

    def both(snake: list[str] | None, camel: str) -> list[str]:
        return split_list(snake) + split_list(q.getlist(camel))

    disabled = show_disabled or q.get("showDisabled", "").lower() == "true"

    def run() -> dict[str, Any]:
        with state.db.session() as db:
            return instances.list_active(
                db,
                project.project_id,
                trigger_ids=both(trigger_ids, "triggerIds"),
                trigger_names=both(trigger_names, "triggerNames"),
                connected_account_ids=both(connected_account_ids, "connectedAccountIds"),
                auth_config_ids=both(auth_config_ids, "authConfigIds"),
                user_ids=split_list(user_ids),
                show_disabled=disabled,
                limit=int(limit) if limit is not None else 50,
                cursor=cursor,
            )

    return await run_in_threadpool(run)


@router.patch("/trigger_instances/manage/{trigger_id}", responses=documented(r.ManageStatus, 404, 409))
async def manage_trigger(
    body: ManageBody,
    trigger_id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    _no_egress_url(body.egress_url)
    if body.status is None:
        raise ValidationError("status is required: enable or disable")
    await instances.set_status(state, project.project_id, trigger_id, body.status, body.user_id)
    return {"status": "success"}


@router.delete("/trigger_instances/manage/{trigger_id}", responses=documented(r.Deleted, 404))
async def delete_trigger(
    trigger_id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    await instances.delete(state, project.project_id, trigger_id)
    return {"trigger_id": trigger_id}


@router.get("/internal/sdk/realtime/credentials", include_in_schema=False)
async def realtime_credentials(project: ProjectContext = Depends(require_project)) -> Any:
    raise ApiError(
        "triggers.subscribe() needs Composio's hosted Pusher channel, which a self-hosted server does not have: "
        "receive events with a webhook subscription instead (composio.triggers.set_webhook_subscription), "
        "or watch them locally with `valetkey triggers listen [--forward URL]`",
        status=501,
        slug="RealtimeUnsupported",
        suggested_fix="Receive events with a webhook subscription (POST /api/v3/webhook_subscriptions with "
        "a webhook_url; the SDK's set-webhook-subscription method) and verify each delivery's signature "
        "with the subscription's secret; locally, point it at an http://127.0.0.1 receiver with "
        "VALETKEY_WEBHOOK_ALLOW_PRIVATE=1.",
    )


@router.post(
    instances.INGRESS_PREFIX.removeprefix("/api/v3.1") + "/{toolkit}/{trigger_id}",
    responses=documented(dict[str, Any], 400, 401, 404, 413, public=True),
)
async def trigger_ingress(
    request: Request,
    toolkit: QueryText = Path(),
    trigger_id: ResourceId = Path(),
    state: AppState = Depends(app_state),
) -> Any:
    delivery = IngressRequest(
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
    )
    return await run_in_threadpool(ingress.ingest, state, toolkit, trigger_id, delivery)


@router.post(
    "/trigger_ingress/{toolkit}/apps/{endpoint_id}",
    responses=documented(dict[str, Any], 400, 401, 404, 413, public=True),
)
async def app_ingress(
    request: Request,
    toolkit: QueryText = Path(),
    endpoint_id: ResourceId = Path(),
    state: AppState = Depends(app_state),
) -> Any:
    """An app's delivery for all its installations (Slack's Events API Request URL)."""
    delivery = IngressRequest(
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
    )
    return await run_in_threadpool(ingress.ingest_app, state, toolkit, endpoint_id, delivery)


# -- webhook endpoints (the SDK's webhooks.endpoints.*) ---------------------------------------


class EndpointBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    toolkit_slug: Slug
    client_id: ResourceId


class EndpointData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, str]


@router.get("/webhook_endpoints", responses=documented(r.EndpointList))
async def list_endpoints(
    toolkit_slug: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            found = endpoints.list_for(db, project.project_id, toolkit_slug)
            items = [endpoints.serialize(state.vault, state.settings.public_url, e) for e in found]
            return {
                "items": [
                    {k: i[k] for k in ("id", "toolkit_slug", "client_id", "webhook_url", "created_at")}
                    for i in items
                ]
            }

    return await run_in_threadpool(run)


@router.post("/webhook_endpoints", status_code=201, responses=documented(r.Endpoint, 404, status=201))
async def create_endpoint(
    body: EndpointBody,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            endpoint = endpoints.create(
                db, state.vault, state.catalog, project.project_id, body.toolkit_slug, body.client_id
            )
            return endpoints.serialize(state.vault, state.settings.public_url, endpoint)

    return await run_in_threadpool(run)


@router.get("/webhook_endpoints/{nano_id}", responses=documented(r.Endpoint, 404))
async def get_endpoint(
    nano_id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            return endpoints.serialize(
                state.vault, state.settings.public_url, endpoints.get(db, project.project_id, nano_id)
            )

    return await run_in_threadpool(run)


async def _set_data(state: AppState, project_id: str, nano_id: str, data: dict[str, str], merge: bool) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            endpoint = endpoints.set_data(db, state.vault, project_id, nano_id, data, merge=merge)
            return endpoints.serialize(state.vault, state.settings.public_url, endpoint)

    return await run_in_threadpool(run)


@router.post("/webhook_endpoints/{nano_id}", responses=documented(r.Endpoint, 404))
async def replace_endpoint(
    body: EndpointData,
    nano_id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    return await _set_data(state, project.project_id, nano_id, body.data, merge=False)


@router.patch("/webhook_endpoints/{nano_id}", responses=documented(r.Endpoint, 404))
async def update_endpoint(
    body: EndpointData,
    nano_id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    return await _set_data(state, project.project_id, nano_id, body.data, merge=True)
