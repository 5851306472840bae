"""The sandbox's admin routes (/_sandbox/...) and the `valetkey sandbox serve` command."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.servers import ThreadedServer, _free_port
from valetkey.sandbox import create_sandbox_app


@pytest.fixture(scope="module")
def server():
    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox
    threaded.stop()


@pytest.fixture
def http(server):
    url, _sandbox = server
    with httpx.Client(base_url=url, timeout=10, follow_redirects=False) as client:
        client.post("/_sandbox/oauth2/reset")
        client.post("/_sandbox/oauth1/reset")
        client.patch("/_sandbox/oauth2/config", json={"access_token_lifetime": 3600})
        yield client


def code_flow(http, client_id, secret, redirect_uri) -> httpx.Response:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": "s"}
    location = http.get("/oauth2/authorize", params=params).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    return http.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=(client_id, secret),
    )


def test_register_client_then_flow(http):
    created = http.post(
        "/_sandbox/oauth2/clients",
        json={"redirect_uris": ["https://app.example/cb"], "default_scopes": ["repo"]},
    )
    assert created.status_code == 201
    client = created.json()
    assert client["client_id"] and client["client_secret"] and client["allow_loopback_redirects"] is False
    assert http.get(f"/_sandbox/oauth2/clients/{client['client_id']}").json() == client
    assert http.get("/_sandbox/oauth2/clients/nobody").status_code == 404
    response = code_flow(http, client["client_id"], client["client_secret"], "https://app.example/cb")
    assert response.status_code == 200 and response.json()["scope"] == "repo"
    refused = http.get(
        "/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": "http://127.0.0.1:1/cb",
        },
    )
    assert refused.status_code == 400


def test_faults_over_http(http):
    tokens = code_flow(http, "sandbox-client", "sandbox-secret", "http://localhost:5000/cb").json()
    armed = http.post(
        "/_sandbox/oauth2/faults", json={"kind": "invalid_grant", "count": 2, "grant_type": "refresh_token"}
    )
    assert armed.status_code == 201 and armed.json()["endpoint"] == "token"
    assert http.get("/_sandbox/oauth2/faults").json()["faults"][0]["remaining"] == 2
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    auth = ("sandbox-client", "sandbox-secret")
    assert http.post("/oauth2/token", data=data, auth=auth).json()["error"] == "invalid_grant"
    assert http.delete("/_sandbox/oauth2/faults").status_code == 204
    assert http.get("/_sandbox/oauth2/faults").json() == {"faults": []}
    assert http.post("/oauth2/token", data=data, auth=auth).status_code == 200

    http.post("/_sandbox/oauth2/faults", json={"kind": "deny"})
    location = http.get(
        "/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": "sandbox-client",
            "redirect_uri": "http://localhost:5000/cb",
        },
    ).headers["location"]
    assert "error=access_denied" in location

    http.post("/_sandbox/oauth2/faults", json={"kind": "server_error", "status": 500})
    http.post("/_sandbox/oauth2/faults", json={"kind": "slow", "delay_ms": 300})
    started = time.monotonic()
    assert http.post("/oauth2/token", data={"grant_type": "x"}).status_code == 500
    assert time.monotonic() - started >= 0.3
    stats = http.get("/_sandbox/oauth2/stats").json()
    assert stats["faults_triggered"] == 4 and stats["denials"] == 1 and stats["refreshes"] == 1
    assert http.delete("/_sandbox/oauth2/stats").status_code == 204
    assert http.get("/_sandbox/oauth2/stats").json()["refreshes"] == 0


def test_config_and_minted_tokens(http, server):
    _, _sandbox = server
    assert (
        http.patch("/_sandbox/oauth2/config", json={"access_token_lifetime": 0.2}).json()[
            "access_token_lifetime"
        ]
        == 0.2
    )
    minted = http.post(
        "/_sandbox/oauth2/tokens",
        json={"client_id": "sandbox-client", "subject": "zoe", "scopes": ["a", "b"]},
    )
    assert minted.status_code == 201 and minted.json()["expires_in"] == 0.2
    headers = {"Authorization": f"Bearer {minted.json()['access_token']}"}
    assert http.get("/oauth2/userinfo", headers=headers).json()["sub"] == "zoe"
    time.sleep(0.3)
    assert http.get("/oauth2/userinfo", headers=headers).status_code == 401
    assert (
        http.patch("/_sandbox/oauth2/config", json={"access_token_lifetime": None}).json()[
            "access_token_lifetime"
        ]
        is None
    )
    assert (
        "expires_in" not in http.post("/_sandbox/oauth2/tokens", json={"client_id": "sandbox-client"}).json()
    )


@pytest.mark.parametrize(
    "path, body",
    [
        ("/_sandbox/oauth2/faults", {"kind": "explode"}),
        ("/_sandbox/oauth2/faults", {"kind": "slow"}),
        ("/_sandbox/oauth2/faults", {"kind": "server_error", "status": 200}),
        ("/_sandbox/oauth2/faults", {"kind": "invalid_grant", "count": 0}),
        ("/_sandbox/oauth2/faults", {"kind": "invalid_grant", "count": "2"}),
        ("/_sandbox/oauth2/faults", {"kind": "invalid_grant", "endpoint": "nowhere"}),
        ("/_sandbox/oauth2/faults", [1, 2]),
        ("/_sandbox/oauth2/clients", {"redirect_uris": "https://x"}),
        ("/_sandbox/oauth2/clients", {}),
        ("/_sandbox/oauth2/tokens", {"client_id": "nobody"}),
        ("/_sandbox/oauth1/consumers", {"secret": 5}),
        ("/_sandbox/oauth1/faults", {"kind": "invalid_grant", "endpoint": "token"}),
    ],
)
def test_admin_bad_input_is_400(http, path, body):
    response = http.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_admin_config_bad_input_is_400(http):
    assert http.patch("/_sandbox/oauth2/config", json={"token_type": "mac"}).status_code == 400
    assert http.patch("/_sandbox/oauth2/config", json={"access_token_lifetime": -1}).status_code == 400
    assert http.patch("/_sandbox/oauth2/config", json={"rotate_refresh_tokens": 1}).status_code == 400
    assert http.patch("/_sandbox/oauth2/config", content=b"{not json").status_code == 400


def test_oauth1_admin(http):
    created = http.post(
        "/_sandbox/oauth1/consumers", json={"key": "ck", "secret": "cs", "callback_uris": ["https://a/cb"]}
    )
    assert created.status_code == 201 and created.json()["key"] == "ck"
    assert (
        http.post("/_sandbox/oauth1/faults", json={"kind": "slow", "delay_ms": 10}).json()["endpoint"]
        == "access_token"
    )
    assert http.get("/_sandbox/oauth1/faults").json()["faults"][0]["kind"] == "slow"
    assert http.get("/_sandbox/oauth1/stats").json()["request_tokens"] == 0


def test_cli_serves_the_sandbox():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "valetkey.cli.sandbox", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
        assert health.json() == {"status": "ok"}
        response = httpx.get(
            f"http://127.0.0.1:{port}/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": "sandbox-client",
                "redirect_uri": "http://127.0.0.1:3000/cb",
            },
        )
        assert response.status_code == 302 and "code=" in response.headers["location"]
    finally:
        process.terminate()
        process.wait(timeout=10)
