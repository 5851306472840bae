"""The workbench tests' shared pieces: the sandbox venv (built once, cached between runs) and a call helper."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.support.app import database_url_for, start_server
from tests.support.toolkits import connect_account, sandbox_overrides
from valetkey.sessions.workbench.setup import REQUIREMENTS, is_ready, setup_venv

needs_sandbox = pytest.mark.skipif(
    shutil.which("bwrap") is None and not os.environ.get("CI"),
    reason="bubblewrap is not installed (apt-get install bubblewrap)",
)
SETUP_SECONDS: list[float] = []


def cached_venv() -> Path:
    """`valetkey workbench setup`'s venv for these pins, under ~/.cache (VALETKEY_TEST_WORKBENCH_CACHE)."""
    cache = Path(os.environ.get("VALETKEY_TEST_WORKBENCH_CACHE", "~/.cache/valetkey-workbench")).expanduser()
    venv = cache / f"venv-{hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]}"
    if not is_ready(venv):
        started = time.monotonic()
        setup_venv(venv, "/usr/bin/python3", log=lambda message: None)
        SETUP_SECONDS.append(time.monotonic() - started)
    return venv


def call(session, code: str, **arguments):
    """COMPOSIO_REMOTE_WORKBENCH through the SDK."""
    return session.execute_meta("COMPOSIO_REMOTE_WORKBENCH", arguments={"code_to_execute": code, **arguments})


@pytest.fixture(scope="module")
def wb_server(request, emulators, workbench_venv):
    """A server with the built-in catalog on the emulators and the workbench (small file limits)."""
    threaded, running = start_server(
        database_url_for("sqlite", request),
        upstream_overrides=sandbox_overrides(emulators.url),
        workbench_venv=workbench_venv,
        workbench_call_timeout=30,
        session_file_max_bytes=4 * 1024 * 1024,
        session_files_max_bytes=10 * 1024 * 1024,
    )
    yield running
    threaded.stop()


@pytest.fixture
def wb_github(emulators, wb_server):
    """A project with octocat's GitHub account on the emulator."""
    return connect_account(emulators, wb_server, "github", scopes=["repo", "read:user"])


def workbench_session(connection, **workbench):
    """A session of `github`'s user with the GitHub toolkit only and the workbench on."""
    return connection.composio.create(
        user_id=connection.user_id, toolkits=["github"], workbench={"enable": True, **workbench}
    )
