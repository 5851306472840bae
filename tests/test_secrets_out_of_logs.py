"""Secrets that travel in URLs never reach the server's logs; secret files are private (finding 4).

Connect Link tokens, per-user MCP URL tokens, signed file-URL tokens, the
OAuth callback's code and state and token-like query values are bearer
capabilities: anyone reading an access log could replay them. A real server
(`valetkey serve`, then plain `uvicorn` with its own access log) is hit with
each URL kind; the captured log lines must name the routes but no token.
The data folder it creates is 0700 and every file in it 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.connect_link import bearer_config
from tests.support.mcp import create_server, user_url
from tests.support.oauth import V3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, toolkits_dir: Path) -> dict[str, str]:
    env = {**os.environ, "VALETKEY_HOME": str(home), "VALETKEY_CATALOG_DIRS": str(toolkits_dir)}
    env["VALETKEY_LOG_LEVEL"] = "INFO"
    for name in ("VALETKEY_DATABASE_URL", "VALETKEY_ENCRYPTION_KEYS"):
        env.pop(name, None)
    return env


def _serve(command: list[str], env: dict[str, str], log: Path, port: int) -> subprocess.Popen:
    env = {**env, "VALETKEY_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _hit_every_url_kind(url: str, api_key: str) -> list[str]:
    """One request of each kind that carries a capability in its URL; the secrets sent."""
    secrets: list[str] = [api_key]
    with httpx.Client(base_url=url, headers={"x-api-key": api_key}, timeout=30) as client:
        config_id = bearer_config(client)
        link = client.post(
            f"{V3}/connected_accounts/link", json={"auth_config_id": config_id, "user_id": "u"}
        )
        assert link.status_code == 201, link.text
        link_url = link.json()["redirect_url"]
        secrets.append(link_url.rsplit("/", 1)[1])
        server_id = create_server(client, "log-check-" + os.urandom(3).hex(), toolkits=["hackernews"])["id"]
        mcp_url = user_url(client, server_id, "u")
        secrets.append(mcp_url.rsplit("/", 1)[1])
        data = b"bytes"
        upload = client.post(
            f"{V3}/files/upload/request",
            json={
                "toolkit_slug": "github",
                "tool_slug": "GITHUB_X",
                "filename": "a.txt",
                "mimetype": "text/plain",
                "md5": hashlib.md5(data).hexdigest(),
            },
        ).json()["newPresignedUrl"]
        secrets.append(upload.rsplit("/", 1)[1])
    code, state = "codeSECRET" + os.urandom(8).hex(), "stateSECRET" + os.urandom(8).hex()
    token_like = "tokSECRET" + os.urandom(16).hex()
    secrets += [code, state, token_like]
    with httpx.Client(timeout=30) as anyone:
        assert anyone.get(link_url).status_code == 200
        assert anyone.post(link_url, data={}).status_code == 400
        init = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        anyone.post(mcp_url, json=init, headers={"accept": "application/json, text/event-stream"})
        assert anyone.put(upload, content=data).status_code == 200
        anyone.get(f"{url}/api/v3/toolkits/auth/callback", params={"code": code, "state": state})
        anyone.get(f"{url}{V3}/toolkits", params={"api_key": api_key, "token": token_like})
    return secrets


def _check_log(log: Path, secrets: list[str], *, route_marks: tuple[str, ...]) -> None:
    text = log.read_text()
    for mark in route_marks:
        assert mark in text, f"{mark!r} was not logged at all:\n{text[-3000:]}"
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secrets in the log: {leaked}\n{text[-3000:]}"


def _assert_private(home: Path, *, running: bool) -> None:
    assert stat.S_IMODE(home.stat().st_mode) == 0o700, oct(home.stat().st_mode)
    found = []
    for path in home.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        found.append(path.name)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
    expected = ["valetkey.db", "keyring.json", "signing.key"]
    if running:  # SQLite removes its write-ahead log and shared-memory index when the last connection closes
        expected += ["valetkey.db-wal", "valetkey.db-shm"]
    for name in expected:
        assert name in found, f"{name} not created: {found}"


def test_no_token_in_the_logs_and_secret_files_are_private(toolkits_dir, tmp_path):
    home = tmp_path / "home"  # the server makes it
    env = _env(home, toolkits_dir)
    created = subprocess.run(
        [sys.executable, "-m", "valetkey", "projects", "create", "logcheck", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    api_key = json.loads(created.stdout)["api_key"]

    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve([sys.executable, "-m", "valetkey", "serve", "--port", str(port)], env, log, port)
    try:
        secrets = _hit_every_url_kind(f"http://127.0.0.1:{port}", api_key)
        _assert_private(home, running=True)
    finally:
        process.terminate()
        process.wait(timeout=20)
    _check_log(
        log, secrets, route_marks=("GET /link/", "/mcp/u/", "/files/storage/", "/toolkits/auth/callback")
    )

    # Plain uvicorn, with its own access log (the query string included), on the same data folder.
    port = _free_port()
    log = tmp_path / "uvicorn.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "valetkey.api.asgi:app",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    process = _serve(command, env, log, port)
    try:
        secrets = _hit_every_url_kind(f"http://127.0.0.1:{port}", api_key)
    finally:
        process.terminate()
        process.wait(timeout=20)
    _check_log(log, secrets, route_marks=('"GET /link/', "/mcp/u/", "/files/storage/", "?code="))
    _assert_private(home, running=False)


def test_redaction_keeps_routes_and_ids_but_not_tokens():
    from valetkey.core.log_setup import redact

    token = "lnk_" + "A1b2" * 11
    assert redact(f"GET /link/{token}/continue 303") == "GET /link/[redacted]/continue 303"
    assert redact("POST /mcp/u/vkm_x 200") == "POST /mcp/u/[redacted] 200"
    assert redact("PUT /api/v3/files/storage/eyJh.c2ln 200") == "PUT /api/v3/files/storage/[redacted] 200"
    assert redact("GET /cb?code=abc&state=xyz&x=1") == "GET /cb?code=[redacted]&state=[redacted]&x=1"
    assert redact("GET /t?cursor=" + "9f" * 20) == "GET /t?cursor=[redacted]"
    # Ids and short values stay readable.
    assert redact("connect link lnk_AbCdEf123456 activated account ca_AbCdEf123456") == (
        "connect link lnk_AbCdEf123456 activated account ca_AbCdEf123456"
    )
    assert redact("GET /api/v3.1/tools?toolkit_slug=github&limit=20") == (
        "GET /api/v3.1/tools?toolkit_slug=github&limit=20"
    )
