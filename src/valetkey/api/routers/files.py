"""HTTP side of file staging: presigned upload requests, and the storage URLs themselves.

``POST /files/upload/request`` (project API key) reserves a key and answers
the presigned PUT URL, shaped like Composio's answer. ``PUT`` and ``GET
/files/storage/{token}`` carry no API key, only the signed token, like an
object store's presigned URLs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from valetkey.api.auth import require_project
from valetkey.api.responses import Wire, documented, errors
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError
from valetkey.core.validation import QueryText, RequestBody, Slug
from valetkey.files.access import UPLOAD_TTL_SECONDS
from valetkey.files.signing import Grant, InvalidToken, verify
from valetkey.files.storage import ChecksumMismatch, FileNotStaged, project_of_key, safe_name
from valetkey.tenancy.service import project_is_live

router = APIRouter(tags=["files"])


class UploadUrl(Wire):
    id: str
    key: str
    type: str
    new_presigned_url: str
    newPresignedUrl: str
    metadata: dict[str, str]


class Stored(Wire):
    key: str
    size: int


DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file's bytes", "content": {"application/octet-stream": {}}}
}


class UploadRequest(RequestBody):
    toolkit_slug: Slug = Field(min_length=1, max_length=100)
    tool_slug: Slug = Field(min_length=1, max_length=200)
    filename: QueryText = Field(min_length=1, max_length=500)
    mimetype: QueryText = Field(min_length=1, max_length=200)
    md5: str = Field(pattern=r"^[0-9a-fA-F]{32}$")


@router.post(
    "/files/upload/request",
    summary="Request a presigned URL to upload a file for a tool",
    responses=documented(UploadUrl),
)
async def request_upload(
    body: UploadRequest,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    service = state.files
    key = service.storage.new_key(
        project.project_id, "requests", body.toolkit_slug, body.tool_slug, body.filename
    )
    await run_in_threadpool(
        service.storage.reserve,
        key,
        name=safe_name(body.filename),
        mimetype=body.mimetype,
        md5=body.md5.lower(),
    )
    url = service.url("put", key, UPLOAD_TTL_SECONDS)
    return {
        "id": "req_file_" + key.split("/")[-2][:12],
        "key": key,
        "type": "new",
        "new_presigned_url": url,
        "newPresignedUrl": url,
        "metadata": {"storage_backend": "s3"},
    }


def _grant(state: AppState, token: str, action: str) -> Grant:
    try:
        return verify(state.files.secret, token, action)
    except InvalidToken:
        raise ApiError(
            "This file URL is invalid or has expired",
            status=403,
            slug="FileUrlInvalid",
            suggested_fix="Request a new upload URL, or execute the tool again for a new download URL.",
        ) from None


async def _live_grant(state: AppState, token: str, action: str) -> Grant:
    """A valid grant whose project still exists: a deleted project's URLs answer 404."""
    grant = _grant(state, token, action)
    if not await run_in_threadpool(_project_is_live, state, project_of_key(grant.key)):
        raise ApiError("The file is no longer available", status=404, slug="FileNotFound")
    return grant


def _project_is_live(state: AppState, project_id: str | None) -> bool:
    if project_id is None:
        return False
    with state.db.session() as db:
        return project_is_live(db, project_id)


@router.put(
    "/files/storage/{token}",
    summary="Upload a file's bytes to a presigned URL",
    responses=documented(Stored, 400, 403, 404, 413, public=True),
)
async def put_file(token: str, request: Request, state: AppState = Depends(app_state)):
    grant = await _live_grant(state, token, "put")
    data = await request.body()
    # EdgeGuard already cut a larger body short; this keeps the route honest on its own.
    limit = state.settings.max_upload_bytes
    if len(data) > limit:
        raise ApiError(f"The file is larger than {limit} bytes", status=413, slug="FileTooLarge")
    try:
        await run_in_threadpool(state.files.storage.put, grant.key, data)
    except ChecksumMismatch as exc:
        raise ApiError(str(exc), status=400, slug="FileChecksumMismatch") from None
    except FileNotStaged:
        raise ApiError("No upload was requested for this URL", status=404, slug="FileNotFound") from None
    return JSONResponse({"key": grant.key, "size": len(data)})


@router.get(
    "/files/storage/{token}",
    summary="Download a file a tool returned",
    responses={**DOWNLOAD, **errors(400, 403, 404)},
)
async def get_file(token: str, state: AppState = Depends(app_state)):
    grant = await _live_grant(state, token, "get")
    try:
        stored = await run_in_threadpool(state.files.storage.read, grant.key)
    except FileNotStaged:
        raise ApiError("The file is no longer available", status=404, slug="FileNotFound") from None
    disposition = f'attachment; filename="{safe_name(stored.name)}"'
    return Response(stored.data, media_type=stored.mimetype, headers={"Content-Disposition": disposition})
