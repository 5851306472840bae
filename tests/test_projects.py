"""Projects, keys and project config over HTTP, with org and project keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from tests.support.errors import assert_error


def test_health(anon):
    assert anon.get("/health").json()["status"] == "ok"


def test_missing_and_wrong_keys(anon):
    assert_error(anon.get("/api/v3.1/org/project/config"), 401, contains="no authentication")
    assert_error(
        anon.get("/api/v3.1/org/project/config", headers={"x-api-key": "ak_nope"}),
        401,
        contains="invalid api key",
    )
    assert_error(anon.get("/api/v3.1/org/owner/project/list", headers={"x-org-api-key": "oak_nope"}), 401)


def test_request_id_is_echoed_and_generated(anon):
    r = anon.get("/api/v3/org/project/config", headers={"x-request-id": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    assert r.json()["error"]["request_id"] == "trace-123"
    generated = anon.get("/api/v3/org/project/config").headers["x-request-id"]
    assert generated.startswith("req_")


def test_project_lifecycle_with_org_key(server, org_client):
    created = org_client.post(
        "/api/v3/org/owner/project/new", json={"name": "staging-1", "should_create_api_key": True}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("proj_") and body["api_key"].startswith("ak_")

    with httpx.Client(base_url=server.url, headers={"x-api-key": body["api_key"]}) as c:
        assert c.get("/api/v3.1/org/project/config").status_code == 200

    listed = org_client.get("/api/v3.1/org/owner/project/list").json()
    assert body["id"] in [p["id"] for p in listed["data"]]

    detail = org_client.get(f"/api/v3/org/owner/project/{body['id']}").json()
    assert detail["name"] == "staging-1"
    # The stored key is only a hint; the secret itself is never shown again.
    assert body["api_key"] not in json.dumps(detail)

    regen = org_client.post(f"/api/v3/org/owner/project/{body['id']}/regenerate_api_key").json()
    new_key = regen["api_key"]["key"]
    with httpx.Client(base_url=server.url) as c:
        assert_error(c.get("/api/v3/org/project/config", headers={"x-api-key": body["api_key"]}), 401)
        assert c.get("/api/v3/org/project/config", headers={"x-api-key": new_key}).status_code == 200

    assert org_client.delete(f"/api/v3/org/owner/project/{body['id']}").json() == {"status": "success"}
    assert_error(org_client.get(f"/api/v3/org/owner/project/{body['id']}"), 404)
    with httpx.Client(base_url=server.url) as c:
        assert_error(c.get("/api/v3/org/project/config", headers={"x-api-key": new_key}), 401)


def test_project_name_validation_names_the_field(org_client):
    error = assert_error(org_client.post("/api/v3/org/owner/project/new", json={"name": "a b"}), 400)
    assert "name" in error["message"]
    assert_error(org_client.post("/api/v3/org/owner/project/new", json={}), 400, contains="name")


def test_duplicate_project_name_conflicts(org_client):
    assert org_client.post("/api/v3/org/owner/project/new", json={"name": "dup-name"}).status_code == 201
    assert_error(org_client.post("/api/v3/org/owner/project/new", json={"name": "dup-name"}), 409)


def test_project_config_roundtrip(client):
    config = client.get("/api/v3.1/org/project/config").json()
    assert config["mask_secret_keys_in_connected_account"] is True
    assert config["log_visibility_setting"] == "show_all"
    updated = client.patch(
        "/api/v3.1/org/project/config",
        json={"mask_secret_keys_in_connected_account": False, "display_name": "Acme"},
    ).json()
    assert updated["mask_secret_keys_in_connected_account"] is False and updated["display_name"] == "Acme"
    assert client.get("/api/v3/org/project/config").json()["display_name"] == "Acme"
    assert_error(
        client.patch("/api/v3/org/project/config", json={"log_visibility_setting": "loud"}),
        400,
        contains="log_visibility_setting",
    )
    assert_error(client.patch("/api/v3/org/project/config", json={"nope": 1}), 400, contains="nope")


def test_org_key_cannot_see_another_orgs_projects(server):
    a, b = server.new_project(), server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-org-api-key": a.org_api_key}) as c:
        assert_error(c.get(f"/api/v3/org/owner/project/{b.id}"), 404)
        assert_error(c.delete(f"/api/v3/org/owner/project/{b.id}"), 404)
        assert_error(c.post(f"/api/v3/org/owner/project/{b.id}/regenerate_api_key"), 404)
        assert b.id not in [p["id"] for p in c.get("/api/v3/org/owner/project/list").json()["data"]]


def test_project_key_is_not_an_org_key(server, project):
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}) as c:
        assert_error(c.get("/api/v3/org/owner/project/list"), 401)


def test_cli_creates_project_without_server(tmp_path):
    env = {**os.environ, "VALETKEY_HOME": str(tmp_path)}
    env.pop("VALETKEY_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "valetkey", "projects", "create", "cli-made", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["id"].startswith("proj_") and data["api_key"].startswith("ak_")
    assert (tmp_path / "valetkey.db").exists()
    # The key is stored hashed: its plain value is nowhere in the database file.
    assert data["api_key"].encode() not in (tmp_path / "valetkey.db").read_bytes()
