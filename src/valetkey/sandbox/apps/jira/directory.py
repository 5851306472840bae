"""Who and what the site has: the caller, users, projects, issue types, statuses, priorities, fields, labels."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator_http import json_response

from .kit import READ, USER, Call, Jira, JiraError, page_bean
from .render import all_fields, issue_type_json, priority_json, project_json, status_json, user_json
from .state import ISSUE_TYPES, PRIORITIES, STATUSES, User

NO_PROJECT = "No project could be found with key '{}'."


def myself(call: Call) -> Response:
    return json_response(user_json(call.api, call.me, full=True))


def get_user(call: Call) -> Response:
    account = call.query("accountId")
    if not account:
        raise JiraError(400, "The accountId query parameter needs to be provided.")
    user = call.state.user(account)
    if user is None:
        raise JiraError(404, "Specified user does not exist or you do not have required permissions")
    return json_response(user_json(call.api, user, full=True))


def _matching(call: Call, query: str | None) -> list[User]:
    needle = (query or "").lower()
    return [
        u
        for u in call.state.users.values()
        if u.active
        and (
            not needle
            or any(
                part.startswith(needle)
                for part in (u.display_name.lower(), *u.display_name.lower().split(), u.email.lower())
            )
        )
    ]


def find_users(call: Call) -> Response:
    query, account = call.query("query"), call.query("accountId")
    if not query and not account:
        raise JiraError(400, "One of 'query' or 'accountId' query parameters must be provided.")
    users = _matching(call, query) if query else [u for u in [call.state.user(account)] if u]
    start, size = call.window(50, 1000)
    return json_response([user_json(call.api, u) for u in users[start : start + size]])


def find_assignable(call: Call) -> Response:
    issue_key, project_key = call.query("issueKey"), call.query("project")
    if not issue_key and not project_key:
        raise JiraError(400, "A project or issue key must be provided.")
    if issue_key and call.state.issue(issue_key) is None:
        raise JiraError(404, f"Issue '{issue_key}' not found.")
    if project_key and call.state.project(project_key) is None:
        raise JiraError(404, NO_PROJECT.format(project_key))
    start, size = call.window(50, 1000)
    users = _matching(call, call.query("query"))
    return json_response([user_json(call.api, u) for u in users[start : start + size]])


def all_projects(call: Call) -> Response:
    full = "description" in call.query_list("expand") or "lead" in call.query_list("expand")
    return json_response(
        [project_json(call.api, call.state, p, full=full) for p in call.state.projects.values()]
    )


def search_projects(call: Call) -> Response:
    query = (call.query("query") or "").lower()
    kinds = call.query_list("typeKey")
    keys = {k.upper() for k in call.query_list("keys")}
    projects = [
        p
        for p in call.state.projects.values()
        if (not query or query in p.key.lower() or query in p.name.lower())
        and (not kinds or p.project_type in kinds)
        and (not keys or p.key in keys)
    ]
    order = call.query("orderBy") or "key"
    if order.lstrip("+-") not in ("key", "name", "id"):
        raise JiraError(400, f"Invalid orderBy value '{order}'.")
    field = order.lstrip("+-")
    projects.sort(
        key=lambda p: int(p.id) if field == "id" else getattr(p, field).lower(), reverse=order.startswith("-")
    )
    start, size = call.window(50, 100)
    rendered = [project_json(call.api, call.state, p, full=True) for p in projects]
    return json_response(page_bean(call, rendered, start, size))


def get_project(call: Call) -> Response:
    project = call.state.project(call.params["projectIdOrKey"])
    if project is None:
        raise JiraError(404, NO_PROJECT.format(call.params["projectIdOrKey"]))
    return json_response(project_json(call.api, call.state, project, full=True))


def project_statuses(call: Call) -> Response:
    project = call.state.project(call.params["projectIdOrKey"])
    if project is None:
        raise JiraError(404, NO_PROJECT.format(call.params["projectIdOrKey"]))
    statuses = [status_json(call.api, s) for s in STATUSES]
    return json_response(
        [
            {
                "self": f"{call.api}/issuetype/{t}",
                "id": t,
                "name": kind["name"],
                "subtask": kind["subtask"],
                "statuses": statuses,
            }
            for t, kind in ISSUE_TYPES.items()
        ]
    )


def issue_types_for_project(call: Call) -> Response:
    project_id = call.query("projectId")
    if not project_id:
        raise JiraError(400, "The projectId query parameter needs to be provided.")
    if not project_id.isdigit() or project_id not in call.state.projects:
        raise JiraError(404, f"No project could be found with id '{project_id}'.")
    level = call.query("level")
    types = [t for t, kind in ISSUE_TYPES.items() if level is None or str(kind["level"]) == level]
    return json_response([issue_type_json(call.api, t) for t in types])


def priorities(call: Call) -> Response:
    return json_response([priority_json(call.api, p) for p in PRIORITIES])


def fields(call: Call) -> Response:
    return json_response(all_fields())


def labels(call: Call) -> Response:
    every = sorted({label for issue in call.state.issues.values() for label in issue.labels})
    start, size = call.window(1000, 1000)
    return json_response(page_bean(call, every, start, size))


def routes(jira: Jira) -> list[Route]:
    return [
        jira.route("GET", "/myself", myself, None),
        jira.route("GET", "/user", get_user, USER),
        jira.route("GET", "/user/search", find_users, USER),
        jira.route("GET", "/user/assignable/search", find_assignable, USER),
        jira.route("GET", "/project", all_projects, READ),
        jira.route("GET", "/project/search", search_projects, READ),
        jira.route("GET", "/project/{projectIdOrKey}", get_project, READ),
        jira.route("GET", "/project/{projectIdOrKey}/statuses", project_statuses, READ),
        jira.route("GET", "/issuetype/project", issue_types_for_project, READ),
        jira.route("GET", "/priority", priorities, READ),
        jira.route("GET", "/field", fields, READ),
        jira.route("GET", "/label", labels, READ),
    ]
