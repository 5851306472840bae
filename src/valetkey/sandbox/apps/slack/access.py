"""Who may see and change which channel and message: Slack's rules, reduced to what the tools meet."""

from __future__ import annotations

from .kit import Call, SlackError
from .state import Channel, Message


def visible_channel(call: Call, ref: str | None) -> Channel:
    """The channel, or `channel_not_found` when it is missing or private to others (indistinguishable)."""
    channel = call.state.channel(ref or "")
    if channel is None or (channel.is_private and call.user.id not in channel.members):
        raise SlackError("channel_not_found")
    return channel


def readable_channel(call: Call, ref: str | None) -> Channel:
    """Bots read only channels they are in; members read any public channel."""
    channel = visible_channel(call, ref)
    if call.is_bot and call.user.id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def joined_channel(call: Call, ref: str | None) -> Channel:
    channel = visible_channel(call, ref)
    if call.user.id not in channel.members:
        raise SlackError("not_in_channel")
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel


def message_in(channel: Channel, ts: str | None, *, error: str = "message_not_found") -> Message:
    message = channel.messages.get(ts or "")
    if message is None:
        raise SlackError(error)
    return message
