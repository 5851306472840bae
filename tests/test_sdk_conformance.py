"""The SDK conformance check (scripts/sdk_conformance.py) for composio 0.29.0 and 0.30.0.

The check reads the installed SDK's source for every endpoint its models call and matches
each against `create_app()`'s routes. Until every feature of issue 10 lands, the test pins
the exact list of gaps: it fails when a gap closes (update the list: that is progress) and
when one opens (a route lost, or a new SDK calling something new).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "sdk_conformance.py"
SDK_030 = ROOT / ".sdk" / "composio-0.30.0"  # scripts/test.sh installs it there

# Every gap, by the feature that closes it. Both SDK versions call the same 80 endpoints.
# Every SDK model endpoint is routed (persisted custom toolkits, the last gap, closed with issue 10).
EXPECTED_GAPS: list[str] = []

# What the reading must find, or it reads nothing and every check passes: (endpoint, a public caller).
KNOWN_CALLS = [
    ("POST /api/v3.1/connected_accounts/{nanoid}/revoke", "composio.connected_accounts.revoke"),
    ("DELETE /api/v3.1/tool_router/session/{session_id}", "composio.sessions.create().delete"),
    ("POST /api/v3/files/upload/request", "composio.tools.execute"),  # a raw client.post(path=...)
    ("GET /api/v3/internal/sdk/realtime/credentials", "composio.triggers.subscribe"),
    ("POST /api/v3.1/project/usage/{entity_type}", "composio.experimental.usage.breakdown"),
    ("PATCH /api/v3.1/trigger_instances/manage/{triggerId}", "composio.triggers.enable"),  # functools.partial
    ("POST /api/v3.1/tool_router/session/{session_id}/mounts/{mount_id}/upload_url",
     "composio.sessions.create().experimental.files.upload"),
]  # fmt: skip


def run_check(sdk_path: Path | None = None, *args: str) -> subprocess.CompletedProcess[str]:
    paths = ([str(sdk_path)] if sdk_path else []) + [str(ROOT / "src")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("VALETKEY_DATABASE_URL", None)  # the check builds its app on a throwaway SQLite file
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def sdk_versions() -> list[pytest.param]:
    return [
        pytest.param(None, "0.29.0", id="composio-0.29.0"),
        pytest.param(
            SDK_030,
            "0.30.0",
            id="composio-0.30.0",
            marks=pytest.mark.skipif(
                not SDK_030.is_dir(), reason="scripts/test.sh installs .sdk/composio-0.30.0"
            ),
        ),
    ]


@pytest.mark.parametrize(("sdk_path", "version"), sdk_versions())
def test_the_gaps_are_exactly_the_known_ones(sdk_path, version):
    result = run_check(sdk_path, "--json")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["sdk_version"] == version
    assert report["counts"]["endpoints"] == 80
    closed = sorted(set(EXPECTED_GAPS) - set(report["gaps"]))
    opened = sorted(set(report["gaps"]) - set(EXPECTED_GAPS))
    assert (closed, opened) == ([], []), "gaps closed (remove them from EXPECTED_GAPS) / opened"
    assert result.returncode == (1 if EXPECTED_GAPS else 0)
    allowed = [e["path"] for e in report["endpoints"] if e["status"] == "allowed"]
    assert allowed == ["/api/v3/internal/sdk/realtime/auth"]
    statuses = {f"{e['method']} {e['path']}": e["status"] for e in report["endpoints"]}
    assert [e for e, s in statuses.items() if s == "cloud-only"] == ["GET /api/v3.1/keyring/transfer_keys"]
    callers = {f"{e['method']} {e['path']}": e["callers"] for e in report["endpoints"]}
    for endpoint, caller in KNOWN_CALLS:
        assert caller in callers[endpoint], (endpoint, callers.get(endpoint))


def test_the_table_prints_before_and_after():
    result = run_check()
    assert "before (main at 8d56cdc" in result.stdout
    assert "41 of 80 endpoints routed" in result.stdout  # the baseline, when issue 10 was filed
    assert f"{len(EXPECTED_GAPS)} gaps" in result.stdout
    assert "closed since" in result.stdout
    assert result.stdout.count("\nGAP ") == len(EXPECTED_GAPS)  # one table row per gap


@pytest.fixture
def conformance(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import sdk_conformance

    return sdk_conformance


def test_a_route_with_a_parameter_where_the_sdk_has_a_literal_is_a_gap(conformance):
    """GET /tools/{tool_slug} answers GET /tools/enum as a tool named "enum": not routed."""
    from starlette.routing import compile_path

    def route(path, *methods):
        return conformance.RouteEntry(path, compile_path(path)[0], frozenset(methods), path, False)

    routes = [
        route("/api/v3.1/tools/{tool_slug}", "GET"),
        route("/api/v3.1/connected_accounts/{nanoid}", "GET"),
    ]
    endpoint = conformance.Endpoint
    shadowed = conformance.judge(endpoint("GET", "/api/v3.1/tools/enum"), routes, ())
    assert shadowed.status == "GAP" and "caught by /api/v3.1/tools/{tool_slug}" in shadowed.route
    wrong_method = conformance.judge(
        endpoint("POST", "/api/v3.1/connected_accounts/complete_auth"), routes, ()
    )
    assert wrong_method.status == "GAP" and wrong_method.route == "method not allowed (GET)"
    legacy = conformance.judge(endpoint("GET", "/api/v3/tools/{slug}"), routes, ())  # served as /api/v3.1
    assert legacy.status == "routed"
