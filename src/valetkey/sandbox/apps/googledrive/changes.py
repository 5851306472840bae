"""Drive's change log: ``changes.getStartPageToken`` and ``changes.list``, as a poller uses them.

``GET /drive/v3/changes/startPageToken`` answers ``{"kind": "drive#startPageToken",
"startPageToken"}``: the number the next change will get. ``GET /drive/v3/changes``
takes ``pageToken`` (required: a start page token or a ``nextPageToken``),
``pageSize`` (1 to 1000, default 100), ``includeRemoved`` (default true),
``restrictToMyDrive`` and ``fields``, and answers the caller's changes from
that token on, oldest first, one per file (its latest): ``{"kind": "drive#change",
"changeType": "file", "time", "removed", "fileId", "file"?}``. The last page
carries ``newStartPageToken`` for the next poll; earlier ones ``nextPageToken``.
A change is the caller's when they could see the file then: files created,
edited, trashed, shared with them, and those deleted (``removed: true``, no
``file``; an edit that takes a viewer away shows them a removal too).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError

from .files import READ, me, reply_fields
from .render import file_resource, rfc3339
from .state import Change, DriveState

CHANGE_DEFAULT = "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,file(kind,id,name,mimeType))"


def start_page_token(call: GoogleCall) -> Response:
    state: DriveState = call.state
    me(call)
    return reply_fields(
        call, {"kind": "drive#startPageToken", "startPageToken": str(state.start_page_token)}, "*"
    )


def _token(call: GoogleCall, state: DriveState) -> int:
    raw = call.query("pageToken")
    if raw is None:
        raise GoogleError(400, "Required parameter: pageToken", reason="required", location="pageToken")
    try:
        token = int(raw)
    except ValueError:
        token = 0
    if not 1 <= token <= state.start_page_token:
        raise GoogleError(400, "Invalid Value", reason="invalid", location="pageToken")
    return token


def list_changes(call: GoogleCall) -> Response:
    state: DriveState = call.state
    user = me(call)
    token = _token(call, state)
    size = call.integer("pageSize", 100, 1000)
    include_removed = call.flag("includeRemoved", True)
    my_drive = call.flag("restrictToMyDrive")
    latest: dict[str, Change] = {}
    for change in state.changes[token - 1 :]:
        if change.viewers is not None and user not in change.viewers:
            continue
        latest.pop(change.file_id, None)
        latest[change.file_id] = change
    entries: list[tuple[Change, dict[str, Any]]] = []
    for change in latest.values():
        file = state.files.get(change.file_id)
        gone = change.removed or file is None or file.role_of(user) is None
        if gone and not include_removed:
            continue
        if my_drive and file is not None and file.owner != user:
            continue
        body: dict[str, Any] = {
            "kind": "drive#change",
            "changeType": "file",
            "time": rfc3339(change.time),
            "removed": gone,
            "fileId": change.file_id,
        }
        if not gone and file is not None:
            body["file"] = file_resource(file, state, user)
        entries.append((change, body))
    page = entries[:size]
    answer: dict[str, Any] = {"kind": "drive#changeList", "changes": [body for _, body in page]}
    if len(entries) > size:
        # The next page starts after the last change on this one.
        answer["nextPageToken"] = str(page[-1][0].number + 1)
    else:
        answer["newStartPageToken"] = str(state.start_page_token)
    return reply_fields(call, answer, CHANGE_DEFAULT)


def routes(api: GoogleApi) -> list[Route]:
    return [
        api.route("GET", "/drive/v3/changes/startPageToken", start_page_token, scopes=READ),
        api.route("GET", "/drive/v3/changes", list_changes, scopes=READ),
    ]
