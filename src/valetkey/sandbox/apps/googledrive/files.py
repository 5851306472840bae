"""Files of the Drive emulator: list with ``q``, get (metadata or ``alt=media``), create, media
upload (multipart/related or raw), update (rename, trash, move with add/removeParents), copy,
delete, export, and ``about``."""

from __future__ import annotations

import email.parser
import email.policy
import json
from email.message import Message
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError, page_slice

from .fields import parse_fields, select
from .query import QueryError, compile_query
from .render import EXPORTS, export_bytes, file_resource, user
from .state import DriveFile, DriveState, new_id, viewers_of

DRIVE = "https://www.googleapis.com/auth/drive"
READ = (DRIVE, DRIVE + ".readonly", DRIVE + ".file", DRIVE + ".metadata.readonly", DRIVE + ".metadata")
CONTENT_READ = (DRIVE, DRIVE + ".readonly", DRIVE + ".file")
WRITE = (DRIVE, DRIVE + ".file")
FILE_DEFAULT = "kind,id,name,mimeType"
LIST_DEFAULT = "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
EDITABLE = ("name", "description", "starred", "trashed")


def file_not_found(file_id: str) -> GoogleError:
    return GoogleError(404, f"File not found: {file_id}.", reason="notFound", location="fileId")


def insufficient() -> GoogleError:
    return GoogleError(
        403,
        "The user does not have sufficient permissions for this file.",
        reason="insufficientFilePermissions",
    )


def me(call: GoogleCall) -> str:
    return call.state.ensure_user(call.grant.subject)


def visible(call: GoogleCall, file_id: str | None = None) -> DriveFile:
    state: DriveState = call.state
    file_id = file_id or call.params["fileId"]
    file = state.files.get(state.resolve(me(call), file_id))
    if file is None or file.role_of(me(call)) is None:
        raise file_not_found(file_id)
    return file


def writable(call: GoogleCall, file_id: str | None = None) -> DriveFile:
    file = visible(call, file_id)
    if file.role_of(me(call)) not in ("owner", "writer", "fileOrganizer", "organizer"):
        raise insufficient()
    return file


def reply_fields(call: GoogleCall, body: dict[str, Any], default: str) -> Response:
    try:
        selection = parse_fields(call.query("fields") or default)
    except ValueError:
        raise GoogleError(
            400,
            f"Invalid field selection {call.query('fields')}",
            reason="invalidParameter",
            location="fields",
        ) from None
    return call.reply(select(body, selection))


def list_files(call: GoogleCall) -> Response:
    state: DriveState = call.state
    user_email = me(call)
    try:
        matches = compile_query(call.query("q") or "", state, user_email)
    except QueryError:
        raise GoogleError(400, "Invalid Value", reason="invalid", location="q") from None
    files = [f for f in state.files.values() if not f.is_root and f.role_of(user_email) and matches(f)]
    files = _ordered(files, call.query("orderBy"))
    page, token = page_slice(files, call.query("pageToken"), call.integer("pageSize", 100, 1000))
    body: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": [file_resource(f, state, user_email) for f in page],
    }
    if token:
        body["nextPageToken"] = token
    return reply_fields(call, body, LIST_DEFAULT)


