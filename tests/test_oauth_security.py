"""OAuth security properties: single-use state, PKCE, bound redirects, tenancy, no plaintext secrets."""

from __future__ import annotations

import json
import logging
import os

import httpx
import pytest
from sqlalchemy import select, update

from tests.support.oauth import V3, connect_oauth, oauth_config, query_of
from valetkey.connections.credentials import account_credentials
from valetkey.connections.flow_models import OAuthFlow
from valetkey.connections.models import ConnectedAccount
from valetkey.core.ids import hash_secret
from valetkey.store.db import utcnow
from valetkey.vault import OAUTH_FLOW_SECRET, AssociatedData

APP = "https://app.example.test"
CALLBACK = f"{APP}/done"


def authorize_hop(composio, config_id: str, *, callback_url: str | None = CALLBACK):
    """Initiate and follow only to the provider's answer: (request, the callback URL with code and state)."""
    request = composio.connected_accounts.initiate(
        "user-1", config_id, callback_url=callback_url, allow_multiple=True
    )
    with httpx.Client(timeout=10) as http:
        answer = http.get(request.redirect_url)
    assert answer.status_code in (302, 303), answer.text
    return request, answer.headers["location"]


def test_a_replayed_state_is_refused_without_a_redirect(composio, client):
    request, callback = authorize_hop(composio, oauth_config(client))
    first = httpx.get(callback, timeout=10)
    assert first.status_code == 303 and query_of(first.headers["location"])["status"] == "success"
    replay = httpx.get(callback, timeout=10)
    assert replay.status_code == 400 and "location" not in replay.headers
    assert "already" in replay.text
    assert client.get(f"{V3}/connected_accounts/{request.id}").json()["status"] == "ACTIVE"


def test_a_forged_or_missing_state_is_refused(composio, client, server):
    request, callback = authorize_hop(composio, oauth_config(client))
    code = query_of(callback)["code"]
    for params in ({"code": code, "state": "forged-" + os.urandom(16).hex()}, {"code": code}):
        r = httpx.get(f"{server.url}/api/v3/toolkits/auth/callback", params=params, timeout=10)
        assert r.status_code == 400 and "location" not in r.headers
    assert client.get(f"{V3}/connected_accounts/{request.id}").json()["status"] == "INITIATED"


def test_an_expired_state_is_refused(composio, client, server):
    _request, callback = authorize_hop(composio, oauth_config(client))
    with server.state.db.session() as db:
        db.execute(
            update(OAuthFlow)
            .where(OAuthFlow.state_hash == hash_secret(query_of(callback)["state"]))
            .values(expires_at=utcnow())
        )
    r = httpx.get(callback, timeout=10)
    assert r.status_code == 400 and "expired" in r.text and "location" not in r.headers


def test_a_wrong_pkce_verifier_fails_the_exchange(composio, client, server, sandbox):
    request, callback = authorize_hop(composio, oauth_config(client))
    # The provider saw the S256 challenge of the stored verifier; swap the stored one for another.
    with server.state.db.session() as db:
        flow = db.scalar(
            select(OAuthFlow).where(OAuthFlow.state_hash == hash_secret(query_of(callback)["state"]))
        )
        aad = AssociatedData(OAUTH_FLOW_SECRET, flow.project_id, flow.id)
        assert len(server.state.vault.decrypt_json(flow.secret_encrypted, aad=aad)["code_verifier"]) == 43
        flow.secret_encrypted = server.state.vault.encrypt_json({"code_verifier": "x" * 43}, aad=aad)
    r = httpx.get(callback, timeout=10)
    assert r.status_code == 303 and query_of(r.headers["location"])["status"] == "failed"
    account = client.get(f"{V3}/connected_accounts/{request.id}").json()
    assert account["status"] == "FAILED" and "invalid_grant" in account["status_reason"]


def test_the_redirect_goes_only_to_the_url_bound_at_initiation(composio, client):
    _request, callback = authorize_hop(composio, oauth_config(client))
    tampered = str(
        httpx.URL(callback).copy_merge_params(
            {
                "callback_url": "https://evil.example/steal",
                "redirect_url": "https://evil.example/steal",
                "redirect_uri": "https://evil.example/steal",
                "next": "https://evil.example/steal",
            }
        )
    )
    r = httpx.get(tampered, timeout=10)
    assert r.status_code == 303
    assert r.headers["location"].startswith(CALLBACK + "?")
    for bad in ("javascript:alert(1)", "//evil.example/x", "ftp://evil.example/", "not a url"):
        r = client.post(
            f"{V3}/connected_accounts",
            json={
                "auth_config": {"id": oauth_config(client)},
                "connection": {"user_id": "u", "callback_url": bad},
            },
        )
        assert r.status_code == 400, (bad, r.text)


