"""Jira tools whose plain-text inputs become Atlassian Document Format: issues and comments.

The v3 API takes descriptions and comment bodies only as ADF documents (a
nested JSON tree), which function-calling schemas cannot describe well, so
these tools take plain text (one paragraph per line) and flat fields
(`project_key`, `issue_type`, `assignee_account_id`...) and build Jira's
``{"fields": {...}}`` body. Every call goes through `context.request`.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.execution.handlers import ToolContext, ToolError

API = "/rest/api/3"


def adf(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: one paragraph per line, blank lines kept as empty paragraphs."""
    content = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} if line else {"type": "paragraph"}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": content}


async def jira(
    context: ToolContext,
    method: str,
    path: str,
    body: Any = None,
    params: dict[str, str] | None = None,
) -> Any:
    """One Jira call; an error answer becomes a ToolError carrying Jira's messages and the status."""
    outcome = await context.request(method, API + path, json=body, params=params)
    response = outcome.response
    if response is None:
        raise ToolError(outcome.message)
    try:
        data = json.loads(response.content) if response.content else None
    except ValueError:
        data = None
    if response.status_code >= 400:
        detail = data if isinstance(data, dict) else {}
        messages = list(detail.get("errorMessages") or [])
        messages += [f"{k}: {v}" for k, v in (detail.get("errors") or {}).items()]
        message = (
            "; ".join(messages) or detail.get("message") or response.content[:300].decode(errors="replace")
        )
        raise ToolError(
            f"{response.status_code}: {message}", {"status_code": response.status_code, "message": data}
        )
    return data


def _issue_fields(args: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.get("summary") is not None:
        fields["summary"] = args["summary"]
    if args.get("description") is not None:
        fields["description"] = adf(args["description"])
    if args.get("issue_type"):
        kind = str(args["issue_type"])
        fields["issuetype"] = {"id": kind} if kind.isdigit() else {"name": kind}
    if args.get("priority"):
        priority = str(args["priority"])
        fields["priority"] = {"id": priority} if priority.isdigit() else {"name": priority}
    if args.get("unassign"):
        fields["assignee"] = None
    elif args.get("assignee_account_id"):
        fields["assignee"] = {"accountId": args["assignee_account_id"]}
    if args.get("labels") is not None:
        fields["labels"] = list(args["labels"])
    if args.get("clear_due_date"):
        fields["duedate"] = None
    elif args.get("due_date"):
        fields["duedate"] = args["due_date"]
    if args.get("parent_key"):
        fields["parent"] = {"key": args["parent_key"]}
    return fields


async def create_issue(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    project = str(args["project_key"])
    fields = {"project": {"id": project} if project.isdigit() else {"key": project}, **_issue_fields(args)}
    fields.setdefault("issuetype", {"name": "Task"})
    return await jira(context, "POST", "/issue", {"fields": fields})


async def edit_issue(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    fields = _issue_fields(args)
    update: dict[str, Any] = {}
    ops = [{"add": label} for label in args.get("add_labels") or []]
    ops += [{"remove": label} for label in args.get("remove_labels") or []]
    if ops:
        if "labels" in fields:
            raise ToolError("Pass either labels (the whole new list) or add_labels/remove_labels, not both")
        update["labels"] = ops
    if not fields and not update:
        raise ToolError("Nothing to change: pass at least one field to update")
    body: dict[str, Any] = {"fields": fields}
    if update:
        body["update"] = update
    key = args["issue_id_or_key"]
    params = {"notifyUsers": "true" if args.get("notify_users", True) else "false"}
    await jira(context, "PUT", f"/issue/{key}", body, params)  # 204: read the result back
    return await jira(context, "GET", f"/issue/{key}")


def _comment_body(args: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"body": adf(args["comment"])}
    if args.get("visibility_group"):
        body["visibility"] = {"type": "group", "value": args["visibility_group"]}
    elif args.get("visibility_role"):
        body["visibility"] = {"type": "role", "value": args["visibility_role"]}
    return body


async def add_comment(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    return await jira(context, "POST", f"/issue/{args['issue_id_or_key']}/comment", _comment_body(args))


async def update_comment(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    path = f"/issue/{args['issue_id_or_key']}/comment/{args['comment_id']}"
    return await jira(context, "PUT", path, _comment_body(args))


async def add_worklog(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    body: dict[str, Any] = {"timeSpent": args["time_spent"]}
    if args.get("started"):
        body["started"] = args["started"]
    if args.get("comment"):
        body["comment"] = adf(args["comment"])
    return await jira(context, "POST", f"/issue/{args['issue_id_or_key']}/worklog", body)
