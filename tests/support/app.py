"""A Valetkey server under test: settings, a real server on loopback, projects with their keys.

`start_server` is what the `server` fixture (``tests/conftest.py``) runs once per
database backend; tests that need a server of their own (other settings, a
second process's view of the same database) call it directly.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import pg
from tests.support.servers import ThreadedServer, _free_port
from valetkey.core.settings import Settings

# The one port per-test sandbox providers listen on (start_sandbox(port=PROVIDER_PORT)), and a
# loopback port where nothing listens (unreachable-upstream tests).
PROVIDER_PORT = _free_port()
CLOSED_URL = "http://127.0.0.1:9"
# What test servers' egress policy allows (VALETKEY_EGRESS_ALLOW): exactly these loopback servers;
# the session's loopback servers (fixtures in tests/conftest.py) add themselves when they start.
# Everything else on loopback is refused.
EGRESS_TARGETS: list[str] = [f"http://127.0.0.1:{PROVIDER_PORT}", CLOSED_URL]


def egress_allowed(*urls: str) -> tuple[str, ...]:
    """`VALETKEY_EGRESS_ALLOW` entries for exactly the loopback servers at `urls` ("127.0.0.1:<port>")."""
    return tuple(httpx.URL(url).netloc.decode() for url in urls)


def make_settings(
    home: Path, database_url: str, port: int, catalog_dirs: Iterable[Path | str] = (), **overrides: Any
) -> Settings:
    """Settings for a test server: generous rate limits, quiet logs, `overrides` on top."""
    values: dict[str, Any] = dict(
        home=home,
        database_url=database_url,
        public_url=f"http://127.0.0.1:{port}",
        encryption_keys=None,
        rate_limit=1_000_000,
        rate_limit_window_seconds=600,
        auth_failure_limit=1_000_000,  # every test client is 127.0.0.1; tests of the limit lower it
        catalog_dirs=tuple(catalog_dirs),
        log_level="WARNING",
        upstream_timeout=10.0,
        egress_allow=egress_allowed(*EGRESS_TARGETS),
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class ProjectKeys:
    id: str
    api_key: str
    org_id: str
    org_api_key: str


@dataclass
class RunningServer:
    url: str
    backend: str
    settings: Settings
    app: Any

    @property
    def state(self) -> Any:
        return self.app.state.valetkey

    def new_project(self, name: str | None = None) -> ProjectKeys:
        from valetkey.tenancy import service

        with self.state.db.session() as db:
            org, org_key = service.create_org(db, "org-" + os.urandom(4).hex())
            project = service.create_project(db, org.id, name or "p-" + os.urandom(4).hex())
            key = service.create_project_key(db, project.id)
            return ProjectKeys(project.id, key.key, org.id, org_key.key)


def start_server(
    database_url: str, catalog_dirs: Iterable[Path | str] = (), **overrides: Any
) -> tuple[ThreadedServer, RunningServer]:
    """A Valetkey app on a free loopback port with a fresh home directory; stop the first item when done."""
    from valetkey.api.app import create_app

    home = Path(tempfile.mkdtemp(prefix="valetkey-home-"))
    port = _free_port()
    settings = make_settings(home, database_url, port, catalog_dirs, **overrides)
    app = create_app(settings)
    threaded = ThreadedServer(app, port=port).start()
    return threaded, RunningServer(
        threaded.url, "sqlite" if database_url.startswith("sqlite") else "postgres", settings, app
    )


def database_url_for(backend: str, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on `backend` ("sqlite" or "postgres", the session's throwaway cluster)."""
    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='valetkey-db-')}/valetkey.db"
    return pg.create_database(request.getfixturevalue("pg_admin_url"))
