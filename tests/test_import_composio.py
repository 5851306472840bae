"""`valetkey import composio` against a second Valetkey server acting as the Composio source.

The source project (mask_secret_keys_in_connected_account false) holds 1,000
accounts: OAuth 2 on the team's own app (refreshable, and some whose refresh
the provider refuses), OAuth 2 on the managed app, API keys (some disabled,
some expired, some the provider rejects) and bearer tokens. The import runs as
its own process through the source's HTTP API, is killed halfway and run
again; then tools run with the migrated accounts, named by their source ids.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import time

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from tests.support.app import database_url_for, start_server
from tests.support.migration import cli_env, count, seed_accounts, valetkey
from tests.support.oauth import SANDBOX_CLIENT, follow
from valetkey.connections.models import ConnectedAccount
from valetkey.tenancy.aliases import IdAlias
from valetkey.transfer.models import ImportLedger

V3 = "/api/v3"
MANAGED_YAML = {"toolkits": {"oauthdemo": dict(SANDBOX_CLIENT)}}


def _config(client: httpx.Client, toolkit: str, body: dict) -> str:
    r = client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": toolkit}, "auth_config": body})
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def _servers(request, toolkits_dir, backend: str = "postgres"):
    started = []
    for _ in range(2):
        threaded, running = start_server(
            database_url_for(backend, request), catalog_dirs=[toolkits_dir], webhook_allow_private=True
        )
        (running.settings.home / "managed_auth.yaml").write_text(yaml.safe_dump(MANAGED_YAML))
        started.append((threaded, running))
    return started


@pytest.fixture
def source_and_target(request, toolkits_dir, sandbox, pg_admin_url):
    started = _servers(request, toolkits_dir)
    yield started[0][1], started[1][1]
    for threaded, _ in started:
        threaded.stop()


def _seed(source, sandbox, *, masked: bool, scale: int = 1) -> dict:
    """The source project: five auth configs, accounts of every kind, a webhook subscription, an MCP server."""
    project = source.new_project()
    with source.state.db.session() as db:
        from valetkey.tenancy.models import Project

        row = db.get(Project, project.id)
        row.config = {**(row.config or {}), "mask_secret_keys_in_connected_account": masked}
    oauth = sandbox.providers.oauth2
    with httpx.Client(base_url=source.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        own = _config(
            client,
            "oauthdemo",
            {"type": "use_custom_auth", "auth_scheme": "OAUTH2", "credentials": dict(SANDBOX_CLIENT)},
        )
        managed = _config(client, "oauthdemo", {"type": "use_composio_managed_auth"})
        keyed = _config(client, "keyed", {"type": "use_custom_auth", "auth_scheme": "API_KEY"})
        rejecting = _config(
            client, "authtest_rejecting", {"type": "use_custom_auth", "auth_scheme": "API_KEY"}
        )
        bearer = _config(client, "linkdemo", {"type": "use_custom_auth", "auth_scheme": "BEARER_TOKEN"})
        r = client.post(
            f"{V3}/mcp/servers",
            json={"name": "team-mcp", "auth_config_ids": [own], "allowed_tools": ["OAUTHDEMO_WHOAMI"]},
        )
        assert r.status_code == 201, r.text
        mcp_id = r.json()["id"]
        r = client.post(
            f"{V3}/webhook_subscriptions",
            json={"webhook_url": "http://127.0.0.1:9/hooks", "enabled_events": ["composio.trigger.message"]},
        )
        assert r.status_code == 201, r.text

    def tokens(user: str) -> dict:
        issued = oauth.issue_tokens(SANDBOX_CLIENT["client_id"], user, ("read", "profile"))
        return {k: issued[k] for k in ("access_token", "refresh_token", "token_type")}

    groups = {
        "own": seed_accounts(
            source,
            project.id,
            own,
            [
                {"user_id": f"own-{i}", "secrets": tokens(f"own-{i}"), "alias": "work" if i % 2 else None}
                for i in range(400 * scale // 10 if scale < 10 else 400)
            ],
        ),
        "refused": seed_accounts(
            source,
            project.id,
            own,
            [
                {
                    "user_id": f"refused-{i}",
                    "secrets": {"access_token": f"old-{i}", "refresh_token": f"gone-{i}"},
                }
                for i in range(20 if scale >= 10 else 2)
            ],
        ),
        "managed": seed_accounts(
            source,
            project.id,
            managed,
            [{"user_id": f"m-{i}", "secrets": tokens(f"m-{i}")} for i in range(100 if scale >= 10 else 3)],
        ),
        "keyed": seed_accounts(
            source,
            project.id,
            keyed,
            [
                {
                    "user_id": f"k-{i}",
                    "secrets": {"api_key": f"key-{i:04d}-abcdefghijkl"},
                    "disabled": i < 10,
                    "status": "EXPIRED" if 10 <= i < 20 else "ACTIVE",
                }
                for i in range(300 if scale >= 10 else 30)
            ],
        ),
        "rejected": seed_accounts(
            source,
            project.id,
            rejecting,
            [
                {"user_id": f"r-{i}", "secrets": {"api_key": f"bad-{i:04d}-abcdefghijkl"}}
                for i in range(30 if scale >= 10 else 3)
            ],
        ),
        "bearer": seed_accounts(
            source,
            project.id,
            bearer,
            [
                {
                    "user_id": f"b-{i}",
                    "secrets": {"token": tokens(f"b-{i}")["access_token"]},
                    "data": {"workspace": f"ws-{i}"},
                }
                for i in range(150 if scale >= 10 else 5)
            ],
        ),
    }
    return {
        "project": project,
        "configs": {"own": own, "managed": managed, "keyed": keyed, "rejecting": rejecting, "bearer": bearer},
        "accounts": groups,
        "mcp": mcp_id,
    }


def _wait_done(process, timeout: float = 600) -> tuple[str, str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out, err


def test_import_1000_accounts_crash_resume_and_run_tools(source_and_target, sandbox, tmp_path):
    source, target = source_and_target
    seeded = _seed(source, sandbox, masked=False, scale=10)
    groups = seeded["accounts"]
    assert sum(len(ids) for ids in groups.values()) == 1000
    target_project = target.new_project()
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(yaml.safe_dump({seeded["configs"]["own"]: {"client_secret": "sandbox-secret"}}))
    env = cli_env(target, VALETKEY_WEBHOOK_ALLOW_PRIVATE="true")
    args = [
        "import",
        "composio",
        "--from-url",
        source.url,
        "--api-key",
        seeded["project"].api_key,
        "--project",
        target_project.id,
        "--secrets",
        str(secrets),
    ]
    in_project = ImportLedger.project_id == target_project.id

    # A dry run writes nothing.
    _wait_done(valetkey(*args, "--dry-run", env=env))
    assert count(target, ImportLedger, in_project) == 0
    assert count(target, ConnectedAccount, ConnectedAccount.project_id == target_project.id) == 0

    # Killed halfway (some accounts written, the process still working)...
    first = valetkey(*args, env=env)
    deadline = time.monotonic() + 300
    while count(target, ImportLedger, in_project, ImportLedger.kind == "connected_account") < 300:
        assert first.poll() is None, first.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert first.poll() is None  # still importing: the kill lands halfway
    first.send_signal(signal.SIGKILL)
    first.wait()
    halfway = count(target, ConnectedAccount, ConnectedAccount.project_id == target_project.id)
    assert 0 < halfway

    # ...then run again to the end: nothing is duplicated.
    report_path = tmp_path / "report.json"
    _wait_done(valetkey(*args, "--report", str(report_path), env=env))
    report = json.loads(report_path.read_text())
    assert count(target, ConnectedAccount, ConnectedAccount.project_id == target_project.id) == 1000
    assert count(target, ImportLedger, in_project, ImportLedger.kind == "connected_account") == 1000
    assert count(target, IdAlias, IdAlias.project_id == target_project.id) == 1000 + 5 + 1
    with target.state.db.session() as db:
        per_user = db.execute(
            select(ConnectedAccount.user_id, func.count())
            .where(ConnectedAccount.project_id == target_project.id)
            .group_by(ConnectedAccount.user_id)
            .having(func.count() > 1)
        ).all()
    assert per_user == []

    accounts = report["accounts"]
    by_source = {item["source_id"]: (bucket, item) for bucket, items in accounts.items() for item in items}
    assert accounts["pending"] == []
    for source_id in groups["own"] + groups["bearer"]:
        assert by_source[source_id][0] == "migrated", by_source[source_id]
    for source_id in groups["keyed"][:10]:  # disabled at the source: kept disabled
        assert by_source[source_id][0] == "migrated" and by_source[source_id][1]["status"] == "INACTIVE"
    for source_id in groups["keyed"][20:]:
        assert by_source[source_id][0] == "migrated"
    for source_id in groups["managed"]:
        bucket, item = by_source[source_id]
        assert bucket == "needs_reauthorization" and "managed OAuth app" in item["reason"]
    for source_id in groups["refused"]:
        bucket, item = by_source[source_id]
        assert bucket == "needs_reauthorization" and item["reason"].startswith("refresh refused")
    for source_id in groups["keyed"][10:20]:
        bucket, item = by_source[source_id]
        assert bucket == "needs_reauthorization" and "EXPIRED at the source" in item["reason"]
    for source_id in groups["rejected"]:
        bucket, item = by_source[source_id]
        assert bucket == "failed" and "401" in item["reason"]
    assert len(accounts["migrated"]) == 400 + 150 + 290
    assert len(accounts["needs_reauthorization"]) == 100 + 20 + 10
    assert len(accounts["failed"]) == 30
    assert report["summary"]["mcp_servers"] == {"migrated": 1}
    assert report["summary"]["webhook_subscriptions"] == {"migrated": 1}
    assert any("new secret" in w for w in report["warnings"])

    # The source ids work on every endpoint; user ids and aliases came along; tools run with no user action.
    with httpx.Client(
        base_url=target.url, headers={"x-api-key": target_project.api_key}, timeout=30
    ) as client:
        own_ids = groups["own"][:5]
        for i, source_id in enumerate(own_ids):
            r = client.get(f"{V3}/connected_accounts/{source_id}")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["id"] != source_id and body["status"] == "ACTIVE"
            assert body["user_id"] == f"own-{i}" and body["alias"] == ("work" if i % 2 else None)
            r = client.post(
                "/api/v3.1/tools/execute/OAUTHDEMO_WHOAMI",
                json={"connected_account_id": source_id, "arguments": {}},
            )
            assert r.status_code == 200, r.text
            assert r.json()["successful"] is True, r.text
            assert r.json()["data"]["sub"] == f"own-{i}"
        listed = client.get(
            f"{V3}/connected_accounts", params={"connected_account_ids": ",".join(own_ids)}
        ).json()
        assert len(listed["items"]) == 5
        r = client.get(f"{V3}/auth_configs/{seeded['configs']['own']}")
        assert r.status_code == 200 and r.json()["credentials"]["client_id"] == "sandbox-client"
        r = client.get(f"{V3}/mcp/{seeded['mcp']}")
        assert r.status_code == 200 and r.json()["name"] == "team-mcp"

    # A third run is a no-op.
    again = tmp_path / "again.json"
    _wait_done(valetkey(*args, "--report", str(again), env=env))
    assert count(target, ConnectedAccount, ConnectedAccount.project_id == target_project.id) == 1000
    assert json.loads(again.read_text())["summary"] == report["summary"]

    # Connect Links for the re-authorization set, one CSV row each.
    out, _ = _wait_done(valetkey("import", "links", "--project", target_project.id, env=env))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 130
    assert {"user_id", "toolkit", "link", "expires_at"} <= set(rows[0])
    managed_row = next(r for r in rows if r["user_id"] == "m-0")
    assert managed_row["toolkit"] == "oauthdemo" and managed_row["link"].startswith(target.url + "/link/")
    hops, _ = follow(managed_row["link"])
    assert hops[0].status in (200, 302, 303), hops


def test_masked_source_accounts_need_reauthorization(source_and_target, sandbox, tmp_path):
    source, target = source_and_target
    seeded = _seed(source, sandbox, masked=True, scale=1)
    target_project = target.new_project()
    env = cli_env(target, VALETKEY_WEBHOOK_ALLOW_PRIVATE="true")
    report_path = tmp_path / "report.json"
    args = ["import", "composio", "--from-url", source.url, "--api-key", seeded["project"].api_key]
    # The own app's client secret is masked at the source and not given: that config (and its accounts) fail.
    _wait_done(valetkey(*args, "--project", target_project.id, "--report", str(report_path), env=env))
    report = json.loads(report_path.read_text())
    own = next(c for c in report["auth_configs"] if c["source_id"] == seeded["configs"]["own"])
    assert own["outcome"] == "failed" and "client_secret" in own["reason"] and "--secrets" in own["reason"]
    reasons = {i["source_id"]: i["reason"] for i in report["accounts"]["needs_reauthorization"]}
    for source_id in seeded["accounts"]["keyed"][20:] + seeded["accounts"]["bearer"]:
        assert "masked tokens" in reasons[source_id]
    failed = {i["source_id"] for i in report["accounts"]["failed"]}
    assert set(seeded["accounts"]["own"]) <= failed
