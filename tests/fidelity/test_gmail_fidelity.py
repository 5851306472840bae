"""Every Gmail tool's requests against Google's published Gmail discovery document.

Statically, the request the executor builds for each HTTP tool with every
argument set; live, every request the Gmail emulator received while each
tool (Python tools included: they send several) ran through the SDK and a
real server. Negative tests prove that drift in a path, method, parameter
name, body field or value fails. The subset lives in
``tests/fidelity/specs/google/gmail.v1.subset.json`` (see PROVENANCE.md there).
"""

from __future__ import annotations

import base64
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
from valetkey.sandbox.apps.gmail import mime

#: Tools with no method in the Gmail discovery document, and why. Empty: Gmail describes every call we make.
UNDESCRIBED: dict[str, str] = {}
#: Tools whose every body argument is optional (the spec's names: add_label_ids/remove_label_ids) while
#: Gmail requires the body: called with neither list they send none, and Gmail (and the emulator) answer
#: 400 "No label add or removes specified". Only that problem is tolerated for them.
EMPTY_BODY_IS_A_400 = {"GMAIL_ADD_LABEL_TO_EMAIL", "GMAIL_MODIFY_THREAD_LABELS"}
FULL = "https://mail.google.com/"


@pytest.fixture(scope="module")
def spec():
    return description("google", "gmail.v1.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "gmail")


def test_every_http_tool_with_every_argument_builds_a_described_request(spec, toolkit):
    problems = []
    for tool in toolkit.tools:
        if tool.operation is None or tool.slug in UNDESCRIBED:
            continue
        for optional in (True, False):
            found = check_request(spec, tool_request(tool, sample_arguments(tool, optional=optional)))
            if not optional and tool.slug in EMPTY_BODY_IS_A_400:
                found = [p for p in found if not p.endswith("the request body is required but none was sent")]
            problems += found
    assert not problems, "\n".join(problems)


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


# -- drift is caught ---------------------------------------------------------


def test_a_renamed_query_parameter_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GMAIL_LIST_THREADS")
    wrong = drifted(
        tool, params=(*tool.operation.params, ParamBinding("max_results", "query", "max_results"))
    )
    with pytest.raises(FidelityError, match="query parameter 'max_results' is not declared"):
        assert_request_valid(spec, tool_request(wrong, {"max_results": 5}))


def test_a_wrong_path_or_method_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GMAIL_MOVE_TO_TRASH")
    for wrong in (
        drifted(tool, path="/gmail/v1/users/me/messages/{message_id}/bin"),
        drifted(tool, method="DELETE"),
        drifted(tool, path="/gmail/v2/users/me/messages/{message_id}/trash"),
    ):
        problems = check_request(spec, tool_request(wrong, {"message_id": "m1"}))
        assert problems and "no operation" in problems[0], wrong.operation


def test_a_renamed_body_field_and_a_wrong_enum_value_fail(spec, toolkit):
    tool = tool_by_slug(toolkit, "GMAIL_ADD_LABEL_TO_EMAIL")
    renamed = drifted(
        tool, params=(*tool.operation.params, ParamBinding("add_label_ids", "body", "add_label_ids"))
    )
    problems = check_request(spec, tool_request(renamed, {"message_id": "m1", "add_label_ids": ["X"]}))
    assert any("body property 'add_label_ids' is not declared" in p for p in problems), problems

    label = tool_by_slug(toolkit, "GMAIL_CREATE_LABEL")
    problems = check_request(
        spec, tool_request(label, {"label_name": "x", "label_list_visibility": "labelShowAlways"})
    )
    assert any("labelListVisibility" in p and "is not one of" in p for p in problems), problems


def test_drift_in_a_python_tools_request_fails(spec):
    send = "/gmail/v1/users/me/messages/send"
    good = WireRequest("POST", send, (), {}, {"raw": "eA", "threadId": "t"}, "application/json")
    assert check_request(spec, good) == []
    for wrong, message in (
        (dataclasses.replace(good, body={"raw": "eA", "thread_id": "t"}), "body property 'thread_id'"),
        (dataclasses.replace(good, body={"raw": 5}), "is not of type 'string'"),
        (
            WireRequest("GET", "/gmail/v1/users/me/messages", (("max_results", "5"),)),
            "'max_results' is not declared",
        ),
        (WireRequest("GET", "/gmail/v1/users/me/messages/m1", (("format", "html"),)), "is not one of"),
    ):
        problems = check_request(spec, wrong)
        assert any(message in p for p in problems), (wrong, problems)
