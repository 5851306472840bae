"""Sharing in the Drive emulator: permissions.create and permissions.list."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError, page_slice

from .files import READ, WRITE, me, visible, writable
from .render import permission
from .state import ROLES, Permission, permission_id

TYPES = ("user", "group", "domain", "anyone")


def create_permission(call: GoogleCall) -> Response:
    file = writable(call)
    body = call.body
    role, kind = body.get("role"), body.get("type")
    if not role:
        raise GoogleError(
            400, "The permission role field is required.", reason="required", location="permission.role"
        )
    if not kind:
        raise GoogleError(
            400, "The permission type field is required.", reason="required", location="permission.type"
        )
    if role not in ROLES or kind not in TYPES:
        raise GoogleError(
            400,
            f"The provided value for the permission {'role' if role not in ROLES else 'type'} is invalid.",
            reason="invalid",
        )
    if role == "owner" and call.query("transferOwnership") != "true":
        raise GoogleError(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            reason="forbidden",
        )
    email, domain = body.get("emailAddress"), body.get("domain")
    if kind in ("user", "group") and not email:
        raise GoogleError(
            400,
            "The permission emailAddress field is required.",
            reason="required",
            location="permission.emailAddress",
        )
    if kind == "domain" and not domain:
        raise GoogleError(
            400, "The permission domain field is required.", reason="required", location="permission.domain"
        )
    existing = next(
        (p for p in file.permissions if p.type == kind and p.email == email and p.domain == domain), None
    )
    if existing is None:
        existing = Permission(permission_id(email or domain or "anyone"), kind, role, email, domain)
        file.permissions.append(existing)
    else:
        existing.role = role
    call.state.touched(file)
    return call.reply(permission(existing))


def list_permissions(call: GoogleCall) -> Response:
    file = visible(call)
    if file.role_of(me(call)) not in ("owner", "writer", "fileOrganizer", "organizer"):
        raise GoogleError(
            403,
            "The user does not have sufficient permissions for this file.",
            reason="insufficientFilePermissions",
        )
    page, token = page_slice(file.permissions, call.query("pageToken"), call.integer("pageSize", 100, 100))
    body = {"kind": "drive#permissionList", "permissions": [permission(p) for p in page]}
    if token:
        body["nextPageToken"] = token
    return call.reply(body)


def routes(api: GoogleApi) -> list[Route]:
    base = "/drive/v3/files/{fileId}/permissions"
    return [
        api.route("POST", base, create_permission, scopes=WRITE),
        api.route("GET", base, list_permissions, scopes=READ),
    ]
