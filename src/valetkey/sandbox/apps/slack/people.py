"""users.list/info/lookupByEmail, auth.test and files.upload."""

from __future__ import annotations

from typing import Any

from .access import joined_channel
from .kit import Call, Method, SlackError, bot_fields, page
from .render import file_json, user_json
from .state import BOT_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, File

FILETYPES = {
    "csv": "csv",
    "py": "python",
    "md": "markdown",
    "json": "json",
    "html": "html",
    "txt": "text",
    "log": "text",
}


def list_users(call: Call) -> dict[str, Any]:
    body = page(call, [user_json(u) for u in call.state.users.values()], "members")
    body.pop("has_more")
    return {**body, "cache_ts": 0}


def user_info(call: Call) -> dict[str, Any]:
    user = call.state.users.get(call.arg("user", required=True) or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user_json(user)}


def lookup_by_email(call: Call) -> dict[str, Any]:
    email = (call.arg("email", required=True) or "").lower()
    user = next((u for u in call.state.users.values() if (u.email or "").lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user_json(user)}


def auth_test(call: Call) -> dict[str, Any]:
    body = {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": call.user.name,
        "team_id": TEAM_ID,
        "user_id": call.user.id,
        "is_enterprise_install": False,
    }
    if call.is_bot:
        body["bot_id"] = BOT_ID
    return body


def upload_file(call: Call) -> dict[str, Any]:
    content = call.args.get("content")
    if not content:
        raise SlackError("no_file_data")
    refs = [c.strip() for c in (call.arg("channels") or "").split(",") if c.strip()]
    channels = [joined_channel(call, ref) for ref in refs]
    name = call.arg("filename") or "-.txt"
    filetype = call.arg("filetype") or FILETYPES.get(name.rpartition(".")[2].lower(), "text")
    file = File(
        call.state.new_id("F"),
        name,
        call.arg("title") or name,
        filetype,
        content,
        call.user.id,
        [c.id for c in channels],
    )
    call.state.files[file.id] = file
    thread_ts = call.arg("thread_ts")
    for channel in channels:
        parent = channel.messages.get(thread_ts or "")
        call.state.post(
            channel,
            call.user.id,
            call.arg("initial_comment") or "",
            files=[file.id],
            thread_ts=(parent.thread_ts or parent.ts) if parent else None,
            **bot_fields(call),
        )
    return {"file": file_json(call.state, file)}


METHODS = {
    "users.list": Method(list_users, ("users:read",)),
    "users.info": Method(user_info, ("users:read",)),
    "users.lookupByEmail": Method(lookup_by_email, ("users:read.email",)),
    "auth.test": Method(auth_test),
    "files.upload": Method(upload_file, ("files:write", "files:write:user")),
}
