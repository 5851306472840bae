"""chat.*, conversations.history/replies, reactions.* and search.messages."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .access import message_in, readable_channel, visible_channel
from .events import message_event, reaction_event
from .kit import Call, Method, SlackError, bot_fields, page
from .render import message_json, permalink

MAX_TEXT = 40_000


def _blocks(call: Call) -> list[Any] | None:
    raw = call.arg("blocks")
    if raw is None:
        return None
    try:
        blocks = json.loads(raw)
    except ValueError:
        raise SlackError("invalid_blocks_format") from None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and "type" in b for b in blocks):
        raise SlackError("invalid_blocks")
    return blocks


def post_message(call: Call) -> dict[str, Any]:
    channel = visible_channel(call, call.arg("channel", required=True))
    if channel.is_archived:
        raise SlackError("is_archived")
    if call.is_bot and call.user.id not in channel.members:
        raise SlackError("not_in_channel")
    text, blocks = call.arg("text"), _blocks(call)
    if not text and not blocks:
        raise SlackError("no_text")
    if text and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    thread_ts = call.arg("thread_ts")
    if thread_ts:
        parent = message_in(channel, thread_ts, error="thread_not_found")
        thread_ts = parent.thread_ts or parent.ts  # a reply's ts names its thread
        parent = channel.messages[thread_ts]
        parent.thread_ts = parent.ts
    message = call.state.post(
        channel,
        call.user.id,
        text or "",
        blocks=blocks,
        thread_ts=thread_ts,
        reply_broadcast=bool(thread_ts) and call.flag("reply_broadcast"),
        **bot_fields(call),
    )
    call.events.append(message_event(channel, message))
    return {"channel": channel.id, "ts": message.ts, "message": message_json(channel, message)}


def _own_message(call: Call, error: str):
    channel = visible_channel(call, call.arg("channel", required=True))
    message = message_in(channel, call.arg("ts", required=True))
    if message.user != call.user.id:
        raise SlackError(error)
    return channel, message


def update_message(call: Call) -> dict[str, Any]:
    channel, message = _own_message(call, "cant_update_message")
    text, blocks = call.arg("text"), _blocks(call)
    if text is None and blocks is None:
        raise SlackError("no_text")
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks
    message.edited = {"user": call.user.id, "ts": call.state.next_ts()}
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message_json(channel, message),
    }


def delete_message(call: Call) -> dict[str, Any]:
    channel, message = _own_message(call, "cant_delete_message")
    del channel.messages[message.ts]
    return {"channel": channel.id, "ts": message.ts}


def _window(call: Call, messages: list) -> list:
    oldest, latest, inclusive = call.arg("oldest"), call.arg("latest"), call.flag("inclusive")
    try:
        low = float(oldest) if oldest else None
        high = float(latest) if latest else None
    except ValueError:
        raise SlackError("invalid_ts_oldest" if oldest else "invalid_ts_latest") from None
    out = []
    for m in messages:
        ts = float(m.ts)
        if low is not None and (ts < low or (ts == low and not inclusive)):
            continue
        if high is not None and (ts > high or (ts == high and not inclusive)):
            continue
        out.append(m)
    return out


def history(call: Call) -> dict[str, Any]:
    channel = readable_channel(call, call.arg("channel", required=True))
    top = [m for m in channel.messages.values() if m.thread_ts in (None, m.ts) or m.reply_broadcast]
    newest_first = sorted(_window(call, top), key=lambda m: float(m.ts), reverse=True)
    body = page(call, [message_json(channel, m) for m in newest_first], "messages")
    return {**body, "pin_count": 0}


def replies(call: Call) -> dict[str, Any]:
    channel = readable_channel(call, call.arg("channel", required=True))
    message = message_in(channel, call.arg("ts", required=True), error="thread_not_found")
    parent = channel.messages.get(message.thread_ts or message.ts, message)
    thread = [parent] + _window(call, channel.replies(parent.ts))
    return page(call, [message_json(channel, m) for m in thread], "messages", default_limit=1000)


def _reacted_message(call: Call):
    channel = readable_channel(call, call.arg("channel", required=True))
    message = message_in(channel, call.arg("timestamp", required=True), error="message_not_found")
    name = (call.arg("name", required=True) or "").strip(":")
    if not re.fullmatch(r"[a-z0-9_+'-]+(::skin-tone-[2-6])?", name):
        raise SlackError("invalid_name")
    return message, name


def add_reaction(call: Call) -> dict[str, Any]:
    message, name = _reacted_message(call)
    users = message.reactions.setdefault(name, [])
    if call.user.id in users:
        raise SlackError("already_reacted")
    users.append(call.user.id)
    channel = readable_channel(call, call.arg("channel", required=True))
    call.events.append(reaction_event(channel, message, call.user.id, name))
    return {}


def remove_reaction(call: Call) -> dict[str, Any]:
    message, name = _reacted_message(call)
    users = message.reactions.get(name) or []
    if call.user.id not in users:
        raise SlackError("no_reaction")
    users.remove(call.user.id)
    if not users:
        del message.reactions[name]
    return {}


def _parse_query(call: Call, query: str):
    words, filters = [], {}
    for token in query.split():
        key, sep, value = token.partition(":")
        if sep and key in ("in", "from", "before", "after", "on") and value:
            filters[key] = value.strip("#@<>")
        else:
            words.append(token.lower())
    return words, filters


def _day(value: str) -> float:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC).timestamp()
    except ValueError:
        raise SlackError("invalid_search_query") from None


def search_messages(call: Call) -> dict[str, Any]:
    query = call.arg("query", required=True) or ""
    words, filters = _parse_query(call, query)
    author = None
    if "from" in filters:
        author = call.state.users.get(filters["from"]) or call.state.user_named(filters["from"])
    matches = []
    for channel in call.state.channels.values():
        if channel.is_private and call.user.id not in channel.members:
            continue
        if "in" in filters and filters["in"] not in (channel.name, channel.id):
            continue
        for message in channel.messages.values():
            text = message.text.lower()
            if not all(w in text for w in words):
                continue
            if "from" in filters and (author is None or message.user != author.id):
                continue
            ts = float(message.ts)
            if "after" in filters and ts < _day(filters["after"]) + 86400:
                continue
            if "before" in filters and ts >= _day(filters["before"]):
                continue
            if "on" in filters and not _day(filters["on"]) <= ts < _day(filters["on"]) + 86400:
                continue
            score = sum(text.count(w) for w in words)
            matches.append((score, ts, channel, message))
    by_time = call.arg("sort") == "timestamp"
    descending = call.arg("sort_dir") != "asc"
    matches.sort(key=(lambda m: m[1]) if by_time else (lambda m: (m[0], m[1])), reverse=descending)
    count = call.number("count", 20, maximum=100)
    page_number = call.number("page", 1, maximum=100)
    total = len(matches)
    pages = max(1, -(-total // count))
    chunk = matches[(page_number - 1) * count : page_number * count]
    results = []
    for _score, _ts, channel, message in chunk:
        user = call.state.users.get(message.user)
        results.append(
            {
                "iid": f"{channel.id}-{message.ts}",
                "type": "message",
                "ts": message.ts,
                "text": message.text,
                "user": message.user,
                "username": user.name if user else "",
                "team": "T0SANDBOX1",
                "permalink": permalink(channel, message.ts),
                "channel": {"id": channel.id, "name": channel.name, "is_private": channel.is_private},
            }
        )
    paging = {"count": count, "total": total, "page": page_number, "pages": pages}
    return {
        "query": query,
        "messages": {
            "total": total,
            "matches": results,
            "paging": paging,
            "pagination": {
                "total_count": total,
                "page": page_number,
                "per_page": count,
                "page_count": pages,
                "first": (page_number - 1) * count + 1,
                "last": (page_number - 1) * count + len(results),
            },
        },
    }


METHODS = {
    "chat.postMessage": Method(post_message, ("chat:write", "chat:write:user", "chat:write:bot")),
    "chat.update": Method(update_message, ("chat:write", "chat:write:user", "chat:write:bot")),
    "chat.delete": Method(delete_message, ("chat:write", "chat:write:user", "chat:write:bot")),
    "conversations.history": Method(
        history, ("channels:history", "groups:history", "im:history", "mpim:history")
    ),
    "conversations.replies": Method(
        replies, ("channels:history", "groups:history", "im:history", "mpim:history")
    ),
    "reactions.add": Method(add_reaction, ("reactions:write",)),
    "reactions.remove": Method(remove_reaction, ("reactions:write",)),
    "search.messages": Method(search_messages, ("search:read",), user_token_only=True),
}
