"""HTTP routes of outbound webhooks, thin over `valetkey.webhooks`.

``/webhook_subscriptions`` is Composio's (the SDK's `webhooks.subscriptions.*` and
`triggers.set_webhook_subscription`). ``/webhook_events`` is Valetkey's own
window on the outbox, named after it: the events, each one's delivery attempts
(status, latency, the start of the answer) and replay.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import Success, documented
from valetkey.api.schemas import webhooks as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.validation import QueryText, ResourceId, limit_query
from valetkey.webhooks import events, subscriptions
from valetkey.webhooks.egress import webhook_policy
from valetkey.webhooks.payloads import envelope_v3

router = APIRouter(tags=["webhooks"])
MAX_LIMIT = 100
Version = Literal["V1", "V2", "V3"]
EventName = QueryText


class CreateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: str = Field(min_length=1, max_length=2048)
    enabled_events: list[EventName] = Field(min_length=1, max_length=20)
    version: Version = "V3"


class UpdateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: str | None = Field(None, min_length=1, max_length=2048)
    enabled_events: list[EventName] | None = Field(None, min_length=1, max_length=20)
    version: Version | None = None


def _policy(state: AppState) -> Any:
    return webhook_policy(state.egress, state.settings)


@router.post("/webhook_subscriptions", status_code=201, responses=documented(r.Subscription, 409, status=201))
async def create_subscription(
    body: CreateSubscription,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            return subscriptions.create(
                db,
                state.vault,
                _policy(state),
                state.settings,
                project.project_id,
                webhook_url=body.webhook_url,
                enabled_events=list(body.enabled_events),
                version=body.version,
            )

    return await run_in_threadpool(run)


@router.get("/webhook_subscriptions", responses=documented(r.SubscriptionPage))
async def list_subscriptions(
    limit: float | None = limit_query(None, maximum=MAX_LIMIT),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            size = int(limit) if limit is not None else 20
            return subscriptions.list_page(db, state.vault, project.project_id, limit=size, cursor=cursor)

    return await run_in_threadpool(run)


@router.get("/webhook_subscriptions/event_types", responses=documented(r.EventTypes))
async def list_event_types(project: ProjectContext = Depends(require_project)) -> Any:
    return {"items": subscriptions.event_types()}


@router.get("/webhook_subscriptions/{id}", responses=documented(r.Subscription, 404))
async def get_subscription(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            return subscriptions.get(db, state.vault, project.project_id, id)

    return await run_in_threadpool(run)


@router.patch("/webhook_subscriptions/{id}", responses=documented(r.Subscription, 404))
async def update_subscription(
    body: UpdateSubscription,
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            return subscriptions.update(
                db,
                state.vault,
                _policy(state),
                state.settings,
                project.project_id,
                id,
                webhook_url=body.webhook_url,
                enabled_events=list(body.enabled_events) if body.enabled_events is not None else None,
                version=body.version,
            )

    return await run_in_threadpool(run)


@router.delete("/webhook_subscriptions/{id}", responses=documented(Success, 404))
async def delete_subscription(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> None:
        with state.db.write_session() as db:
            subscriptions.delete(db, project.project_id, id)

    await run_in_threadpool(run)
    return {"success": True}


@router.post("/webhook_subscriptions/{id}/rotate_secret", responses=documented(r.RotatedSecret, 404))
async def rotate_secret(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            return subscriptions.rotate_secret(db, state.vault, project.project_id, id)

    return await run_in_threadpool(run)


@router.get("/webhook_events", responses=documented(r.EventPage))
async def list_events(
    limit: float | None = limit_query(None, maximum=MAX_LIMIT),
    cursor: QueryText | None = None,
    status: QueryText | None = None,
    type: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            size = int(limit) if limit is not None else 20
            return events.list_events(
                db, project.project_id, limit=size, cursor=cursor, status=status, event_type=type
            )

    return await run_in_threadpool(run)


STREAM_POLL_SECONDS = 0.25


@router.get(
    "/webhook_events/stream",
    responses={
        **documented(dict[str, Any]),
        200: {
            "description": "Server-sent events: each new event's V3 envelope",
            "content": {"text/event-stream": {}},
        },
    },
)
async def stream_events(
    request: Request,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    """The project's events as they are created (delivered or not), for `valetkey triggers listen`."""

    def read(after: Any) -> list[Any]:
        with state.db.session() as db:
            return events.events_after(db, project.project_id, after)

    def start() -> Any:
        with state.db.session() as db:
            return events.newest_mark(db, project.project_id)

    mark = await run_in_threadpool(start)

    async def body() -> AsyncIterator[bytes]:
        nonlocal mark
        yield b": connected\n\n"
        while not await request.is_disconnected():
            for event in await run_in_threadpool(read, mark):
                mark = (event.created_at, event.id)
                envelope = json.dumps(envelope_v3(event), separators=(",", ":"))
                yield f"id: {event.id}\nevent: {event.type}\ndata: {envelope}\n\n".encode()
            await asyncio.sleep(STREAM_POLL_SECONDS)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/webhook_events/{id}", responses=documented(r.Event, 404))
async def get_event(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            return events.get_event(db, project.project_id, id)

    return await run_in_threadpool(run)


@router.get("/webhook_events/{id}/attempts", responses=documented(r.AttemptPage, 404))
async def list_attempts(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.session() as db:
            return events.list_attempts(db, project.project_id, id)

    return await run_in_threadpool(run)


@router.post("/webhook_events/{id}/replay", responses=documented(r.Event, 404, 409))
async def replay_event(
    id: ResourceId = Path(),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> Any:
    def run() -> dict[str, Any]:
        with state.db.write_session() as db:
            return events.replay(db, project.project_id, id)

    return await run_in_threadpool(run)
