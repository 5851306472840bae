"""What happens when a connected account changes status: the expiry event, and the features that follow.

Every ORM write of `ConnectedAccount.status` (refresh's ``invalid_grant`` or
failure threshold, a reconnection's callback, re-verification...) is noted on
its session; just before that session commits, in the same transaction:

- an account that became EXPIRED publishes ``composio.connected_account.expired``
  with Composio's data (``{id, toolkit: {slug}, auth_config: {id, auth_scheme},
  status, status_reason}``, metadata ``{project_id, org_id}``);
- every listener registered with `on_status_change` runs (`valetkey.triggers`
  disables the account's triggers on EXPIRED and resumes them on ACTIVE). Higher
  layers pass their callable in here, so this layer never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.base import NO_VALUE

from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.tenancy.models import Project
from valetkey.webhooks.outbox import publish
from valetkey.webhooks.subscriptions import ACCOUNT_EXPIRED

# (session, account, old status, new status), inside the committing transaction.
StatusListener = Callable[[Session, ConnectedAccount, str, str], None]
_listeners: list[StatusListener] = []
_KEY = "valetkey.connections.status_changes"


def on_status_change(listener: StatusListener) -> None:
    """Run `listener` for every committed status change of a connected account (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def expired_event_data(db: Session, account: ConnectedAccount) -> dict[str, Any]:
    scheme = db.scalar(select(AuthConfig.auth_scheme).where(AuthConfig.id == account.auth_config_id))
    return {
        "id": account.id,
        "toolkit": {"slug": account.toolkit_slug},
        "auth_config": {"id": account.auth_config_id, "auth_scheme": scheme or account.auth_scheme},
        "status": account.status,
        "status_reason": account.status_reason,
    }


def _noted(target: ConnectedAccount, value: Any, oldvalue: Any, initiator: Any) -> Any:
    if oldvalue is NO_VALUE or oldvalue is None or value == oldvalue:
        return value
    session = object_session(target)
    if session is not None:
        changes: dict[str, tuple[ConnectedAccount, str]] = session.info.setdefault(_KEY, {})
        changes.setdefault(target.id, (target, str(oldvalue)))  # the status before this transaction
    return value


def _before_commit(session: Session) -> None:
    changes: dict[str, tuple[ConnectedAccount, str]] | None = session.info.pop(_KEY, None)
    if not changes:
        return
    for account, old in changes.values():
        new = account.status
        if new == old:
            continue
        if new == "EXPIRED":
            org_id = session.scalar(select(Project.org_id).where(Project.id == account.project_id))
            publish(
                session,
                project_id=account.project_id,
                event_type=ACCOUNT_EXPIRED,
                data=expired_event_data(session, account),
                metadata={"project_id": account.project_id, "org_id": org_id or ""},
            )
        for listener in list(_listeners):
            listener(session, account, old, new)
    session.flush()


event.listen(ConnectedAccount.status, "set", _noted, active_history=True, retval=True)
event.listen(Session, "before_commit", _before_commit)
