"""A session's files (`session.experimental.files`): the SDK's round trip, limits, paths, signed URLs.

The mount is the folder the workbench sees at /mnt/files (`files.session_files`), so
the hostile cases matter here: a path cannot climb out, a symlink planted inside is
refused rather than followed, and a deleted session's files and URLs are gone.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.support.app import database_url_for, start_server
from tests.support.errors import assert_error
from tests.support.oauth import V3
from valetkey.files.session_files import mount_dir

SESSIONS = f"{V3}/tool_router/session"
LIMITS = {"session_file_max_bytes": 1000, "session_files_max_bytes": 2500}


@pytest.fixture(scope="module")
def small_server(request, toolkits_dir):
    threaded, running = start_server(
        database_url_for("sqlite", request), catalog_dirs=[toolkits_dir], **LIMITS
    )
    yield running
    threaded.stop()


@pytest.fixture
def small(small_server):
    keys = small_server.new_project()
    with httpx.Client(base_url=small_server.url, headers={"x-api-key": keys.api_key}, timeout=30) as c:
        c.keys = keys
        yield c


def _mount(server, project_id: str, session_id: str) -> Path:
    return mount_dir(Path(server.settings.home) / "files", project_id, session_id)


def test_the_sdk_uploads_lists_downloads_and_deletes(composio, loopback_files, tmp_path):
    session = composio.create(user_id="u-files")
    files = session.experimental.files
    local = tmp_path / "notes.txt"
    local.write_text("hello files")
    remote = files.upload(str(local))
    assert remote.mount_relative_path == "notes.txt" and remote.sandbox_mount_prefix == "/mnt/files"
    assert remote.text() == "hello files"
    chart = files.upload(b"\x89PNG...", remote_path="charts/q1/chart.png", mimetype="image/png")
    assert chart.buffer() == b"\x89PNG..."

    listed = files.list()
    assert [item.mount_relative_path for item in listed.items] == ["charts/q1/chart.png", "notes.txt"]
    assert {item.size for item in listed.items} == {7, 11} and listed.next_cursor is None
    assert all(item.last_modified.endswith("Z") for item in listed.items)
    assert [i.mount_relative_path for i in files.list(path="/charts").items] == ["charts/q1/chart.png"]

    again = files.download("/mnt/files/notes.txt")  # the sandbox's absolute path names the same file
    assert again.mount_relative_path == "notes.txt"
    saved = again.save(tmp_path / "copy.txt")
    assert Path(saved).read_text() == "hello files"
    downloaded = httpx.get(chart.download_url)
    assert downloaded.headers["content-type"] == "image/png"

    deleted = files.delete("charts")  # a directory goes with everything in it
    assert deleted.mount_relative_path == "charts"
    assert [item.mount_relative_path for item in files.list().items] == ["notes.txt"]
    with pytest.raises(Exception, match=r"(?i)not found|no file"):
        files.download("charts/q1/chart.png")


def test_pages_follow_the_cursor(client):
    session_id = client.post(SESSIONS, json={"user_id": "u-pages"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}/mounts/files"
    for i in range(5):
        url = client.post(f"{base}/upload_url", json={"mount_relative_path": f"f{i}.txt"}).json()[
            "upload_url"
        ]
        assert httpx.put(url, content=b"x" * i).status_code == 200
    seen, cursor = [], None
    while True:
        page = client.get(
            f"{base}/items", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [item["mount_relative_path"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"f{i}.txt" for i in range(5)]
    assert client.get(f"{base}/items", params={"limit": 9999}).status_code == 200  # clamped, not refused


@pytest.mark.parametrize(
    "path",
    ["../x", "a/../../x", "a//b", "./a", "a\\..\\b", "a/\x00b", "/", "", "/mnt/files", "a/" + "x" * 300],
)
def test_paths_that_could_leave_the_mount_are_refused(client, path):
    session_id = client.post(SESSIONS, json={"user_id": "u-paths"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}/mounts/files"
    for route in ("upload_url", "download_url", "delete"):
        response = client.post(f"{base}/{route}", json={"mount_relative_path": path})
        assert response.status_code == 400, (route, path, response.text)


def test_a_symlink_planted_in_the_mount_is_not_followed(small, small_server, tmp_path):
    session_id = small.post(SESSIONS, json={"user_id": "u-link"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}/mounts/files"
    url = small.post(f"{base}/upload_url", json={"mount_relative_path": "ok.txt"}).json()["upload_url"]
    assert httpx.put(url, content=b"fine").status_code == 200
    secret = tmp_path / "outside.txt"
    secret.write_text("server secret")
    mount = _mount(small_server, small.keys.id, session_id)
    os.symlink(secret, mount / "leak.txt")  # what sandboxed code could do inside /mnt/files
    os.symlink(tmp_path, mount / "dir")
    os.mkfifo(mount / "pipe")  # opening it would block a server that did not guard against it
    assert_error(small.post(f"{base}/download_url", json={"mount_relative_path": "pipe"}), 404)
    assert_error(small.post(f"{base}/download_url", json={"mount_relative_path": "leak.txt"}), 404)
    assert_error(small.post(f"{base}/download_url", json={"mount_relative_path": "dir/outside.txt"}), 400)
    put = small.post(f"{base}/upload_url", json={"mount_relative_path": "dir/new.txt"}).json()["upload_url"]
    assert httpx.put(put, content=b"x").status_code == 400
    assert not (tmp_path / "new.txt").exists()
    listed = small.get(f"{base}/items").json()["items"]
    assert [item["mount_relative_path"] for item in listed] == ["ok.txt"]
    assert small.post(f"{base}/delete", json={"mount_relative_path": "dir"}).status_code == 200
    assert secret.read_text() == "server secret" and tmp_path.is_dir()  # the link went, not its target


def test_file_and_session_size_limits(small):
    session_id = small.post(SESSIONS, json={"user_id": "u-limits"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}/mounts/files"

    def put(path: str, size: int) -> httpx.Response:
        url = small.post(f"{base}/upload_url", json={"mount_relative_path": path}).json()["upload_url"]
        return httpx.put(url, content=b"x" * size)

    assert put("a.bin", 1000).status_code == 200
    assert_error(put("big.bin", 1001), 413, contains="at most 1000")
    assert put("b.bin", 1000).status_code == 200
    assert put("a.bin", 900).status_code == 200  # replacing a file counts its new size only
    assert_error(put("c.bin", 700), 413, contains="may hold 2500")
    assert put("c.bin", 600).status_code == 200
    assert_error(small.post(f"{base}/upload_url", json={"mount_relative_path": "d.bin"}), 413)
    sizes = {i["mount_relative_path"]: i["size"] for i in small.get(f"{base}/items").json()["items"]}
    assert sizes == {"a.bin": 900, "b.bin": 1000, "c.bin": 600}


def test_urls_are_signed_for_one_action_one_file_and_one_session(client, server, project):
    first = client.post(SESSIONS, json={"user_id": "u-a"}).json()["session_id"]
    second = client.post(SESSIONS, json={"user_id": "u-b"}).json()["session_id"]
    put = client.post(f"{SESSIONS}/{first}/mounts/files/upload_url", json={"mount_relative_path": "r.txt"})
    put_url = put.json()["upload_url"]
    assert put.json()["expires_at"].endswith("Z")
    assert httpx.put(put_url, content=b"mine").status_code == 200
    get_url = client.post(
        f"{SESSIONS}/{first}/mounts/files/download_url", json={"mount_relative_path": "r.txt"}
    ).json()["download_url"]
    assert_error(httpx.get(put_url), 403)  # an upload URL does not download
    assert_error(httpx.put(get_url, content=b"overwrite"), 403)
    token = get_url.rsplit("/", 1)[1]
    assert_error(httpx.get(get_url[: -len(token)] + token[:-3] + "AAA"), 403)
    # Another session of the same project sees none of it; another project not even the session.
    assert client.get(f"{SESSIONS}/{second}/mounts/files/items").json()["items"] == []
    assert_error(
        client.post(f"{SESSIONS}/{second}/mounts/files/download_url", json={"mount_relative_path": "r.txt"}),
        404,
    )
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}, timeout=30) as stranger:
        assert_error(stranger.get(f"{SESSIONS}/{first}/mounts/files/items"), 404)
    assert_error(client.get(f"{SESSIONS}/{first}/mounts/other/items"), 404, contains="mount")
    assert_error(
        client.post(
            f"{SESSIONS}/{first}/mounts/files/upload_url", json={"mount_relative_path": "x", "ttl": 9}
        ),
        400,
    )


def test_a_deleted_sessions_files_and_urls_are_gone(client, server, project):
    session_id = client.post(SESSIONS, json={"user_id": "u-gone"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}/mounts/files"
    put_url = client.post(f"{base}/upload_url", json={"mount_relative_path": "keep.txt"}).json()["upload_url"]
    assert httpx.put(put_url, content=b"data").status_code == 200
    get_url = client.post(f"{base}/download_url", json={"mount_relative_path": "keep.txt"}).json()[
        "download_url"
    ]
    mount = _mount(server, project.id, session_id)
    assert (mount / "keep.txt").read_bytes() == b"data"
    assert client.delete(f"{SESSIONS}/{session_id}").status_code == 200
    assert not mount.parent.exists()
    assert_error(httpx.get(get_url), 404)
    assert_error(httpx.put(put_url, content=b"again"), 404)  # an outstanding URL cannot bring it back
    assert not mount.parent.exists()
    assert_error(client.get(f"{base}/items"), 404)


def test_reading_a_fifo_or_a_link_never_blocks_or_escapes(tmp_path):
    from valetkey.core.errors import NotFound
    from valetkey.files.session_files import Limits, SessionFiles

    files = SessionFiles(tmp_path, "proj_1", "trs_1", Limits(100, 1000))
    mount = files.ensure()
    os.mkfifo(mount / "pipe")
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", mount / "link")
    for name in ("pipe", "link"):
        with pytest.raises(NotFound):
            files.read(name)
    files.write("ok/a.txt", b"abc", "text/plain")
    assert files.read("ok/a.txt").mimetype == "text/plain"
    assert [e.path for e in files.entries()] == ["ok/a.txt"]
