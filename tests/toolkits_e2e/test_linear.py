"""Every Linear tool through the official SDK, a real server and the Linear GraphQL emulator.

The account is connected through the emulator's OAuth flow (comma-separated
scopes) or with a personal API key sent raw in ``Authorization``; each test
checks the tool's answer and the emulator's state. GraphQL errors inside an
HTTP 200 answer must come back as ``successful: false``.
"""

from __future__ import annotations

import httpx
import pytest

from valetkey.sandbox.apps.linear.state import stable_id

ENG = stable_id("team:ENG")
DES = stable_id("team:DES")
ISSUE_1 = stable_id("issue:ENG-1")


@pytest.fixture
def linear(connect):
    """ada's OAuth account (read, write), every tool run recorded for the coverage check."""
    return connect("linear")


def state_id(linear, team: str, name: str) -> str:
    return next(s.id for s in linear.state.states.values() if s.team_id == team and s.name == name)


def test_issue_lifecycle(linear):
    ada = linear.ok("LINEAR_GET_VIEWER")
    assert ada["email"] == "ada@acme.example" and ada["organization"]["urlKey"] == "acme"
    created = linear.ok(
        "LINEAR_CREATE_LINEAR_ISSUE",
        {
            "team_id": ENG,
            "title": "Crash on start",
            "description": "Trace",
            "priority": 1,
            "assignee_id": ada["id"],
            "due_date": "2030-01-31",
        },
    )
    assert created["identifier"] == "ENG-2" and created["state"]["name"] == "Todo"
    assert created["priorityLabel"] == "Urgent" and created["assignee"]["id"] == ada["id"]
    issue = linear.state.issues[created["id"]]
    assert (issue.title, issue.priority, issue.due_date, issue.creator_id) == (
        "Crash on start",
        1,
        "2030-01-31",
        ada["id"],
    )

    assert linear.ok("LINEAR_GET_ISSUE", {"id": "ENG-2"})["id"] == created["id"]
    assert linear.ok("LINEAR_GET_ISSUE", {"id": created["id"]})["description"] == "Trace"
    in_progress = state_id(linear, ENG, "In Progress")
    grace = next(u for u in linear.ok("LINEAR_LIST_USERS")["nodes"] if u["name"] == "Grace Hopper")
    updated = linear.ok(
        "LINEAR_UPDATE_ISSUE",
        {
            "id": created["id"],
            "state_id": in_progress,
            "priority": 3,
            "title": "Crash on cold start",
            "assignee_id": grace["id"],
        },
    )
    assert updated["state"]["type"] == "started" and updated["assignee"]["name"] == "Grace Hopper"
    assert (issue.state_id, issue.priority, issue.title, issue.assignee_id) == (
        in_progress,
        3,
        "Crash on cold start",
        grace["id"],
    )
    assert issue.description == "Trace" and issue.due_date == "2030-01-31"  # fields not passed stay

    # A state of another team is refused inside a 200 answer: a failure all the same.
    wrong = linear.fails(
        "LINEAR_UPDATE_ISSUE", {"id": created["id"], "state_id": state_id(linear, DES, "Done")}
    )
    assert "another team" in wrong["data"]["message"] or "team" in wrong["error"]
    missing = linear.fails("LINEAR_GET_ISSUE", {"id": "ENG-999"})
    assert missing["error"].startswith("Entity not found: Issue") and missing["data"]["status_code"] == 200

    archived = linear.ok("LINEAR_ARCHIVE_ISSUE", {"id": "ENG-1"})
    assert (
        archived["success"] and archived["entity"]["archivedAt"] and linear.state.issues[ISSUE_1].archived_at
    )
    deleted = linear.ok("LINEAR_DELETE_ISSUE", {"id": created["id"]})
    assert deleted["entity"]["trashed"] is True and issue.trashed
    assert linear.ok("LINEAR_LIST_ISSUES", {"team_id": ENG})["nodes"] == []
    assert {
        i["identifier"] for i in linear.ok("LINEAR_LIST_ISSUES", {"include_archived": True})["nodes"]
    } == {"ENG-1", "ENG-2"}


