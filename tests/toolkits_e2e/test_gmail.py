"""Every Gmail tool through the official SDK, a real server and the Gmail emulator.

Accounts connect through the emulator's Google OAuth flow (alice@example.com
by default, bob@example.com where a second mailbox is needed). Each test runs
tools with `composio.tools.execute` and checks the answer and the mailbox
state: a sent email is in SENT with its headers, body and attachment, a
reply joins its thread, a label added shows on the message. The last test
proves every tool of the toolkit ran.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from valetkey.sandbox.apps.gmail import mime

FULL = "https://mail.google.com/"
MODIFY = "https://www.googleapis.com/auth/gmail.modify"


@pytest.fixture
def alice(connect):
    return connect("gmail")


def handler_fails(connection, slug, arguments, status):
    """A Python tool's failure: the upstream status is in `data` (or, on older builds, leads the error)."""
    result = connection.execute(slug, arguments)
    assert result["successful"] is False, result
    assert result["data"].get("status_code") == status or result["error"].startswith(str(status)), result
    return result


def mailbox(connection, email="alice@example.com"):
    return connection.state.mailboxes[email]


def sent_messages(connection, email="alice@example.com"):
    return [m for m in mailbox(connection, email).newest_first() if m.has("SENT")]


def test_send_email_with_attachment_lands_in_sent_and_in_the_recipients_inbox(alice):
    pdf = b"%PDF-1.4 tiny report\x00\x01"
    sent = alice.ok(
        "GMAIL_SEND_EMAIL",
        {
            "recipient_email": "bob@example.com",
            "subject": "Quarterly report",
            "body": "<p>See <b>attached</b>.</p>",
            "is_html": True,
            "cc": ["carol@example.com"],
            "bcc": ["dave@example.org"],
            "attachment": {
                "name": "report.pdf",
                "mimetype": "application/pdf",
                "content": base64.b64encode(pdf).decode(),
            },
        },
    )
    assert sent["labelIds"] == ["SENT"]
    stored = mailbox(alice).messages[sent["id"]]
    parsed = stored.parsed
    assert stored.has("SENT") and parsed["From"] == "alice@example.com" and parsed["To"] == "bob@example.com"
    assert (
        parsed["Cc"] == "carol@example.com" and parsed["Bcc"] == "dave@example.org" and parsed["Message-ID"]
    )
    assert "attached" in mime.text_body(parsed)
    [attachment] = mime.attachments(parsed, stored.id)
    assert attachment["filename"] == "report.pdf" and attachment["data"] == pdf

    bobs = [m for m in mailbox(alice, "bob@example.com").messages.values() if m.has("INBOX")]
    assert len(bobs) == 1 and bobs[0].has("UNREAD") and "Bcc" not in bobs[0].parsed  # bcc hidden from Bob
    assert any(m.has("INBOX") for m in mailbox(alice, "carol@example.com").messages.values())

    # The sent folder through the tools: search, read, download the attachment.
    found = alice.ok("GMAIL_FETCH_EMAILS", {"query": "in:sent subject:quarterly has:attachment"})
    [message] = found["messages"]
    assert message["messageId"] == sent["id"] and message["to"] == "bob@example.com"
    assert "attached" in message["messageText"] and message["payload"]["mimeType"] == "multipart/mixed"
    [listed] = message["attachmentList"]
    assert listed["filename"] == "report.pdf" and listed["size"] == len(pdf)
    got = alice.ok(
        "GMAIL_GET_ATTACHMENT", {"message_id": sent["id"], "attachment_id": listed["attachmentId"]}
    )
    assert base64.urlsafe_b64decode(got["data"] + "==") == pdf and got["size"] == len(pdf)
    alice.fails("GMAIL_GET_ATTACHMENT", {"message_id": sent["id"], "attachment_id": "nope"}, status=404)

    raw = alice.ok("GMAIL_FETCH_MESSAGE_BY_MESSAGE_ID", {"message_id": sent["id"], "format": "raw"})
    assert b"report.pdf" in base64.urlsafe_b64decode(raw["raw"] + "==")
    handler_fails(alice, "GMAIL_FETCH_MESSAGE_BY_MESSAGE_ID", {"message_id": "ffff0000ffff0000"}, 404)
    assert "recipient" in alice.execute("GMAIL_SEND_EMAIL", {"recipient_email": "", "body": "x"})["error"]


