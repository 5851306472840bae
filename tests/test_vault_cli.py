"""`valetkey keys generate|rotate|status`, driven through the typer app on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.app import database_url_for, make_settings
from tests.support.vault import non_empty, read_back, seed
from valetkey.cli.keys import app
from valetkey.migrations.upgrade import upgrade
from valetkey.store.db import Database
from valetkey.vault import (
    AUTH_CONFIG_CREDENTIALS,
    CONNECTED_ACCOUNT_STATE,
    parse_keyring,
    vault_from_env_value,
    vault_from_settings,
)
from valetkey.vault.keyfile import keyring_path, read_keyring_file

runner = CliRunner()


@pytest.fixture
def install(backend, request, tmp_path):
    """A home folder and a migrated database, as an operator's environment."""
    url = database_url_for(backend, request)
    upgrade(url)
    env = {
        "VALETKEY_HOME": str(tmp_path / "home"),
        "VALETKEY_DATABASE_URL": url,
        "VALETKEY_ENCRYPTION_KEYS": None,
    }
    db = Database(url)
    yield env, db
    db.dispose()


def invoke(env: dict, *args: str):
    return runner.invoke(app, list(args), env=env)


def assert_no_key_material(output: str, *keyrings) -> None:
    for keyring in keyrings:
        for key in keyring.keys:
            assert key.encoded() not in output


def test_generate_prints_a_valid_entry_and_guidance():
    result = invoke({}, "generate")
    assert result.exit_code == 0, result.output
    entry = result.stdout.strip()
    keyring = parse_keyring(entry)
    assert keyring.primary.kid.startswith("k") and len(keyring.primary.secret) == 32
    assert "FIRST in VALETKEY_ENCRYPTION_KEYS" in result.stderr and "keys rotate" in result.stderr
    assert keyring.primary.encoded() not in result.stderr  # the key goes to stdout only

    named = json.loads(invoke({}, "generate", "--id", "prod-2025", "--json").stdout)
    assert named["id"] == "prod-2025" and parse_keyring(named["entry"]).kids == ("prod-2025",)
    bad = invoke({}, "generate", "--id", "no.dots")
    assert bad.exit_code == 2 and "invalid key id" in bad.stderr


def test_rotate_with_keyring_file(install):
    env, db = install
    settings = make_settings(Path(env["VALETKEY_HOME"]), env["VALETKEY_DATABASE_URL"], 8000)
    before = vault_from_settings(settings)  # the server's first start generated the file
    expected = seed(db, before, configs=2, accounts=1)

    result = invoke(env, "rotate", "--json", "--batch-size", "3", "--settle", "0")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    keyring = read_keyring_file(keyring_path(settings.home))
    assert report["primary_kid"] == keyring.primary.kid != before.primary_kid
    assert keyring.kids[1:] == (before.primary_kid,)
    assert (report["rotated"], report["current"], report["failed"]) == (len(expected), 0, 0)
    assert "back the file up" in result.stderr
    assert_no_key_material(result.output, keyring)

    after = vault_from_settings(settings)
    assert {kid for kid, _, _ in read_back(db, after, expected).values()} == {keyring.primary.kid}

    resumed = invoke(env, "rotate", "--keep-key", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["rotated"] == 0
    assert read_keyring_file(keyring_path(settings.home)).kids == keyring.kids

    status = invoke(env, "status", "--json")
    assert status.exit_code == 0, status.output
    body = json.loads(status.stdout)
    assert body["primary_kid"] == keyring.primary.kid and body["source"].startswith("file:")
    kid = keyring.primary.kid
    assert non_empty(body["in_use"]) == {AUTH_CONFIG_CREDENTIALS: {kid: 4}, CONNECTED_ACCOUNT_STATE: {kid: 4}}
    human = invoke(env, "status")
    assert f"{before.primary_kid}\tdecrypt-only\t0 value(s)" in human.stdout
    assert_no_key_material(status.output + human.output, keyring)


def test_rotate_with_env_keys(install):
    env, db = install
    old_entry = invoke({}, "generate").stdout.strip()
    old = vault_from_env_value(old_entry)
    expected = seed(db, old, configs=1, accounts=2)

    new_entry = invoke({}, "generate").stdout.strip()
    env = {**env, "VALETKEY_ENCRYPTION_KEYS": f"{new_entry},{old_entry}"}
    result = invoke(env, "rotate")
    assert result.exit_code == 0, result.output
    new = vault_from_env_value(new_entry)
    assert (
        f"primary key {new.primary_kid}: rotated {len(expected)}, already current 0, failed 0"
        in result.stdout
    )
    assert not keyring_path(env["VALETKEY_HOME"]).exists(), "env keys must not create a keyring file"
    assert_no_key_material(result.output, old.keyring, new.keyring)
    assert {kid for kid, _, _ in read_back(db, new, expected).values()} == {new.primary_kid}

    # The old key is gone from the variable: status shows nothing still needs it.
    status = invoke({**env, "VALETKEY_ENCRYPTION_KEYS": new_entry}, "status", "--json")
    assert json.loads(status.stdout)["in_use"][CONNECTED_ACCOUNT_STATE] == {new.primary_kid: 4}


def test_rotate_reports_failures_with_exit_code_1(install):
    env, db = install
    stranger = vault_from_env_value(invoke({}, "generate").stdout.strip())
    seed(db, stranger, configs=1, accounts=1)  # sealed with a key the operator no longer has
    result = invoke(env, "rotate", "--json", "--settle", "0")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == 4
    assert "could not be decrypted" in result.stderr
    human = invoke(env, "rotate", "--keep-key")
    assert human.exit_code == 1 and human.stdout.count("cannot decrypt") == 4


def test_bad_env_value_is_a_clean_error(install):
    env, _ = install
    secretish = "A" * 43
    result = invoke({**env, "VALETKEY_ENCRYPTION_KEYS": f"k1:{secretish[:40]}"}, "rotate")
    assert result.exit_code == 2
    assert "error:" in result.stderr and secretish[:40] not in result.output
