"""The app state: typed parts built once per app, the upstream client a replaceable transport."""

from __future__ import annotations

import dataclasses
import json

from multidict import CIMultiDict

from tests.support.execution import EXECUTE
from valetkey.api.app import create_app
from valetkey.api.state import AppState
from valetkey.net.request import UpstreamRequest
from valetkey.net.retry import NO_RETRY, RetryPolicy
from valetkey.net.upstream import UpstreamOutcome, UpstreamResponse, UpstreamTransport


class FakeTransport:
    """Answers every upstream call itself and records it: no socket, no egress policy."""

    def __init__(self) -> None:
        self.sent: list[UpstreamRequest] = []
        self.closed = False

    async def send(self, request: UpstreamRequest, retry: RetryPolicy = NO_RETRY) -> UpstreamOutcome:
        self.sent.append(request)
        body = json.dumps({"faked": True, "url": request.url}).encode()
        response = UpstreamResponse(200, "OK", CIMultiDict({"content-type": "application/json"}), body)
        return UpstreamOutcome(response, None, "", 1, 0.1)

    async def aclose(self) -> None:
        self.closed = True


def test_a_fake_transport_serves_a_tool_call_over_http(server, client, monkeypatch):
    fake: UpstreamTransport = FakeTransport()
    monkeypatch.setattr(server.state, "http", fake)
    r = client.post(EXECUTE + "LOOPBACK_ECHO_GET", json={"arguments": {"item_id": "x"}, "user_id": "u"})
    assert r.status_code == 200, r.text
    assert r.json()["successful"] is True and r.json()["data"]["faked"] is True
    [sent] = fake.sent  # type: ignore[attr-defined]
    assert sent.method == "GET" and sent.url.endswith("/echo/items/x")


def test_every_part_is_built_by_the_factory_and_two_apps_share_none(tmp_path):
    from tests.support.app import make_settings

    states: list[AppState] = []
    for name in ("a", "b"):
        home = tmp_path / name
        app = create_app(make_settings(home, f"sqlite:///{home}/v.db", 8000))
        states.append(app.state.valetkey)
    first, second = states
    assert not hasattr(first, "extras")
    for part in dataclasses.fields(AppState):
        if part.name == "mcp_manager":  # runs only inside the lifespan
            continue
        mine, theirs = getattr(first, part.name), getattr(second, part.name)
        assert mine is not None, part.name
        if not isinstance(mine, (str, int, float, bool)):
            assert mine is not theirs, f"two apps share {part.name}"
    for state in states:
        state.oauth_http.close()
        state.db.dispose()


def test_the_key_cache_is_a_bounded_ttl_cache():
    from valetkey.api.auth import KeyCache

    cache = KeyCache(ttl=60, maxsize=2)
    for digest in ("a", "b", "c"):
        cache.put(digest, digest)
    assert cache.get("a") is None and cache.get("c") == "c"  # the oldest went first, never the whole cache
