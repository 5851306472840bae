"""Connect Links for every imported account that needs its user again (`valetkey import links`).

For each account the import ledger sorted into "needs re-authorization", a
Connect Link on the same auth config and user id, valid for `ttl` (links go
out in the team's own emails, so a week by default). The account's source id
alias moves to the link's new account, so the id the team stored names the
user's connection once they complete it. An account already re-authorized
(its alias names an ACTIVE account) gets no new link; running the command
again replaces links that lapsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select

from valetkey.connections.link import create_link
from valetkey.connections.models import ConnectedAccount
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import ApiError
from valetkey.tenancy.aliases import resolve, set_alias
from valetkey.transfer.models import ImportLedger

DEFAULT_TTL = dt.timedelta(days=7)
COLUMNS = ("user_id", "toolkit", "link", "expires_at", "source_id", "connected_account_id", "reason")


@dataclass(frozen=True)
class Relink:
    user_id: str
    toolkit: str
    link: str
    expires_at: dt.datetime
    source_id: str
    connected_account_id: str
    reason: str


def make_links(
    state: ConnectionsState, project_id: str, *, ttl: dt.timedelta = DEFAULT_TTL
) -> tuple[list[Relink], list[str]]:
    """Links for the re-authorization set, and what could not get one (with why)."""
    with state.db.session() as db:
        rows = list(
            db.scalars(
                select(ImportLedger)
                .where(
                    ImportLedger.project_id == project_id,
                    ImportLedger.kind == "connected_account",
                    ImportLedger.outcome == "reauth",
                )
                .order_by(ImportLedger.created_at, ImportLedger.source_id)
            )
        )
        current = resolve(db, project_id, [r.source_id for r in rows])
        imported = {
            a.id: a
            for a in db.scalars(
                select(ConnectedAccount).where(
                    ConnectedAccount.project_id == project_id,
                    ConnectedAccount.id.in_([r.target_id for r in rows if r.target_id]),
                )
            )
        }
        statuses = dict(
            db.execute(
                select(ConnectedAccount.id, ConnectedAccount.status).where(
                    ConnectedAccount.id.in_(list(current.values()))
                )
            ).all()
        )
    links: list[Relink] = []
    problems: list[str] = []
    for row in rows:
        now_id = current.get(row.source_id)
        if now_id and statuses.get(now_id) == "ACTIVE":
            continue  # re-authorized already
        account = imported.get(row.target_id or "")
        if account is None:
            problems.append(f"{row.source_id}: the imported account is gone")
            continue
        try:
            made = create_link(
                state,
                project_id,
                auth_config_id=account.auth_config_id,
                user_id=account.user_id,
                callback_url=None,
                alias=None,
                prefill=None,
                ttl=ttl,
            )
        except ApiError as exc:
            problems.append(f"{row.source_id}: {exc.message}")
            continue
        with state.db.session() as db:
            set_alias(db, project_id, row.source_id, "connected_account", made.account_id)
        links.append(
            Relink(
                account.user_id,
                account.toolkit_slug,
                made.url,
                made.expires_at,
                row.source_id,
                made.account_id,
                row.reason or "",
            )
        )
    return links, problems


def to_csv(links: list[Relink]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for link in links:
        writer.writerow(
            [
                link.user_id,
                link.toolkit,
                link.link,
                link.expires_at.isoformat().replace("+00:00", "Z"),
                link.source_id,
                link.connected_account_id,
                link.reason,
            ]
        )
    return out.getvalue()
