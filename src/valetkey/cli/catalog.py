"""``valetkey catalog``: authoring help for toolkit definitions (wired into the main CLI as a sub-command)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tools for writing toolkit definitions.")


@app.callback()
def catalog() -> None:
    """Tools for writing toolkit definitions."""


@app.command("import-openapi")
def import_openapi(
    spec: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="OpenAPI 3.x file (.json or .json.gz)."
    ),
    operation_id: str = typer.Argument(..., help="operationId to import, e.g. issues/create."),
    toolkit: str = typer.Option(
        None, "--toolkit", help="Toolkit slug for the tool's prefix (default: from the spec title)."
    ),
):
    """Print a draft tools.yaml entry for one operation. Curate it before shipping."""
    from valetkey.catalog.apispec import read_document
    from valetkey.catalog.apispec.openapi import from_openapi
    from valetkey.catalog.importer import draft_yaml

    try:
        description = from_openapi(read_document(spec), source=str(spec))
        operation = description.operation(operation_id)
    except (ValueError, KeyError) as exc:
        typer.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
        raise typer.Exit(2) from None
    slug = toolkit or re.sub(
        r"[^a-z0-9_]", "", re.sub(r"'s$", "", (description.title.split() or ["api"])[0].lower())
    )
    typer.echo(draft_yaml(operation, slug), nl=False)


if __name__ == "__main__":  # pragma: no cover
    app()
