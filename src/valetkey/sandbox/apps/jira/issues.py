"""Issues: create, get, edit, delete, assign, transitions, changelog, watchers, links, remote links, search."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator_http import json_response

from . import jql
from .kit import WRITE, Call, Jira, JiraError, field_error, page_bean, paged
from .render import issue_json, link_type_json, status_json, user_json
from .state import ISSUE_TYPES, LINK_TYPES, PRIORITIES, STATUSES, TRANSITIONS, Issue, JiraState, now

NO_ISSUE = "Issue does not exist or you do not have permission to see it."
SETTABLE = {
    "project",
    "summary",
    "issuetype",
    "description",
    "assignee",
    "priority",
    "labels",
    "duedate",
    "parent",
}


def issue_of(call: Call) -> Issue:
    issue = call.state.issue(call.params["issueIdOrKey"])
    if issue is None:
        raise JiraError(404, NO_ISSUE)
    return issue


def _ref(value: Any, field: str, message: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise field_error(field, message)
    return value


def _resolve_type(value: Any) -> str:
    ref = _ref(value, "issuetype", "Specify an issue type")
    for type_id, kind in ISSUE_TYPES.items():
        if ref.get("id") == type_id or str(ref.get("name", "")).lower() == kind["name"].lower():
            return type_id
    raise field_error("issuetype", "Specify a valid issue type")


def _resolve_priority(value: Any) -> str:
    ref = _ref(value, "priority", "Specify a valid priority")
    for pid, (name, _) in PRIORITIES.items():
        if ref.get("id") == pid or str(ref.get("name", "")).lower() == name.lower():
            return pid
    raise field_error("priority", "Specify a valid 'id' or 'name' for Priority")


def _resolve_user(state: JiraState, value: Any, field: str) -> str | None:
    if value is None:
        return None
    ref = _ref(value, field, f"Specify a valid value for {field}")
    account = ref.get("accountId")
    if account is None:
        return None
    if state.user(account) is None:
        raise field_error(field, f"The user with account ID '{account}' does not exist.")
    return account


def _check_adf(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or value.get("type") != "doc"
        or not isinstance(value.get("content"), list)
    ):
        raise field_error(
            field, "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
        )
    return value


def _apply(call: Call, issue: Issue, fields: dict[str, Any], changes: list[dict[str, Any]]) -> None:
    """Set `fields` on `issue`, recording each change for the changelog."""
    state = call.state
    unknown = sorted(set(fields) - SETTABLE)
    if unknown:
        raise JiraError(
            400,
            errors={
                name: (f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown.")
                for name in unknown
            },
        )

    def record(name: str, old: Any, new: Any) -> None:
        if old != new:
            changes.append(
                {
                    "field": name,
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": _text(old),
                    "to": None,
                    "toString": _text(new),
                }
            )

    if "summary" in fields:
        summary = fields["summary"]
        if not isinstance(summary, str) or not summary.strip():
            raise field_error("summary", "You must specify a summary of the issue.")
        if len(summary) > 255:
            raise field_error("summary", "Summary must be less than 255 characters.")
        record("summary", issue.summary, summary)
        issue.summary = summary
    if "description" in fields:
        record("description", "doc" if issue.description else None, "doc" if fields["description"] else None)
        issue.description = _check_adf(fields["description"], "description")
    if "issuetype" in fields:
        new_type = _resolve_type(fields["issuetype"])
        record("issuetype", ISSUE_TYPES[issue.issue_type]["name"], ISSUE_TYPES[new_type]["name"])
        issue.issue_type = new_type
    if "priority" in fields:
        new_priority = _resolve_priority(fields["priority"])
        record("priority", PRIORITIES[issue.priority][0], PRIORITIES[new_priority][0])
        issue.priority = new_priority
    if "assignee" in fields:
        new = _resolve_user(state, fields["assignee"], "assignee")
        record("assignee", issue.assignee, new)
        issue.assignee = new
    if "labels" in fields:
        labels = fields["labels"]
        if not isinstance(labels, list) or not all(isinstance(x, str) and x and " " not in x for x in labels):
            raise field_error("labels", "Labels are strings without spaces.")
        record("labels", " ".join(issue.labels), " ".join(labels))
        issue.labels = list(dict.fromkeys(labels))
    if "duedate" in fields:
        due = fields["duedate"]
        if due is not None and (not isinstance(due, str) or len(due) != 10 or due[4] != "-"):
            raise field_error("duedate", "Error parsing date string: " + str(due))
        record("duedate", issue.duedate, due)
        issue.duedate = due
    if "parent" in fields:
        ref = _ref(fields["parent"], "parent", "Specify a valid parent")
        parent = state.issue(str(ref.get("key") or ref.get("id") or ""))
        if parent is None or parent.id == issue.id:
            raise field_error("parent", "Could not find issue by id or key.")
        issue.parent = parent.id


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _log(call: Call, issue: Issue, changes: list[dict[str, Any]]) -> None:
    if changes:
        stamp = now()
        issue.updated = stamp
        issue.history.append(
            {"id": call.state.next_id(), "author": call.me.account_id, "created": stamp, "items": changes}
        )


def create_issue(call: Call) -> Response:
    body = call.body_object()
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise JiraError(
            400,
            errors={
                "summary": "You must specify a summary of the issue.",
                "project": "Specify a valid project ID or key",
                "issuetype": "Specify an issue type",
            },
        )
    ref = _ref(fields.get("project"), "project", "Specify a valid project ID or key")
    project = call.state.project(str(ref.get("key") or ref.get("id") or ""))
    if project is None:
        raise field_error("project", "Specify a valid project ID or key")
    if not fields.get("summary"):
        raise field_error("summary", "You must specify a summary of the issue.")
    type_id = _resolve_type(fields.get("issuetype"))
    if ISSUE_TYPES[type_id]["subtask"] and not fields.get("parent"):
        raise field_error("parent", "Given parent issue does not belong to appropriate hierarchy.")
    issue = call.state.add_issue(project, issue_type=type_id, summary="-", reporter=call.me.account_id)
    try:
        _apply(call, issue, {k: v for k, v in fields.items() if k != "project"}, [])
        _update_ops(call, issue, body.get("update"), [])
    except JiraError:
        del call.state.issues[issue.id]
        project.issue_counter -= 1
        raise
    return json_response({"id": issue.id, "key": issue.key, "self": f"{call.api}/issue/{issue.id}"}, 201)


def _update_ops(call: Call, issue: Issue, update: Any, changes: list[dict[str, Any]]) -> None:
    """The ``update`` verbs: ``labels: [{"add": x}, {"remove": y}, {"set": [...]}]`` (labels only here)."""
    if not update:
        return
    if not isinstance(update, dict):
        raise JiraError(400, "The 'update' value must be an object.")
    for name, operations in update.items():
        if name != "labels":
            raise JiraError(
                400,
                errors={
                    name: f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
                },
            )
        labels = list(issue.labels)
        for operation in operations if isinstance(operations, list) else []:
            for verb, value in (operation or {}).items():
                if verb == "add" and value not in labels:
                    labels.append(value)
                elif verb == "remove" and value in labels:
                    labels.remove(value)
                elif verb == "set":
                    labels = list(value)
        _apply(call, issue, {"labels": labels}, changes)


def get_issue(call: Call) -> Response:
    issue = issue_of(call)
    out = issue_json(call.api, call.state, issue, call.query_list("fields") or None)
    if "changelog" in call.query_list("expand"):
        out["changelog"] = paged(_histories(call, issue), 0, 100, "histories")
    return json_response(out)


def edit_issue(call: Call) -> Response:
    issue = issue_of(call)
    body = call.body_object()
    changes: list[dict[str, Any]] = []
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise JiraError(400, "The 'fields' value must be an object.")
    if "project" in fields:
        raise field_error(
            "project", "Field 'project' cannot be set. Use Move Issue to change an issue's project."
        )
    _apply(call, issue, fields, changes)
    _update_ops(call, issue, body.get("update"), changes)
    _log(call, issue, changes)
    if call.query("returnIssue") == "true":
        return json_response(issue_json(call.api, call.state, issue))
    return json_response(None, 204)


def delete_issue(call: Call) -> Response:
    issue = issue_of(call)
    children = [i for i in call.state.issues.values() if i.parent == issue.id]
    if children and call.query("deleteSubtasks") != "true":
        raise JiraError(
            400,
            f"The issue '{issue.key}' has subtasks.  You must specify the 'deleteSubtasks' parameter to delete this issue with subtasks.",
        )
    for gone in [issue, *children]:
        del call.state.issues[gone.id]
    call.state.links = {
        k: v
        for k, v in call.state.links.items()
        if v["inward"] in call.state.issues and v["outward"] in call.state.issues
    }
    return json_response(None, 204)


def assign_issue(call: Call) -> Response:
    issue = issue_of(call)
    body = call.body_object()
    if "accountId" not in body:
        raise JiraError(400, 'accountId must be provided (null to unassign, "-1" for the default assignee).')
    account = body["accountId"]
    if account == "-1":
        account = call.state.projects[issue.project].lead
    elif account is not None and call.state.user(account) is None:
        raise JiraError(404, f"The user with account ID '{account}' does not exist.")
    changes: list[dict[str, Any]] = []
    if issue.assignee != account:
        changes.append(
            {
                "field": "assignee",
                "fieldtype": "jira",
                "from": issue.assignee,
                "to": account,
                "fromString": issue.assignee,
                "toString": account,
            }
        )
    issue.assignee = account
    _log(call, issue, changes)
    return json_response(None, 204)


def _transition_json(call: Call, transition_id: str) -> dict[str, Any]:
    target = TRANSITIONS[transition_id]
    return {
        "id": transition_id,
        "name": STATUSES[target]["name"],
        "to": status_json(call.api, target),
        "hasScreen": False,
        "isGlobal": True,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }


def get_transitions(call: Call) -> Response:
    issue = issue_of(call)
    wanted = call.query("transitionId")
    ids = [t for t in TRANSITIONS if TRANSITIONS[t] != issue.status and (wanted is None or t == wanted)]
    return json_response({"expand": "transitions", "transitions": [_transition_json(call, t) for t in ids]})


def do_transition(call: Call) -> Response:
    issue = issue_of(call)
    body = call.body_object()
    ref = body.get("transition")
    transition_id = str(ref.get("id")) if isinstance(ref, dict) and ref.get("id") is not None else None
    if transition_id is None:
        raise JiraError(400, "Missing 'transition' identifier")
    if transition_id not in TRANSITIONS or TRANSITIONS[transition_id] == issue.status:
        raise JiraError(400, f"Transition id '{transition_id}' is not valid for this issue.")
    changes: list[dict[str, Any]] = []
    target = TRANSITIONS[transition_id]
    changes.append(
        {
            "field": "status",
            "fieldtype": "jira",
            "from": issue.status,
            "to": target,
            "fromString": STATUSES[issue.status]["name"],
            "toString": STATUSES[target]["name"],
        }
    )
    _apply(call, issue, body.get("fields") or {}, changes)
    _update_ops(call, issue, body.get("update"), changes)
    issue.status = target
    issue.resolution_date = now() if STATUSES[target]["category"][1] == "done" else None
    _log(call, issue, changes)
    return json_response(None, 204)


def _histories(call: Call, issue: Issue) -> list[dict[str, Any]]:
    out = []
    for entry in issue.history:
        author = call.state.user(entry["author"])
        out.append(
            {
                "id": entry["id"],
                "author": user_json(call.api, author) if author else None,
                "created": entry["created"],
                "items": entry["items"],
            }
        )
    return out


def get_changelogs(call: Call) -> Response:
    issue = issue_of(call)
    start, size = call.window(100, 100)
    return json_response(page_bean(call, _histories(call, issue), start, size))


def get_watchers(call: Call) -> Response:
    issue = issue_of(call)
    watchers = [u for u in (call.state.user(a) for a in issue.watchers) if u]
    return json_response(
        {
            "self": f"{call.api}/issue/{issue.key}/watchers",
            "isWatching": call.me.account_id in issue.watchers,
            "watchCount": len(watchers),
            "watchers": [user_json(call.api, u) for u in watchers],
        }
    )


def add_watcher(call: Call) -> Response:
    issue = issue_of(call)
    account = call.body if call.body is not None else call.me.account_id
    if not isinstance(account, str):
        raise JiraError(400, "The request body must be the account ID as a JSON string.")
    if call.state.user(account) is None:
        raise JiraError(404, f"The user with account ID '{account}' does not exist.")
    if account not in issue.watchers:
        issue.watchers.append(account)
    return json_response(None, 204)


def link_issues(call: Call) -> Response:
    body = call.body_object()
    ref: dict[str, Any] = body["type"] if isinstance(body.get("type"), dict) else {}
    type_id = next(
        (
            t
            for t, (name, _, _) in LINK_TYPES.items()
            if ref.get("id") == t or str(ref.get("name", "")).lower() == name.lower()
        ),
        None,
    )
    if type_id is None:
        raise JiraError(404, f"No issue link type with name '{ref.get('name')}' found.")
    sides = []
    for side in ("inwardIssue", "outwardIssue"):
        target: dict[str, Any] = body[side] if isinstance(body.get(side), dict) else {}
        issue = call.state.issue(str(target.get("key") or target.get("id") or ""))
        if issue is None:
            raise JiraError(404, "Issue Does Not Exist")
        sides.append(issue)
    link_id = call.state.next_id()
    call.state.links[link_id] = {
        "id": link_id,
        "type": type_id,
        "inward": sides[0].id,
        "outward": sides[1].id,
    }
    comment = body.get("comment")
    if isinstance(comment, dict) and comment.get("body"):
        from .comments import add_comment_to  # the comment goes on the outward issue, as Jira does

        add_comment_to(call, sides[1], comment)
    return json_response(None, 201)


def get_link_types(call: Call) -> Response:
    return json_response({"issueLinkTypes": [link_type_json(call.api, t) for t in LINK_TYPES]})


def get_remote_links(call: Call) -> Response:
    issue = issue_of(call)
    wanted = call.query("globalId")
    links = [dict(link) for link in issue.remote_links if wanted is None or link.get("globalId") == wanted]
    if wanted is not None and not links:
        raise JiraError(404, "No remote link with the given globalId exists for this issue.")
    return json_response(links[0] if wanted is not None else links)


def create_remote_link(call: Call) -> Response:
    issue = issue_of(call)
    body = call.body_object()
    target = body.get("object")
    if not isinstance(target, dict) or not target.get("url") or not target.get("title"):
        raise JiraError(
            400,
            errors={"title": "'title' is required.", "url": "'url' is required."}
            if not isinstance(target, dict)
            else {k: f"'{k}' is required." for k in ("url", "title") if not target.get(k)},
        )
    global_id = body.get("globalId")
    existing = next(
        (link for link in issue.remote_links if global_id and link.get("globalId") == global_id), None
    )
    values = {k: body[k] for k in ("globalId", "application", "relationship") if body.get(k) is not None}
    values["object"] = target
    if existing is not None:
        existing.update(values)
        return json_response({"id": existing["id"], "self": existing["self"]}, 200)
    link_id = int(call.state.next_id())
    link = {"id": link_id, "self": f"{call.api}/issue/{issue.key}/remotelink/{link_id}", **values}
    issue.remote_links.append(link)
    return json_response({"id": link_id, "self": link["self"]}, 201)


def _search(call: Call, query: str, start: int, size: int, fields: list[str] | None) -> Response:
    found = jql.search(call.state, call.me.account_id, query)
    issues = [issue_json(call.api, call.state, i, fields, default="*navigable") for i in found]
    return json_response(paged(issues, start, size, "issues", expand="schema,names", warningMessages=[]))


def search_get(call: Call) -> Response:
    start, size = call.window(50, 100)
    return _search(call, call.query("jql") or "", start, size, call.query_list("fields") or None)


def search_post(call: Call) -> Response:
    body = call.body_object()
    unknown = set(body) - {
        "jql",
        "startAt",
        "maxResults",
        "fields",
        "validateQuery",
        "expand",
        "properties",
        "fieldsByKeys",
    }
    if unknown:
        raise JiraError(400, f'Unrecognized field "{sorted(unknown)[0]}"')
    start, size = call.window(50, 100, source=body)
    fields = body.get("fields")
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        raise JiraError(400, "'fields' must be a list of field ids.")
    return _search(call, body.get("jql") or "", start, size, fields)


def routes(jira: Jira) -> list[Route]:
    one = "/issue/{issueIdOrKey}"
    return [
        jira.route("POST", "/issue", create_issue, WRITE),
        jira.route("GET", one, get_issue),
        jira.route("PUT", one, edit_issue, WRITE),
        jira.route("DELETE", one, delete_issue, WRITE),
        jira.route("PUT", one + "/assignee", assign_issue, WRITE),
        jira.route("GET", one + "/transitions", get_transitions),
        jira.route("POST", one + "/transitions", do_transition, WRITE),
        jira.route("GET", one + "/changelog", get_changelogs),
        jira.route("GET", one + "/watchers", get_watchers),
        jira.route("POST", one + "/watchers", add_watcher, WRITE),
        jira.route("GET", one + "/remotelink", get_remote_links),
        jira.route("POST", one + "/remotelink", create_remote_link, WRITE),
        jira.route("POST", "/issueLink", link_issues, WRITE),
        jira.route("GET", "/issueLinkType", get_link_types),
        jira.route("GET", "/search", search_get),
        jira.route("POST", "/search", search_post),
    ]
