"""Every Google Drive tool through the official SDK, a real server and the Drive emulator.

Files travel the way the SDK moves them: with automatic file handling on,
`GOOGLEDRIVE_UPLOAD_FILE` gets a local path, the SDK asks the server for a
presigned URL (``/api/v3/files/upload/request``), PUTs the bytes, and the
tool reads them back; downloads answer ``{name, mimetype, s3url}`` which the
SDK fetches into `file_download_dir`. The SDK refuses loopback URLs (its
SSRF guard), so these tests allow 127.0.0.1 for their own server only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from composio import Composio

ALICE = "alice@example.com"
SHARED_DOC = "1SharedPlansDocumentBobOwnsForAlice"
FOLDER = "application/vnd.google-apps.folder"


@pytest.fixture
def drive(connect, tmp_path, loopback_files):
    connection = connect("googledrive")
    connection.composio = Composio(
        api_key=connection.project.api_key,
        base_url=connection.server.url,
        dangerously_allow_auto_upload_download_files=True,
        file_upload_dirs=[str(tmp_path)],
        file_download_dir=str(tmp_path / "downloads"),
    )
    return connection


def files_of(drive):
    return drive.state.files


def test_upload_then_download_is_byte_identical(drive, tmp_path):
    payload = bytes(range(256)) * 40 + b"\x00end"
    local = tmp_path / "report.bin"
    local.write_bytes(payload)
    folder = drive.ok("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "Reports"})
    assert folder["mimeType"] == FOLDER and files_of(drive)[folder["id"]].is_folder

    uploaded = drive.ok(
        "GOOGLEDRIVE_UPLOAD_FILE", {"file_to_upload": str(local), "folder_to_upload_to": folder["id"]}
    )
    stored = files_of(drive)[uploaded["id"]]
    assert stored.content == payload and stored.parents == [folder["id"]] and stored.name == "report.bin"
    assert uploaded["md5Checksum"] == hashlib.md5(payload).hexdigest() and uploaded["size"] == str(
        len(payload)
    )

    downloaded = drive.ok("GOOGLEDRIVE_DOWNLOAD_FILE", {"file_id": uploaded["id"]})
    saved = Path(
        downloaded["downloaded_file_content"]
    )  # the SDK replaced {name, mimetype, s3url} with a path
    assert saved.read_bytes() == payload and saved.name == "report.bin"


def test_staged_files_and_download_urls_are_project_scoped(drive, connect, toolkit_server, tmp_path):
    local = tmp_path / "secret.txt"
    local.write_text("only mine")
    drive.ok("GOOGLEDRIVE_UPLOAD_FILE", {"file_to_upload": str(local)})
    request = drive.emulator.requests.all()[-1]
    assert request.path == "/upload/drive/v3/files" and ("uploadType", "multipart") in request.query
    # Another project cannot use this project's staged key.
    with httpx.Client(base_url=toolkit_server.url, headers={"x-api-key": drive.project.api_key}) as client:
        staged = client.post(
            "/api/v3/files/upload/request",
            json={
                "toolkit_slug": "googledrive",
                "tool_slug": "GOOGLEDRIVE_UPLOAD_FILE",
                "filename": "x.txt",
                "mimetype": "text/plain",
                "md5": hashlib.md5(b"x").hexdigest(),
            },
        ).json()
        assert staged["key"].startswith("projects/") and staged["type"] == "new"
        wrong = httpx.put(staged["new_presigned_url"], content=b"not x")
        assert wrong.status_code == 400  # md5 given with the request must match
        assert httpx.put(staged["new_presigned_url"], content=b"x").status_code == 200
        forged = httpx.get(staged["new_presigned_url"])  # an upload URL is not a download URL
        assert forged.status_code == 403
    other = connect("googledrive", reset=False)
    result = other.fails(
        "GOOGLEDRIVE_UPLOAD_FILE",
        {"file_to_upload": {"name": "x.txt", "mimetype": "text/plain", "s3key": staged["key"]}},
    )
    assert "not found in this project's staged files" in result["error"]


def test_text_files_google_docs_exports_and_search(drive):
    notes = drive.ok(
        "GOOGLEDRIVE_CREATE_FILE_FROM_TEXT",
        {"file_name": "notes.md", "text_content": "# Budget\nQ3 numbers", "mime_type": "text/markdown"},
    )
    doc = drive.ok(
        "GOOGLEDRIVE_CREATE_FILE_FROM_TEXT",
        {
            "file_name": "Budget memo",
            "text_content": "Spend less.",
            "mime_type": "application/vnd.google-apps.document",
        },
    )
    assert files_of(drive)[doc["id"]].is_google and doc["webViewLink"].startswith(
        "https://docs.google.com/document/"
    )

    by_name = drive.ok("GOOGLEDRIVE_FIND_FILE", {"name_contains": "budg"})["files"]
    assert [f["id"] for f in by_name] == [doc["id"]]  # word prefix: "notes.md" has no word starting with budg
    by_text = drive.ok("GOOGLEDRIVE_FIND_FILE", {"full_text_contains": "q3 numbers"})["files"]
    assert [f["id"] for f in by_text] == [notes["id"]]
    docs = drive.ok(
        "GOOGLEDRIVE_FIND_FILE", {"mime_type": "application/vnd.google-apps.document", "order_by": "name"}
    )["files"]
    assert [f["name"] for f in docs] == ["Budget memo", "Shared plans"]  # Bob's doc is shared with Alice

    exported = drive.ok("GOOGLEDRIVE_EXPORT_FILE", {"file_id": doc["id"], "mime_type": "text/plain"})
    assert Path(exported["downloaded_file_content"]).read_text() == "Spend less."
    as_pdf = drive.ok("GOOGLEDRIVE_DOWNLOAD_FILE", {"file_id": SHARED_DOC})
    assert Path(as_pdf["downloaded_file_content"]).read_bytes().startswith(b"%PDF")
    refused = drive.fails(
        "GOOGLEDRIVE_EXPORT_FILE", {"file_id": notes["id"], "mime_type": "application/pdf"}, status=403
    )
    assert "fileNotExportable" in refused["data"]["message"]

    listed = drive.ok(
        "GOOGLEDRIVE_LIST_FILES",
        {
            "q": "mimeType != 'application/vnd.google-apps.folder' and trashed = false",
            "orderBy": "name",
            "pageSize": 2,
        },
    )
    assert [f["name"] for f in listed["files"]] == ["Budget memo", "notes.md"] and listed["nextPageToken"]
    rest = drive.ok(
        "GOOGLEDRIVE_LIST_FILES",
        {
            "q": "mimeType != 'application/vnd.google-apps.folder' and trashed = false",
            "orderBy": "name",
            "pageSize": 2,
            "pageToken": listed["nextPageToken"],
        },
    )
    assert [f["name"] for f in rest["files"]] == ["Shared plans"] and "nextPageToken" not in rest
    bad = drive.fails("GOOGLEDRIVE_LIST_FILES", {"q": "name contans 'x'"}, status=400)
    assert "Invalid Value" in bad["error"]


def test_organize_share_trash_and_delete(drive):
    memo = drive.ok("GOOGLEDRIVE_CREATE_FILE_FROM_TEXT", {"file_name": "memo.txt", "text_content": "hello"})
    archive = drive.ok("GOOGLEDRIVE_CREATE_FOLDER", {"folder_name": "Archive", "description": "Old things"})

    meta = drive.ok("GOOGLEDRIVE_GET_FILE_METADATA", {"file_id": memo["id"]})
    assert meta["owners"][0]["emailAddress"] == ALICE and meta["size"] == "5"
    drive.fails("GOOGLEDRIVE_GET_FILE_METADATA", {"file_id": "1missing"}, status=404)

    renamed = drive.ok(
        "GOOGLEDRIVE_UPDATE_FILE_METADATA", {"file_id": memo["id"], "name": "memo-v2.txt", "starred": True}
    )
    assert renamed["name"] == "memo-v2.txt" and files_of(drive)[memo["id"]].starred
    assert [f["id"] for f in drive.ok("GOOGLEDRIVE_FIND_FILE", {"starred": True})["files"]] == [memo["id"]]

    copy = drive.ok("GOOGLEDRIVE_COPY_FILE", {"file_id": memo["id"], "new_title": "memo copy.txt"})
    assert files_of(drive)[copy["id"]].content == b"hello" and copy["id"] != memo["id"]
    moved = drive.ok("GOOGLEDRIVE_MOVE_FILE", {"file_id": copy["id"], "destination_folder_id": archive["id"]})
    assert moved["parents"] == [archive["id"]] == files_of(drive)[copy["id"]].parents
    inside = drive.ok("GOOGLEDRIVE_FIND_FILE", {"folder_id": archive["id"]})["files"]
    assert [f["name"] for f in inside] == ["memo copy.txt"]

    shared = drive.ok(
        "GOOGLEDRIVE_SHARE_FILE",
        {
            "file_id": memo["id"],
            "role": "writer",
            "type": "user",
            "email_address": "carol@example.com",
            "send_notification_email": False,
        },
    )
    assert shared["role"] == "writer" and files_of(drive)[memo["id"]].role_of("carol@example.com") == "writer"
    drive.ok("GOOGLEDRIVE_SHARE_FILE", {"file_id": memo["id"], "role": "reader", "type": "anyone"})
    who = drive.ok("GOOGLEDRIVE_LIST_PERMISSIONS", {"file_id": memo["id"]})["permissions"]
    assert [(p["type"], p["role"]) for p in who] == [
        ("user", "owner"),
        ("user", "writer"),
        ("anyone", "reader"),
    ]
    drive.fails(
        "GOOGLEDRIVE_LIST_PERMISSIONS", {"file_id": SHARED_DOC}, status=403
    )  # Alice only reads Bob's doc

    trashed = drive.ok("GOOGLEDRIVE_TRASH_FILE", {"file_id": archive["id"]})
    assert trashed["trashed"] is True and files_of(drive)[copy["id"]].trashed  # contents go with the folder
    assert drive.ok("GOOGLEDRIVE_FIND_FILE", {"name_contains": "memo"})["files"][0]["id"] == memo["id"]
    restored = drive.ok("GOOGLEDRIVE_TRASH_FILE", {"file_id": archive["id"], "restore": True})
    assert restored["trashed"] is False

    drive.ok("GOOGLEDRIVE_DELETE_FILE", {"file_id": archive["id"]})
    assert archive["id"] not in files_of(drive) and copy["id"] not in files_of(drive)
    refused = drive.fails("GOOGLEDRIVE_DELETE_FILE", {"file_id": SHARED_DOC}, status=403)
    assert "insufficientFilePermissions" in refused["data"]["message"]
