"""Every Google Drive tool's requests against Google's Drive v3 discovery document.

Statically for HTTP tools (every argument, then only the required ones); live
for every tool, Python ones included (uploads are ``multipart/related`` POSTs
to the ``/upload/drive/v3/files`` media path the document declares). Negative
tests prove drift fails. Subset: ``tests/fidelity/specs/google/drive.v3.subset.json``.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.fidelity.checker import FidelityError, WireRequest, assert_request_valid, check_request
from tests.fidelity.support import (
    description,
    drifted,
    problems_of_sent,
    sample_arguments,
    sent_since,
    tool_by_slug,
    tool_request,
)
from valetkey.catalog.apispec.discovery import UPLOAD_SUFFIX
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding

UNDESCRIBED: dict[str, str] = {}  # every Drive tool has a described method
#: Tools whose body arguments are all optional: called with none they send no body, which Drive takes as
#: an empty File (no field of it is required), although the description marks the body as expected.
EMPTY_BODY_ACCEPTED = {"GOOGLEDRIVE_COPY_FILE", "GOOGLEDRIVE_UPDATE_FILE_METADATA"}
PYTHON_ONLY = {"drive.files.create", "drive.files.export", "drive.files.create" + UPLOAD_SUFFIX}


@pytest.fixture(scope="module")
def spec():
    return description("google", "drive.v3.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "googledrive")


def test_every_http_tool_with_every_argument_builds_a_described_request(spec, toolkit):
    problems = []
    for tool in toolkit.tools:
        if tool.operation is None:
            continue
        for optional in (True, False):
            found = check_request(spec, tool_request(tool, sample_arguments(tool, optional=optional)))
            if not optional and tool.slug in EMPTY_BODY_ACCEPTED:
                found = [p for p in found if not p.endswith("the request body is required but none was sent")]
            problems += found
    assert not problems, "\n".join(problems)


def test_the_subset_holds_exactly_the_methods_tools_use_and_tool_scopes_are_accepted(spec, toolkit):
    used = set()
    for tool in toolkit.tools:
        if tool.operation is not None:
            found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
            assert found is not None, f"{tool.slug}: no method in the description"
            used.add(found[0].id)
            assert set(tool.scopes) <= set(found[0].scopes), f"{tool.slug}: scopes Drive does not accept"
    described = {op.id for op in spec.operations}
    assert described - {"drive.files.update" + UPLOAD_SUFFIX} == used | PYTHON_ONLY


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit, tmp_path, loopback_files):
    from composio import Composio

    drive = connect("googledrive")
    drive.composio = Composio(
        api_key=drive.project.api_key,
        base_url=drive.server.url,
        dangerously_allow_auto_upload_download_files=True,
        file_upload_dirs=[str(tmp_path)],
        file_download_dir=str(tmp_path / "out"),
    )
    local = tmp_path / "photo.png"
    local.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    drive.emulator.requests.clear()
    ids: dict[str, str] = {}

    def keep(name):
        return lambda data: ids.__setitem__(name, data["id"])

    calls = [
        ("GOOGLEDRIVE_CREATE_FOLDER", lambda: {"folder_name": "F", "description": "d"}, keep("folder")),
        (
            "GOOGLEDRIVE_UPLOAD_FILE",
            lambda: {
                "file_to_upload": str(local),
                "folder_to_upload_to": ids["folder"],
                "name": "p.png",
                "description": "d",
            },
            keep("photo"),
        ),
        (
            "GOOGLEDRIVE_CREATE_FILE_FROM_TEXT",
            lambda: {
                "file_name": "Doc",
                "text_content": "t",
                "parent_id": ids["folder"],
                "mime_type": "application/vnd.google-apps.document",
            },
            keep("doc"),
        ),
        (
            "GOOGLEDRIVE_LIST_FILES",
            lambda: {"q": "trashed = false", "orderBy": "folder,name", "pageSize": 5, "spaces": "drive"},
            None,
        ),
        (
            "GOOGLEDRIVE_FIND_FILE",
            lambda: {
                "name_contains": "p",
                "full_text_contains": "x",
                "mime_type": "image/png",
                "folder_id": ids["folder"],
                "starred": True,
                "order_by": "name",
                "page_size": 5,
            },
            None,
        ),
        ("GOOGLEDRIVE_GET_FILE_METADATA", lambda: {"file_id": ids["photo"]}, None),
        (
            "GOOGLEDRIVE_UPDATE_FILE_METADATA",
            lambda: {"file_id": ids["photo"], "name": "q.png", "description": "e", "starred": True},
            None,
        ),
        ("GOOGLEDRIVE_DOWNLOAD_FILE", lambda: {"file_id": ids["photo"]}, None),
        ("GOOGLEDRIVE_DOWNLOAD_FILE", lambda: {"file_id": ids["doc"], "mime_type": "text/plain"}, None),
        ("GOOGLEDRIVE_EXPORT_FILE", lambda: {"file_id": ids["doc"], "mime_type": "application/pdf"}, None),
        (
            "GOOGLEDRIVE_COPY_FILE",
            lambda: {"file_id": ids["photo"], "new_title": "c.png", "parents": [ids["folder"]]},
            keep("copy"),
        ),
        ("GOOGLEDRIVE_MOVE_FILE", lambda: {"file_id": ids["copy"], "destination_folder_id": "root"}, None),
        (
            "GOOGLEDRIVE_SHARE_FILE",
            lambda: {
                "file_id": ids["photo"],
                "role": "commenter",
                "type": "user",
                "email_address": "bob@example.com",
                "send_notification_email": True,
                "email_message": "hi",
            },
            None,
        ),
        (
            "GOOGLEDRIVE_SHARE_FILE",
            lambda: {"file_id": ids["photo"], "role": "reader", "type": "domain", "domain": "example.com"},
            None,
        ),
        ("GOOGLEDRIVE_LIST_PERMISSIONS", lambda: {"file_id": ids["photo"], "pageSize": 10}, None),
        ("GOOGLEDRIVE_TRASH_FILE", lambda: {"file_id": ids["copy"], "restore": False}, None),
        ("GOOGLEDRIVE_DELETE_FILE", lambda: {"file_id": ids["folder"]}, None),
    ]
    problems, checked = [], set()
    for slug, arguments, after in calls:
        before = len(drive.emulator.requests)
        data = drive.ok(slug, arguments())
        if after:
            after(data)
        sent = sent_since(drive.emulator, before)
        problems += problems_of_sent(spec, slug, sent, authorization_prefix="Bearer ya29.")
        checked.add(slug)
    assert not problems, "\n".join(problems)
    assert checked == {t.slug for t in toolkit.tools} - set(UNDESCRIBED)


# -- drift is caught ---------------------------------------------------------


def test_a_renamed_query_parameter_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLEDRIVE_LIST_FILES")
    wrong = drifted(tool, params=(*tool.operation.params, ParamBinding("pageSize", "query", "page_size")))
    with pytest.raises(FidelityError, match="query parameter 'page_size' is not declared"):
        assert_request_valid(spec, tool_request(wrong, {"pageSize": 5}))


def test_a_wrong_path_or_method_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLEDRIVE_COPY_FILE")
    for wrong in (
        drifted(tool, path="/drive/v3/files/{file_id}/duplicate"),
        drifted(tool, method="PUT"),
        drifted(tool, path="/drive/v2/files/{file_id}/copy"),
    ):
        problems = check_request(spec, tool_request(wrong, {"file_id": "f1"}))
        assert problems and "no operation" in problems[0], wrong.operation


def test_a_renamed_body_field_and_a_wrong_value_fail(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLEDRIVE_SHARE_FILE")
    renamed = drifted(
        tool,
        params=tuple(b for b in tool.operation.params if b.arg != "email_address")
        + (ParamBinding("email_address", "body", "email"),),
    )
    problems = check_request(
        spec,
        tool_request(renamed, {"file_id": "f", "role": "reader", "type": "user", "email_address": "a@b.c"}),
    )
    assert any("body property 'email' is not declared" in p for p in problems), problems

    listing = tool_by_slug(toolkit, "GOOGLEDRIVE_LIST_FILES")
    problems = check_request(spec, tool_request(listing, {"pageSize": "many"}))
    assert any("pageSize" in p for p in problems), problems


def test_drift_in_a_python_tools_request_fails(spec):
    upload = WireRequest(
        "POST", "/upload/drive/v3/files", (("uploadType", "multipart"),), {}, "--b--", "multipart/related"
    )
    assert check_request(spec, upload) == []
    for wrong, message in (
        (dataclasses.replace(upload, query=()), "required query parameter 'uploadType' is missing"),
        (dataclasses.replace(upload, query=(("uploadType", "chunked"),)), "is not one of"),
        (dataclasses.replace(upload, path="/upload/drive/v3/file"), "no operation"),
        (
            WireRequest("PATCH", "/drive/v3/files/f1", (("add_parents", "x"),), {}, {}, "application/json"),
            "'add_parents' is not declared",
        ),
    ):
        problems = check_request(spec, wrong)
        assert any(message in p for p in problems), (wrong, problems)
