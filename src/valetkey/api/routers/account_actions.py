"""`POST /connected_accounts/{nanoid}/revoke` and `POST /connected_accounts/complete_auth`.

Revocation is `connections.account_revoke`. `complete_auth` redeems the session URI that
Composio's deferred OAuth completion (an "OAuth callback verifier" configured on the project)
hands to the project's verifier; Valetkey has no such mode: every OAuth callback completes the
connection itself, so no session URI exists to redeem, and the route says so rather than
answering a bare 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import platform as r
from valetkey.api.state import AppState, app_state
from valetkey.connections.account_revoke import revoke_account
from valetkey.core.context import ProjectContext
from valetkey.core.errors import NotFound
from valetkey.core.validation import QueryText, UserId

router = APIRouter(tags=["connected_accounts"])


class CompleteAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UserId
    session_uri: QueryText = Field(min_length=1)


@router.post("/connected_accounts/complete_auth", responses=documented(r.CompletedAuth, 404))
def complete_auth(body: CompleteAuth, project: ProjectContext = Depends(require_project)) -> None:
    raise NotFound(
        "No pending OAuth completion matches this session_uri: this server completes every OAuth "
        "connection at its callback (it has no OAuth callback verifier mode), so it never issues one",
        slug="AuthSessionNotFound",
        suggested_fix="Drop the complete_auth step: the connection is ACTIVE once the user returns from the "
        "provider; wait for it with wait_for_connection or read GET /connected_accounts/{id}.",
    )


@router.post("/connected_accounts/{nanoid}/revoke", responses=documented(r.Revocation, 404, 409, 502))
async def revoke_connected_account(
    nanoid: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    account, revoked = await revoke_account(state, project.project_id, nanoid)
    return {"revoked_tokens": revoked, "connected_account": {"id": account.id, "status": account.status}}
