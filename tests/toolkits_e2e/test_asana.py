"""Every Asana tool through the official SDK, a real server and the Asana emulator.

Each test connects Ada's account through Asana's OAuth flow on the sandbox
(one test with a personal access token), runs tools with
`composio.tools.execute`, and checks the answer *and* the emulator's state.
The last test of the module proves every tool ran.
"""

from __future__ import annotations

import httpx
import pytest

from valetkey.sandbox.apps.asana.state import ADA, GRACE, WORKSPACE


@pytest.fixture
def asana(connect):
    return connect("asana")


def launch(conn):
    return next(p for p in conn.state.of_type("project") if p["name"] == "Launch")


def test_task_lifecycle(asana):
    project = launch(asana)
    urgent = next(t for t in asana.state.of_type("tag"))
    task = asana.ok(
        "ASANA_CREATE_A_TASK",
        {
            "name": "Book the venue",
            "notes": "200 people",
            "projects": [project["gid"]],
            "assignee": "me",
            "due_on": "2026-03-01",
            "tags": [urgent["gid"]],
        },
    )
    stored = asana.state.objects[task["gid"]]
    assert (
        stored["assignee"] == ADA and stored["due_on"] == "2026-03-01" and stored["tags"] == [urgent["gid"]]
    )
    assert task["projects"][0]["name"] == "Launch" and task["assignee"]["name"] == "Ada Lovelace"
    assert asana.ok("ASANA_GET_A_TASK", {"task_gid": task["gid"]})["notes"] == "200 people"
    asana.fails("ASANA_GET_A_TASK", {"task_gid": "999"}, status=404)
    done = asana.ok(
        "ASANA_UPDATE_A_TASK",
        {
            "task_gid": task["gid"],
            "completed": True,
            "assignee": "grace@example.com",
            "name": "Book the hall",
        },
    )
    assert done["completed"] is True and done["completed_at"] and stored["assignee"] == GRACE
    asana.fails("ASANA_UPDATE_A_TASK", {"task_gid": task["gid"], "due_on": "2026-13-45"}, status=400)

    sub = asana.ok(
        "ASANA_CREATE_A_SUBTASK", {"task_gid": task["gid"], "name": "Call the hall", "assignee": "me"}
    )
    assert asana.state.objects[sub["gid"]]["parent"] == task["gid"]
    subs = asana.ok(
        "ASANA_GET_SUBTASKS_FROM_A_TASK", {"task_gid": task["gid"], "opt_fields": "name,assignee"}
    )
    assert subs["data"][0]["name"] == "Call the hall" and subs["data"][0]["assignee"]["gid"] == ADA

    asana.ok("ASANA_DELETE_A_TASK", {"task_gid": task["gid"]})
    assert task["gid"] not in asana.state.objects and sub["gid"] not in asana.state.objects
    bad = asana.fails("ASANA_CREATE_A_TASK", {"name": "Nowhere"}, status=400)
    assert "workspace: Missing input" in str(bad["data"])


def test_listing_paging_and_search(asana):
    project = launch(asana)
    asana.emulator.seed_with({"tasks": [{"name": f"Chore {n}", "project": project["gid"]} for n in range(3)]})
    first = asana.ok("ASANA_GET_TASKS_FROM_A_PROJECT", {"project_gid": project["gid"], "limit": 2})
    assert len(first["data"]) == 2 and first["next_page"]["offset"]
    assert set(first["data"][0]) == {"gid", "name", "resource_type"}  # compact without opt_fields
    rest = asana.ok(
        "ASANA_GET_TASKS_FROM_A_PROJECT",
        {"project_gid": project["gid"], "limit": 2, "offset": first["next_page"]["offset"]},
    )
    rest2 = asana.ok(
        "ASANA_GET_TASKS_FROM_A_PROJECT",
        {"project_gid": project["gid"], "limit": 2, "offset": rest["next_page"]["offset"]},
    )
    assert rest2["next_page"] is None and len(first["data"] + rest["data"] + rest2["data"]) == 5

    mine = asana.ok(
        "ASANA_GET_MULTIPLE_TASKS", {"assignee": "me", "workspace": WORKSPACE, "opt_fields": "due_on"}
    )
    assert [t["name"] for t in mine["data"]] == ["Write the announcement"] and mine["data"][0][
        "due_on"
    ] == "2026-02-01"
    asana.fails("ASANA_GET_MULTIPLE_TASKS", {"assignee": "me"}, status=400)  # assignee needs a workspace
    in_project = asana.ok("ASANA_GET_MULTIPLE_TASKS", {"project": project["gid"], "completed_since": "now"})
    assert len(in_project["data"]) == 5

    found = asana.ok(
        "ASANA_SEARCH_TASKS_IN_A_WORKSPACE",
        {
            "workspace_gid": WORKSPACE,
            "text": "pricing",
            "completed": False,
            "assignee_any": GRACE,
            "projects_any": project["gid"],
            "sort_by": "created_at",
            "opt_fields": "assignee",
        },
    )
    assert [t["name"] for t in found["data"]] == ["Review the pricing page"]
    assert found["data"][0]["assignee"]["gid"] == GRACE
    none = asana.ok(
        "ASANA_SEARCH_TASKS_IN_A_WORKSPACE",
        {"workspace_gid": WORKSPACE, "text": "pricing", "completed": True},
    )
    assert none["data"] == []


