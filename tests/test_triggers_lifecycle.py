"""Triggers follow their account: an invalid_grant refresh expires it (the expiry event, the triggers
disabled with connection_expired), reconnecting resumes them."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from composio import Composio

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.fake_gmail import FakeGmail
from tests.support.oauth import SANDBOX_CLIENT, connect_oauth, follow
from tests.support.receiver import Receiver

V3 = "/api/v3"


@pytest.fixture(scope="module")
def gmail():
    fake = FakeGmail().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def life_server(backend, gmail, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        poll_interval=0.5,
        refresh_interval=0,
        egress_allow=egress_allowed(*EGRESS_TARGETS, gmail.url),
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def test_an_expired_account_disables_its_triggers_and_reconnecting_resumes_them(
    life_server, gmail, receiver, provider
):
    keys = life_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=life_server.url)
    api = httpx.Client(base_url=life_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    secret = sdk.triggers.set_webhook_subscription(
        webhook_url=receiver.url,
        enabled_events=[
            "composio.trigger.message",
            "composio.connected_account.expired",
            "composio.trigger.disabled",
        ],
    )["secret"]
    credentials = {
        **SANDBOX_CLIENT,
        "authorization_url": f"{provider.url}/oauth2/authorize",
        "token_url": f"{provider.url}/oauth2/token",
        "base_url": gmail.url,
    }
    config = api.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "gmail"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "OAUTH2", "credentials": credentials},
        },
    )
    assert config.status_code == 201, config.text
    config_id = config.json()["auth_config"]["id"]
    provider.providers.oauth2.configure(access_token_lifetime=1)
    connection, _ = connect_oauth(sdk, config_id, user_id="lee")
    account_id = connection.wait_for_connection(timeout=10).id
    trigger_id = sdk.triggers.create("GMAIL_NEW_GMAIL_MESSAGE", user_id="lee", trigger_config={}).trigger_id
    provider.providers.oauth2.configure(access_token_lifetime=3600)

    # The token expires; the next poll's refresh is refused with invalid_grant.
    provider.providers.oauth2.fail_next("invalid_grant", 1, grant_type="refresh_token")
    deliveries = receiver.wait_for(2, timeout=20)
    payloads = {}
    for d in deliveries:
        raw = sdk.triggers.verify_webhook(
            id=d.headers["webhook-id"],
            payload=d.body,
            signature=d.headers["webhook-signature"],
            timestamp=d.headers["webhook-timestamp"],
            secret=secret,
        )["raw_payload"]
        payloads[raw["type"]] = raw
    expired = payloads["composio.connected_account.expired"]
    assert expired["data"]["id"] == account_id and expired["data"]["status"] == "EXPIRED"
    assert expired["data"]["toolkit"] == {"slug": "gmail"}
    assert expired["data"]["auth_config"] == {"id": config_id, "auth_scheme": "OAUTH2"}
    assert "invalid_grant" in expired["data"]["status_reason"]
    assert expired["metadata"] == {"project_id": keys.id, "org_id": keys.org_id}
    disabled = payloads["composio.trigger.disabled"]
    assert (
        disabled["data"]["trigger_id"] == trigger_id
        and disabled["data"]["disabled_reason"] == "connection_expired"
    )
    [shown] = sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    assert shown.model_dump()["disabled_reason"] == "connection_expired"
    assert sdk.triggers.list_active(trigger_ids=[trigger_id]).items == []

    gmail.receive("while@example.com", "while expired")
    time.sleep(1.2)
    assert len(receiver.received) == 2

    # Reconnect: the account is ACTIVE again and its trigger resumes, from a fresh watermark.
    r = api.post(
        f"{V3}/connected_accounts/{account_id}/refresh",
        json={"redirect_url": "https://app.example.test/back"},
    )
    assert r.status_code == 200, r.text
    follow(r.json()["redirect_url"], stop_at="https://app.example.test")
    assert api.get(f"{V3}/connected_accounts/{account_id}").json()["status"] == "ACTIVE"
    [resumed] = sdk.triggers.list_active(trigger_ids=[trigger_id]).items
    assert resumed.model_dump()["status"] == "enabled"
    time.sleep(1.5)  # the first poll after resuming takes the watermark
    fresh = gmail.receive("after@example.com", "after reconnecting")
    third = receiver.wait_for(3, timeout=20)[2]
    body = json.loads(third.body)
    assert body["type"] == "composio.trigger.message" and body["data"]["message_id"] == fresh.id
    time.sleep(1.0)
    assert len(receiver.received) == 3  # the mail of the expired time was never delivered
    api.close()
