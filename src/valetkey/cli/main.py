"""The `valetkey` command: a registry of the command groups, each in its own module."""

from __future__ import annotations

import typer

from valetkey.cli import (
    accounts,
    admin,
    catalog,
    catalog_remote,
    generate,
    keys,
    login,
    logs,
    projects,
    sandbox,
    serve,
    sessions,
    transfer,
    triggers,
    workbench,
    worker,
)

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Valetkey: tools for AI agents, self-hosted."
)

# On this machine's database (no server needed).
app.command()(serve.serve)
app.command()(serve.migrate)
app.add_typer(projects.projects, name="projects")
app.add_typer(projects.orgs, name="orgs")
app.add_typer(keys.app, name="keys")
app.add_typer(catalog.app, name="catalog")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(workbench.app, name="workbench")
app.add_typer(admin.app, name="admin")
worker.register(app)
transfer.register(app)

# Against the server `valetkey login` stored (its REST API).
login.register(app)
app.add_typer(catalog_remote.toolkits, name="toolkits")
app.add_typer(catalog_remote.tools, name="tools")
app.add_typer(accounts.app, name="accounts")
app.add_typer(logs.app, name="logs")
app.add_typer(sessions.app, name="sessions")
app.command()(generate.generate)
app.add_typer(triggers.app, name="triggers")

if __name__ == "__main__":  # pragma: no cover
    app()
