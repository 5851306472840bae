"""Connect Links in a real browser: headless Chromium driven by Playwright.

Uses the system Chromium (`apt-get install chromium`); Playwright's own
browser download is never used. Skipped when either is missing outside CI.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest

from tests.support.connect_link import bearer_config, brand
from tests.support.oauth import V3, oauth_config, query_of

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOGO = "data:image/svg+xml," + urllib.parse.quote(
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'><rect width='64' height='64' rx='14' fill='#1d4ed8'/>"
    "<text x='32' y='43' font-size='30' font-family='Arial' font-weight='700' fill='#fff' text-anchor='middle'>A</text>"
    "</svg>"
)
SCREENSHOTS = Path(os.environ.get("VALETKEY_SCREENSHOTS", "/tmp/valetkey-screenshots"))


@pytest.fixture(scope="module")
def chromium():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 900, "height": 760})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")
def test_oauth_link_in_chromium(page, composio, client, upstream, backend):
    brand(client, "Acme Agents", LOGO)
    config_id = oauth_config(client)
    landing = f"{upstream.url}/echo/landing?from=browser"
    request = composio.connected_accounts.link("browser-user", config_id, callback_url=landing)
    response = page.goto(request.redirect_url)
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Connect OAuth Demo to Acme Agents"
    assert page.locator(".logo img").first.get_attribute("src") == LOGO
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "connect-link-oauth.png"), full_page=True)

    page.get_by_role("button", name="Continue to OAuth Demo").click()
    page.wait_for_url(f"{upstream.url}/echo/landing**")
    assert query_of(page.url) == {"from": "browser", "status": "success", "connected_account_id": request.id}
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")
def test_form_link_in_chromium_shows_errors_in_place(page, composio, client, sandbox, upstream, backend):
    brand(client, "Acme Agents", LOGO)
    request = composio.connected_accounts.link(
        "form-user", bearer_config(client), callback_url=f"{upstream.url}/echo/after-form"
    )
    page.goto(request.redirect_url)
    page.get_by_role("button", name="Connect").click()
    assert page.locator(".field-error").first.inner_text() == "Access token is required."
    assert page.url == request.redirect_url  # still on the form, nothing lost

    page.fill("#f-token", "wrong-token")
    page.fill("#f-workspace", "<b>acme</b>")
    page.get_by_role("button", name="Connect").click()
    alert = page.locator(".alert.error").inner_text()
    assert "did not accept these credentials" in alert
    assert page.locator("#f-workspace").input_value() == "<b>acme</b>"  # kept, as text
    assert page.locator("#f-token").input_value() == ""  # secrets are not echoed back
    page.screenshot(path=str(SCREENSHOTS / "connect-link-form-error.png"), full_page=True)

    token = sandbox.providers.oauth2.issue_tokens("sandbox-client", "browser-form", ("read",))["access_token"]
    page.fill("#f-token", token)
    page.fill("#f-workspace", "acme")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(f"{upstream.url}/echo/after-form**")
    assert query_of(page.url) == {"status": "success", "connected_account_id": request.id}
    assert client.get(f"{V3}/connected_accounts/{request.id}").json()["status"] == "ACTIVE"
