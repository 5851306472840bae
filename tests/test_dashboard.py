"""The dashboard's security properties over HTTP against a running server (SQLite).

Cookie flags, the CSP header, CSRF on every POST, the sign-in limit, org
scoping (404 for another org's pages), session expiry and logout, and that an
API key appears in HTML only in the response that created it.
"""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.support.dashboard import PASSWORD, csrf_of, seed_tenant, sign_in, start_dashboard_server

PAGES = [
    "",
    "/auth-configs",
    "/accounts",
    "/toolkits",
    "/toolkits/github",
    "/playground",
    "/logs",
    "/sessions",
    "/mcp",
    "/triggers",
    "/webhooks",
]


@pytest.fixture(scope="module")
def dash(request):
    threaded, running = start_dashboard_server(request)
    yield running
    threaded.stop()


@pytest.fixture
def tenants(dash):
    return seed_tenant(dash, "alpha"), seed_tenant(dash, "beta")


@pytest.fixture
def browser(dash):
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        yield c


def _signed_in(browser, tenant) -> str:
    r = sign_in(browser, tenant.email)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    return csrf_of(browser.get(f"/dashboard/projects/{tenant.project_id}").text)


def test_the_session_cookie_is_httponly_samesite_and_not_secure_on_http(browser, tenants):
    r = sign_in(browser, tenants[0].email)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("vk_dashboard=vkd_")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never be sent back
    assert re.search(r"Max-Age=\d+", cookie)


def test_over_https_the_cookie_is_secure_with_the_host_prefix(request):
    threaded, running = start_dashboard_server(request, public_url="https://dashboard.example.test")
    try:
        tenant = seed_tenant(running, "secure")
        with httpx.Client(base_url=running.url, timeout=30) as c:
            login = c.get("/dashboard/login")
            assert "Secure" in login.headers["set-cookie"]  # the login CSRF cookie too
            # A client keeps a Secure cookie from plain http to itself: send it as a browser on https would.
            login_cookie = login.headers["set-cookie"].split(";")[0]
            c.cookies.clear()
            r = c.post(
                "/dashboard/login",
                data={"csrf_token": csrf_of(login.text), "email": tenant.email, "password": PASSWORD},
                headers={"cookie": login_cookie},
            )
            assert r.status_code == 303
            cookie = r.headers["set-cookie"]
            assert cookie.startswith("__Host-vk_dashboard=") and "Secure" in cookie and "HttpOnly" in cookie
    finally:
        threaded.stop()


def test_every_page_has_a_csp_without_inline_script(browser, tenants):
    _signed_in(browser, tenants[0])
    for path in [
        "/dashboard",
        *(f"/dashboard/projects/{tenants[0].project_id}{p}" for p in PAGES),
        "/dashboard/login",
    ]:
        r = browser.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
        assert "<script>" not in r.text and " style=" not in r.text and "<style" not in r.text, path
        assert re.search(r" on[a-z]+=", r.text) is None, path  # no inline event handlers


def test_a_new_key_is_shown_once_and_never_again(browser, tenants, dash):
    csrf = _signed_in(browser, tenants[0])
    base = f"/dashboard/projects/{tenants[0].project_id}"
    made = browser.post(f"{base}/keys", data={"csrf_token": csrf, "name": "ci"})
    assert made.status_code == 200
    key = re.search(r'id="new-key"[^>]*>(ak_[^<]+)<', made.text).group(1)
    assert httpx.get(f"{dash.url}/api/v3/auth_configs", headers={"x-api-key": key}).status_code == 200
    for path in PAGES:
        assert key not in browser.get(base + path).text
    assert key[:3] + "…" + key[-4:] in browser.get(base).text  # the hint only


