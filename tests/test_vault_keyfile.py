"""The generated keyring file in VALETKEY_HOME, and choosing env vs file."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from tests.support.app import make_settings
from tests.support.logs import Captured
from valetkey.vault import AssociatedData, KeyringError, generate_key, vault_from_settings
from valetkey.vault.keyfile import (
    add_primary_key,
    keyring_path,
    load_or_create_keyring_file,
    read_keyring_file,
)

AAD = AssociatedData("auth_config.credentials", "proj_a", "ac_1")


@pytest.fixture
def vault_log():
    logger = logging.getLogger("valetkey.vault")
    handler = Captured()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def settings(home: Path, keys: str | None = None):
    return make_settings(home, f"sqlite:///{home}/valetkey.db", 8000, encryption_keys=keys)


def test_file_is_generated_private_reused_and_warned_once(tmp_path, vault_log):
    home = tmp_path / "home"
    first = vault_from_settings(settings(home))
    path = keyring_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.source == f"file:{path}"
    token = first.encrypt_json({"client_secret": "cs_abcdef123456"}, aad=AAD)

    second = vault_from_settings(settings(home))
    third = vault_from_settings(settings(home))
    assert second.keyring == first.keyring == third.keyring
    assert third.decrypt_json(token, aad=AAD) == {"client_secret": "cs_abcdef123456"}

    warnings = [r for r in vault_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert str(path) in message and "Back this file up" in message and "VALETKEY_ENCRYPTION_KEYS" in message
    assert first.keyring.primary.encoded() not in message
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def _load_in_child(path: str, queue) -> None:
    queue.put(load_or_create_keyring_file(Path(path)).primary.encoded())


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    path = tmp_path / "keyring.json"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_load_in_child, args=(str(path), queue)) for _ in range(8)]
    for child in children:
        child.start()
    results = {queue.get(timeout=30) for _ in children}
    for child in children:
        child.join(30)
    assert results == {read_keyring_file(path).primary.encoded()}


def test_loose_permissions_are_warned_about(tmp_path, vault_log):
    path = tmp_path / "keyring.json"
    load_or_create_keyring_file(path)
    os.chmod(path, 0o644)
    read_keyring_file(path)
    read_keyring_file(path)
    loose = [m for m in vault_log.messages() if "chmod 600" in m]
    assert len(loose) == 1


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not valid JSON"),
        ('{"version": 2, "keys": []}', "unknown format"),
        ('{"version": 1, "keys": []}', "no keys"),
        ('{"version": 1, "keys": [{"id": "k 1", "key": "x"}]}', "entry 1"),
        ('{"version": 1, "keys": [{"id": "k1", "key": "c2hvcnQ"}]}', "decodes to 5 bytes"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, content, expected):
    path = tmp_path / "keyring.json"
    path.write_text(content)
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError, match=expected):
        read_keyring_file(path)


def test_adding_a_primary_keeps_old_keys_and_running_vaults_follow(tmp_path):
    home = tmp_path / "home"
    server_vault = vault_from_settings(settings(home))
    old_kid = server_vault.primary_kid
    old_token = server_vault.encrypt(b"s3cret", aad=AAD)

    updated = add_primary_key(keyring_path(home))
    assert updated.kids[1:] == (old_kid,)
    assert stat.S_IMODE(keyring_path(home).stat().st_mode) == 0o600
    document = json.loads(keyring_path(home).read_text())
    assert [k["id"] for k in document["keys"]] == list(updated.kids)

    # A token under the new key reaches a server that has not reloaded yet: it reloads on demand.
    rotated = vault_from_settings(settings(home)).reencrypt(old_token, aad=AAD)
    assert server_vault.decrypt(rotated, aad=AAD) == b"s3cret"
    assert server_vault.primary_kid == updated.primary.kid
    assert server_vault.decrypt(old_token, aad=AAD) == b"s3cret"

    with pytest.raises(KeyringError, match="already in"):
        add_primary_key(keyring_path(home), updated.primary)


def test_encrypting_vault_picks_up_a_new_primary_within_the_refresh_interval(tmp_path):
    home = tmp_path / "home"
    vault = vault_from_settings(settings(home))
    vault._refresh_seconds = 0  # check the file on every encryption
    new = add_primary_key(keyring_path(home))
    assert vault.encrypt(b"x", aad=AAD).startswith(f"v1.{new.primary.kid}.")


def test_env_wins_over_file_and_orphaned_file_keys_are_warned(tmp_path, vault_log):
    home = tmp_path / "home"
    file_vault = vault_from_settings(settings(home))
    env_key = generate_key("kenv")
    vault = vault_from_settings(settings(home, env_key.entry()))
    assert vault.source == "env" and vault.keyring.kids == ("kenv",)
    orphan = [m for m in vault_log.messages() if "not in VALETKEY_ENCRYPTION_KEYS" in m]
    assert len(orphan) == 1 and file_vault.primary_kid in orphan[0]
    assert env_key.encoded() not in orphan[0] and file_vault.keyring.primary.encoded() not in orphan[0]

    vault_log.records.clear()
    vault_from_settings(settings(home, f"{env_key.entry()},{file_vault.keyring.to_env()}"))
    assert not [m for m in vault_log.messages() if "not in VALETKEY_ENCRYPTION_KEYS" in m]


def test_env_errors_surface_from_settings(tmp_path):
    with pytest.raises(KeyringError, match="no ':'"):
        vault_from_settings(settings(tmp_path, "justsomekeymaterialwithoutid"))


def test_a_broken_file_does_not_stop_a_running_vault(tmp_path, vault_log):
    home = tmp_path / "home"
    vault = vault_from_settings(settings(home))
    token = vault.encrypt(b"x", aad=AAD)
    keyring_path(home).write_text("{half written")
    assert vault.reload() is False
    assert vault.decrypt(token, aad=AAD) == b"x"
    assert any("keeping the keys in memory" in m for m in vault_log.messages())
    with pytest.raises(KeyringError, match="not valid JSON"):
        vault_from_settings(settings(home))  # but a fresh start refuses it loudly
