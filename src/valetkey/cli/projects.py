"""``valetkey projects`` and ``valetkey orgs``: tenancy on the configured database, no server needed."""

from __future__ import annotations

import json

import typer

from valetkey.cli import output
from valetkey.cli.errors import CliError, from_api_error
from valetkey.cli.serve import database
from valetkey.core.errors import ApiError
from valetkey.core.settings import Settings

projects = typer.Typer(
    no_args_is_help=True, help="Create and list projects (works without a running server)."
)
orgs = typer.Typer(no_args_is_help=True, help="Create organizations and their org API keys.")


def _org_not_found(org_id: str) -> CliError:
    return CliError(
        f"organization {org_id} not found",
        "leave out --org for the default organization, or create one with `valetkey orgs create NAME`",
        exit_code=2,
    )


@projects.command("create")
def projects_create(
    name: str = typer.Argument(..., help="3 to 75 characters: letters, digits, '-' and '_'."),
    org: str = typer.Option(None, help="Organization id (default: the installation's default organization)."),
    as_json: bool = typer.Option(False, "--json", help="Print {id, name, org_id, api_key} as JSON."),
) -> None:
    """Create a project with an API key and print it (the key is shown once)."""
    from valetkey.tenancy import service
    from valetkey.tenancy.models import Organization

    db = database(Settings.from_env())
    try:
        with db.session() as session:
            if org and session.get(Organization, org) is None:
                raise _org_not_found(org)
            org_id = org or service.default_org(session).id
            project = service.create_project(session, org_id, name)
            key = service.create_project_key(session, project.id)
    except ApiError as exc:
        raise from_api_error(exc) from None
    finally:
        db.dispose()
    if as_json:
        print(json.dumps({"id": project.id, "name": project.name, "org_id": org_id, "api_key": key.key}))
    else:
        output.err.print(f"project [bold]{project.id}[/bold] ({project.name})")
        output.err.print("API key (shown once, store it now):")
        print(key.key)
        output.err.print("next: valetkey login --api-key <the key above>", highlight=False, markup=False)


@projects.command("list")
def projects_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List projects of every organization."""
    from sqlalchemy import select

    from valetkey.tenancy.models import Project

    db = database(Settings.from_env())
    try:
        with db.session() as session:
            rows = [
                {"id": p.id, "name": p.name, "org_id": p.org_id, "created_at": p.created_at.isoformat()}
                for p in session.scalars(
                    select(Project).where(Project.deleted.is_(False)).order_by(Project.created_at)
                )
            ]
    finally:
        db.dispose()
    if as_json:
        print(json.dumps(rows))
    else:
        output.table(rows, [(k, output.pick(k)) for k in ("id", "name", "org_id", "created_at")])


@orgs.command("create")
def orgs_create(
    name: str, as_json: bool = typer.Option(False, "--json", help="Print {id, api_key} as JSON.")
) -> None:
    """Create an organization and an org API key (x-org-api-key) for managing projects."""
    from valetkey.tenancy import service

    db = database(Settings.from_env())
    try:
        with db.session() as session:
            org, key = service.create_org(session, name)
    except ApiError as exc:
        raise from_api_error(exc) from None
    finally:
        db.dispose()
    if as_json:
        print(json.dumps({"id": org.id, "name": org.name, "api_key": key.key}))
    else:
        output.err.print(f"organization [bold]{org.id}[/bold] ({org.name})")
        output.err.print("org API key (shown once):")
        print(key.key)


@orgs.command("key")
def orgs_key(
    org: str = typer.Option(None, help="Organization id (default: the default organization)."),
    as_json: bool = typer.Option(False, "--json", help="Print {id, api_key} as JSON."),
) -> None:
    """Issue another org API key for an organization."""
    from valetkey.tenancy import service
    from valetkey.tenancy.models import Organization

    db = database(Settings.from_env())
    try:
        with db.session() as session:
            org_id = org or service.default_org(session).id
            if session.get(Organization, org_id) is None:
                raise _org_not_found(org_id)
            key = service.create_org_key(session, org_id)
    finally:
        db.dispose()
    print(json.dumps({"id": org_id, "api_key": key.key}) if as_json else key.key)


@projects.command("credentials")
def projects_credentials(
    project_id: str = typer.Argument(..., help="The project the pair acts for."),
    revoke: str = typer.Option(None, "--revoke", metavar="CLIENT_ID", help="Revoke this client id instead."),
    as_json: bool = typer.Option(False, "--json", help="Print {client_id, client_secret} as JSON."),
) -> None:
    """Issue a client id and secret for the Scalekit SDK (SCALEKIT_CLIENT_ID/SECRET); the secret is shown once."""
    from valetkey.tenancy import clients

    db = database(Settings.from_env())
    try:
        with db.session() as session:
            if revoke:
                clients.revoke(session, project_id, revoke)
                pair = None
            else:
                pair = clients.issue(session, project_id)
    except ApiError as exc:
        raise from_api_error(exc) from None
    finally:
        db.dispose()
    if pair is None:
        if as_json:
            print(json.dumps({"client_id": revoke, "revoked": True}))
        else:
            output.err.print(f"client {revoke} revoked; its access tokens stop working now", highlight=False)
        return
    if as_json:
        print(json.dumps({"client_id": pair.client_id, "client_secret": pair.client_secret}))
    else:
        output.err.print(f"client id: {pair.client_id}", highlight=False, markup=False)
        output.err.print("client secret (shown once, store it now):")
        print(pair.client_secret)
        output.err.print(
            "next: SCALEKIT_CLIENT_ID=... SCALEKIT_CLIENT_SECRET=... SCALEKIT_ENV_URL=https://<VALETKEY_SCALEKIT_LISTEN>",
            highlight=False,
            markup=False,
        )
