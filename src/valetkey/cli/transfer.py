"""`valetkey import composio|file|links` and `valetkey export`: moving projects, on the configured database.

Like `projects create`, these work on this machine's database (no running
server): the target project is written directly, with the same vault keys the
server uses (`VALETKEY_HOME` / `VALETKEY_ENCRYPTION_KEYS`). Reading the source
is an operator's outbound call (the URL the operator names, outside the
egress policy); verifying the imported accounts goes through the egress
policy like every account's calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from valetkey.cli import output
from valetkey.cli.errors import CliError
from valetkey.cli.serve import database
from valetkey.core.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Import a project (from Composio, or a Valetkey export file).")

PASSPHRASE_ENV = "VALETKEY_EXPORT_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)


def load_secrets(path: Path | None) -> dict[str, dict[str, str]]:
    """`--secrets FILE`: JSON or YAML mapping a source auth config id to {field: value}."""
    if path is None:
        return {}
    try:
        text = path.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", exit_code=2) from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CliError(f"{path} is not valid JSON or YAML: {exc}", exit_code=2) from None
    if not isinstance(document, dict) or not all(
        isinstance(v, dict) and all(isinstance(x, str) for x in v.values()) for v in document.values()
    ):
        raise CliError(
            f"{path} must map auth config ids to {{field: value}} strings",
            'e.g. {"ac_abc123": {"client_secret": "..."}}',
            exit_code=2,
        )
    return {str(k): {str(f): str(x) for f, x in v.items()} for k, v in document.items()}


def _prompt(wire: Mapping[str, Any], field: str) -> str | None:
    """Once per masked field of a config, without echo; nothing when no one is at the terminal."""
    if not sys.stdin.isatty():
        return None
    slug = (wire.get("toolkit") or {}).get("slug", "?")
    output.err.print(f"auth config {wire.get('id')} ({slug}): the source masks {field}", highlight=False)
    answer = getpass.getpass(f"{field} (empty to skip this config): ")
    return answer or None


class _Bars:
    """One progress bar per step, on stderr; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=output.err,
            transient=False,
            disable=not output.err.is_terminal,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _Bars:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def total(self, kind: str, total: int | None) -> None:
        if kind not in self.tasks:
            self.tasks[kind] = self.progress.add_task(kind.replace("_", " "), total=total)
        else:
            self.progress.update(self.tasks[kind], total=total)

    def tick(self, kind: str, n: int) -> None:
        if kind not in self.tasks:
            self.total(kind, None)
        self.progress.advance(self.tasks[kind], n)


def _check_project(settings: Settings, project_id: str) -> None:
    from valetkey.tenancy.models import Project

    db = database(settings)  # brings the schema up to date first
    try:
        with db.session() as session:
            project = session.get(Project, project_id)
            if project is None or project.deleted:
                raise CliError(
                    f"project {project_id} not found on this database",
                    "list them with `valetkey projects list`, or create one with `valetkey projects create`",
                    exit_code=2,
                )
    finally:
        db.dispose()


async def _with_state(settings: Settings, work: Callable[[Any], Any]) -> Any:
    from valetkey.api.app import build_state

    state = build_state(settings)
    try:
        return await work(state)
    finally:
        await state.http.aclose()
        await state.trigger_http.aclose()
        state.oauth_http.close()
        state.db.dispose()


def _import(
    read: Callable[[_Bars], Any],
    *,
    project: str,
    secrets: Path | None,
    dry_run: bool,
    report: Path | None,
    as_json: bool,
) -> None:
    from valetkey.transfer.importer import Importer, run_import
    from valetkey.transfer.verify import verify_all

    settings = Settings.from_env()
    given = load_secrets(secrets)
    _check_project(settings, project)
    with _Bars() as bars:
        snapshot = read(bars)
        counts = snapshot.counts()
        bars.total("auth_configs", counts["auth_configs"])
        bars.total("connected_accounts", counts["connected_accounts"])

        async def work(state: Any) -> Any:
            importer = Importer(
                state,
                project,
                source=snapshot.source,
                secrets=given,
                prompt=_prompt,
                tick=bars.tick,
                dry_run=dry_run,
            )
            return await run_import(importer, snapshot, verify=verify_all)

        result = asyncio.run(_with_state(settings, work))
    document = result.to_json()
    if report is not None:
        report.write_text(json.dumps(document, indent=2) + "\n")
        os.chmod(report, 0o600)
    if as_json:
        print(json.dumps(document["summary"]))
        return
    accounts = document["accounts"]
    verb = "would import" if dry_run else "imported"
    output.err.print(
        f"{verb} into {project}: {len(accounts['migrated'])} accounts migrated, "
        f"{len(accounts['needs_reauthorization'])} need re-authorization, {len(accounts['failed'])} failed"
        + (f", {len(accounts['pending'])} still pending (rerun to retry)" if accounts["pending"] else ""),
        highlight=False,
    )
    for kind, tally in document["summary"].items():
        if kind != "connected_accounts" and tally:
            output.err.print(f"  {kind.replace('_', ' ')}: {tally}", highlight=False)
    for warning in document["warnings"]:
        output.err.print(f"  warning: {warning}", highlight=False, markup=False)
    if accounts["needs_reauthorization"] and not dry_run:
        output.err.print(
            f"next: valetkey import links --project {project} --csv links.csv", highlight=False, markup=False
        )


