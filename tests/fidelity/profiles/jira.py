"""Jira: its published OpenAPI description (APIs.guru copy of the Jira Cloud platform REST API, ``specs/jira``).

Five tools are Python handlers (plain text in, Atlassian Document Format
out: create/edit issue, add/update comment, add worklog); they are checked
live in ``test_jira_fidelity.py`` on every request they send.
"""

from __future__ import annotations

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, rebound, renamed
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

#: Tools with no operation in Jira's description, and why. Empty: all are described.
UNDESCRIBED: dict[str, str] = {}


def spec():
    return description("jira", "jira.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request, transport_headers=TRANSPORT_HEADERS)


def _search(toolkit, **change) -> WireRequest:
    return tool_request(
        drifted(tool_by_slug(toolkit, "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET"), **change),
        {"jql": "project = KAN"},
    )


DRIFTS = (
    Drift("clean search", lambda tk: _search(tk), exact=()),
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            renamed(tool_by_slug(tk, "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET"), "start_at", "start"),
            {"jql": "x", "start_at": 5},
        ),
        ("query parameter 'start' is not declared",),
    ),
    Drift(
        "renamed nested body field",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "JIRA_CREATE_ISSUE_LINK"), "link_type", "body", "linkType.name"),
            {"link_type": "Blocks", "inward_issue_key": "KAN-1", "outward_issue_key": "KAN-2"},
        ),
        ("'type'",),
    ),
    Drift(
        "snake-case body field",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "JIRA_ASSIGN_ISSUE"), "account_id", "body", "account_id"),
            {"issue_id_or_key": "KAN-1", "account_id": "5b10"},
        ),
        ("account_id",),
    ),
    Drift("wrong path", lambda tk: _search(tk, path="/rest/api/2/search"), ("no operation",), first=True),
    Drift("wrong method", lambda tk: _search(tk, method="PUT"), ("no operation",), first=True),
)

FIDELITY = Fidelity("jira", check, undescribed=UNDESCRIBED, drifts=DRIFTS)
