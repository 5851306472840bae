"""Jira's JSON for users, projects, issue types, statuses, priorities, issues, comments and worklogs."""

from __future__ import annotations

from typing import Any

from .state import (
    FIELDS,
    ISSUE_TYPES,
    LINK_TYPES,
    PRIORITIES,
    STATUSES,
    Comment,
    Issue,
    JiraState,
    Project,
    User,
    Worklog,
)


def user_json(api: str, user: User, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": f"{api}/user?accountId={user.account_id}",
        "accountId": user.account_id,
        "accountType": "atlassian",
        "emailAddress": user.email,
        "avatarUrls": {"48x48": f"https://avatar-management.example/{user.account_id}/48"},
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
    }
    if full:
        out.update(locale="en_GB", groups={"size": 1, "items": []}, applicationRoles={"size": 1, "items": []})
    return out


def issue_type_json(api: str, type_id: str) -> dict[str, Any]:
    kind = ISSUE_TYPES[type_id]
    return {
        "self": f"{api}/issuetype/{type_id}",
        "id": type_id,
        "name": kind["name"],
        "description": kind["description"],
        "subtask": kind["subtask"],
        "hierarchyLevel": kind["level"],
        "iconUrl": f"{api}/issuetype/{type_id}/avatar",
    }


def status_json(api: str, status_id: str) -> dict[str, Any]:
    status = STATUSES[status_id]
    cat_id, cat_key, cat_name, colour = status["category"]
    return {
        "self": f"{api}/status/{status_id}",
        "id": status_id,
        "name": status["name"],
        "description": "",
        "statusCategory": {"id": cat_id, "key": cat_key, "name": cat_name, "colorName": colour},
    }


def priority_json(api: str, priority_id: str) -> dict[str, Any]:
    name, colour = PRIORITIES[priority_id]
    return {"self": f"{api}/priority/{priority_id}", "id": priority_id, "name": name, "statusColor": colour}


def project_json(api: str, state: JiraState, project: Project, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": f"{api}/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": project.project_type,
        "simplified": False,
        "style": "classic",
        "isPrivate": False,
    }
    if full:
        lead = state.user(project.lead)
        out.update(
            description=project.description,
            lead=user_json(api, lead) if lead else None,
            issueTypes=[issue_type_json(api, t) for t in ISSUE_TYPES],
            assigneeType="UNASSIGNED",
        )
    return out


def link_type_json(api: str, type_id: str) -> dict[str, Any]:
    name, inward, outward = LINK_TYPES[type_id]
    return {
        "id": type_id,
        "name": name,
        "inward": inward,
        "outward": outward,
        "self": f"{api}/issueLinkType/{type_id}",
    }


def comment_json(api: str, state: JiraState, issue: Issue, comment: Comment) -> dict[str, Any]:
    author, editor = state.user(comment.author), state.user(comment.update_author)
    out = {
        "self": f"{api}/issue/{issue.id}/comment/{comment.id}",
        "id": comment.id,
        "author": user_json(api, author) if author else None,
        "body": comment.body,
        "updateAuthor": user_json(api, editor) if editor else None,
        "created": comment.created,
        "updated": comment.updated,
        "jsdPublic": True,
    }
    if comment.visibility:
        out["visibility"] = comment.visibility
    return out


def worklog_json(api: str, state: JiraState, issue: Issue, worklog: Worklog) -> dict[str, Any]:
    author = state.user(worklog.author)
    out = {
        "self": f"{api}/issue/{issue.id}/worklog/{worklog.id}",
        "id": worklog.id,
        "issueId": issue.id,
        "author": user_json(api, author) if author else None,
        "updateAuthor": user_json(api, author) if author else None,
        "started": worklog.started,
        "created": worklog.created,
        "updated": worklog.created,
        "timeSpent": duration_text(worklog.time_spent_seconds),
        "timeSpentSeconds": worklog.time_spent_seconds,
    }
    if worklog.comment:
        out["comment"] = worklog.comment
    return out


def duration_text(seconds: int) -> str:
    """Jira's duration: ``1w 2d 3h 20m`` with 8-hour days and 5-day weeks."""
    minutes, parts = seconds // 60, []
    for unit, size in (("w", 5 * 8 * 60), ("d", 8 * 60), ("h", 60), ("m", 1)):
        if minutes >= size:
            parts.append(f"{minutes // size}{unit}")
            minutes %= size
    return " ".join(parts) or "0m"


