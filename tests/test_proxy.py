"""POST /tools/execute/proxy: credentials injected, only on the toolkit's own host."""

from __future__ import annotations

import base64
import uuid

import pytest

from tests.support.errors import assert_error
from tests.support.execution import make_account, seen

PROXY = "/api/v3.1/tools/execute/proxy"


@pytest.fixture
def account(server, project):
    return make_account(server, project.id, user_id="proxy-user", secrets={"api_key": "proxy-key"})


def test_relative_endpoint_with_parameters_and_body(client, upstream, account):
    tag = uuid.uuid4().hex
    r = client.post(
        PROXY,
        json={
            "endpoint": f"/echo/proxy/{tag}?fixed=1",
            "method": "POST",
            "body": {"hello": "world"},
            "connected_account_id": account,
            "parameters": [
                {"name": "X-Extra", "value": "e", "type": "header"},
                {"name": "page", "value": "2", "type": "query"},
                {"name": "X-Api-Key", "value": "caller-tries-to-override", "type": "header"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == 200 and body["headers"]["content-type"] == "application/json"
    [request] = seen(upstream, tag)
    assert request.method == "POST" and request.path == f"/echo/proxy/{tag}"
    assert request.query == {"fixed": ["1"], "page": ["2"]}
    assert request.headers["x-extra"] == "e"
    assert request.headers["x-api-key"] == "proxy-key"  # credentials always win
    assert request.body == {"hello": "world"}
    assert body["data"]["body"] == {"hello": "world"}


def test_absolute_url_on_the_toolkit_host(client, upstream, account):
    tag = uuid.uuid4().hex
    r = client.post(
        PROXY,
        json={"endpoint": f"{upstream.url}/echo/abs/{tag}", "method": "GET", "connected_account_id": account},
    )
    assert r.json()["status"] == 200
    assert seen(upstream, tag)[0].headers["x-api-key"] == "proxy-key"


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://example.com/steal",
        "//example.com/steal",
        "http://localhost:{port}/echo/x",
        "https://127.0.0.1:{port}/echo/x",
    ],
)
def test_foreign_hosts_are_refused(client, upstream, account, endpoint):
    port = upstream.url.rsplit(":", 1)[1]
    before = len(upstream.requests)
    r = client.post(
        PROXY, json={"endpoint": endpoint.format(port=port), "method": "GET", "connected_account_id": account}
    )
    error = assert_error(r, 400, contains="not this toolkit's API host")
    assert error["slug"] == "ProxyHostNotAllowed"
    assert len(upstream.requests) == before


def test_upstream_errors_and_binary_bodies(client, upstream, account):
    r = client.post(PROXY, json={"endpoint": "/status/404", "method": "GET", "connected_account_id": account})
    assert r.status_code == 200 and r.json()["status"] == 404
    assert r.json()["data"]["message"] == "upstream says 404"
    tag = uuid.uuid4().hex
    payload = base64.b64encode(b"raw-bytes").decode()
    r = client.post(
        PROXY,
        json={
            "endpoint": f"/echo/bin/{tag}",
            "method": "PUT",
            "connected_account_id": account,
            "binary_body": {"base64": payload, "content_type": "application/x-thing"},
        },
    )
    assert r.json()["status"] == 200
    [request] = seen(upstream, tag)
    assert request.body == "raw-bytes" and request.headers["content-type"] == "application/x-thing"
    assert_error(
        client.post(
            PROXY,
            json={
                "endpoint": "/x",
                "method": "PUT",
                "connected_account_id": account,
                "binary_body": {"url": "http://example.com/file"},
            },
        ),
        400,
    )


def test_needs_an_account_of_this_project(server, client):
    assert_error(
        client.post(PROXY, json={"endpoint": "/echo/x", "method": "GET"}),
        400,
        contains="connected_account_id",
    )
    other = server.new_project()
    foreign = make_account(server, other.id, secrets={"api_key": "theirs"})
    assert_error(
        client.post(PROXY, json={"endpoint": "/echo/x", "method": "GET", "connected_account_id": foreign}),
        404,
    )


def test_sdk_proxy(composio, upstream, account):
    tag = uuid.uuid4().hex
    response = composio.tools.proxy(
        endpoint=f"/echo/sdk/{tag}",
        method="GET",
        connected_account_id=account,
        parameters=[{"name": "Accept", "value": "application/json", "type": "header"}],
    )
    assert response.status == 200
    assert response.data["path"] == f"/echo/sdk/{tag}"
    assert seen(upstream, tag)[0].headers["x-api-key"] == "proxy-key"
