"""`POST /connected_accounts/{id}/revoke`: end an account's grant at the provider, then mark it REVOKED.

The provider is asked first (`revoke.revoke_grant`, outside any transaction); only when it has
confirmed every token does the account change: status REVOKED, and its sealed tokens are erased,
so nothing can execute, refresh or leak with them afterwards. A second call finds the account
REVOKED and answers with no token revoked, as Composio does. Reconnecting is a refresh
(`POST /connected_accounts/{id}/refresh` starts a new consent) or a new account.
"""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import update

from valetkey.connections.accounts import get_account
from valetkey.connections.credentials import open_account_state
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.revoke import revoke_grant
from valetkey.connections.state import ConnectionsState
from valetkey.store.db import utcnow

REVOKED = "REVOKED"


async def revoke_account(
    state: ConnectionsState, project_id: str, account_id: str
) -> tuple[ConnectedAccount, list[str]]:
    """The account after revocation and the token kinds the provider revoked (none when already REVOKED)."""

    def _load() -> tuple[ConnectedAccount, AuthConfig]:
        with state.db.session() as db:
            return get_account(db, project_id, account_id)

    account, config = await run_in_threadpool(_load)
    if account.status == REVOKED:
        return account, []
    secrets = open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
    revoked = await run_in_threadpool(revoke_grant, state, account, config, secrets)

    def _mark() -> ConnectedAccount:
        now = utcnow()
        with state.db.session() as db:
            db.execute(
                update(ConnectedAccount)
                .where(ConnectedAccount.project_id == project_id, ConnectedAccount.id == account_id)
                .values(
                    status=REVOKED,
                    status_reason="Revoked through the API: the provider revoked its tokens",
                    status_changed_at=now,
                    state_encrypted=None,
                    expires_at=None,
                    is_disabled=False,
                    status_before_disable=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            return get_account(db, project_id, account_id)[0]

    return await run_in_threadpool(_mark), revoked
