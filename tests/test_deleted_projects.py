"""A deleted project stops working everywhere, also where no API key is sent (issue 8, finding 6).

Connect Link pages and posts, signed file URLs, per-user MCP URLs and OAuth
callbacks carry their own capability (a token in the URL, an OAuth state);
each checks that its project still exists and answers 404 once it is gone.
"""

from __future__ import annotations

import hashlib

import httpx

from tests.support.connect_link import bearer_config
from tests.support.errors import assert_error
from tests.support.oauth import V3, oauth_config

APP = "https://app.example.test"


def delete_project(server, project) -> None:
    with httpx.Client(base_url=server.url, headers={"x-org-api-key": project.org_api_key}) as org:
        r = org.delete(f"{V3}/org/owner/project/{project.id}")
        assert r.status_code == 200, r.text


def test_connect_link_of_a_deleted_project_is_not_found(composio, client, server, project, sandbox):
    config_id = bearer_config(client)
    form_link = composio.connected_accounts.link("user-d", config_id, callback_url=f"{APP}/done")
    oauth_link = composio.connected_accounts.link("user-o", oauth_config(client), callback_url=f"{APP}/d")
    good = sandbox.providers.oauth2.issue_tokens("sandbox-client", "form-user", ("read",))["access_token"]
    with httpx.Client(timeout=10) as browser:
        assert browser.get(form_link.redirect_url).status_code == 200
        delete_project(server, project)
        for response in (
            browser.get(form_link.redirect_url),
            browser.post(form_link.redirect_url, data={"token": good}),
            browser.get(oauth_link.redirect_url),
            browser.post(oauth_link.redirect_url + "/continue"),
        ):
            assert response.status_code == 404, response.text
            assert "Link not found" in response.text
    with server.state.db.session() as db:
        from valetkey.connections.models import ConnectedAccount

        statuses = {a.status for a in db.query(ConnectedAccount).filter_by(project_id=project.id)}
    assert statuses == {"INITIATED"}  # nothing was activated


def test_signed_file_urls_of_a_deleted_project_are_not_found(client, server, project):
    data = b"hello from a deleted project"
    r = client.post(
        f"{V3}/files/upload/request",
        json={
            "toolkit_slug": "github",
            "tool_slug": "GITHUB_UPLOAD",
            "filename": "a.txt",
            "mimetype": "text/plain",
            "md5": hashlib.md5(data).hexdigest(),
        },
    )
    assert r.status_code == 200, r.text
    upload_url = r.json()["newPresignedUrl"]
    key = r.json()["key"]
    delete_project(server, project)
    with httpx.Client(timeout=10) as anyone:
        assert_error(anyone.put(upload_url, content=data), 404)
    # A download URL for a file the project published earlier is refused too.
    files = server.state.files
    files.storage.save(key, name="a.txt", mimetype="text/plain", data=data)
    with httpx.Client(timeout=10) as anyone:
        assert_error(anyone.get(files.url("get", key, 60)), 404)


def test_per_user_mcp_url_of_a_deleted_project_is_not_found(client, server, project):
    from tests.support.mcp import create_server, user_url

    created = create_server(client, "deleted-proj-mcp", toolkits=["hackernews"])
    url = user_url(client, created["id"], "user-m")
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    headers = {"accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=10) as anyone:
        assert anyone.post(url, json=init, headers=headers).status_code == 200
        delete_project(server, project)
        assert_error(anyone.post(url, json=init, headers=headers), 404)


def test_oauth_callback_of_a_deleted_project_is_not_found(composio, client, server, project, sandbox):
    config_id = oauth_config(client)
    request = composio.connected_accounts.initiate("user-cb", config_id, callback_url=f"{APP}/cb")
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        hop = browser.get(request.redirect_url)
        while hop.is_redirect and not hop.headers["location"].startswith(server.url):
            hop = browser.get(str(httpx.URL(str(hop.url)).join(hop.headers["location"])))
        callback = hop.headers["location"]
        assert callback.startswith(server.url) and "/toolkits/auth/callback?" in callback, callback
        delete_project(server, project)
        answer = browser.get(callback)
    assert answer.status_code == 404, answer.text
    with server.state.db.session() as db:
        from valetkey.connections.models import ConnectedAccount

        account = db.get(ConnectedAccount, request.id)
    assert account.status != "ACTIVE"