def test_revoke_and_regenerate_stop_old_keys(browser, tenants, dash):
    csrf = _signed_in(browser, tenants[0])
    base = f"/dashboard/projects/{tenants[0].project_id}"
    key = re.search(
        r"(ak_[A-Za-z0-9_-]+)<", browser.post(f"{base}/keys", data={"csrf_token": csrf, "name": "x"}).text
    ).group(1)
    again = browser.post(f"{base}/keys/regenerate", data={"csrf_token": csrf})
    fresh = re.search(r'id="new-key"[^>]*>(ak_[^<]+)<', again.text).group(1)
    api = f"{dash.url}/api/v3/auth_configs"
    assert httpx.get(api, headers={"x-api-key": key}).status_code == 401
    assert httpx.get(api, headers={"x-api-key": fresh}).status_code == 200
    key_id = re.search(r"/keys/(key_[A-Za-z0-9]+)/revoke", again.text).group(1)
    assert browser.post(f"{base}/keys/{key_id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert httpx.get(api, headers={"x-api-key": fresh}).status_code == 401


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(browser, tenants):
    csrf = _signed_in(browser, tenants[0])
    base = f"/dashboard/projects/{tenants[0].project_id}"
    for data in ({"name": "x"}, {"name": "x", "csrf_token": "forged"}, {"name": "x", "csrf_token": ""}):
        r = browser.post(f"{base}/keys", data=data)
        assert r.status_code == 403 and "security token" in r.text
    assert browser.post("/dashboard/logout", data={}).status_code == 403
    # A sign-in POST without the double-submit cookie's value is refused too.
    with httpx.Client(base_url=str(browser.base_url)) as other:
        r = other.post("/dashboard/login", data={"email": tenants[0].email, "password": PASSWORD})
        assert r.status_code == 403
    assert browser.post(f"{base}/keys", data={"name": "x", "csrf_token": csrf}).status_code == 200


def test_another_orgs_pages_and_actions_are_404(browser, tenants):
    alpha, beta = tenants
    csrf = _signed_in(browser, alpha)
    other = f"/dashboard/projects/{beta.project_id}"
    for path in PAGES:
        r = browser.get(other + path)
        assert r.status_code == 404, path
        assert beta.project_id in r.text and "not found" in r.text
    assert browser.post(f"{other}/keys", data={"csrf_token": csrf}).status_code == 404
    assert (
        browser.post(
            f"/dashboard/orgs/{beta.org_id}/projects", data={"csrf_token": csrf, "name": "sneaky"}
        ).status_code
        == 404
    )
    home = browser.get("/dashboard").text
    assert alpha.project_id in home and beta.project_id not in home and beta.org_id not in home


def test_without_a_session_pages_redirect_to_sign_in(browser, tenants):
    r = browser.get(f"/dashboard/projects/{tenants[0].project_id}/logs")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"
    browser.cookies.set("vk_dashboard", "vkd_made-up")
    assert browser.get("/dashboard").status_code == 303


def test_wrong_password_then_logout_ends_the_session(browser, tenants, dash):
    r = sign_in(browser, tenants[0].email, "not the password at all")
    assert r.status_code == 401 and "Wrong email or password" in r.text
    assert "vk_dashboard" not in browser.cookies
    csrf = _signed_in(browser, tenants[0])
    token = browser.cookies["vk_dashboard"]
    assert browser.post("/dashboard/logout", data={"csrf_token": csrf}).status_code == 303
    with httpx.Client(base_url=dash.url, cookies={"vk_dashboard": token}) as replay:
        assert replay.get("/dashboard").status_code == 303  # the old cookie is dead server-side


def test_an_expired_session_is_refused(browser, tenants, dash):
    from valetkey.core.ids import hash_secret
    from valetkey.tenancy.operators import DashboardSession

    _signed_in(browser, tenants[0])
    with dash.state.db.session() as db:
        row = db.get(DashboardSession, hash_secret(browser.cookies["vk_dashboard"]))
        assert (
            row is not None and row.token_hash != browser.cookies["vk_dashboard"]
        )  # only the hash is stored
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert browser.get("/dashboard").status_code == 303


def test_sign_in_is_rate_limited_per_address_and_email(request):
    threaded, running = start_dashboard_server(
        request, dashboard_login_limit=3, dashboard_login_window_seconds=600
    )
    try:
        tenant = seed_tenant(running, "limited")
        with httpx.Client(base_url=running.url, timeout=30) as c:
            for _ in range(3):
                assert sign_in(c, tenant.email, "wrong password here").status_code == 401
            refused = sign_in(c, tenant.email)  # the right password, past the limit
            assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
            assert "vk_dashboard" not in c.cookies
    finally:
        threaded.stop()


def test_passwords_are_stored_as_argon2id(dash, tenants):
    from valetkey.tenancy.operators import Operator, authenticate

    with dash.state.db.session() as db:
        row = db.query(Operator).filter_by(email=tenants[0].email).one()
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
        assert authenticate(db, tenants[0].email.upper(), PASSWORD) is not None
        assert authenticate(db, tenants[0].email, PASSWORD + "x") is None
        assert authenticate(db, "nobody@example.com", PASSWORD) is None


def test_the_activity_chart_counts_executions_and_errors():
    from valetkey.web.charts import activity_chart, bucketize

    end = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    at = lambda minutes: end - dt.timedelta(minutes=minutes)  # noqa: E731
    points = [(at(5), True), (at(6), False), (at(65), True), (at(600), True), (at(-1), True)]
    buckets = bucketize(points, end=end, buckets=3, seconds=3600)
    assert [(b.executions, b.errors) for b in buckets] == [(0, 0), (1, 0), (2, 1)]
    svg = str(activity_chart(buckets))
    assert svg.startswith("<svg") and "2 executions" in svg and "1 errors" in svg


def test_auth_config_and_account_actions_through_the_forms(browser, tenants, dash):
    from valetkey.connections.models import AuthConfig, ConnectedAccount

    csrf = _signed_in(browser, tenants[0])
    base = f"/dashboard/projects/{tenants[0].project_id}"
    form = browser.get(f"{base}/auth-configs/new", params={"toolkit": "github", "scheme": "OAUTH2"})
    assert 'name="cred_client_id"' in form.text and 'type="password"' in form.text  # the scheme's own fields
    refused = browser.post(
        f"{base}/auth-configs",
        data={
            "csrf_token": csrf,
            "toolkit": "github",
            "auth_scheme": "OAUTH2",
            "cred_client_id": "cid",
            "cred_client_secret": "s3cret-value-xyz",
            "cred_bogus": "x",
        },
    )
    assert refused.status_code == 400 and "Unknown field(s) for the OAUTH2 scheme: bogus" in refused.text
    made = browser.post(
        f"{base}/auth-configs",
        data={
            "csrf_token": csrf,
            "toolkit": "github",
            "auth_scheme": "OAUTH2",
            "name": "gh oauth",
            "cred_client_id": "cid",
            "cred_client_secret": "s3cret-value-xyz",
        },
    )
    assert made.status_code == 303
    config_id = made.headers["location"].split("created=")[1]
    listing = browser.get(made.headers["location"]).text
    assert "gh oauth" in listing and "created." in listing and "s3cret-value-xyz" not in listing
    missing = browser.post(
        f"{base}/auth-configs",
        data={
            "csrf_token": csrf,
            "toolkit": "github",
            "auth_scheme": "OAUTH2",
            "cred_client_secret": "kept-out",
        },
    )
    assert missing.status_code == 400 and "client_id" in missing.text and "kept-out" not in missing.text

    def status() -> str:
        with dash.state.db.session() as db:
            return db.get(AuthConfig, config_id).status

    for action, expected in (("disable", "DISABLED"), ("enable", "ENABLED")):
        assert (
            browser.post(f"{base}/auth-configs/{config_id}/{action}", data={"csrf_token": csrf}).status_code
            == 303
        )
        assert status() == expected
    linked = browser.post(
        f"{base}/accounts/link", data={"csrf_token": csrf, "auth_config_id": config_id, "user_id": "u-9"}
    )
    link_url = re.search(r'id="new-link"[^>]*href="([^"]+)"', linked.text).group(1)
    assert "/link/lnk_" in link_url or "/link/" in link_url
    assert link_url not in browser.get(f"{base}/accounts").text  # shown once
    account_id = re.search(r"/accounts/(ca_[A-Za-z0-9]+)/disable", linked.text).group(1)
    assert browser.post(f"{base}/accounts/{account_id}/disable", data={"csrf_token": csrf}).status_code == 303
    page = browser.get(f"{base}/accounts", params={"user": "u-9", "status": "INACTIVE"}).text
    assert account_id in page and "Disabled through the API" in page  # the status and its reason
    assert browser.post(f"{base}/accounts/{account_id}/delete", data={"csrf_token": csrf}).status_code == 303
    with dash.state.db.session() as db:
        assert db.get(ConnectedAccount, account_id) is None
    assert (
        browser.post(f"{base}/auth-configs/{config_id}/delete", data={"csrf_token": csrf}).status_code == 303
    )
    with dash.state.db.session() as db:
        assert db.get(AuthConfig, config_id) is None
    # Another project's config id is not found from this project.
    assert (
        browser.post(f"{base}/auth-configs/{config_id}/enable", data={"csrf_token": csrf}).status_code == 404
    )