def test_sections_comments_and_tags(asana):
    project = launch(asana)
    sections = asana.ok("ASANA_GET_SECTIONS_IN_A_PROJECT", {"project_gid": project["gid"]})["data"]
    assert [s["name"] for s in sections] == ["Untitled section", "Doing"]
    done = asana.ok("ASANA_CREATE_A_SECTION_IN_A_PROJECT", {"project_gid": project["gid"], "name": "Done"})
    assert done["project"]["gid"] == project["gid"]
    task = next(t for t in asana.state.of_type("task") if t["name"] == "Review the pricing page")
    asana.ok("ASANA_ADD_TASK_TO_SECTION", {"section_gid": done["gid"], "task": task["gid"]})
    assert task["memberships"] == [{"project": project["gid"], "section": done["gid"]}]
    in_done = asana.ok(
        "ASANA_GET_TASKS_FROM_A_SECTION", {"section_gid": done["gid"], "opt_fields": "memberships"}
    )
    assert [t["gid"] for t in in_done["data"]] == [task["gid"]]

    story = asana.ok(
        "ASANA_CREATE_A_STORY_ON_A_TASK", {"task_gid": task["gid"], "text": "Approved.", "is_pinned": True}
    )
    assert story["type"] == "comment" and story["created_by"]["gid"] == ADA
    stories = asana.ok(
        "ASANA_GET_STORIES_FROM_A_TASK", {"task_gid": task["gid"], "opt_fields": "text,created_by"}
    )
    assert [s["text"] for s in stories["data"]] == ["Numbers look right.", "Approved."]
    asana.fails("ASANA_CREATE_A_STORY_ON_A_TASK", {"task_gid": "404", "text": "x"}, status=404)

    tag = asana.ok("ASANA_CREATE_A_TAG", {"name": "blocked", "workspace": WORKSPACE, "color": "dark-orange"})
    tags = asana.ok("ASANA_GET_MULTIPLE_TAGS", {"workspace": WORKSPACE, "opt_fields": "color"})["data"]
    assert {t["name"]: t["color"] for t in tags} == {"urgent": "dark-red", "blocked": "dark-orange"}
    asana.ok("ASANA_ADD_A_TAG_TO_A_TASK", {"task_gid": task["gid"], "tag": tag["gid"]})
    assert task["tags"] == [tag["gid"]]
    asana.fails("ASANA_ADD_A_TAG_TO_A_TASK", {"task_gid": task["gid"], "tag": "nope"}, status=400)


def test_projects_users_and_workspaces(asana):
    workspaces = asana.ok("ASANA_GET_MULTIPLE_WORKSPACES", {"opt_fields": "is_organization"})["data"]
    assert workspaces == [
        {"gid": WORKSPACE, "resource_type": "workspace", "name": "Acme", "is_organization": True}
    ]
    me = asana.ok("ASANA_GET_A_USER", {"user_gid": "me"})
    assert me["gid"] == ADA and me["email"] == "ada@example.com" and me["workspaces"][0]["gid"] == WORKSPACE
    assert asana.ok("ASANA_GET_A_USER", {"user_gid": "grace@example.com"})["gid"] == GRACE
    users = asana.ok("ASANA_GET_MULTIPLE_USERS", {"workspace": WORKSPACE, "opt_fields": "email", "limit": 1})
    assert users["data"][0]["email"] == "ada@example.com" and users["next_page"] is not None

    made = asana.ok(
        "ASANA_CREATE_A_PROJECT",
        {"name": "Hiring", "workspace": WORKSPACE, "notes": "Q3", "color": "light-green"},
    )
    assert made["owner"]["gid"] == ADA and made["permalink_url"].endswith("/list")
    sections = [s for s in asana.state.of_type("section") if s["project"] == made["gid"]]
    assert [s["name"] for s in sections] == ["Untitled section"]
    assert asana.ok("ASANA_GET_A_PROJECT", {"project_gid": made["gid"]})["notes"] == "Q3"
    updated = asana.ok(
        "ASANA_UPDATE_A_PROJECT",
        {
            "project_gid": made["gid"],
            "archived": True,
            "name": "Hiring 2026",
            "notes": "Q4",
            "color": "dark-blue",
            "owner": GRACE,
        },
    )
    assert updated["archived"] is True and updated["owner"]["gid"] == GRACE
    archived = asana.ok(
        "ASANA_GET_MULTIPLE_PROJECTS", {"workspace": WORKSPACE, "archived": True, "opt_fields": "archived"}
    )
    assert [p["name"] for p in archived["data"]] == ["Hiring 2026"]
    assert len(asana.ok("ASANA_GET_MULTIPLE_PROJECTS", {"workspace": WORKSPACE})["data"]) == 2
    asana.ok("ASANA_DELETE_A_PROJECT", {"project_gid": made["gid"]})
    assert made["gid"] not in asana.state.objects and not [
        s for s in sections if s["gid"] in asana.state.objects
    ]
    asana.fails("ASANA_GET_A_PROJECT", {"project_gid": made["gid"]}, status=404)


def test_personal_access_token_and_asana_401(connect, sandbox):
    pat = connect("asana", "BEARER_TOKEN")
    assert pat.ok("ASANA_GET_A_USER", {"user_gid": "me"})["name"] == "Ada Lovelace"
    assert pat.emulator.requests.all()[-1].header("authorization").startswith("Bearer 2/")
    r = httpx.get(f"{sandbox.url}/asana/api/1.0/users/me", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json() == {"errors": [{"message": "Not Authorized"}]}
