"""Drive resources as JSON: File, Permission, User; and Docs exports as bytes."""

from __future__ import annotations

import hashlib
from typing import Any

from .state import FOLDER, DriveFile, DriveState, Permission, permission_id

_EDITOR = {
    "application/vnd.google-apps.document": "document",
    "application/vnd.google-apps.spreadsheet": "spreadsheets",
    "application/vnd.google-apps.presentation": "presentation",
    "application/vnd.google-apps.drawing": "drawings",
}
#: What each Docs Editors type exports to (a subset of about.exportFormats).
EXPORTS = {
    "application/vnd.google-apps.document": (
        "text/plain",
        "text/markdown",
        "text/html",
        "application/pdf",
        "application/rtf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "application/vnd.google-apps.spreadsheet": (
        "text/csv",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "application/vnd.google-apps.presentation": (
        "text/plain",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "application/vnd.google-apps.drawing": ("application/pdf", "image/png", "image/svg+xml"),
}


def rfc3339(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def user(email: str, viewer: str) -> dict[str, Any]:
    return {
        "kind": "drive#user",
        "displayName": email.split("@")[0].title(),
        "emailAddress": email,
        "me": email == viewer,
        "permissionId": permission_id(email),
    }


def permission(p: Permission) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "drive#permission",
        "id": "anyoneWithLink" if p.type == "anyone" else p.id,
        "type": p.type,
        "role": p.role,
    }
    if p.email:
        body.update(emailAddress=p.email, displayName=p.email.split("@")[0].title())
    if p.domain:
        body["domain"] = p.domain
    body["deleted"] = False
    body["pendingOwner"] = False
    return body


def links(file: DriveFile) -> dict[str, str]:
    if file.is_folder:
        return {"webViewLink": f"https://drive.google.com/drive/folders/{file.id}"}
    if file.mime_type in _EDITOR:
        return {
            "webViewLink": f"https://docs.google.com/{_EDITOR[file.mime_type]}/d/{file.id}/edit?usp=drivesdk"
        }
    return {
        "webViewLink": f"https://drive.google.com/file/d/{file.id}/view?usp=drivesdk",
        "webContentLink": f"https://drive.google.com/uc?id={file.id}&export=download",
    }


def file_resource(file: DriveFile, state: DriveState, viewer: str) -> dict[str, Any]:
    role = file.role_of(viewer) or "reader"
    can_edit = role in ("owner", "writer", "fileOrganizer", "organizer")
    body: dict[str, Any] = {
        "kind": "drive#file",
        "id": file.id,
        "name": file.name,
        "mimeType": file.mime_type,
        "starred": file.starred,
        "trashed": file.trashed,
        "explicitlyTrashed": file.trashed,
        "parents": [p for p in file.parents if p in state.files],
        "spaces": ["drive"],
        "version": str(file.version),
        **links(file),
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{file.mime_type}",
        "createdTime": rfc3339(file.created),
        "modifiedTime": rfc3339(file.modified),
        "owners": [user(file.owner, viewer)],
        "ownedByMe": file.owner == viewer,
        "shared": len(file.permissions) > 1,
        "viewersCanCopyContent": True,
        "writersCanShare": True,
        "capabilities": {
            "canEdit": can_edit,
            "canCopy": not file.is_folder,
            "canDelete": role == "owner",
            "canTrash": can_edit,
            "canShare": can_edit,
            "canDownload": True,
            "canAddChildren": file.is_folder and can_edit,
        },
    }
    if file.description is not None:
        body["description"] = file.description
    if file.owner == viewer:
        body["permissions"] = [permission(p) for p in file.permissions]
    if file.content is not None and not file.is_google and file.mime_type != FOLDER:
        body.update(
            size=str(len(file.content)),
            md5Checksum=hashlib.md5(file.content, usedforsecurity=False).hexdigest(),
            originalFilename=file.name,
            fileExtension=file.name.rsplit(".", 1)[-1] if "." in file.name else "",
        )
    return body


def export_bytes(file: DriveFile, mime_type: str) -> bytes:
    """A Docs Editors file rendered as `mime_type` (plain text inside whatever envelope the type needs)."""
    text = (file.content or b"").decode("utf-8", "replace")
    if mime_type in ("text/plain", "text/markdown", "text/csv"):
        return text.encode()
    if mime_type == "text/html":
        paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines())
        return f"<html><head><title>{file.name}</title></head><body>{paragraphs}</body></html>".encode()
    if mime_type == "application/pdf":
        stream = f"BT /F1 12 Tf 72 720 Td ({text.replace('(', '[').replace(')', ']')}) Tj ET".encode()
        return (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
            b"4 0 obj << /Length "
            + str(len(stream)).encode()
            + b" >> stream\n"
            + stream
            + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        )
    return b"PK\x03\x04" + text.encode()  # office formats are zip files; the emulator keeps only the text
