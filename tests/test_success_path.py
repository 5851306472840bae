"""`success_path`: a 2xx answer whose body says it failed (Slack's `{"ok": false}`) is an unsuccessful result."""

from __future__ import annotations

import httpx
import pytest

from valetkey.catalog.format import HttpSpec, VerificationSpec
from valetkey.execution.outcome import reported_failure, tool_result
from valetkey.net.upstream import UpstreamOutcome


def outcome(body: bytes, status: int = 200, kind: str = "application/json") -> UpstreamOutcome:
    response = httpx.Response(status, content=body, headers={"content-type": kind})
    return UpstreamOutcome(response, None, "", 1, 1.0)


def test_ok_false_is_a_failure_naming_the_error_and_keeping_the_body():
    result = tool_result(outcome(b'{"ok": false, "error": "channel_not_found"}'), None, "ok")
    assert result.successful is False
    assert result.error == "channel_not_found (HTTP 200 answer with ok = false)"
    assert result.data["status_code"] == 200 and "channel_not_found" in result.data["message"]


def test_ok_true_succeeds_and_response_path_still_applies():
    result = tool_result(outcome(b'{"ok": true, "channel": {"id": "C1"}}'), "channel", "ok")
    assert (result.successful, result.data) == (True, {"id": "C1"})


@pytest.mark.parametrize("body", [b'{"error": "x"}', b'{"ok": "true"}', b"not json", b""])
def test_a_missing_or_non_boolean_flag_is_a_failure(body):
    assert tool_result(outcome(body, kind="text/plain"), None, "ok").successful is False


def test_without_success_path_a_200_is_a_success_whatever_the_body_says():
    assert tool_result(outcome(b'{"ok": false}')).successful is True
    assert reported_failure({"ok": False}, None) is None


def test_http_errors_are_unchanged_by_success_path():
    result = tool_result(outcome(b'{"ok": false, "error": "ratelimited"}', 429), None, "ok")
    assert result.error == "429 Too Many Requests: ratelimited"


def test_nested_success_path():
    assert reported_failure({"meta": {"ok": True}}, "meta.ok") is None
    assert "meta.ok = false" in reported_failure({"meta": {"ok": False}}, "meta.ok")


def test_the_definition_format_accepts_success_path_on_tools_and_verification():
    assert HttpSpec(method="POST", path="/chat.postMessage", success_path="ok").success_path == "ok"
    assert VerificationSpec(path="/auth.test", success_path="ok").success_path == "ok"
