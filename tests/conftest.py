"""Shared fixtures: real servers on loopback, SQLite and PostgreSQL, SDK clients.

`server` is parametrized over both database backends, so every test that
uses it runs once against SQLite and once against PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import pg
from tests.support.servers import ThreadedServer, _free_port
from tests.support.upstream import Upstream
from valetkey.config import Settings

TESTS = Path(__file__).parent
TOOLKIT_TEMPLATES = TESTS / "toolkits"
# The one port per-test sandbox providers listen on (start_sandbox(port=PROVIDER_PORT)), and a
# loopback port where nothing listens (unreachable-upstream tests).
PROVIDER_PORT = _free_port()
CLOSED_URL = "http://127.0.0.1:9"
# What test servers' egress policy allows (VALETKEY_EGRESS_ALLOW): exactly these loopback servers;
# the session emulators add themselves when they start. Everything else on loopback is refused.
EGRESS_TARGETS: list[str] = [f"http://127.0.0.1:{PROVIDER_PORT}", CLOSED_URL]


@pytest.fixture(scope="session")
def pg_admin_url():
    url = os.environ.get("VALETKEY_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if pg.find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI (apt-get install postgresql)")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = pg.TempPostgres()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def upstream():
    recorder = Upstream()
    server = ThreadedServer(recorder.app()).start()
    recorder.url = server.url
    EGRESS_TARGETS.append(server.url)
    yield recorder
    server.stop()


@dataclass
class SandboxServer:
    """The sandbox OAuth providers on loopback; `providers.oauth2` has the fault switches and stats."""

    url: str
    providers: object
    app: object


def start_sandbox(port: int | None = None) -> tuple[ThreadedServer, SandboxServer]:
    import inspect

    from valetkey.sandbox.app import create_sandbox_app

    # Only the generic providers: app emulators are not needed by the auth tests.
    options = {"with_apps": False} if "with_apps" in inspect.signature(create_sandbox_app).parameters else {}
    app = create_sandbox_app(**options)
    threaded = ThreadedServer(app, port=port).start()
    return threaded, SandboxServer(threaded.url, app.state.sandbox, app)


@pytest.fixture(scope="session")
def sandbox():
    threaded, running = start_sandbox()
    EGRESS_TARGETS.append(running.url)
    yield running
    threaded.stop()


@pytest.fixture(scope="session")
def toolkits_dir(upstream, sandbox, tmp_path_factory) -> Path:
    """Test toolkit definitions with ${UPSTREAM_URL} and ${SANDBOX_URL} pointed at loopback servers."""
    out = tmp_path_factory.mktemp("toolkits")
    if TOOLKIT_TEMPLATES.exists():
        for src in TOOLKIT_TEMPLATES.rglob("*"):
            if src.is_file():
                dest = out / src.relative_to(TOOLKIT_TEMPLATES)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if src.suffix in (".yaml", ".yml", ".json"):
                    text = src.read_text().replace("${UPSTREAM_URL}", upstream.url)
                    dest.write_text(text.replace("${SANDBOX_URL}", sandbox.url))
                else:
                    shutil.copy(src, dest)
    return out


def egress_allowed(*urls: str) -> tuple[str, ...]:
    """`VALETKEY_EGRESS_ALLOW` entries for exactly the loopback servers at `urls` ("127.0.0.1:<port>")."""
    return tuple(httpx.URL(url).netloc.decode() for url in urls)


def make_settings(home: Path, database_url: str, port: int, catalog_dirs=(), **overrides) -> Settings:
    values = dict(
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
class RunningServer:
    url: str
    backend: str
    settings: Settings
    app: object

    @property
    def state(self):
        return self.app.state.valetkey

    def new_project(self, name: str | None = None) -> ProjectKeys:
        from valetkey.tenancy import service

        with self.state.db.session() as db:
            org, org_key = service.create_org(db, "org-" + os.urandom(4).hex())
            project, key = service.create_project(db, org.id, name or "p-" + os.urandom(4).hex())
            return ProjectKeys(project.id, key.key, org.id, org_key.key)


@dataclass
class ProjectKeys:
    id: str
    api_key: str
    org_id: str
    org_api_key: str


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


def start_server(database_url: str, catalog_dirs=(), **overrides) -> tuple[ThreadedServer, RunningServer]:
    from valetkey.api.app import create_app

    home = Path(tempfile.mkdtemp(prefix="valetkey-home-"))
    port = _free_port()
    settings = make_settings(home, database_url, port, catalog_dirs, **overrides)
    app = create_app(settings)
    threaded = ThreadedServer(app, port=port).start()
    return threaded, RunningServer(
        threaded.url, "sqlite" if database_url.startswith("sqlite") else "postgres", settings, app
    )


def database_url_for(backend: str, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='valetkey-db-')}/valetkey.db"
    return pg.create_database(request.getfixturevalue("pg_admin_url"))


@pytest.fixture(scope="session")
def server(backend, toolkits_dir, request) -> RunningServer:
    threaded, running = start_server(database_url_for(backend, request), catalog_dirs=[toolkits_dir])
    yield running
    threaded.stop()


@pytest.fixture
def project(server) -> ProjectKeys:
    return server.new_project()


@pytest.fixture
def client(server, project):
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as c:
        yield c


@pytest.fixture
def org_client(server, project):
    with httpx.Client(base_url=server.url, headers={"x-org-api-key": project.org_api_key}, timeout=30) as c:
        yield c


@pytest.fixture
def anon(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture
def composio(server, project):
    """The official SDK, pointed at the running server."""
    from composio import Composio

    return Composio(api_key=project.api_key, base_url=server.url)


def assert_error(response: httpx.Response, status: int, *, contains: str | None = None) -> dict:
    """The documented error object, with the right status."""
    assert response.status_code == status, response.text
    body = response.json()
    error = body["error"]
    assert error["status"] == status
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    if contains:
        assert contains.lower() in error["message"].lower(), error["message"]
    return error
