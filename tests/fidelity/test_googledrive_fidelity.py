"""Every Google Drive tool's requests against Google's Drive v3 discovery document.

Statically for HTTP tools (every argument, then only the required ones); live
for every tool, Python ones included (uploads are ``multipart/related`` POSTs
to the ``/upload/drive/v3/files`` media path the document declares). Subset: ``tests/fidelity/specs/google/drive.v3.subset.json``.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/googledrive.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.profiles.googledrive import UNDESCRIBED
from tests.fidelity.support import (
    description,
    problems_of_sent,
    sent_since,
)
from valetkey.catalog.apispec.discovery import UPLOAD_SUFFIX
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit

PYTHON_ONLY = {"drive.files.create", "drive.files.export", "drive.files.create" + UPLOAD_SUFFIX}


@pytest.fixture(scope="module")
def spec():
    return description("google", "drive.v3.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "googledrive")


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
