"""Every Asana tool's request against Asana's published OpenAPI description (APIs.guru copy).

Statically (``test_fidelity.py`` through ``profiles/asana.py``), the request
the executor builds for each tool with every argument and with only the
required ones; here, live, the request the Asana emulator received when each
tool ran through the SDK and a real server: path, method, query parameters
and the ``{"data": ...}`` body against the operation's schema.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.fidelity.checker import TRANSPORT_HEADERS, check_request
from tests.fidelity.profiles.asana import beyond_gaps
from tests.fidelity.support import description, from_recorded
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.sandbox.apps.asana.state import GRACE, WORKSPACE

API = "/api/1.0"


@pytest.fixture(scope="module")
def spec():
    return description("asana", "asana.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "asana")


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    used = {}
    for tool in toolkit.tools:
        found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
        assert found is not None, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}


LIVE_CALLS = [
    ("ASANA_GET_MULTIPLE_WORKSPACES", {"opt_fields": "name", "limit": 10}),
    ("ASANA_GET_A_USER", {"user_gid": "me"}),
    ("ASANA_GET_MULTIPLE_USERS", {"workspace": WORKSPACE, "opt_fields": "email", "limit": 5}),
    (
        "ASANA_GET_MULTIPLE_PROJECTS",
        {"workspace": WORKSPACE, "archived": False, "opt_fields": "name", "limit": 5},
    ),
    ("ASANA_CREATE_A_PROJECT", {"name": "F", "workspace": WORKSPACE, "notes": "n", "color": "light-green"}),
    ("ASANA_GET_A_PROJECT", {"project_gid": "{project}"}),
    (
        "ASANA_UPDATE_A_PROJECT",
        {
            "project_gid": "{project}",
            "name": "F2",
            "notes": "m",
            "archived": False,
            "color": "dark-blue",
            "owner": GRACE,
        },
    ),
    ("ASANA_GET_SECTIONS_IN_A_PROJECT", {"project_gid": "{project}", "limit": 5}),
    ("ASANA_CREATE_A_SECTION_IN_A_PROJECT", {"project_gid": "{project}", "name": "S"}),
    ("ASANA_CREATE_A_TAG", {"name": "t", "workspace": WORKSPACE, "color": "dark-red"}),
    ("ASANA_GET_MULTIPLE_TAGS", {"workspace": WORKSPACE, "opt_fields": "color", "limit": 5}),
    (
        "ASANA_CREATE_A_TASK",
        {
            "name": "T",
            "notes": "n",
            "projects": ["{project}"],
            "assignee": "me",
            "due_on": "2026-01-01",
            "tags": ["{tag}"],
            "completed": False,
        },
    ),
    ("ASANA_CREATE_A_TASK", {"name": "W", "workspace": WORKSPACE}),
    ("ASANA_GET_A_TASK", {"task_gid": "{task}"}),
    (
        "ASANA_UPDATE_A_TASK",
        {
            "task_gid": "{task}",
            "name": "T2",
            "notes": "m",
            "assignee": GRACE,
            "due_on": "2026-01-02",
            "completed": True,
        },
    ),
    (
        "ASANA_GET_MULTIPLE_TASKS",
        {"project": "{project}", "completed_since": "now", "opt_fields": "name", "limit": 5},
    ),
    ("ASANA_GET_MULTIPLE_TASKS", {"assignee": "me", "workspace": WORKSPACE}),
    (
        "ASANA_GET_TASKS_FROM_A_PROJECT",
        {
            "project_gid": "{project}",
            "completed_since": "2020-01-01T00:00:00Z",
            "opt_fields": "name",
            "limit": 5,
        },
    ),
    ("ASANA_ADD_TASK_TO_SECTION", {"section_gid": "{section}", "task": "{task}"}),
    ("ASANA_GET_TASKS_FROM_A_SECTION", {"section_gid": "{section}", "opt_fields": "name", "limit": 5}),
    (
        "ASANA_SEARCH_TASKS_IN_A_WORKSPACE",
        {
            "workspace_gid": WORKSPACE,
            "text": "T",
            "assignee_any": "me",
            "projects_any": "{project}",
            "completed": True,
            "sort_by": "due_date",
            "sort_ascending": True,
            "opt_fields": "name",
        },
    ),
    (
        "ASANA_CREATE_A_SUBTASK",
        {"task_gid": "{task}", "name": "S", "notes": "n", "assignee": "me", "due_on": "2026-01-03"},
    ),
    ("ASANA_GET_SUBTASKS_FROM_A_TASK", {"task_gid": "{task}", "opt_fields": "name", "limit": 5}),
    ("ASANA_CREATE_A_STORY_ON_A_TASK", {"task_gid": "{task}", "text": "c", "is_pinned": False}),
    ("ASANA_GET_STORIES_FROM_A_TASK", {"task_gid": "{task}", "opt_fields": "text", "limit": 5}),
    ("ASANA_ADD_A_TAG_TO_A_TASK", {"task_gid": "{task}", "tag": "{tag}"}),
    ("ASANA_DELETE_A_TASK", {"task_gid": "{task}"}),
    ("ASANA_DELETE_A_PROJECT", {"project_gid": "{project}"}),
]


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    asana = connect("asana")
    asana.emulator.requests.clear()
    problems, ids = [], {}
    for slug, arguments in LIVE_CALLS:
        before = len(asana.emulator.requests)
        data = asana.ok(slug, {k: _fill(v, ids) for k, v in arguments.items()})
        for prefix, key in (
            ("ASANA_CREATE_A_PROJECT", "project"),
            ("ASANA_CREATE_A_TAG", "tag"),
            ("ASANA_CREATE_A_SECTION_IN_A_PROJECT", "section"),
        ):
            if slug == prefix:
                ids[key] = data["gid"]
        if slug == "ASANA_CREATE_A_TASK" and "task" not in ids:
            ids["task"] = data["gid"]
        sent = asana.emulator.requests.all()[before:]
        assert len(sent) == 1, f"{slug} sent {len(sent)} requests"
        assert sent[0].path.startswith(API + "/") and sent[0].header("authorization").startswith("Bearer ")
        wire = dataclasses.replace(from_recorded(sent[0]), path=sent[0].path.removeprefix(API))
        problems += [f"{slug}: {p}" for p in check_request(spec, wire, transport_headers=TRANSPORT_HEADERS)]
    assert not beyond_gaps(problems), "\n".join(beyond_gaps(problems))
    assert problems, "the description gaps are gone: drop DESCRIPTION_GAPS entries that no longer match"
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools}
