"""Helpers for the import tests: a source project seeded in bulk, and the CLI run as its own process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from valetkey.connections.credentials import seal_account_state
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.ids import new_id

SRC = Path(__file__).resolve().parents[2] / "src"


def seed_accounts(server, project_id: str, config_id: str, rows: list[dict[str, Any]]) -> list[str]:
    """Connected accounts on `config_id`, written in one transaction (`rows`: user_id, status, secrets, data)."""
    ids: list[str] = []
    now = dt.datetime.now(dt.UTC)
    with server.state.db.session() as db:
        config = db.get(AuthConfig, config_id)
        for i, row in enumerate(rows):
            account_id = new_id("ca")
            ids.append(account_id)
            db.add(
                ConnectedAccount(
                    id=account_id,
                    project_id=project_id,
                    user_id=row["user_id"],
                    toolkit_slug=config.toolkit_slug,
                    auth_config_id=config_id,
                    auth_scheme=config.auth_scheme,
                    status=row.get("status", "ACTIVE"),
                    is_disabled=row.get("disabled", False),
                    alias=row.get("alias"),
                    data=row.get("data", {}),
                    state_encrypted=seal_account_state(
                        server.state.vault, project_id, account_id, row.get("secrets", {})
                    ),
                    created_at=now + dt.timedelta(microseconds=i),
                    updated_at=now,
                )
            )
    return ids


def cli_env(target, **extra: str) -> dict[str, str]:
    """The environment a `valetkey` process needs to work on `target`'s database with its vault keys."""
    settings = target.settings
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "VALETKEY_HOME": str(settings.home),
        "VALETKEY_DATABASE_URL": settings.database_url,
        "VALETKEY_PUBLIC_URL": settings.public_url,
        "VALETKEY_CATALOG_DIRS": os.pathsep.join(str(p) for p in settings.catalog_dirs),
        "VALETKEY_EGRESS_ALLOW": ",".join(settings.egress_allow),
        "VALETKEY_LOG_LEVEL": "WARNING",
    }
    env.pop("VALETKEY_ENCRYPTION_KEYS", None)
    env.update(extra)
    return env


def valetkey(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "valetkey", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def count(server, model: Any, *where: Any) -> int:
    with server.state.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)