def test_list_issues_filters_and_cursor_pagination(linear):
    grace = next(u for u in linear.ok("LINEAR_LIST_USERS")["nodes"] if u["name"] == "Grace Hopper")
    for n in range(3):
        linear.ok(
            "LINEAR_CREATE_LINEAR_ISSUE", {"team_id": ENG, "title": f"Task {n}", "assignee_id": grace["id"]}
        )
    linear.ok("LINEAR_CREATE_LINEAR_ISSUE", {"team_id": DES, "title": "Logo", "priority": 2})

    page = linear.ok("LINEAR_LIST_ISSUES", {"assignee_id": grace["id"], "first": 2})
    assert [i["title"] for i in page["nodes"]] == ["Task 2", "Task 1"] and page["pageInfo"]["hasNextPage"]
    rest = linear.ok(
        "LINEAR_LIST_ISSUES", {"assignee_id": grace["id"], "first": 2, "after": page["pageInfo"]["endCursor"]}
    )
    assert [i["title"] for i in rest["nodes"]] == ["Task 0"] and rest["pageInfo"]["hasNextPage"] is False

    assert [i["identifier"] for i in linear.ok("LINEAR_LIST_ISSUES", {"team_id": DES})["nodes"]] == ["DES-1"]
    assert [i["title"] for i in linear.ok("LINEAR_LIST_ISSUES", {"assigned_to_me": True})["nodes"]] == [
        "Set up CI"
    ]
    assert len(linear.ok("LINEAR_LIST_ISSUES", {"state_name": "todo", "team_id": ENG})["nodes"]) == 4
    assert linear.ok("LINEAR_LIST_ISSUES", {"state_type": "started"})["nodes"] == []
    assert [
        i["title"] for i in linear.ok("LINEAR_LIST_ISSUES", {"priority": 2, "title_contains": "LOG"})["nodes"]
    ] == ["Logo"]
    launch = stable_id("project:launch")
    assert [i["identifier"] for i in linear.ok("LINEAR_LIST_ISSUES", {"project_id": launch})["nodes"]] == [
        "ENG-1"
    ]
    done = state_id(linear, ENG, "Done")
    assert linear.ok("LINEAR_LIST_ISSUES", {"state_id": done})["nodes"] == []
    bad_cursor = linear.fails("LINEAR_LIST_ISSUES", {"after": "nope"})
    assert "cursor" in bad_cursor["error"]


def test_comments(linear):
    comment = linear.ok("LINEAR_CREATE_COMMENT", {"issue_id": ISSUE_1, "body": "Working on it"})
    assert comment["issue"]["identifier"] == "ENG-1" and comment["user"]["name"] == "Ada Lovelace"
    linear.ok("LINEAR_CREATE_COMMENT", {"issue_id": ISSUE_1, "body": "Done **now**"})
    assert [c.body for c in linear.state.comments.values()] == ["Working on it", "Done **now**"]
    listed = linear.ok("LINEAR_LIST_ISSUE_COMMENTS", {"issue_id": "ENG-1", "first": 1})
    assert [c["body"] for c in listed["nodes"]] == ["Done **now**"] and listed["pageInfo"]["hasNextPage"]
    older = linear.ok(
        "LINEAR_LIST_ISSUE_COMMENTS", {"issue_id": "ENG-1", "after": listed["pageInfo"]["endCursor"]}
    )
    assert [c["body"] for c in older["nodes"]] == ["Working on it"]
    linear.fails("LINEAR_CREATE_COMMENT", {"issue_id": stable_id("nope"), "body": "x"})


