"""The operator dashboard in a real browser: headless Chromium (the system one) driven by Playwright.

One seeded project on a server whose toolkits reach the sandbox emulators
(`VALETKEY_SANDBOX_URL`). The flow is clicked through as an operator would:
sign in, create an auth config for the sandbox GitHub, connect an account
through a Connect Link, run GITHUB_CREATE_ISSUE in the playground, find its
log. Every page is rendered and screenshotted (desktop, plus phone widths) into
``test-artifacts/dashboard/`` (git-ignored; ``VALETKEY_DASHBOARD_SCREENSHOTS``
moves it). An operator of another organization gets 404 for these pages.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.support.dashboard import PASSWORD, seed_tenant, start_dashboard_server
from tests.test_connect_link_browser import ARGS, CHROMIUM

SHOTS = Path(
    os.environ.get(
        "VALETKEY_DASHBOARD_SCREENSHOTS", Path(__file__).parent.parent / "test-artifacts" / "dashboard"
    )
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium():
    import shutil

    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dash(request, emulators):
    threaded, running = start_dashboard_server(request, sandbox_url=emulators.url)
    yield running
    threaded.stop()


def _context(chromium, viewport=None):
    context = chromium.new_context(viewport=viewport or {"width": 1280, "height": 900})
    errors: list[str] = []
    page = context.new_page()

    # A CSP violation or a script error shows up on the console: none may happen.
    # Not page errors: offline, the Connect Link page's toolkit logo from the internet cannot load, and
    # Chromium asks the link page (which declares no icon) for /favicon.ico.
    def on_console(message) -> None:
        where = message.location.get("url", "")
        if (
            message.type == "error"
            and "ERR_NAME_NOT_RESOLVED" not in message.text
            and not where.endswith("/favicon.ico")
        ):
            errors.append(f"{message.text} at {where}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
    return context, page, errors


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/dashboard")
    assert page.url.endswith("/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # the keyboard submits the form
    page.wait_for_url(f"{url}/dashboard")


def test_create_config_connect_run_and_find_the_log_by_clicking(chromium, dash, emulators):
    github = emulators.emulator("github")
    github.reset()
    alpha = seed_tenant(dash, "alpha")
    context, page, errors = _context(chromium)
    try:
        page.goto(f"{dash.url}/dashboard/login")
        _shot(page, "00-login")
        _sign_in(page, dash.url, alpha.email)
        _shot(page, "01-projects")
        page.locator(f"a[href='/dashboard/projects/{alpha.project_id}']").first.click()
        assert page.locator("h2#keys").inner_text() == "API keys"
        _shot(page, "02-project-keys")

        # An auth config for the sandbox GitHub: the personal-access-token scheme, its own fields.
        page.get_by_role("link", name="Auth configs").click()
        page.get_by_label("Toolkit", exact=True).select_option(label="GitHub")
        page.get_by_label("Auth scheme").select_option("BEARER_TOKEN")
        page.get_by_role("button", name="Next: the scheme's fields").click()
        assert page.locator("h1").inner_text() == "New GitHub auth config"
        _shot(page, "03-auth-config-new")
        page.get_by_label("Name").fill("Sandbox GitHub")
        page.get_by_role("button", name="Create auth config").click()
        row = page.locator("tr", has_text="Sandbox GitHub")
        assert "ENABLED" in row.inner_text() and "BEARER_TOKEN" in row.inner_text()
        _shot(page, "04-auth-configs")

        # Connect an account: a Connect Link, opened and filled in as the end user would.
        page.get_by_role("link", name="Connected accounts").click()
        page.get_by_label("Auth config").select_option(label="Sandbox GitHub (github)")
        page.get_by_label("User id", exact=True).fill("dash-user")
        page.get_by_role("button", name="Create Connect Link").click()
        link_url = page.locator("#new-link").get_attribute("href")
        assert link_url and "/link/" in link_url
        page.goto(link_url)
        token = github.issue_token("octocat", ("repo", "read:user", "user:email"))
        page.get_by_label("Personal access token").fill(token)
        page.get_by_role("button", name="Connect").click()
        assert page.locator("h1").inner_text() == "GitHub connected"

        page.goto(f"{dash.url}/dashboard/projects/{alpha.project_id}/accounts")
        page.get_by_label("Search by user id").fill("dash-user")  # htmx swaps the table in place
        page.locator("#accounts-table caption", has_text="of user “dash-user”").wait_for()
        account_row = page.locator("#accounts-table tbody tr").first
        assert "ACTIVE" in account_row.inner_text() and "octocat" in account_row.inner_text()
        _shot(page, "05-accounts")

        # The playground: GITHUB_CREATE_ISSUE as dash-user.
        page.get_by_role("link", name="Playground").click()
        page.get_by_label("Tool slug").fill("GITHUB_CREATE_ISSUE")
        page.get_by_label("User id").fill("dash-user")
        arguments = {"owner": "octocat", "repo": "Hello-World", "title": "Filed from the dashboard"}
        page.get_by_label("Arguments (JSON object)").fill(json.dumps(arguments))
        page.get_by_role("button", name="Run tool").click()
        result = page.locator("#result")
        assert "success" in page.locator("#run-result").inner_text()
        assert "Filed from the dashboard" in result.inner_text()
        assert token not in page.content()  # the credential never reaches the page
        _shot(page, "06-playground-result")
        issues = github.store.state.repo("octocat", "Hello-World").issues
        assert any(i.title == "Filed from the dashboard" for i in issues.values())

        page.locator("#run-log").click()
        assert "GITHUB_CREATE_ISSUE" in page.locator("main").inner_text()
        assert token not in page.content()
        _shot(page, "07-log-entry")

        # The logs page lists it once the writer has stored it (it writes in the background).
        for _ in range(100):
            page.goto(f"{dash.url}/dashboard/projects/{alpha.project_id}/logs?tool=CREATE_ISSUE")
            if page.locator("#log-results tbody tr", has_text="GITHUB_CREATE_ISSUE").count():
                break
            time.sleep(0.1)
        assert page.locator("#log-results tbody tr", has_text="GITHUB_CREATE_ISSUE").count() == 1
        assert page.locator("svg.chart rect.bar-runs").count() == 24
        _shot(page, "08-logs")
        assert errors == []
    finally:
        context.close()


def _seed(dash, tenant) -> dict[str, str]:
    """A session, an MCP server and a webhook event (skipped: no subscription) in the tenant's project."""
    from valetkey.webhooks.outbox import publish

    with httpx.Client(
        base_url=f"{dash.url}/api/v3.1", headers={"x-api-key": tenant.api_key}, timeout=30
    ) as api:
        session = api.post("/tool_router/session", json={"user_id": "seed-user"})
        assert session.status_code == 201, session.text
        server = api.post(
            "/mcp/servers",
            json={"name": "seed server", "auth_config_ids": [], "no_auth_apps": ["hackernews"]},
        )
        assert server.status_code in (200, 201), server.text
    with dash.state.db.session() as db:
        event_id = publish(
            db,
            project_id=tenant.project_id,
            event_type="composio.connected_account.expired",
            data={},
            metadata={},
        )
    return {
        "session_id": session.json()["session_id"],
        "server_id": server.json()["id"],
        "event_id": event_id,
    }


