"""Schemathesis against the running server's /openapi.json: no input yields a 5xx."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_no_server_errors(server, project, tmp_path):
    if server.backend != "sqlite":
        pytest.skip("one backend is enough for the fuzzer; both are covered by the functional tests")
    exe = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    cmd = [
        exe,
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--header",
        f"x-api-key: {project.api_key}",
        "--header",
        f"x-org-api-key: {project.org_api_key}",
        "--include-path-regex",
        "^/(api/v3\\.1/|health)",
        "--max-examples",
        os.environ.get("VALETKEY_FUZZ_EXAMPLES", "25"),
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
