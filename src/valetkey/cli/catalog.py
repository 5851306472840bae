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


@app.command("import")
def import_toolkit(
    folder: Path = typer.Argument(
        ..., file_okay=False, help="Toolkit folder holding import.yaml (the curation layer)."
    ),
    description: Path = typer.Option(
        None,
        "--from",
        exists=True,
        dir_okay=False,
        help="The full description (OpenAPI 2/3 JSON or YAML, or a Google discovery document; .gz too). "
        "Without it, the toolkit is regenerated from its own api.json.",
    ),
    check: bool = typer.Option(False, "--check", help="Only say whether the generated files are up to date."),
):
    """Generate toolkit.yaml and tools.yaml of an imported toolkit from its description and import.yaml."""
    from valetkey.catalog.imports.config import IMPORT_FILE
    from valetkey.catalog.imports.files import import_into, read_description, regenerated, stale
    from valetkey.catalog.loader import CatalogError, load_toolkit

    if not (folder / IMPORT_FILE).is_file():
        typer.echo(f"error: {folder / IMPORT_FILE} does not exist", err=True)
        raise typer.Exit(2)
    try:
        if check:
            outdated = stale(folder)
            if outdated:
                typer.echo(
                    f"{folder}: out of date: {', '.join(outdated)} (run valetkey catalog import)", err=True
                )
                raise typer.Exit(1)
            typer.echo(f"{folder}: up to date")
            return
        if description is not None:
            result = import_into(folder, read_description(description))
        else:
            result, files = regenerated(folder)
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
        toolkit = load_toolkit(folder)
    except (ValueError, CatalogError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = result.report
    typer.echo(
        f"{toolkit.slug}: {len(toolkit.tools)} tools from {report.operations} operations "
        f"({report.composio_slugs} with Composio's slug, {len(report.paginated)} paginated, "
        f"{len(report.skipped)} skipped)"
    )
    for skipped in report.skipped[:20]:
        typer.echo(f"  skipped {skipped.key}: {skipped.reason}")


if __name__ == "__main__":  # pragma: no cover
    app()
