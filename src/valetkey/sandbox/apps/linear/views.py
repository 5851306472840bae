"""GraphQL-facing views of the Linear emulator's state: one small class per type, plus filters and pages.

graphql-core's default resolver reads a field as an attribute of the parent
value and calls it with ``(info, **arguments)`` when it is a method, so each
view exposes Linear's field names (camelCase) over a state dataclass. Filters
follow Linear's comparator inputs (``{team: {key: {eq: "ENG"}}}``); lists are
Relay connections paged with ``first``/``after`` whose cursors are node ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from .state import ORG_URL_KEY, PRIORITY_LABELS, LinearState, User, slugify

DEFAULT_PAGE = 50
MAX_PAGE = 250


def linear_error(
    message: str,
    *,
    code: str = "INPUT_ERROR",
    kind: str = "invalid input",
    user_message: str | None = None,
    status: int = 400,
) -> GraphQLError:
    """An error in Linear's shape: ``extensions`` with type, code, statusCode, userPresentableMessage."""
    return GraphQLError(
        message,
        extensions={
            "type": kind,
            "code": code,
            "statusCode": status,
            "userError": True,
            "userPresentableMessage": user_message or message,
        },
    )


def not_found(entity: str) -> GraphQLError:
    return linear_error(f"Entity not found: {entity}", user_message=f"Could not find referenced {entity}.")


@dataclass
class Ctx:
    """Per-request context: the state, who is asking and with which scopes."""

    state: LinearState
    viewer: User
    scopes: tuple[str, ...]
    #: Webhook events the request causes: (type, action, data, team id, updatedFrom), sent after it.
    events: list[tuple[str, str, dict[str, Any], str, dict[str, Any] | None]] = field(default_factory=list)

    def require(self, *any_of: str) -> None:
        """Linear's scope check: `admin` and `write` imply everything they cover."""
        if not set(any_of) & set(self.scopes) and "admin" not in self.scopes:
            raise linear_error(
                f"Invalid scope: `{any_of[0]}` required",
                code="FORBIDDEN",
                kind="forbidden",
                user_message="You don't have permission to perform this action.",
                status=403,
            )


class View:
    """Base of every view: `ctx` plus the wrapped entity; relations return views or None."""

    RELATIONS: frozenset[str] = frozenset()

    def __init__(self, ctx: Ctx, entity: Any):
        self.ctx, self.entity = ctx, entity

    @property
    def id(self) -> str:
        return self.entity.id

    def value(self, name: str) -> Any:
        attribute = getattr(self, name)
        return attribute if not callable(attribute) else None


class OrganizationView:
    """The one workspace of the emulator."""

    createdAt = "2024-01-01T00:00:00.000Z"

    def __init__(self, ctx: Ctx):
        self.id, self.name, self.urlKey = ctx.state.org_id, ctx.state.org_name, ORG_URL_KEY


class UserView(View):
    @property
    def name(self):
        return self.entity.name

    @property
    def displayName(self):
        return self.entity.subject

    @property
    def email(self):
        return self.entity.email

    @property
    def active(self):
        return self.entity.active

    @property
    def admin(self):
        return self.entity.admin

    guest = False
    avatarUrl = None

    @property
    def isMe(self):
        return self.entity.id == self.ctx.viewer.id

    @property
    def url(self):
        return f"https://linear.app/{ORG_URL_KEY}/profiles/{self.entity.subject}"

    @property
    def createdAt(self):
        return self.entity.created_at

    updatedAt = createdAt

    def organization(self, info):
        return OrganizationView(self.ctx)

    def assignedIssues(self, info, **args):
        issues = [i for i in self.ctx.state.issues.values() if i.assignee_id == self.entity.id]
        return issue_connection(self.ctx, issues, args)


class TeamView(View):
    @property
    def name(self):
        return self.entity.name

    @property
    def key(self):
        return self.entity.key

    @property
    def description(self):
        return self.entity.description

    private = False

    @property
    def createdAt(self):
        return self.entity.created_at

    updatedAt = createdAt

    def organization(self, info):
        return OrganizationView(self.ctx)

    def states(self, info, **args):
        return connection(
            [StateView(self.ctx, s) for s in self.ctx.state.team_states(self.entity.id)], args, ordered=False
        )

    def members(self, info, **args):
        users = [UserView(self.ctx, self.ctx.state.users[u]) for u in self.entity.member_ids]
        return connection(users, args)

    def issues(self, info, **args):
        return issue_connection(
            self.ctx, [i for i in self.ctx.state.issues.values() if i.team_id == self.entity.id], args
        )


