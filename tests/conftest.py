"""Shared fixtures: real servers on loopback, SQLite and PostgreSQL, SDK clients.

`server` is parametrized over both database backends, so every test that
uses it runs once against SQLite and once against PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.support import pg
from tests.support.app import (
    EGRESS_TARGETS,
    PROVIDER_PORT,
    ProjectKeys,
    RunningServer,
    database_url_for,
    start_server,
)
from tests.support.sandbox import start_sandbox
from tests.support.servers import ThreadedServer
from tests.support.toolkits import (
    SandboxHandle,
    ToolkitConnection,
    connect_account,
    start_emulators,
    start_toolkit_server,
    tool_runs,
)
from tests.support.upstream import Upstream
from tests.support.workbench import wb_github, wb_server  # noqa: F401  (fixtures of the workbench tests)

TESTS = Path(__file__).parent
TOOLKIT_TEMPLATES = TESTS / "toolkits"


def pytest_report_header(config) -> str:
    """Which SDK the run uses: scripts/test.sh runs the session tests on 0.29.0 and again on 0.30.0."""
    import composio

    return f"composio SDK {composio.__version__} ({Path(composio.__file__).parent})"


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


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


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


# -- toolkits end to end: every app emulator, a server with the built-in catalog, connected accounts --


@pytest.fixture(scope="session")
def emulators() -> SandboxHandle:
    """Every app emulator of the sandbox (`tests.support.toolkits`); `sandbox` in the toolkit tests."""
    threaded, handle = start_emulators()
    yield handle
    threaded.stop()


@pytest.fixture(scope="session")
def toolkit_server(request, emulators) -> RunningServer:
    """A server on SQLite with the built-in catalog, its toolkits' hosts rerouted to the emulators."""
    threaded, running = start_toolkit_server(request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def connect(emulators, toolkit_server, request):
    """``connect(toolkit, scheme=None, *, user_id, subject, scopes, reset)``: a `ToolkitConnection`.

    Each tool a connection executes is recorded for this test module
    (`tests.support.toolkits.ToolRuns`), for the coverage check of ``tests/toolkits_e2e``.
    """
    runs = tool_runs(request.config)

    def make(toolkit: str, scheme: str | None = None, **options) -> ToolkitConnection:
        connection = connect_account(emulators, toolkit_server, toolkit, scheme, **options)
        connection.executed = runs.executed(str(request.path), toolkit)
        return connection

    return make


@pytest.fixture
def loopback_files(monkeypatch):
    """Let the SDK's file transfers reach the test server on 127.0.0.1 (its SSRF guard blocks loopback)."""
    import composio.utils.url_safety as url_safety

    original = url_safety.is_blocked_ip
    monkeypatch.setattr(url_safety, "is_blocked_ip", lambda value: value != "127.0.0.1" and original(value))


@pytest.fixture(scope="session")
def workbench_venv() -> Path:
    """The workbench sandbox's venv (`valetkey workbench setup`), built once and cached between runs."""
    from tests.support.workbench import cached_venv

    return cached_venv()


# -- the refresh tests (test_refresh*, test_renewal): a module defines `quiet_server` ---------------


@pytest.fixture
def provider():
    """A fresh sandbox OAuth provider on the one port test servers may call (PROVIDER_PORT)."""
    threaded, running = start_sandbox(port=PROVIDER_PORT)
    yield running
    threaded.stop()


@pytest.fixture
def api(quiet_server):
    """A new project's client on the module's `quiet_server`, carrying its keys."""
    keys = quiet_server.new_project()
    with httpx.Client(base_url=quiet_server.url, headers={"x-api-key": keys.api_key}, timeout=60) as c:
        c.api_key = keys.api_key
        c.org_api_key = keys.org_api_key
        yield c
