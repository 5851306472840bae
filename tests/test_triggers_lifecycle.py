"""Triggers follow their account: an invalid_grant refresh expires it (the expiry event, the triggers
disabled with connection_expired), reconnecting resumes them."""

from __future__ import annotations

import json

import pytest

from tests.support.oauth import follow
from tests.support.receiver import Receiver
from tests.support.sandbox_events import gmail_deliver
from tests.support.toolkits import _default_subject
from tests.support.triggers import connect_for_triggers, start_trigger_server, wait_until

V3 = "/api/v3"


@pytest.fixture(scope="module")
def life_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators, refresh_interval=0)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def gmail(emulators):
    emulator = emulators.emulator("gmail")
    emulator.reset()
    lifetime = emulator.oauth2.config.access_token_lifetime
    yield emulator
    emulator.oauth2.configure(access_token_lifetime=lifetime)


def test_an_expired_account_disables_its_triggers_and_reconnecting_resumes_them(
    life_server, emulators, gmail, receiver
):
    gmail.oauth2.configure(access_token_lifetime=1)
    lee = connect_for_triggers(
        emulators,
        life_server,
        "gmail",
        receiver,
        user_id="lee",
        reset=False,
        enabled_events=[
            "composio.trigger.message",
            "composio.connected_account.expired",
            "composio.trigger.disabled",
        ],
    )
    sdk, api, account_id = lee.sdk, lee.api, lee.account_id
    config_id = lee.connection.auth_config_id
    keys = lee.connection.project
    secret = lee.secret
    trigger_id = sdk.triggers.create("GMAIL_NEW_GMAIL_MESSAGE", user_id="lee", trigger_config={}).trigger_id
    gmail.oauth2.configure(access_token_lifetime=3600)
    address = _default_subject(gmail)

    # The token expires; the next poll's refresh is refused with invalid_grant.
    gmail.oauth2.fail_next("invalid_grant", 1, grant_type="refresh_token")
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

    gmail_deliver(emulators.url, address, sender="while@example.com", subject="while expired")
    lee.nothing_more(2)

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
    polled = resumed.model_dump()["health"]["last_poll_at"]

    def polled_again():  # the first poll after resuming takes the watermark
        [item] = sdk.triggers.list_active(trigger_ids=[trigger_id]).items
        return item.model_dump()["health"]["last_poll_at"] != polled

    wait_until(polled_again, what="a poll after resuming")
    fresh = gmail_deliver(emulators.url, address, sender="after@example.com", subject="after reconnecting")
    third = receiver.wait_for(3, timeout=20)[2]
    body = json.loads(third.body)
    assert body["type"] == "composio.trigger.message" and body["data"]["message_id"] == fresh
    lee.nothing_more(3)  # the mail of the expired time was never delivered
    api.close()
