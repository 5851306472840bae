"""HTTP side of file staging: presigned upload requests, and the storage URLs themselves.

``POST /files/upload/request`` (project API key) reserves a key and answers
the presigned PUT URL, shaped like Composio's answer. ``PUT`` and ``GET
/files/storage/{token}`` carry no API key, only the signed token, like an
object store's presigned URLs.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from valetkey.api.auth import ProjectContext, require_project
from valetkey.api.errors import ApiError
from valetkey.api.state import AppState, app_state
from valetkey.files.access import UPLOAD_TTL_SECONDS
from valetkey.files.signing import InvalidToken, verify
from valetkey.files.storage import ChecksumMismatch, FileNotStaged, safe_name

router = APIRouter(tags=["files"])
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    toolkit_slug: str = Field(min_length=1, max_length=100)
    tool_slug: str = Field(min_length=1, max_length=200)
    filename: str = Field(min_length=1, max_length=500)
    mimetype: str = Field(min_length=1, max_length=200)
    md5: str = Field(pattern=r"^[0-9a-fA-F]{32}$")


@router.post("/files/upload/request", summary="Request a presigned URL to upload a file for a tool")
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


def _grant(state: AppState, token: str, action: str):
    try:
        return verify(state.files.secret, token, action)
    except InvalidToken:
        raise ApiError(
            "This file URL is invalid or has expired",
            status=403,
            slug="FileUrlInvalid",
            suggested_fix="Request a new upload URL, or execute the tool again for a new download URL.",
        ) from None


@router.put("/files/storage/{token}", summary="Upload a file's bytes to a presigned URL")
async def put_file(token: str, request: Request, state: AppState = Depends(app_state)):
    grant = _grant(state, token, "put")
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError("The file is larger than 100 MB", status=413, slug="FileTooLarge")
    try:
        await run_in_threadpool(state.files.storage.put, grant.key, data)
    except ChecksumMismatch as exc:
        raise ApiError(str(exc), status=400, slug="FileChecksumMismatch") from None
    except FileNotStaged:
        raise ApiError("No upload was requested for this URL", status=404, slug="FileNotFound") from None
    return JSONResponse({"key": grant.key, "size": len(data)})


@router.get("/files/storage/{token}", summary="Download a file a tool returned")
async def get_file(token: str, state: AppState = Depends(app_state)):
    grant = _grant(state, token, "get")
    try:
        stored = await run_in_threadpool(state.files.storage.read, grant.key)
    except FileNotStaged:
        raise ApiError("The file is no longer available", status=404, slug="FileNotFound") from None
    disposition = f'attachment; filename="{safe_name(stored.name)}"'
    return Response(stored.data, media_type=stored.mimetype, headers={"Content-Disposition": disposition})
