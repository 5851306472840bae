"""``users.messages``, ``users.messages.attachments`` and ``users.getProfile`` of the Gmail API."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, not_found, page_slice

from . import mime, render, search
from .kit import (
    API,
    DELETE,
    PROFILE,
    READ,
    READ_BODIES,
    SENDING,
    WRITE,
    decode_raw,
    label_changes,
    mailbox,
    message_format,
    message_of,
    page_size,
    send,
)
from .state import HIDDEN_IN_LIST, Mailbox, StoredMessage


def matching(call: GoogleCall, box: Mailbox) -> list[StoredMessage]:
    """Messages for ``q``, ``labelIds`` and ``includeSpamTrash``, newest first (messages.list, threads.list)."""
    terms = search.parse_query(call.query("q"))
    label_ids = call.query_list("labelIds")
    hide = not (
        call.flag("includeSpamTrash")
        or search.wants_spam_or_trash(terms)
        or any(label in HIDDEN_IN_LIST for label in label_ids)
    )
    return [
        m
        for m in box.newest_first()
        if all(m.has(label) for label in label_ids)
        and not (hide and any(m.has(label) for label in HIDDEN_IN_LIST))
        and search.matches(m, box, terms)
    ]


def list_messages(call: GoogleCall) -> Response:
    found = matching(call, mailbox(call))
    page, token = page_slice(found, call.query("pageToken"), page_size(call))
    body: dict = {"messages": [render.message_ref(m) for m in page]} if page else {}
    if token:
        body["nextPageToken"] = token
    body["resultSizeEstimate"] = len(found)
    return call.reply(body)


def get_message(call: GoogleCall) -> Response:
    message = message_of(mailbox(call), call.params["id"])
    return call.reply(render.message(message, message_format(call), call.query_list("metadataHeaders")))


def send_message(call: GoogleCall) -> Response:
    box = mailbox(call)
    sent = send(call.state, box, decode_raw(call.body.get("raw")), call.body.get("threadId"))
    return call.reply({"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})


def modify_message(call: GoogleCall) -> Response:
    box = mailbox(call)
    message = message_of(box, call.params["id"])
    add, remove = label_changes(box, call.body)
    call.state.relabel(box, message, add, remove)
    return call.reply(render.message(message, "minimal"))


def trash_message(call: GoogleCall) -> Response:
    box = mailbox(call)
    message = message_of(box, call.params["id"])
    call.state.relabel(box, message, ["TRASH"], ["SPAM"])
    return call.reply(render.message(message, "minimal"))


def untrash_message(call: GoogleCall) -> Response:
    box = mailbox(call)
    message = message_of(box, call.params["id"])
    call.state.relabel(box, message, [], ["TRASH"])
    return call.reply(render.message(message, "minimal"))


def delete_message(call: GoogleCall) -> Response:
    box = mailbox(call)
    message_of(box, call.params["id"])
    call.state.delete(box, call.params["id"])
    for draft_id in [d.id for d in box.drafts.values() if d.message_id == call.params["id"]]:
        del box.drafts[draft_id]
    return call.reply(None)


def get_attachment(call: GoogleCall) -> Response:
    message = message_of(mailbox(call), call.params["messageId"])
    for attachment in mime.attachments(message.parsed, message.id):
        if attachment["attachmentId"] == call.params["id"]:
            data = attachment["data"]
            return call.reply(
                {"attachmentId": attachment["attachmentId"], "size": len(data), "data": mime.b64url(data)}
            )
    raise not_found("Invalid attachment token")


def get_profile(call: GoogleCall) -> Response:
    return call.reply(render.profile(mailbox(call), call.state.history))


def routes(api: GoogleApi) -> list[Route]:
    m = f"{API}/messages"
    return [
        api.route("GET", f"{API}/profile", get_profile, scopes=PROFILE),
        api.route("GET", m, list_messages, scopes=READ),
        api.route("POST", f"{m}/send", send_message, scopes=SENDING),
        api.route("GET", f"{m}/{{messageId}}/attachments/{{id}}", get_attachment, scopes=READ_BODIES),
        api.route("GET", f"{m}/{{id}}", get_message, scopes=READ),
        api.route("DELETE", f"{m}/{{id}}", delete_message, scopes=DELETE),
        api.route("POST", f"{m}/{{id}}/modify", modify_message, scopes=WRITE),
        api.route("POST", f"{m}/{{id}}/trash", trash_message, scopes=WRITE),
        api.route("POST", f"{m}/{{id}}/untrash", untrash_message, scopes=WRITE),
    ]