class StateView(View):
    RELATIONS = frozenset({"team"})

    @property
    def name(self):
        return self.entity.name

    @property
    def type(self):
        return self.entity.type

    @property
    def color(self):
        return self.entity.color

    description = None

    @property
    def position(self):
        return self.entity.position

    @property
    def createdAt(self):
        return self.entity.created_at

    updatedAt = createdAt

    @property
    def team(self):
        return TeamView(self.ctx, self.ctx.state.teams[self.entity.team_id])


class ProjectView(View):
    @property
    def name(self):
        return self.entity.name

    @property
    def description(self):
        return self.entity.description

    @property
    def slugId(self):
        return self.entity.slug_id

    @property
    def url(self):
        return f"https://linear.app/{ORG_URL_KEY}/project/{slugify(self.entity.name)}-{self.entity.slug_id}"

    @property
    def state(self):
        return self.entity.state

    progress = 0.0

    @property
    def startDate(self):
        return self.entity.start_date

    @property
    def targetDate(self):
        return self.entity.target_date

    @property
    def createdAt(self):
        return self.entity.created_at

    @property
    def updatedAt(self):
        return self.entity.updated_at

    archivedAt = None

    @property
    def lead(self):
        return user_view(self.ctx, self.entity.lead_id)

    @property
    def creator(self):
        return user_view(self.ctx, self.entity.creator_id)

    def teams(self, info, **args):
        return connection([TeamView(self.ctx, self.ctx.state.teams[t]) for t in self.entity.team_ids], args)

    def issues(self, info, **args):
        issues = [i for i in self.ctx.state.issues.values() if i.project_id == self.entity.id]
        return issue_connection(self.ctx, issues, args)


class IssueView(View):
    RELATIONS = frozenset({"team", "state", "assignee", "creator", "project"})

    @property
    def identifier(self):
        return self.ctx.state.identifier(self.entity)

    @property
    def number(self):
        return self.entity.number

    @property
    def title(self):
        return self.entity.title

    @property
    def description(self):
        return self.entity.description

    @property
    def priority(self):
        return self.entity.priority

    @property
    def priorityLabel(self):
        return PRIORITY_LABELS.get(self.entity.priority, "No priority")

    @property
    def estimate(self):
        return self.entity.estimate

    @property
    def dueDate(self):
        return self.entity.due_date

    @property
    def url(self):
        return f"https://linear.app/{ORG_URL_KEY}/issue/{self.identifier}/{slugify(self.entity.title)}"

    @property
    def branchName(self):
        return f"{self.ctx.viewer.subject}/{self.identifier.lower()}-{slugify(self.entity.title)}"

    @property
    def createdAt(self):
        return self.entity.created_at

    @property
    def updatedAt(self):
        return self.entity.updated_at

    @property
    def archivedAt(self):
        return self.entity.archived_at

    @property
    def trashed(self):
        return self.entity.trashed or None

    @property
    def completedAt(self):
        return self.entity.completed_at

    @property
    def canceledAt(self):
        return self.entity.canceled_at

    @property
    def team(self):
        return TeamView(self.ctx, self.ctx.state.teams[self.entity.team_id])

    @property
    def state(self):
        return StateView(self.ctx, self.ctx.state.states[self.entity.state_id])

    @property
    def assignee(self):
        return user_view(self.ctx, self.entity.assignee_id)

    @property
    def creator(self):
        return user_view(self.ctx, self.entity.creator_id)

    @property
    def project(self):
        project = self.ctx.state.projects.get(self.entity.project_id or "")
        return ProjectView(self.ctx, project) if project else None

    @property
    def parent(self):
        parent = self.ctx.state.issues.get(self.entity.parent_id or "")
        return IssueView(self.ctx, parent) if parent else None

    def labels(self, info, **args):
        return connection([], args)

    def comments(self, info, **args):
        comments = [
            CommentView(self.ctx, c) for c in self.ctx.state.comments.values() if c.issue_id == self.entity.id
        ]
        return connection(comments, args)


class CommentView(View):
    @property
    def body(self):
        return self.entity.body

    @property
    def url(self):
        issue = self.ctx.state.issues[self.entity.issue_id]
        return f"{IssueView(self.ctx, issue).url}#comment-{self.entity.id[:8]}"

    @property
    def createdAt(self):
        return self.entity.created_at

    @property
    def updatedAt(self):
        return self.entity.updated_at

    editedAt = None

    @property
    def user(self):
        return user_view(self.ctx, self.entity.user_id)

    @property
    def issue(self):
        issue = self.ctx.state.issues.get(self.entity.issue_id)
        return IssueView(self.ctx, issue) if issue else None

    parent = None


