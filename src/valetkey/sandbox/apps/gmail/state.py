"""The Gmail emulator's data: one mailbox per user with messages, labels and drafts.

A message is stored as its raw RFC 822 bytes (what ``messages.send`` takes
and ``format=raw`` returns) plus Gmail's bookkeeping: thread id, label ids,
internal date, history id. Threads are not stored: a thread is the set of
messages sharing a thread id. Ids are 16 hex digits, as Gmail's are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from valetkey.sandbox.apps._google import DEFAULT_SUBJECT, google_email

from . import mime

SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "TRASH",
    "SPAM",
    "DRAFT",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
# System labels a client may not put on or take off a message (Gmail answers 400 "Invalid label").
FIXED_LABELS = frozenset({"SENT", "DRAFT", "CHAT"})
HIDDEN_IN_LIST = frozenset({"TRASH", "SPAM"})


@dataclass
class Label:
    id: str
    name: str
    type: str = "user"
    message_list_visibility: str | None = "show"
    label_list_visibility: str | None = "labelShow"
    color: dict[str, str] | None = None


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    label_ids: list[str]
    internal_date: int  # milliseconds since the epoch
    history_id: int
    parsed: EmailMessage = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.parsed = mime.parse(self.raw)

    def has(self, label_id: str) -> bool:
        return label_id in self.label_ids

    def add(self, *label_ids: str) -> None:
        self.label_ids += [label for label in label_ids if label not in self.label_ids]

    def remove(self, *label_ids: str) -> None:
        self.label_ids = [label for label in self.label_ids if label not in label_ids]


@dataclass
class HistoryRecord:
    """One change to a mailbox, as ``users.history.list`` reports it.

    `kind` is ``messagesAdded``, ``messagesDeleted``, ``labelsAdded`` or
    ``labelsRemoved``; `label_ids` are the message's labels after the change
    (what a ``labelId`` filter looks at), `changed` the labels added or removed.
    """

    id: int
    kind: str
    message_id: str
    thread_id: str
    label_ids: list[str]
    changed: list[str] = field(default_factory=list)


@dataclass
class Draft:
    id: str
    message_id: str


@dataclass
class Mailbox:
    email: str
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    labels: dict[str, Label] = field(
        default_factory=lambda: {name: Label(name, name, "system", None, None) for name in SYSTEM_LABELS}
    )
    drafts: dict[str, Draft] = field(default_factory=dict)
    next_label: int = 1
    history: list[HistoryRecord] = field(default_factory=list)
    # The oldest history id ``history.list`` still answers from; older ones are 404 (expired).
    history_floor: int = 0

    def newest_first(self) -> list[StoredMessage]:
        return sorted(self.messages.values(), key=lambda m: (m.internal_date, m.id), reverse=True)

    def thread(self, thread_id: str) -> list[StoredMessage]:
        """The messages of a thread, oldest first (Gmail's order inside a thread)."""
        return sorted(
            (m for m in self.messages.values() if m.thread_id == thread_id),
            key=lambda m: (m.internal_date, m.id),
        )

    def label_named(self, name: str) -> Label | None:
        wanted = name.lower().replace("-", " ")
        for label in self.labels.values():
            if label.id.lower() == name.lower() or label.name.lower().replace("-", " ") == wanted:
                return label
        return None

    def thread_for(self, parsed: EmailMessage, requested: str | None) -> str | None:
        """The thread a new message joins: the one asked for, else the one its References point into.

        Gmail threads a message when its ``In-Reply-To``/``References`` name a
        message of the thread and the subjects agree (ignoring Re:/Fwd:).
        """
        if requested and any(m.thread_id == requested for m in self.messages.values()):
            return requested
        referenced = mime.referenced_ids(parsed)
        subject = mime.base_subject(parsed)
        for message in self.newest_first():
            if mime.message_id(message.parsed) in referenced and mime.base_subject(message.parsed) == subject:
                return message.thread_id
        return None


@dataclass
class GmailState:
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    counter: int = 0
    history: int = 1000

    def mailbox(self, email: str) -> Mailbox:
        email = email.lower()
        if email not in self.mailboxes:
            self.mailboxes[email] = Mailbox(email, history_floor=self.history)
        return self.mailboxes[email]

    def new_id(self) -> str:
        self.counter += 1
        return f"{0x190A0B0C00000000 + self.counter * 0x1F3:016x}"

    def next_history(self) -> int:
        self.history += 1
        return self.history

    def record(
        self, mailbox: Mailbox, kind: str, message: StoredMessage, changed: list[str] | tuple[str, ...] = ()
    ) -> None:
        """Give `message` a new history id and log the change in `mailbox`'s history."""
        message.history_id = self.next_history()
        mailbox.history.append(
            HistoryRecord(
                message.history_id,
                kind,
                message.id,
                message.thread_id,
                list(message.label_ids),
                list(changed),
            )
        )

    def relabel(
        self,
        mailbox: Mailbox,
        message: StoredMessage,
        add: list[str] | tuple[str, ...],
        remove: list[str] | tuple[str, ...],
    ) -> None:
        """Add and remove labels, logging ``labelsAdded`` / ``labelsRemoved`` for what actually changed."""
        added = [label for label in dict.fromkeys(add) if label not in message.label_ids]
        removed = [
            label for label in dict.fromkeys(remove) if label in message.label_ids and label not in added
        ]
        message.add(*added)
        message.remove(*removed)
        if added:
            self.record(mailbox, "labelsAdded", message, added)
        if removed:
            self.record(mailbox, "labelsRemoved", message, removed)
        if not added and not removed:
            message.history_id = self.next_history()

    def delete(self, mailbox: Mailbox, message_id: str) -> StoredMessage:
        message = mailbox.messages.pop(message_id)
        self.record(mailbox, "messagesDeleted", message)
        return message

    def store(
        self,
        mailbox: Mailbox,
        raw: bytes,
        label_ids: list[str],
        *,
        thread_id: str | None = None,
        internal_date: int | None = None,
    ) -> StoredMessage:
        """File `raw` in `mailbox` (joining a thread when it replies into one) and return it."""
        message_id = self.new_id()
        message = StoredMessage(
            message_id,
            "",
            raw,
            list(dict.fromkeys(label_ids)),
            internal_date or int(time.time() * 1000),
            self.next_history(),
        )
        message.thread_id = mailbox.thread_for(message.parsed, thread_id) or message_id
        mailbox.messages[message_id] = message
        mailbox.history.append(
            HistoryRecord(
                message.history_id, "messagesAdded", message_id, message.thread_id, list(message.label_ids)
            )
        )
        return message

    def deliver(self, sender: Mailbox, sent: StoredMessage) -> list[str]:
        """Copy a sent message into the inbox of every recipient with a sandbox mailbox; their addresses."""
        delivered = []
        for address in mime.recipients(sent.parsed):
            if address == sender.email:
                sent.add("INBOX", "UNREAD")
                # Mail to oneself arrives with its inbox labels in the same change.
                sender.history[-1].label_ids = list(sent.label_ids)
                delivered.append(address)
            elif address in self.mailboxes:
                self.store(
                    self.mailboxes[address],
                    mime.without_bcc(sent.raw),
                    ["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL"],
                    internal_date=sent.internal_date,
                )
                delivered.append(address)
        return delivered


ALICE = DEFAULT_SUBJECT
BOB = "bob@example.com"
CAROL = "carol@example.com"


def initial_state() -> GmailState:
    """Alice's inbox holds a welcome note from Bob (with an attachment) and a newsletter; Bob and Carol exist."""
    state = GmailState()
    alice = state.mailbox(ALICE)
    state.mailbox(BOB)
    state.mailbox(CAROL)
    base = 1735732800000  # 2025-01-01T12:00:00Z
    state.store(
        alice,
        mime.build(
            BOB,
            [ALICE],
            "Welcome to the team",
            "Hi Alice,\nglad to have you here.\nBob",
            attachments=[("agenda.txt", "text/plain", b"1. coffee\n2. standup\n")],
        ),
        ["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL"],
        internal_date=base,
    )
    state.store(
        alice,
        mime.build("news@example.org", [ALICE], "Weekly digest", "<p>Top stories this week</p>", html=True),
        ["INBOX", "CATEGORY_UPDATES"],
        internal_date=base + 3600_000,
    )
    return state


def seed(state: GmailState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"user"?, "messages": [{"from", "to", "subject", "body", "labels"?, "attachments"?: [{"filename",
    "mime_type", "content"}]}]}`` into the user's mailbox (default Alice); returns the new ids."""
    mailbox = state.mailbox(google_email(payload.get("user") or ALICE))
    ids = []
    for item in payload.get("messages") or []:
        to = item.get("to") or [mailbox.email]
        raw = mime.build(
            item.get("from", BOB),
            to if isinstance(to, list) else [to],
            item.get("subject", ""),
            item.get("body", ""),
            html=bool(item.get("html")),
            attachments=[
                (a["filename"], a.get("mime_type", "application/octet-stream"), a.get("content", "").encode())
                for a in item.get("attachments") or []
            ],
        )
        ids.append(state.store(mailbox, raw, item.get("labels") or ["INBOX", "UNREAD"]).id)
    return {"user": mailbox.email, "message_ids": ids}
