"""Gmail API resources as JSON: messages in each ``format``, threads, labels, drafts, profile."""

from __future__ import annotations

from typing import Any

from . import mime
from .state import Draft, Label, Mailbox, StoredMessage

FORMATS = ("full", "metadata", "minimal", "raw")


def message(stored: StoredMessage, format_: str = "full", metadata_headers: list[str] | None = None) -> dict:
    """A ``Message``: ``minimal`` has ids and labels; ``metadata`` adds headers; ``full`` bodies; ``raw`` bytes."""
    body: dict[str, Any] = {
        "id": stored.id,
        "threadId": stored.thread_id,
        "labelIds": list(stored.label_ids),
        "snippet": mime.snippet(stored.parsed),
        "sizeEstimate": len(stored.raw),
        "historyId": str(stored.history_id),
        "internalDate": str(stored.internal_date),
    }
    if format_ == "raw":
        body["raw"] = mime.b64url(stored.raw)
    elif format_ == "metadata":
        wanted = {h.lower() for h in metadata_headers or ()}
        payload = mime.part_resource(stored.parsed, stored.id, bodies=False)
        headers = payload["headers"]
        body["payload"] = {
            "partId": "",
            "mimeType": payload["mimeType"],
            "filename": "",
            "body": {"size": 0},
            "headers": [h for h in headers if not wanted or h["name"].lower() in wanted],
        }
    elif format_ == "full":
        body["payload"] = mime.part_resource(stored.parsed, stored.id)
    return body


def message_ref(stored: StoredMessage) -> dict:
    return {"id": stored.id, "threadId": stored.thread_id}


def thread(
    messages: list[StoredMessage], format_: str = "full", metadata_headers: list[str] | None = None
) -> dict:
    last = messages[-1]
    return {
        "id": last.thread_id,
        "historyId": str(max(m.history_id for m in messages)),
        "messages": [message(m, format_, metadata_headers) for m in messages],
    }


def thread_ref(messages: list[StoredMessage]) -> dict:
    last = messages[-1]
    return {
        "id": last.thread_id,
        "snippet": mime.snippet(last.parsed),
        "historyId": str(max(m.history_id for m in messages)),
    }


def label(item: Label, mailbox: Mailbox | None = None) -> dict:
    """A ``Label``; with the mailbox (labels.get, create) it carries message and thread counts."""
    body: dict[str, Any] = {"id": item.id, "name": item.name, "type": item.type}
    if item.message_list_visibility:
        body["messageListVisibility"] = item.message_list_visibility
    if item.label_list_visibility:
        body["labelListVisibility"] = item.label_list_visibility
    if item.color:
        body["color"] = dict(item.color)
    if mailbox is not None:
        tagged = [m for m in mailbox.messages.values() if m.has(item.id)]
        unread = [m for m in tagged if m.has("UNREAD")]
        body.update(
            messagesTotal=len(tagged),
            messagesUnread=len(unread),
            threadsTotal=len({m.thread_id for m in tagged}),
            threadsUnread=len({m.thread_id for m in unread}),
        )
    return body


def draft(item: Draft, stored: StoredMessage, format_: str | None = None) -> dict:
    """A ``Draft``; lists give the message's ids only, get/create the message in `format_`."""
    if format_ is None:
        return {"id": item.id, "message": {**message_ref(stored), "labelIds": list(stored.label_ids)}}
    return {"id": item.id, "message": message(stored, format_)}


def profile(mailbox: Mailbox, history_id: int) -> dict:
    return {
        "emailAddress": mailbox.email,
        "messagesTotal": len(mailbox.messages),
        "threadsTotal": len({m.thread_id for m in mailbox.messages.values()}),
        "historyId": str(history_id),
    }
