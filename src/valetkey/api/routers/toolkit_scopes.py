"""`POST /toolkits/{toolkit_slug}/scopes/recommended` and `GET .../scopes/grant_context` (`catalog.scopes`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.routers.catalog import get_catalog
from valetkey.api.schemas import platform as r
from valetkey.catalog import scopes
from valetkey.catalog.registry import Catalog
from valetkey.core.validation import QueryText, Slug

router = APIRouter(tags=["toolkits"], dependencies=[Depends(require_project)])


class RecommendScopes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tools: list[Slug] = Field(max_length=1000)
    auth_scheme: Slug | None = None
    toolkit_version: QueryText | None = None
    grant_context: dict[QueryText, QueryText] | None = None
    include: list[QueryText] | None = Field(None, max_length=1000)
    exclude: list[QueryText] | None = Field(None, max_length=1000)
    available_scopes: list[QueryText] | None = Field(None, max_length=1000)


@router.post("/toolkits/{toolkit_slug}/scopes/recommended", responses=documented(r.ScopeRecommendation, 404))
def recommend_scopes(
    toolkit_slug: str, body: RecommendScopes, catalog: Catalog = Depends(get_catalog)
) -> dict[str, Any]:
    request = scopes.ScopeRequest(
        tools=body.tools,
        auth_scheme=body.auth_scheme,
        toolkit_version=body.toolkit_version,
        grant_context=body.grant_context or {},
        include=body.include or (),
        exclude=body.exclude or (),
        available_scopes=body.available_scopes,
    )
    return scopes.recommend(catalog, toolkit_slug, request)


@router.get("/toolkits/{toolkit_slug}/scopes/grant_context", responses=documented(r.GrantContexts, 404))
def list_grant_contexts(
    toolkit_slug: str,
    auth_scheme: Slug | None = None,
    toolkit_version: QueryText | None = None,
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    return scopes.grant_contexts(catalog, toolkit_slug, auth_scheme, toolkit_version)
