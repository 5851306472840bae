"""`valetkey export` then `valetkey import file` into another installation (other database, other vault keys)."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.migration import cli_env, count, seed_accounts, valetkey
from tests.support.oauth import SANDBOX_CLIENT
from tests.support.toolkits import SANDBOX_CLIENT_SECRET, _default_subject
from valetkey.connections.models import ConnectedAccount
from valetkey.sandbox.emulator import SANDBOX_CLIENT_ID
from valetkey.webhooks import subscriptions

V3 = "/api/v3"
PASSPHRASE = "a long and honest passphrase"


@pytest.fixture
def gmail(emulators):
    """The sandbox's Gmail emulator: its OAuth endpoints and base URL, and tokens it issued for its mailbox."""
    emulator = emulators.emulator("gmail")
    scopes = ("https://www.googleapis.com/auth/gmail.readonly",)

    class Gmail:
        url = emulators.url
        tokens = emulator.oauth2.issue_tokens(SANDBOX_CLIENT_ID, _default_subject(emulator), scopes)

        @staticmethod
        def credentials(catalog) -> dict:
            return {
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                **emulators.endpoints(catalog.toolkit("gmail")),
            }

    return Gmail()


@pytest.fixture
def two_installs(request, toolkits_dir, sandbox, backend, gmail):
    started = [
        start_server(
            database_url_for(backend, request),
            catalog_dirs=[toolkits_dir],
            webhook_allow_private=True,
            egress_allow=egress_allowed(*EGRESS_TARGETS, gmail.url),
        )
        for _ in range(2)
    ]
    yield started[0][1], started[1][1]
    for threaded, _ in started:
        threaded.stop()


def _done(process) -> tuple[str, str]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out, err


