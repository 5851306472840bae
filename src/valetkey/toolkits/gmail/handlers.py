"""The gmail tools written in Python: sending (MIME built here) and reading mail as text.

Gmail's API takes a message as base64url RFC 822 bytes and returns it as a
tree of base64url parts; an agent wants neither. Sending tools build the MIME
message (`compose`); reading tools fetch Gmail's resources and add the
readable fields (`summarize`: sender, subject, plain text, attachment list)
next to the ids and labels. Every upstream call goes through
`context.request`, so the executor applies the base URL and the OAuth token.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Iterable
from typing import Any

from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.execution.outcome import decode_body, tool_result

from . import compose

USER = "gmail/v1/users/me"
REPLY_HEADERS = ("Subject", "From", "To", "Cc", "Message-ID", "References", "Reply-To")


async def call(
    context: ToolContext,
    method: str,
    path: str,
    *,
    query: Iterable[tuple[str, Any]] = (),
    body: Any = None,
) -> Any:
    """The decoded answer of a Gmail call; a failed one raises `ToolError` with its status and message.

    `query` is pairs, so a key may repeat (``labelIds=A&labelIds=B``).
    """
    pairs = [(k, "true" if v is True else "false" if v is False else v) for k, v in query if v is not None]
    outcome = await context.request(method, path, params=pairs, json=body)
    result = tool_result(outcome)
    response = outcome.response
    if response is None or not result.successful:
        raise ToolError(result.error or "The Gmail API call failed", data=result.data)
    return decode_body(response) if response.content else {}


# -- sending -------------------------------------------------------------------


async def send_email(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_SEND_EMAIL: compose and send; returns the sent message's ids and labels."""
    draft = compose.from_arguments(arguments)
    if not (draft.to or draft.cc or draft.bcc):
        raise ToolError("Give recipient_email (or cc/bcc): a message needs at least one recipient")
    return await call(context, "POST", f"{USER}/messages/send", body={"raw": compose.build_raw(draft)})


