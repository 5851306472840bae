"""conversations.list/info/create/invite/setTopic."""

from __future__ import annotations

import re
import time
from typing import Any

from .access import joined_channel, visible_channel
from .events import channel_created_event
from .kit import Call, Method, SlackError, page
from .render import channel_json
from .state import Channel

TYPES = {"public_channel", "private_channel", "mpim", "im"}
NAME = re.compile(r"[a-z0-9_\-\u00C0-\uFFFF]{1,80}")


def list_channels(call: Call) -> dict[str, Any]:
    types = {t.strip() for t in (call.arg("types") or "public_channel").split(",") if t.strip()}
    if not types <= TYPES:
        raise SlackError("invalid_types")
    channels = []
    for channel in call.state.channels.values():
        if channel.is_private and ("private_channel" not in types or call.user.id not in channel.members):
            continue
        if not channel.is_private and "public_channel" not in types:
            continue
        if channel.is_archived and call.flag("exclude_archived"):
            continue
        channels.append(channel_json(channel, call.user))
    body = page(call, channels, "channels")
    body.pop("has_more")
    return body


def channel_info(call: Call) -> dict[str, Any]:
    channel = visible_channel(call, call.arg("channel", required=True))
    return {"channel": channel_json(channel, call.user, num_members=call.flag("include_num_members"))}


def create_channel(call: Call) -> dict[str, Any]:
    name = call.arg("name", required=True) or ""
    if not NAME.fullmatch(name):
        raise SlackError("invalid_name_specials" if len(name) <= 80 else "invalid_name_maxlength")
    if any(c.name == name for c in call.state.channels.values()):
        raise SlackError("name_taken")
    private = call.flag("is_private")
    channel = Channel(
        call.state.new_id("G" if private else "C"),
        name,
        call.user.id,
        is_private=private,
        members=[call.user.id],
    )
    call.state.channels[channel.id] = channel
    if not private:
        call.events.append(channel_created_event(channel))
    return {"channel": channel_json(channel, call.user)}


def invite(call: Call) -> dict[str, Any]:
    channel = joined_channel(call, call.arg("channel", required=True))
    ids = [u.strip() for u in (call.arg("users", required=True) or "").split(",") if u.strip()]
    if not ids or len(ids) > 1000:
        raise SlackError("no_user" if not ids else "too_many_users")
    errors: list[dict[str, Any]] = []
    for user_id in ids:
        user = call.state.users.get(user_id)
        if user_id == call.user.id:
            errors.append({"user": user_id, "ok": False, "error": "cant_invite_self"})
        elif user is None:
            errors.append({"user": user_id, "ok": False, "error": "user_not_found"})
        elif user.deleted:
            errors.append({"user": user_id, "ok": False, "error": "user_is_restricted"})
        elif user_id in channel.members:
            errors.append({"user": user_id, "ok": False, "error": "already_in_channel"})
    if errors:  # Slack invites nobody when any user fails, and names the first error
        raise SlackError(errors[0]["error"], errors=errors)
    channel.members.extend(ids)
    return {"channel": channel_json(channel, call.user)}


def set_topic(call: Call) -> dict[str, Any]:
    channel = joined_channel(call, call.arg("channel", required=True))
    topic = call.args.get("topic")
    if topic is None:
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: topic"]}
        )
    if len(topic) > 250:
        raise SlackError("too_long")
    channel.topic = {"value": topic, "creator": call.user.id, "last_set": int(time.time())}
    return {"channel": channel_json(channel, call.user)}


READ = ("channels:read", "groups:read", "im:read", "mpim:read")
WRITE = (
    "channels:write",
    "groups:write",
    "im:write",
    "mpim:write",
    "channels:manage",
    "groups:write.invites",
)
METHODS = {
    "conversations.list": Method(list_channels, READ),
    "conversations.info": Method(channel_info, READ),
    "conversations.create": Method(create_channel, WRITE),
    "conversations.invite": Method(invite, WRITE),
    "conversations.setTopic": Method(set_topic, WRITE),
}
