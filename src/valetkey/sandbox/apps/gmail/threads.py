"""``users.threads`` of the Gmail API: a thread is the messages sharing a thread id."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, not_found, page_slice

from . import render
from .kit import API, READ, WRITE, label_changes, mailbox, message_format, page_size
from .messages import matching
from .state import Mailbox, StoredMessage


def thread_of(box: Mailbox, thread_id: str) -> list[StoredMessage]:
    messages = box.thread(thread_id)
    if not messages:
        raise not_found()
    return messages


def list_threads(call: GoogleCall) -> Response:
    box = mailbox(call)
    thread_ids = list(dict.fromkeys(m.thread_id for m in matching(call, box)))  # by newest matching message
    page, token = page_slice(thread_ids, call.query("pageToken"), page_size(call))
    body: dict = {"threads": [render.thread_ref(box.thread(t)) for t in page]} if page else {}
    if token:
        body["nextPageToken"] = token
    body["resultSizeEstimate"] = len(thread_ids)
    return call.reply(body)


def get_thread(call: GoogleCall) -> Response:
    messages = thread_of(mailbox(call), call.params["id"])
    return call.reply(render.thread(messages, message_format(call), call.query_list("metadataHeaders")))


def modify_thread(call: GoogleCall) -> Response:
    box = mailbox(call)
    messages = thread_of(box, call.params["id"])
    add, remove = label_changes(box, call.body)
    for message in messages:
        call.state.relabel(box, message, add, remove)
    return call.reply(render.thread(messages, "minimal"))


def _trash(call: GoogleCall, trash: bool) -> Response:
    box = mailbox(call)
    messages = thread_of(box, call.params["id"])
    for message in messages:
        call.state.relabel(box, message, ["TRASH"] if trash else [], [] if trash else ["TRASH"])
    return call.reply(render.thread(messages, "minimal"))


def routes(api: GoogleApi) -> list[Route]:
    t = f"{API}/threads"
    return [
        api.route("GET", t, list_threads, scopes=READ),
        api.route("GET", f"{t}/{{id}}", get_thread, scopes=READ),
        api.route("POST", f"{t}/{{id}}/modify", modify_thread, scopes=WRITE),
        api.route("POST", f"{t}/{{id}}/trash", lambda call: _trash(call, True), scopes=WRITE),
        api.route("POST", f"{t}/{{id}}/untrash", lambda call: _trash(call, False), scopes=WRITE),
    ]
