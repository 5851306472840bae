"""What the Notion emulator remembers: users, pages, databases with data sources, blocks, comments.

Plain dataclasses under the app's `StateStore` lock. Pages are blocks too (a
page's content is its child blocks); a database holds one or more data
sources (API version 2025-09-03), each with a property schema its pages fill.
Property values are stored in Notion's own JSON shapes ({"type": "select",
"select": {"name": ...}}), so the API answers them as they are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

WORKSPACE_ID = "5a1b2c3d-0000-4000-8000-00000000a0a0"
WORKSPACE_NAME = "Valetkey Sandbox"
BOT_ID = "b07b07b0-0000-4000-8000-0000000000b0"
ADA = "a0a0a0a0-0000-4000-8000-000000000001"
GRACE = "a0a0a0a0-0000-4000-8000-000000000002"
PROJECTS = "c0ffee00-0000-4000-8000-000000000001"
TASKS_DB = "dbdbdbdb-0000-4000-8000-000000000001"
TASKS_SOURCE = "5005ce00-0000-4000-8000-000000000001"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def new_id() -> str:
    return str(uuid.uuid4())


def text(content: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "text",
            "text": {"content": content, "link": None},
            "plain_text": content,
            "href": None,
            "annotations": {
                "bold": False,
                "italic": False,
                "strikethrough": False,
                "underline": False,
                "code": False,
                "color": "default",
            },
        }
    ]


def plain(rich: list[dict[str, Any]] | None) -> str:
    return "".join(
        part.get("plain_text") or (part.get("text") or {}).get("content", "") for part in rich or []
    )


@dataclass
class User:
    id: str
    name: str
    type: str = "person"  # or "bot"
    email: str | None = None


@dataclass
class Block:
    id: str
    type: str
    # The type's own object ({"rich_text": [...], "checked": false}); for child_page {"title": ...}.
    content: dict[str, Any]
    parent: dict[str, Any]
    created_by: str
    children: list[str] = field(default_factory=list)
    in_trash: bool = False
    created_time: str = field(default_factory=now)
    last_edited_time: str = field(default_factory=now)


@dataclass
class Page:
    id: str
    parent: dict[str, Any]
    # property name -> value object with "type" (and "id").
    properties: dict[str, dict[str, Any]]
    created_by: str
    icon: dict[str, Any] | None = None
    in_trash: bool = False
    children: list[str] = field(default_factory=list)
    created_time: str = field(default_factory=now)
    last_edited_time: str = field(default_factory=now)

    @property
    def title(self) -> str:
        for value in self.properties.values():
            if value.get("type") == "title":
                return plain(value.get("title"))
        return ""


@dataclass
class DataSource:
    id: str
    database_id: str
    title: str
    # property name -> {"id", "name", "type", "<type>": {...config}}
    properties: dict[str, dict[str, Any]]
    created_time: str = field(default_factory=now)
    last_edited_time: str = field(default_factory=now)


@dataclass
class Database:
    id: str
    parent: dict[str, Any]
    title: str
    data_sources: list[str]
    created_by: str
    in_trash: bool = False
    created_time: str = field(default_factory=now)
    last_edited_time: str = field(default_factory=now)


@dataclass
class Comment:
    id: str
    parent: dict[str, Any]
    discussion_id: str
    rich_text: list[dict[str, Any]]
    created_by: str
    created_time: str = field(default_factory=now)


@dataclass
class NotionState:
    users: dict[str, User] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    databases: dict[str, Database] = field(default_factory=dict)
    data_sources: dict[str, DataSource] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    # Requests per token per second before 429 rate_limited (Notion averages 3).
    rate_limit_per_second: int = 50

    def user_for(self, subject: str) -> User:
        """The member a sandbox login names, created on first sight."""
        found = next((u for u in self.users.values() if subject in (u.id, u.name.split()[0].lower())), None)
        if found is None:
            found = User(new_id(), subject.title(), email=f"{subject}@example.com")
            self.users[found.id] = found
        return found

    def add_block(self, parent: dict[str, Any], kind: str, content: dict[str, Any], user: str) -> Block:
        block = Block(new_id(), kind, content, parent, user)
        self.blocks[block.id] = block
        return block


def title_property(value: str) -> dict[str, Any]:
    return {"id": "title", "type": "title", "title": text(value)}


def initial_state() -> NotionState:
    """Ada (default login) and Grace; a "Projects" page with a paragraph and a Tasks database
    (one data source: Name, Status, Priority, Done, Due) holding two tasks."""
    state = NotionState()
    for user in (
        User(ADA, "Ada Lovelace", email="ada@example.com"),
        User(GRACE, "Grace Hopper", email="grace@example.com"),
        User(BOT_ID, "Valetkey Integration", type="bot"),
    ):
        state.users[user.id] = user
    projects = Page(
        PROJECTS,
        {"type": "workspace", "workspace": True},
        {"title": title_property("Projects")},
        ADA,
        icon={"type": "emoji", "emoji": "📁"},
    )
    state.pages[projects.id] = projects
    intro = state.add_block(
        {"type": "page_id", "page_id": projects.id},
        "paragraph",
        {"rich_text": text("All team projects live here."), "color": "default"},
        ADA,
    )
    projects.children.append(intro.id)
    database = Database(TASKS_DB, {"type": "page_id", "page_id": projects.id}, "Tasks", [TASKS_SOURCE], ADA)
    state.databases[database.id] = database
    schema = {
        "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
        "Status": {
            "id": "st%40t",
            "name": "Status",
            "type": "select",
            "select": {
                "options": [
                    {"id": "o1", "name": "Todo", "color": "gray"},
                    {"id": "o2", "name": "Doing", "color": "blue"},
                    {"id": "o3", "name": "Done", "color": "green"},
                ]
            },
        },
        "Priority": {"id": "pr%3Fo", "name": "Priority", "type": "number", "number": {"format": "number"}},
        "Done": {"id": "d%3Dn", "name": "Done", "type": "checkbox", "checkbox": {}},
        "Due": {"id": "du%40e", "name": "Due", "type": "date", "date": {}},
        "Notes": {"id": "n%3Ft", "name": "Notes", "type": "rich_text", "rich_text": {}},
    }
    source = DataSource(database.data_sources[0], database.id, "Tasks", schema)
    state.data_sources[source.id] = source
    state.blocks[database.id] = Block(
        database.id, "child_database", {"title": "Tasks"}, {"type": "page_id", "page_id": projects.id}, ADA
    )
    projects.children.append(database.id)
    for number, (name, status, priority) in enumerate(
        (("Write spec", "Doing", 2), ("Ship beta", "Todo", 1)), 1
    ):
        task = Page(
            f"7a5c0000-0000-4000-8000-00000000000{number}",
            {"type": "data_source_id", "data_source_id": source.id, "database_id": database.id},
            {
                "Name": {"id": "title", "type": "title", "title": text(name)},
                "Status": {
                    "id": "st%40t",
                    "type": "select",
                    "select": {"id": "o2" if status == "Doing" else "o1", "name": status, "color": "blue"},
                },
                "Priority": {"id": "pr%3Fo", "type": "number", "number": priority},
                "Done": {"id": "d%3Dn", "type": "checkbox", "checkbox": False},
                "Due": {"id": "du%40e", "type": "date", "date": None},
                "Notes": {"id": "n%3Ft", "type": "rich_text", "rich_text": []},
            },
            ADA,
        )
        state.pages[task.id] = task
    return state


def seed(state: NotionState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"pages": [{"title", "parent_page_id"?}], "rate_limit_per_second": n}`` -> the page IDs created."""
    created = []
    for spec in payload.get("pages") or []:
        parent = (
            {"type": "page_id", "page_id": spec["parent_page_id"]}
            if spec.get("parent_page_id")
            else {"type": "workspace", "workspace": True}
        )
        page = Page(new_id(), parent, {"title": title_property(spec["title"])}, ADA)
        state.pages[page.id] = page
        created.append(page.id)
    if "rate_limit_per_second" in payload:
        state.rate_limit_per_second = int(payload["rate_limit_per_second"])
    return {"pages": created}
