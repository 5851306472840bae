"""What the Linear emulator remembers: one organization with its users, teams, states, projects, issues, comments.

Plain dataclasses keyed by UUID, mutated under the app's `StateStore` lock.
Seed ids are stable UUIDv5s (the same on every reset), new ids are random
UUIDv4s, as Linear's are. Each team numbers its issues ``KEY-1``, ``KEY-2``...
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = uuid.UUID("6f1d3c2e-0000-4000-8000-00000000a11e")
ORG_URL_KEY = "acme"
PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Normal", 4: "Low"}
# Linear's default workflow for a new team: (name, type, color).
DEFAULT_STATES = (
    ("Backlog", "backlog", "#bec2c8"),
    ("Todo", "unstarted", "#e2e2e2"),
    ("In Progress", "started", "#f2c94c"),
    ("Done", "completed", "#5e6ad2"),
    ("Canceled", "canceled", "#95a2b3"),
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stable_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def new_id() -> str:
    return str(uuid.uuid4())


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@dataclass
class User:
    id: str
    subject: str
    name: str
    email: str
    admin: bool = False
    active: bool = True
    created_at: str = field(default_factory=now)


@dataclass
class Team:
    id: str
    key: str
    name: str
    description: str | None = None
    member_ids: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=now)
    issue_numbers: Any = field(default_factory=lambda: itertools.count(1))


@dataclass
class WorkflowState:
    id: str
    team_id: str
    name: str
    type: str
    color: str
    position: float
    created_at: str = field(default_factory=now)


@dataclass
class Project:
    id: str
    name: str
    team_ids: list[str]
    description: str = ""
    state: str = "planned"
    lead_id: str | None = None
    creator_id: str | None = None
    start_date: str | None = None
    target_date: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)

    @property
    def slug_id(self) -> str:
        return self.id.replace("-", "")[:12]


@dataclass
class Issue:
    id: str
    team_id: str
    number: int
    title: str
    state_id: str
    creator_id: str | None
    description: str | None = None
    priority: int = 0
    estimate: int | None = None
    assignee_id: str | None = None
    project_id: str | None = None
    parent_id: str | None = None
    due_date: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    archived_at: str | None = None
    trashed: bool = False
    completed_at: str | None = None
    canceled_at: str | None = None


@dataclass
class Comment:
    id: str
    issue_id: str
    body: str
    user_id: str | None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Webhook:
    id: str
    url: str
    resource_types: list[str]
    secret: str
    creator_id: str
    team_id: str | None = None
    all_public_teams: bool = False
    label: str | None = None
    enabled: bool = True
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class LinearState:
    org_id: str = field(default_factory=lambda: stable_id("org"))
    org_name: str = "Acme"
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    states: dict[str, WorkflowState] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    issues: dict[str, Issue] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    sync_ids: Any = field(default_factory=lambda: itertools.count(1000))

    def user_for(self, subject: str) -> User:
        """The user a token's subject stands for, joining the organization on first sight."""
        for user in self.users.values():
            if user.subject == subject:
                return user
        user = User(stable_id("user:" + subject), subject, subject.capitalize(), f"{subject}@acme.example")
        self.users[user.id] = user
        for team in self.teams.values():
            team.member_ids.append(user.id)
        return user

    def add_team(
        self, key: str, name: str, description: str | None = None, *, team_id: str | None = None
    ) -> Team:
        team = Team(team_id or new_id(), key, name, description, member_ids=list(self.users))
        self.teams[team.id] = team
        for position, (state_name, kind, color) in enumerate(DEFAULT_STATES):
            state_id = stable_id(f"state:{key}:{state_name}") if team_id else new_id()
            self.states[state_id] = WorkflowState(state_id, team.id, state_name, kind, color, float(position))
        return team

    def team_states(self, team_id: str) -> list[WorkflowState]:
        return sorted((s for s in self.states.values() if s.team_id == team_id), key=lambda s: s.position)

    def default_state(self, team_id: str) -> WorkflowState:
        """New issues start in the team's first unstarted state (Todo), as Linear's default."""
        states = self.team_states(team_id)
        return next((s for s in states if s.type == "unstarted"), states[0])

    def find_issue(self, key: str) -> Issue | None:
        """By UUID or by identifier (``ENG-12``, case-insensitive), as Linear's `issue(id:)` accepts."""
        if key in self.issues:
            return self.issues[key]
        match = re.fullmatch(r"([A-Za-z0-9]+)-(\d+)", key)
        if match:
            for issue in self.issues.values():
                if self.teams[issue.team_id].key.lower() == match.group(1).lower() and issue.number == int(
                    match.group(2)
                ):
                    return issue
        return None

    def identifier(self, issue: Issue) -> str:
        return f"{self.teams[issue.team_id].key}-{issue.number}"

    def next_sync_id(self) -> int:
        return next(self.sync_ids)


def initial_state() -> LinearState:
    """Users ada (admin, the default login) and grace; teams ENG and DES; one project and issue ENG-1."""
    state = LinearState()
    ada = state.user_for("ada")
    ada.name, ada.admin = "Ada Lovelace", True
    grace = state.user_for("grace")
    grace.name = "Grace Hopper"
    eng = state.add_team("ENG", "Engineering", "Builds the product.", team_id=stable_id("team:ENG"))
    state.add_team("DES", "Design", None, team_id=stable_id("team:DES"))
    project = Project(
        stable_id("project:launch"),
        "Launch",
        [eng.id],
        "Ship version 1.",
        "started",
        lead_id=ada.id,
        creator_id=ada.id,
    )
    state.projects[project.id] = project
    issue = Issue(
        stable_id("issue:ENG-1"),
        eng.id,
        next(eng.issue_numbers),
        "Set up CI",
        state.default_state(eng.id).id,
        ada.id,
        "Run the tests on every push.",
        priority=2,
        assignee_id=ada.id,
        project_id=project.id,
    )
    state.issues[issue.id] = issue
    return state


def seed(state: LinearState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"teams": [{"key", "name"}], "issues": [{"team": "ENG", "title", ...}]}`` -> ids created."""
    created: dict[str, list[str]] = {"teams": [], "issues": []}
    for spec in payload.get("teams", []):
        created["teams"].append(state.add_team(spec["key"], spec.get("name", spec["key"])).id)
    for spec in payload.get("issues", []):
        team = next(t for t in state.teams.values() if t.key == spec.get("team", "ENG"))
        issue = Issue(
            new_id(),
            team.id,
            next(team.issue_numbers),
            spec["title"],
            state.default_state(team.id).id,
            None,
            spec.get("description"),
            priority=int(spec.get("priority", 0)),
        )
        state.issues[issue.id] = issue
        created["issues"].append(issue.id)
    return created
