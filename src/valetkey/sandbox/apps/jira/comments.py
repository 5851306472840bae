"""Comments and worklogs of an issue."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator_http import json_response

from .issues import _check_adf, issue_of
from .kit import READ, WRITE, Call, Jira, JiraError, paged
from .render import comment_json, worklog_json
from .state import Comment, Issue, Worklog, now

DURATION = re.compile(r"^\s*(?:(\d+)w)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*$")


def add_comment_to(call: Call, issue: Issue, body: dict[str, Any]) -> Comment:
    doc = _check_adf(body.get("body"), "comment")
    if doc is None:
        raise JiraError(400, errors={"comment": "Comment body can not be empty!"})
    visibility = body.get("visibility")
    if visibility is not None and not (
        isinstance(visibility, dict) and visibility.get("type") in ("group", "role")
    ):
        raise JiraError(400, errors={"visibility": "Visibility type must be 'group' or 'role'."})
    stamp = now()
    comment = Comment(
        call.state.next_id(), call.me.account_id, doc, stamp, stamp, call.me.account_id, visibility
    )
    issue.comments.append(comment)
    issue.updated = stamp
    return comment


def comment_of(call: Call, issue: Issue) -> Comment:
    comment = next((c for c in issue.comments if c.id == call.params["id"]), None)
    if comment is None:
        raise JiraError(404, f"Can not find a comment for the id: {call.params['id']}.")
    return comment


def get_comments(call: Call) -> Response:
    issue = issue_of(call)
    start, size = call.window(5000, 5000)
    items = list(issue.comments)
    order = call.query("orderBy", "created")
    if order not in ("created", "-created", "+created"):
        raise JiraError(400, "orderBy must be 'created', '-created' or '+created'.")
    if order == "-created":
        items.reverse()
    rendered = [comment_json(call.api, call.state, issue, c) for c in items]
    return json_response(paged(rendered, start, size, "comments"))


def add_comment(call: Call) -> Response:
    issue = issue_of(call)
    comment = add_comment_to(call, issue, call.body_object())
    return json_response(comment_json(call.api, call.state, issue, comment), 201)


def get_comment(call: Call) -> Response:
    issue = issue_of(call)
    return json_response(comment_json(call.api, call.state, issue, comment_of(call, issue)))


def update_comment(call: Call) -> Response:
    issue = issue_of(call)
    comment = comment_of(call, issue)
    if comment.author != call.me.account_id:
        raise JiraError(403, "You do not have the permission to edit this comment.")
    body = call.body_object()
    doc = _check_adf(body.get("body"), "comment")
    if doc is None:
        raise JiraError(400, errors={"comment": "Comment body can not be empty!"})
    comment.body, comment.updated, comment.update_author = doc, now(), call.me.account_id
    if "visibility" in body:
        comment.visibility = body["visibility"]
    return json_response(comment_json(call.api, call.state, issue, comment))


def delete_comment(call: Call) -> Response:
    issue = issue_of(call)
    comment = comment_of(call, issue)
    if comment.author != call.me.account_id:
        raise JiraError(403, "You do not have the permission to delete this comment.")
    issue.comments.remove(comment)
    return json_response(None, 204)


def get_worklogs(call: Call) -> Response:
    issue = issue_of(call)
    start, size = call.window(5000, 5000)
    rendered = [worklog_json(call.api, call.state, issue, w) for w in issue.worklogs]
    return json_response(paged(rendered, start, size, "worklogs"))


def seconds_of(body: dict[str, Any]) -> int:
    if "timeSpentSeconds" in body:
        value = body["timeSpentSeconds"]
        if not isinstance(value, int) or value <= 0:
            raise JiraError(400, errors={"timeLogged": "Time spent must be more than zero."})
        return value
    text = body.get("timeSpent")
    match = DURATION.match(text) if isinstance(text, str) and text.strip() else None
    if match is None:
        raise JiraError(400, errors={"timeLogged": "You must indicate the time spent working."})
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    total = ((weeks * 5 + days) * 8 * 60 + hours * 60 + minutes) * 60
    if total <= 0:
        raise JiraError(400, errors={"timeLogged": "Time spent must be more than zero."})
    return total


def add_worklog(call: Call) -> Response:
    issue = issue_of(call)
    body = call.body_object()
    seconds = seconds_of(body)
    started = body.get("started") or now()
    if not isinstance(started, str) or not re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$", started
    ):
        raise JiraError(400, errors={"started": "Date started: expected format yyyy-MM-dd'T'HH:mm:ss.SSSZ"})
    comment = _check_adf(body.get("comment"), "comment")
    worklog = Worklog(call.state.next_id(), call.me.account_id, seconds, started, now(), comment)
    issue.worklogs.append(worklog)
    issue.updated = worklog.created
    return json_response(worklog_json(call.api, call.state, issue, worklog), 201)


def routes(jira: Jira) -> list[Route]:
    one = "/issue/{issueIdOrKey}"
    return [
        jira.route("GET", one + "/comment", get_comments, READ),
        jira.route("POST", one + "/comment", add_comment, WRITE),
        jira.route("GET", one + "/comment/{id}", get_comment, READ),
        jira.route("PUT", one + "/comment/{id}", update_comment, WRITE),
        jira.route("DELETE", one + "/comment/{id}", delete_comment, WRITE),
        jira.route("GET", one + "/worklog", get_worklogs, READ),
        jira.route("POST", one + "/worklog", add_worklog, WRITE),
    ]
