"""Every Jira tool's requests against Jira's published OpenAPI description (APIs.guru copy).

HTTP tools are checked statically (every argument, and only the required
ones) in ``test_fidelity.py`` through ``profiles/jira.py``; here every tool,
the Python handlers included, runs through the SDK and a real server against
the emulator and each request the emulator received is checked against the
description: path, method, query parameters and the JSON body's schema
(including the ADF documents the handlers build).
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import TRANSPORT_HEADERS, check_request
from tests.fidelity.support import description, from_recorded
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.sandbox.apps.jira.state import ALAN, GRACE

SCOPES = ["read:jira-work", "write:jira-work", "read:jira-user", "offline_access"]


@pytest.fixture(scope="module")
def spec():
    return description("jira", "jira.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "jira")


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    handlers = {
        "JIRA_CREATE_ISSUE": ("POST", "/rest/api/3/issue"),
        "JIRA_EDIT_ISSUE": ("PUT", "/rest/api/3/issue/K-1"),
        "JIRA_ADD_COMMENT": ("POST", "/rest/api/3/issue/K-1/comment"),
        "JIRA_UPDATE_COMMENT": ("PUT", "/rest/api/3/issue/K-1/comment/1"),
        "JIRA_ADD_WORKLOG": ("POST", "/rest/api/3/issue/K-1/worklog"),
    }
    used = {}
    for tool in toolkit.tools:
        if tool.operation is None:
            found = spec.find(*handlers[tool.slug])
        else:
            found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
        assert found is not None, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}


LIVE_CALLS = [
    ("JIRA_GET_CURRENT_USER", {}),
    ("JIRA_GET_USER", {"account_id": GRACE}),
    ("JIRA_FIND_USERS", {"query": "grace", "start_at": 0, "max_results": 5}),
    ("JIRA_FIND_USERS_ASSIGNABLE_TO_ISSUES", {"project": "KAN", "query": "a", "max_results": 5}),
    ("JIRA_FIND_USERS_ASSIGNABLE_TO_ISSUES", {"issue_key": "KAN-1"}),
    ("JIRA_GET_ALL_PROJECTS", {"expand": "description,lead"}),
    (
        "JIRA_GET_PROJECTS_PAGINATED",
        {"query": "k", "type_key": "software", "order_by": "-name", "start_at": 0, "max_results": 5},
    ),
    ("JIRA_GET_PROJECT", {"project_id_or_key": "KAN"}),
    ("JIRA_GET_ALL_STATUSES", {"project_id_or_key": "KAN"}),
    ("JIRA_GET_ISSUE_TYPES_FOR_PROJECT", {"project_id": 10000, "level": 0}),
    ("JIRA_GET_PRIORITIES", {}),
    ("JIRA_GET_FIELDS", {}),
    ("JIRA_GET_ALL_LABELS", {"start_at": 0, "max_results": 10}),
    (
        "JIRA_CREATE_ISSUE",
        {
            "project_key": "KAN",
            "summary": "Fidelity",
            "issue_type": "Bug",
            "description": "Line one\n\nLine three",
            "assignee_account_id": GRACE,
            "priority": "2",
            "labels": ["x"],
            "due_date": "2026-03-01",
        },
    ),
    (
        "JIRA_CREATE_ISSUE",
        {"project_key": "10000", "summary": "Child", "issue_type": "10005", "parent_key": "KAN-1"},
    ),
    ("JIRA_GET_ISSUE", {"issue_id_or_key": "KAN-3", "fields": ["summary", "status"], "expand": "changelog"}),
    (
        "JIRA_EDIT_ISSUE",
        {
            "issue_id_or_key": "KAN-3",
            "summary": "F2",
            "description": "d",
            "issue_type": "Task",
            "priority": "Low",
            "unassign": True,
            "add_labels": ["y"],
            "remove_labels": ["x"],
            "clear_due_date": True,
            "notify_users": False,
        },
    ),
    ("JIRA_EDIT_ISSUE", {"issue_id_or_key": "KAN-3", "labels": ["z"]}),
    ("JIRA_ASSIGN_ISSUE", {"issue_id_or_key": "KAN-3", "account_id": ALAN}),
    ("JIRA_GET_TRANSITIONS", {"issue_id_or_key": "KAN-3", "transition_id": "21"}),
    ("JIRA_TRANSITION_ISSUE", {"issue_id_or_key": "KAN-3", "transition_id": "21"}),
    (
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET",
        {"jql": "project = KAN", "start_at": 0, "max_results": 5, "fields": ["summary", "status"]},
    ),
    (
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_POST",
        {"jql": "project = KAN", "start_at": 0, "max_results": 5, "fields": ["summary"]},
    ),
    ("JIRA_GET_CHANGELOGS", {"issue_id_or_key": "KAN-3", "start_at": 0, "max_results": 10}),
    (
        "JIRA_ADD_COMMENT",
        {"issue_id_or_key": "KAN-3", "comment": "Hello\nthere", "visibility_group": "jira-users"},
    ),
    (
        "JIRA_ADD_COMMENT",
        {"issue_id_or_key": "KAN-3", "comment": "Role only", "visibility_role": "Developers"},
    ),
    (
        "JIRA_GET_COMMENTS",
        {"issue_id_or_key": "KAN-3", "start_at": 0, "max_results": 5, "order_by": "-created"},
    ),
    ("JIRA_GET_COMMENT", {"issue_id_or_key": "KAN-3", "id": "{comment}"}),
    (
        "JIRA_UPDATE_COMMENT",
        {
            "issue_id_or_key": "KAN-3",
            "comment_id": "{comment}",
            "comment": "Edited",
            "visibility_role": "Developers",
        },
    ),
    ("JIRA_DELETE_COMMENT", {"issue_id_or_key": "KAN-3", "id": "{comment}"}),
    (
        "JIRA_ADD_WORKLOG",
        {
            "issue_id_or_key": "KAN-3",
            "time_spent": "2h",
            "started": "2026-01-05T09:00:00.000+0000",
            "comment": "w",
        },
    ),
    ("JIRA_GET_ISSUE_WORKLOGS", {"issue_id_or_key": "KAN-3", "start_at": 0, "max_results": 10}),
    ("JIRA_ADD_WATCHER", {"issue_id_or_key": "KAN-3", "account_id": GRACE}),
    ("JIRA_GET_ISSUE_WATCHERS", {"issue_id_or_key": "KAN-3"}),
    ("JIRA_GET_ISSUE_LINK_TYPES", {}),
    (
        "JIRA_CREATE_ISSUE_LINK",
        {"link_type": "Relates", "inward_issue_key": "KAN-1", "outward_issue_key": "KAN-3"},
    ),
    (
        "JIRA_CREATE_OR_UPDATE_REMOTE_ISSUE_LINK",
        {
            "issue_id_or_key": "KAN-3",
            "url": "https://example.com/d",
            "title": "Doc",
            "summary": "s",
            "global_id": "g-1",
            "relationship": "mentioned in",
        },
    ),
    ("JIRA_GET_REMOTE_ISSUE_LINKS", {"issue_id_or_key": "KAN-3", "global_id": "g-1"}),
    ("JIRA_GET_REMOTE_ISSUE_LINKS", {"issue_id_or_key": "KAN-3"}),
    ("JIRA_DELETE_ISSUE", {"issue_id_or_key": "KAN-4", "delete_subtasks": True}),
]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    jira = connect("jira", scopes=SCOPES)
    jira.emulator.requests.clear()
    problems, ids = [], {}
    for slug, arguments in LIVE_CALLS:
        arguments = {
            k: ids.get(v.strip("{}"), v) if isinstance(v, str) and v.startswith("{") else v
            for k, v in arguments.items()
        }
        before = len(jira.emulator.requests)
        data = jira.ok(slug, arguments)
        if slug == "JIRA_ADD_COMMENT":
            ids["comment"] = data["id"]
        sent = jira.emulator.requests.all()[before:]
        # One request per tool; editing an issue reads it back (Jira answers the PUT with a 204).
        assert len(sent) == (2 if slug == "JIRA_EDIT_ISSUE" else 1), f"{slug} sent {len(sent)} requests"
        for request in sent:
            assert request.header("authorization").startswith("Bearer ")
            problems += [
                f"{slug}: {p}"
                for p in check_request(spec, from_recorded(request), transport_headers=TRANSPORT_HEADERS)
            ]
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools}
