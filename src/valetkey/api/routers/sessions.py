"""HTTP routes of sessions (`/tool_router/session...`) and of meta tools called as plain tools.

Thin: parse, open the session in the caller's project, call `service`.

Meta tools are also served at `GET /tools/COMPOSIO_*` and
`POST /tools/execute/COMPOSIO_*`, because the SDK's provider helpers
(`provider.handle_tool_calls(user_id=..., response=...)`) execute every tool
call that way. There the session comes from the `session_id` argument (the
meta tools' schemas carry it); without one, a fresh default session is made
for the `user_id`, as hosted Composio's `generate_id` does. This router is
mounted before the catalog's and the executor's, whose `/tools/{slug}`
routes would otherwise take these paths.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.responses import link as openapi_link
from valetkey.api.schemas import sessions as r
from valetkey.api.state import AppState, app_state
from valetkey.catalog import params
from valetkey.core.context import ProjectContext
from valetkey.core.errors import BadRequest, NotFound, ValidationError
from valetkey.core.validation import Name, QueryText, Slug, clamp_limit, limit_query
from valetkey.execution.schemas import (
    BinaryBody,
    ExecuteBody,
    ProxyBody,
    ProxyParameter,
    body_from,
    parse_body,
)
from valetkey.sessions import hooks, service
from valetkey.sessions.meta_tools import find
from valetkey.sessions.meta_tools.search import SLUG as SEARCH_SLUG
from valetkey.sessions.meta_tools.search import parse_queries
from valetkey.sessions.proxy import session_proxy
from valetkey.sessions.records import SessionContext
from valetkey.sessions.serializers import meta_tool_item, session_view

router = APIRouter(tags=["tool_router"])
PREFIX = "/tool_router/session"
# The create body is parsed by `sessions.config` (many optional sections); the description names the one
# required field and lets the rest through, as the server does.
CREATE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "user_id": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"}
                },
                "required": ["user_id"],
            }
        }
    },
}
# A partial update: any create field but user_id, plus the optimistic-concurrency precondition.
PATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"expected_config_version": {"type": "integer", "minimum": 1}},
            }
        }
    },
}
_ID = {"session_id": "$response.body#/session_id"}
SESSION_LINKS = {
    name: openapi_link(operation, **_ID)
    for name, operation in {
        "GetSession": f"GET {PREFIX}/{{session_id}}",
        "SessionTools": f"GET {PREFIX}/{{session_id}}/tools",
        "SessionToolkits": f"GET {PREFIX}/{{session_id}}/toolkits",
        "SessionLink": f"POST {PREFIX}/{{session_id}}/link",
        "SessionExecute": f"POST {PREFIX}/{{session_id}}/execute",
        "SessionExecuteMeta": f"POST {PREFIX}/{{session_id}}/execute_meta",
        "SessionSearch": f"POST {PREFIX}/{{session_id}}/search",
    }.items()
}


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def _session(
    session_id: str,
    request: Request,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> SessionContext:
    return await service.open_session(state, project, session_id, _request_id(request))


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _WithCustomTools(_Body):
    """A body the SDK sends its inline custom tools in (`experimental`), on every call that needs them."""

    experimental: dict[str, Any] | None = None
    # Answers to an approval request: this server never asks for one (no require_approval).
    input_responses: dict[str, Any] | None = None
    request_state: str | None = None

    def bind(self, ctx: SessionContext) -> SessionContext:
        """`ctx` seeing this request's custom tools; refuses approval answers (there is no approval step)."""
        if self.input_responses is not None or self.request_state is not None:
            raise BadRequest(
                "input_responses and request_state answer an approval request, and this server never asks for one",
                slug="ValidationError",
                suggested_fix="Leave them out.",
            )
        return service.with_request_custom_tools(ctx, self.experimental)


@router.post(
    PREFIX,
    status_code=201,
    summary="Create a session",
    responses=documented(r.Session, 404, status=201, links=SESSION_LINKS),
    openapi_extra={"requestBody": CREATE_BODY},
)
async def create(
    request: Request, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
) -> dict[str, Any]:
    record = await service.create_session(state, project.project_id, await _json_object(request))
    return session_view(record, state.settings.public_url)


