"""Root resolvers of the Linear emulator: the queries and mutations of `sdl.SDL` over `LinearState`.

Mutations follow Linear's rules where the toolkit can hit them: an issue
needs a team the viewer belongs to, a state of that team; `issueArchive`
hides an issue from lists, `issueDelete` moves it to the trash (both still
readable by id); writes need the `write` scope, or `issues:create` /
`comments:create` for creating issues and comments; every payload carries
`success` and a growing `lastSyncId`.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema, build_schema

from .sdl import SDL
from .state import Comment, Issue, Project, Webhook, new_id, now
from .views import (
    CommentView,
    Ctx,
    IssueView,
    OrganizationView,
    ProjectView,
    StateView,
    TeamView,
    UserView,
    WebhookView,
    connection,
    issue_connection,
    linear_error,
    not_found,
    timeless_date,
)
from .webhooks import RESOURCE_TYPES, comment_data, issue_data, new_secret

#: Nested objects of an issue's webhook data; `updatedFrom` lists the flat fields that changed.
NESTED = frozenset({"state", "team", "labels"})
ISSUE_FIELDS = (
    "title",
    "description",
    "priority",
    "estimate",
    "assigneeId",
    "stateId",
    "projectId",
    "parentId",
    "dueDate",
    "teamId",
)


def _ctx(info) -> Ctx:
    return info.context


def _issue(ctx: Ctx, key: str) -> Issue:
    issue = ctx.state.find_issue(key)
    if issue is None:
        raise not_found("Issue")
    return issue


# --- queries -----------------------------------------------------------------------------


def q_viewer(_, info):
    return UserView(_ctx(info), _ctx(info).viewer)


def q_organization(_, info):
    return OrganizationView(_ctx(info))


def q_user(_, info, id):
    ctx = _ctx(info)
    user = ctx.state.users.get(id) if id != "me" else ctx.viewer
    if user is None:
        raise not_found("User")
    return UserView(ctx, user)


def q_users(_, info, **args):
    ctx = _ctx(info)
    return connection(
        [UserView(ctx, u) for u in ctx.state.users.values() if u.active or args.get("includeDisabled")], args
    )


def q_team(_, info, id):
    ctx = _ctx(info)
    team = ctx.state.teams.get(id) or next((t for t in ctx.state.teams.values() if t.key == id), None)
    if team is None:
        raise not_found("Team")
    return TeamView(ctx, team)


def q_teams(_, info, **args):
    ctx = _ctx(info)
    return connection([TeamView(ctx, t) for t in ctx.state.teams.values()], args)


def q_issue(_, info, id):
    ctx = _ctx(info)
    return IssueView(ctx, _issue(ctx, id))


def q_issues(_, info, **args):
    ctx = _ctx(info)
    return issue_connection(ctx, list(ctx.state.issues.values()), args)


def q_project(_, info, id):
    ctx = _ctx(info)
    project = ctx.state.projects.get(id)
    if project is None:
        raise not_found("Project")
    return ProjectView(ctx, project)


def q_projects(_, info, **args):
    ctx = _ctx(info)
    return connection([ProjectView(ctx, p) for p in ctx.state.projects.values()], args)


def q_comment(_, info, id):
    ctx = _ctx(info)
    comment = ctx.state.comments.get(id)
    if comment is None:
        raise not_found("Comment")
    return CommentView(ctx, comment)


def q_comments(_, info, **args):
    ctx = _ctx(info)
    return connection([CommentView(ctx, c) for c in ctx.state.comments.values()], args)


def q_workflow_state(_, info, id):
    ctx = _ctx(info)
    state = ctx.state.states.get(id)
    if state is None:
        raise not_found("WorkflowState")
    return StateView(ctx, state)


def q_workflow_states(_, info, **args):
    ctx = _ctx(info)
    states = sorted(ctx.state.states.values(), key=lambda s: (ctx.state.teams[s.team_id].key, s.position))
    return connection([StateView(ctx, s) for s in states], args, ordered=False)


# --- mutations ---------------------------------------------------------------------------


def _apply_issue_input(ctx: Ctx, issue: Issue, data: dict[str, Any]) -> None:
    """Check references in an IssueCreateInput/IssueUpdateInput and write its fields to `issue`."""
    state = ctx.state
    if "teamId" in data and data["teamId"] is not None:
        if data["teamId"] not in state.teams:
            raise not_found("Team")
        issue.team_id = data["teamId"]
    if data.get("stateId") is not None:
        workflow = state.states.get(data["stateId"])
        if workflow is None:
            raise not_found("WorkflowState")
        if workflow.team_id != issue.team_id:
            raise linear_error(
                "Workflow state does not belong to the issue's team",
                user_message="The state you chose belongs to another team.",
            )
        if workflow.id != issue.state_id:
            issue.state_id = workflow.id
            issue.completed_at = now() if workflow.type == "completed" else None
            issue.canceled_at = now() if workflow.type == "canceled" else None
    if "assigneeId" in data:
        if data["assigneeId"] is not None and data["assigneeId"] not in state.users:
            raise not_found("User")
        issue.assignee_id = data["assigneeId"]
    if "projectId" in data:
        if data["projectId"] is not None and data["projectId"] not in state.projects:
            raise not_found("Project")
        issue.project_id = data["projectId"]
    if "parentId" in data:
        parent = None if data["parentId"] is None else state.find_issue(data["parentId"])
        if data["parentId"] is not None and parent is None:
            raise not_found("Issue")
        issue.parent_id = parent.id if parent else None
    if data.get("priority") is not None:
        if not 0 <= data["priority"] <= 4:
            raise linear_error("priority must be between 0 and 4", code="INVALID_INPUT")
        issue.priority = data["priority"]
    for name, attribute in (("title", "title"), ("description", "description"), ("estimate", "estimate")):
        if name in data and not (name == "title" and data[name] is None):
            setattr(issue, attribute, data[name])
    if "dueDate" in data:
        issue.due_date = timeless_date(data["dueDate"], "dueDate")


def m_issue_create(_, info, input):
    ctx = _ctx(info)
    ctx.require("write", "issues:create")
    team = ctx.state.teams.get(input["teamId"])
    if team is None:
        raise not_found("Team")
    if input.get("id") and input["id"] in ctx.state.issues:
        raise linear_error("An issue with this id already exists", code="INVALID_INPUT")
    issue = Issue(
        input.get("id") or new_id(), team.id, 0, "", ctx.state.default_state(team.id).id, ctx.viewer.id
    )
    _apply_issue_input(ctx, issue, {**input, "teamId": None})
    if not issue.title:
        raise linear_error(
            "title must not be empty", code="INVALID_INPUT", user_message="Issue title is required."
        )
    issue.number = next(team.issue_numbers)
    ctx.state.issues[issue.id] = issue
    ctx.events.append(("Issue", "create", issue_data(ctx.state, issue), issue.team_id, None))
    return {"success": True, "issue": IssueView(ctx, issue), "lastSyncId": ctx.state.next_sync_id()}


def m_issue_update(_, info, id, input):
    ctx = _ctx(info)
    ctx.require("write")
    issue = _issue(ctx, id)
    before = issue_data(ctx.state, issue)
    _apply_issue_input(ctx, issue, input)
    if (
        "teamId" in input
        and input.get("stateId") is None
        and ctx.state.states[issue.state_id].team_id != issue.team_id
    ):
        issue.state_id = ctx.state.default_state(issue.team_id).id
    issue.updated_at = now()
    after = issue_data(ctx.state, issue)
    changed = {k: before[k] for k in before if k not in NESTED and k != "updatedAt" and before[k] != after[k]}
    if changed:
        changed["updatedAt"] = before["updatedAt"]
        ctx.events.append(("Issue", "update", after, issue.team_id, changed))
    return {"success": True, "issue": IssueView(ctx, issue), "lastSyncId": ctx.state.next_sync_id()}


def m_issue_archive(_, info, id, trash=None):
    ctx = _ctx(info)
    ctx.require("write")
    issue = _issue(ctx, id)
    if trash:
        issue.trashed = True
    else:
        issue.archived_at = issue.archived_at or now()
    return {"success": True, "entity": IssueView(ctx, issue), "lastSyncId": ctx.state.next_sync_id()}


def m_issue_delete(_, info, id, permanentlyDelete=None):
    ctx = _ctx(info)
    ctx.require("write")
    issue = _issue(ctx, id)
    if permanentlyDelete:
        if not ctx.viewer.admin:
            raise linear_error(
                "Only admins can permanently delete issues", code="FORBIDDEN", kind="forbidden", status=403
            )
        del ctx.state.issues[issue.id]
        return {"success": True, "entity": None, "lastSyncId": ctx.state.next_sync_id()}
    issue.trashed = True
    issue.archived_at = issue.archived_at or now()
    return {"success": True, "entity": IssueView(ctx, issue), "lastSyncId": ctx.state.next_sync_id()}


def m_project_create(_, info, input, connectSlackChannel=None):
    ctx = _ctx(info)
    ctx.require("write")
    if not input["teamIds"]:
        raise linear_error("teamIds must contain at least one team", code="INVALID_INPUT")
    for team_id in input["teamIds"]:
        if team_id not in ctx.state.teams:
            raise not_found("Team")
    if input.get("leadId") and input["leadId"] not in ctx.state.users:
        raise not_found("User")
    project = Project(
        input.get("id") or new_id(),
        input["name"],
        list(input["teamIds"]),
        input.get("description") or "",
        input.get("state") or "planned",
        input.get("leadId"),
        ctx.viewer.id,
        timeless_date(input.get("startDate"), "startDate"),
        timeless_date(input.get("targetDate"), "targetDate"),
    )
    ctx.state.projects[project.id] = project
    return {"success": True, "project": ProjectView(ctx, project), "lastSyncId": ctx.state.next_sync_id()}


def m_comment_create(_, info, input):
    ctx = _ctx(info)
    ctx.require("write", "comments:create")
    if not input.get("issueId"):
        raise linear_error("issueId is required", code="INVALID_INPUT")
    issue = ctx.state.find_issue(input["issueId"])
    if issue is None:
        raise not_found("Issue")
    if not (input.get("body") or "").strip():
        raise linear_error(
            "body must not be empty", code="INVALID_INPUT", user_message="Comment body is required."
        )
    comment = Comment(input.get("id") or new_id(), issue.id, input["body"], ctx.viewer.id)
    ctx.state.comments[comment.id] = comment
    ctx.events.append(("Comment", "create", comment_data(ctx.state, comment), issue.team_id, None))
    return {"success": True, "comment": CommentView(ctx, comment), "lastSyncId": ctx.state.next_sync_id()}


def _webhook(ctx: Ctx, webhook_id: str) -> Webhook:
    ctx.require("admin")
    hook = ctx.state.webhooks.get(webhook_id)
    if hook is None:
        raise not_found("Webhook")
    return hook


def _check_webhook_input(ctx: Ctx, data: dict[str, Any]) -> None:
    url = data.get("url")
    if "url" in data and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise linear_error("url must be a valid URL", code="INVALID_INPUT")
    types = data.get("resourceTypes")
    if "resourceTypes" in data:
        if not types:
            raise linear_error("resourceTypes must not be empty", code="INVALID_INPUT")
        unknown = [t for t in types if t not in RESOURCE_TYPES]
        if unknown:
            raise linear_error(f"Invalid resource type: {unknown[0]}", code="INVALID_INPUT")


def m_webhook_create(_, info, input):
    ctx = _ctx(info)
    ctx.require("admin")
    _check_webhook_input(ctx, input)
    team_id, everyone = input.get("teamId"), bool(input.get("allPublicTeams"))
    if team_id is None and not everyone:
        raise linear_error("Either teamId or allPublicTeams must be set", code="INVALID_INPUT")
    if team_id is not None and team_id not in ctx.state.teams:
        raise not_found("Team")
    if input.get("id") and input["id"] in ctx.state.webhooks:
        raise linear_error("A webhook with this id already exists", code="INVALID_INPUT")
    hook = Webhook(
        input.get("id") or new_id(),
        input["url"],
        list(dict.fromkeys(input["resourceTypes"])),
        input.get("secret") or new_secret(),
        ctx.viewer.id,
        team_id,
        everyone,
        input.get("label"),
        input.get("enabled", True) is not False,
    )
    ctx.state.webhooks[hook.id] = hook
    return {"success": True, "webhook": WebhookView(ctx, hook), "lastSyncId": ctx.state.next_sync_id()}


def m_webhook_update(_, info, id, input):
    ctx = _ctx(info)
    hook = _webhook(ctx, id)
    _check_webhook_input(ctx, input)
    for name, attribute in (
        ("label", "label"),
        ("secret", "secret"),
        ("enabled", "enabled"),
        ("url", "url"),
        ("resourceTypes", "resource_types"),
    ):
        if input.get(name) is not None:
            setattr(hook, attribute, input[name])
    hook.updated_at = now()
    return {"success": True, "webhook": WebhookView(ctx, hook), "lastSyncId": ctx.state.next_sync_id()}


def m_webhook_delete(_, info, id):
    ctx = _ctx(info)
    hook = _webhook(ctx, id)
    del ctx.state.webhooks[hook.id]
    return {"success": True, "entityId": hook.id, "lastSyncId": ctx.state.next_sync_id()}


def q_webhook(_, info, id):
    ctx = _ctx(info)
    return WebhookView(ctx, _webhook(ctx, id))


def q_webhooks(_, info, **args):
    ctx = _ctx(info)
    ctx.require("admin")
    return connection([WebhookView(ctx, h) for h in ctx.state.webhooks.values()], args)


QUERIES = {
    "viewer": q_viewer,
    "organization": q_organization,
    "user": q_user,
    "users": q_users,
    "team": q_team,
    "teams": q_teams,
    "issue": q_issue,
    "issues": q_issues,
    "project": q_project,
    "projects": q_projects,
    "comment": q_comment,
    "comments": q_comments,
    "workflowState": q_workflow_state,
    "workflowStates": q_workflow_states,
    "webhook": q_webhook,
    "webhooks": q_webhooks,
}
MUTATIONS = {
    "issueCreate": m_issue_create,
    "issueUpdate": m_issue_update,
    "issueArchive": m_issue_archive,
    "issueDelete": m_issue_delete,
    "projectCreate": m_project_create,
    "commentCreate": m_comment_create,
    "webhookCreate": m_webhook_create,
    "webhookUpdate": m_webhook_update,
    "webhookDelete": m_webhook_delete,
}


def build() -> GraphQLSchema:
    """The executable schema: `SDL` with the root resolvers attached; nested fields read the views."""
    schema = build_schema(SDL)
    # `SDL` declares both root types.
    assert schema.query_type is not None and schema.mutation_type is not None
    for name, resolver in QUERIES.items():
        schema.query_type.fields[name].resolve = resolver
    for name, resolver in MUTATIONS.items():
        schema.mutation_type.fields[name].resolve = resolver
    return schema
