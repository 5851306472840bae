"""Sealed rows for the vault tests: projects, auth configs and accounts written with a given vault."""

from __future__ import annotations

import os

from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.ids import new_id
from valetkey.store.db import Database
from valetkey.tenancy import service
from valetkey.vault import (
    AUTH_CONFIG_CREDENTIALS,
    CONNECTED_ACCOUNT_STATE,
    AssociatedData,
    Vault,
    token_kid,
)


def make_project(db: Database) -> str:
    with db.session() as s:
        org, _ = service.create_org(s, "org-" + os.urandom(3).hex())
        project = service.create_project(s, org.id, "p-" + os.urandom(4).hex())
        return project.id


def add_config(db: Database, vault: Vault, project_id: str, credentials: dict | None) -> str:
    ac_id = new_id("ac")
    sealed = None
    if credentials is not None:
        sealed = vault.encrypt_json(
            credentials, aad=AssociatedData(AUTH_CONFIG_CREDENTIALS, project_id, ac_id)
        )
    with db.session() as s:
        s.add(
            AuthConfig(
                id=ac_id,
                project_id=project_id,
                toolkit_slug="github",
                name="gh",
                type="use_custom_auth",
                auth_scheme="OAUTH2",
                credentials_encrypted=sealed,
            )
        )
    return ac_id


def add_account(db: Database, vault: Vault, project_id: str, ac_id: str, state: dict) -> str:
    ca_id = new_id("ca")
    sealed = vault.encrypt_json(state, aad=AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, ca_id))
    with db.session() as s:
        s.add(
            ConnectedAccount(
                id=ca_id,
                project_id=project_id,
                user_id="u1",
                toolkit_slug="github",
                auth_config_id=ac_id,
                status="ACTIVE",
                state_encrypted=sealed,
            )
        )
    return ca_id


def seed(db: Database, vault: Vault, sentinel: str = "plain", configs: int = 3, accounts: int = 2) -> dict:
    """Rows in two projects; returns {(model, id): plaintext dict} for every sealed value."""
    expected = {}
    for _ in range(2):
        project_id = make_project(db)
        for c in range(configs):
            creds = {"client_id": f"cid-{c}", "client_secret": f"{sentinel}-cs-{c}"}
            ac_id = add_config(db, vault, project_id, creds)
            expected[(AuthConfig, ac_id)] = creds
            for a in range(accounts):
                state = {"access_token": f"{sentinel}-at-{c}-{a}", "refresh_token": f"{sentinel}-rt"}
                expected[(ConnectedAccount, add_account(db, vault, project_id, ac_id, state))] = state
        add_config(db, vault, project_id, None)  # no secret: rotation must leave it alone
    return expected


def read_back(db: Database, vault: Vault, expected: dict) -> dict:
    """{(model, id): (kid, plaintext, updated_at)} read from the database."""
    out = {}
    with db.session() as s:
        for model, record_id in expected:
            row = s.get(model, record_id)
            if model is AuthConfig:
                token, aad = (
                    row.credentials_encrypted,
                    AssociatedData(AUTH_CONFIG_CREDENTIALS, row.project_id, row.id),
                )
            else:
                token, aad = (
                    row.state_encrypted,
                    AssociatedData(CONNECTED_ACCOUNT_STATE, row.project_id, row.id),
                )
            out[(model, record_id)] = (token_kid(token), vault.decrypt_json(token, aad=aad), row.updated_at)
    return out


def non_empty(in_use: dict) -> dict:
    return {purpose: counts for purpose, counts in in_use.items() if counts}