def test_another_projects_key_cannot_read_or_use_the_account(composio, client, server):
    request, _ = connect_oauth(composio, oauth_config(client))
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"
    keys = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": keys.api_key}, timeout=10) as other:
        assert other.get(f"{V3}/connected_accounts/{request.id}").status_code == 404
        assert other.post(f"{V3}/connected_accounts/{request.id}/refresh").status_code == 404
        assert other.delete(f"{V3}/connected_accounts/{request.id}").status_code == 404
        r = other.post(
            f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": request.id, "arguments": {}}
        )
        assert r.status_code == 404, r.text
        listed = other.get(f"{V3}/connected_accounts").json()
        assert request.id not in json.dumps(listed)
    assert client.get(f"{V3}/connected_accounts/{request.id}").json()["status"] == "ACTIVE"


def test_delete_revokes_the_tokens_at_the_provider(composio, client, server, sandbox):
    request, _ = connect_oauth(composio, oauth_config(client))
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"
    with server.state.db.session() as db:
        values = account_credentials(server.state.vault, db.get(ConnectedAccount, request.id))
    oauth2 = sandbox.providers.oauth2
    assert oauth2.validate_access_token(values["access_token"]) is not None
    revocations = oauth2.stats.revocations
    composio.connected_accounts.delete(request.id)
    assert oauth2.stats.revocations == revocations + 1
    assert oauth2.validate_access_token(values["access_token"]) is None  # the whole grant is gone


def test_deleting_an_auth_config_revokes_its_accounts_tokens(composio, client, server, sandbox):
    config_id = oauth_config(client)
    request, _ = connect_oauth(composio, config_id)
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"
    with server.state.db.session() as db:
        values = account_credentials(server.state.vault, db.get(ConnectedAccount, request.id))
    oauth2 = sandbox.providers.oauth2
    assert oauth2.validate_access_token(values["access_token"]) is not None
    assert client.delete(f"{V3}/auth_configs/{config_id}").status_code == 200
    assert oauth2.validate_access_token(values["access_token"]) is None
    assert client.get(f"{V3}/connected_accounts/{request.id}").status_code == 404


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs():
    """Every record of the server's loggers at DEBUG (valetkey's logger does not propagate to the root)."""
    capture = _Capture()
    loggers = [logging.getLogger(name) for name in ("valetkey", "uvicorn", "uvicorn.access", "uvicorn.error")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(capture)
        lg.setLevel(logging.DEBUG)
    yield capture
    for lg, level in zip(loggers, levels, strict=False):
        lg.removeHandler(capture)
        lg.setLevel(level)


def test_no_secret_reaches_the_database_file_or_the_logs(composio, client, server, sandbox, server_logs):
    client_secret = "oauth-secret-" + os.urandom(8).hex()
    sandbox.providers.oauth2.register_client(
        type(sandbox.providers.oauth2.get_client("sandbox-client"))(
            client_id="leak-test-" + os.urandom(4).hex(),
            client_secret=client_secret,
            allow_loopback_redirects=True,
        )
    )
    client_id = [c for c in sandbox.providers.oauth2._clients if c.startswith("leak-test-")][-1]
    config_id = oauth_config(client, client_id=client_id, client_secret=client_secret)
    request, callback = authorize_hop(composio, config_id)
    state, code = query_of(callback)["state"], query_of(callback)["code"]
    with server.state.db.session() as db:
        flow = db.scalar(select(OAuthFlow).where(OAuthFlow.state_hash == hash_secret(state)))
        verifier = server.state.vault.decrypt_json(
            flow.secret_encrypted, aad=AssociatedData(OAUTH_FLOW_SECRET, flow.project_id, flow.id)
        )["code_verifier"]
    assert httpx.get(callback, timeout=10).status_code == 303
    client.post(f"{V3}/connected_accounts/{request.id}/refresh")  # a rotation: two token sets have existed
    with server.state.db.session() as db:
        values = account_credentials(server.state.vault, db.get(ConnectedAccount, request.id))
    secrets = [client_secret, verifier, state, values["access_token"], values["refresh_token"]]
    assert all(len(s) >= 20 for s in secrets)
    # The server's own logs (the test's HTTP client logs the URLs it follows, state included, by design).
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in server_logs.records)
    assert "oauth callback for" in logged and "refreshed tokens" in logged
    for value in secrets:
        assert value not in logged, "a secret reached the logs"
    if server.backend == "sqlite":
        path = server.settings.database_url.removeprefix("sqlite:///")
        raw = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
    else:
        with server.state.db.session() as db:
            raw = json.dumps(
                [
                    [str(c) for c in row]
                    for row in db.execute(
                        select(
                            ConnectedAccount.state_encrypted,
                            ConnectedAccount.data,
                            OAuthFlow.secret_encrypted,
                            OAuthFlow.state_hash,
                        ).join(OAuthFlow, OAuthFlow.account_id == ConnectedAccount.id)
                    )
                ]
            ).encode()
    for value in secrets:
        assert value.encode() not in raw, "a secret is stored in plain text"
    assert code  # the code itself is single-use and already spent at the provider


@pytest.mark.parametrize("path", ["/api/v3/toolkits/auth/callback", "/api/v3.1/toolkits/auth/callback"])
def test_the_callback_is_served_under_both_prefixes(server, path):
    r = httpx.get(f"{server.url}{path}", params={"state": "nope"}, timeout=10)
    assert r.status_code == 400 and r.headers["referrer-policy"] == "no-referrer"
