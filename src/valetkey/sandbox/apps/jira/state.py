"""The Jira site's data: users, projects, issue types, statuses, priorities, issues and what hangs off them.

Ids are Jira's: numeric strings for issues, comments, worklogs and links
(issues from 10000, one counter per kind), ``KEY-N`` issue keys numbered per
project, Atlassian account ids for users. Text fields (descriptions, comment
bodies) are kept as Atlassian Document Format, as the v3 API takes and answers them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ADA = "5b10a2844c20165700ede21g"
GRACE = "5b10ac8d82e05b22cc7d4ef5"
ALAN = "5d53f3cbc6b9320d9ea5bdc2"
SITE = "your-domain.atlassian.net"


def now() -> str:
    """Jira's timestamp format: ``2025-01-31T09:30:00.000+0000``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000+0000"


def adf(text: str) -> dict[str, Any]:
    """A plain text as an Atlassian Document Format document, one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} if line else {"type": "paragraph"}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def adf_text(doc: Any) -> str:
    """The plain text of an ADF document (for JQL text search)."""
    if isinstance(doc, dict):
        own = doc.get("text", "") if doc.get("type") == "text" else ""
        return own + " ".join(adf_text(child) for child in doc.get("content") or [])
    return ""


@dataclass
class User:
    account_id: str
    display_name: str
    email: str
    time_zone: str = "Europe/London"
    active: bool = True


@dataclass
class Project:
    id: str
    key: str
    name: str
    lead: str
    project_type: str = "software"
    description: str = ""
    issue_counter: int = 0


@dataclass
class Comment:
    id: str
    author: str
    body: dict[str, Any]
    created: str
    updated: str
    update_author: str
    visibility: dict[str, Any] | None = None


@dataclass
class Worklog:
    id: str
    author: str
    time_spent_seconds: int
    started: str
    created: str
    comment: dict[str, Any] | None = None


@dataclass
class Issue:
    id: str
    key: str
    project: str  # project id
    issue_type: str  # issue type id
    summary: str
    reporter: str
    created: str
    status: str = "10000"
    priority: str = "3"
    description: dict[str, Any] | None = None
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    duedate: str | None = None
    parent: str | None = None  # issue id
    updated: str = ""
    resolution_date: str | None = None
    comments: list[Comment] = field(default_factory=list)
    worklogs: list[Worklog] = field(default_factory=list)
    watchers: list[str] = field(default_factory=list)
    remote_links: list[dict[str, Any]] = field(default_factory=list)
    #: Changelog histories: {"id", "author", "created", "items": [{"field", "from", "fromString", ...}]}.
    history: list[dict[str, Any]] = field(default_factory=list)


ISSUE_TYPES: dict[str, dict[str, Any]] = {
    "10001": {
        "name": "Task",
        "description": "A small, distinct piece of work.",
        "subtask": False,
        "level": 0,
    },
    "10002": {"name": "Bug", "description": "A problem or error.", "subtask": False, "level": 0},
    "10003": {"name": "Story", "description": "A user-facing feature.", "subtask": False, "level": 0},
    "10004": {"name": "Epic", "description": "A big user story.", "subtask": False, "level": 1},
    "10005": {"name": "Subtask", "description": "A piece of a bigger issue.", "subtask": True, "level": -1},
}
STATUSES: dict[str, dict[str, Any]] = {
    "10000": {"name": "To Do", "category": (2, "new", "To Do", "blue-gray")},
    "3": {"name": "In Progress", "category": (4, "indeterminate", "In Progress", "yellow")},
    "10001": {"name": "Done", "category": (3, "done", "Done", "green")},
}
# Transition id -> target status id (the simplified workflow: any status to any other).
TRANSITIONS = {"11": "10000", "21": "3", "31": "10001"}
PRIORITIES = {
    "1": ("Highest", "#d04437"),
    "2": ("High", "#f15C75"),
    "3": ("Medium", "#f79232"),
    "4": ("Low", "#707070"),
    "5": ("Lowest", "#999999"),
}
LINK_TYPES = {
    "10000": ("Blocks", "is blocked by", "blocks"),
    "10001": ("Cloners", "is cloned by", "clones"),
    "10002": ("Duplicate", "is duplicated by", "duplicates"),
    "10003": ("Relates", "relates to", "relates to"),
}
# System fields (id, name, schema type, custom) and one custom field.
FIELDS = [
    ("summary", "Summary", "string", False),
    ("description", "Description", "string", False),
    ("issuetype", "Issue Type", "issuetype", False),
    ("project", "Project", "project", False),
    ("status", "Status", "status", False),
    ("priority", "Priority", "priority", False),
    ("assignee", "Assignee", "user", False),
    ("reporter", "Reporter", "user", False),
    ("labels", "Labels", "array", False),
    ("duedate", "Due date", "date", False),
    ("parent", "Parent", "issuelink", False),
    ("created", "Created", "datetime", False),
    ("updated", "Updated", "datetime", False),
    ("comment", "Comment", "comments-page", False),
    ("worklog", "Log Work", "array", False),
    ("customfield_10016", "Story point estimate", "number", True),
]


@dataclass
class JiraState:
    users: dict[str, User]
    projects: dict[str, Project]
    issues: dict[str, Issue] = field(default_factory=dict)
    #: Issue links: id -> {"id", "type" (link type id), "inward" (issue id), "outward" (issue id)}.
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(10000))

    def next_id(self) -> str:
        return str(next(self.ids))

    def user(self, account_id: str | None) -> User | None:
        return self.users.get(account_id) if account_id else None

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    def project(self, id_or_key: str) -> Project | None:
        return self.projects.get(id_or_key) or next(
            (p for p in self.projects.values() if p.key.upper() == id_or_key.upper()), None
        )

    def issue(self, id_or_key: str) -> Issue | None:
        return self.issues.get(id_or_key) or next(
            (i for i in self.issues.values() if i.key.upper() == id_or_key.upper()), None
        )

    def add_issue(self, project: Project, **values: Any) -> Issue:
        project.issue_counter += 1
        stamp = now()
        issue = Issue(
            id=self.next_id(),
            key=f"{project.key}-{project.issue_counter}",
            project=project.id,
            created=stamp,
            updated=stamp,
            **values,
        )
        self.issues[issue.id] = issue
        return issue


def initial_state() -> JiraState:
    users = {
        ADA: User(ADA, "Ada Lovelace", "ada@example.com"),
        GRACE: User(GRACE, "Grace Hopper", "grace@example.com", "America/New_York"),
        ALAN: User(ALAN, "Alan Turing", "alan@example.com"),
    }
    projects = {
        "10000": Project("10000", "KAN", "Kanban", ADA, description="The team's board."),
        "10001": Project("10001", "OPS", "Operations", GRACE, "business"),
    }
    state = JiraState(users, projects, ids=itertools.count(10100))
    kan, ops = projects["10000"], projects["10001"]
    state.add_issue(kan, issue_type="10001", summary="Set up the board", reporter=ADA, labels=["setup"])
    bug = state.add_issue(
        kan,
        issue_type="10002",
        summary="Login redirect loops on Safari",
        reporter=GRACE,
        assignee=ADA,
        priority="2",
        status="3",
        labels=["auth", "web"],
        description=adf("Safari users land back on /login after signing in."),
    )
    stamp = now()
    bug.comments.append(Comment(state.next_id(), GRACE, adf("Seen on Safari 17 only."), stamp, stamp, GRACE))
    bug.watchers.append(GRACE)
    state.add_issue(
        ops, issue_type="10001", summary="Renew the TLS certificate", reporter=GRACE, duedate="2026-01-15"
    )
    return state


def seed(state: JiraState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"issues": [{"project": "KAN", "summary", "issue_type"?: "10001", "labels"?, "assignee"?}]}``."""
    made = []
    for spec in payload.get("issues") or []:
        project = state.project(spec["project"])
        if project is None:
            raise ValueError(f"no project {spec['project']}")
        issue = state.add_issue(
            project,
            issue_type=spec.get("issue_type", "10001"),
            summary=spec["summary"],
            reporter=spec.get("reporter", ADA),
            assignee=spec.get("assignee"),
            labels=list(spec.get("labels") or []),
        )
        made.append(issue.key)
    return {"issues": made}
