"""Asana's resources: workspaces, users, projects, sections, tasks, subtasks, stories and tags."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from valetkey.sandbox.emulator_http import json_response

from .state import WORKSPACE, AsanaState, add_project, add_task, compact, first_section, now

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def valid_date(value: Any) -> bool:
    try:
        return bool(DATE.match(str(value))) and date.fromisoformat(str(value)) is not None
    except ValueError:
        return False


class AsanaError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def missing(name: str) -> AsanaError:
    return AsanaError(400, f"{name}: Missing input")


@dataclass
class Call:
    request: Request
    state: AsanaState
    me: str
    data: dict[str, Any]
    api: str

    def param(self, name: str) -> str:
        return self.request.path_params[name]

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def user_gid(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        gid = self.me if value == "me" else str(value)
        if "@" in gid:
            gid = next((u["gid"] for u in self.state.of_type("user") if u["email"] == gid.lower()), gid)
        if self.state.get(gid, "user") is None:
            raise AsanaError(400, f"{field}: Not a recognized ID: {value}")
        return gid

    def one(self, gid: str, resource_type: str, field: str | None = None) -> dict[str, Any]:
        obj = self.state.get(gid, resource_type)
        if obj is None:
            if field:
                raise AsanaError(400, f"{field}: Not a recognized ID: {gid}")
            raise AsanaError(404, f"{resource_type}: Unknown object: {gid}")
        return obj


# -- rendering -------------------------------------------------------------------------------------


def render(call: Call, obj: dict[str, Any]) -> dict[str, Any]:
    """The full object, its references compact, as Asana answers a single resource."""
    state, out = call.state, dict(obj)
    kind = obj["resource_type"]
    if kind == "task":
        out["assignee"] = compact(state.objects.get(obj["assignee"] or ""))
        out["parent"] = compact(state.objects.get(obj["parent"] or ""))
        out["workspace"] = compact(state.objects[WORKSPACE])
        out["projects"] = [compact(state.objects[m["project"]]) for m in obj["memberships"]]
        out["memberships"] = [
            {"project": compact(state.objects[m["project"]]), "section": compact(state.objects[m["section"]])}
            for m in obj["memberships"]
        ]
        out["tags"] = [compact(state.objects[t]) for t in obj["tags"]]
        out["followers"] = [compact(state.objects[f]) for f in obj["followers"]]
        out["num_subtasks"] = len([t for t in state.of_type("task") if t["parent"] == obj["gid"]])
    elif kind == "project":
        out["owner"] = compact(state.objects.get(obj["owner"] or ""))
        out["workspace"] = compact(state.objects[WORKSPACE])
    elif kind == "section":
        out["project"] = compact(state.objects[obj["project"]])
    elif kind == "story":
        out.pop("task")
        out["created_by"] = compact(state.objects.get(obj["created_by"]))
        out["target"] = compact(state.objects.get(obj["task"]))
    elif kind == "tag":
        out["workspace"] = compact(state.objects[WORKSPACE])
    elif kind == "user":
        out["workspaces"] = [compact(state.objects[w]) for w in obj["workspaces"]]
    return out


def listing(call: Call, items: list[dict[str, Any]]) -> Response:
    """One page of `items`: compact, or the ``opt_fields``; ``limit`` and the ``offset`` token."""
    fields = [f for f in (call.query("opt_fields") or "").split(",") if f]
    start = 0
    if call.query("offset"):
        try:
            start = int(base64.urlsafe_b64decode(call.query("offset") or "").decode())
        except ValueError:
            raise AsanaError(400, "offset: Your pagination token is invalid.") from None
    limit_text = call.query("limit")
    limit = len(items) or 1
    if limit_text is not None:
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            raise AsanaError(400, "limit: The value must be between 1 and 100.")
        limit = int(limit_text)
    chunk = items[start : start + limit]
    data = []
    for obj in chunk:
        full = render(call, obj)
        out = compact(obj) or {}
        out.update({f: full[f] for f in fields if f in full})
        data.append(out)
    next_page = None
    if limit_text is not None and start + limit < len(items):
        token = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        url = call.request.url.include_query_params(offset=token)
        next_page = {
            "offset": token,
            "path": url.path.split("/api/1.0", 1)[-1] + "?" + url.query,
            "uri": str(url),
        }
    return json_response({"data": data, "next_page": next_page})


# -- users and workspaces ---------------------------------------------------------------------------


def get_workspaces(call: Call) -> Response:
    return listing(call, call.state.of_type("workspace"))


def get_user(call: Call) -> dict[str, Any]:
    gid = call.param("user_gid")
    if "@" in gid:
        gid = next((u["gid"] for u in call.state.of_type("user") if u["email"] == gid.lower()), gid)
    return render(call, call.one(call.me if gid == "me" else gid, "user"))


def get_users(call: Call) -> Response:
    workspace = call.query("workspace")
    if workspace:
        call.one(workspace, "workspace", "workspace")
    return listing(call, call.state.of_type("user"))


# -- projects and sections --------------------------------------------------------------------------


def get_projects(call: Call) -> Response:
    workspace, archived = call.query("workspace"), call.query("archived")
    if workspace:
        call.one(workspace, "workspace", "workspace")
    projects = [
        p for p in call.state.of_type("project") if archived is None or str(p["archived"]).lower() == archived
    ]
    return listing(call, projects)


def create_project(call: Call) -> dict[str, Any]:
    data = call.data
    if not data.get("workspace"):
        raise missing("workspace")
    call.one(str(data["workspace"]), "workspace", "workspace")
    if not data.get("name"):
        raise missing("name")
    project = add_project(call.state, data["name"], call.me, data.get("notes", ""), data.get("color"))
    return render(call, project)


def get_project(call: Call) -> dict[str, Any]:
    return render(call, call.one(call.param("project_gid"), "project"))


def update_project(call: Call) -> dict[str, Any]:
    project = call.one(call.param("project_gid"), "project")
    for name in ("name", "notes", "archived", "color"):
        if name in call.data:
            project[name] = call.data[name]
    if "owner" in call.data:
        project["owner"] = call.user_gid(call.data["owner"], "owner")
    project["modified_at"] = now()
    return render(call, project)


def delete_project(call: Call) -> dict[str, Any]:
    project = call.one(call.param("project_gid"), "project")
    for section in [s for s in call.state.of_type("section") if s["project"] == project["gid"]]:
        del call.state.objects[section["gid"]]
    for task in call.state.of_type("task"):
        task["memberships"] = [m for m in task["memberships"] if m["project"] != project["gid"]]
    del call.state.objects[project["gid"]]
    return {}


def get_sections(call: Call) -> Response:
    project = call.one(call.param("project_gid"), "project")
    return listing(call, [s for s in call.state.of_type("section") if s["project"] == project["gid"]])


def create_section(call: Call) -> dict[str, Any]:
    project = call.one(call.param("project_gid"), "project")
    if not call.data.get("name"):
        raise missing("name")
    return render(
        call, call.state.new("section", name=call.data["name"], project=project["gid"], created_at=now())
    )


def add_task_to_section(call: Call) -> dict[str, Any]:
    section = call.one(call.param("section_gid"), "section")
    if not call.data.get("task"):
        raise missing("task")
    task = call.one(str(call.data["task"]), "task", "task")
    others = [m for m in task["memberships"] if m["project"] != section["project"]]
    task["memberships"] = [*others, {"project": section["project"], "section": section["gid"]}]
    task["modified_at"] = now()
    return {}


# -- tasks ------------------------------------------------------------------------------------------


def _tasks_in(call: Call, *, project: str | None = None, section: str | None = None) -> list[dict[str, Any]]:
    tasks = [t for t in call.state.of_type("task") if t["parent"] is None]
    if project:
        tasks = [t for t in tasks if any(m["project"] == project for m in t["memberships"])]
    if section:
        tasks = [t for t in tasks if any(m["section"] == section for m in t["memberships"])]
    since = call.query("completed_since")
    if since:
        tasks = [
            t for t in tasks if not t["completed"] or (since != "now" and (t["completed_at"] or "") >= since)
        ]
    return tasks


def get_tasks(call: Call) -> Response:
    project, section, assignee, workspace = (
        call.query(n) for n in ("project", "section", "assignee", "workspace")
    )
    if sum(bool(x) for x in (project, section, assignee and workspace)) != 1 or (assignee and not workspace):
        raise AsanaError(
            400, "Must specify exactly one of project, tag, section, user task list, or assignee + workspace"
        )
    if project:
        call.one(project, "project", "project")
    if section:
        call.one(section, "section", "section")
    tasks = _tasks_in(call, project=project, section=section)
    if assignee:
        gid = call.user_gid(assignee, "assignee")
        tasks = [t for t in tasks if t["assignee"] == gid]
    return listing(call, tasks)


def get_project_tasks(call: Call) -> Response:
    project = call.one(call.param("project_gid"), "project")
    return listing(call, _tasks_in(call, project=project["gid"]))


def get_section_tasks(call: Call) -> Response:
    section = call.one(call.param("section_gid"), "section")
    return listing(call, _tasks_in(call, section=section["gid"]))


def _apply_task(call: Call, task: dict[str, Any]) -> None:
    data = call.data
    if "name" in data:
        if not data["name"]:
            raise AsanaError(400, "name: Cannot be empty")
        task["name"] = data["name"]
    if "notes" in data:
        task["notes"] = data["notes"] or ""
    if "assignee" in data:
        task["assignee"] = call.user_gid(data["assignee"], "assignee")
    if "due_on" in data:
        if data["due_on"] is not None and not valid_date(data["due_on"]):
            raise AsanaError(400, f"due_on: Invalid date: {data['due_on']}")
        task["due_on"] = data["due_on"]
    if "completed" in data:
        task["completed"] = bool(data["completed"])
        task["completed_at"] = now() if task["completed"] else None
    task["modified_at"] = now()


def create_task(call: Call, parent: dict[str, Any] | None = None) -> dict[str, Any]:
    data = call.data
    projects = [str(p) for p in data.get("projects") or []]
    if parent is None and not projects and not data.get("workspace") and not data.get("parent"):
        raise missing("workspace")
    if data.get("workspace"):
        call.one(str(data["workspace"]), "workspace", "workspace")
    if not data.get("name"):
        raise missing("name")
    memberships = []
    for gid in projects:
        call.one(gid, "project", "projects")
        memberships.append({"project": gid, "section": first_section(call.state, gid)["gid"]})
    if parent is None and data.get("parent"):
        parent = call.one(str(data["parent"]), "task", "parent")
    tags = [call.one(str(t), "tag", "tags")["gid"] for t in data.get("tags") or []]
    task = add_task(
        call.state, data["name"], memberships=memberships, tags=tags, parent=parent["gid"] if parent else None
    )
    try:
        _apply_task(call, task)
    except AsanaError:
        del call.state.objects[task["gid"]]
        raise
    task["followers"] = [call.me]
    return render(call, task)


def get_task(call: Call) -> dict[str, Any]:
    return render(call, call.one(call.param("task_gid"), "task"))


def update_task(call: Call) -> dict[str, Any]:
    task = call.one(call.param("task_gid"), "task")
    _apply_task(call, task)
    return render(call, task)


def delete_task(call: Call) -> dict[str, Any]:
    task = call.one(call.param("task_gid"), "task")
    for child in [t for t in call.state.of_type("task") if t["parent"] == task["gid"]]:
        del call.state.objects[child["gid"]]
    del call.state.objects[task["gid"]]
    return {}


def create_subtask(call: Call) -> dict[str, Any]:
    return create_task(call, parent=call.one(call.param("task_gid"), "task"))


def get_subtasks(call: Call) -> Response:
    task = call.one(call.param("task_gid"), "task")
    return listing(call, [t for t in call.state.of_type("task") if t["parent"] == task["gid"]])


def search_tasks(call: Call) -> Response:
    call.one(call.param("workspace_gid"), "workspace")
    text, completed = (call.query("text") or "").lower(), call.query("completed")
    assignees = [call.user_gid(a, "assignee.any") for a in (call.query("assignee.any") or "").split(",") if a]
    projects = [p for p in (call.query("projects.any") or "").split(",") if p]
    tasks = []
    for task in call.state.of_type("task"):
        if text and text not in task["name"].lower() and text not in task["notes"].lower():
            continue
        if completed is not None and str(task["completed"]).lower() != completed:
            continue
        if assignees and task["assignee"] not in assignees:
            continue
        if projects and not any(m["project"] in projects for m in task["memberships"]):
            continue
        tasks.append(task)
    order = call.query("sort_by") or "modified_at"
    if order not in ("due_date", "created_at", "completed_at", "likes", "modified_at"):
        raise AsanaError(400, f"sort_by: Unknown value: {order}")
    key = {"due_date": "due_on"}.get(order, order)
    tasks.sort(key=lambda t: (t.get(key) or "", t["gid"]), reverse=call.query("sort_ascending") != "true")
    return listing(call, tasks)


# -- stories and tags -------------------------------------------------------------------------------


def get_stories(call: Call) -> Response:
    task = call.one(call.param("task_gid"), "task")
    return listing(call, [s for s in call.state.of_type("story") if s["task"] == task["gid"]])


def create_story(call: Call) -> dict[str, Any]:
    task = call.one(call.param("task_gid"), "task")
    text = call.data.get("text") or call.data.get("html_text")
    if not text:
        raise missing("text")
    story = call.state.new(
        "story",
        task=task["gid"],
        type="comment",
        resource_subtype="comment_added",
        text=text,
        created_by=call.me,
        created_at=now(),
        is_pinned=bool(call.data.get("is_pinned")),
    )
    return render(call, story)


def get_tags(call: Call) -> Response:
    workspace = call.query("workspace")
    if workspace:
        call.one(workspace, "workspace", "workspace")
    return listing(call, call.state.of_type("tag"))


def create_tag(call: Call) -> dict[str, Any]:
    if not call.data.get("workspace"):
        raise missing("workspace")
    call.one(str(call.data["workspace"]), "workspace", "workspace")
    if not call.data.get("name"):
        raise missing("name")
    tag = call.state.new(
        "tag", name=call.data["name"], color=call.data.get("color"), workspace=WORKSPACE, created_at=now()
    )
    return render(call, tag)


def add_tag(call: Call) -> dict[str, Any]:
    task = call.one(call.param("task_gid"), "task")
    if not call.data.get("tag"):
        raise missing("tag")
    tag = call.one(str(call.data["tag"]), "tag", "tag")
    if tag["gid"] not in task["tags"]:
        task["tags"].append(tag["gid"])
    return {}


ROUTES = [
    ("GET", "/workspaces", get_workspaces, 200),
    ("GET", "/users", get_users, 200),
    ("GET", "/users/{user_gid}", get_user, 200),
    ("GET", "/projects", get_projects, 200),
    ("POST", "/projects", create_project, 201),
    ("GET", "/projects/{project_gid}", get_project, 200),
    ("PUT", "/projects/{project_gid}", update_project, 200),
    ("DELETE", "/projects/{project_gid}", delete_project, 200),
    ("GET", "/projects/{project_gid}/sections", get_sections, 200),
    ("POST", "/projects/{project_gid}/sections", create_section, 201),
    ("GET", "/projects/{project_gid}/tasks", get_project_tasks, 200),
    ("POST", "/sections/{section_gid}/addTask", add_task_to_section, 200),
    ("GET", "/sections/{section_gid}/tasks", get_section_tasks, 200),
    ("GET", "/tasks", get_tasks, 200),
    ("POST", "/tasks", create_task, 201),
    ("GET", "/tasks/{task_gid}", get_task, 200),
    ("PUT", "/tasks/{task_gid}", update_task, 200),
    ("DELETE", "/tasks/{task_gid}", delete_task, 200),
    ("GET", "/tasks/{task_gid}/subtasks", get_subtasks, 200),
    ("POST", "/tasks/{task_gid}/subtasks", create_subtask, 201),
    ("GET", "/tasks/{task_gid}/stories", get_stories, 200),
    ("POST", "/tasks/{task_gid}/stories", create_story, 201),
    ("POST", "/tasks/{task_gid}/addTag", add_tag, 200),
    ("GET", "/workspaces/{workspace_gid}/tasks/search", search_tasks, 200),
    ("GET", "/tags", get_tags, 200),
    ("POST", "/tags", create_tag, 201),
]