def _ordered(files: list[DriveFile], order_by: str | None) -> list[DriveFile]:
    keys = {
        "name": lambda f: f.name.lower(),
        "modifiedTime": lambda f: f.modified,
        "createdTime": lambda f: f.created,
        "folder": lambda f: not f.is_folder,
        "starred": lambda f: not f.starred,
        "name_natural": lambda f: f.name.lower(),
        "recency": lambda f: f.modified,
    }
    files = sorted(files, key=lambda f: f.created)
    for part in reversed([p.strip() for p in (order_by or "").split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        if name not in keys:
            raise GoogleError(400, f"Invalid sort order: {name}", reason="invalid", location="orderBy")
        files.sort(key=keys[name], reverse=direction.strip().lower() == "desc")
    return files


def get_file(call: GoogleCall) -> Response:
    file = visible(call)
    if call.query("alt") == "media":
        if file.is_google or file.is_folder:
            raise GoogleError(
                403,
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                reason="fileNotDownloadable",
                location="alt",
            )
        return Response(file.content or b"", media_type=file.mime_type)
    return reply_fields(call, file_resource(file, call.state, me(call)), FILE_DEFAULT)


def _parents(call: GoogleCall, asked: Any) -> list[str]:
    state: DriveState = call.state
    if asked is None:
        return [state.roots[me(call)]]
    if not isinstance(asked, list) or len(asked) != 1:
        raise GoogleError(
            400, "A shared drive item must have exactly one parent.", reason="teamDrivesParentLimit"
        )
    folder = writable(call, str(asked[0]))
    if not folder.is_folder:
        raise GoogleError(
            400, "The specified parent is not a folder.", reason="invalidParent", location="parents"
        )
    return [folder.id]


def _create(
    call: GoogleCall, metadata: dict[str, Any], content: bytes | None, media_type: str | None
) -> Response:
    state: DriveState = call.state
    mime = str(metadata.get("mimeType") or media_type or "application/octet-stream")
    file = state.add(
        DriveFile(
            new_id(),
            str(metadata.get("name") or "Untitled"),
            mime,
            me(call),
            _parents(call, metadata.get("parents")),
            content=content,
            description=metadata.get("description"),
            starred=bool(metadata.get("starred")),
        )
    )
    if file.is_folder:
        file.content = None
    return reply_fields(call, file_resource(file, state, me(call)), FILE_DEFAULT)


def create_file(call: GoogleCall) -> Response:
    return _create(call, call.body, None, None)


def upload_file(call: GoogleCall) -> Response:
    """``uploadType=multipart`` (JSON metadata + media, multipart/related) or ``media`` (bytes only)."""
    kind = call.query("uploadType")
    content_type = call.request.headers.get("content-type", "")
    if kind == "media":
        return _create(call, {}, call.raw, content_type.split(";")[0].strip() or None)
    if kind != "multipart":
        raise GoogleError(
            400,
            f"Invalid value for uploadType: {kind}" if kind else "Required parameter: uploadType",
            reason="invalid" if kind else "required",
            location="uploadType",
        )
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + call.raw
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if len(parts) != 2:
        raise GoogleError(
            400, "Bad multipart request: expected metadata and media parts.", reason="badContent"
        )
    try:
        metadata = json.loads(_payload(parts[0]) or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON payload received.", reason="parseError") from None
    media = _payload(parts[1])
    return _create(call, metadata, media, parts[1].get_content_type())


def _payload(part: Message) -> bytes:
    """A leaf part's body, transfer-decoded; empty for a nested multipart (``get_payload`` gives None)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def update_file(call: GoogleCall) -> Response:
    state: DriveState = call.state
    file = writable(call)
    changes = call.body
    if "name" in changes and not str(changes["name"] or "").strip():
        raise GoogleError(400, "The file name must not be empty.", reason="invalid", location="name")
    for name in EDITABLE:
        if changes.get(name) is not None:
            setattr(file, name, changes[name] if name in ("name", "description") else bool(changes[name]))
    if changes.get("trashed") is not None:
        for child in state.descendants(file.id):
            child.trashed = bool(changes["trashed"])
            state.touched(child)
    added = [p for p in (call.query("addParents") or "").split(",") if p]
    removed = [p for p in (call.query("removeParents") or "").split(",") if p]
    if added or removed:
        for folder_id in added:
            folder = writable(call, folder_id)
            if not folder.is_folder or folder.id == file.id or folder in state.descendants(file.id):
                raise GoogleError(
                    400, "The specified parent is not valid.", reason="invalidParent", location="addParents"
                )
        parents = [p for p in file.parents if p not in {state.resolve(me(call), r) for r in removed}]
        parents += [state.resolve(me(call), a) for a in added if state.resolve(me(call), a) not in parents]
        if len(parents) > 1:
            raise GoogleError(
                403, "Increasing the number of parents is not allowed.", reason="cannotAddParent"
            )
        file.parents = parents
    state.touched(file)
    return reply_fields(call, file_resource(file, state, me(call)), FILE_DEFAULT)


def copy_file(call: GoogleCall) -> Response:
    state: DriveState = call.state
    original = visible(call)
    if original.is_folder:
        raise GoogleError(
            403, "This file cannot be copied by the authenticated user.", reason="cannotCopyFile"
        )
    body = call.body
    parents = (
        _parents(call, body.get("parents"))
        if body.get("parents")
        else (
            [p for p in original.parents if state.files[p].role_of(me(call)) in ("owner", "writer")]
            or [state.roots[me(call)]]
        )
    )
    copy = state.add(
        DriveFile(
            new_id(),
            str(body.get("name") or f"Copy of {original.name}"),
            original.mime_type,
            me(call),
            parents,
            content=original.content,
            description=body.get("description", original.description),
        )
    )
    return reply_fields(call, file_resource(copy, state, me(call)), FILE_DEFAULT)


def delete_file(call: GoogleCall) -> Response:
    state: DriveState = call.state
    file = visible(call)
    if file.owner != me(call) or file.is_root:
        raise insufficient()
    for gone in [file, *state.descendants(file.id)]:
        state.files.pop(gone.id, None)
        state.log(gone, removed=True, viewers=viewers_of(gone))
    return call.reply(None)


def export_file(call: GoogleCall) -> Response:
    file = visible(call)
    wanted = call.query("mimeType")
    if not wanted:
        raise GoogleError(400, "Required parameter: mimeType", reason="required", location="mimeType")
    if not file.is_google:
        raise GoogleError(403, "Export only supports Docs Editors files.", reason="fileNotExportable")
    if wanted not in EXPORTS.get(file.mime_type, ()):
        raise GoogleError(
            400, "The requested conversion is not supported.", reason="badRequest", location="convertTo"
        )
    return Response(export_bytes(file, wanted), media_type=wanted)


def about(call: GoogleCall) -> Response:
    if not call.query("fields"):
        raise GoogleError(
            400, "The 'fields' parameter is required for this method.", reason="required", location="fields"
        )
    used = sum(len(f.content or b"") for f in call.state.files.values() if f.owner == me(call))
    body = {
        "kind": "drive#about",
        "user": user(me(call), me(call)),
        "storageQuota": {"limit": "16106127360", "usage": str(used), "usageInDrive": str(used)},
        "exportFormats": {k: list(v) for k, v in EXPORTS.items()},
        "maxUploadSize": "5242880000000",
    }
    return reply_fields(call, body, "")


def routes(api: GoogleApi) -> list[Route]:
    base = "/drive/v3/files"
    return [
        api.route("GET", "/drive/v3/about", about, scopes=READ),
        api.route("GET", base, list_files, scopes=READ),
        api.route("POST", base, create_file, scopes=WRITE),
        api.route("POST", "/upload" + base, upload_file, scopes=WRITE, raw_body=True),
        api.route("GET", base + "/{fileId}", get_file, scopes=READ),
        api.route("PATCH", base + "/{fileId}", update_file, scopes=WRITE),
        api.route("DELETE", base + "/{fileId}", delete_file, scopes=WRITE),
        api.route("POST", base + "/{fileId}/copy", copy_file, scopes=WRITE),
        api.route("GET", base + "/{fileId}/export", export_file, scopes=CONTENT_READ),
    ]
