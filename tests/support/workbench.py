"""The workbench tests' shared pieces: the sandbox venv (built once, cached between runs) and a call helper."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

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
