"""Every Jira tool through the official SDK, a real server and the Jira emulator.

Each test connects Ada's account through Atlassian's OAuth 2.0 (3LO) flow on
the sandbox, runs tools with `composio.tools.execute`, and checks the answer
*and* the emulator's state (issues, comments, worklogs, links, history). One
test connects with Basic auth (email + API token) instead. The last test of
the module proves every tool ran.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.toolkits import V3, _create_auth_config
from valetkey.sandbox.apps.jira.state import ADA, ALAN, GRACE, adf_text

SCOPES = ["read:jira-work", "write:jira-work", "read:jira-user", "offline_access"]


@pytest.fixture
def jira(connect):
    return connect("jira", scopes=SCOPES)


def issue_of(conn, key):
    return conn.state.issue(key)


def test_create_get_edit_delete_an_issue(jira):
    created = jira.ok(
        "JIRA_CREATE_ISSUE",
        {
            "project_key": "KAN",
            "summary": "Add dark mode",
            "issue_type": "Story",
            "description": "Users asked for it.\nTwice.",
            "assignee_account_id": GRACE,
            "priority": "High",
            "labels": ["ui", "theme"],
            "due_date": "2026-02-01",
        },
    )
    assert created["key"] == "KAN-3" and created["self"].endswith(f"/rest/api/3/issue/{created['id']}")
    stored = issue_of(jira, "KAN-3")
    assert stored.summary == "Add dark mode" and stored.assignee == GRACE and stored.priority == "2"
    assert stored.description["content"][1]["content"][0]["text"] == "Twice."  # plain text became ADF
    assert stored.reporter == ADA and stored.duedate == "2026-02-01"

    got = jira.ok("JIRA_GET_ISSUE", {"issue_id_or_key": "KAN-3"})
    assert got["fields"]["issuetype"]["name"] == "Story" and got["fields"]["labels"] == ["ui", "theme"]
    assert got["fields"]["assignee"]["accountId"] == GRACE
    only = jira.ok("JIRA_GET_ISSUE", {"issue_id_or_key": created["id"], "fields": ["summary", "status"]})
    assert set(only["fields"]) == {"summary", "status"} and only["fields"]["status"]["name"] == "To Do"
    failed = jira.fails("JIRA_GET_ISSUE", {"issue_id_or_key": "KAN-404"}, status=404)
    assert "Issue does not exist" in str(failed["data"])

    edited = jira.ok(
        "JIRA_EDIT_ISSUE",
        {
            "issue_id_or_key": "KAN-3",
            "summary": "Add a dark theme",
            "add_labels": ["a11y"],
            "remove_labels": ["ui"],
            "unassign": True,
            "notify_users": False,
        },
    )
    assert edited["fields"]["summary"] == "Add a dark theme" and edited["fields"]["labels"] == [
        "theme",
        "a11y",
    ]
    assert stored.assignee is None and stored.summary == "Add a dark theme"
    history = jira.ok("JIRA_GET_CHANGELOGS", {"issue_id_or_key": "KAN-3", "max_results": 10})
    assert history["isLast"] is True
    changed = {item["field"] for entry in history["values"] for item in entry["items"]}
    assert {"summary", "labels", "assignee"} <= changed
    assert history["values"][0]["author"]["accountId"] == ADA

    bad = jira.fails("JIRA_CREATE_ISSUE", {"project_key": "NOPE", "summary": "x"})
    assert bad["data"]["status_code"] == 400 and "project" in str(bad["data"])
    assert len(jira.state.issues) == 4  # the refused create left nothing behind

    subtask = jira.ok(
        "JIRA_CREATE_ISSUE",
        {"project_key": "KAN", "summary": "Pick colours", "issue_type": "Subtask", "parent_key": "KAN-3"},
    )
    refused = jira.fails("JIRA_DELETE_ISSUE", {"issue_id_or_key": "KAN-3"}, status=400)
    assert "subtasks" in str(refused["data"])
    jira.ok("JIRA_DELETE_ISSUE", {"issue_id_or_key": "KAN-3", "delete_subtasks": True})
    assert jira.state.issue("KAN-3") is None and jira.state.issue(subtask["key"]) is None


def test_assign_and_transition_through_the_workflow(jira):
    jira.ok("JIRA_ASSIGN_ISSUE", {"issue_id_or_key": "KAN-1", "account_id": ALAN})
    assert issue_of(jira, "KAN-1").assignee == ALAN
    jira.ok("JIRA_ASSIGN_ISSUE", {"issue_id_or_key": "KAN-1", "account_id": "-1"})
    assert issue_of(jira, "KAN-1").assignee == ADA  # KAN's lead is the default assignee
    jira.fails("JIRA_ASSIGN_ISSUE", {"issue_id_or_key": "KAN-1", "account_id": "nobody"}, status=404)

    transitions = jira.ok("JIRA_GET_TRANSITIONS", {"issue_id_or_key": "KAN-1"})["transitions"]
    assert {t["name"] for t in transitions} == {"In Progress", "Done"}  # not To Do: it is there already
    done = next(t for t in transitions if t["to"]["statusCategory"]["key"] == "done")
    assert jira.ok("JIRA_GET_TRANSITIONS", {"issue_id_or_key": "KAN-1", "transition_id": done["id"]})[
        "transitions"
    ] == [done]
    jira.ok("JIRA_TRANSITION_ISSUE", {"issue_id_or_key": "KAN-1", "transition_id": done["id"]})
    issue = issue_of(jira, "KAN-1")
    assert issue.status == "10001" and issue.resolution_date
    again = jira.fails(
        "JIRA_TRANSITION_ISSUE", {"issue_id_or_key": "KAN-1", "transition_id": done["id"]}, status=400
    )
    assert "not valid" in str(again["data"])
    fields = jira.ok("JIRA_GET_ISSUE", {"issue_id_or_key": "KAN-1"})["fields"]
    assert fields["status"]["name"] == "Done" and fields["resolution"]["name"] == "Done"


def test_jql_search_get_and_post_with_paging(jira):
    jira.emulator.seed_with(
        {"issues": [{"project": "KAN", "summary": f"Chore {n}", "labels": ["chore"]} for n in range(5)]}
    )
    page = jira.ok(
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET",
        {"jql": "project = KAN AND labels = chore ORDER BY key ASC", "max_results": 2},
    )
    assert page["total"] == 5 and [i["fields"]["summary"] for i in page["issues"]] == ["Chore 0", "Chore 1"]
    second = jira.ok(
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET",
        {"jql": "project = KAN AND labels = chore ORDER BY key ASC", "max_results": 2, "start_at": 4},
    )
    assert [i["key"] for i in second["issues"]] == ["KAN-7"]
    mine = jira.ok(
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_POST",
        {"jql": 'assignee = currentUser() AND status = "In Progress"', "fields": ["summary"]},
    )
    assert [i["key"] for i in mine["issues"]] == ["KAN-2"] and set(mine["issues"][0]["fields"]) == {"summary"}
    text = jira.ok("JIRA_SEARCH_FOR_ISSUES_USING_JQL_POST", {"jql": 'text ~ "safari"', "max_results": 10})
    assert [i["key"] for i in text["issues"]] == ["KAN-2"]
    both = jira.ok(
        "JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET",
        {"jql": "project in (OPS, KAN) AND labels is EMPTY ORDER BY created DESC"},
    )
    assert [i["key"] for i in both["issues"]] == ["OPS-1"]
    bad = jira.fails("JIRA_SEARCH_FOR_ISSUES_USING_JQL_GET", {"jql": "colour = red"}, status=400)
    assert "Field 'colour' does not exist" in bad["data"]["message"]


def test_comments_lifecycle(jira):
    added = jira.ok(
        "JIRA_ADD_COMMENT", {"issue_id_or_key": "KAN-2", "comment": "Fixed in 1.2.\nPlease retest."}
    )
    assert adf_text(added["body"]).startswith("Fixed in 1.2.") and added["author"]["accountId"] == ADA
    restricted = jira.ok(
        "JIRA_ADD_COMMENT",
        {"issue_id_or_key": "KAN-2", "comment": "Internal", "visibility_role": "Developers"},
    )
    assert restricted["visibility"] == {"type": "role", "value": "Developers"}
    listed = jira.ok(
        "JIRA_GET_COMMENTS", {"issue_id_or_key": "KAN-2", "order_by": "-created", "max_results": 2}
    )
    assert listed["total"] == 3 and [c["id"] for c in listed["comments"]] == [restricted["id"], added["id"]]
    assert (
        jira.ok("JIRA_GET_COMMENTS", {"issue_id_or_key": "KAN-2", "max_results": 1})["comments"][0]["author"][
            "accountId"
        ]
        == GRACE
    )
    updated = jira.ok(
        "JIRA_UPDATE_COMMENT",
        {"issue_id_or_key": "KAN-2", "comment_id": added["id"], "comment": "Fixed in 1.3."},
    )
    assert adf_text(updated["body"]) == "Fixed in 1.3."
    assert (
        adf_text(jira.ok("JIRA_GET_COMMENT", {"issue_id_or_key": "KAN-2", "id": added["id"]})["body"])
        == "Fixed in 1.3."
    )
    grace_comment = issue_of(jira, "KAN-2").comments[0].id
    jira.fails(
        "JIRA_UPDATE_COMMENT", {"issue_id_or_key": "KAN-2", "comment_id": grace_comment, "comment": "x"}
    )
    jira.ok("JIRA_DELETE_COMMENT", {"issue_id_or_key": "KAN-2", "id": added["id"]})
    assert added["id"] not in {c.id for c in issue_of(jira, "KAN-2").comments}
    jira.fails("JIRA_GET_COMMENT", {"issue_id_or_key": "KAN-2", "id": added["id"]}, status=404)


def test_worklogs_watchers_and_links(jira):
    logged = jira.ok(
        "JIRA_ADD_WORKLOG",
        {
            "issue_id_or_key": "KAN-2",
            "time_spent": "1d 2h 30m",
            "comment": "Debugging",
            "started": "2026-01-05T09:00:00.000+0000",
        },
    )
    assert logged["timeSpentSeconds"] == (8 + 2) * 3600 + 30 * 60 and logged["timeSpent"] == "1d 2h 30m"
    worklogs = jira.ok("JIRA_GET_ISSUE_WORKLOGS", {"issue_id_or_key": "KAN-2"})
    assert worklogs["total"] == 1 and worklogs["worklogs"][0]["started"] == "2026-01-05T09:00:00.000+0000"

    jira.ok("JIRA_ADD_WATCHER", {"issue_id_or_key": "KAN-2", "account_id": ALAN})
    jira.ok("JIRA_ADD_WATCHER", {"issue_id_or_key": "KAN-2", "account_id": ADA})
    watchers = jira.ok("JIRA_GET_ISSUE_WATCHERS", {"issue_id_or_key": "KAN-2"})
    assert watchers["isWatching"] is True and {w["accountId"] for w in watchers["watchers"]} == {
        GRACE,
        ALAN,
        ADA,
    }

    types = jira.ok("JIRA_GET_ISSUE_LINK_TYPES", {})["issueLinkTypes"]
    assert {"Blocks", "Relates"} <= {t["name"] for t in types}
    jira.ok(
        "JIRA_CREATE_ISSUE_LINK",
        {"link_type": "Blocks", "inward_issue_key": "KAN-1", "outward_issue_key": "KAN-2"},
    )
    links = jira.ok("JIRA_GET_ISSUE", {"issue_id_or_key": "KAN-1", "fields": ["issuelinks"]})["fields"][
        "issuelinks"
    ]
    assert links[0]["type"]["name"] == "Blocks" and links[0]["outwardIssue"]["key"] == "KAN-2"
    jira.fails(
        "JIRA_CREATE_ISSUE_LINK",
        {"link_type": "Blocks", "inward_issue_key": "KAN-1", "outward_issue_key": "NO-1"},
        status=404,
    )

    made = jira.ok(
        "JIRA_CREATE_OR_UPDATE_REMOTE_ISSUE_LINK",
        {
            "issue_id_or_key": "KAN-2",
            "url": "https://ci.example.com/42",
            "title": "Build 42",
            "global_id": "ci-42",
            "summary": "red",
        },
    )
    again = jira.ok(
        "JIRA_CREATE_OR_UPDATE_REMOTE_ISSUE_LINK",
        {
            "issue_id_or_key": "KAN-2",
            "url": "https://ci.example.com/42",
            "title": "Build 42 (green)",
            "global_id": "ci-42",
        },
    )
    assert again["id"] == made["id"]
    remote = jira.ok("JIRA_GET_REMOTE_ISSUE_LINKS", {"issue_id_or_key": "KAN-2"})["data"]
    assert [r["object"]["title"] for r in remote] == ["Build 42 (green)"]
    one = jira.ok("JIRA_GET_REMOTE_ISSUE_LINKS", {"issue_id_or_key": "KAN-2", "global_id": "ci-42"})
    assert one["data"][0]["globalId"] == "ci-42" if "data" in one else one["globalId"] == "ci-42"


def test_users_projects_and_metadata(jira):
    me = jira.ok("JIRA_GET_CURRENT_USER", {})
    assert me["accountId"] == ADA and me["emailAddress"] == "ada@example.com"
    assert jira.ok("JIRA_GET_USER", {"account_id": GRACE})["displayName"] == "Grace Hopper"
    jira.fails("JIRA_GET_USER", {"account_id": "missing"}, status=404)
    assert [u["accountId"] for u in jira.ok("JIRA_FIND_USERS", {"query": "hop"})["data"]] == [GRACE]
    assignable = jira.ok("JIRA_FIND_USERS_ASSIGNABLE_TO_ISSUES", {"issue_key": "KAN-1", "query": "al"})[
        "data"
    ]
    assert [u["displayName"] for u in assignable] == ["Alan Turing"]
    assert (
        len(jira.ok("JIRA_FIND_USERS_ASSIGNABLE_TO_ISSUES", {"project": "KAN", "max_results": 2})["data"])
        == 2
    )

    projects = jira.ok("JIRA_GET_ALL_PROJECTS", {"expand": "description,lead"})["data"]
    assert [p["key"] for p in projects] == ["KAN", "OPS"] and projects[0]["lead"]["accountId"] == ADA
    found = jira.ok("JIRA_GET_PROJECTS_PAGINATED", {"order_by": "-key", "max_results": 1})
    assert found["total"] == 2 and found["isLast"] is False and found["values"][0]["key"] == "OPS"
    assert (
        jira.ok("JIRA_GET_PROJECTS_PAGINATED", {"query": "kan", "type_key": "software"})["values"][0]["id"]
        == "10000"
    )
    project = jira.ok("JIRA_GET_PROJECT", {"project_id_or_key": "KAN"})
    assert project["name"] == "Kanban" and {t["name"] for t in project["issueTypes"]} >= {"Bug", "Task"}
    jira.fails("JIRA_GET_PROJECT", {"project_id_or_key": "ZZZ"}, status=404)
    statuses = jira.ok("JIRA_GET_ALL_STATUSES", {"project_id_or_key": "KAN"})["data"]
    assert {s["name"] for s in statuses[0]["statuses"]} == {"To Do", "In Progress", "Done"}
    types = jira.ok("JIRA_GET_ISSUE_TYPES_FOR_PROJECT", {"project_id": 10000, "level": -1})["data"]
    assert [t["name"] for t in types] == ["Subtask"]
    assert next(p["name"] for p in jira.ok("JIRA_GET_PRIORITIES", {})["data"]) == "Highest"
    assert "customfield_10016" in {f["id"] for f in jira.ok("JIRA_GET_FIELDS", {})["data"]}
    labels = jira.ok("JIRA_GET_ALL_LABELS", {"max_results": 2})
    assert labels["values"] == ["auth", "setup"] and labels["total"] == 3 and not labels["isLast"]


def test_a_missing_scope_and_a_bad_token_are_jira_401s(connect, sandbox):
    reader = connect("jira", scopes=["read:jira-work", "read:jira-user"])
    denied = reader.fails("JIRA_ADD_COMMENT", {"issue_id_or_key": "KAN-1", "comment": "x"})
    assert "401" in str(denied["error"]) or denied["data"].get("status_code") == 401
    assert reader.state.issue("KAN-1").comments == []
    r = httpx.get(f"{sandbox.url}/jira/rest/api/3/myself", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["errorMessages"][0].startswith("You are not authenticated")


def test_basic_auth_with_email_and_api_token(jira, sandbox):
    """The second scheme: the account connects with its email and an API token, on its site."""
    toolkit = jira.server.state.catalog.toolkit("jira")
    token = jira.emulator.issue_token(ADA, tuple(SCOPES))
    with httpx.Client(
        base_url=jira.server.url, headers={"x-api-key": jira.project.api_key}, timeout=30
    ) as client:
        config_id = _create_auth_config(
            client, "jira", "BASIC", {"base_url": sandbox.endpoints(toolkit)["base_url"]}
        )
        user_id = "basic-" + jira.user_id
        request = jira.composio.connected_accounts.initiate(
            user_id,
            config_id,
            config={
                "auth_scheme": "BASIC",
                "val": {"subdomain": "acme", "username": "ada@example.com", "password": token},
            },
        )
        account = jira.composio.connected_accounts.wait_for_connection(request.id, timeout=10)
        assert account.status == "ACTIVE"
        result = jira.composio.tools.execute(
            "JIRA_GET_CURRENT_USER", {}, user_id=user_id, dangerously_skip_version_check=True
        )
        assert result["successful"] and result["data"]["emailAddress"] == "ada@example.com"
        sent = jira.emulator.requests.all()[-1]
        assert sent.header("authorization").startswith("Basic ")
        wrong = jira.composio.connected_accounts.initiate(
            user_id + "-x",
            config_id,
            config={
                "auth_scheme": "BASIC",
                "val": {"subdomain": "acme", "username": "grace@example.com", "password": token},
            },
        )
        got = client.get(f"{V3}/connected_accounts/{wrong.id}").json()
        assert (
            got["status"] == "FAILED"
        )  # the token is Ada's, not Grace's: the verification request got a 401
