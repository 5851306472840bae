"""One renewal path: a 401 refreshes once and resends, for HTTP tools, the proxy and Python handler tools;
and a refresh stalled at the provider does not hold the database's write lock.

Refreshes are counted at the sandbox provider (`stats.refreshes`), the only
honest place to count them. The stalled-provider test uses the sandbox's
``slow`` fault on the refresh grant and times other writes while the
refresh waits; before the fix, on SQLite, they queued behind the refresh's
`BEGIN IMMEDIATE` for as long as the provider took.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.oauth import V3, connect_sandbox_account, oauth_config
from tests.support.servers import ThreadedServer
from tests.support.toolkits import SandboxHandle, connect_account
from valetkey.connections.credentials import account_credentials
from valetkey.connections.models import ConnectedAccount

STALL_SECONDS = 4.0


@pytest.fixture(scope="module")
def apps_sandbox():
    """Every app emulator (Google Drive among them), each with its own OAuth provider."""
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield SandboxHandle(threaded.url, app)
    threaded.stop()


@pytest.fixture(scope="module")
def quiet_server(backend, toolkits_dir, request, apps_sandbox):
    """Built-in and test toolkits, background refresher off: every refresh here is caused by the test.

    It may call the usual test targets (the `provider` port among them) and this module's apps sandbox.
    """
    threaded, running = start_server(
        database_url_for(backend, request),
        catalog_dirs=[toolkits_dir],
        refresh_interval=0,
        egress_allow=egress_allowed(*EGRESS_TARGETS, apps_sandbox.url),
    )
    yield running
    threaded.stop()


def access_token(server, account_id: str) -> str:
    with server.state.db.session() as db:
        row = db.scalar(select(ConnectedAccount).where(ConnectedAccount.id == account_id))
    return account_credentials(server.state.vault, row)["access_token"]


# --- a 401 renews once and resends, whatever kind of call got it ------------------


def test_a_handler_tool_renews_after_a_401_and_resends_once(quiet_server, apps_sandbox):
    """GOOGLEDRIVE_CREATE_FOLDER is a Python handler: its request goes through `context.request`."""
    drive = connect_account(apps_sandbox, quiet_server, "googledrive")
    oauth2 = drive.emulator.oauth2
    oauth2.stats.reset()
    assert oauth2.revoke_token(access_token(quiet_server, drive.account_id))  # the provider forgets it early
    drive.emulator.requests.clear()

    folder = drive.ok("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "Renewed"})

    assert drive.state.files[folder["id"]].name == "Renewed"
    assert oauth2.stats.refreshes == 1, oauth2.stats.as_dict()
    posts = [r for r in drive.emulator.requests.all() if r.path == "/drive/v3/files"]
    assert len(posts) == 2  # refused once, resent once with the new token
    assert posts[0].header("authorization") != posts[1].header("authorization")


def test_every_request_of_a_handler_renews_at_most_once(quiet_server, apps_sandbox):
    """GOOGLEDRIVE_MOVE_FILE makes two requests (GET parents, PATCH): after one renewal both succeed."""
    drive = connect_account(apps_sandbox, quiet_server, "googledrive")
    source = drive.ok("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "From"})
    target = drive.ok("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "To"})
    oauth2 = drive.emulator.oauth2
    oauth2.stats.reset()
    oauth2.revoke_token(access_token(quiet_server, drive.account_id))

    moved = drive.ok(
        "GOOGLEDRIVE_MOVE_FILE", {"file_id": source["id"], "destination_folder_id": target["id"]}
    )

    assert moved["parents"] == [target["id"]]
    assert oauth2.stats.refreshes == 1, oauth2.stats.as_dict()  # the PATCH used the renewed token


def test_a_handler_tool_refused_again_after_renewal_reports_the_401(quiet_server, apps_sandbox):
    drive = connect_account(apps_sandbox, quiet_server, "googledrive")
    oauth2 = drive.emulator.oauth2
    oauth2.stats.reset()
    oauth2.revoke_token(access_token(quiet_server, drive.account_id))
    oauth2.fail_next("server_error", 1, grant_type="refresh_token")  # the refresh fails: nothing new to send

    result = drive.execute("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "Nope"})

    assert result["successful"] is False and result["data"].get("status_code") == 401, result
    assert oauth2.stats.token_requests == 1 and oauth2.stats.refreshes == 0


def test_a_proxy_call_renews_after_a_401_and_resends_once(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider)
    assert provider.providers.oauth2.revoke_token(access_token(quiet_server, account_id))

    r = api.post(
        f"{V3}/tools/execute/proxy",
        json={"endpoint": "/oauth2/userinfo", "method": "GET", "connected_account_id": account_id},
    )

    assert r.status_code == 200, r.text
    assert r.json()["status"] == 200, r.json()
    assert provider.providers.oauth2.stats.refreshes == 1


def test_an_http_tool_renews_after_a_401_and_resends_once(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider)
    provider.providers.oauth2.revoke_token(access_token(quiet_server, account_id))

    r = api.post(f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": account_id})

    assert r.status_code == 200 and r.json()["successful"], r.text
    assert provider.providers.oauth2.stats.refreshes == 1


# --- the provider is called outside any database transaction ----------------------


def test_writes_complete_while_a_refresh_waits_on_a_stalled_provider(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider, lifetime=1)
    other_id = connect_sandbox_account(api, provider)  # a second account whose token is fine
    time.sleep(1.2)  # the first account's access token has expired
    oauth2 = provider.providers.oauth2
    oauth2.fail_next("slow", 1, grant_type="refresh_token", delay_ms=int(STALL_SECONDS * 1000))

    stalled: dict = {}

    def execute_on_the_expired_token():
        with httpx.Client(base_url=str(api.base_url), headers={"x-api-key": api.api_key}, timeout=60) as c:
            stalled["response"] = c.post(
                f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": account_id}
            )
            stalled["done"] = time.perf_counter()

    worker = threading.Thread(target=execute_on_the_expired_token)
    worker.start()
    deadline = time.monotonic() + 10
    while oauth2.stats.faults_triggered == 0:  # the refresh is now held at the provider
        assert time.monotonic() < deadline, "the refresh never reached the provider"
        time.sleep(0.01)
    held_at = time.perf_counter()

    timings = {}
    started = time.perf_counter()
    with httpx.Client(
        base_url=str(api.base_url), headers={"x-org-api-key": api.org_api_key}, timeout=60
    ) as org:
        r = org.post("/api/v3/org/owner/project/new", json={"name": "made-during-refresh"})
    assert r.status_code == 201, r.text
    timings["project"] = time.perf_counter() - started

    started = time.perf_counter()
    oauth_config(api, sandbox_url=provider.url)
    timings["auth_config"] = time.perf_counter() - started

    started = time.perf_counter()
    r = api.post(f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": other_id})
    assert r.status_code == 200 and r.json()["successful"], r.text
    log_id = r.json()["log_id"]
    while api.get(f"{V3}/logs/tool_execution/{log_id}").status_code != 200:
        assert time.perf_counter() - started < STALL_SECONDS, "the execution log was not written"
        time.sleep(0.02)
    timings["execution_log"] = time.perf_counter() - started
    writes_done = time.perf_counter()

    worker.join(timeout=30)
    print("writes during a stalled refresh:", {k: f"{v * 1000:.0f} ms" for k, v in timings.items()})
    assert stalled["response"].status_code == 200 and stalled["response"].json()["successful"]
    assert writes_done < stalled["done"], "the writes waited for the refresh"
    assert writes_done - held_at < STALL_SECONDS / 2, timings
    assert oauth2.stats.refreshes == 1


# --- send_renewing itself ------------------------------------------------------------


def _answer(status: int):
    from multidict import CIMultiDict

    from valetkey.net.request import UpstreamRequest
    from valetkey.net.upstream import UpstreamOutcome, UpstreamResponse

    response = UpstreamResponse(status, "", CIMultiDict(), b"")
    return UpstreamRequest("GET", "http://api.test/x", {}, ()), UpstreamOutcome(response, None, "", 1, 0.0)


@pytest.mark.parametrize(
    ("answers", "renewed", "sends", "renewals", "final"),
    [
        ([200], "new", ["old"], 0, 200),  # no 401: no renewal
        ([401, 200], "new", ["old", "new"], 1, 200),  # renewed once, resent once
        ([401, 401], "new", ["old", "new"], 1, 401),  # a second 401 is the answer
        ([401], None, ["old"], 1, 401),  # nothing newer: the first 401 stands
    ],
)
def test_send_renewing_renews_at_most_once(answers, renewed, sends, renewals, final):
    from valetkey.execution.renewal import send_renewing

    sent: list[str] = []
    asked: list[str] = []

    async def send(credentials):
        sent.append(credentials)
        return _answer(answers[len(sent) - 1])

    async def renew(credentials):
        asked.append(credentials)
        return renewed

    used, _, outcome = asyncio.run(send_renewing("old", send, renew))
    assert sent == sends and len(asked) == renewals and outcome.status == final
    assert used == sends[-1]
