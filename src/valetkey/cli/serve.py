"""``valetkey serve`` and ``valetkey migrate``: start the API server, saying where it listens, where its data lives and what to do next."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from valetkey.cli import output
from valetkey.cli.errors import CliError
from valetkey.core.settings import Settings

if TYPE_CHECKING:
    from valetkey.store.db import Database


def database(settings: Settings) -> Database:
    from rich.progress import Progress

    from valetkey.migrations.upgrade import pending_revisions, upgrade_to
    from valetkey.store.db import Database, ensure_private_dir

    ensure_private_dir(settings.home)
    pending = pending_revisions(settings.database_url)
    if pending:
        with Progress(console=output.err, transient=True) as progress:
            task = progress.add_task("migrating the database", total=len(pending))
            for revision in pending:
                progress.update(task, description=f"migrating the database: {revision}")
                upgrade_to(settings.database_url, revision)
                progress.advance(task)
    return Database(settings.database_url)


def _shown_database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def banner(settings: Settings, host: str, port: int) -> str:
    """What a first run needs to know: the URL, the data, the next step."""
    from valetkey.vault.keyfile import keyring_path

    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    lines = [
        f"Valetkey listening on {url}  (health: {url}/health, API: {url}/api/v3.1, OpenAPI: {url}/openapi.json)",
        f"data folder:  {settings.home}",
        f"database:     {_shown_database(settings.database_url)}",
        "keyring:      "
        + (
            "VALETKEY_ENCRYPTION_KEYS"
            if settings.encryption_keys
            else f"{keyring_path(settings.home)} (back it up)"
        ),
    ]
    if settings.sandbox_url:
        lines.append(f"sandbox:      every toolkit's API calls go to {settings.sandbox_url}")
    if settings.scalekit_listen:
        lines.append(
            f"scalekit:     https://{settings.scalekit_listen} (SCALEKIT_ENV_URL for the Scalekit SDK; "
            "credentials: valetkey projects credentials PROJECT_ID)"
        )
    if settings.public_url != url:
        lines.append(
            f"public URL:   {settings.public_url} (VALETKEY_PUBLIC_URL; used in redirect and Connect Link URLs)"
        )
    lines += [
        "first project: valetkey projects create my-agent --json   (prints its API key once)",
        f"then:          valetkey login --url {url}   or   export COMPOSIO_BASE_URL={url} COMPOSIO_API_KEY=ak_...",
    ]
    return "\n".join(lines)


def _check_sandbox(url: str) -> None:
    import httpx

    try:
        httpx.get(url + "/", timeout=2.0)
    except httpx.HTTPError as exc:
        output.err.print(
            f"warning: the sandbox at {url} does not answer ({exc}); start it with `valetkey sandbox serve`",
            highlight=False,
            markup=False,
        )


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    workers: int = typer.Option(1, min=1, help="Server processes (use PostgreSQL for more than one)."),
    sandbox: str = typer.Option(
        None,
        "--sandbox",
        envvar="VALETKEY_SANDBOX_URL",
        help="URL of a running `valetkey sandbox serve`: route every toolkit's API calls there.",
    ),
) -> None:
    """Start the API server with in-process background work."""
    import uvicorn

    from valetkey.core.log_setup import configure_logging

    if sandbox:
        os.environ["VALETKEY_SANDBOX_URL"] = sandbox  # the server processes read their settings from it
    settings = Settings.from_env()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise CliError(
            "several server processes need PostgreSQL",
            "set VALETKEY_DATABASE_URL=postgresql://... or run with --workers 1",
            exit_code=2,
        )
    configure_logging(settings.log_level)
    # Migrate once here, so several worker processes do not race on it.
    database(settings).dispose()
    if settings.sandbox_url:
        _check_sandbox(settings.sandbox_url)
    typer.echo(banner(settings, host, port), err=True)  # plain: rich would wrap it at 80 columns in a log
    uvicorn.run(
        "valetkey.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        loop="auto",  # uvloop where installed (pinned in pyproject.toml; not on Windows)
        http="httptools",  # pinned too; uvicorn's pure-Python h11 parser costs more per request
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


def migrate() -> None:
    """Bring the database schema up to date."""
    database(Settings.from_env()).dispose()
    output.err.print("database is up to date")
