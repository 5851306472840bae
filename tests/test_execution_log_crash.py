"""A `log_id` a client received survives `kill -9` of the server (issue 8, finding 3).

A real `valetkey serve` process takes a few seconds of concurrent executions,
whose `log_id`s the client records as the answers arrive; the server is then
killed with SIGKILL in the middle of the load and started again on the same
home and database. Every recorded `log_id` is found by the log search and by
`GET /logs/tool_execution/{id}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest

import valetkey
from tests.support import pg
from tests.support.execution import EXECUTE
from tests.support.servers import _free_port

LOGS = "/api/v3.1/logs/tool_execution"
KILL_AFTER = 1500
MAX_LOAD_SECONDS = 8
WORKERS = 16


def _env(home: Path, database_url: str, toolkits_dir: Path) -> dict[str, str]:
    src = str(Path(valetkey.__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "VALETKEY_HOME": str(home),
        "VALETKEY_DATABASE_URL": database_url,
        "VALETKEY_CATALOG_DIRS": str(toolkits_dir),
        "VALETKEY_RATE_LIMIT": "0",
        "VALETKEY_LOG_LEVEL": "WARNING",
    }


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "valetkey", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start")


async def _load(url: str, api_key: str, user_id: str, proc: subprocess.Popen) -> list[str]:
    """Executions from WORKERS clients until KILL_AFTER answers, then SIGKILL mid-flight.

    The kill is sent the moment an answer arrives, so the newest received
    `log_id`s are those most likely still in flight inside the server.
    """
    received: list[str] = []
    deadline = time.monotonic() + MAX_LOAD_SECONDS

    async def worker(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers={"x-api-key": api_key}, timeout=30) as client:
            i = 0
            while proc.returncode is None:
                i += 1
                try:
                    answer = await client.post(
                        EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": n, "b": i}, "user_id": user_id}
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                assert answer.status_code == 200, answer.text
                received.append(answer.json()["log_id"])
                if (len(received) >= KILL_AFTER or time.monotonic() > deadline) and proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()

    await asyncio.gather(*(worker(n) for n in range(WORKERS)))
    return received


def _found(url: str, api_key: str, user_id: str) -> set[str]:
    seen: set[str] = set()
    cursor = None
    with httpx.Client(base_url=url, headers={"x-api-key": api_key}, timeout=30) as client:
        while True:
            body = {"limit": 100, "filters": [{"field": "user_id", "operator": "==", "value": user_id}]}
            if cursor:
                body["cursor"] = cursor
            page = client.post(LOGS, json=body)
            assert page.status_code == 200, page.text
            seen |= {log["id"] for log in page.json()["logs"]}
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return seen


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_received_log_ids_survive_kill_9(database, toolkits_dir, request):
    home = Path(tempfile.mkdtemp(prefix="valetkey-crash-"))
    if database == "sqlite":
        database_url = f"sqlite:///{home / 'valetkey.db'}"
    else:
        database_url = pg.create_database(request.getfixturevalue("pg_admin_url"))
    env = _env(home, database_url, toolkits_dir)
    created = subprocess.run(
        [sys.executable, "-m", "valetkey", "projects", "create", "crash", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    api_key = json.loads(created.stdout)["api_key"]
    user_id = "crash-" + uuid.uuid4().hex[:8]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    proc = _serve(env, port)
    try:
        with httpx.Client(base_url=url, headers={"x-api-key": api_key}, timeout=60) as client:
            warm = client.post(
                EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": 0, "b": 0}, "user_id": "warm"}
            )
            assert warm.status_code == 200, warm.text
        received = asyncio.run(_load(url, api_key, user_id, proc))
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert len(received) >= min(KILL_AFTER, 200), "the load did not run"

    proc = _serve(env, port)
    try:
        found = _found(url, api_key, user_id)
        lost = set(received) - found
        assert not lost, f"{len(lost)} of {len(received)} received log ids were lost"
        with httpx.Client(base_url=url, headers={"x-api-key": api_key}, timeout=30) as client:
            for log_id in received[-20:]:
                entry = client.get(f"{LOGS}/{log_id}")
                assert entry.status_code == 200, entry.text
                assert entry.json()["data"]["user_id"] == user_id
    finally:
        proc.terminate()
        proc.wait(timeout=20)
