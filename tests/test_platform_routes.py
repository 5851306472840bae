"""`GET /files/list`, the cloud-only routes, and the router's own 404 and 405: the error object throughout."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from composio import Composio
from composio_client import NotFoundError

from tests.support.errors import assert_error

V3 = "/api/v3"


def upload(client, tool: str, name: str, data: bytes) -> None:
    md5 = hashlib.md5(data).hexdigest()
    r = client.post(
        f"{V3}/files/upload/request",
        json={"toolkit_slug": tool.split("_")[0].lower(), "tool_slug": tool, "filename": name,
              "mimetype": "text/plain", "md5": md5},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert httpx.put(r.json()["new_presigned_url"], content=data, timeout=10).status_code in (200, 201, 204)


def test_files_list_shows_this_projects_stored_files(composio, client, server):
    raw = composio.client  # the SDK's composio_client (no model method lists files)
    assert raw.files.list().items == []
    upload(client, "LOOPBACK_UPLOAD", "a.txt", b"first")
    upload(client, "LOOPBACK_UPLOAD", "b.txt", b"second")
    upload(client, "KEYED_WHOAMI", "c.txt", b"third")
    reserved = client.post(  # requested, never uploaded: not a file yet
        f"{V3}/files/upload/request",
        json={"toolkit_slug": "loopback", "tool_slug": "LOOPBACK_UPLOAD", "filename": "d.txt",
              "mimetype": "text/plain", "md5": hashlib.md5(b"x").hexdigest()},
    )  # fmt: skip
    assert reserved.status_code == 200

    listed = raw.files.list()
    assert listed.total_items == 3 and sorted(f.filename for f in listed.items) == ["a.txt", "b.txt", "c.txt"]
    first = next(f for f in listed.items if f.filename == "a.txt")
    assert (first.toolkit_slug, first.tool_slug) == ("loopback", "LOOPBACK_UPLOAD")
    assert first.md5 == hashlib.md5(b"first").hexdigest() and first.mimetype == "text/plain"
    only = raw.files.list(tool_slug="KEYED_WHOAMI")
    assert [f.filename for f in only.items] == ["c.txt"]
    assert raw.files.list(toolkit_slug="loopback").total_items == 2

    page = raw.files.list(limit=2)
    assert len(page.items) == 2 and page.next_cursor
    rest = raw.files.list(limit=2, cursor=page.next_cursor)
    assert len(rest.items) == 1 and rest.next_cursor is None
    assert {f.filename for f in page.items + rest.items} == {"a.txt", "b.txt", "c.txt"}

    other = server.new_project()
    assert Composio(api_key=other.api_key, base_url=server.url).client.files.list().items == []


def test_keyring_transfer_keys_say_there_is_no_keyring(composio, client):
    with pytest.raises(NotFoundError, match="no customer-managed keyring"):
        composio.keyring.list_transfer_keys()
    error = assert_error(client.get(f"{V3}/keyring/transfer_keys"), 404)
    assert error["slug"] == "KeyringNotFound" and "HTTPS" in error["suggested_fix"]


@pytest.mark.parametrize(
    ("method", "path", "status", "slug", "fix"),
    [
        ("GET", "/migration/get-nanoid?uuid=123e4567-e89b-12d3-a456-426614174000&type=AUTH_CONFIG", 404,
         "LegacyIdNotFound", "auth_configs"),
        ("POST", "/labs/tool_router/session", 410, "LegacyEndpoint", "/tool_router/session"),
    ],
)  # fmt: skip
def test_cloud_only_routes_answer_the_error_object_with_a_fix(client, method, path, status, slug, fix):
    error = assert_error(client.request(method, f"{V3}{path}", json={"user_id": "u"}), status)
    assert error["slug"] == slug and fix in error["suggested_fix"]


def test_cloud_only_routes_check_their_input_and_the_key(client, server):
    assert_error(client.get(f"{V3}/migration/get-nanoid", params={"uuid": "x", "type": "PROJECT"}), 400)
    assert_error(httpx.get(f"{server.url}{V3}/keyring/transfer_keys", timeout=10), 401)


def test_the_routers_own_404_and_405_are_error_objects_with_a_fix(client):
    missing = assert_error(
        client.get(f"{V3}/no/such/route"), 404, contains="No route for GET /api/v3/no/such/route"
    )
    assert missing["slug"] == "NotFound" and "API reference" in missing["suggested_fix"]
    wrong = client.put(f"{V3}/connected_accounts")
    error = assert_error(wrong, 405)
    assert error["slug"] == "MethodNotAllowed" and "GET, POST" in error["suggested_fix"]
    assert wrong.headers["allow"] == "GET, POST"
