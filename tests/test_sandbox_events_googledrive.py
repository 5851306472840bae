"""The Drive emulator's change log: changes.getStartPageToken and changes.list, per user."""

from __future__ import annotations

import httpx
import pytest

from tests.support.servers import ThreadedServer

DRIVE = "https://www.googleapis.com/auth/drive"
API = "/googledrive/drive/v3"


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["googledrive"]
    threaded.stop()


def client(url: str, emulator, who: str) -> httpx.Client:
    token = emulator.issue_token(who, (DRIVE,))
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture
def drives(sandbox):
    url, emulator = sandbox
    emulator.reset()
    with client(url, emulator, "alice@example.com") as alice, client(url, emulator, "bob@example.com") as bob:
        yield alice, bob


def start(c: httpx.Client) -> str:
    answer = c.get(f"{API}/changes/startPageToken").json()
    assert answer["kind"] == "drive#startPageToken"
    return answer["startPageToken"]


def changes(c: httpx.Client, token: str, **params) -> dict:
    answer = c.get(f"{API}/changes", params={"pageToken": token, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_created_edited_and_deleted_files_are_listed_once_each_from_the_token(drives):
    alice, _ = drives
    token = start(alice)
    assert changes(alice, token) == {"kind": "drive#changeList", "changes": [], "newStartPageToken": token}
    notes = alice.post(f"{API}/files", json={"name": "notes.txt", "mimeType": "text/plain"}).json()
    alice.patch(f"{API}/files/{notes['id']}", json={"name": "notes-v2.txt"})
    scratch = alice.post(f"{API}/files", json={"name": "scratch"}).json()
    assert alice.delete(f"{API}/files/{scratch['id']}").status_code == 204
    listed = changes(alice, token)
    by_file = {c["fileId"]: c for c in listed["changes"]}
    assert list(by_file) == [notes["id"], scratch["id"]]  # one entry per file: its latest change
    assert by_file[notes["id"]]["removed"] is False and by_file[notes["id"]]["file"]["name"] == "notes-v2.txt"
    assert by_file[notes["id"]]["kind"] == "drive#change" and by_file[notes["id"]]["changeType"] == "file"
    assert by_file[scratch["id"]]["removed"] is True and "file" not in by_file[scratch["id"]]
    new_token = listed["newStartPageToken"]
    assert int(new_token) > int(token) and changes(alice, new_token)["changes"] == []
    assert [c["fileId"] for c in changes(alice, token, includeRemoved="false")["changes"]] == [notes["id"]]


def test_each_user_sees_only_the_files_they_can_see_including_files_shared_with_them(drives):
    alice, bob = drives
    alice_token, bob_token = start(alice), start(bob)
    private = bob.post(f"{API}/files", json={"name": "bob only"}).json()
    shared = bob.post(f"{API}/files", json={"name": "for alice"}).json()
    granted = bob.post(
        f"{API}/files/{shared['id']}/permissions",
        json={"type": "user", "role": "reader", "emailAddress": "alice@example.com"},
    )
    assert granted.status_code == 200, granted.text
    assert [c["fileId"] for c in changes(alice, alice_token)["changes"]] == [shared["id"]]
    assert {c["fileId"] for c in changes(bob, bob_token)["changes"]} == {private["id"], shared["id"]}
    assert changes(alice, alice_token)["changes"][0]["file"]["name"] == "for alice"


def test_pages_and_bad_tokens(drives):
    alice, _ = drives
    token = start(alice)
    ids = [alice.post(f"{API}/files", json={"name": f"f{i}"}).json()["id"] for i in range(3)]
    first = changes(alice, token, pageSize=2)
    assert [c["fileId"] for c in first["changes"]] == ids[:2] and "newStartPageToken" not in first
    rest = changes(alice, first["nextPageToken"], pageSize=2)
    assert [c["fileId"] for c in rest["changes"]] == ids[2:] and rest["newStartPageToken"]
    assert alice.get(f"{API}/changes").status_code == 400
    assert alice.get(f"{API}/changes", params={"pageToken": "nope"}).status_code == 400
    assert alice.get(f"{API}/changes", params={"pageToken": "999999"}).status_code == 400
    selected = alice.get(f"{API}/changes", params={"pageToken": token, "fields": "changes(fileId)"}).json()
    assert selected == {"changes": [{"fileId": i} for i in ids]}
