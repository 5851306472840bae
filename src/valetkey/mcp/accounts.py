"""Which connected account an MCP call acts with, and what to say when there is none.

An MCP endpoint always acts for exactly one user of one project; every
lookup here filters by both, so a user's endpoint can never reach another
user's accounts. When a server config lists auth configs, only accounts of
those configs count (the Composio rule: "the account must belong to the auth
config used to create the MCP server").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.execution.state import ExecutionState


def configs_for(db: Session, project_id: str, config_ids: Sequence[str], toolkit: str) -> list[str]:
    """The server's auth configs of `toolkit`, in the server's order."""
    if not config_ids:
        return []
    found = set(
        db.scalars(
            select(AuthConfig.id).where(
                AuthConfig.project_id == project_id,
                AuthConfig.id.in_(list(config_ids)),
                AuthConfig.toolkit_slug == toolkit,
            )
        )
    )
    return [c for c in config_ids if c in found]


def enabled_configs(db: Session, project_id: str, toolkit: str) -> list[str]:
    """The project's enabled auth configs of `toolkit`, newest first: where to send a user to connect."""
    return list(
        db.scalars(
            select(AuthConfig.id)
            .where(
                AuthConfig.project_id == project_id,
                AuthConfig.toolkit_slug == toolkit,
                AuthConfig.status == "ENABLED",
            )
            .order_by(AuthConfig.created_at.desc())
        )
    )


def user_account(
    db: Session, project_id: str, user_id: str, toolkit: str, config_ids: Sequence[str]
) -> str | None:
    """The user's latest ACTIVE, enabled account of `toolkit` under one of `config_ids`."""
    return db.scalars(
        select(ConnectedAccount.id)
        .where(
            ConnectedAccount.project_id == project_id,
            ConnectedAccount.user_id == user_id,
            ConnectedAccount.toolkit_slug == toolkit,
            ConnectedAccount.auth_config_id.in_(list(config_ids)),
            ConnectedAccount.status == "ACTIVE",
            ConnectedAccount.is_disabled.is_(False),
        )
        .order_by(ConnectedAccount.created_at.desc(), ConnectedAccount.id.desc())
        .limit(1)
    ).first()


def pinned_account_toolkit(db: Session, project_id: str, user_id: str, account_id: str) -> str | None:
    """The toolkit of a pinned account, if it is this user's account in this project."""
    return db.scalars(
        select(ConnectedAccount.toolkit_slug).where(
            ConnectedAccount.project_id == project_id,
            ConnectedAccount.user_id == user_id,
            ConnectedAccount.id == account_id,
        )
    ).first()


def connect_hint(
    state: ExecutionState, project_id: str, user_id: str, config_ids: Sequence[str]
) -> str | None:
    """A fresh Connect Link for the user on the first usable config, as a sentence; None if none works."""
    from valetkey.connections.link import create_link
    from valetkey.core.errors import ApiError

    for config_id in config_ids:
        try:
            link = create_link(
                state,
                project_id,
                auth_config_id=config_id,
                user_id=user_id,
                callback_url=None,
                alias=None,
                prefill=None,
            )
        except ApiError:  # a disabled config or a scheme without a hosted page: try the next one
            continue
        return (
            f"Ask the user to connect their account by opening {link.url} (valid for 10 minutes), "
            "then call the tool again."
        )
    return None