def test_every_page_renders_on_desktop_and_phone(chromium, dash):
    tenant = seed_tenant(dash, "pages")
    seeded = _seed(dash, tenant)
    for label, viewport in (("desktop", None), ("phone", PHONE)):
        context, page, errors = _context(chromium, viewport)
        try:
            _sign_in(page, dash.url, tenant.email)
            base = f"{dash.url}/dashboard/projects/{tenant.project_id}"
            for name, path in [
                ("overview", ""),
                ("auth-configs", "/auth-configs"),
                ("accounts", "/accounts"),
                ("toolkits", "/toolkits"),
                ("toolkit-hackernews", "/toolkits/hackernews"),
                ("playground", "/playground?tool=HACKERNEWS_GET_BEST_STORIES"),
                ("logs", "/logs"),
                ("sessions", "/sessions"),
                ("mcp", "/mcp"),
                ("triggers", "/triggers"),
                ("webhooks", "/webhooks"),
            ]:
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                assert page.locator("main h1").is_visible()
                if label == "phone":  # nothing wider than the screen but scrollable tables
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= PHONE["width"] + 1, (path, width)
                _shot(page, f"{label}-{name}")
            if label == "desktop":
                page.goto(base + "/sessions")
                assert seeded["session_id"] in page.locator("main").inner_text()
                # A per-user MCP URL, made by clicking: shown once, then only the user is listed.
                page.goto(base + "/mcp")
                page.get_by_label("Make a URL for user").fill("mcp-user")
                page.get_by_role("button", name="Make URL").click()
                made = page.locator("#new-mcp-url").inner_text()
                assert "/mcp/u/" in made
                _shot(page, "desktop-mcp-new-url")
                page.goto(base + "/mcp")
                assert "mcp-user" in page.locator("main").inner_text() and made not in page.content()
                # The event, its (empty) attempt log, and a replay refused with what to do about it.
                page.goto(base + "/webhooks")
                page.get_by_role("link", name=seeded["event_id"]).click()
                assert page.locator("h2#attempts").is_visible()
                page.get_by_role("button", name=f"Replay {seeded['event_id']}").click()
                assert "no webhook subscription" in page.locator("main").inner_text()
                assert "POST /webhook_subscriptions" in page.locator("main").inner_text()
                assert errors == [
                    f"Failed to load resource: the server responded with a status of 409 (Conflict) at {page.url}"
                ]
                errors.clear()  # that refusal was the point
            # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
            page.goto(base)
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Skip to content"
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "content"
            assert errors == []
        finally:
            context.close()


def test_an_operator_of_another_org_gets_404(chromium, dash):
    alpha, beta = seed_tenant(dash, "alpha"), seed_tenant(dash, "beta")
    context, page, _ = _context(chromium)
    try:
        _sign_in(page, dash.url, beta.email)
        assert alpha.project_id not in page.content()
        for path in ("", "/accounts", "/logs", "/playground"):
            response = page.goto(f"{dash.url}/dashboard/projects/{alpha.project_id}{path}")
            assert response is not None and response.status == 404, path
            assert page.locator("h1").inner_text() == "Not found"
        _shot(page, "09-other-org-404")
    finally:
        context.close()
