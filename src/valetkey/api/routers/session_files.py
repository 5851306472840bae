"""HTTP side of a session's files (`session.experimental.files`) and of their presigned URLs.

Thin: the session comes from the caller's project (`sessions.service.open_session`),
the work is `sessions.files`. ``PUT`` and ``GET /files/storage/session/{token}`` carry no
API key, only the signed token, like the file store's other presigned URLs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from valetkey.api.responses import Wire, documented, errors
from valetkey.api.routers.sessions import PREFIX, _session
from valetkey.api.state import AppState, app_state
from valetkey.core.errors import ApiError
from valetkey.core.validation import QueryText, RequestBody, clamp_limit, limit_query
from valetkey.files.storage import safe_name
from valetkey.sessions import files
from valetkey.sessions.records import SessionContext

router = APIRouter(tags=["tool_router"])
MOUNT = PREFIX + "/{session_id}/mounts/{mount_id}"


class FileItem(Wire):
    mount_relative_path: str
    sandbox_mount_prefix: str
    size: float
    last_modified: str


class FileList(Wire):
    items: list[FileItem]
    next_cursor: str | None = None


class UploadUrl(Wire):
    upload_url: str
    expires_at: str
    mount_relative_path: str
    sandbox_mount_prefix: str


class DownloadUrl(Wire):
    download_url: str
    expires_at: str
    mount_relative_path: str
    sandbox_mount_prefix: str


class Deleted(Wire):
    mount_relative_path: str
    sandbox_mount_prefix: str


class Stored(Wire):
    mount_relative_path: str
    size: int


class PathBody(RequestBody):
    mount_relative_path: str = Field(min_length=1, max_length=2048)


class UploadBody(PathBody):
    mimetype: QueryText | None = Field(None, max_length=200)


@router.get(MOUNT + "/items", summary="List a session's files", responses=documented(FileList, 404))
async def list_items(
    mount_id: str,
    mount_relative_prefix: str | None = Query(None, max_length=2048),
    cursor: str | None = Query(None, max_length=200),
    limit: float | None = limit_query(maximum=files.LIST_LIMIT_MAX),
    ctx: SessionContext = Depends(_session),
) -> dict[str, Any]:
    size = clamp_limit(limit, maximum=files.LIST_LIMIT_MAX, default=100)
    return await files.list_items(ctx, mount_id, prefix=mount_relative_prefix, cursor=cursor, limit=size)


@router.post(
    MOUNT + "/upload_url",
    summary="A presigned URL to upload a file to a session's files",
    responses=documented(UploadUrl, 404, 413),
)
async def upload_url(
    mount_id: str, body: UploadBody, ctx: SessionContext = Depends(_session)
) -> dict[str, Any]:
    return await files.upload_url(ctx, mount_id, body.mount_relative_path, body.mimetype)


@router.post(
    MOUNT + "/download_url",
    summary="A presigned URL to download one of a session's files",
    responses=documented(DownloadUrl, 404),
)
async def download_url(
    mount_id: str, body: PathBody, ctx: SessionContext = Depends(_session)
) -> dict[str, Any]:
    return await files.download_url(ctx, mount_id, body.mount_relative_path)


@router.post(
    MOUNT + "/delete",
    summary="Delete a file or directory of a session's files",
    responses=documented(Deleted, 404),
)
async def delete(mount_id: str, body: PathBody, ctx: SessionContext = Depends(_session)) -> dict[str, Any]:
    return await files.delete(ctx, mount_id, body.mount_relative_path)


@router.put(
    "/files/storage/session/{token}",
    summary="Upload a session file's bytes to a presigned URL",
    responses=documented(Stored, 400, 403, 404, 413, public=True),
)
async def put_file(token: str, request: Request, state: AppState = Depends(app_state)):
    data = await request.body()
    limit = state.settings.max_upload_bytes
    if len(data) > limit:
        raise ApiError(f"The file is larger than {limit} bytes", status=413, slug="FileTooLarge")
    return JSONResponse(await run_in_threadpool(files.put_bytes, state, token, data))


@router.get(
    "/files/storage/session/{token}",
    summary="Download one of a session's files",
    responses={
        200: {"description": "The file's bytes", "content": {"application/octet-stream": {}}},
        **errors(400, 403, 404),
    },
)
async def get_file(token: str, state: AppState = Depends(app_state)):
    content = await run_in_threadpool(files.get_bytes, state, token)
    name = safe_name(content.path)
    return Response(
        content.data,
        media_type=content.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
