"""``users.history.list`` and the sandbox's way to age history out.

``GET /gmail/v1/users/{userId}/history`` takes ``startHistoryId`` (required),
``historyTypes`` (repeatable: ``messageAdded``, ``messageDeleted``,
``labelAdded``, ``labelRemoved``), ``labelId``, ``maxResults`` (default 100,
at most 500) and ``pageToken``. It answers the changes after
``startHistoryId``, oldest first, one entry per change: ``{"id", "messages":
[{"id", "threadId"}], "messagesAdded": [{"message": {"id", "threadId",
"labelIds"}}]}`` (or ``messagesDeleted``, ``labelsAdded``/``labelsRemoved``
with ``labelIds``), plus the mailbox's current ``historyId``. A start id older
than the mailbox's history is 404, as Gmail answers an expired one (the client
must then sync in full); ``POST /_sandbox/gmail/history/expire``
``{"user"?}`` ages out everything so far, to test that path.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from valetkey.sandbox.apps._google import (
    GoogleApi,
    GoogleCall,
    GoogleError,
    google_email,
    invalid,
    page_slice,
)
from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.http import BadRequest, error_response, read_json

from .kit import API, READ, mailbox
from .state import ALICE, GmailState, HistoryRecord

TYPES = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def _entry(record: HistoryRecord) -> dict[str, Any]:
    ref = {"id": record.message_id, "threadId": record.thread_id}
    change: dict[str, Any] = {"message": {**ref, "labelIds": list(record.label_ids)}}
    if record.kind in ("labelsAdded", "labelsRemoved"):
        change["labelIds"] = list(record.changed)
    return {"id": str(record.id), "messages": [ref], record.kind: [change]}


def list_history(call: GoogleCall) -> Response:
    box = mailbox(call)
    start = call.query("startHistoryId")
    if start is None:
        raise invalid("Missing required parameter: startHistoryId")
    try:
        start_id = int(start)
    except ValueError:
        raise GoogleError(
            400, f"Invalid value at 'start_history_id' (TYPE_UINT64), \"{start}\"", location="startHistoryId"
        ) from None
    if start_id < box.history_floor:
        raise GoogleError(404, "Requested entity was not found.", reason="notFound")
    kinds = call.query_list("historyTypes")
    unknown = [k for k in kinds if k not in TYPES]
    if unknown:
        raise GoogleError(
            400,
            f"Invalid value at 'history_types' (type.googleapis.com/HistoryType), \"{unknown[0]}\"",
            location="historyTypes",
        )
    wanted = {TYPES[k] for k in kinds} or set(TYPES.values())
    label = call.query("labelId")
    records = [
        r
        for r in box.history
        if r.id > start_id
        and r.kind in wanted
        and (label is None or label in r.label_ids or label in r.changed)
    ]
    page, token = page_slice(records, call.query("pageToken"), call.integer("maxResults", 100, 500))
    body: dict[str, Any] = {"history": [_entry(r) for r in page]} if page else {}
    if token:
        body["nextPageToken"] = token
    body["historyId"] = str(call.state.history)
    return call.reply(body)


def routes(api: GoogleApi) -> list[Route]:
    return [api.route("GET", f"{API}/history", list_history, scopes=READ)]


def admin_routes(store: StateStore[GmailState]) -> list[BaseRoute]:
    async def expire(request: Request) -> Response:
        try:
            body = await read_json(request)
        except BadRequest as exc:
            return error_response("invalid_request", str(exc))
        with store.transaction() as state:
            box = state.mailbox(google_email(str(body.get("user") or ALICE)))
            box.history_floor = state.next_history()
            box.history.clear()
            return JSONResponse({"user": box.email, "oldest_valid_history_id": str(box.history_floor)})

    return [Route("/history/expire", expire, methods=["POST"])]
