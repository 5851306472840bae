"""Each toolkit's connection status as a session sees it (precedence applied).

Shared by the toolkits listing, COMPOSIO_SEARCH_TOOLS and
COMPOSIO_MANAGE_CONNECTIONS, so all three always agree on "connected".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import Toolkit
from valetkey.sessions.accounts import UserAccount, load_user_accounts, shown_account
from valetkey.sessions.records import SessionContext


@dataclass(frozen=True)
class ToolkitStatus:
    toolkit: Toolkit
    # The account calls would use, else the newest one the session may use (any status).
    account: UserAccount | None

    @property
    def no_auth(self) -> bool:
        return self.toolkit.no_auth

    @property
    def connected(self) -> bool:
        """Whether calls of this toolkit can run now (no-auth toolkits always can)."""
        return self.no_auth or (self.account is not None and self.account.facts.usable)

    @property
    def has_account(self) -> bool:
        return self.account is not None and self.account.facts.usable


def statuses_now(ctx: SessionContext, toolkits: Sequence[Toolkit]) -> dict[str, ToolkitStatus]:
    """Statuses by toolkit slug (runs in a worker thread)."""
    slugs = [t.slug for t in toolkits]
    with ctx.state.db.session() as db:
        accounts = load_user_accounts(db, ctx.project_id, ctx.config.user_id, slugs)
    return {
        t.slug: ToolkitStatus(t, shown_account(ctx.config, t.slug, accounts.get(t.slug, [])))
        for t in toolkits
    }


async def statuses(ctx: SessionContext, toolkits: Sequence[Toolkit]) -> dict[str, ToolkitStatus]:
    return await run_in_threadpool(statuses_now, ctx, toolkits)


def status_message(status: ToolkitStatus) -> str:
    slug = status.toolkit.slug
    if status.no_auth:
        return f"{slug} needs no connection; its tools can be executed directly."
    if status.connected and status.account is not None:
        return f"{slug} is connected (account {status.account.id}); execute its tools with COMPOSIO_MULTI_EXECUTE_TOOL."
    return (
        f"{slug} is not connected. Call COMPOSIO_MANAGE_CONNECTIONS with toolkits=['{slug}'], give the user "
        f"the link, and continue once they confirm they connected."
    )
