"""A first run as the README tells it: `valetkey serve` says where it is, `--sandbox` runs every toolkit offline.

Real processes: `valetkey sandbox serve` and `valetkey serve --sandbox URL`
(SQLite under a fresh VALETKEY_HOME), the CLI in front of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import valetkey
from tests.support.servers import _free_port
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkits
from valetkey.catalog.sandbox_routes import sandbox_routes
from valetkey.cli.serve import banner
from valetkey.core.settings import Settings
from valetkey.execution.reroute import reroute

REPO = Path(__file__).resolve().parents[1]
SRC = str(Path(valetkey.__file__).resolve().parents[1])


def test_sandbox_routes_cover_every_host_of_every_toolkit():
    routes = sandbox_routes(load_toolkits([BUILTIN_DIR]), "http://127.0.0.1:8001/")
    sandbox = "http://127.0.0.1:8001"
    cases = {
        # Hacker News has two hosts; both are served under /hackernews.
        "https://hn.algolia.com/api/v1/search?query=x": f"{sandbox}/hackernews/api/v1/search?query=x",
        "https://hacker-news.firebaseio.com/v0/beststories.json": f"{sandbox}/hackernews/v0/beststories.json",
        # Calendar and Drive share www.googleapis.com: the longer prefix wins.
        "https://www.googleapis.com/calendar/v3/calendars/primary": f"{sandbox}/googlecalendar/calendar/v3/calendars/primary",
        "https://www.googleapis.com/drive/v3/files": f"{sandbox}/googledrive/drive/v3/files",
        "https://www.googleapis.com/upload/drive/v3/files": f"{sandbox}/googledrive/upload/drive/v3/files",
        "https://api.github.com/user": f"{sandbox}/github/user",
        "https://slack.com/api/chat.postMessage": f"{sandbox}/slack/api/chat.postMessage",
        "https://api.notion.com/v1/pages": f"{sandbox}/notion/v1/pages",
        "https://api.trello.com/1/members/me": f"{sandbox}/trello/1/members/me",
        "https://gmail.googleapis.com/gmail/v1/users/me/messages": f"{sandbox}/gmail/gmail/v1/users/me/messages",
        "https://evil.test/api": "https://evil.test/api",
        # Microsoft Graph's toolkits share https://graph.microsoft.com/v1.0: routed by operation path.
        "https://graph.microsoft.com/v1.0/me/messages/AAk%3D?$top=1": f"{sandbox}/outlook/v1.0/me/messages/AAk%3D?$top=1",
        "https://graph.microsoft.com/v1.0/drives/d1/items/i1/children": f"{sandbox}/one_drive/v1.0/drives/d1/items/i1/children",
        "https://graph.microsoft.com/v1.0/chats/c1/messages": f"{sandbox}/microsoft_teams/v1.0/chats/c1/messages",
        "https://graph.microsoft.com/v1.0/sites/s1/lists/l1/items": f"{sandbox}/share_point/v1.0/sites/s1/lists/l1/items",
        "https://graph.microsoft.com/v1.0/drives/d1/items/i1/workbook/worksheets": f"{sandbox}/excel/v1.0/drives/d1/items/i1/workbook/worksheets",
    }
    for url, expected in cases.items():
        assert reroute(url, routes) == expected, url
    toolkits = {t.slug for t in load_toolkits([BUILTIN_DIR])}
    routed = {target.split("/")[3] for _, target in routes}
    # Every toolkit has a route, those sharing a base URL (Microsoft Graph's) too.
    assert routed == toolkits


def test_toolkits_sharing_a_base_url_each_reach_their_own_emulator():
    routes = sandbox_routes(load_toolkits([BUILTIN_DIR]), "http://127.0.0.1:8001/")
    graph = {"outlook", "one_drive", "microsoft_teams", "share_point", "excel"}
    assert graph <= {target.split("/")[3] for _, target in routes}
    # Every tool of a Graph toolkit, at its own operation path, goes to its own toolkit's emulator.
    for toolkit in load_toolkits([BUILTIN_DIR]):
        if toolkit.slug not in graph:
            continue
        for tool in toolkit.tools:
            assert tool.operation is not None
            url = toolkit.base_url + re.sub(r"\{[^}]+\}", "x1", tool.operation.path)
            assert reroute(url, routes).split("/")[3] == toolkit.slug, (tool.slug, url)


def test_the_sandbox_url_setting():
    assert (
        Settings.from_env({"VALETKEY_SANDBOX_URL": "http://127.0.0.1:8001/"}).sandbox_url
        == "http://127.0.0.1:8001"
    )
    with pytest.raises(SystemExit, match=r"VALETKEY_SANDBOX_URL.*http://127\.0\.0\.1:8001"):
        Settings.from_env({"VALETKEY_SANDBOX_URL": "127.0.0.1:8001"})


def test_the_banner_says_url_data_and_next_step(tmp_path):
    settings = Settings(home=tmp_path, public_url="http://127.0.0.1:8000")
    text = banner(settings, "127.0.0.1", 8000)
    assert "Valetkey listening on http://127.0.0.1:8000" in text
    assert f"data folder:  {tmp_path}" in text and f"sqlite:///{tmp_path}/valetkey.db" in text
    assert "valetkey projects create my-agent --json" in text and "public URL" not in text
    pg = Settings(
        home=tmp_path, database_url="postgresql://vk:hunter2@db/vk", sandbox_url="http://127.0.0.1:8001"
    )
    text = banner(pg, "0.0.0.0", 9000)
    assert "hunter2" not in text and "postgresql://vk:***@db/vk" in text
    assert "http://127.0.0.1:8001" in text and "public URL:   http://127.0.0.1:8000" in text


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VALETKEY_", "COMPOSIO_"))}
    return {
        **env,
        "PYTHONPATH": SRC,
        "VALETKEY_HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VALETKEY_LOG_LEVEL": "WARNING",
        **extra,
    }


def _start(args: list[str], env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "valetkey", *args], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly; a dead process fails at once
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{args} exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"{args} did not start: {log.read_text()[-2000:]}")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "valetkey", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("how", ["option", "variable"])
def test_serve_with_the_sandbox_runs_hacker_news_offline(tmp_path, how):
    sandbox_port, port = _free_port(), _free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = _env(tmp_path)
    procs = [
        _start(["sandbox", "serve", "--port", str(sandbox_port)], env, sandbox_url, tmp_path / "sandbox.log")
    ]
    try:
        args = ["serve", "--port", str(port)]
        if how == "option":
            args += ["--sandbox", sandbox_url]
        server_env = env if how == "option" else {**env, "VALETKEY_SANDBOX_URL": sandbox_url}
        procs.append(_start(args, server_env, f"http://127.0.0.1:{port}/health", tmp_path / "serve.log"))
        said = (tmp_path / "serve.log").read_text()
        assert f"Valetkey listening on http://127.0.0.1:{port}" in said
        assert f"data folder:  {tmp_path / 'home'}" in said and "valetkey projects create" in said
        assert f"every toolkit's API calls go to {sandbox_url}" in said

        project = json.loads(_cli(env, "projects", "create", "offline-hn", "--json").stdout)
        login = _cli(env, "login", "--url", f"http://127.0.0.1:{port}", "--api-key", project["api_key"])
        assert login.returncode == 0, login.stderr
        # Both Hacker News hosts: the Firebase API (best stories) and Algolia (search).
        best = _cli(env, "tools", "execute", "HACKERNEWS_GET_BEST_STORIES", "size=3", "--json")
        assert best.returncode == 0, best.stdout + best.stderr
        assert len(json.loads(best.stdout)["data"]["data"]) == 3
        found = _cli(env, "tools", "execute", "HACKERNEWS_SEARCH_POSTS", "query=a", "--json")
        assert found.returncode == 0 and json.loads(found.stdout)["successful"], found.stdout + found.stderr
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    result = _cli(_env(tmp_path), "serve", "--workers", "2")
    assert (
        result.returncode == 2 and "PostgreSQL" in result.stderr and "VALETKEY_DATABASE_URL" in result.stderr
    )


FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python3: `-m venv DIR` makes a venv whose python logs pip calls; `-c` runs for real.
if [[ "$1" == "-m" && "$2" == "venv" ]]; then
    mkdir -p "$3/bin"
    printf '#!/usr/bin/env bash\\necho "pip $*" >> "%s"\\n' "$LOG" > "$3/bin/python"
    printf '#!/usr/bin/env bash\\necho "serve $*" >> "%s"\\n' "$LOG" > "$3/bin/valetkey"
    chmod +x "$3/bin/python" "$3/bin/valetkey"
    echo venv >> "$LOG"
    exit 0
fi
exec "$REAL_PYTHON" "$@"
"""


def test_start_sh_installs_only_when_pyproject_changes(tmp_path):
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "start.sh", repo / "scripts" / "start.sh")
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text(FAKE_PYTHON)
    (fake / "python3").chmod(0o755)
    log = tmp_path / "log"
    env = {
        **os.environ,
        "PATH": f"{fake}:{os.environ['PATH']}",
        "LOG": str(log),
        "REAL_PYTHON": sys.executable,
    }

    def start() -> list[str]:
        log.write_text("")
        subprocess.run(
            ["bash", str(repo / "scripts" / "start.sh"), "--port", "9"], env=env, check=True, timeout=60
        )
        return log.read_text().splitlines()

    first = start()
    assert (
        first[0] == "venv"
        and any("install -q -e ." in line for line in first)
        and first[-1] == "serve serve --port 9"
    )
    assert start() == ["serve serve --port 9"]  # nothing changed: no venv, no pip
    with (repo / "pyproject.toml").open("a") as f:
        f.write("\n# changed\n")
    assert any("install -q -e ." in line for line in start())
