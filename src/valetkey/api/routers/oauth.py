"""HTTP routes of the redirect flows: the OAuth callback and `POST /connected_accounts/link`.

The callback is public (the provider sends the user's browser to it) and
answers with a redirect to the URL bound when the flow started, or with a
page; it never redirects anywhere a request names.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.routers.connected_accounts import Experimental, account_links
from valetkey.api.schemas import connections as r
from valetkey.api.state import AppState, app_state, state_of
from valetkey.connections import link
from valetkey.connections.callback import CallbackRefused, complete_callback
from valetkey.connections.configs import config_by_name
from valetkey.connections.serializers import iso
from valetkey.connections.views import catalog_toolkit
from valetkey.core.context import ProjectContext
from valetkey.core.validation import Name, RequestBody, ResourceId, UserId
from valetkey.web import pages

log = logging.getLogger("valetkey.connections.oauth")
router = APIRouter(tags=["connected_accounts"])
MAX_PARAM = 4096


class LinkBody(RequestBody):
    auth_config_id: ResourceId | None = Field(None, min_length=1, max_length=40)
    user_id: UserId | None = Field(None, min_length=1, max_length=255)
    # Scalekit's stateless spelling (`get_authorization_link`): the user is `identifier`, the auth
    # config is named by `connection_name` (names are unique within a project).
    identifier: UserId | None = Field(None, min_length=1, max_length=255)
    connection_name: Name | None = Field(None, min_length=1, max_length=200)
    callback_url: str | None = Field(None, max_length=2048)
    alias: Name | None = Field(None, max_length=200)
    # Values to pre-fill in the hosted form: the scheme's non-secret fields, checked by `link`.
    connection_data: dict[str, Any] | None = None
    experimental: Experimental | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> LinkBody:
        if self.auth_config_id is not None and self.connection_name is not None:
            raise ValueError("auth_config_id and connection_name both name the auth config; send one of them")
        if self.auth_config_id is None and self.connection_name is None:
            raise ValueError("auth_config_id (or connection_name, the auth config's name) is required")
        if self.user_id is not None and self.identifier is not None and self.user_id != self.identifier:
            raise ValueError("user_id and identifier name the same user and disagree; send one of them")
        if self.user_id is None and self.identifier is None:
            raise ValueError("user_id (or identifier) is required: the user who connects the account")
        return self


def _named_config(state: AppState, project_id: str, name: str) -> str:
    with state.db.session() as db:
        return config_by_name(db, project_id, name).id


@router.post(
    "/connected_accounts/link",
    status_code=201,
    responses=documented(
        r.ConnectLink, 404, 409, status=201, links=account_links("$response.body#/connected_account_id")
    ),
)
async def create_connect_link(
    body: LinkBody, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    config_id = body.auth_config_id
    if config_id is None:
        config_id = await run_in_threadpool(
            _named_config, state, project.project_id, str(body.connection_name)
        )
    created = await run_in_threadpool(
        link.create_link,
        state,
        project.project_id,
        auth_config_id=config_id,
        user_id=str(body.user_id or body.identifier),
        callback_url=body.callback_url,
        alias=(body.alias or "").strip() or None,
        prefill=body.connection_data,
    )
    return {
        "connected_account_id": created.account_id,
        "link_token": created.token,
        "redirect_url": created.url,
        "expires_at": iso(created.expires_at),
    }


async def _params(request: Request) -> dict[str, str]:
    """Query parameters, plus form fields for providers that POST back (response_mode=form_post)."""
    params = {k: v[:MAX_PARAM] for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: str(v)[:MAX_PARAM] for k, v in form.items() if isinstance(v, str)})
    return params


@router.api_route("/toolkits/auth/callback", methods=["GET", "POST"], include_in_schema=False)
async def oauth_callback(request: Request) -> Response:
    state = state_of(request)
    params = await _params(request)
    try:
        result = await run_in_threadpool(complete_callback, state, params)
    except CallbackRefused as exc:
        return pages.message("This sign-in cannot be completed", exc.reason, status=exc.status, tone="error")
    toolkit = catalog_toolkit(state, result.toolkit)
    name = toolkit.name if toolkit is not None else result.toolkit
    return pages.landing(
        result.callback_url, result.account_id, name, success=result.success, reason=result.reason
    )
