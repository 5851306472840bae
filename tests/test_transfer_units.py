"""The import's tricky parts on their own: the source client's paging and Retry-After, the sealed file."""

from __future__ import annotations

import httpx
import pytest

from valetkey.transfer import archive
from valetkey.transfer.importer import is_masked
from valetkey.transfer.snapshot import Snapshot
from valetkey.transfer.source import SourceClient, SourceError, retry_after_seconds


def _client(handler, slept: list[float]) -> SourceClient:
    return SourceClient(
        "http://source.test", "key", sleep=slept.append, transport=httpx.MockTransport(handler)
    )


def test_pages_follow_cursors_and_wait_out_rate_limits():
    calls: list[httpx.Request] = []
    limited = {"done": False}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.headers["x-api-key"] == "key"
        cursor = request.url.params.get("cursor")
        if cursor == "2" and not limited["done"]:
            limited["done"] = True
            return httpx.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "slow"}})
        pages = {None: (["a", "b"], "2"), "2": (["c"], "3"), "3": (["d"], None)}
        items, following = pages[cursor]
        return httpx.Response(200, json={"items": [{"id": i} for i in items], "next_cursor": following})

    slept: list[float] = []
    with _client(handler, slept) as client:
        pages = list(client.pages("/api/v3/connected_accounts", {"order_by": "created_at"}))
    assert [[i["id"] for i in page] for page in pages] == [["a", "b"], ["c"], ["d"]]
    assert slept == [3.0]
    assert all(r.url.params["order_by"] == "created_at" for r in calls)
    assert len(calls) == 4


def test_a_repeated_cursor_ends_the_listing():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": "x"}], "next_cursor": "same"})

    with _client(handler, []) as client:
        assert len(list(client.pages("/x"))) == 2


def test_errors_name_the_status_and_message():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Invalid API key"}})

    with _client(handler, []) as client, pytest.raises(SourceError, match="401: Invalid API key"):
        client.get("/api/v3/auth_configs")


def test_a_source_that_stays_limited_gives_up_after_bounded_waits():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    slept: list[float] = []
    with _client(handler, slept) as client, pytest.raises(SourceError, match="503"):
        client.get("/x")
    assert len(slept) == 7 and slept == sorted(slept)


def test_retry_after_forms():
    assert retry_after_seconds("7", 0) == 7.0
    assert retry_after_seconds("100000", 0) == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 0) == 1.0
    assert retry_after_seconds(None, 3) == 4.0


def test_masked_values():
    assert is_masked("REDACTED") and is_masked("gho_...")
    assert not is_masked("gho_1234567890") and not is_masked("") and not is_masked(None)


def test_sealed_file_round_trip_and_refusals():
    document = Snapshot(source="valetkey:p", auth_configs=[{"id": "ac_1", "credentials": {"x": "s3cret"}}])
    blob = archive.seal(document.to_document(), "correct horse battery")
    assert b"s3cret" not in blob and blob.startswith(archive.MAGIC)
    restored = Snapshot.from_document(archive.open_sealed(blob, "correct horse battery"))
    assert restored.auth_configs == document.auth_configs
    with pytest.raises(archive.ArchiveError, match="wrong passphrase"):
        archive.open_sealed(blob, "wrong horse battery")
    flipped = bytearray(blob)
    flipped[-5] ^= 1
    with pytest.raises(archive.ArchiveError, match="wrong passphrase, or the file was changed"):
        archive.open_sealed(bytes(flipped), "correct horse battery")
    header_changed = blob.replace(b'"p": 1', b'"p": 2')
    assert header_changed != blob
    with pytest.raises(archive.ArchiveError):
        archive.open_sealed(header_changed, "correct horse battery")
    with pytest.raises(archive.ArchiveError, match="not a Valetkey export"):
        archive.open_sealed(b"{}", "correct horse battery")
    with pytest.raises(archive.ArchiveError, match="at least"):
        archive.seal({}, "short")