def test_search_pagination_and_reading(alice):
    alice.emulator.seed_with(
        {
            "messages": [
                {"from": "bob@example.com", "subject": f"Standup notes {n}", "body": f"item {n}"}
                for n in range(5)
            ]
        }
    )
    welcome = alice.ok("GMAIL_FETCH_EMAILS", {"query": "from:bob is:unread welcome"})["messages"]
    assert [m["subject"] for m in welcome] == ["Welcome to the team"]
    assert welcome[0]["attachmentList"][0]["filename"] == "agenda.txt"
    assert welcome[0]["messageText"].startswith("Hi Alice")

    first = alice.ok("GMAIL_FETCH_EMAILS", {"query": "subject:standup", "max_results": 2})
    assert len(first["messages"]) == 2 and first["resultSizeEstimate"] == 5 and first["nextPageToken"]
    seen = [m["messageId"] for m in first["messages"]]
    token = first["nextPageToken"]
    while token:
        page = alice.ok(
            "GMAIL_FETCH_EMAILS", {"query": "subject:standup", "max_results": 2, "page_token": token}
        )
        seen += [m["messageId"] for m in page["messages"]]
        token = page.get("nextPageToken")
    assert len(seen) == len(set(seen)) == 5

    ids_only = alice.ok(
        "GMAIL_FETCH_EMAILS", {"label_ids": ["INBOX", "UNREAD"], "verbose": False, "max_results": 50}
    )
    assert len(ids_only["messages"]) == 6 and set(ids_only["messages"][0]) == {"messageId", "threadId"}
    headers_only = alice.ok("GMAIL_FETCH_EMAILS", {"query": "digest", "include_payload": False})["messages"]
    assert headers_only[0]["subject"] == "Weekly digest" and "payload" not in headers_only[0]
    assert alice.ok("GMAIL_FETCH_EMAILS", {"query": "from:nobody@nowhere"}) == {
        "messages": [],
        "resultSizeEstimate": 0,
    }

    profile = alice.ok("GMAIL_GET_PROFILE")
    assert profile["emailAddress"] == "alice@example.com" and profile["messagesTotal"] == 7


def test_threads_reply_and_thread_labels(alice, connect):
    bob = connect("gmail", subject="bob@example.com", reset=False)
    sent = bob.ok(
        "GMAIL_SEND_EMAIL",
        {"recipient_email": "alice@example.com", "subject": "Lunch?", "body": "Tacos at noon?"},
    )
    [incoming] = alice.ok("GMAIL_FETCH_EMAILS", {"query": "subject:lunch in:inbox"})["messages"]
    reply = alice.ok(
        "GMAIL_REPLY_TO_THREAD", {"thread_id": incoming["threadId"], "message_body": "Sounds great."}
    )
    assert reply["threadId"] == incoming["threadId"]
    answer = mailbox(alice).messages[reply["id"]].parsed
    assert answer["To"] == "bob@example.com" and answer["Subject"] == "Re: Lunch?"
    assert answer["In-Reply-To"] == mailbox(alice).messages[incoming["messageId"]].parsed["Message-ID"]
    # Bob's copy of the reply joins *his* thread too, through In-Reply-To and the subject.
    bobs_thread = bob.ok("GMAIL_FETCH_MESSAGE_BY_THREAD_ID", {"thread_id": sent["threadId"]})
    assert [m["messageText"].strip() for m in bobs_thread["messages"]] == ["Tacos at noon?", "Sounds great."]

    thread = alice.ok(
        "GMAIL_FETCH_MESSAGE_BY_THREAD_ID", {"thread_id": incoming["threadId"], "include_payload": True}
    )
    assert [m["sender"] for m in thread["messages"]] == ["bob@example.com", "alice@example.com"]
    assert "payload" in thread["messages"][0]
    threads = alice.ok("GMAIL_LIST_THREADS", {"query": "lunch", "max_results": 1})
    assert [t["id"] for t in threads["threads"]] == [incoming["threadId"]] and threads[
        "resultSizeEstimate"
    ] == 1
    everything = alice.ok("GMAIL_LIST_THREADS", {"max_results": 2})
    assert len(everything["threads"]) == 2 and everything["nextPageToken"]
    assert alice.ok("GMAIL_LIST_THREADS", {"label_ids": ["SENT"]})["threads"][0]["id"] == incoming["threadId"]

    modified = alice.ok(
        "GMAIL_MODIFY_THREAD_LABELS",
        {"thread_id": incoming["threadId"], "add_label_ids": ["STARRED"], "remove_label_ids": ["UNREAD"]},
    )
    assert all("STARRED" in m["labelIds"] and "UNREAD" not in m["labelIds"] for m in modified["messages"])
    assert all(m.has("STARRED") for m in mailbox(alice).thread(incoming["threadId"]))
    handler_fails(alice, "GMAIL_FETCH_MESSAGE_BY_THREAD_ID", {"thread_id": "0000000000000000"}, 404)


