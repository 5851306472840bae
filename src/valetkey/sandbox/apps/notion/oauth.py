"""Notion's public-integration OAuth: ``GET /v1/oauth/authorize``, ``POST /v1/oauth/token``.

The token endpoint takes HTTP Basic client authentication and a JSON body
(form bodies are accepted too), and answers the token with the workspace it
reaches: ``bot_id``, ``workspace_id``, ``workspace_name``, ``owner``. Notion
has no scopes (an integration's capabilities are set on the integration),
so the answer carries none.
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from valetkey.sandbox.http import BadRequest, read_form, single_values
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Error

from .kit import Notion
from .render import user_json
from .state import BOT_ID, WORKSPACE_ID, WORKSPACE_NAME


def oauth_routes(notion: Notion) -> list[Route]:
    async def token(request: Request) -> Response:
        try:
            if request.headers.get("content-type", "").startswith("application/json"):
                raw = json.loads(await request.body() or b"{}")
                form = {k: str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
            else:
                form = single_values(await read_form(request))
            body = await run_in_threadpool(
                notion.oauth2.token_request, form, request.headers.get("authorization")
            )
        except (BadRequest, ValueError) as exc:
            return JSONResponse({"error": "invalid_request", "error_description": str(exc)}, 400)
        except OAuth2Error as exc:
            return JSONResponse(exc.body(), exc.status, headers=exc.headers)
        grant = notion.oauth2.validate_access_token(body["access_token"])
        with notion.store.transaction() as state:
            owner = user_json(state.user_for(grant.subject if grant else "ada"))
        body.pop("scope", None)
        body.update(
            bot_id=BOT_ID,
            workspace_id=WORKSPACE_ID,
            workspace_name=WORKSPACE_NAME,
            workspace_icon=None,
            owner={"type": "user", "user": owner},
            duplicated_template_id=None,
        )
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    authorize = oauth2_routes(
        notion.oauth2,
        paths=OAuth2Paths(authorize="/v1/oauth/authorize", token=None, revoke=None, userinfo=None),
    )
    return authorize + [Route("/v1/oauth/token", token, methods=["POST"])]
