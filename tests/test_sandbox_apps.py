"""The app emulator framework: discovery, mounting, admin routes, recording, pagination, rate limits."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from valetkey.sandbox import create_sandbox_app
from valetkey.sandbox.apps import discover_apps
from valetkey.sandbox.emulator_http import RateLimiter, paginate


def test_apps_are_discovered_and_mounted_under_their_slug():
    assert "github" in [app.slug for app in discover_apps()]
    app = create_sandbox_app()
    client = TestClient(app)
    assert client.get("/github/users/octocat").json()["login"] == "octocat"
    assert client.get("/health").json() == {"status": "ok"}
    assert app.state.sandbox.apps["github"].oauth2.get_client("sandbox-client") is not None
    assert create_sandbox_app(with_apps=False).state.sandbox.apps == {}


def test_admin_routes_reset_seed_requests_and_token():
    client = TestClient(create_sandbox_app())
    seeded = client.post(
        "/_sandbox/github/seed",
        json={
            "users": [{"login": "ada"}],
            "repos": [
                {
                    "owner": "ada",
                    "name": "engine",
                    "files": {"notes.md": "hi"},
                    "issues": [{"title": "gears"}],
                    "stargazers": ["octocat"],
                }
            ],
        },
    )
    assert seeded.status_code == 201 and seeded.json() == {"users": ["ada"], "repos": ["ada/engine"]}
    assert (
        client.post("/_sandbox/github/seed", json={"repos": [{"owner": "ada", "name": "engine"}]}).status_code
        == 400
    )
    token = client.post("/_sandbox/github/token", json={"subject": "ada", "scopes": ["repo"]}).json()[
        "access_token"
    ]
    me = client.get("/github/user", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["login"] == "ada" and me.headers["x-oauth-scopes"] == "repo"
    issues = client.get(
        "/github/repos/ada/engine/issues?state=all", headers={"Authorization": f"token {token}"}
    )
    assert [i["title"] for i in issues.json()] == ["gears"]
    recorded = client.get("/_sandbox/github/requests").json()["requests"]
    assert [(r["method"], r["path"]) for r in recorded] == [
        ("GET", "/user"),
        ("GET", "/repos/ada/engine/issues"),
    ]
    assert recorded[1]["query"] == [["state", "all"]]
    client.post("/_sandbox/github/reset")
    assert client.get("/github/repos/ada/engine").status_code == 404
    assert [r["path"] for r in client.get("/_sandbox/github/requests").json()["requests"]] == [
        "/repos/ada/engine"
    ]
    assert (
        client.get("/github/user", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )  # tokens survive


def _paged(query: str) -> dict:
    async def endpoint(request: Request):
        from starlette.responses import JSONResponse

        page = paginate(request, list(range(1, 8)), default_per_page=3)
        return JSONResponse(page.items, headers=page.headers())

    client = TestClient(Starlette(routes=[Route("/items", endpoint)]))
    response = client.get("/items" + query)
    return {"items": response.json(), "links": {rel: link["url"] for rel, link in response.links.items()}}


def test_pagination_links_keep_other_parameters_and_cap_page_size():
    first = _paged("?state=open")
    assert first["items"] == [1, 2, 3]
    assert first["links"] == {
        "next": "http://testserver/items?state=open&page=2&per_page=3",
        "last": "http://testserver/items?state=open&page=3&per_page=3",
    }
    middle = _paged("?page=2&per_page=3")
    assert middle["items"] == [4, 5, 6] and set(middle["links"]) == {"prev", "next", "last", "first"}
    assert _paged("?page=3")["links"].keys() == {"prev", "first"}
    assert _paged("?page=9")["items"] == [] and _paged("?per_page=junk")["items"] == [1, 2, 3]
    assert len(_paged("?per_page=1000")["items"]) == 7


def test_rate_limiter_counts_per_key_and_resets_with_the_window():
    now = [1000.0]
    limiter = RateLimiter(limit=2, window_seconds=60, clock=lambda: now[0], resource="core")
    assert limiter.check("a") == (
        True,
        {
            "X-RateLimit-Limit": "2",
            "X-RateLimit-Remaining": "1",
            "X-RateLimit-Reset": "1060",
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "core",
        },
    )
    assert limiter.check("a")[0] and not limiter.check("a")[0] and limiter.check("b")[0]
    now[0] += 61
    assert limiter.check("a")[1]["X-RateLimit-Remaining"] == "1"
