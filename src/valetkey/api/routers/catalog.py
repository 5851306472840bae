"""HTTP routes of the catalog: toolkits and tools, as the Composio v3 API serves them.

Thin on purpose: parse parameters, call `service`, wrap lists in the page
envelope. Every route needs a project key even though the catalog is global.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import catalog as r
from valetkey.api.state import AppState, app_state
from valetkey.catalog import params, service
from valetkey.catalog.registry import Catalog
from valetkey.core.context import ProjectContext
from valetkey.core.validation import QueryText, RequestBody, ResourceId, Slug, clamp_limit, limit_query
from valetkey.search import rank_tools

router = APIRouter(dependencies=[Depends(require_project)])

Limit = limit_query(maximum=service.MAX_LIMIT)


def get_catalog(
    state: AppState = Depends(app_state), project: ProjectContext = Depends(require_project)
) -> Catalog:
    """The catalog as the calling project sees it: the global one plus its custom toolkits."""
    return state.catalog_for(project.project_id)


def _limit(limit: float | None, default: int) -> int:
    return clamp_limit(limit, maximum=service.MAX_LIMIT, default=default)


def _with_managed_schemes(
    state: AppState, catalog: Catalog, toolkits: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Fill `composio_managed_auth_schemes` from the operator's managed OAuth apps.

    The serialized toolkits are shared, precomputed dicts: copy, never mutate.
    """
    from valetkey.connections.managed import managed_schemes

    out = []
    for item in toolkits:
        toolkit = catalog.find_toolkit(item["slug"])
        schemes = managed_schemes(state, toolkit) if toolkit else []
        out.append({**item, "composio_managed_auth_schemes": schemes} if schemes else item)
    return out


# -- toolkits ---------------------------------------------------------------


