"""VALETKEY_UPSTREAM_OVERRIDES: operator-level rerouting of upstream origins (execution/reroute.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from valetkey.core.settings import Settings
from valetkey.execution.reroute import ReroutingClient, reroute
from valetkey.net.request import UpstreamRequest

OVERRIDES = (
    ("https://hn.algolia.com", "http://127.0.0.1:8001/hackernews"),
    ("https://hacker-news.firebaseio.com", "http://127.0.0.1:8001/hackernews"),
)


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://hn.algolia.com/api/v1/search?query=x",
            "http://127.0.0.1:8001/hackernews/api/v1/search?query=x",
        ),
        ("https://hn.algolia.com", "http://127.0.0.1:8001/hackernews"),
        (
            "https://hacker-news.firebaseio.com/v0/topstories.json",
            "http://127.0.0.1:8001/hackernews/v0/topstories.json",
        ),
        ("https://hn.algolia.com.evil.test/api", "https://hn.algolia.com.evil.test/api"),  # another origin
        ("http://hn.algolia.com/api", "http://hn.algolia.com/api"),  # another scheme
        ("https://api.github.com/user", "https://api.github.com/user"),
    ],
)
def test_only_the_exact_origin_is_rerouted(url, expected):
    assert reroute(url, OVERRIDES) == expected


def test_the_client_wrapper_rewrites_then_delegates():
    @dataclass
    class Recorder:
        sent: list

        async def send(self, request, retry=None):
            self.sent.append((request.url, retry))
            return "outcome"

        async def aclose(self):
            self.sent.append("closed")

    inner = Recorder([])
    client = ReroutingClient(inner, OVERRIDES)
    outcome = asyncio.run(
        client.send(UpstreamRequest("GET", "https://hn.algolia.com/api/v1/items/1"), "policy")
    )
    assert outcome == "outcome" and inner.sent == [
        ("http://127.0.0.1:8001/hackernews/api/v1/items/1", "policy")
    ]
    asyncio.run(client.aclose())
    assert inner.sent[-1] == "closed"


def test_settings_read_pairs_and_refuse_junk(monkeypatch):
    monkeypatch.setenv(
        "VALETKEY_UPSTREAM_OVERRIDES",
        "https://hn.algolia.com=http://127.0.0.1:8001/hackernews/, https://a.test=http://127.0.0.1:9",
    )
    assert Settings.from_env().upstream_overrides == (
        ("https://hn.algolia.com", "http://127.0.0.1:8001/hackernews"),
        ("https://a.test", "http://127.0.0.1:9"),
    )
    monkeypatch.setenv("VALETKEY_UPSTREAM_OVERRIDES", "hn.algolia.com")
    with pytest.raises(SystemExit, match="ORIGIN=URL"):
        Settings.from_env()