@app.command("composio")
def import_composio(
    project: str = typer.Option(..., "--project", help="The Valetkey project to import into."),
    from_url: str = typer.Option(
        "https://backend.composio.dev", "--from-url", help="The source API's base URL."
    ),
    api_key: str = typer.Option(
        None, "--api-key", envvar="COMPOSIO_API_KEY", help="The source project's API key."
    ),
    secrets: Path = typer.Option(
        None, "--secrets", help="JSON or YAML: {source auth config id: {client_secret: ...}}."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check everything; write nothing."),
    report: Path = typer.Option(None, "--report", help="Write the full report here as JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import auth configs, connected accounts, triggers, the webhook subscription and MCP servers."""
    from valetkey.transfer.snapshot import read_source
    from valetkey.transfer.source import SourceClient, SourceError

    if not api_key:
        if not sys.stdin.isatty():
            raise CliError("--api-key is required", "pass --api-key or set COMPOSIO_API_KEY", exit_code=2)
        api_key = getpass.getpass("source API key: ")

    def read(bars: _Bars) -> Any:
        with SourceClient(from_url, api_key) as client:
            try:
                return read_source(client, on_page=lambda kind, n: bars.tick(f"reading {kind}", n))
            except SourceError as exc:
                raise CliError(str(exc), "check --from-url and --api-key") from None

    _import(read, project=project, secrets=secrets, dry_run=dry_run, report=report, as_json=as_json)


def _passphrase(confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError("no passphrase", f"set {PASSPHRASE_ENV} or run at a terminal", exit_code=2)
    value = getpass.getpass("passphrase: ")
    if confirm and getpass.getpass("again: ") != value:
        raise CliError("the passphrases differ", exit_code=2)
    return value


@app.command("file")
def import_file(
    path: Path = typer.Argument(..., help="A file `valetkey export` wrote."),
    project: str = typer.Option(..., "--project", help="The Valetkey project to import into."),
    secrets: Path = typer.Option(None, "--secrets", help="Credentials to fill in, as for `import composio`."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything; write nothing."),
    report: Path = typer.Option(None, "--report", help="Write the full report here as JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import a project exported from a Valetkey installation (passphrase from VALETKEY_EXPORT_PASSPHRASE)."""
    from valetkey.transfer.archive import ArchiveError, open_sealed
    from valetkey.transfer.snapshot import Snapshot

    def read(bars: _Bars) -> Any:
        try:
            document = open_sealed(path.read_bytes(), _passphrase(confirm=False))
            return Snapshot.from_document(document)
        except (ArchiveError, ValueError) as exc:
            raise CliError(f"{path}: {exc}", exit_code=2) from None
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror}", exit_code=2) from None

    _import(read, project=project, secrets=secrets, dry_run=dry_run, report=report, as_json=as_json)


@app.command("links")
def import_links(
    project: str = typer.Option(..., "--project", help="The project the accounts were imported into."),
    csv_path: Path = typer.Option(None, "--csv", help="Write the CSV here (default: standard output)."),
    days: float = typer.Option(7.0, "--days", min=0.01, max=30, help="How long each link works."),
) -> None:
    """Connect Links for every imported account that needs re-authorization (CSV: user_id, toolkit, link, expiry)."""
    from valetkey.transfer.relink import make_links, to_csv

    settings = Settings.from_env()
    _check_project(settings, project)

    async def work(state: Any) -> Any:
        return make_links(state, project, ttl=dt.timedelta(days=days))

    links, problems = asyncio.run(_with_state(settings, work))
    text = to_csv(links)
    if csv_path is None:
        sys.stdout.write(text)
    else:
        csv_path.write_text(text)
        os.chmod(csv_path, 0o600)
    output.err.print(f"{len(links)} Connect Links", highlight=False)
    for problem in problems:
        output.err.print(f"  no link: {problem}", highlight=False, markup=False)


def export(
    project: str = typer.Option(..., "--project", help="The project to export."),
    out: Path = typer.Option(..., "--out", help="Where to write the encrypted file."),
) -> None:
    """Export a project (configs, accounts with their tokens, triggers, webhooks, MCP servers), encrypted to a passphrase."""
    from valetkey.transfer.archive import ArchiveError, seal
    from valetkey.transfer.export import snapshot_project

    settings = Settings.from_env()
    _check_project(settings, project)
    passphrase = _passphrase(confirm=True)

    async def work(state: Any) -> Any:
        return snapshot_project(state, project)

    snapshot = asyncio.run(_with_state(settings, work))
    try:
        blob = seal(snapshot.to_document(), passphrase)
    except ArchiveError as exc:
        raise CliError(str(exc), exit_code=2) from None
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in snapshot.counts().items())
    output.err.print(f"exported {project} to {out}: {counts}", highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="import")
    root.command("export")(export)
