"""The toolkit end-to-end harness: sandbox emulators + a real server + a connected account + the SDK.

A toolkit test reads: connect through the sandbox, execute a tool with the
official SDK, check the result and the emulator's state::

    def test_create_issue(connect):
        github = connect("github")                       # OAuth2 through the sandbox
        data = github.ok("GITHUB_CREATE_ISSUE", {"owner": "octocat", "repo": "Hello-World", "title": "Hi"})
        assert github.state.repo("octocat", "Hello-World").issues[data["number"]].title == "Hi"

The fixtures live in ``tests/conftest.py``:

- `emulators` (session): every emulator in ``valetkey.sandbox.apps`` on loopback
  (named `sandbox` inside ``tests/toolkits_e2e`` and ``tests/fidelity``).
- `toolkit_server` (session): a Valetkey server on SQLite with the built-in catalog.
- `connect` (function): ``connect(toolkit, scheme=None, *, user_id=None,
  subject=None, scopes=None, reset=True)`` -> `ToolkitConnection`. Every tool a
  connection executes is recorded for its test module (`ToolRuns`), which the
  coverage check of ``tests/toolkits_e2e`` reads (`tests.support.tool_coverage`).

Where the sandbox stands in for a service: the auth config's credentials set
``base_url = {sandbox}/{slug} + path of the toolkit's base_url`` and
``authorization_url``/``token_url`` likewise (``{sandbox}/github/login/oauth/authorize``),
so an emulator serves the real API's paths under its slug.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.app import ProjectKeys, RunningServer, database_url_for, start_server
from tests.support.servers import ThreadedServer
from valetkey.catalog.model import Toolkit
from valetkey.sandbox import create_sandbox_app
from valetkey.sandbox.emulator import SANDBOX_CLIENT_ID, SandboxApp

V3 = "/api/v3.1"
#: Where `ToolRuns` lives for the session (``config.stash[TOOL_RUNS]``).
TOOL_RUNS: pytest.StashKey[ToolRuns] = pytest.StashKey()
SANDBOX_CLIENT_SECRET = "sandbox-secret"


@dataclass
class SandboxHandle:
    """The running sandbox: its URL and, in-process, every emulator's state."""

    url: str
    app: Any

    def emulator(self, slug: str) -> SandboxApp:
        return self.app.state.sandbox.apps[slug]

    def endpoints(self, toolkit: Toolkit) -> dict[str, str]:
        """Credentials overrides that send `toolkit`'s API and OAuth calls to its emulator."""
        root = f"{self.url}/{toolkit.slug}"
        out = {"base_url": root + urlsplit(toolkit.base_url).path.rstrip("/")}
        scheme = toolkit.scheme("OAUTH2")
        if scheme is not None:
            for name in ("authorization_url", "token_url"):
                if scheme.oauth.get(name):
                    out[name] = root + urlsplit(scheme.oauth[name]).path
        return out


