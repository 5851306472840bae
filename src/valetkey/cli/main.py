"""The `valetkey` command."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from valetkey.cli import catalog, keys, sandbox, triggers, worker
from valetkey.core.settings import Settings

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Valetkey: tools for AI agents, self-hosted."
)
projects = typer.Typer(
    no_args_is_help=True, help="Create and list projects (works without a running server)."
)
orgs = typer.Typer(no_args_is_help=True, help="Create organizations and their org API keys.")
app.add_typer(projects, name="projects")
app.add_typer(orgs, name="orgs")
app.add_typer(catalog.app, name="catalog")
app.add_typer(keys.app, name="keys")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(triggers.app, name="triggers")
console = Console(stderr=True)
worker.register(app)


def _database(settings: Settings):
    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import Database, ensure_private_dir

    ensure_private_dir(settings.home)
    upgrade(settings.database_url)
    return Database(settings.database_url)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    workers: int = typer.Option(1, help="Server processes (use PostgreSQL for more than one)."),
):
    """Start the API server with in-process background work."""
    import uvicorn

    from valetkey.core.log_setup import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    # Migrate once here, so several worker processes do not race on it.
    _database(settings).dispose()
    uvicorn.run(
        "valetkey.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


@app.command()
def migrate():
    """Bring the database schema up to date."""
    settings = Settings.from_env()
    _database(settings).dispose()
    console.print("database is up to date")


@projects.command("create")
def projects_create(
    name: str,
    org: str = typer.Option(None, help="Organization id (default: the installation's default organization)."),
    as_json: bool = typer.Option(False, "--json", help="Print {id, api_key} as JSON."),
):
    """Create a project with an API key and print it (the key is shown once)."""
    from valetkey.core.errors import ApiError
    from valetkey.tenancy import service
    from valetkey.tenancy.models import Organization

    db = _database(Settings.from_env())
    try:
        with db.session() as session:
            if org:
                if session.get(Organization, org) is None:
                    raise typer.BadParameter(f"organization {org} not found", param_hint="--org")
                org_id = org
            else:
                org_id = service.default_org(session).id
            project = service.create_project(session, org_id, name)
            key = service.create_project_key(session, project.id)
    except ApiError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    if as_json:
        print(json.dumps({"id": project.id, "name": project.name, "org_id": org_id, "api_key": key.key}))
    else:
        console.print(f"project [bold]{project.id}[/bold] ({project.name})")
        console.print("API key (shown once, store it now):")
        print(key.key)


@projects.command("list")
def projects_list(as_json: bool = typer.Option(False, "--json")):
    """List projects of every organization."""
    from sqlalchemy import select

    from valetkey.tenancy.models import Project

    db = _database(Settings.from_env())
    with db.session() as session:
        rows = [
            {"id": p.id, "name": p.name, "org_id": p.org_id, "created_at": p.created_at.isoformat()}
            for p in session.scalars(
                select(Project).where(Project.deleted.is_(False)).order_by(Project.created_at)
            )
        ]
    db.dispose()
    if as_json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['id']}\t{row['name']}\t{row['org_id']}")


@orgs.command("create")
def orgs_create(
    name: str, as_json: bool = typer.Option(False, "--json", help="Print {id, api_key} as JSON.")
):
    """Create an organization and an org API key (x-org-api-key) for managing projects."""
    from valetkey.tenancy import service

    db = _database(Settings.from_env())
    with db.session() as session:
        org, key = service.create_org(session, name)
    db.dispose()
    if as_json:
        print(json.dumps({"id": org.id, "name": org.name, "api_key": key.key}))
    else:
        console.print(f"organization [bold]{org.id}[/bold] ({org.name})")
        console.print("org API key (shown once):")
        print(key.key)


@orgs.command("key")
def orgs_key(
    org: str = typer.Option(None, help="Organization id (default: the default organization)."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Issue another org API key for an organization."""
    from valetkey.tenancy import service
    from valetkey.tenancy.models import Organization

    db = _database(Settings.from_env())
    with db.session() as session:
        org_id = org or service.default_org(session).id
        if session.get(Organization, org_id) is None:
            raise typer.BadParameter(f"organization {org_id} not found", param_hint="--org")
        key = service.create_org_key(session, org_id)
    db.dispose()
    print(json.dumps({"id": org_id, "api_key": key.key}) if as_json else key.key)


if __name__ == "__main__":  # pragma: no cover
    app()
