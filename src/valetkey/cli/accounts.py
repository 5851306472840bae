"""``valetkey accounts list|show``: the project's connected accounts, secrets masked as the API masks them."""

from __future__ import annotations

import typer

from valetkey.cli import output
from valetkey.cli.output import pick
from valetkey.cli.remote import connect

app = typer.Typer(no_args_is_help=True, help="The project's connected accounts.")


@app.command("list")
def accounts_list(
    user_id: list[str] = typer.Option(
        None, "--user-id", "-u", help="Only this user's accounts (repeatable)."
    ),
    toolkit: list[str] = typer.Option(None, "--toolkit", "-t", help="Only this toolkit's (repeatable)."),
    status: list[str] = typer.Option(None, "--status", help="Only accounts in this status (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the server's JSON."),
) -> None:
    """List connected accounts, newest first, with their status and why."""
    with connect() as remote:
        items = remote.pages(
            "/connected_accounts",
            user_ids=user_id or None,
            toolkit_slugs=toolkit or None,
            statuses=status or None,
        )
    if as_json:
        output.print_json(items)
        return
    output.table(
        items,
        [
            ("id", pick("id")),
            ("user", pick("user_id")),
            ("toolkit", pick("toolkit", "slug")),
            ("status", pick("status")),
            ("reason", pick("status_reason")),
            ("auth config", pick("auth_config", "id")),
            ("created", pick("created_at")),
        ],
    )


@app.command("show")
def accounts_show(
    account_id: str, as_json: bool = typer.Option(False, "--json", help="Print the server's JSON.")
) -> None:
    """Show one connected account."""
    with connect() as remote:
        account = remote.get(f"/connected_accounts/{account_id}")
    if as_json:
        output.print_json(account)
        return
    output.fields(
        [
            ("id", account.get("id")),
            ("user", account.get("user_id")),
            ("toolkit", pick("toolkit", "slug")(account)),
            ("status", account.get("status")),
            ("reason", account.get("status_reason")),
            ("auth config", pick("auth_config", "id")(account)),
            ("scheme", pick("auth_config", "auth_scheme")(account)),
            ("disabled", account.get("is_disabled")),
            ("created", account.get("created_at")),
            ("updated", account.get("updated_at")),
        ]
    )
