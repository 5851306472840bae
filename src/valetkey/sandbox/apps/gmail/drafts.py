"""``users.drafts`` of the Gmail API: a draft is a message labelled DRAFT plus a draft id."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, invalid, not_found, page_slice

from . import mime, render, search
from .kit import API, DRAFT_READ, DRAFTING, decode_raw, mailbox, message_format, page_size
from .state import Draft, Mailbox


def draft_of(box: Mailbox, draft_id: str) -> Draft:
    found = box.drafts.get(draft_id)
    if found is None or found.message_id not in box.messages:
        raise not_found()
    return found


def _message_body(call: GoogleCall) -> dict:
    message = call.body.get("message")
    if not isinstance(message, dict):
        raise invalid("Message is required")
    return message


def create_draft(call: GoogleCall) -> Response:
    box = mailbox(call)
    message = _message_body(call)
    raw = mime.prepare_outgoing(decode_raw(message.get("raw")), box.email)
    stored = call.state.store(box, raw, ["DRAFT"], thread_id=message.get("threadId"))
    draft = Draft(f"r{int(stored.id, 16) % 10**19}", stored.id)
    box.drafts[draft.id] = draft
    return call.reply(render.draft(draft, stored))


def list_drafts(call: GoogleCall) -> Response:
    box = mailbox(call)
    terms = search.parse_query(call.query("q"))
    drafts = [
        d
        for d in box.drafts.values()
        if d.message_id in box.messages and search.matches(box.messages[d.message_id], box, terms)
    ]
    drafts.sort(key=lambda d: box.messages[d.message_id].internal_date, reverse=True)
    page, token = page_slice(drafts, call.query("pageToken"), page_size(call))
    body: dict = {"drafts": [render.draft(d, box.messages[d.message_id]) for d in page]} if page else {}
    if token:
        body["nextPageToken"] = token
    body["resultSizeEstimate"] = len(drafts)
    return call.reply(body)


def get_draft(call: GoogleCall) -> Response:
    box = mailbox(call)
    draft = draft_of(box, call.params["id"])
    return call.reply(render.draft(draft, box.messages[draft.message_id], message_format(call)))


def send_draft(call: GoogleCall) -> Response:
    """Send a draft as it is (``{"id"}``) or with a replacement message; the draft is gone afterwards."""
    box = mailbox(call)
    draft_id = call.body.get("id")
    if not isinstance(draft_id, str) or not draft_id:
        raise invalid("Invalid draft")
    draft = draft_of(box, draft_id)
    stored = box.messages.pop(draft.message_id)
    del box.drafts[draft.id]
    replacement = call.body.get("message")
    raw = (
        decode_raw(replacement["raw"])
        if isinstance(replacement, dict) and replacement.get("raw")
        else stored.raw
    )
    if not mime.recipients(mime.parse(raw)):
        box.messages[stored.id], box.drafts[draft.id] = stored, draft
        raise invalid("Recipient address required")
    call.state.record(box, "messagesDeleted", stored)
    sent = call.state.store(
        box,
        mime.prepare_outgoing(raw, box.email),
        ["SENT"],
        thread_id=stored.thread_id if stored.thread_id != stored.id else None,
    )
    call.state.deliver(box, sent)
    return call.reply({"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})


def delete_draft(call: GoogleCall) -> Response:
    box = mailbox(call)
    draft = draft_of(box, call.params["id"])
    del box.drafts[draft.id]
    if draft.message_id in box.messages:
        call.state.delete(box, draft.message_id)
    return call.reply(None)


def routes(api: GoogleApi) -> list[Route]:
    d = f"{API}/drafts"
    return [
        api.route("GET", d, list_drafts, scopes=DRAFT_READ),
        api.route("POST", d, create_draft, scopes=DRAFTING),
        api.route("POST", f"{d}/send", send_draft, scopes=DRAFTING),
        api.route("GET", f"{d}/{{id}}", get_draft, scopes=DRAFT_READ),
        api.route("DELETE", f"{d}/{{id}}", delete_draft, scopes=DRAFTING),
    ]
