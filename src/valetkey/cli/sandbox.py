"""``valetkey sandbox``: run the sandbox emulators (wired into the main CLI as a sub-command)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Sandbox emulators of OAuth providers and apps."
)


@app.callback()
def sandbox() -> None:
    """Sandbox emulators of OAuth providers and apps, on loopback."""


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Interface to bind. Keep it on loopback: the admin routes are open."
    ),
    port: int = typer.Option(8001, help="Port to bind."),
    catalog_dir: list[Path] = typer.Option(
        [], "--catalog-dir", help="Also emulate the imported toolkits (folders with import.yaml) here."
    ),
):
    """Start the sandbox: generic OAuth 2.0 / 1.0a providers and every app emulator (at /<slug>)."""
    import uvicorn

    from valetkey.sandbox.app import Sandbox, create_sandbox_app
    from valetkey.sandbox.apps import discover_apps

    app = create_sandbox_app(Sandbox(apps={a.slug: a for a in discover_apps(catalog_dir)}))
    apps = ", ".join(f"/{slug}" for slug in app.state.sandbox.apps) or "none"
    typer.echo(
        f"sandbox on http://{host}:{port} (OAuth 2 client sandbox-client / sandbox-secret; "
        f"OAuth 1 consumer sandbox-consumer / sandbox-consumer-secret; apps: {apps})",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":  # pragma: no cover
    app()
