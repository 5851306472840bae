"""The Gmail emulator's history: getProfile's historyId and users.history.list, as a poller uses them."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import httpx
import pytest

from tests.support.sandbox_events import gmail_deliver
from tests.support.servers import ThreadedServer

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
BASE = "/gmail/gmail/v1/users/me"


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["gmail"]
    threaded.stop()


@pytest.fixture
def gmail(sandbox):
    url, emulator = sandbox
    emulator.reset()
    token = emulator.issue_token("alice@example.com", (MODIFY, "https://mail.google.com/"))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as c:
        yield c


def history_id(gmail: httpx.Client) -> str:
    return gmail.get(f"{BASE}/profile").json()["historyId"]


def arrive(gmail: httpx.Client, subject: str, **extra) -> str:
    """A message from outside arrives in Alice's inbox (the admin seed route)."""
    url = str(gmail.base_url).rstrip("/")
    return gmail_deliver(
        url, "alice@example.com", sender="dave@elsewhere.example", subject=subject, body="hi", **extra
    )


def history(gmail: httpx.Client, start: str, **params) -> httpx.Response:
    return gmail.get(f"{BASE}/history", params={"startHistoryId": start, **params})


def send(gmail: httpx.Client, to: str, subject: str) -> dict:
    message = EmailMessage()
    message["To"], message["Subject"] = to, subject
    message.set_content("body")
    raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
    sent = gmail.post(f"{BASE}/messages/send", json={"raw": raw})
    assert sent.status_code == 200
    return sent.json()


def test_arriving_mail_shows_up_after_the_watermark_and_not_before(gmail):
    mark = history_id(gmail)
    assert history(gmail, mark).json() == {"historyId": mark}  # nothing new yet
    first = arrive(gmail, "one")
    second = arrive(gmail, "two")
    body = history(gmail, mark, historyTypes="messageAdded").json()
    added = [h["messagesAdded"][0]["message"] for h in body["history"]]
    assert [m["id"] for m in added] == [first, second]
    assert all("INBOX" in m["labelIds"] and "UNREAD" in m["labelIds"] for m in added)
    assert [h["messages"][0]["id"] for h in body["history"]] == [first, second]
    assert int(body["historyId"]) > int(mark) and body["historyId"] == history_id(gmail)
    # The next poll starts at the answer's historyId and sees nothing again.
    assert "history" not in history(gmail, body["historyId"]).json()
    # History ids only grow, and each change has its own.
    ids = [int(h["id"]) for h in body["history"]]
    assert ids == sorted(ids) and len(set(ids)) == 2 and ids[0] > int(mark)


def test_sent_mail_and_label_changes_are_typed_and_filterable(gmail):
    mark = history_id(gmail)
    sent = send(gmail, "bob@example.com", "to bob")
    incoming = arrive(gmail, "read me")
    gmail.post(
        f"{BASE}/messages/{incoming}/modify", json={"removeLabelIds": ["UNREAD"], "addLabelIds": ["STARRED"]}
    )
    everything = history(gmail, mark).json()["history"]
    kinds = [next(k for k in h if k not in ("id", "messages")) for h in everything]
    assert kinds == ["messagesAdded", "messagesAdded", "labelsAdded", "labelsRemoved"]
    assert everything[0]["messagesAdded"][0]["message"]["labelIds"] == ["SENT"]
    assert everything[2]["labelsAdded"][0]["labelIds"] == ["STARRED"]
    assert everything[3]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    inbox = history(gmail, mark, historyTypes="messageAdded", labelId="INBOX").json()["history"]
    assert [h["messagesAdded"][0]["message"]["id"] for h in inbox] == [incoming]
    sent_only = history(gmail, mark, historyTypes="messageAdded", labelId="SENT").json()["history"]
    assert [h["messagesAdded"][0]["message"]["id"] for h in sent_only] == [sent["id"]]
    # Repeated historyTypes combine.
    both = history(gmail, mark, historyTypes=["labelAdded", "labelRemoved"]).json()["history"]
    assert len(both) == 2


def test_mail_between_sandbox_mailboxes_lands_in_the_recipients_history(gmail, sandbox):
    _, emulator = sandbox
    bob_token = emulator.issue_token("bob@example.com", (MODIFY,))
    bob = {"Authorization": f"Bearer {bob_token}"}
    mark = gmail.get(f"{BASE}/profile", headers=bob).json()["historyId"]
    send(gmail, "bob@example.com", "hello bob")
    got = gmail.get(
        f"{BASE}/history", params={"startHistoryId": mark, "labelId": "INBOX"}, headers=bob
    ).json()
    [entry] = got["history"]
    assert "INBOX" in entry["messagesAdded"][0]["message"]["labelIds"]


def test_pages_deletes_and_errors(gmail):
    mark = history_id(gmail)
    ids = [arrive(gmail, f"m{i}") for i in range(3)]
    page = history(gmail, mark, maxResults=2).json()
    assert len(page["history"]) == 2 and page["nextPageToken"]
    rest = history(gmail, mark, maxResults=2, pageToken=page["nextPageToken"]).json()
    assert [h["messages"][0]["id"] for h in rest["history"]] == [ids[2]] and "nextPageToken" not in rest
    assert gmail.delete(f"{BASE}/messages/{ids[0]}").status_code == 204
    deleted = history(gmail, mark, historyTypes="messageDeleted").json()["history"]
    assert [h["messagesDeleted"][0]["message"]["id"] for h in deleted] == [ids[0]]
    missing = gmail.get(f"{BASE}/history")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 400
    assert history(gmail, "abc").status_code == 400
    assert history(gmail, mark, historyTypes="everything").status_code == 400


def test_a_history_id_older_than_the_mailboxs_history_is_404(gmail):
    mark = history_id(gmail)
    assert history(gmail, "1").status_code == 404  # before the mailbox's history begins
    expired = gmail.post("/_sandbox/gmail/history/expire", json={})
    assert expired.status_code == 200
    gone = history(gmail, mark)
    assert gone.status_code == 404 and gone.json()["error"]["status"] == "NOT_FOUND"
    fresh = history_id(gmail)
    arrive(gmail, "after the reset")
    assert len(history(gmail, fresh).json()["history"]) == 1
