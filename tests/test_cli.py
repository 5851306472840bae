"""The `valetkey` CLI against a running server (both databases): login, whoami, logout and every remote command.

Commands run in-process through typer's CliRunner with their config in a
temporary ``XDG_CONFIG_HOME``; the server is the session's real one on loopback.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from valetkey.cli.main import app

V3 = "/api/v3.1"


class Cli:
    """`valetkey` with its config (and VALETKEY_HOME for local commands) in a temporary folder."""

    def __init__(self, tmp_path: Path, database_url: str | None = None):
        self.config_home = tmp_path / "config"
        self.env = {"XDG_CONFIG_HOME": str(self.config_home), "VALETKEY_HOME": str(tmp_path / "home")}
        if database_url:
            self.env["VALETKEY_DATABASE_URL"] = database_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int = 0):
        result = self.runner.invoke(app, list(args), env=self.env, input=input)
        assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)

    @property
    def config_file(self) -> Path:
        return self.config_home / "valetkey" / "cli.json"


@pytest.fixture
def cli(tmp_path, server) -> Cli:
    return Cli(tmp_path, server.settings.database_url)


@pytest.fixture
def logged_in(cli, server, project) -> Cli:
    cli("login", "--url", server.url, "--api-key", project.api_key)
    return cli


def test_projects_create_on_the_servers_database_then_login_and_whoami(cli, server):
    created = cli.json("projects", "create", "cli-first-run")
    assert created["api_key"].startswith("ak_") and created["name"] == "cli-first-run"

    cli("login", "--url", server.url + "/", "--api-key", created["api_key"])
    me = cli.json("whoami")
    assert me == {
        "url": server.url,
        "project_id": created["id"],
        "project_name": "cli-first-run",
        "org_id": created["org_id"],
        "api_key": "..." + created["api_key"][-4:],
    }
    shown = cli("whoami").stdout
    assert created["id"] in shown and created["api_key"][-4:] in shown and created["api_key"] not in shown
    listed = cli.json("projects", "list")
    assert created["id"] in [p["id"] for p in listed]


def test_the_config_is_private(cli, server, project):
    cli("login", "--url", server.url, "--api-key", project.api_key)
    assert stat.S_IMODE(cli.config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config_file.parent.stat().st_mode) == 0o700
    assert json.loads(cli.config_file.read_text()) == {"url": server.url, "api_key": project.api_key}


def test_login_prompts_for_what_is_missing_and_hides_the_key(cli, server, project):
    result = cli("login", input=f"{server.url}\n{project.api_key}\n")
    assert "Server URL" in result.output and "Project API key" in result.output
    assert project.api_key not in result.output  # typed, not echoed
    assert cli.json("whoami")["project_id"] == project.id

    result = cli("login", "--url", server.url, input=f"{project.api_key}\n")
    assert "Server URL" not in result.output


def test_a_wrong_key_or_url_is_refused_and_nothing_is_stored(cli, server):
    result = cli("login", "--url", server.url, "--api-key", "ak_wrong", code=1)
    assert "fix:" in result.output and not cli.config_file.exists()
    result = cli("login", "--url", "localhost:1", "--api-key", "ak_x", code=1)
    assert "--url http://127.0.0.1:8000" in result.output
    result = cli("login", "--url", "http://127.0.0.1:9", "--api-key", "ak_x", code=1)
    assert "cannot reach" in result.output and "valetkey serve" in result.output


def test_without_login_remote_commands_say_how_to_log_in(cli):
    for args in (["whoami"], ["toolkits", "list"], ["tools", "list"], ["accounts", "list"], ["logs", "tail"]):
        result = cli(*args, code=1)
        assert "not logged in" in result.output and "valetkey login" in result.output, args


def test_logout_forgets_the_key(logged_in):
    logged_in("logout")
    assert not logged_in.config_file.exists()
    logged_in("whoami", code=1)
    assert "nothing to remove" in logged_in("logout").output


def test_project_name_errors_say_the_rule(cli):
    result = cli("projects", "create", "ts", code=1)
    assert "Invalid project name 'ts'" in result.output and "3 to 75 characters" in result.output
    result = cli("projects", "create", "fine-name", "--org", "org_nope", code=2)
    assert "org_nope not found" in result.output and "valetkey orgs create" in result.output


def test_toolkits_list_and_show(logged_in):
    listed = logged_in.json("toolkits", "list")
    slugs = {t["slug"] for t in listed}
    assert {"github", "hackernews", "keyed"} <= slugs
    table = logged_in("toolkits", "list").stdout
    assert "github" in table and "OAUTH2" in table
    shown = logged_in.json("toolkits", "show", "keyed")
    assert shown["slug"] == "keyed"
    assert "Keyed" in logged_in("toolkits", "show", "keyed").stdout


def test_a_server_error_is_shown_with_its_suggested_fix(logged_in):
    result = logged_in("toolkits", "show", "no-such-toolkit", code=1)
    assert "not found" in result.output and "fix:" in result.output and "404" in result.output


def test_tools_list_show(logged_in):
    listed = logged_in.json("tools", "list", "--toolkit", "hackernews")
    assert listed and all(t["toolkit"]["slug"] == "hackernews" for t in listed)
    assert len(logged_in.json("tools", "list", "--toolkit", "hackernews", "--limit", "2")) == 2
    assert logged_in.json("tools", "show", "KEYED_WHOAMI")["slug"] == "KEYED_WHOAMI"
    shown = logged_in("tools", "show", "HACKERNEWS_GET_LATEST_POSTS").stdout
    assert "size" in shown and "integer" in shown


def _keyed_account(server, project, user_id: str = "cli-user") -> str:
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as c:
        r = c.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "keyed"},
                "auth_config": {"type": "use_custom_auth", "auth_scheme": "API_KEY"},
            },
        )
        assert r.status_code == 201, r.text
        r = c.post(
            f"{V3}/connected_accounts",
            json={
                "auth_config": {"id": r.json()["auth_config"]["id"]},
                "connection": {
                    "user_id": user_id,
                    "state": {"auth_scheme": "API_KEY", "val": {"api_key": "sk-cli-secret-1234"}},
                },
            },
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]


def test_tools_execute_with_key_value_and_json_arguments(logged_in, server, project, upstream):
    account = _keyed_account(server, project)
    result = logged_in.json("tools", "execute", "KEYED_WHOAMI", "--user-id", "cli-user")
    assert result["successful"] is True and result["log_id"]
    assert result["data"]["headers"]["x-api-key"] == "sk-cli-secret-1234"  # the account's key went upstream
    result = logged_in.json("tools", "execute", "KEYED_WHOAMI", "--account", account)
    assert result["successful"] is True

    # Arguments are checked against the tool's schema by the server; a refusal exits 1 with its message.
    result = logged_in("tools", "execute", "HACKERNEWS_GET_LATEST_POSTS", "size=many", code=1)
    assert "size" in result.output
    result = logged_in("tools", "execute", "KEYED_WHOAMI", "-u", "cli-user", "--args", "{not json", code=1)
    assert "--args is not valid JSON" in result.output
    result = logged_in("tools", "execute", "KEYED_WHOAMI", "-u", "nobody", code=1)
    assert "nobody" in result.output or "connected account" in result.output.lower()


def test_parse_arguments():
    from valetkey.cli.catalog_remote import parse_arguments

    assert parse_arguments(
        '{"a": [1]}', ["size=5", "flag=true", "title=Hello world", 'quoted="5"', "a=x"]
    ) == {
        "a": "x",
        "size": 5,
        "flag": True,
        "title": "Hello world",
        "quoted": "5",
    }


def test_accounts_list_and_show(logged_in, server, project):
    account = _keyed_account(server, project, "cli-accounts")
    listed = logged_in.json("accounts", "list", "--user-id", "cli-accounts")
    assert [a["id"] for a in listed] == [account]
    assert listed[0]["status"] == "ACTIVE"
    assert logged_in.json("accounts", "list", "--toolkit", "github") == []
    table = logged_in("accounts", "list").stdout
    assert account in table and "ACTIVE" in table and "sk-cli-secret-1234" not in table
    shown = logged_in.json("accounts", "show", account)
    assert shown["id"] == account and "sk-cli-secret-1234" not in json.dumps(shown)
    assert "cli-accounts" in logged_in("accounts", "show", account).stdout
    logged_in("accounts", "show", "ca_nope", code=1)
    result = logged_in("accounts", "list", "--status", "WRONG", code=1)
    assert "fix:" in result.output


def test_logs_tail_and_follow(logged_in, server, project, upstream):
    _keyed_account(server, project, "cli-logs")
    first = logged_in.json("tools", "execute", "KEYED_WHOAMI", "-u", "cli-logs")["log_id"]
    lines = [json.loads(line) for line in logged_in("logs", "tail", "--json").stdout.splitlines()]
    assert [log["id"] for log in lines] == [first] and lines[0]["status"] == "success"
    assert first in logged_in("logs", "tail").stdout

    # Follow: a tool run while the tail polls is printed once, after the first.
    later: list[str] = []

    def run_later() -> None:
        time.sleep(0.6)
        with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as c:
            r = c.post(f"{V3}/tools/execute/KEYED_WHOAMI", json={"user_id": "cli-logs", "arguments": {}})
            later.append(r.json()["log_id"])

    thread = threading.Thread(target=run_later)
    thread.start()
    out = logged_in("logs", "tail", "--json", "--follow", "--interval", "0.3", "--polls", "6").stdout
    thread.join()
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids == [first, later[0]]
    assert logged_in("logs", "tail", "--failed").stdout.strip() == ""
    assert logged_in("logs", "tail", "--tool", "HACKERNEWS_GET_ITEM").stdout.strip() == ""
    assert first in logged_in("logs", "tail", "--tool", "KEYED_WHOAMI").stdout


def test_generate_writes_importable_stubs_that_pass_mypy(logged_in, tmp_path):
    out = tmp_path / "gen" / "vkstubs"
    logged_in(
        "generate",
        "--toolkit",
        "hackernews",
        "--toolkit",
        "github",
        "--toolkit",
        "keyed",
        "--output-dir",
        str(out),
    )
    tools = {t["slug"] for t in logged_in.json("tools", "list", "--toolkit", "github")}
    check = (
        "import vkstubs.github as g, vkstubs.hackernews as h\n"
        "args: h.HackernewsGetLatestPostsInput = {'size': 5}\n"
        "issue: g.GithubCreateIssueInput = {'owner': 'o', 'repo': 'r', 'title': 't'}\n"
        "print(sorted(g.TOOLS))\n"
    )
    (tmp_path / "gen" / "use.py").write_text(check)
    run = subprocess.run([sys.executable, "use.py"], cwd=tmp_path / "gen", capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert set(json.loads(run.stdout.replace("'", '"'))) == tools
    mypy = Path(sys.executable).parent / "mypy"
    typed = subprocess.run(
        [str(mypy), "--strict", "--no-incremental", "vkstubs", "use.py"],
        cwd=tmp_path / "gen",
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout
    # A missing required key is a type error: the stubs say what a tool needs.
    (tmp_path / "gen" / "bad.py").write_text(
        "import vkstubs.github as g\nissue: g.GithubCreateIssueInput = {'owner': 'o'}\n"
    )
    typed = subprocess.run(
        [str(mypy), "--strict", "--no-incremental", "bad.py"],
        cwd=tmp_path / "gen",
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 1 and "Missing keys" in typed.stdout, typed.stdout

    result = logged_in("generate", "--toolkit", "nope", "--output-dir", str(out), code=1)
    assert "not found" in result.output and not (out / "nope.py").exists()


def test_session_info_is_the_sdk_wire_format(server, project):
    from composio import Composio

    info = Composio(api_key=project.api_key, base_url=server.url).client.auth.session.retrieve_info()
    assert (
        info.project is not None and info.project.id == project.id and info.project.org_id == project.org_id
    )


def test_migrate_brings_a_fresh_database_up_to_date(tmp_path, backend, request):
    from tests.support.app import database_url_for
    from valetkey.migrations.upgrade import pending_revisions, upgrade_to

    url = database_url_for(backend, request)
    pending = pending_revisions(url)
    assert pending and pending[0] == "0001"
    upgrade_to(url, pending[0])  # part-way: the rest is what migrate applies
    assert pending_revisions(url) == pending[1:]
    cli = Cli(tmp_path, url)
    assert "up to date" in cli("migrate").output
    assert pending_revisions(url) == []
    assert cli.json("projects", "list") == []


def test_orgs_create_and_key_on_the_servers_database(cli, server):
    org = cli.json("orgs", "create", "cli-org")
    assert org["id"].startswith("org_") and org["api_key"]
    again = cli.json("orgs", "key", "--org", org["id"])
    assert again["id"] == org["id"] and again["api_key"] != org["api_key"]
    for key in (org["api_key"], again["api_key"]):  # both are org keys the running server accepts
        r = httpx.get(f"{server.url}{V3}/org/owner/project/list", headers={"x-org-api-key": key}, timeout=30)
        assert r.status_code == 200, r.text
    project = cli.json("projects", "create", "in-cli-org", "--org", org["id"])
    assert project["org_id"] == org["id"]
    result = cli("orgs", "key", "--org", "org_nope", code=2)
    assert "org_nope not found" in result.output


def test_admin_create_reads_the_password_and_the_operator_signs_in(cli, server, project):
    from tests.support.dashboard import sign_in

    email = f"ops-{time.time_ns()}@example.com"
    made = json.loads(
        cli(
            "admin",
            "create",
            email,
            "--org",
            project.org_id,
            "--password-stdin",
            "--json",
            input="a long enough passphrase\n",
        ).stdout
    )
    assert made["email"] == email and made["org_ids"] == [project.org_id] and made["id"].startswith("op_")
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        assert sign_in(browser, email, "a long enough passphrase").status_code == 303
        assert project.id in browser.get("/dashboard").text
    # Prompted without echo (twice), the usual way.
    other = f"ops2-{time.time_ns()}@example.com"
    prompted = cli(
        "admin",
        "create",
        other,
        "--org",
        project.org_id,
        input="another good passphrase\nanother good passphrase\n",
    )
    assert "another good passphrase" not in prompted.output and "/dashboard" in prompted.output
    # Each error says what was wrong and how to fix it.
    mismatch = cli(
        "admin", "create", f"x{time.time_ns()}@example.com", input="one passphrase here\ntwo\n", code=1
    )
    assert "the two passwords differ" in mismatch.output and "fix:" in mismatch.output
    short = cli(
        "admin", "create", f"y{time.time_ns()}@example.com", "--password-stdin", input="short\n", code=1
    )
    assert "too short" in short.output and "at least 12 characters" in short.output
    taken = cli("admin", "create", email, "--password-stdin", input="a long enough passphrase\n", code=1)
    assert "already exists" in taken.output
    no_org = cli(
        "admin",
        "create",
        f"z{time.time_ns()}@example.com",
        "--org",
        "org_nope",
        "--password-stdin",
        input="a long enough passphrase\n",
        code=1,
    )
    assert "org_nope not found" in no_org.output and "valetkey orgs create" in no_org.output
    empty = cli("admin", "create", f"w{time.time_ns()}@example.com", "--password-stdin", input="\n", code=2)
    assert "no password on standard input" in empty.output
    bad = cli(
        "admin", "create", "not-an-email", "--password-stdin", input="a long enough passphrase\n", code=1
    )
    assert "is not an email address" in bad.output


def test_sessions_list_with_and_without_json(logged_in, server, project):
    headers = {"x-api-key": project.api_key}
    made = []
    for user in ("ses-a", "ses-b", "ses-a"):
        r = httpx.post(
            f"{server.url}{V3}/tool_router/session", json={"user_id": user}, headers=headers, timeout=30
        )
        assert r.status_code == 201, r.text
        made.append(r.json()["session_id"])
    items = logged_in.json("sessions", "list")
    assert [i["session_id"] for i in items] == made[::-1]  # newest first
    assert items[0]["user_id"] == "ses-a" and items[0]["mcp"]["url"].endswith(made[2])
    only_a = logged_in.json("sessions", "list", "--user-id", "ses-a")
    assert {i["session_id"] for i in only_a} == {made[0], made[2]}
    assert len(logged_in.json("sessions", "list", "--limit", "1")) == 1
    table = logged_in("sessions", "list").stdout
    assert all(session_id in table for session_id in made) and "ses-b" in table
    # The REST listing pages with a cursor, and belongs to the calling project only.
    page = httpx.get(
        f"{server.url}{V3}/tool_router/session", params={"limit": 2}, headers=headers, timeout=30
    ).json()
    assert len(page["items"]) == 2 and page["total_items"] == 3 and page["next_cursor"]
    other = server.new_project()
    theirs = httpx.get(
        f"{server.url}{V3}/tool_router/session", headers={"x-api-key": other.api_key}, timeout=30
    )
    assert theirs.json()["items"] == []