def test_labels_add_remove_and_delete(alice):
    label = alice.ok(
        "GMAIL_CREATE_LABEL",
        {"label_name": "Receipts", "background_color": "#16a766", "text_color": "#ffffff"},
    )
    assert label["id"].startswith("Label_") and label["color"] == {
        "textColor": "#ffffff",
        "backgroundColor": "#16a766",
    }
    alice.fails("GMAIL_CREATE_LABEL", {"label_name": "receipts"}, status=409)
    names = {item["name"]: item for item in alice.ok("GMAIL_LIST_LABELS")["labels"]}
    assert names["Receipts"]["type"] == "user" and names["INBOX"]["type"] == "system"

    [welcome] = alice.ok("GMAIL_FETCH_EMAILS", {"query": "subject:welcome"})["messages"]
    changed = alice.ok(
        "GMAIL_ADD_LABEL_TO_EMAIL",
        {
            "message_id": welcome["messageId"],
            "add_label_ids": [label["id"], "STARRED"],
            "remove_label_ids": ["UNREAD"],
        },
    )
    assert label["id"] in changed["labelIds"] and "UNREAD" not in changed["labelIds"]
    stored = mailbox(alice).messages[welcome["messageId"]]
    assert stored.has(label["id"]) and stored.has("STARRED") and not stored.has("UNREAD")
    assert [
        m["messageId"] for m in alice.ok("GMAIL_FETCH_EMAILS", {"query": "label:receipts"})["messages"]
    ] == [welcome["messageId"]]
    assert alice.ok("GMAIL_FETCH_EMAILS", {"query": "is:unread subject:welcome"})["messages"] == []
    bad = alice.fails(
        "GMAIL_ADD_LABEL_TO_EMAIL",
        {"message_id": welcome["messageId"], "add_label_ids": ["Label_99"]},
        status=400,
    )
    assert "Invalid label: Label_99" in bad["error"]
    empty = alice.fails("GMAIL_ADD_LABEL_TO_EMAIL", {"message_id": welcome["messageId"]}, status=400)
    assert "No label add or removes specified" in empty["error"]

    alice.ok("GMAIL_DELETE_LABEL", {"label_id": label["id"]})
    assert label["id"] not in mailbox(alice).labels and not stored.has(label["id"])
    alice.fails("GMAIL_DELETE_LABEL", {"label_id": label["id"]}, status=404)
    alice.fails("GMAIL_DELETE_LABEL", {"label_id": "INBOX"}, status=400)


def test_drafts_create_list_send_and_delete(alice):
    draft = alice.ok(
        "GMAIL_CREATE_EMAIL_DRAFT",
        {"recipient_email": "bob@example.com", "subject": "Proposal", "body": "Draft text"},
    )
    assert draft["id"] and draft["message"]["labelIds"] == ["DRAFT"]
    second = alice.ok("GMAIL_CREATE_EMAIL_DRAFT", {"body": "Note to self, no recipient yet"})
    listed = alice.ok("GMAIL_LIST_DRAFTS", {"max_results": 1})
    assert len(listed["drafts"]) == 1 and listed["nextPageToken"] and listed["resultSizeEstimate"] == 2
    assert [d["id"] for d in alice.ok("GMAIL_LIST_DRAFTS", {"query": "to:bob"})["drafts"]] == [draft["id"]]

    sent = alice.ok("GMAIL_SEND_DRAFT", {"draft_id": draft["id"]})
    assert sent["labelIds"] == ["SENT"] and draft["id"] not in mailbox(alice).drafts
    assert mailbox(alice).messages[sent["id"]].parsed["Subject"] == "Proposal"
    assert any(
        mime.header(m.parsed, "Subject") == "Proposal"
        for m in mailbox(alice, "bob@example.com").messages.values()
    )
    alice.fails("GMAIL_SEND_DRAFT", {"draft_id": draft["id"]}, status=404)
    alice.fails("GMAIL_SEND_DRAFT", {"draft_id": second["id"]}, status=400)  # no recipient

    [welcome] = alice.ok("GMAIL_FETCH_EMAILS", {"query": "subject:welcome"})["messages"]
    reply_draft = alice.ok(
        "GMAIL_CREATE_EMAIL_DRAFT", {"thread_id": welcome["threadId"], "body": "Thanks Bob!"}
    )
    assert reply_draft["message"]["threadId"] == welcome["threadId"]
    stored = mailbox(alice).messages[reply_draft["message"]["id"]].parsed
    assert stored["Subject"] == "Re: Welcome to the team" and stored["To"] == "bob@example.com"

    alice.ok("GMAIL_DELETE_DRAFT", {"draft_id": second["id"]})
    assert (
        second["id"] not in mailbox(alice).drafts and second["message"]["id"] not in mailbox(alice).messages
    )
    alice.fails("GMAIL_DELETE_DRAFT", {"draft_id": second["id"]}, status=404)


