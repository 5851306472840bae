"""Unit checks of the hook configuration: parsing, the stored form, and the order hooks run in."""

from __future__ import annotations

import asyncio

from valetkey.sessions import hooks
from valetkey.sessions.config import SessionConfig, from_json, to_json

BEFORE = {
    "type": "before_execute",
    "id": "b",
    "name": "No outsiders",
    "applies_to": {"toolkits": ["GitHub"]},
    "handler": {"type": "condition_check", "condition": "Anything outside example.org", "action": "block"},
}
AFTER = {
    "type": "after_execute",
    "id": "a",
    "applies_to": "all",
    "handler": {"type": "prompt_injection_check", "action": "block"},
}


def test_hooks_survive_the_stored_form_and_come_back_as_sent():
    parsed = hooks.parse_hooks([BEFORE, AFTER])
    assert parsed[0].toolkits == ("github",) and parsed[1].toolkits is None
    config = SessionConfig(user_id="u", hooks=parsed)
    assert from_json(to_json(config)).hooks == parsed
    assert hooks.wire(parsed) == [{**BEFORE, "applies_to": {"toolkits": ["github"]}}, AFTER]


def test_a_before_block_never_calls_the_tool_and_later_hooks_do_not_run():
    calls = []

    async def call():
        calls.append(1)
        return {"data": {"ok": True}, "error": None, "successful": True, "log_id": "log_1"}

    two = hooks.parse_hooks([BEFORE, {**BEFORE, "id": "c"}])
    judge = hooks.Judge(llm=None, fail_open=False)  # no model: a condition hook fails closed
    result = asyncio.run(
        hooks.guarded(two, judge, tool_slug="GITHUB_X", toolkit="github", arguments={}, call=call)
    )
    assert calls == [] and result["blocked"]["hook_id"] == "b" and len(result["hook_results"]) == 1
    other = asyncio.run(
        hooks.guarded(two, judge, tool_slug="SLACK_X", toolkit="slack", arguments={}, call=call)
    )
    assert calls == [1] and "hook_results" not in other  # no hook applies to slack
