"""Asana: its published OpenAPI description (APIs.guru copy of Asana's, ``specs/asana``).

The description's server is ``https://app.asana.com/api/1.0``, the toolkit's
base URL, so operation paths are the tools' paths as they are.
"""

from __future__ import annotations

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, rebound, renamed
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request
from valetkey.catalog.model import Tool

#: Tools with no operation in Asana's description, and why. Empty: all are described.
UNDESCRIBED: dict[str, str] = {}
#: Where the description contradicts the API it describes (problems holding these substrings are expected):
#: - create-a-section's SectionRequest lists `project` as required but never declares it (the project is the
#:   path's project_gid; developers.asana.com documents name, insert_before and insert_after only);
#: - ProjectRequest/TagRequest combine (allOf) the read-only compact `workspace` object of the response
#:   with the `workspace` gid string the request takes, so no value satisfies both; Asana takes the gid.
DESCRIPTION_GAPS = (
    "(createSectionForProject): body.data: 'project' is a required property",
    "body.data.workspace: ",
)


def beyond_gaps(problems: list[str]) -> list[str]:
    return [p for p in problems if not any(gap in p for gap in DESCRIPTION_GAPS)]


def tolerated(tool: Tool, optional: bool, problem: str) -> bool:
    """The gaps above; and an update given nothing to change sends no body, which Asana refuses
    (400 ``data: Missing input``) as the description says: the agent sees that error."""
    if (
        not optional
        and tool.slug.startswith("ASANA_UPDATE_")
        and "body is required but none was sent" in problem
    ):
        return True
    return not beyond_gaps([problem])


def spec():
    return description("asana", "asana.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request, transport_headers=TRANSPORT_HEADERS)


def _task(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "ASANA_GET_A_TASK"), **change), {"task_gid": "1"})


DRIFTS = (
    Drift("clean get", lambda tk: _task(tk), exact=()),
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            renamed(tool_by_slug(tk, "ASANA_SEARCH_TASKS_IN_A_WORKSPACE"), "assignee_any", "assignee_any"),
            {"workspace_gid": "1", "assignee_any": "me"},
        ),
        ("query parameter 'assignee_any' is not declared",),
    ),
    Drift(
        "body field outside the data envelope",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "ASANA_CREATE_A_STORY_ON_A_TASK"), "is_pinned", "body", "is_pinned"),
            {"task_gid": "1", "text": "x", "is_pinned": True},
        ),
        ("is_pinned",),
    ),
    Drift(
        "mistyped body field",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "ASANA_UPDATE_A_TASK"), "name", "body", "data.completed"),
            {"task_gid": "1", "name": "not a boolean"},
        ),
        ("completed",),
    ),
    Drift("wrong path", lambda tk: _task(tk, path="/task/{task_gid}"), ("no operation",), first=True),
    Drift("wrong method", lambda tk: _task(tk, method="PATCH"), ("no operation",), first=True),
)

FIDELITY = Fidelity("asana", check, undescribed=UNDESCRIBED, tolerated=tolerated, drifts=DRIFTS)
