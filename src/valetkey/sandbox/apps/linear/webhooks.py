"""Linear webhooks: ``webhookCreate`` / ``webhookUpdate`` / ``webhookDelete``, ``webhooks``, and the deliveries.

A webhook (admin only: the ``admin`` scope, or an admin's API key) listens to
``resourceTypes`` (``Issue``, ``Comment``...) of one team (``teamId``) or of
every public team (``allPublicTeams: true``). Its signing ``secret`` is the one
given, else generated (``lin_wh_...``). When an issue is created or updated or a
comment created through the API, Linear POSTs::

    {"action": "create" | "update", "type": "Issue", "data": {...}, "updatedFrom": {...}?,
     "url", "createdAt", "actor": {"id", "type": "user", "name", "email", "url"},
     "organizationId", "webhookTimestamp": <ms>, "webhookId"}

with ``Linear-Delivery`` (a UUID), ``Linear-Event`` (the type), and
``Linear-Signature`` (hex HMAC-SHA256 of the body with the secret). The receiver
has 5 seconds to answer 200; Linear retries after 1 minute, 1 hour and 6 hours,
each retry carrying its own ``webhookTimestamp`` (so signed afresh).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from valetkey.sandbox.webhooks import Deliveries, Outcome, RetryPolicy

from .state import (
    ORG_URL_KEY,
    PRIORITY_LABELS,
    Comment,
    Issue,
    LinearState,
    User,
    Webhook,
    new_id,
    now,
    slugify,
)

USER_AGENT = "Linear-Webhook"
TIMEOUT = 5.0
RETRIES = RetryPolicy((60.0, 3600.0, 6 * 3600.0))
RESOURCE_TYPES = (
    "Issue",
    "Comment",
    "IssueLabel",
    "Project",
    "ProjectUpdate",
    "Cycle",
    "Reaction",
    "IssueAttachment",
    "Document",
    "Initiative",
    "Customer",
    "CustomerNeed",
    "User",
)


def linear_signature(secret: str, body: bytes) -> str:
    """``Linear-Signature``: the hex HMAC-SHA256 of the raw body with the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    return "lin_wh_" + secrets.token_hex(20)


def issue_data(state: LinearState, issue: Issue) -> dict[str, Any]:
    """An issue as Linear's webhook ``data`` carries it: ids of relations plus a few nested objects."""
    team = state.teams[issue.team_id]
    workflow = state.states[issue.state_id]
    identifier = state.identifier(issue)
    return {
        "id": issue.id,
        "createdAt": issue.created_at,
        "updatedAt": issue.updated_at,
        "archivedAt": issue.archived_at,
        "number": issue.number,
        "title": issue.title,
        "description": issue.description,
        "priority": issue.priority,
        "priorityLabel": PRIORITY_LABELS.get(issue.priority, "No priority"),
        "estimate": issue.estimate,
        "dueDate": issue.due_date,
        "identifier": identifier,
        "url": f"https://linear.app/{ORG_URL_KEY}/issue/{identifier}/{slugify(issue.title)}",
        "teamId": team.id,
        "stateId": workflow.id,
        "assigneeId": issue.assignee_id,
        "creatorId": issue.creator_id,
        "projectId": issue.project_id,
        "parentId": issue.parent_id,
        "labelIds": [],
        "subscriberIds": [i for i in (issue.creator_id, issue.assignee_id) if i],
        "completedAt": issue.completed_at,
        "canceledAt": issue.canceled_at,
        "trashed": issue.trashed or None,
        "state": {"id": workflow.id, "name": workflow.name, "color": workflow.color, "type": workflow.type},
        "team": {"id": team.id, "key": team.key, "name": team.name},
        "labels": [],
    }


def comment_data(state: LinearState, comment: Comment) -> dict[str, Any]:
    issue = state.issues[comment.issue_id]
    user = state.users.get(comment.user_id or "")
    return {
        "id": comment.id,
        "createdAt": comment.created_at,
        "updatedAt": comment.updated_at,
        "body": comment.body,
        "issueId": issue.id,
        "userId": comment.user_id,
        "issue": {
            "id": issue.id,
            "title": issue.title,
            "identifier": state.identifier(issue),
            "teamId": issue.team_id,
            "url": issue_data(state, issue)["url"],
        },
        "user": {"id": user.id, "name": user.name, "email": user.email} if user else None,
    }


def _url(state: LinearState, kind: str, data: dict[str, Any]) -> str:
    if kind == "Comment":
        return f"{data['issue']['url']}#comment-{data['id'][:8]}"
    return data["url"]


def _actor(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "type": "user",
        "name": user.name,
        "email": user.email,
        "url": f"https://linear.app/{ORG_URL_KEY}/profiles/{user.subject}",
    }


@dataclass
class LinearWebhooks:
    deliveries: Deliveries

    def emit(
        self,
        state: LinearState,
        actor: User,
        kind: str,
        action: str,
        data: dict[str, Any],
        team_id: str,
        updated_from: dict[str, Any] | None = None,
    ) -> None:
        hooks = [
            h
            for h in state.webhooks.values()
            if h.enabled
            and kind in h.resource_types
            # The emulator's teams are all public.
            and (h.all_public_teams or h.team_id == team_id)
        ]
        for hook in hooks:
            payload: dict[str, Any] = {
                "action": action,
                "actor": _actor(actor),
                "createdAt": now(),
                "data": data,
                "url": _url(state, kind, data),
                "type": kind,
                "organizationId": state.org_id,
            }
            if updated_from is not None:
                payload["updatedFrom"] = updated_from
            self._send(hook, kind, payload)

    def _send(self, hook: Webhook, kind: str, payload: dict[str, Any]) -> None:
        secret, hook_id = hook.secret, hook.id
        delivery_id = new_id()

        def prepare(attempt: int, previous: Outcome | None) -> tuple[bytes, dict[str, str]]:
            body = json.dumps(
                {**payload, "webhookTimestamp": int(time.time() * 1000), "webhookId": hook_id},
                separators=(",", ":"),
            ).encode()
            return body, {
                "Content-Type": "application/json; charset=utf-8",
                "Linear-Delivery": delivery_id,
                "Linear-Event": kind,
                "Linear-Signature": linear_signature(secret, body),
            }

        self.deliveries.send(
            hook.url,
            kind,
            prepare,
            target=hook.id,
            retry=RETRIES,
            delivery_id=delivery_id,
            meta={"action": payload["action"]},
        )
