"""Key rotation over real rows, on SQLite and PostgreSQL, including while writers run."""

from __future__ import annotations

import functools
import logging
import operator
import os
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from tests.support.app import database_url_for
from tests.support.logs import Captured
from tests.support.vault import add_account, add_config, make_project, non_empty, read_back, seed
from valetkey.connections.models import ConnectedAccount
from valetkey.migrations.upgrade import upgrade
from valetkey.store.db import Database
from valetkey.vault import (
    AUTH_CONFIG_CREDENTIALS,
    CONNECTED_ACCOUNT_STATE,
    AssociatedData,
    Keyring,
    Vault,
    generate_key,
    token_kid,
    vault_from_settings,
)
from valetkey.vault.keyfile import add_primary_key, keyring_path
from valetkey.vault.rotate import inventory, rotate


@pytest.fixture
def fresh_db(backend, request):
    """An empty, migrated database of the parametrized backend, so counts are exact."""
    url = database_url_for(backend, request)
    upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


def stored_bytes(db: Database) -> bytes:
    """Everything the database holds for the sealed tables, as the disk (SQLite) or a dump (PostgreSQL) would."""
    if db.url.startswith("sqlite"):
        path = Path(db.url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with db.engine.connect() as conn:
        rows = [
            conn.execute(text(f"SELECT t::text FROM {table} t")).scalars().all()
            for table in ("auth_configs", "connected_accounts")
        ]
    return "\n".join(functools.reduce(operator.iadd, rows, [])).encode()


def test_rotation_reencrypts_every_row_once(fresh_db):
    k_old, k_new = generate_key("kold"), generate_key("k_new")  # "_" is a LIKE wildcard: must not matter
    old = Vault(Keyring((k_old,)))
    expected = seed(fresh_db, old)
    before = read_back(fresh_db, old, expected)

    vault = Vault(Keyring((k_new, k_old)))
    report = rotate(fresh_db, vault, batch_size=4)
    assert (report.rotated, report.current, report.failed) == (len(expected), 0, 0)
    # Other sealed columns (added by other features) hold nothing here.
    rotated = {c.purpose: c.rotated for c in report.columns if c.rotated}
    assert rotated == {AUTH_CONFIG_CREDENTIALS: 6, CONNECTED_ACCOUNT_STATE: 12}

    only_new = Vault(Keyring((k_new,)))  # the old key is no longer needed
    after = read_back(fresh_db, only_new, expected)
    for key, (kid, plaintext, updated_at) in after.items():
        assert kid == "k_new" and plaintext == expected[key]
        assert updated_at == before[key][2], "rotation must not touch updated_at"
    in_use = non_empty(inventory(fresh_db))
    assert in_use == {AUTH_CONFIG_CREDENTIALS: {"k_new": 6}, CONNECTED_ACCOUNT_STATE: {"k_new": 12}}

    again = rotate(fresh_db, vault, batch_size=4)
    assert (again.rotated, again.current, again.failed) == (0, len(expected), 0)
    assert report.as_dict()["primary_kid"] == "k_new"


def test_plaintext_never_reaches_the_database(fresh_db):
    sentinel = "SENTINEL" + os.urandom(6).hex()
    k_old, k_new = generate_key("k1"), generate_key("k2")
    seed(fresh_db, Vault(Keyring((k_old,))), sentinel=sentinel)
    rotate(fresh_db, Vault(Keyring((k_new, k_old))))
    fresh_db.dispose()  # flush connections so SQLite's files hold everything
    data = stored_bytes(fresh_db)
    assert b"v1.k2." in data  # the check reads the right place
    assert sentinel.encode() not in data
    assert k_old.encoded().encode() not in data and k_new.encoded().encode() not in data


def test_undecryptable_rows_are_reported_and_skipped(fresh_db):
    old, stranger = Vault(Keyring((generate_key("kold"),))), Vault(Keyring((generate_key("kgone"),)))
    project_id = make_project(fresh_db)
    ac_id = add_config(fresh_db, old, project_id, {"client_secret": "cs-secret-1"})
    good = add_account(fresh_db, old, project_id, ac_id, {"access_token": "tok-good"})
    copied = add_account(fresh_db, old, project_id, ac_id, {"access_token": "tok-copied"})
    lost = add_account(fresh_db, stranger, project_id, ac_id, {"access_token": "tok-lost"})
    with fresh_db.session() as s:  # an attacker with DB access copies another row's token
        s.get(ConnectedAccount, copied).state_encrypted = s.get(ConnectedAccount, good).state_encrypted

    handler = Captured()
    logger = logging.getLogger("valetkey.vault")
    logger.addHandler(handler)
    try:
        report = rotate(fresh_db, Vault(Keyring((generate_key("knew"), old.keyring.primary))))
    finally:
        logger.removeHandler(handler)
    column = {c.purpose: c for c in report.columns}[CONNECTED_ACCOUNT_STATE]
    assert column.rotated == 1 and sorted(column.failed) == sorted([copied, lost])
    logged = "\n".join(handler.messages())
    assert copied in logged and "key kgone not in keyring" in logged
    assert "tok-" not in logged and "cs-secret" not in logged
    assert inventory(fresh_db)[CONNECTED_ACCOUNT_STATE] == {"knew": 1, "kold": 1, "kgone": 1}


def test_rotation_runs_alongside_writers_without_losing_updates(fresh_db):
    k_old, k_new = generate_key("kold"), generate_key("knew")
    stale = Vault(Keyring((k_old,)))  # a server that has not heard of the new key yet
    project_id = make_project(fresh_db)
    ac_id = add_config(fresh_db, stale, project_id, {"client_secret": "cs"})
    accounts = [add_account(fresh_db, stale, project_id, ac_id, {"n": 0}) for _ in range(25)]
    hot = accounts[len(accounts) // 2]
    aad = AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, hot)
    stop, written = threading.Event(), []

    def refresher():  # like a token refresh loop writing the same row over and over
        n = 0
        while not stop.is_set():
            n += 1
            with fresh_db.session() as s:
                locked = select(ConnectedAccount).where(ConnectedAccount.id == hot).with_for_update()
                row = s.execute(locked).scalar_one()
                row.state_encrypted = stale.encrypt_json({"n": n}, aad=aad)
            written.append(n)

    thread = threading.Thread(target=refresher)
    thread.start()
    try:
        vault = Vault(Keyring((k_new, k_old)))
        first = rotate(fresh_db, vault, batch_size=1)
    finally:
        stop.set()
        thread.join(30)
    assert first.failed == 0 and written
    rotate(fresh_db, vault)  # the stale writer may have re-sealed under the old key: finish up
    with fresh_db.session() as s:
        token = s.get(ConnectedAccount, hot).state_encrypted
    assert token_kid(token) == "knew"
    assert vault.decrypt_json(token, aad=aad) == {"n": written[-1]}, "a concurrent write was lost"
    assert inventory(fresh_db)[CONNECTED_ACCOUNT_STATE] == {"knew": 25}


def test_online_rotation_against_a_running_server(server):
    """The server keeps serving while its keyring file gains a key and its rows are re-encrypted."""
    db = server.state.db
    running = server.state.vault  # the serving process's own vault, loaded at startup
    project_id = make_project(db)
    ac_id = add_config(db, running, project_id, {"client_secret": "srv-cs"})
    ca_id = add_account(db, running, project_id, ac_id, {"access_token": "srv-token"})

    new_kid = add_primary_key(keyring_path(server.settings.home)).primary.kid
    operator = vault_from_settings(server.settings)
    assert operator.primary_kid == new_kid
    report = rotate(db, operator, batch_size=2)
    assert report.rotated >= 2
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/health").status_code == 200

    aad = AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, ca_id)
    with db.session() as s:
        token = s.get(ConnectedAccount, ca_id).state_encrypted
    assert token_kid(token) == new_kid
    # The running vault never saw the new key, yet opens the rotated value by reloading the file.
    assert running.decrypt_json(token, aad=aad) == {"access_token": "srv-token"}