@dataclass
class ToolkitConnection:
    """One user's connected account for a toolkit, and the means to use and inspect it."""

    composio: Any
    user_id: str
    account_id: str | None  # None for a no-auth toolkit
    auth_config_id: str | None
    scheme: str
    toolkit: str
    emulator: SandboxApp
    server: RunningServer
    project: ProjectKeys
    #: Slugs this connection executed; the `connect` fixture shares one set per test module and toolkit.
    executed: set[str] = field(default_factory=set)

    @property
    def state(self) -> Any:
        """The emulator's live state object (read it; mutate only under `emulator.store.lock`)."""
        return self.emulator.store.state

    def execute(self, slug: str, arguments: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        """`composio.tools.execute` for this user, latest toolkit version."""
        options.setdefault("dangerously_skip_version_check", True)
        self.executed.add(slug)
        return self.composio.tools.execute(slug, arguments or {}, user_id=self.user_id, **options)

    def ok(self, slug: str, arguments: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        """`execute`, asserting success; returns `data`."""
        result = self.execute(slug, arguments, **options)
        assert result["successful"] is True, f"{slug} failed: {result['error']} {result['data']}"
        return result["data"]

    def fails(
        self, slug: str, arguments: dict[str, Any] | None = None, status: int | None = None
    ) -> dict[str, Any]:
        """`execute`, asserting an unsuccessful result (with upstream `status` if given); returns the result."""
        result = self.execute(slug, arguments)
        assert result["successful"] is False, f"{slug} unexpectedly succeeded: {result['data']}"
        if status is not None:
            assert result["data"].get("status_code") == status, result
        return result


@dataclass
class ToolRuns:
    """Which tools ran through the SDK, per test module (its file path) and toolkit."""

    by_module: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def executed(self, module: str, toolkit: str) -> set[str]:
        """The (live, shared) set of `toolkit`'s tools executed in `module`."""
        return self.by_module.setdefault(module, {}).setdefault(toolkit, set())

    def toolkits(self, module: str) -> dict[str, set[str]]:
        """Each toolkit `module` connected, with the tools it executed."""
        return self.by_module.get(module, {})


def tool_runs(config: pytest.Config) -> ToolRuns:
    """The session's `ToolRuns`, created on first use."""
    if TOOL_RUNS not in config.stash:
        config.stash[TOOL_RUNS] = ToolRuns()
    return config.stash[TOOL_RUNS]


def start_emulators() -> tuple[ThreadedServer, SandboxHandle]:
    """Every app emulator of the sandbox on loopback; stop the first item when done."""
    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    return threaded, SandboxHandle(threaded.url, app)


def start_toolkit_server(
    request: pytest.FixtureRequest, sandbox: SandboxHandle
) -> tuple[ThreadedServer, RunningServer]:
    """SQLite only: these tests exercise toolkits, not the database.

    No-auth toolkits have no auth config to carry a ``base_url``, and a tool on a
    second host (``http.base_url``) ignores it: the server reaches their
    emulators through ``VALETKEY_UPSTREAM_OVERRIDES`` (`sandbox_overrides`).
    """
    return start_server(
        database_url_for("sqlite", request), upstream_overrides=sandbox_overrides(sandbox.url)
    )


def sandbox_overrides(sandbox_url: str) -> tuple[tuple[str, str], ...]:
    """Upstream overrides sending built-in toolkits' unconfigurable origins to ``{sandbox}/<slug>``.

    Those are every origin of a no-auth toolkit and every tool-level base URL;
    the emulator serves the real paths under its slug, as for other toolkits.
    """
    from valetkey.catalog.loader import BUILTIN_DIR, load_toolkits

    pairs: dict[str, str] = {}
    for toolkit in load_toolkits([BUILTIN_DIR]):
        roots = [t.operation.base_url for t in toolkit.tools if t.operation and t.operation.base_url]
        if not toolkit.auth_schemes and toolkit.base_url:
            roots.append(toolkit.base_url)
        for root in roots:
            parts = urlsplit(root)
            pairs.setdefault(f"{parts.scheme}://{parts.netloc}", f"{sandbox_url}/{toolkit.slug}")
    return tuple(pairs.items())


def connect_account(
    sandbox: SandboxHandle,
    server: RunningServer,
    slug: str,
    scheme: str | None = None,
    *,
    user_id: str | None = None,
    subject: str | None = None,
    scopes: list[str] | None = None,
    reset: bool = True,
) -> ToolkitConnection:
    """A fresh project with an auth config pointing at the sandbox and one ACTIVE account.

    `scheme` defaults to the toolkit's first. OAUTH2 runs the real redirect
    flow (authorize -> Valetkey callback) against the emulator's provider,
    logged in as `subject` (the emulator's default user when None). Token
    schemes (BEARER_TOKEN, API_KEY) get a token the emulator minted for
    `subject`, standing in for a personal access token or API key.
    """
    from composio import Composio

    toolkit = server.state.catalog.toolkit(slug)
    assert toolkit is not None, f"toolkit {slug!r} is not in the built-in catalog"
    if not toolkit.auth_schemes:  # no account to connect: tools run for any user, via the overrides
        return _no_auth_connection(sandbox, server, slug, user_id, reset)
    mode = scheme or toolkit.auth_schemes[0].mode
    auth_scheme = toolkit.scheme(mode)
    assert auth_scheme is not None, f"{slug} has no {mode} scheme"
    emulator = sandbox.emulator(slug)
    if reset:
        emulator.reset()
    project = server.new_project()
    composio = Composio(api_key=project.api_key, base_url=server.url)
    user_id = user_id or "user-" + uuid.uuid4().hex[:8]
    if scopes is None:  # a token scheme has no scopes of its own: mint it like the OAuth default
        scopes = list(
            auth_scheme.default_scopes
            or next((s.default_scopes for s in toolkit.auth_schemes if s.default_scopes), ())
        )
    credentials: dict[str, Any] = dict(sandbox.endpoints(toolkit))
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        if mode == "OAUTH2":
            credentials.update(
                client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, scopes=scopes
            )
        else:
            credentials.pop("authorization_url", None)
            credentials.pop("token_url", None)
        config_id = _create_auth_config(client, slug, mode, credentials)
        if mode == "OAUTH2":
            account_id = _oauth2_connect(composio, user_id, config_id, subject)
        else:
            token = emulator.issue_token(subject or _default_subject(emulator), tuple(scopes))
            field = next((f.name for f in auth_scheme.account_fields if f.secret), "token")
            request = composio.connected_accounts.initiate(
                user_id, config_id, config={"auth_scheme": mode, "val": {field: token}}
            )
            account_id = request.id
    account = composio.connected_accounts.wait_for_connection(account_id, timeout=10)
    assert account.status == "ACTIVE", account
    return ToolkitConnection(composio, user_id, account_id, config_id, mode, slug, emulator, server, project)


def _no_auth_connection(
    sandbox: SandboxHandle, server: RunningServer, slug: str, user_id: str | None, reset: bool
) -> ToolkitConnection:
    from composio import Composio

    emulator = sandbox.emulator(slug)
    if reset:
        emulator.reset()
    project = server.new_project()
    composio = Composio(api_key=project.api_key, base_url=server.url)
    return ToolkitConnection(
        composio,
        user_id or "user-" + uuid.uuid4().hex[:8],
        None,
        None,
        "NO_AUTH",
        slug,
        emulator,
        server,
        project,
    )


def _default_subject(emulator: SandboxApp) -> str:
    return emulator.oauth2.config.default_subject if emulator.oauth2 else "sandbox-user"


def _create_auth_config(client: httpx.Client, slug: str, mode: str, credentials: dict[str, Any]) -> str:
    body = {
        "toolkit": {"slug": slug},
        "auth_config": {"type": "use_custom_auth", "auth_scheme": mode, "credentials": credentials},
    }
    r = client.post(f"{V3}/auth_configs", json=body)
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def _oauth2_connect(composio: Any, user_id: str, config_id: str, subject: str | None) -> str:
    """Initiate, then play the browser: follow redirects through the provider back to Valetkey."""
    request = composio.connected_accounts.initiate(user_id, config_id)
    assert request.redirect_url, "an OAuth2 connection must answer a redirect URL"
    url = httpx.URL(request.redirect_url)
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        for _ in range(10):
            # The provider's authorize endpoint (/authorize, Google's /o/oauth2/v2/auth...): pick the user.
            if subject and (url.path.endswith("/authorize") or "response_type" in url.params):
                url = url.copy_merge_params({"sandbox_user": subject})
            response = browser.get(url)
            if not response.is_redirect:
                break
            url = response.next_request.url
            if url.host not in ("127.0.0.1", "localhost"):
                break  # the app's own callback page; the connection is already settled
        assert response.status_code < 400, (
            f"OAuth redirect chain failed at {url}: {response.status_code} {response.text}"
        )
    return request.id
