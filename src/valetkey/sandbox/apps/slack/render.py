"""Slack's JSON shapes for members, channels, messages and files."""

from __future__ import annotations

from typing import Any

from .state import TEAM_DOMAIN, TEAM_ID, Channel, File, Message, SlackState, User

MIME_TYPES = {
    "csv": "text/csv",
    "python": "text/x-python",
    "markdown": "text/markdown",
    "json": "application/json",
    "html": "text/html",
}


def user_json(user: User) -> dict[str, Any]:
    profile = {
        "real_name": user.real_name,
        "display_name": user.name,
        "title": user.title,
        "image_72": f"https://avatars.slack-edge.com/sandbox/{user.id}_72.png",
    }
    if user.email:
        profile["email"] = user.email
    return {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "real_name": user.real_name,
        "deleted": user.deleted,
        "is_bot": user.is_bot,
        "is_admin": user.is_admin,
        "tz": user.tz,
        "profile": profile,
    }


def channel_json(channel: Channel, viewer: User, *, num_members: bool = True) -> dict[str, Any]:
    body = {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "is_shared": False,
        "is_member": viewer.id in channel.members,
        "created": channel.created,
        "creator": channel.creator,
        "topic": dict(channel.topic),
        "purpose": dict(channel.purpose),
    }
    if num_members:
        body["num_members"] = len(channel.members)
    return body


def message_json(channel: Channel, message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": TEAM_ID,
    }
    if message.bot_id:
        body["bot_id"] = message.bot_id
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
        if message.thread_ts == message.ts:
            replies = channel.replies(message.ts)
            users = list(dict.fromkeys(r.user for r in replies))
            body.update(
                reply_count=len(replies),
                reply_users_count=len(users),
                reply_users=users,
                latest_reply=replies[-1].ts if replies else message.ts,
            )
        else:
            body["parent_user_id"] = (
                channel.messages[message.thread_ts].user if message.thread_ts in channel.messages else None
            )
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if message.edited:
        body["edited"] = dict(message.edited)
    if message.files:
        body["files"] = [{"id": f} for f in message.files]
    return body


def permalink(channel: Channel, ts: str) -> str:
    return f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"


def file_json(state: SlackState, file: File) -> dict[str, Any]:
    public = [c for c in file.channels if not state.channels[c].is_private]
    private = [c for c in file.channels if state.channels[c].is_private]
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": MIME_TYPES.get(file.filetype, "text/plain"),
        "filetype": file.filetype,
        "pretty_type": file.filetype.title(),
        "user": file.user,
        "mode": "snippet",
        "editable": True,
        "is_external": False,
        "size": len(file.content.encode()),
        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file.id}/{file.name}",
        "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{file.user}/{file.id}/{file.name}",
        "channels": public,
        "groups": private,
        "ims": [],
    }
