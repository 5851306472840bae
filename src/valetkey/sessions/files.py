"""`session.experimental.files`: list, presigned upload and download URLs, delete, on a session's mount.

The routes (`/tool_router/session/{id}/mounts/{mount}/items|upload_url|download_url|delete`)
answer the SDK's wire models (`composio_client.types.tool_router.session.file_*`).
Bytes live in `files.session_files` (the folder the workbench mounts at ``/mnt/files``);
the URLs are the file store's HMAC-signed, expiring tokens, each naming one action on
one path of one session, carried by ``/files/storage/session/{token}``. A token outlives
nothing: the storage route checks that the project and the session still exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import ApiError, NotFound
from valetkey.execution.state import ExecutionState
from valetkey.files.session_files import (
    MOUNT_ID,
    SANDBOX_MOUNT_PREFIX,
    Content,
    Limits,
    SessionFiles,
    clean_path,
    file_not_found,
)
from valetkey.files.signing import InvalidToken, sign, verify
from valetkey.sessions.models import ToolRouterSession
from valetkey.sessions.records import SessionContext
from valetkey.tenancy.service import project_is_live

URL_TTL_SECONDS = 3600
STORAGE_PATH = "/api/v3/files/storage/session/"
PUT, GET = "session-put", "session-get"
LIST_LIMIT_MAX = 500


def limits(state: ExecutionState) -> Limits:
    settings = state.settings
    return Limits(settings.session_file_max_bytes, settings.session_files_max_bytes)


def session_files(state: ExecutionState, project_id: str, session_id: str) -> SessionFiles:
    """The files of one session (the workbench mounts the same folder)."""
    return SessionFiles(state.files.storage.root, project_id, session_id, limits(state))


def remove_session_files(state: ExecutionState, project_id: str, session_id: str) -> None:
    session_files(state, project_id, session_id).remove_all()


def _mount(mount_id: str) -> None:
    if mount_id != MOUNT_ID:
        raise NotFound(
            f"No mount {mount_id!r} in this session; sessions have one mount, {MOUNT_ID!r}",
            slug="MountNotFound",
            suggested_fix=f"Use the mount {MOUNT_ID!r} (the SDK's default).",
        )


def _expiry(ttl: int) -> str:
    return (
        datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) + ttl, UTC)
        .isoformat()
        .replace("+00:00", "Z")
    )


def _url(ctx: SessionContext, action: str, path: str, mimetype: str | None = None) -> str:
    key = json.dumps([ctx.project_id, ctx.session.id, path, mimetype], separators=(",", ":"))
    token = sign(ctx.state.files.secret, action, key, URL_TTL_SECONDS)
    return f"{ctx.state.settings.public_url.rstrip('/')}{STORAGE_PATH}{token}"


async def list_items(
    ctx: SessionContext, mount_id: str, *, prefix: str | None, cursor: str | None, limit: int | None
) -> dict[str, Any]:
    _mount(mount_id)
    offset = decode_cursor(cursor)
    size = max(1, min(limit or 100, LIST_LIMIT_MAX))
    entries = await run_in_threadpool(
        session_files(ctx.state, ctx.project_id, ctx.session.id).entries, prefix or ""
    )
    page = entries[offset : offset + size]
    return {
        "items": [
            {
                "mount_relative_path": entry.path,
                "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX,
                "size": entry.size,
                "last_modified": entry.last_modified,
            }
            for entry in page
        ],
        "next_cursor": encode_cursor(offset + size) if offset + size < len(entries) else None,
    }


async def upload_url(ctx: SessionContext, mount_id: str, path: str, mimetype: str | None) -> dict[str, Any]:
    _mount(mount_id)
    path = clean_path(path)
    files = session_files(ctx.state, ctx.project_id, ctx.session.id)
    await run_in_threadpool(files.check_room, path, 0)  # a full session is told now, not after the PUT
    return {
        "upload_url": _url(ctx, PUT, path, mimetype),
        "expires_at": _expiry(URL_TTL_SECONDS),
        "mount_relative_path": path,
        "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX,
    }


def download_url_for(ctx: SessionContext, path: str) -> dict[str, Any]:
    """A signed download URL of a file known to exist (the workbench's `upload_local_file` too)."""
    return {
        "download_url": _url(ctx, GET, path),
        "expires_at": _expiry(URL_TTL_SECONDS),
        "mount_relative_path": path,
        "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX,
    }


async def download_url(ctx: SessionContext, mount_id: str, path: str) -> dict[str, Any]:
    _mount(mount_id)
    path = clean_path(path)
    files = session_files(ctx.state, ctx.project_id, ctx.session.id)
    if not await run_in_threadpool(files.is_file, path):
        raise file_not_found(path)
    return download_url_for(ctx, path)


async def delete(ctx: SessionContext, mount_id: str, path: str) -> dict[str, Any]:
    _mount(mount_id)
    path = clean_path(path)
    await run_in_threadpool(session_files(ctx.state, ctx.project_id, ctx.session.id).delete, path)
    return {"mount_relative_path": path, "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX}


# -- the presigned URLs themselves (no API key: the token is the grant) ------------------------


@dataclass(frozen=True)
class FileGrant:
    project_id: str
    session_id: str
    path: str
    mimetype: str | None


def _invalid() -> ApiError:
    return ApiError(
        "This file URL is invalid or has expired",
        status=403,
        slug="FileUrlInvalid",
        suggested_fix="Ask the session for a new upload or download URL.",
    )


def grant(state: ExecutionState, token: str, action: str) -> FileGrant:
    """The path a token grants `action` on, if its session still exists (worker thread)."""
    try:
        project_id, session_id, path, mimetype = json.loads(verify(state.files.secret, token, action).key)
    except (InvalidToken, ValueError, TypeError):
        raise _invalid() from None
    with state.db.session() as db:
        row = db.get(ToolRouterSession, session_id)
        if row is None or row.project_id != project_id or not project_is_live(db, project_id):
            raise NotFound("The session of this file URL no longer exists", slug="SessionFileNotFound")
    return FileGrant(project_id, session_id, path, mimetype)


def put_bytes(state: ExecutionState, token: str, data: bytes) -> dict[str, Any]:
    found = grant(state, token, PUT)
    entry = session_files(state, found.project_id, found.session_id).write(found.path, data, found.mimetype)
    return {"mount_relative_path": entry.path, "size": entry.size}


def get_bytes(state: ExecutionState, token: str) -> Content:
    found = grant(state, token, GET)
    return session_files(state, found.project_id, found.session_id).read(found.path)
