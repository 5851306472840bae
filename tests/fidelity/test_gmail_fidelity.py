"""Every Gmail tool's requests against Google's published Gmail discovery document.

Statically, the request the executor builds for each HTTP tool with every
argument set; live, every request the Gmail emulator received while each
tool (Python tools included: they send several) ran through the SDK and a
real server. The subset lives in
``tests/fidelity/specs/google/gmail.v1.subset.json`` (see PROVENANCE.md there).

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/gmail.py``.
"""

from __future__ import annotations

import base64

import pytest

from tests.fidelity.profiles.gmail import UNDESCRIBED
from tests.fidelity.support import (
    description,
    problems_of_sent,
    sent_since,
)
from valetkey.catalog.apispec.discovery import UPLOAD_SUFFIX
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.sandbox.apps.gmail import mime

FULL = "https://mail.google.com/"


@pytest.fixture(scope="module")
def spec():
    return description("google", "gmail.v1.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "gmail")


def test_the_subset_holds_exactly_the_methods_tools_use_with_their_scopes(spec, toolkit):
    used = set()
    for tool in toolkit.tools:
        if tool.operation is not None:
            found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
            assert found is not None, f"{tool.slug}: no method in the description"
            used.add(found[0].id)
            assert set(tool.scopes) & set(found[0].scopes), (
                f"{tool.slug}: its scopes are not ones Gmail accepts"
            )
    methods = {op.id for op in spec.operations if not op.id.endswith(UPLOAD_SUFFIX)}
    python_only = {
        "gmail.users.messages.list",
        "gmail.users.messages.get",
        "gmail.users.messages.send",
        "gmail.users.threads.get",
        "gmail.users.drafts.create",
    }
    assert methods == used | python_only


def live_run(gmail):
    """Run every tool once against the starting mailbox; yields (slug, requests it sent)."""
    state = gmail.state.mailboxes["alice@example.com"]
    welcome = next(m for m in state.messages.values() if "Welcome" in m.parsed["Subject"])
    attachment_id = mime.attachments(welcome.parsed, welcome.id)[0]["attachmentId"]
    calls = [
        ("GMAIL_GET_PROFILE", lambda: {}),
        ("GMAIL_LIST_LABELS", lambda: {}),
        (
            "GMAIL_CREATE_LABEL",
            lambda: {
                "label_name": "Fidelity",
                "background_color": "#16a766",
                "text_color": "#ffffff",
                "label_list_visibility": "labelShow",
                "message_list_visibility": "show",
            },
        ),
        (
            "GMAIL_FETCH_EMAILS",
            lambda: {
                "query": "from:bob",
                "max_results": 5,
                "label_ids": ["INBOX", "UNREAD"],
                "include_spam_trash": False,
                "include_payload": True,
            },
        ),
        ("GMAIL_FETCH_EMAILS", lambda: {"include_payload": False, "page_token": None}),
        ("GMAIL_FETCH_MESSAGE_BY_MESSAGE_ID", lambda: {"message_id": welcome.id, "format": "metadata"}),
        ("GMAIL_GET_ATTACHMENT", lambda: {"message_id": welcome.id, "attachment_id": attachment_id}),
        (
            "GMAIL_ADD_LABEL_TO_EMAIL",
            lambda: {"message_id": welcome.id, "add_label_ids": ["Label_1"], "remove_label_ids": ["UNREAD"]},
        ),
        (
            "GMAIL_LIST_THREADS",
            lambda: {
                "query": "welcome",
                "max_results": 5,
                "label_ids": ["INBOX"],
                "include_spam_trash": True,
            },
        ),
        (
            "GMAIL_FETCH_MESSAGE_BY_THREAD_ID",
            lambda: {"thread_id": welcome.thread_id, "include_payload": True},
        ),
        (
            "GMAIL_MODIFY_THREAD_LABELS",
            lambda: {
                "thread_id": welcome.thread_id,
                "add_label_ids": ["STARRED"],
                "remove_label_ids": ["Label_1"],
            },
        ),
        (
            "GMAIL_SEND_EMAIL",
            lambda: {
                "recipient_email": "bob@example.com",
                "subject": "s",
                "body": "<b>b</b>",
                "is_html": True,
                "cc": ["carol@example.com"],
                "bcc": ["x@example.org"],
                "extra_recipients": ["y@example.org"],
                "attachment": {
                    "name": "a.txt",
                    "mimetype": "text/plain",
                    "content": base64.b64encode(b"hi").decode(),
                },
            },
        ),
        (
            "GMAIL_REPLY_TO_THREAD",
            lambda: {"thread_id": welcome.thread_id, "message_body": "thanks", "cc": ["c@x.org"]},
        ),
        (
            "GMAIL_CREATE_EMAIL_DRAFT",
            lambda: {
                "recipient_email": "bob@example.com",
                "subject": "d",
                "body": "d",
                "thread_id": welcome.thread_id,
            },
        ),
        ("GMAIL_LIST_DRAFTS", lambda: {"max_results": 5, "query": "to:bob"}),
        ("GMAIL_SEND_DRAFT", lambda: {"draft_id": next(iter(state.drafts))}),
        ("GMAIL_CREATE_EMAIL_DRAFT", lambda: {"body": "to delete"}),
        ("GMAIL_DELETE_DRAFT", lambda: {"draft_id": next(iter(state.drafts))}),
        ("GMAIL_MOVE_TO_TRASH", lambda: {"message_id": welcome.id}),
        ("GMAIL_UNTRASH_MESSAGE", lambda: {"message_id": welcome.id}),
        ("GMAIL_DELETE_LABEL", lambda: {"label_id": "Label_1"}),
        ("GMAIL_DELETE_MESSAGE", lambda: {"message_id": welcome.id}),
    ]
    for slug, arguments in calls:
        before = len(gmail.emulator.requests)
        result = gmail.execute(slug, {k: v for k, v in arguments().items() if v is not None})
        assert result["successful"], (slug, result["error"])
        yield slug, sent_since(gmail.emulator, before)


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    gmail = connect("gmail", scopes=[FULL])
    problems, checked = [], set()
    for slug, sent in live_run(gmail):
        problems += problems_of_sent(spec, slug, sent, authorization_prefix="Bearer ya29.")
        checked.add(slug)
    assert not problems, "\n".join(problems)
    assert checked == {t.slug for t in toolkit.tools} - set(UNDESCRIBED)
