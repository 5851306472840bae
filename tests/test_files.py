"""Staged files: signed URLs, project-scoped keys, checksums, and keys that cannot leave the storage root."""

from __future__ import annotations

import hashlib

import pytest

from valetkey.files.access import FileService, ProjectFiles
from valetkey.files.signing import InvalidToken, load_or_create_key, sign, verify
from valetkey.files.storage import ChecksumMismatch, FileNotStaged, FileStorage, safe_name


def test_tokens_allow_one_action_until_they_expire_and_refuse_tampering(tmp_path):
    secret = load_or_create_key(tmp_path / "k")
    assert load_or_create_key(tmp_path / "k") == secret and (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    token = sign(secret, "get", "projects/p/x", 60, clock=lambda: 1000)
    assert verify(secret, token, "get", clock=lambda: 1059).key == "projects/p/x"
    with pytest.raises(InvalidToken, match="expired"):
        verify(secret, token, "get", clock=lambda: 1061)
    with pytest.raises(InvalidToken, match="another action"):
        verify(secret, token, "put", clock=lambda: 1000)
    payload, _, mac = token.partition(".")
    with pytest.raises(InvalidToken):
        verify(secret, payload[:-2] + "AA." + mac, "get", clock=lambda: 1000)
    with pytest.raises(InvalidToken):
        verify(b"another key", token, "get", clock=lambda: 1000)


def test_uploads_are_checked_against_their_md5_and_read_only_by_their_project(tmp_path):
    storage = FileStorage(tmp_path)
    key = storage.new_key("pr_1", "requests", "googledrive", "GOOGLEDRIVE_UPLOAD_FILE", "../../etc/passwd")
    assert key.startswith("projects/pr_1/requests/googledrive/GOOGLEDRIVE_UPLOAD_FILE/") and key.endswith(
        "/passwd"
    )
    storage.reserve(key, name="passwd", mimetype="text/plain", md5=hashlib.md5(b"data").hexdigest())
    with pytest.raises(ChecksumMismatch):
        storage.put(key, b"other")
    storage.put(key, b"data")
    assert storage.read(key, "pr_1").data == b"data"
    with pytest.raises(FileNotStaged):
        storage.read(key, "pr_2")
    for forged in ("projects/pr_1/../../x", "/etc/passwd", key.replace("requests", "secrets")):
        with pytest.raises(FileNotStaged):
            storage.read(forged)
    assert safe_name("a b/..\\c?.txt") == "c_.txt"


def test_published_files_come_back_as_signed_download_urls(tmp_path):
    service = FileService(FileStorage(tmp_path), b"k" * 32, "https://valetkey.example.com")
    files = ProjectFiles(service, "pr_1", "googledrive", "GOOGLEDRIVE_DOWNLOAD_FILE")
    answer = files.publish("report.pdf", "application/pdf", b"%PDF")
    assert answer["name"] == "report.pdf" and answer["mimetype"] == "application/pdf"
    assert answer["s3url"].startswith("https://valetkey.example.com/api/v3/files/storage/")
    key = verify(b"k" * 32, answer["s3url"].rsplit("/", 1)[1], "get").key
    assert files.read({"name": "r.pdf", "mimetype": "application/pdf", "s3key": key}).data == b"%PDF"
    with pytest.raises(FileNotStaged):
        ProjectFiles(service, "pr_2", "x", "X").read({"s3key": key})
