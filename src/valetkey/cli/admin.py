"""``valetkey admin``: dashboard operator accounts, on the configured database (no server needed)."""

from __future__ import annotations

import json
import sys

import typer

from valetkey.cli import output
from valetkey.cli.errors import CliError, from_api_error
from valetkey.cli.serve import database
from valetkey.core.errors import ApiError
from valetkey.core.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Operator accounts for the dashboard at /dashboard.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CliError(
                "no password on standard input",
                "pipe one line holding the password, e.g. `printf '%s\\n' \"$PW\" | valetkey admin create EMAIL --password-stdin`",
                exit_code=2,
            )
        return password
    password = typer.prompt("Password", hide_input=True)
    again = typer.prompt("Repeat the password", hide_input=True)
    if password != again:
        raise CliError("the two passwords differ", "run the command again and type the same password twice")
    return str(password)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The operator's email (their login)."),
    org: list[str] = typer.Option(
        None,
        "--org",
        help="An organization the operator may see (repeat for several; default: the default organization).",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print {id, email, org_ids} as JSON."),
) -> None:
    """Create a dashboard operator (the password is prompted for without echo, or read from stdin)."""
    from valetkey.tenancy import operators, service

    password = _read_password(password_stdin)
    settings = Settings.from_env()
    db = database(settings)
    try:
        with db.session() as session:
            org_ids = list(org or []) or [service.default_org(session).id]
            operator = operators.create_operator(session, email, password, org_ids)
            result = {"id": operator.id, "email": operator.email, "org_ids": org_ids}
    except ApiError as exc:
        raise from_api_error(exc) from None
    finally:
        db.dispose()
    if as_json:
        print(json.dumps(result))
        return
    output.err.print(f"operator [bold]{result['id']}[/bold] ({result['email']}) of {', '.join(org_ids)}")
    output.err.print(
        f"next: open {settings.public_url.rstrip('/')}/dashboard and sign in", highlight=False, markup=False
    )