def issue_links_json(api: str, state: JiraState, issue: Issue) -> list[dict[str, Any]]:
    out = []
    for link in state.links.values():
        if issue.id not in (link["inward"], link["outward"]):
            continue
        other_id, side = (
            (link["inward"], "inwardIssue")
            if link["outward"] == issue.id
            else (link["outward"], "outwardIssue")
        )
        other = state.issues.get(other_id)
        if other is None:
            continue
        out.append(
            {
                "id": link["id"],
                "self": f"{api}/issueLink/{link['id']}",
                "type": link_type_json(api, link["type"]),
                side: {
                    "id": other.id,
                    "key": other.key,
                    "self": f"{api}/issue/{other.id}",
                    "fields": {"summary": other.summary, "status": status_json(api, other.status)},
                },
            }
        )
    return out


def issue_fields(api: str, state: JiraState, issue: Issue) -> dict[str, Any]:
    """Every field of the issue, keyed by field id."""
    assignee, reporter = state.user(issue.assignee), state.user(issue.reporter)
    project = state.projects[issue.project]
    parent = state.issues.get(issue.parent) if issue.parent else None
    done = STATUSES[issue.status]["category"][1] == "done"
    subtasks = [i for i in state.issues.values() if i.parent == issue.id]
    return {
        "summary": issue.summary,
        "description": issue.description,
        "issuetype": issue_type_json(api, issue.issue_type),
        "project": project_json(api, state, project),
        "status": status_json(api, issue.status),
        "priority": priority_json(api, issue.priority),
        "assignee": user_json(api, assignee) if assignee else None,
        "reporter": user_json(api, reporter) if reporter else None,
        "creator": user_json(api, reporter) if reporter else None,
        "labels": list(issue.labels),
        "duedate": issue.duedate,
        "parent": {"id": parent.id, "key": parent.key, "self": f"{api}/issue/{parent.id}"}
        if parent
        else None,
        "subtasks": [{"id": s.id, "key": s.key, "self": f"{api}/issue/{s.id}"} for s in subtasks],
        "issuelinks": issue_links_json(api, state, issue),
        "resolution": {"id": "10000", "name": "Done"} if done else None,
        "resolutiondate": issue.resolution_date,
        "created": issue.created,
        "updated": issue.updated,
        "watches": {"watchCount": len(issue.watchers), "isWatching": False},
        "comment": {
            "comments": [comment_json(api, state, issue, c) for c in issue.comments],
            "maxResults": len(issue.comments),
            "total": len(issue.comments),
            "startAt": 0,
        },
        "worklog": {
            "worklogs": [worklog_json(api, state, issue, w) for w in issue.worklogs],
            "maxResults": len(issue.worklogs),
            "total": len(issue.worklogs),
            "startAt": 0,
        },
        "customfield_10016": None,
    }


NAVIGABLE = {
    "summary",
    "description",
    "issuetype",
    "project",
    "status",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "duedate",
    "parent",
    "subtasks",
    "issuelinks",
    "resolution",
    "resolutiondate",
    "created",
    "updated",
    "watches",
    "customfield_10016",
}


def issue_json(
    api: str, state: JiraState, issue: Issue, wanted: list[str] | None = None, default: str = "*all"
) -> dict[str, Any]:
    """The issue with the `fields` Jira's ``fields`` parameter selects (``*all``, ``*navigable``, ids, ``-id``)."""
    every = issue_fields(api, state, issue)
    selectors = wanted or [default]
    chosen: set[str] = set()
    for item in selectors:
        if item == "*all":
            chosen |= set(every)
        elif item == "*navigable":
            chosen |= NAVIGABLE
        elif not item.startswith("-"):
            chosen.add(item)
    for item in selectors:
        if item.startswith("-"):
            chosen.discard(item[1:])
    return {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id,
        "self": f"{api}/issue/{issue.id}",
        "key": issue.key,
        "fields": {k: v for k, v in every.items() if k in chosen},
    }


def field_json(field_id: str, name: str, kind: str, custom: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if custom:
        schema.update(custom="com.atlassian.jira.plugin.system.customfieldtypes:float", customId=10016)
    else:
        schema["system"] = field_id
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": custom,
        "orderable": field_id not in ("status", "created", "updated", "comment"),
        "navigable": True,
        "searchable": True,
        "clauseNames": ["cf[10016]", name] if custom else [field_id],
        "schema": schema,
    }


def all_fields() -> list[dict[str, Any]]:
    return [field_json(*f) for f in FIELDS]
