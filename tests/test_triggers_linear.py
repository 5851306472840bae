"""Linear triggers through the official SDK: webhookCreate with the trigger's secret, Linear-Signature
and its one-minute webhookTimestamp window, Linear-Delivery dedup, webhookDelete on delete. The GraphQL
API is a loopback stand-in until the sandbox's Linear emulator creates webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import httpx
import jsonschema
import pytest
from composio import Composio
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from tests.support.servers import ThreadedServer


class FakeLinear:
    def __init__(self):
        self.webhooks: dict[str, dict] = {}
        self.deleted: list[str] = []

        async def graphql(request):
            body = await request.json()
            query = body["query"]
            if "webhookCreate" in query:
                hook_id = str(uuid.uuid4())
                self.webhooks[hook_id] = body["variables"]["input"]
                return JSONResponse(
                    {
                        "data": {
                            "webhookCreate": {"success": True, "webhook": {"id": hook_id, "enabled": True}}
                        }
                    }
                )
            if "webhookDelete" in query:
                self.deleted.append(body["variables"]["id"])
                return JSONResponse({"data": {"webhookDelete": {"success": True}}})
            return JSONResponse({"data": {"viewer": {"id": "u1", "name": "Lin"}}})

        self.server = ThreadedServer(Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])).start()
        self.url = self.server.url

    def send(
        self, hook: dict, body: dict, *, secret: str | None = None, delivery: str | None = None
    ) -> httpx.Response:
        raw = json.dumps(body).encode()
        signature = hmac.new((secret or hook["secret"]).encode(), raw, hashlib.sha256).hexdigest()
        return httpx.post(
            hook["url"],
            content=raw,
            timeout=30,
            headers={
                "Content-Type": "application/json",
                "Linear-Signature": signature,
                "Linear-Delivery": delivery or str(uuid.uuid4()),
                "Linear-Event": body["type"],
            },
        )


@pytest.fixture(scope="module")
def linear():
    fake = FakeLinear()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="module")
def linear_server(backend, linear, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        egress_allow=egress_allowed(*EGRESS_TARGETS, linear.url),
    )
    yield running
    threaded.stop()


def event(kind: str, action: str, data: dict, *, at: float | None = None) -> dict:
    return {
        "action": action,
        "type": kind,
        "data": data,
        "url": "https://linear.app/acme/issue/ENG-1",
        "createdAt": "2026-12-03T08:00:00.000Z",
        "webhookTimestamp": int((at or time.time()) * 1000),
        "updatedFrom": {"title": "old"} if action == "update" else None,
    }


def test_linear_events_end_to_end(linear_server, linear):
    receiver = Receiver().start()
    keys = linear_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=linear_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    api = httpx.Client(base_url=linear_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    config = api.post(
        "/api/v3.1/auth_configs",
        json={
            "toolkit": {"slug": "linear"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "API_KEY",
                "credentials": {"base_url": linear.url},
            },
        },
    )
    assert config.status_code == 201, config.text
    account = sdk.connected_accounts.initiate(
        "lin",
        config.json()["auth_config"]["id"],
        config={"auth_scheme": "API_KEY", "val": {"api_key": "lin_api_fake"}},
    )
    assert sdk.connected_accounts.wait_for_connection(account.id, timeout=10).status == "ACTIVE"
    try:
        created = sdk.triggers.create(
            "LINEAR_ISSUE_CREATED_TRIGGER", user_id="lin", trigger_config={"team_id": "team-1"}
        ).trigger_id
        updated = sdk.triggers.create(
            "LINEAR_ISSUE_UPDATED_TRIGGER", user_id="lin", trigger_config={}
        ).trigger_id
        comments = sdk.triggers.create(
            "LINEAR_COMMENT_EVENT_TRIGGER", user_id="lin", trigger_config={}
        ).trigger_id
        hooks = {h["url"].rsplit("/", 1)[1]: h for h in linear.webhooks.values()}
        assert hooks[created]["teamId"] == "team-1" and hooks[created]["resourceTypes"] == ["Issue"]
        assert hooks[updated]["allPublicTeams"] is True and len(hooks[created]["secret"]) >= 40

        issue = {"id": "i1", "identifier": "ENG-1", "title": "Broken"}
        assert linear.send(hooks[created], event("Issue", "create", issue)).json()["delivered"] == 1
        assert linear.send(hooks[created], event("Issue", "update", issue)).json()["delivered"] == 0
        assert linear.send(hooks[updated], event("Issue", "update", issue)).json()["delivered"] == 1
        comment = event("Comment", "create", {"id": "c1", "body": "+1"})
        assert linear.send(hooks[comments], comment, delivery="dlv-1").json()["delivered"] == 1
        assert linear.send(hooks[comments], comment, delivery="dlv-1").json()["duplicate"] is True
        assert_error(linear.send(hooks[comments], comment, secret="forged"), 401)
        assert_error(
            linear.send(hooks[comments], event("Comment", "create", {"id": "c2"}, at=time.time() - 120)),
            401,
            contains="replay",
        )

        deliveries = receiver.wait_for(3)
        time.sleep(1.0)
        assert len(receiver.received) == 3
        for d in deliveries:
            raw = sdk.triggers.verify_webhook(
                id=d.headers["webhook-id"],
                payload=d.body,
                signature=d.headers["webhook-signature"],
                timestamp=d.headers["webhook-timestamp"],
                secret=secret,
            )["raw_payload"]
            jsonschema.validate(raw["data"], sdk.triggers.get_type(raw["metadata"]["trigger_slug"]).payload)
        sdk.triggers.delete(created)
        assert linear.deleted[-1] == next(k for k, h in linear.webhooks.items() if h["url"].endswith(created))
    finally:
        api.close()
        receiver.stop()
