"""The Asana domain: one workspace with users, projects, sections, tasks, stories (comments) and tags.

Objects are dicts in Asana's own JSON shape (``gid``, ``resource_type``...),
so the routes answer them as they are; gids are numeric strings, as Asana's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

WORKSPACE = "1200000000000001"
ADA = "1200000000000011"
GRACE = "1200000000000012"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class AsanaState:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1200000000001000))

    def new(self, resource_type: str, **values: Any) -> dict[str, Any]:
        gid = str(next(self.ids))
        obj = {"gid": gid, "resource_type": resource_type, **values}
        self.objects[gid] = obj
        return obj

    def get(self, gid: str, resource_type: str) -> dict[str, Any] | None:
        obj = self.objects.get(gid)
        return obj if obj is not None and obj["resource_type"] == resource_type else None

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["resource_type"] == resource_type]


def compact(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    out = {"gid": obj["gid"], "resource_type": obj["resource_type"]}
    if "name" in obj:
        out["name"] = obj["name"]
    return out


def add_project(
    state: AsanaState, name: str, owner: str, notes: str = "", color: str | None = None
) -> dict[str, Any]:
    stamp = now()
    project = state.new(
        "project",
        name=name,
        notes=notes,
        archived=False,
        color=color,
        public=True,
        created_at=stamp,
        modified_at=stamp,
        owner=owner,
        workspace=WORKSPACE,
    )
    project["permalink_url"] = f"https://app.asana.com/0/{project['gid']}/list"
    state.new("section", name="Untitled section", project=project["gid"], created_at=stamp)
    return project


def add_task(state: AsanaState, name: str, **values: Any) -> dict[str, Any]:
    stamp = now()
    task = state.new(
        "task",
        name=name,
        notes=values.pop("notes", ""),
        completed=False,
        completed_at=None,
        assignee=values.pop("assignee", None),
        due_on=values.pop("due_on", None),
        created_at=stamp,
        modified_at=stamp,
        workspace=WORKSPACE,
        parent=values.pop("parent", None),
        memberships=values.pop("memberships", []),
        tags=values.pop("tags", []),
        followers=[],
        **values,
    )
    task["permalink_url"] = f"https://app.asana.com/0/0/{task['gid']}"
    return task


def first_section(state: AsanaState, project_gid: str) -> dict[str, Any]:
    return next(s for s in state.of_type("section") if s["project"] == project_gid)


def initial_state() -> AsanaState:
    state = AsanaState()
    state.objects[WORKSPACE] = {
        "gid": WORKSPACE,
        "resource_type": "workspace",
        "name": "Acme",
        "is_organization": True,
        "email_domains": ["example.com"],
    }
    for gid, name, email in (
        (ADA, "Ada Lovelace", "ada@example.com"),
        (GRACE, "Grace Hopper", "grace@example.com"),
    ):
        state.objects[gid] = {
            "gid": gid,
            "resource_type": "user",
            "name": name,
            "email": email,
            "workspaces": [WORKSPACE],
            "photo": None,
        }
    launch = add_project(state, "Launch", ADA, notes="Ship v1.")
    todo = first_section(state, launch["gid"])
    doing = state.new("section", name="Doing", project=launch["gid"], created_at=now())
    member = lambda section: [{"project": launch["gid"], "section": section["gid"]}]  # noqa: E731
    add_task(state, "Write the announcement", assignee=ADA, due_on="2026-02-01", memberships=member(todo))
    review = add_task(state, "Review the pricing page", assignee=GRACE, memberships=member(doing))
    state.new(
        "story",
        task=review["gid"],
        type="comment",
        resource_subtype="comment_added",
        text="Numbers look right.",
        created_by=GRACE,
        created_at=now(),
    )
    state.new("tag", name="urgent", color="dark-red", workspace=WORKSPACE, created_at=now())
    return state


def seed(state: AsanaState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"tasks": [{"name", "project"?: gid, "assignee"?: gid}]}``."""
    made = []
    for spec in payload.get("tasks") or []:
        memberships = []
        if spec.get("project"):
            memberships = [
                {"project": spec["project"], "section": first_section(state, spec["project"])["gid"]}
            ]
        made.append(
            add_task(state, spec["name"], assignee=spec.get("assignee"), memberships=memberships)["gid"]
        )
    return {"tasks": made}
