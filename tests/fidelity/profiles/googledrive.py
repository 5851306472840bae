"""Google Drive: Google's Drive v3 discovery document (``specs/google/drive.v3.subset.json``)."""

from __future__ import annotations

from tests.fidelity.checker import WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, rebound, replaced
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

UNDESCRIBED: dict[str, str] = {}  # every Drive tool has a described method
#: Tools whose body arguments are all optional: called with none they send no body, which Drive takes as
#: an empty File (no field of it is required), although the description marks the body as expected.
EMPTY_BODY_ACCEPTED = {"GOOGLEDRIVE_COPY_FILE", "GOOGLEDRIVE_UPDATE_FILE_METADATA"}


def spec():
    return description("google", "drive.v3.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request)


def tolerated(tool, optional: bool, problem: str) -> bool:
    return (
        not optional
        and tool.slug in EMPTY_BODY_ACCEPTED
        and problem.endswith("the request body is required but none was sent")
    )


UPLOAD = WireRequest(
    "POST", "/upload/drive/v3/files", (("uploadType", "multipart"),), {}, "--b--", "multipart/related"
)


def _copy(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "GOOGLEDRIVE_COPY_FILE"), **change), {"file_id": "f1"})


DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GOOGLEDRIVE_LIST_FILES"), "pageSize", "query", "page_size"),
            {"pageSize": 5},
        ),
        ("query parameter 'page_size' is not declared",),
    ),
    Drift(
        "wrong path",
        lambda tk: _copy(tk, path="/drive/v3/files/{file_id}/duplicate"),
        ("no operation",),
        first=True,
    ),
    Drift("wrong method", lambda tk: _copy(tk, method="PUT"), ("no operation",), first=True),
    Drift(
        "wrong API version",
        lambda tk: _copy(tk, path="/drive/v2/files/{file_id}/copy"),
        ("no operation",),
        first=True,
    ),
    Drift(
        "renamed body field",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "GOOGLEDRIVE_SHARE_FILE"), "email_address", "body", "email"),
            {"file_id": "f", "role": "reader", "type": "user", "email_address": "a@b.c"},
        ),
        ("body property 'email' is not declared",),
    ),
    Drift(
        "wrongly typed value",
        lambda tk: tool_request(tool_by_slug(tk, "GOOGLEDRIVE_LIST_FILES"), {"pageSize": "many"}),
        ("pageSize",),
    ),
    Drift("python tool: the undrifted upload", lambda tk: UPLOAD, exact=()),
    Drift(
        "python tool: missing required query parameter",
        lambda tk: replaced(UPLOAD, query=()),
        ("required query parameter 'uploadType' is missing",),
    ),
    Drift(
        "python tool: wrong enum value",
        lambda tk: replaced(UPLOAD, query=(("uploadType", "chunked"),)),
        ("is not one of",),
    ),
    Drift(
        "python tool: wrong path",
        lambda tk: replaced(UPLOAD, path="/upload/drive/v3/file"),
        ("no operation",),
    ),
    Drift(
        "python tool: renamed query parameter",
        lambda tk: WireRequest(
            "PATCH", "/drive/v3/files/f1", (("add_parents", "x"),), {}, {}, "application/json"
        ),
        ("'add_parents' is not declared",),
    ),
)

FIDELITY = Fidelity("googledrive", check, undescribed=UNDESCRIBED, tolerated=tolerated, drifts=DRIFTS)
