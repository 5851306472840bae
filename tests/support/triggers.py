"""Triggers end to end against the sandbox emulators: a server, a connected account, a receiver.

A trigger test reads: connect a user's account to the app's emulator, subscribe the
project's webhook, create the trigger through the official SDK, cause the event IN
THE EMULATOR (its API, a tool, or a ``/_sandbox`` helper), then check what reaches
the loopback receiver::

    def test_star(rig, receiver):
        github = rig.connect("github", receiver)
        trigger_id = github.sdk.triggers.create("GITHUB_STAR_ADDED_EVENT", ...).trigger_id
        ... star the repository through the emulator ...
        [event] = github.events(1)          # verified with composio.triggers.verify_webhook
        github.check(event, "GITHUB_STAR_ADDED_EVENT", trigger_id)   # metadata + payload schema

`start_trigger_server` is a server on the given backend whose egress reaches the
emulators, with short retries and polls; `TriggerAccount.events` waits (polling,
no fixed sleeps) for deliveries and verifies each with the subscription's secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest

from tests.support.app import EGRESS_TARGETS, RunningServer, database_url_for, egress_allowed, start_server
from tests.support.receiver import Received, Receiver
from tests.support.servers import ThreadedServer
from tests.support.toolkits import SandboxHandle, ToolkitConnection, connect_account, sandbox_overrides

#: Seconds between polls of polling triggers in these tests (VALETKEY_POLL_INTERVAL).
POLL_SECONDS = 0.2


def start_trigger_server(
    backend: str, request: pytest.FixtureRequest, sandbox: SandboxHandle, **overrides: Any
) -> tuple[ThreadedServer, RunningServer]:
    """A server on `backend` that may call the emulators and deliver to loopback receivers."""
    values: dict[str, Any] = dict(
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 0.5, 0.5),
        poll_interval=POLL_SECONDS,
        egress_allow=egress_allowed(*EGRESS_TARGETS, sandbox.url),
        upstream_overrides=sandbox_overrides(sandbox.url),
    )
    values.update(overrides)
    return start_server(database_url_for(backend, request), **values)


def wait_until(check: Callable[[], Any], timeout: float = 15.0, what: str = "the condition") -> Any:
    """Poll `check` until it answers something truthy; that answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class TriggerAccount:
    """A project subscribed to `receiver`, with one user's account connected to the emulator."""

    connection: ToolkitConnection
    receiver: Receiver
    secret: str
    api: httpx.Client

    @property
    def sdk(self) -> Any:
        return self.connection.composio

    @property
    def user_id(self) -> str:
        return self.connection.user_id

    @property
    def account_id(self) -> str:
        assert self.connection.account_id is not None
        return self.connection.account_id

    def create(self, slug: str, config: dict[str, Any] | None = None) -> str:
        """`composio.triggers.create` for this user; the trigger id."""
        return self.sdk.triggers.create(slug, user_id=self.user_id, trigger_config=config or {}).trigger_id

    def verify(self, delivery: Received) -> dict[str, Any]:
        """`composio.triggers.verify_webhook` with the subscription's secret; the V3 payload."""
        assert delivery.headers["x-composio-webhook-version"] == "V3"
        result = self.sdk.triggers.verify_webhook(
            id=delivery.headers["webhook-id"],
            payload=delivery.body,
            signature=delivery.headers["webhook-signature"],
            timestamp=delivery.headers["webhook-timestamp"],
            secret=self.secret,
        )
        return result["raw_payload"]

    def events(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The first `count` deliveries (waiting for them), each verified; their V3 payloads."""
        return [self.verify(d) for d in self.receiver.wait_for(count, timeout=timeout)[:count]]

    def check(self, raw: dict[str, Any], slug: str, trigger_id: str) -> dict[str, Any]:
        """A `composio.trigger.message` of `trigger_id`: metadata, and data against the payload schema."""
        assert raw["type"] == "composio.trigger.message" and raw["id"] and raw["timestamp"]
        meta = raw["metadata"]
        assert meta["trigger_id"] == trigger_id and meta["trigger_slug"] == slug
        # "" for both when the toolkit needs no account (Hacker News).
        assert meta["connected_account_id"] == (self.connection.account_id or "")
        assert meta["user_id"] == self.user_id
        assert meta["auth_config_id"] == (self.connection.auth_config_id or "")
        assert meta["log_id"].startswith("log_")
        jsonschema.validate(raw["data"], self.sdk.triggers.get_type(slug).payload)
        return raw["data"]

    def nothing_more(self, count: int, settle: float = 1.0) -> None:
        """No delivery beyond the `count` so far arrives within `settle` seconds (retries would)."""
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            assert len(self.receiver.received) <= count, [r.body[:200] for r in self.receiver.received]
            time.sleep(0.05)


def connect_for_triggers(
    sandbox: SandboxHandle,
    server: RunningServer,
    slug: str,
    receiver: Receiver,
    *,
    enabled_events: list[str] | None = None,
    **options: Any,
) -> TriggerAccount:
    """A fresh project subscribed to `receiver` (`enabled_events`: the SDK's default when None) and an
    ACTIVE account of `slug` on its emulator; `options` go to `connect_account`."""
    connection = connect_account(sandbox, server, slug, options.pop("scheme", None), **options)
    extra = {"enabled_events": enabled_events} if enabled_events is not None else {}
    secret = connection.composio.triggers.set_webhook_subscription(
        webhook_url=receiver.url + "/events", **extra
    )["secret"]
    api = httpx.Client(base_url=server.url, headers={"x-api-key": connection.project.api_key}, timeout=30)
    return TriggerAccount(connection, receiver, secret, api)