def test_trash_untrash_and_permanent_delete_needs_the_full_scope(alice, connect):
    [digest] = alice.ok("GMAIL_FETCH_EMAILS", {"query": "digest"})["messages"]
    trashed = alice.ok("GMAIL_MOVE_TO_TRASH", {"message_id": digest["messageId"]})
    assert "TRASH" in trashed["labelIds"] and mailbox(alice).messages[digest["messageId"]].has("TRASH")
    assert alice.ok("GMAIL_FETCH_EMAILS", {"query": "digest"})["messages"] == []  # Trash is left out
    assert len(alice.ok("GMAIL_FETCH_EMAILS", {"query": "in:trash"})["messages"]) == 1
    assert (
        len(alice.ok("GMAIL_FETCH_EMAILS", {"query": "digest", "include_spam_trash": True})["messages"]) == 1
    )
    restored = alice.ok("GMAIL_UNTRASH_MESSAGE", {"message_id": digest["messageId"]})
    assert "TRASH" not in restored["labelIds"]

    denied = alice.fails("GMAIL_DELETE_MESSAGE", {"message_id": digest["messageId"]}, status=403)
    assert "insufficient authentication scopes" in denied["error"]
    full = connect("gmail", scopes=[FULL], reset=False)
    full.ok("GMAIL_DELETE_MESSAGE", {"message_id": digest["messageId"]})
    assert digest["messageId"] not in mailbox(alice).messages
    full.fails("GMAIL_DELETE_MESSAGE", {"message_id": digest["messageId"]}, status=404)


def test_oauth_connection_and_bad_tokens(alice):
    token_requests = [r for r in alice.emulator.requests.all() if r.path == "/token"]
    assert token_requests, "the account was connected through the emulator's Google token endpoint"
    verification = [r for r in alice.emulator.requests.all() if r.path == "/gmail/v1/users/me/profile"]
    assert verification or alice.ok("GMAIL_GET_PROFILE")["emailAddress"] == "alice@example.com"
    alice.emulator.oauth2.reset()  # every token issued so far is unknown now
    bad = alice.fails("GMAIL_GET_PROFILE", status=401)
    assert "invalid authentication credentials" in bad["error"]


def test_wire_errors_and_google_oauth_endpoints(sandbox):
    gmail = sandbox.emulator("gmail")
    gmail.reset()
    api = f"{sandbox.url}/gmail/gmail/v1/users/me"
    missing = httpx.get(f"{api}/messages", timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["errors"][0]["message"] == "Login Required."
    token = gmail.issue_token("alice@example.com", (MODIFY,))
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        assert http.get(f"{api}/messages", params={"maxResults": "x"}).status_code == 400
        assert http.get(f"{api}/messages/abc").json()["error"]["status"] == "NOT_FOUND"
        assert http.get(f"{sandbox.url}/gmail/gmail/v1/users/bob@example.com/profile").status_code == 403
        no_raw = http.post(f"{api}/messages/send", json={})
        assert no_raw.status_code == 400 and "'raw' RFC822 payload" in no_raw.json()["error"]["message"]
        assert http.post(f"{api}/labels", content=b"{nope").json()["error"]["status"] == "INVALID_ARGUMENT"
    userinfo = httpx.get(
        f"{sandbox.url}/gmail/oauth2/v3/userinfo", headers={"Authorization": f"Bearer {token}"}
    )
    assert userinfo.json()["email"] == "alice@example.com"
    assert httpx.post(f"{sandbox.url}/gmail/revoke", data={"token": token}).status_code == 200
    assert httpx.get(f"{api}/profile", headers={"Authorization": f"Bearer {token}"}).status_code == 401