class WebhookView(View):
    @property
    def label(self):
        return self.entity.label

    @property
    def url(self):
        return self.entity.url

    @property
    def enabled(self):
        return self.entity.enabled

    @property
    def secret(self):
        return self.entity.secret

    @property
    def resourceTypes(self):
        return list(self.entity.resource_types)

    @property
    def allPublicTeams(self):
        return self.entity.all_public_teams

    @property
    def team(self):
        team = self.ctx.state.teams.get(self.entity.team_id or "")
        return TeamView(self.ctx, team) if team else None

    @property
    def creator(self):
        return user_view(self.ctx, self.entity.creator_id)

    @property
    def createdAt(self):
        return self.entity.created_at

    @property
    def updatedAt(self):
        return self.entity.updated_at

    archivedAt = None


def user_view(ctx: Ctx, user_id: str | None) -> UserView | None:
    user = ctx.state.users.get(user_id or "")
    return UserView(ctx, user) if user else None


# --- filters ---------------------------------------------------------------------------


def compare(value: Any, comparator: dict[str, Any]) -> bool:
    """One of Linear's comparator inputs (eq, in, containsIgnoreCase, lt, null...) against a value."""
    for op, expected in comparator.items():
        if expected is None and op != "null":
            continue
        if not _holds(op, value, expected):
            return False
    return True


def _holds(op: str, value: Any, expected: Any) -> bool:
    text = str(value).lower() if value is not None else None
    match op:
        case "eq":
            return bool(value == expected)
        case "neq":
            return bool(value != expected)
        case "in":
            return value in expected
        case "nin":
            return value not in expected
        case "null":
            return (value is None) == expected
        case "eqIgnoreCase":
            return text == str(expected).lower()
        case "neqIgnoreCase":
            return text != str(expected).lower()
        case "contains":
            return value is not None and str(expected) in str(value)
        case "notContains":
            return value is None or str(expected) not in str(value)
        case "containsIgnoreCase":
            return text is not None and str(expected).lower() in text
        case "startsWith":
            return value is not None and str(value).startswith(expected)
        case "endsWith":
            return value is not None and str(value).endswith(expected)
        case "lt":
            return value is not None and value < expected
        case "lte":
            return value is not None and value <= expected
        case "gt":
            return value is not None and value > expected
        case "gte":
            return value is not None and value >= expected
    raise KeyError(op)


def matches(view: View | None, condition: dict[str, Any]) -> bool:
    """Whether a node satisfies an `XxxFilter` input; nested relation filters recurse."""
    if view is None:
        return condition.get("null") is True
    for key, cond in condition.items():
        if cond is None:
            continue
        if key == "and":
            ok = all(matches(view, c) for c in cond)
        elif key == "or":
            ok = any(matches(view, c) for c in cond)
        elif key == "null":
            ok = cond is False
        elif key in view.RELATIONS:
            ok = matches(getattr(view, key), cond)
        else:
            ok = compare(view.value(key), cond)
        if not ok:
            return False
    return True


# --- connections -----------------------------------------------------------------------


def connection(nodes: Sequence[View], args: dict[str, Any], *, ordered: bool = True) -> dict[str, Any]:
    """A Relay connection page: filter, order (createdAt or updatedAt, newest first), then first/after."""
    if args.get("filter"):
        nodes = [n for n in nodes if matches(n, args["filter"])]
    if ordered:
        key = "updatedAt" if args.get("orderBy") == "updatedAt" else "createdAt"
        # Newest first; creation order breaks ties within one millisecond.
        ranked = sorted(enumerate(nodes), key=lambda pair: (getattr(pair[1], key), pair[0]), reverse=True)
        nodes = [node for _, node in ranked]
    first = args.get("first")
    if first is not None and not 0 <= first <= MAX_PAGE:
        raise linear_error(f"first must be between 0 and {MAX_PAGE}", code="INVALID_INPUT")
    size = DEFAULT_PAGE if first is None else first
    start = 0
    if args.get("after"):
        ids = [n.id for n in nodes]
        if args["after"] not in ids:
            raise linear_error("Invalid cursor passed in `after`", code="INVALID_INPUT")
        start = ids.index(args["after"]) + 1
    page = nodes[start : start + size]
    return {
        "nodes": page,
        "pageInfo": {
            "hasPreviousPage": start > 0,
            "hasNextPage": start + size < len(nodes),
            "startCursor": page[0].id if page else None,
            "endCursor": page[-1].id if page else None,
        },
    }


def issue_connection(ctx: Ctx, issues: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    """Issues hide archived and trashed ones unless `includeArchived`, as Linear's lists do."""
    if not args.get("includeArchived"):
        issues = [i for i in issues if i.archived_at is None and not i.trashed]
    return connection([IssueView(ctx, i) for i in issues], args)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def timeless_date(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise linear_error(f"{name} must be a date in the form YYYY-MM-DD", code="INVALID_INPUT")
    return value
