"""Every Slack tool through the official SDK, a real server and the Slack emulator.

The default connection runs Slack's OAuth v2 flow with `user_scope`, so tools
act as alice with a user token (xoxp-); one test connects a pasted bot token
(xoxb-) instead. Slack answers failures as HTTP 200 ``{"ok": false}``: those
must come back as unsuccessful results naming Slack's error code.
"""

from __future__ import annotations

import httpx
import pytest

from valetkey.sandbox.apps.slack.state import BOT_USER_ID

ALICE, BOB, CAROL = "U01ALICE00", "U02BOB0000", "U03CAROL00"
GENERAL, RANDOM, LEADS = "C01GENERAL", "C02RANDOM0", "G01LEADS00"


@pytest.fixture
def slack(connect):
    """alice's account, connected through Slack's OAuth v2 flow (user token)."""
    return connect("slack")


def slack_error(result) -> str:
    assert result["successful"] is False, result
    return result["error"]


def test_oauth_flow_gives_a_user_token_acting_as_the_member(slack):
    me = slack.ok("SLACK_AUTH_TEST")
    assert (me["user"], me["user_id"], me["team_id"]) == ("alice", ALICE, "T0SANDBOX1")
    assert "bot_id" not in me
    sent = [r for r in slack.emulator.requests.all() if r.path == "/api/auth.test"]
    assert sent[-1].header("authorization").startswith("Bearer xoxp-")
    token_calls = [r for r in slack.emulator.requests.all() if r.path == "/api/oauth.v2.access"]
    assert len(token_calls) == 1
    authorize = next(r for r in slack.emulator.requests.all() if r.path == "/oauth/v2/authorize")
    query = dict(authorize.query)
    assert "search:read" in query["user_scope"].split(",") and "scope" not in query


def test_send_update_react_and_delete_a_message(slack):
    general = slack.state.channels[GENERAL]
    sent = slack.ok("SLACK_SEND_MESSAGE", {"channel": "#general", "text": "Build *green* :tada:"})
    ts = sent["ts"]
    assert sent["channel"] == GENERAL and sent["message"]["user"] == ALICE
    assert general.messages[ts].text == "Build *green* :tada:"

    blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": "Edited"}}]'
    updated = slack.ok(
        "SLACK_UPDATE_MESSAGE", {"channel": GENERAL, "ts": ts, "text": "Build green", "blocks": blocks}
    )
    assert updated["text"] == "Build green" and general.messages[ts].blocks[0]["type"] == "section"
    assert general.messages[ts].edited["user"] == ALICE

    slack.ok("SLACK_ADD_REACTION", {"channel": GENERAL, "timestamp": ts, "name": "thumbsup"})
    assert general.messages[ts].reactions == {"thumbsup": [ALICE]}
    assert "already_reacted" in slack_error(
        slack.execute("SLACK_ADD_REACTION", {"channel": GENERAL, "timestamp": ts, "name": "thumbsup"})
    )
    slack.ok("SLACK_REMOVE_REACTION", {"channel": GENERAL, "timestamp": ts, "name": "thumbsup"})
    assert general.messages[ts].reactions == {}
    assert "no_reaction" in slack_error(
        slack.execute("SLACK_REMOVE_REACTION", {"channel": GENERAL, "timestamp": ts, "name": "thumbsup"})
    )

    bobs = next(m for m in general.messages.values() if m.user == BOB)
    assert "cant_update_message" in slack_error(
        slack.execute("SLACK_UPDATE_MESSAGE", {"channel": GENERAL, "ts": bobs.ts, "text": "hijack"})
    )
    deleted = slack.ok("SLACK_DELETE_MESSAGE", {"channel": GENERAL, "ts": ts})
    assert deleted == {"ok": True, "channel": GENERAL, "ts": ts} and ts not in general.messages
    result = slack.execute("SLACK_DELETE_MESSAGE", {"channel": GENERAL, "ts": ts})
    assert result["error"].startswith("message_not_found") and result["data"]["status_code"] == 200