@router.get(PREFIX + "/{session_id}", summary="Get a session", responses=documented(r.Session, 404))
async def retrieve(ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    return session_view(ctx.session, ctx.state.settings.public_url)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError("The body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object")
    return body


@router.patch(
    PREFIX + "/{session_id}",
    summary="Update a session (a new config version)",
    responses=documented(r.Session, 404, 409),
    openapi_extra={"requestBody": PATCH_BODY},
)
async def patch(request: Request, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    record = await service.update_session(ctx, await _json_object(request))
    return session_view(record, ctx.state.settings.public_url)


@router.delete(
    PREFIX + "/{session_id}", summary="Delete a session", responses=documented(r.SessionDeleted, 404)
)
async def delete_session(
    session_id: str,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> dict[str, Any]:
    await service.delete_session(state, project, session_id)
    return {"session_id": session_id, "deleted": True}


@router.get(
    PREFIX + "/{session_id}/config_history",
    summary="The session's config versions, newest first",
    responses=documented(r.SessionConfigHistory, 404),
)
async def config_history(
    ctx: SessionContext = Depends(_session),
    limit: float | None = limit_query(maximum=100),
    cursor: QueryText | None = None,
) -> dict[str, Any]:
    return await service.config_history(ctx, limit=clamp_limit(limit, maximum=100, default=20), cursor=cursor)


@router.get(
    PREFIX + "/{session_id}/tools",
    summary="The session's meta tools, with schemas",
    responses=documented(r.SessionToolPage, 404),
)
async def tools(
    ctx: SessionContext = Depends(_session),
    limit: float | None = limit_query(maximum=1000),
    cursor: QueryText | None = None,
) -> dict[str, Any]:
    return service.page(service.session_tools(ctx), clamp_limit(limit, maximum=1000, default=500), cursor)


@router.get(
    PREFIX + "/{session_id}/toolkits",
    summary="The session's toolkits and their connections",
    responses=documented(r.SessionToolkitPage, 404),
)
async def toolkits(
    ctx: SessionContext = Depends(_session),
    limit: float | None = limit_query(maximum=1000),
    cursor: QueryText | None = None,
    toolkits: list[QueryText] | None = Query(None),
    is_connected: bool | None = None,
    search: QueryText | None = None,
) -> dict[str, Any]:
    return await service.toolkits_page(
        ctx,
        toolkits=params.split_list(toolkits),
        is_connected=is_connected,
        search=search,
        limit=clamp_limit(limit, maximum=1000, default=20),
        cursor=cursor,
    )


class LinkBody(_Body):
    toolkit: Slug = Field(min_length=1, max_length=80)
    callback_url: str | None = Field(None, max_length=2048)
    alias: Name | None = Field(None, max_length=200)
    # SHARED connections with per-user ACLs: not built, so refused rather than dropped.
    experimental: dict[str, Any] | None = None


@router.post(
    PREFIX + "/{session_id}/link",
    status_code=201,
    summary="Connect Link for a toolkit",
    responses=documented(r.SessionLink, 404, 409, status=201),
)
async def link(body: LinkBody, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    if body.experimental:
        raise BadRequest(
            "experimental (account_type, acl_config_for_shared): shared connections are not supported by this "
            "server; every connection belongs to the session's user",
            slug="ValidationError",
            suggested_fix="Leave experimental out.",
        )
    started = await service.link(
        ctx, body.toolkit, callback_url=body.callback_url, alias=(body.alias or "").strip() or None
    )
    return {
        "connected_account_id": started.account_id,
        "link_token": started.token,
        "redirect_url": started.redirect_url,
    }


class ExecuteInSession(_WithCustomTools):
    tool_slug: Slug = Field(min_length=1, max_length=200)
    arguments: dict[str, Any] | None = None
    account: Name | None = Field(None, max_length=200)


@router.post(
    PREFIX + "/{session_id}/execute",
    summary="Execute a tool in the session",
    responses=documented(r.SessionExecuteResult, 404, 422, 500),
)
async def execute(body: ExecuteInSession, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    ctx = body.bind(ctx)
    result = await service.execute(ctx, body.tool_slug, body.arguments or {}, account=body.account)
    return service.with_result_type(result)


class ExecuteMeta(_WithCustomTools):
    slug: Slug = Field(min_length=1, max_length=200)
    arguments: dict[str, Any] | None = None


@router.post(
    PREFIX + "/{session_id}/execute_meta",
    summary="Execute a meta tool in the session",
    responses=documented(r.SessionExecuteResult, 404, 422, 500),
)
async def execute_meta(body: ExecuteMeta, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    ctx = body.bind(ctx)
    return service.with_result_type(await service.execute_meta(ctx, body.slug, body.arguments or {}))


class ProxyInSession(BaseModel):
    """`session.proxy_execute(...)`: the account is the session's, so no account fields are accepted."""

    model_config = ConfigDict(extra="forbid")

    toolkit_slug: Slug = Field(min_length=1, max_length=80)
    endpoint: str = Field(min_length=1, max_length=4096)
    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
    body: Any = None
    binary_body: BinaryBody | None = None
    parameters: list[ProxyParameter] = []


@router.post(
    PREFIX + "/{session_id}/proxy_execute",
    summary="Proxy a request to a toolkit's API with the session's account",
    responses=documented(r.SessionProxyResult, 404, 502, 504),
)
async def proxy_execute(body: ProxyInSession, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    # The session's account is the one used: the rest is the proxy's own body, with its checks.
    request = body_from(ProxyBody, body.model_dump(exclude={"toolkit_slug"}, exclude_unset=True))
    answer = await session_proxy(ctx, body.toolkit_slug, request)
    if answer.get("blocked"):  # a session hook blocked it: no request was sent (or its answer is withheld)
        return hooks.wire_outcome(answer) | {"data": None}
    return {**answer, "result_type": "completed"}


class SearchBody(_WithCustomTools):
    queries: list[dict[str, Any]] = Field(min_length=1)
    # One engine serves both strategies; choosing a model for search is not possible here.
    search_strategy: Literal["auto", "tool_search"] | None = None
    model: str | None = None


@router.post(
    PREFIX + "/{session_id}/search",
    summary="Search the session's tools",
    responses=documented(r.SessionSearch, 404),
)
async def search(body: SearchBody, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    if body.model is not None:
        raise BadRequest(
            "model: this server's session search does not use a language model, so none can be chosen",
            slug="ValidationError",
            suggested_fix="Call session.search without model.",
        )
    try:
        use_cases = parse_queries({"queries": body.queries})
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return await service.search(body.bind(ctx), use_cases)


class AttachBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    experimental: dict[str, Any] | None = None


@router.post(
    PREFIX + "/{session_id}/attach",
    summary="Bind SDK-local custom tools to a session (the SDK's use method with custom tools)",
    responses=documented(r.Session, 404),
)
async def attach(body: AttachBody, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    ctx = service.with_request_custom_tools(ctx, body.experimental)
    return session_view(ctx.session, ctx.state.settings.public_url, ctx.custom)


# -- meta tools as plain tools -------------------------------------------------------------------


def _meta_or_404(name: str):
    meta = find("COMPOSIO_" + name)
    if meta is None:
        raise NotFound(f"Tool 'COMPOSIO_{name}' not found", slug="ToolNotFound")
    return meta


@router.get("/tools/COMPOSIO_{name}", summary="Get a meta tool", include_in_schema=False)
async def get_meta_tool(name: str, _: ProjectContext = Depends(require_project)) -> dict[str, Any]:
    return meta_tool_item(_meta_or_404(name))


@router.post(
    "/tools/execute/COMPOSIO_{name}", summary="Execute a meta tool for a user", include_in_schema=False
)
async def execute_meta_tool(
    name: str,
    request: Request,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> dict[str, Any]:
    meta = _meta_or_404(name)
    body = await parse_body(request, ExecuteBody)
    arguments = dict(body.arguments or {})
    user_id = body.user_id or body.entity_id
    session_id = arguments.get("session_id") or (arguments.get("session") or {}).get("id")
    if session_id:
        ctx = await service.open_session(state, project, str(session_id), _request_id(request))
        if user_id and user_id != ctx.config.user_id:
            raise BadRequest(
                f"Session {ctx.session.id} belongs to another user_id",
                slug="SessionUserMismatch",
                suggested_fix="Pass the user_id the session was created for, or no session_id.",
            )
    elif user_id:
        record = await service.create_session(state, project.project_id, {"user_id": user_id})
        ctx = SessionContext(state, project, record, _request_id(request))
    else:
        raise ValidationError("Pass user_id, or a session_id in the arguments")
    result = await service.execute_meta(ctx, meta.slug, arguments)
    if meta.slug == SEARCH_SLUG and not session_id and isinstance(result["data"].get("session"), dict):
        result["data"]["session"]["generate_id"] = True
    return result
