"""Gmail: Google's published discovery document (``specs/google/gmail.v1.subset.json``)."""

from __future__ import annotations

from tests.fidelity.checker import WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, replaced
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

#: Tools with no method in the Gmail discovery document, and why. Empty: Gmail describes every call we make.
UNDESCRIBED: dict[str, str] = {}
#: Tools whose every body argument is optional (the spec's names: add_label_ids/remove_label_ids) while
#: Gmail requires the body: called with neither list they send none, and Gmail (and the emulator) answer
#: 400 "No label add or removes specified". Only that problem is tolerated for them.
EMPTY_BODY_IS_A_400 = {"GMAIL_ADD_LABEL_TO_EMAIL", "GMAIL_MODIFY_THREAD_LABELS"}


def spec():
    return description("google", "gmail.v1.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request)


def tolerated(tool, optional: bool, problem: str) -> bool:
    return (
        not optional
        and tool.slug in EMPTY_BODY_IS_A_400
        and problem.endswith("the request body is required but none was sent")
    )


def _trash(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "GMAIL_MOVE_TO_TRASH"), **change), {"message_id": "m1"})


SEND = WireRequest(
    "POST", "/gmail/v1/users/me/messages/send", (), {}, {"raw": "eA", "threadId": "t"}, "application/json"
)

DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GMAIL_LIST_THREADS"), "max_results", "query", "max_results"),
            {"max_results": 5},
        ),
        ("query parameter 'max_results' is not declared",),
    ),
    Drift(
        "wrong path",
        lambda tk: _trash(tk, path="/gmail/v1/users/me/messages/{message_id}/bin"),
        ("no operation",),
        first=True,
    ),
    Drift("wrong method", lambda tk: _trash(tk, method="DELETE"), ("no operation",), first=True),
    Drift(
        "wrong API version",
        lambda tk: _trash(tk, path="/gmail/v2/users/me/messages/{message_id}/trash"),
        ("no operation",),
        first=True,
    ),
    Drift(
        "renamed body field",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GMAIL_ADD_LABEL_TO_EMAIL"), "add_label_ids", "body", "add_label_ids"),
            {"message_id": "m1", "add_label_ids": ["X"]},
        ),
        ("body property 'add_label_ids' is not declared",),
    ),
    Drift(
        "wrong enum value",
        lambda tk: tool_request(
            tool_by_slug(tk, "GMAIL_CREATE_LABEL"),
            {"label_name": "x", "label_list_visibility": "labelShowAlways"},
        ),
        ("labelListVisibility", "is not one of"),
    ),
    Drift("python tool: the undrifted send", lambda tk: SEND, exact=()),
    Drift(
        "python tool: renamed body field",
        lambda tk: replaced(SEND, body={"raw": "eA", "thread_id": "t"}),
        ("body property 'thread_id'",),
    ),
    Drift(
        "python tool: wrongly typed value",
        lambda tk: replaced(SEND, body={"raw": 5}),
        ("is not of type 'string'",),
    ),
    Drift(
        "python tool: renamed query parameter",
        lambda tk: WireRequest("GET", "/gmail/v1/users/me/messages", (("max_results", "5"),)),
        ("'max_results' is not declared",),
    ),
    Drift(
        "python tool: wrong enum value",
        lambda tk: WireRequest("GET", "/gmail/v1/users/me/messages/m1", (("format", "html"),)),
        ("is not one of",),
    ),
)

FIDELITY = Fidelity("gmail", check, undescribed=UNDESCRIBED, tolerated=tolerated, drifts=DRIFTS)