def test_teams_states_projects_and_users(linear):
    teams = linear.ok("LINEAR_LIST_TEAMS")
    assert {t["key"] for t in teams["nodes"]} == {"ENG", "DES"} and teams["pageInfo"]["hasNextPage"] is False
    first = linear.ok("LINEAR_LIST_TEAMS", {"first": 1})
    assert len(first["nodes"]) == 1 and first["pageInfo"]["endCursor"] == first["nodes"][0]["id"]

    states = linear.ok("LINEAR_LIST_WORKFLOW_STATES", {"team_id": ENG})["nodes"]
    assert [s["name"] for s in states] == ["Backlog", "Todo", "In Progress", "Done", "Canceled"]
    assert {s["team"]["key"] for s in states} == {"ENG"}
    assert len(linear.ok("LINEAR_LIST_WORKFLOW_STATES")["nodes"]) == 10

    users = linear.ok("LINEAR_LIST_USERS")["nodes"]
    ada = next(u for u in users if u["admin"])
    project = linear.ok(
        "LINEAR_CREATE_PROJECT",
        {
            "name": "Mobile app",
            "team_ids": [ENG, DES],
            "lead_id": ada["id"],
            "description": "iOS first",
            "target_date": "2030-06-30",
        },
    )
    assert project["lead"]["id"] == ada["id"] and {t["key"] for t in project["teams"]["nodes"]} == {
        "ENG",
        "DES",
    }
    assert linear.state.projects[project["id"]].target_date == "2030-06-30"
    assert [p["name"] for p in linear.ok("LINEAR_LIST_PROJECTS")["nodes"]] == ["Mobile app", "Launch"]
    linear.fails("LINEAR_CREATE_PROJECT", {"name": "Nowhere", "team_ids": [stable_id("team:none")]})


def test_scopes_bad_tokens_and_api_keys(connect):
    reader = connect("linear", scopes=["read", "comments:create"])
    assert reader.ok("LINEAR_LIST_TEAMS")["nodes"]
    assert reader.ok("LINEAR_CREATE_COMMENT", {"issue_id": ISSUE_1, "body": "ok"})["body"] == "ok"
    refused = reader.fails("LINEAR_CREATE_LINEAR_ISSUE", {"team_id": ENG, "title": "No"})
    assert "Invalid scope" in refused["error"] and not [
        i for i in reader.state.issues.values() if i.title == "No"
    ]

    key = connect("linear", "API_KEY", subject="grace", reset=False)
    verify = key.emulator.requests.all()[-1]  # the scheme's verification request, key sent raw
    assert verify.path == "/graphql" and "viewer" in verify.body["query"]
    assert verify.header("authorization").startswith("lin_oauth_")
    assert key.ok("LINEAR_GET_VIEWER")["name"] == "Grace Hopper"

    reader.emulator.oauth2.reset()  # every token issued so far is now unknown to Linear
    bad = reader.fails("LINEAR_GET_VIEWER", status=401)
    assert "Authentication required" in bad["error"]


def test_wire_details_graphql_errors_and_rate_limit_headers(sandbox):
    linear = sandbox.emulator("linear")
    linear.reset()
    token = linear.issue_token("ada", ("read", "write"))
    with httpx.Client(base_url=f"{sandbox.url}/linear", headers={"Authorization": token}, timeout=10) as http:
        ok = http.post("/graphql", json={"query": "{ viewer { id } }"})
        assert ok.status_code == 200 and int(ok.headers["x-ratelimit-requests-remaining"]) > 0
        assert ok.headers["x-complexity"] == "2"
        invalid = http.post("/graphql", json={"query": "{ viewer { nope } }"})
        assert invalid.status_code == 400
        assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        unparsable = http.post("/graphql", json={"query": "{ viewer {"})
        assert unparsable.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        variables = http.post("/graphql", json={"query": "query($id: String!) { issue(id: $id) { id } }"})
        assert (
            variables.status_code == 400
            and variables.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        )
        missing = http.post("/graphql", json={"query": '{ issue(id: "ENG-404") { id } }'}).json()
        assert missing["data"] is None and missing["errors"][0]["extensions"]["type"] == "invalid input"
    unauthenticated = httpx.post(f"{sandbox.url}/linear/graphql", json={"query": "{ viewer { id } }"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