def test_export_and_import_between_installs(two_installs, sandbox, gmail, tmp_path):
    first, second = two_installs
    project = first.new_project()
    with httpx.Client(base_url=first.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        r = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "oauthdemo"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "OAUTH2",
                    "credentials": dict(SANDBOX_CLIENT),
                },
            },
        )
        own = r.json()["auth_config"]["id"]
        r = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "keyed"},
                "auth_config": {"type": "use_custom_auth", "auth_scheme": "API_KEY"},
            },
        )
        keyed = r.json()["auth_config"]["id"]
        r = client.post(
            f"{V3}/webhook_subscriptions",
            json={"webhook_url": "http://127.0.0.1:9/h", "enabled_events": ["composio.trigger.message"]},
        )
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
        r = client.post(f"{V3}/mcp/servers", json={"name": "mine", "auth_config_ids": [own]})
        assert r.status_code == 201, r.text
        gmail_credentials = gmail.credentials(first.state.catalog)
        r = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "gmail"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "OAUTH2",
                    "credentials": gmail_credentials,
                },
            },
        )
        assert r.status_code == 201, r.text
        gmail_config = r.json()["auth_config"]["id"]
    issued = [
        sandbox.providers.oauth2.issue_tokens(SANDBOX_CLIENT["client_id"], f"u-{i}", ("read",))
        for i in range(3)
    ]
    oauth_ids = seed_accounts(
        first,
        project.id,
        own,
        [
            {
                "user_id": f"u-{i}",
                "secrets": {k: t[k] for k in ("access_token", "refresh_token", "token_type")},
            }
            for i, t in enumerate(issued)
        ],
    )
    seed_accounts(first, project.id, keyed, [{"user_id": "k", "secrets": {"api_key": "k-1234567890abcdef"}}])
    [mail_account] = seed_accounts(
        first,
        project.id,
        gmail_config,
        [{"user_id": "mailer", "secrets": {k: gmail.tokens[k] for k in ("access_token", "refresh_token")}}],
    )
    with httpx.Client(base_url=first.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        r = client.post(
            f"{V3}/trigger_instances/GMAIL_NEW_GMAIL_MESSAGE/upsert",
            json={"connected_account_id": mail_account, "trigger_config": {}},
        )
        assert r.status_code == 200, r.text
        trigger_id = r.json()["trigger_id"]

    out_file = tmp_path / "project.vkx"
    env = cli_env(first, VALETKEY_EXPORT_PASSPHRASE=PASSPHRASE)
    _done(valetkey("export", "--project", project.id, "--out", str(out_file), env=env))
    blob = out_file.read_bytes()
    assert oct(out_file.stat().st_mode & 0o777) == "0o600"
    for token in (issued[0]["access_token"], issued[0]["refresh_token"], "sandbox-secret", secret):
        assert token.encode() not in blob

    target = second.new_project()
    env2 = cli_env(
        second, VALETKEY_EXPORT_PASSPHRASE="not the passphrase", VALETKEY_WEBHOOK_ALLOW_PRIVATE="1"
    )
    refused = valetkey("import", "file", str(out_file), "--project", target.id, env=env2)
    refused.communicate(timeout=300)
    assert refused.returncode == 2
    assert count(second, ConnectedAccount, ConnectedAccount.project_id == target.id) == 0

    env2["VALETKEY_EXPORT_PASSPHRASE"] = PASSPHRASE
    report = tmp_path / "report.json"
    _done(
        valetkey("import", "file", str(out_file), "--project", target.id, "--report", str(report), env=env2)
    )
    result = json.loads(report.read_text())
    assert result["summary"]["connected_accounts"] == {"migrated": 5}, result
    assert result["summary"]["auth_configs"] == {"migrated": 3}
    assert result["summary"]["trigger_instances"] == {"migrated": 1}
    assert result["summary"]["webhook_subscriptions"] == {"migrated": 1}
    assert result["summary"]["mcp_servers"] == {"migrated": 1}
    assert result["warnings"] == []  # the client secret and the webhook secret came along
    with second.state.db.session() as db:
        sub = subscriptions.of_project(db, target.id)
        assert subscriptions.serialize(second.state.vault, sub, reveal=True)["secret"] == secret

    with httpx.Client(base_url=second.url, headers={"x-api-key": target.api_key}, timeout=30) as client:
        for i, old_id in enumerate(oauth_ids):
            r = client.post(
                "/api/v3.1/tools/execute/OAUTHDEMO_WHOAMI",
                json={"connected_account_id": old_id, "arguments": {}},
            )
            assert r.status_code == 200 and r.json()["successful"], r.text
            assert r.json()["data"]["sub"] == f"u-{i}"
        r = client.get(f"{V3}/auth_configs/{own}")
        assert r.status_code == 200 and r.json()["id"] != own
        # The trigger's and its account's source ids both work as query filters.
        r = client.get(
            f"{V3}/trigger_instances/active",
            params={"trigger_ids": trigger_id, "connected_account_ids": mail_account},
        )
        assert r.status_code == 200, r.text
        [instance] = r.json()["items"]
        assert instance["id"] != trigger_id and instance["trigger_name"] == "GMAIL_NEW_GMAIL_MESSAGE"
        assert instance["user_id"] == "mailer"
    # An alias belongs to its project: another project on the same install does not see it.
    other = second.new_project()
    with httpx.Client(base_url=second.url, headers={"x-api-key": other.api_key}, timeout=30) as client:
        assert client.get(f"{V3}/connected_accounts/{oauth_ids[0]}").status_code == 404
        assert client.get(f"{V3}/auth_configs/{own}").status_code == 404


def test_secrets_file_in_yaml_or_json_and_bad_ones(tmp_path):
    from valetkey.cli.errors import CliError
    from valetkey.cli.transfer import load_secrets

    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"ac_1": {"client_secret": "x"}}))
    (tmp_path / "s.json").write_text(json.dumps({"ac_2": {"client_secret": "y", "api_key": "z"}}))
    assert load_secrets(tmp_path / "s.yaml") == {"ac_1": {"client_secret": "x"}}
    assert load_secrets(tmp_path / "s.json")["ac_2"]["api_key"] == "z"
    (tmp_path / "bad.yaml").write_text("ac_1: just-a-string\n")
    with pytest.raises(CliError, match="must map auth config ids"):
        load_secrets(tmp_path / "bad.yaml")