def test_slack_errors_in_http_200_answers_are_unsuccessful_results(slack):
    result = slack.execute("SLACK_SEND_MESSAGE", {"channel": "C0NOPE", "text": "hi"})
    assert result["successful"] is False
    assert result["error"] == "channel_not_found (HTTP 200 answer with ok = false)"
    assert '"error": "channel_not_found"' in result["data"]["message"]
    # A private channel alice is not in looks exactly like a missing one.
    assert "channel_not_found" in slack_error(
        slack.execute("SLACK_FETCH_CONVERSATION_HISTORY", {"channel": LEADS})
    )


def test_history_threads_and_cursor_pagination(slack):
    first = slack.ok("SLACK_FETCH_CONVERSATION_HISTORY", {"channel": GENERAL, "limit": 1})
    assert first["has_more"] is True and len(first["messages"]) == 1
    assert first["messages"][0]["text"] == "Welcome to the sandbox workspace!"  # newest first
    cursor = first["response_metadata"]["next_cursor"]
    second = slack.ok("SLACK_FETCH_CONVERSATION_HISTORY", {"channel": GENERAL, "limit": 1, "cursor": cursor})
    parent = second["messages"][0]
    assert parent["reply_count"] == 2 and second["has_more"] is False
    assert second["response_metadata"]["next_cursor"] == ""
    bad = slack.execute("SLACK_FETCH_CONVERSATION_HISTORY", {"channel": GENERAL, "cursor": "bm9wZQ=="})
    assert "invalid_cursor" in slack_error(bad)

    reply = slack.ok(
        "SLACK_SEND_MESSAGE", {"channel": GENERAL, "text": "Thursday confirmed", "thread_ts": parent["ts"]}
    )
    thread = slack.ok("SLACK_FETCH_CONVERSATION_REPLIES", {"channel": GENERAL, "ts": parent["ts"]})
    assert [m["text"] for m in thread["messages"]] == [
        "Deploy of v2.3 is scheduled for Friday",
        "Can we move it to Thursday?",
        "Sure, Thursday works",
        "Thursday confirmed",
    ]
    assert thread["messages"][-1]["ts"] == reply["ts"]
    paged = slack.ok("SLACK_FETCH_CONVERSATION_REPLIES", {"channel": GENERAL, "ts": parent["ts"], "limit": 2})
    assert len(paged["messages"]) == 2 and paged["response_metadata"]["next_cursor"]
    newer = slack.ok("SLACK_FETCH_CONVERSATION_HISTORY", {"channel": GENERAL, "oldest": parent["ts"]})
    assert parent["ts"] not in [m["ts"] for m in newer["messages"]] and len(newer["messages"]) == 1
    assert "thread_not_found" in slack_error(
        slack.execute("SLACK_FETCH_CONVERSATION_REPLIES", {"channel": GENERAL, "ts": "1.000001"})
    )


