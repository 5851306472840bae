"""Unit tests of the edge checks (api/limits.py, core/validation.py): pure functions over bytes and text."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from valetkey.api.limits import EdgeLimits, json_depth_exceeds, lone_surrogate_path, url_problem
from valetkey.core.errors import BadRequest
from valetkey.core.validation import EpochMs, Slug, UserId, check_text, text_problem


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


@pytest.mark.parametrize(
    ("body", "limit", "too_deep"),
    [
        (nested(64), 64, False),
        (nested(65), 64, True),
        (b'{"a": ' * 65 + b"1" + b"}" * 65, 64, True),
        (b'{"a": ' * 64 + b"1" + b"}" * 64, 64, False),
        # Brackets in strings, escaped quotes included, are not nesting.
        (json.dumps({"s": "[" * 500, "t": '\\"[[[[' * 50}).encode(), 4, False),
        # Many siblings are wide, not deep.
        (json.dumps([[1]] * 1000).encode(), 2, False),
        (b"[" * 10_000, 64, True),  # not even valid JSON: still refused before any parser recurses
    ],
)
def test_json_depth(body, limit, too_deep):
    assert json_depth_exceeds(body, limit) is too_deep


def test_lone_surrogates_are_found_with_their_path():
    assert lone_surrogate_path(json.dumps({"user_id": "\ud800"}).encode()) == "body.user_id"
    assert lone_surrogate_path(json.dumps({"a": [1, {"b": "x\udc00"}]}).encode()) == "body.a[1].b"
    # A surrogate pair is one valid character; a literal backslash-u is text.
    assert lone_surrogate_path(json.dumps({"emoji": "😀"}).encode()) is None
    assert lone_surrogate_path(b'{"text": "\\\\ud800"}') is None
    assert lone_surrogate_path(b'{"broken": ') is None


@pytest.mark.parametrize(
    ("path", "query", "where"),
    [
        (b"/api/v3.1/tools", b"", None),
        (b"/api/v3.1/tools/caf%C3%A9", b"search=caf%C3%A9+au+lait&limit=5", None),
        (b"/api/v3.1/connected_accounts/ca%00x", b"", "path segment 'ca%00x'"),
        (b"/api/v3.1/sessions/%ED%A0%80", b"", "path segment '%ED%A0%80'"),
        (b"/api/v3.1/tools", b"limit=5&search=a%00b", "query parameter search"),
        (b"/api/v3.1/tools", b"user_ids=%ED%A0%80", "query parameter user_ids"),
        (b"/api/v3.1/tools", b"q=%0A", "query parameter q"),
    ],
)
def test_url_problems(path, query, where):
    problem = url_problem(path, query)
    assert (problem[0] if problem else None) == where


def test_upload_paths_get_their_own_bound():
    limits = EdgeLimits(
        max_body_bytes=10, max_upload_bytes=100, upload_prefixes=("/api/v3.1/files/storage/",)
    )
    assert limits.max_bytes_for("/api/v3.1/files/storage/tok") == 100
    assert limits.max_bytes_for("/api/v3.1/tools/execute/X") == 10


def test_text_problems():
    assert text_problem("user-1 ü 😀", 255) is None
    assert text_problem("a\x00b", 255) == "contains a NUL byte"
    assert "surrogate" in text_problem("\ud800", 255)
    assert "control" in text_problem("a\nb", 255)
    assert "longer than 255" in text_problem("u" * 256, 255)
    with pytest.raises(BadRequest) as caught:
        check_text("u\x00", "user_id")
    assert caught.value.message == "user_id contains a NUL byte"


class Model(BaseModel):
    user_id: UserId | None = None
    slug: Slug | None = None
    at: EpochMs | None = None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_id", "u" * 256),
        ("user_id", "a\x00b"),
        ("user_id", ""),
        ("slug", "a-b"),
        ("slug", "."),
        ("at", float("nan")),
        ("at", float("inf")),
        ("at", 1e308),
        ("at", -1),
    ],
)
def test_validated_types_refuse(field, value):
    with pytest.raises(ValidationError) as caught:
        Model(**{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_validated_types_accept():
    model = Model(user_id="ü" * 255, slug="GITHUB_CREATE_ISSUE", at=1_700_000_000_000)
    assert model.user_id == "ü" * 255


async def test_watchdog_cuts_a_stalled_read_and_leaves_other_cancellations_alone():
    import asyncio
    import time

    from valetkey.api.middleware import _Watchdog

    watchdog = _Watchdog(tick=0.05)
    loop = asyncio.get_running_loop()

    async def stalled():
        await asyncio.sleep(60)
        return {"type": "http.request"}

    async def quick():
        return {"type": "http.request", "body": b"x"}

    assert (await watchdog.receive(quick, loop.time() + 10))["body"] == b"x"
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await watchdog.receive(stalled, loop.time() + 0.2)
    assert 0.2 <= time.monotonic() - started < 1
    # A read cancelled for another reason (client gone, server stopping) stays a cancellation.
    task = asyncio.ensure_future(watchdog.receive(stalled, loop.time() + 10))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not watchdog.pending and not watchdog.expired