async def reply_to_thread(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_REPLY_TO_THREAD: answer the thread's last message, threaded by Gmail and by mail clients."""
    draft = compose.from_arguments(arguments, body_key="message_body")
    await _as_reply(context, draft, arguments["thread_id"])
    if not (draft.to or draft.cc or draft.bcc):
        raise ToolError("The thread has no one to reply to; give recipient_email")
    return await call(
        context,
        "POST",
        f"{USER}/messages/send",
        body={"raw": compose.build_raw(draft), "threadId": arguments["thread_id"]},
    )


async def create_draft(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_CREATE_EMAIL_DRAFT: save a draft (a reply draft when thread_id is given)."""
    draft = compose.from_arguments(arguments)
    message: dict[str, Any] = {}
    if arguments.get("thread_id"):
        await _as_reply(context, draft, arguments["thread_id"])
        message["threadId"] = arguments["thread_id"]
    message["raw"] = compose.build_raw(draft)
    return await call(context, "POST", f"{USER}/drafts", body={"message": message})


async def _as_reply(context: ToolContext, draft: compose.Draft, thread_id: str) -> None:
    """Fill reply headers, subject and (when missing) recipient from the thread's last message."""
    thread = await call(
        context,
        "GET",
        f"{USER}/threads/{thread_id}",
        query=[("format", "metadata"), *(("metadataHeaders", h) for h in REPLY_HEADERS)],
    )
    last = (thread.get("messages") or [{}])[-1]
    headers = {h["name"].lower(): h["value"] for h in (last.get("payload") or {}).get("headers") or []}
    if not draft.to:
        mine = "SENT" in (last.get("labelIds") or [])
        target = headers.get("to") if mine else headers.get("reply-to") or headers.get("from")
        draft.to = [target] if target else []
    draft.subject = draft.subject or compose.reply_subject(headers.get("subject", ""))
    if headers.get("message-id"):
        draft.in_reply_to = headers["message-id"]
        draft.references = " ".join(filter(None, [headers.get("references"), headers["message-id"]]))


# -- reading -------------------------------------------------------------------


async def fetch_emails(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_FETCH_EMAILS: one page of matching messages, each with its readable fields."""
    query = [
        ("q", arguments.get("query")),
        ("maxResults", arguments.get("max_results", 10)),
        ("pageToken", arguments.get("page_token")),
        ("includeSpamTrash", arguments.get("include_spam_trash")),
    ]
    query += [("labelIds", label) for label in arguments.get("label_ids") or []]
    listing = await call(context, "GET", f"{USER}/messages", query=query)
    refs = listing.get("messages") or []
    if arguments.get("verbose", True):
        fmt = "full" if arguments.get("include_payload", True) else "metadata"
        fetched = await asyncio.gather(
            *(call(context, "GET", f"{USER}/messages/{ref['id']}", query=[("format", fmt)]) for ref in refs)
        )
        messages = [summarize(m, include_payload=fmt == "full") for m in fetched]
    else:
        messages = [{"messageId": ref["id"], "threadId": ref["threadId"]} for ref in refs]
    out: dict[str, Any] = {"messages": messages, "resultSizeEstimate": listing.get("resultSizeEstimate", 0)}
    if listing.get("nextPageToken"):
        out["nextPageToken"] = listing["nextPageToken"]
    return out


async def fetch_message(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_FETCH_MESSAGE_BY_MESSAGE_ID: one message with its readable fields (and payload for full)."""
    fmt = arguments.get("format", "full")
    message = await call(
        context, "GET", f"{USER}/messages/{arguments['message_id']}", query=[("format", fmt)]
    )
    return summarize(message, include_payload=fmt in ("full", "metadata"))


async def fetch_thread(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """GMAIL_FETCH_MESSAGE_BY_THREAD_ID: every message of a thread, oldest first, as text."""
    thread = await call(
        context, "GET", f"{USER}/threads/{arguments['thread_id']}", query=[("format", "full")]
    )
    include = bool(arguments.get("include_payload", False))
    return {
        "threadId": thread["id"],
        "historyId": thread.get("historyId"),
        "messages": [summarize(m, include_payload=include) for m in thread.get("messages") or []],
    }


def summarize(message: dict[str, Any], *, include_payload: bool) -> dict[str, Any]:
    """A Gmail ``Message`` with the fields an agent reads: sender, recipients, subject, text, attachments."""
    payload = message.get("payload") or {}
    headers = {h["name"].lower(): h["value"] for h in payload.get("headers") or []}
    millis = int(message.get("internalDate") or 0)
    text = _text(payload)
    out: dict[str, Any] = {
        "messageId": message["id"],
        "threadId": message.get("threadId"),
        "labelIds": message.get("labelIds") or [],
        "messageTimestamp": dt.datetime.fromtimestamp(millis / 1000, dt.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "sender": headers.get("from", ""),
        "to": headers.get("to", ""),
        "cc": headers.get("cc", ""),
        "subject": headers.get("subject", ""),
        "snippet": message.get("snippet", ""),
        "messageText": text if text is not None else message.get("snippet", ""),
        "attachmentList": [
            {
                "filename": p["filename"],
                "mimeType": p.get("mimeType"),
                "size": p["body"].get("size", 0),
                "attachmentId": p["body"]["attachmentId"],
            }
            for p in _parts(payload)
            if p.get("filename") and (p.get("body") or {}).get("attachmentId")
        ],
    }
    out["preview"] = {"subject": out["subject"], "body": out["snippet"]}
    if include_payload and payload:
        out["payload"] = payload
    if message.get("raw"):
        out["raw"] = message["raw"]
    return out


def _parts(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [part] + [p for child in part.get("parts") or [] for p in _parts(child)]


def _text(payload: dict[str, Any]) -> str | None:
    """The text/plain body (else text/html), decoded; None when the payload carries no bodies."""
    for wanted in ("text/plain", "text/html"):
        for part in _parts(payload):
            data = (part.get("body") or {}).get("data")
            if part.get("mimeType") == wanted and data and not part.get("filename"):
                return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
    return None