def test_channels_create_invite_topic_info_and_list(slack):
    created = slack.ok("SLACK_CREATE_CHANNEL", {"name": "proj-apollo", "is_private": True})
    channel_id = created["channel"]["id"]
    assert channel_id.startswith("G") and slack.state.channels[channel_id].members == [ALICE]
    assert "name_taken" in slack_error(slack.execute("SLACK_CREATE_CHANNEL", {"name": "proj-apollo"}))
    assert "invalid_name_specials" in slack_error(slack.execute("SLACK_CREATE_CHANNEL", {"name": "Bad Name"}))

    slack.ok("SLACK_INVITE_TO_CHANNEL", {"channel": channel_id, "users": BOB})
    assert slack.state.channels[channel_id].members == [ALICE, BOB]
    again = slack.execute("SLACK_INVITE_TO_CHANNEL", {"channel": channel_id, "users": BOB})
    assert "already_in_channel" in slack_error(again)
    assert "user_not_found" in slack_error(
        slack.execute("SLACK_INVITE_TO_CHANNEL", {"channel": channel_id, "users": "U0NOBODY"})
    )

    topic = slack.ok("SLACK_SET_CHANNEL_TOPIC", {"channel": channel_id, "topic": "Launch on Monday"})
    assert topic["channel"]["topic"]["value"] == "Launch on Monday"
    assert slack.state.channels[channel_id].topic["creator"] == ALICE
    info = slack.ok("SLACK_GET_CHANNEL_INFO", {"channel": channel_id, "include_num_members": True})
    assert info["channel"]["num_members"] == 2 and info["channel"]["is_private"] is True

    public = slack.ok("SLACK_LIST_CHANNELS", {})
    assert [c["name"] for c in public["channels"]] == ["general", "random"]
    every = slack.ok("SLACK_LIST_CHANNELS", {"types": "public_channel,private_channel", "limit": 2})
    assert [c["name"] for c in every["channels"]] == ["general", "random"]
    rest = slack.ok(
        "SLACK_LIST_CHANNELS",
        {"types": "public_channel,private_channel", "cursor": every["response_metadata"]["next_cursor"]},
    )
    assert [c["name"] for c in rest["channels"]] == ["proj-apollo"]  # not bob's private #leads


def test_members_lookup_and_info(slack):
    members = slack.ok("SLACK_LIST_USERS", {"limit": 3})
    assert [m["name"] for m in members["members"]] == ["alice", "bob", "carol"]
    assert members["members"][2]["deleted"] is True
    more = slack.ok("SLACK_LIST_USERS", {"cursor": members["response_metadata"]["next_cursor"]})
    assert [m["id"] for m in more["members"]] == [BOT_USER_ID]
    found = slack.ok("SLACK_LOOKUP_USER_BY_EMAIL", {"email": "Bob@example.com"})
    assert found["user"]["id"] == BOB
    assert "users_not_found" in slack_error(
        slack.execute("SLACK_LOOKUP_USER_BY_EMAIL", {"email": "x@example.com"})
    )
    info = slack.ok("SLACK_GET_USER_INFO", {"user": BOB})
    assert info["user"]["profile"]["title"] == "Designer"
    assert "user_not_found" in slack_error(slack.execute("SLACK_GET_USER_INFO", {"user": "U0NOBODY"}))


def test_search_messages_with_modifiers_and_paging(slack):
    slack.ok("SLACK_SEND_MESSAGE", {"channel": RANDOM, "text": "deploy notes for Thursday"})
    hits = slack.ok("SLACK_SEARCH_MESSAGES", {"query": "thursday", "sort": "timestamp"})
    assert hits["messages"]["total"] == 3
    assert hits["messages"]["matches"][0]["text"] == "deploy notes for Thursday"
    scoped = slack.ok("SLACK_SEARCH_MESSAGES", {"query": "thursday in:#general from:@bob"})
    assert [m["text"] for m in scoped["messages"]["matches"]] == ["Sure, Thursday works"]
    paged = slack.ok("SLACK_SEARCH_MESSAGES", {"query": "thursday", "count": 2, "page": 2})
    assert paged["messages"]["paging"] == {"count": 2, "total": 3, "page": 2, "pages": 2}
    assert len(paged["messages"]["matches"]) == 1
    private = slack.ok("SLACK_SEARCH_MESSAGES", {"query": "budget"})  # bob's private channel stays hidden
    assert private["messages"]["total"] == 0


