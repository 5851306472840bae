"""Google Drive tools that compose requests: friendly search, folders, moves, trash, and file bytes.

Uploads read the bytes the SDK staged (`context.files.read`) and send a
``multipart/related`` request (JSON metadata, then the media) to
``/upload/drive/v3/files?uploadType=multipart``, as Google's clients do.
Downloads and exports fetch the bytes and publish them as a staged file, so
the result is the ``{name, mimetype, s3url}`` the SDK's file download reads.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import quote

from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.toolkits._google import call, call_bytes

FOLDER = "application/vnd.google-apps.folder"
FILES = "/drive/v3/files"
ALL_FIELDS = {"fields": "*"}
EXTENSIONS = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/html": ".html",
    "text/csv": ".csv",
    "application/rtf": ".rtf",
    "image/png": ".png",
    "image/svg+xml": ".svg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}


def quoted(value: str) -> str:
    """A string literal of Drive's query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def search_query(arguments: dict[str, Any]) -> str:
    terms = []
    if arguments.get("name_contains"):
        terms.append(f"name contains {quoted(arguments['name_contains'])}")
    if arguments.get("full_text_contains"):
        terms.append(f"fullText contains {quoted(arguments['full_text_contains'])}")
    if arguments.get("mime_type"):
        terms.append(f"mimeType = {quoted(arguments['mime_type'])}")
    if arguments.get("folder_id"):
        terms.append(f"{quoted(arguments['folder_id'])} in parents")
    if arguments.get("starred"):
        terms.append("starred = true")
    if not arguments.get("include_trashed"):
        terms.append("trashed = false")
    return " and ".join(terms)


def _file_path(file_id: str, suffix: str = "") -> str:
    return f"{FILES}/{quote(file_id, safe='')}{suffix}"


async def find_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    params = {
        "q": search_query(arguments),
        "orderBy": arguments.get("order_by") or "modifiedTime desc",
        "pageSize": arguments.get("page_size") or 50,
        "pageToken": arguments.get("page_token"),
        **ALL_FIELDS,
    }
    return await call(context, "GET", FILES, params={k: v for k, v in params.items() if v not in (None, "")})


async def create_folder(arguments: dict[str, Any], context: ToolContext) -> Any:
    body: dict[str, Any] = {"name": arguments["folder_name"], "mimeType": FOLDER}
    if arguments.get("parent_id"):
        body["parents"] = [arguments["parent_id"]]
    if arguments.get("description"):
        body["description"] = arguments["description"]
    return await call(context, "POST", FILES, json=body, params=ALL_FIELDS)


async def move_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    """Drive moves by adding the new parent and removing the current ones in one update."""
    path = _file_path(arguments["file_id"])
    current = await call(context, "GET", path, params={"fields": "parents"})
    params = {"addParents": arguments["destination_folder_id"], **ALL_FIELDS}
    if current.get("parents"):
        params["removeParents"] = ",".join(current["parents"])
    return await call(context, "PATCH", path, json={}, params=params)


async def trash_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    return await call(
        context,
        "PATCH",
        _file_path(arguments["file_id"]),
        json={"trashed": not arguments.get("restore", False)},
        params=ALL_FIELDS,
    )


def multipart_related(metadata: dict[str, Any], media: bytes, media_type: str) -> tuple[bytes, str]:
    """(body, content type) of a Drive multipart upload: the metadata part, then the media part."""
    boundary = "valetkey_" + secrets.token_hex(12)
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            json.dumps(metadata).encode(),
            b"\r\n",
            f"--{boundary}\r\nContent-Type: {media_type}\r\n\r\n".encode(),
            media,
            b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/related; boundary={boundary}"


async def _upload(context: ToolContext, metadata: dict[str, Any], media: bytes, media_type: str) -> Any:
    body, content_type = multipart_related(metadata, media, media_type)
    return await call(
        context,
        "POST",
        "/upload" + FILES,
        content=body,
        headers={"Content-Type": content_type},
        params={"uploadType": "multipart", **ALL_FIELDS},
    )


async def upload_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    if context.files is None:
        raise ToolError("This server cannot read staged files")
    try:
        staged = context.files.read(arguments["file_to_upload"])
    except Exception as exc:  # FileNotStaged: a key of another project, expired, or never uploaded
        raise ToolError(f"The file to upload was not found in this project's staged files ({exc})") from None
    metadata: dict[str, Any] = {"name": arguments.get("name") or staged.name, "mimeType": staged.mimetype}
    if arguments.get("folder_to_upload_to"):
        metadata["parents"] = [arguments["folder_to_upload_to"]]
    if arguments.get("description"):
        metadata["description"] = arguments["description"]
    return await _upload(context, metadata, staged.data, staged.mimetype)


async def create_file_from_text(arguments: dict[str, Any], context: ToolContext) -> Any:
    mime_type = arguments.get("mime_type") or "text/plain"
    metadata: dict[str, Any] = {"name": arguments["file_name"], "mimeType": mime_type}
    if arguments.get("parent_id"):
        metadata["parents"] = [arguments["parent_id"]]
    media_type = "text/plain" if mime_type.startswith("application/vnd.google-apps.") else mime_type
    return await _upload(
        context, metadata, arguments["text_content"].encode(), f"{media_type}; charset=UTF-8"
    )


def _published(context: ToolContext, name: str, mime_type: str, data: bytes) -> dict[str, Any]:
    if context.files is None:
        raise ToolError("This server cannot stage files for download")
    return {"downloaded_file_content": context.files.publish(name, mime_type, data)}


def _export_name(name: str, mime_type: str) -> str:
    extension = EXTENSIONS.get(mime_type, "")
    return name if not extension or name.lower().endswith(extension) else name + extension


async def download_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    path = _file_path(arguments["file_id"])
    meta = await call(context, "GET", path, params={"fields": "id,name,mimeType"})
    if meta["mimeType"] == FOLDER:
        raise ToolError("A folder has no content to download; list its files with GOOGLEDRIVE_FIND_FILE")
    if meta["mimeType"].startswith("application/vnd.google-apps."):
        wanted = arguments.get("mime_type") or "application/pdf"
        data, kind = await call_bytes(context, path + "/export", params={"mimeType": wanted})
        return _published(context, _export_name(meta["name"], wanted), wanted, data)
    data, kind = await call_bytes(context, path, params={"alt": "media"})
    return _published(context, meta["name"], meta["mimeType"] or kind, data)


async def export_file(arguments: dict[str, Any], context: ToolContext) -> Any:
    path = _file_path(arguments["file_id"])
    meta = await call(context, "GET", path, params={"fields": "id,name,mimeType"})
    data, _ = await call_bytes(context, path + "/export", params={"mimeType": arguments["mime_type"]})
    return _published(
        context, _export_name(meta["name"], arguments["mime_type"]), arguments["mime_type"], data
    )
