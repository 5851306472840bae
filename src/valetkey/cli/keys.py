"""`valetkey keys`: generate encryption keys, rotate them, see which keys are in use.

Human-readable guidance goes to stderr; data (the new key entry, `--json`
reports) goes to stdout so it can be piped. Only `keys generate` ever prints
key material, because printing a new key is its whole purpose.
"""

from __future__ import annotations

import json
import time

import typer
from rich.console import Console
from rich.progress import Progress

from valetkey.core.settings import Settings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Encryption keys for secrets at rest: generate, rotate, status.",
)
console = Console(stderr=True)


def _database(settings: Settings):
    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import Database, ensure_private_dir

    ensure_private_dir(settings.home)
    upgrade(settings.database_url)
    return Database(settings.database_url)


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print("[red]error:[/red]", end=" ")
    console.print(message, highlight=False, markup=False)  # messages may contain [brackets]
    return typer.Exit(code)


@app.command()
def generate(
    kid: str = typer.Option(None, "--id", help="Key id (default: k + UTC date + random suffix)."),
    as_json: bool = typer.Option(False, "--json", help="Print {id, entry} as JSON."),
):
    """Print a new KEY_ID:KEY entry for VALETKEY_ENCRYPTION_KEYS."""
    from valetkey.vault.keyring import KeyringError, generate_key

    try:
        key = generate_key(kid)
    except KeyringError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        print(json.dumps({"id": key.kid, "entry": key.entry()}))
    else:
        print(key.entry())
    console.print(
        "Put this entry FIRST in VALETKEY_ENCRYPTION_KEYS and keep the old entries after it, e.g.\n"
        f"  VALETKEY_ENCRYPTION_KEYS={key.kid}:...,<old entries>\n"
        "then restart the servers and run `valetkey keys rotate`. Store the entry in your secret manager; "
        "without it, secrets sealed with it cannot be recovered.",
        highlight=False,
        markup=False,
    )


@app.command()
def rotate(
    keep_key: bool = typer.Option(
        False,
        "--keep-key",
        help="Do not add a key to the keyring file; finish re-encrypting under the current primary.",
    ),
    batch_size: int = typer.Option(200, min=1, help="Rows read per batch (each row is its own transaction)."),
    settle: float = typer.Option(
        None,
        min=0,
        help="Seconds to wait after adding a key, so running servers switch to it first "
        "(default: their refresh interval plus one).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
):
    """Re-encrypt every stored secret under the primary key, while servers keep running.

    With the keyring file (VALETKEY_ENCRYPTION_KEYS unset), a new primary key is
    added to the file first; running servers pick it up within seconds. With
    VALETKEY_ENCRYPTION_KEYS, put the new key first in the variable (on the
    servers too) before running this.
    """
    from valetkey.migrations.models import import_all_models
    from valetkey.vault.columns import sealed_columns
    from valetkey.vault.keyfile import add_primary_key, keyring_path
    from valetkey.vault.keyring import KeyringError
    from valetkey.vault.rotate import ColumnReport, RotationReport
    from valetkey.vault.rotate import rotate as rotate_rows
    from valetkey.vault.vault import REFRESH_SECONDS, vault_from_settings

    settings = Settings.from_env()
    try:
        vault = vault_from_settings(settings)
        if settings.encryption_keys:
            console.print(
                f"using VALETKEY_ENCRYPTION_KEYS: re-encrypting under its first key, {vault.primary_kid}",
                highlight=False,
            )
        elif not keep_key:
            add_primary_key(keyring_path(settings.home))
            vault.reload()
            console.print(
                f"added key {vault.primary_kid} to {keyring_path(settings.home)} as the primary key; back the file up",
                highlight=False,
            )
            # Servers check the file for a new primary every REFRESH_SECONDS; waiting that long
            # means rows they write from now on are already under the new key, so one pass suffices.
            time.sleep(REFRESH_SECONDS + 1 if settle is None else settle)
    except (KeyringError, OSError) as exc:
        raise _fail(str(exc)) from None

    db = _database(settings)
    try:
        import_all_models()  # every model registers its sealed columns
        columns = sealed_columns()
        reports: list[ColumnReport] = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("re-encrypting", total=len(columns))
            for sealed in columns:  # one column at a time, so the bar moves as tables finish
                progress.update(task, description=f"re-encrypting {sealed.purpose}")
                reports.extend(rotate_rows(db, vault, columns=[sealed], batch_size=batch_size).columns)
                progress.advance(task)
        report = RotationReport(vault.primary_kid, tuple(reports))
    finally:
        db.dispose()

    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        for column in report.columns:
            print(
                f"{column.purpose}\trotated={column.rotated}\tcurrent={column.current}\tfailed={len(column.failed)}"
            )
            for record_id in column.failed:
                print(f"  cannot decrypt {column.purpose} of {record_id}")
        print(
            f"primary key {report.primary_kid}: rotated {report.rotated}, already current {report.current}, "
            f"failed {report.failed}"
        )
    if report.failed:
        console.print(
            "some values could not be decrypted (record ids in the report); they were left as they are. "
            "Run `valetkey keys status` to see which key ids are still in use.",
            highlight=False,
        )
        raise typer.Exit(1)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print the status as JSON.")):
    """Show the keyring (ids only) and how many stored secrets each key id seals."""
    from valetkey.migrations.models import import_all_models
    from valetkey.vault.keyring import KeyringError
    from valetkey.vault.rotate import inventory
    from valetkey.vault.vault import vault_from_settings

    settings = Settings.from_env()
    try:
        vault = vault_from_settings(settings)
    except (KeyringError, OSError) as exc:
        raise _fail(str(exc)) from None
    db = _database(settings)
    try:
        import_all_models()  # every model registers its sealed columns
        in_use = inventory(db)
    finally:
        db.dispose()
    body = {
        "source": vault.source,
        "primary_kid": vault.primary_kid,
        "key_ids": list(vault.keyring.kids),
        "in_use": in_use,
    }
    if as_json:
        print(json.dumps(body))
        return
    print(f"keyring: {vault.source}")
    for kid in vault.keyring.kids:
        used = sum(counts.get(kid, 0) for counts in in_use.values())
        print(f"{kid}\t{'primary' if kid == vault.primary_kid else 'decrypt-only'}\t{used} value(s)")
    unknown = {kid for counts in in_use.values() for kid in counts if kid not in vault.keyring.kids}
    for kid in sorted(unknown):
        print(f"{kid}\tMISSING FROM KEYRING\t{sum(c.get(kid, 0) for c in in_use.values())} value(s)")
