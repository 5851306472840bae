"""What the Slack emulator remembers: one workspace with members, channels, messages and files.

Plain dataclasses, mutated under the app's `StateStore` lock. Messages are
keyed by their `ts` ("1700000000.000100"), Slack's message ID, which the
emulator hands out strictly increasing; a thread reply carries its parent's
`thread_ts`, as in the Web API.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0SANDBOX1"
TEAM_NAME = "Valetkey Sandbox"
TEAM_DOMAIN = "valetkey-sandbox"
BOT_USER_ID = "U0BOTVALET"
BOT_ID = "B0BOTVALET"
APP_ID = "A0SANDBOX1"
#: The bot events the app's Event Subscriptions may list (`events`).
BOT_EVENTS = ("message.channels", "message.groups", "reaction_added", "channel_created")


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    title: str = ""
    tz: str = "Europe/London"


@dataclass
class Message:
    ts: str
    user: str
    text: str
    blocks: list[Any] | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    # emoji name -> user IDs, in the order they reacted.
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: dict[str, str] | None = None
    files: list[str] = field(default_factory=list)
    reply_broadcast: bool = False


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    is_private: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    # ts -> message, in posting order (top-level messages and thread replies).
    messages: dict[str, Message] = field(default_factory=dict)
    topic: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    purpose: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    created: int = field(default_factory=lambda: int(time.time()))

    def replies(self, parent_ts: str) -> list[Message]:
        return [m for m in self.messages.values() if m.thread_ts == parent_ts and m.ts != parent_ts]


@dataclass
class File:
    id: str
    name: str
    title: str
    filetype: str
    content: str
    user: str
    channels: list[str] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class EventSettings:
    """The app's Event Subscriptions: where events go and how they are signed."""

    request_url: str | None = None
    signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    verification_token: str = field(default_factory=lambda: secrets.token_urlsafe(18)[:24])
    bot_events: list[str] = field(default_factory=lambda: list(BOT_EVENTS))

    def to_json(self) -> dict[str, Any]:
        return {
            "request_url": self.request_url,
            "signing_secret": self.signing_secret,
            "verification_token": self.verification_token,
            "app_id": APP_ID,
            "team_id": TEAM_ID,
            "bot_events": list(self.bot_events),
        }


@dataclass
class SlackState:
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    # Requests per token and method per minute before 429 ratelimited (Slack's tiers: 1 to 100+).
    rate_limit_per_minute: int = 100
    events: EventSettings = field(default_factory=EventSettings)
    _last_ts: float = 0.0
    _ids: int = 100

    def next_ts(self) -> str:
        """A new message ts: the current time, strictly after the previous one."""
        value = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = value
        return f"{value:.6f}"

    def new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}0{self._ids:08X}"

    def user_named(self, name: str) -> User | None:
        return next((u for u in self.users.values() if u.name == name), None)

    def ensure_user(self, name: str) -> User:
        """The member a sandbox login names, created on first sight (as any OAuth subject may sign in)."""
        user = self.users.get(name) or self.user_named(name)
        if user is None:
            user = User(self.new_id("U"), name, name.title(), f"{name}@example.com")
            self.users[user.id] = user
            for channel in self.channels.values():
                if channel.name == "general":
                    channel.members.append(user.id)
        return user

    def channel(self, ref: str) -> Channel | None:
        """By ID, or by name with or without '#'."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name), None)

    def post(self, channel: Channel, user: str, text: str, **fields: Any) -> Message:
        message = Message(self.next_ts(), user, text, **fields)
        channel.messages[message.ts] = message
        return message


def initial_state() -> SlackState:
    """alice (the default login), bob, a deactivated carol and the app's bot; #general with a thread,
    #random, and #leads, private to bob."""
    state = SlackState()
    for user in (
        User("U01ALICE00", "alice", "Alice Archer", "alice@example.com", is_admin=True, title="Engineer"),
        User("U02BOB0000", "bob", "Bob Baker", "bob@example.com", title="Designer"),
        User("U03CAROL00", "carol", "Carol Cole", "carol@example.com", deleted=True),
        User(BOT_USER_ID, "valetbot", "Valet Bot", is_bot=True),
    ):
        state.users[user.id] = user
    everyone = ["U01ALICE00", "U02BOB0000", BOT_USER_ID]
    general = Channel("C01GENERAL", "general", "U01ALICE00", members=list(everyone))
    general.topic = {
        "value": "Company-wide announcements",
        "creator": "U01ALICE00",
        "last_set": general.created,
    }
    random = Channel("C02RANDOM0", "random", "U01ALICE00", members=["U01ALICE00", "U02BOB0000"])
    leads = Channel("G01LEADS00", "leads", "U02BOB0000", is_private=True, members=["U02BOB0000"])
    for channel in (general, random, leads):
        state.channels[channel.id] = channel
    parent = state.post(general, "U02BOB0000", "Deploy of v2.3 is scheduled for Friday")
    state.post(general, "U01ALICE00", "Can we move it to Thursday?", thread_ts=parent.ts)
    state.post(general, "U02BOB0000", "Sure, Thursday works", thread_ts=parent.ts)
    parent.thread_ts = parent.ts
    state.post(general, "U01ALICE00", "Welcome to the sandbox workspace!")
    state.post(random, "U02BOB0000", "Lunch at noon? Pizza or sushi")
    state.post(leads, "U02BOB0000", "Budget review notes (private)")
    return state


def seed(state: SlackState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"users": [{"name", "real_name"?, "email"?}], "channels": [{"name", "is_private"?, "members"?}],
    "messages": [{"channel", "user", "text"}], "rate_limit_per_minute": n}`` -> the IDs created."""
    created: dict[str, list[str]] = {"users": [], "channels": [], "messages": []}
    for spec in payload.get("users") or []:
        user = User(state.new_id("U"), spec["name"], spec.get("real_name") or spec["name"], spec.get("email"))
        state.users[user.id] = user
        created["users"].append(user.id)
    for spec in payload.get("channels") or []:
        members = [state.ensure_user(m).id for m in spec.get("members") or []]
        channel = Channel(
            state.new_id("G" if spec.get("is_private") else "C"),
            spec["name"],
            members[0] if members else "U01ALICE00",
            bool(spec.get("is_private")),
            members=members,
        )
        state.channels[channel.id] = channel
        created["channels"].append(channel.id)
    for spec in payload.get("messages") or []:
        target = state.channel(spec["channel"])
        if target is None:
            raise ValueError(f"no channel {spec['channel']!r}")
        created["messages"].append(state.post(target, state.ensure_user(spec["user"]).id, spec["text"]).ts)
    if "rate_limit_per_minute" in payload:
        state.rate_limit_per_minute = int(payload["rate_limit_per_minute"])
    return created