@router.get("/toolkits", tags=["toolkits"], summary="List toolkits", responses=documented(r.ToolkitPage))
def list_toolkits(
    category: QueryText | None = None,
    managed_by: Literal["composio", "all", "project"] | None = None,
    type: Literal["native", "custom", "all"] | None = None,
    sort_by: Literal["usage", "alphabetically"] | None = None,
    include_deprecated: bool | None = None,
    search: QueryText | None = None,
    query: QueryText | None = None,
    limit: float | None = Limit,
    cursor: QueryText | None = None,
    state: AppState = Depends(app_state),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    items = service.list_toolkits(
        catalog,
        category=category,
        managed_by=managed_by,
        kind=type,
        sort_by=sort_by,
        search=search or query,
    )
    page = service.page(items, _limit(limit, service.DEFAULT_TOOLKITS_LIMIT), cursor)
    return {**page, "items": _with_managed_schemes(state, catalog, page["items"])}


@router.get(
    "/toolkits/categories",
    tags=["toolkits"],
    summary="List toolkit categories",
    responses=documented(r.CategoryPage),
)
def list_categories(catalog: Catalog = Depends(get_catalog)) -> dict[str, Any]:
    return service.page(service.categories(catalog), service.MAX_LIMIT, None)


@router.get(
    "/toolkits/changelog",
    tags=["toolkits"],
    summary="Recent versions of every toolkit",
    responses=documented(r.Changelog),
)
def get_changelog(request: Request, catalog: Catalog = Depends(get_catalog)) -> dict[str, Any]:
    items = service.changelog(catalog)
    return {
        "items": items,
        "url": str(request.url),
        "content_type": "application/json",
        "size": len(json.dumps(items)),
    }


class MultiBody(RequestBody):
    toolkits: list[Slug] | None = None
    category: QueryText | None = None
    managed_by: Literal["composio", "all", "project"] | None = None
    sort_by: Literal["usage", "alphabetically"] | None = None
    limit: float | None = Field(None, ge=1, allow_inf_nan=False)  # above MAX_LIMIT: clamped
    cursor: QueryText | None = None


@router.post(
    "/toolkits/multi",
    tags=["toolkits"],
    summary="Fetch several toolkits",
    responses=documented(r.ToolkitPage),
)
def multi_toolkits(
    body: MultiBody, state: AppState = Depends(app_state), catalog: Catalog = Depends(get_catalog)
) -> dict[str, Any]:
    items = service.list_toolkits(
        catalog,
        slugs=body.toolkits,
        category=body.category,
        managed_by=body.managed_by,
        sort_by=body.sort_by,
    )
    page = service.page(items, _limit(body.limit, service.DEFAULT_TOOLKITS_LIMIT), body.cursor)
    return {**page, "items": _with_managed_schemes(state, catalog, page["items"])}


@router.get(
    "/toolkits/{slug}", tags=["toolkits"], summary="Get a toolkit", responses=documented(r.ToolkitDetail, 404)
)
def get_toolkit(
    slug: str,
    version: QueryText | None = None,
    state: AppState = Depends(app_state),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    return _with_managed_schemes(state, catalog, [service.toolkit_detail(catalog, slug, version)])[0]


# -- tools ------------------------------------------------------------------


@router.get("/tools", tags=["tools"], summary="List tools", responses=documented(r.ToolPage, 404))
def list_tools(
    request: Request,
    toolkit_slug: QueryText | None = Query(
        None, description="A toolkit slug, or several separated by commas."
    ),
    tool_slugs: QueryText | None = Query(
        None, description="Comma-separated tool slugs; overrides the other filters."
    ),
    search: QueryText | None = None,
    query: QueryText | None = None,
    tags: list[QueryText] | None = Query(None),
    scopes: list[QueryText] | None = Query(None),
    important: Literal["true", "false"] | None = None,
    include_deprecated: bool = True,
    toolkit_versions: QueryText | None = Query(
        None, description="'latest', a version, or toolkit_versions[slug]=version."
    ),
    auth_config_ids: list[ResourceId] | None = Query(
        None, description="Accepted for compatibility; not used yet."
    ),
    limit: float | None = Limit,
    cursor: QueryText | None = None,
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    slugs = params.split_list(tool_slugs)
    items = service.list_tools(
        catalog,
        toolkit_slugs=params.split_list(toolkit_slug),
        tool_slugs=slugs,
        search=query or search,
        rank=partial(rank_tools, catalog),
        tags=params.split_list(tags),
        scopes=params.split_list(scopes),
        important=important == "true",
        include_deprecated=include_deprecated,
        versions=params.toolkit_versions(request.query_params),
    )
    default_limit = max(len(slugs), 1) if slugs else service.DEFAULT_TOOLS_LIMIT
    return service.page(items, _limit(limit, default_limit), cursor)


@router.get("/tools/enum", tags=["tools"], summary="Every tool slug", responses=documented(list[str]))
def tool_enum(catalog: Catalog = Depends(get_catalog)) -> list[str]:
    return service.tool_enum(catalog)


class RequiredScopesBody(RequestBody):
    tools: list[Slug] = Field(min_length=1)
    version: QueryText | None = None


@router.post(
    "/tools/scopes/required",
    tags=["tools"],
    summary="Scopes a set of tools needs",
    responses=documented(r.RequiredScopes, 404),
)
def required_scopes(body: RequiredScopesBody, catalog: Catalog = Depends(get_catalog)) -> dict[str, Any]:
    return service.required_scopes(catalog, body.tools, body.version)


@router.get("/tools/{tool_slug}", tags=["tools"], summary="Get a tool", responses=documented(r.Tool, 404))
def get_tool(
    request: Request,
    tool_slug: str,
    version: str | None = None,
    toolkit_versions: str | None = Query(
        None, description="'latest', a version, or toolkit_versions[slug]=version."
    ),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    return service.tool_detail(catalog, tool_slug, version, params.toolkit_versions(request.query_params))


# -- trigger types ------------------------------------------------------------


@router.get(
    "/triggers_types",
    tags=["triggers"],
    summary="List trigger types",
    responses=documented(r.TriggerTypePage, 404),
)
def list_trigger_types(
    request: Request,
    toolkit_slugs: list[QueryText] | None = Query(
        None, description="Toolkit slugs (repeated or comma-separated)."
    ),
    toolkit_versions: QueryText | None = Query(
        None, description="'latest', a version, or toolkit_versions[slug]=version."
    ),
    limit: float | None = Limit,
    cursor: QueryText | None = None,
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    items = service.list_trigger_types(
        catalog,
        toolkit_slugs=params.split_list(toolkit_slugs),
        versions=params.toolkit_versions(request.query_params),
    )
    return service.page(items, _limit(limit, service.DEFAULT_TOOLS_LIMIT), cursor)


@router.get(
    "/triggers_types/list/enum",
    tags=["triggers"],
    summary="Every trigger type slug",
    responses=documented(list[str]),
)
def trigger_type_enum(catalog: Catalog = Depends(get_catalog)) -> list[str]:
    return service.trigger_enum(catalog)


@router.get(
    "/triggers_types/{slug}",
    tags=["triggers"],
    summary="Get a trigger type",
    responses=documented(r.TriggerType, 404),
)
def get_trigger_type(
    request: Request,
    slug: QueryText,
    toolkit_versions: QueryText | None = Query(
        None, description="'latest', a version, or toolkit_versions[slug]=version."
    ),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    return service.trigger_type_detail(catalog, slug, params.toolkit_versions(request.query_params))