def test_upload_a_file_into_a_channel(slack):
    data = slack.ok(
        "SLACK_UPLOAD_FILE",
        {
            "content": "a,b\n1,2\n",
            "filename": "report.csv",
            "title": "Report",
            "channels": GENERAL,
            "initial_comment": "Weekly numbers",
        },
    )
    file = data["file"]
    assert (file["filetype"], file["size"], file["channels"]) == ("csv", 8, [GENERAL])
    assert slack.state.files[file["id"]].content == "a,b\n1,2\n"
    shared = list(slack.state.channels[GENERAL].messages.values())[-1]
    assert shared.files == [file["id"]] and shared.text == "Weekly numbers"
    assert "channel_not_found" in slack_error(
        slack.execute("SLACK_UPLOAD_FILE", {"content": "x", "channels": "C0NOPE"})
    )
    ops = slack.emulator.seed_with({"channels": [{"name": "ops", "members": ["bob"]}]})["channels"][0]
    assert "not_in_channel" in slack_error(
        slack.execute("SLACK_UPLOAD_FILE", {"content": "x", "channels": ops})
    )


def test_a_pasted_bot_token_acts_as_the_bot_and_cannot_search(connect):
    bot = connect("slack", "BEARER_TOKEN")
    me = bot.ok("SLACK_AUTH_TEST")
    assert (me["user_id"], me["bot_id"]) == (BOT_USER_ID, "B0BOTVALET")
    sent = bot.ok("SLACK_SEND_MESSAGE", {"channel": GENERAL, "text": "beep"})
    assert sent["message"]["bot_id"] == "B0BOTVALET"
    assert bot.state.channels[GENERAL].messages[sent["ts"]].user == BOT_USER_ID
    assert "not_in_channel" in slack_error(
        bot.execute("SLACK_SEND_MESSAGE", {"channel": RANDOM, "text": "beep"})
    )
    assert "not_allowed_token_type" in slack_error(bot.execute("SLACK_SEARCH_MESSAGES", {"query": "deploy"}))
    # auth.test answers HTTP 200 {"ok": false, "error": "invalid_auth"}: verification must refuse it.
    refused = bot.composio.connected_accounts.initiate(
        "someone-else",
        bot.auth_config_id,
        config={"auth_scheme": "BEARER_TOKEN", "val": {"token": "xoxb-revoked"}},
    )
    assert refused.status == "FAILED"


def test_bad_tokens_scopes_and_rate_limits_answer_like_slack(slack, sandbox):
    api = f"{sandbox.url}/slack/api"
    with httpx.Client(timeout=10) as client:
        assert client.post(f"{api}/auth.test").json() == {"ok": False, "error": "not_authed"}
        bad = client.post(f"{api}/auth.test", headers={"Authorization": "Bearer xoxb-nope"})
        assert (bad.status_code, bad.json()) == (200, {"ok": False, "error": "invalid_auth"})
        narrow = slack.emulator.issue_token("alice", ("users:read",))
        denied = client.post(
            f"{api}/chat.postMessage",
            headers={"Authorization": f"Bearer {narrow}"},
            data={"channel": GENERAL, "text": "x"},
        ).json()
        assert denied["error"] == "missing_scope" and "chat:write" in denied["needed"]
        with_json = client.post(f"{api}/auth.test", json={}, headers={"Authorization": f"Bearer {narrow}"})
        assert with_json.json()["ok"] is True
    slack.emulator.seed_with({"rate_limit_per_minute": 2})
    slack.ok("SLACK_GET_USER_INFO", {"user": BOB})
    slack.ok("SLACK_GET_USER_INFO", {"user": BOB})
    assert slack.execute("SLACK_LOOKUP_USER_BY_EMAIL", {"email": "bob@example.com"})[
        "successful"
    ]  # per method
    result = slack.execute("SLACK_GET_USER_INFO", {"user": BOB})
    assert result["successful"] is False and result["data"]["status_code"] == 429
    assert "ratelimited" in result["error"]
    limited = [r for r in slack.emulator.requests.all() if r.path == "/api/users.info"]
    assert len(limited) >= 3
    with httpx.Client(timeout=10) as client:
        raw = client.get(
            f"{api}/users.info",
            params={"user": BOB},
            headers={"Authorization": f"Bearer {limited[-1].header('authorization')[7:]}"},
        )
    assert raw.status_code == 429 and 1 <= int(raw.headers["retry-after"]) <= 60
    assert raw.json() == {"ok": False, "error": "ratelimited"}
