"""GitHub: repository webhooks through the hooks API, signed with ``X-Hub-Signature-256``.

`register` creates a hook on ``{owner}/{repo}`` (``POST /repos/{owner}/{repo}/hooks``)
for the type's events, delivering JSON to the instance's ingress URL with the
instance's own secret; `deregister` deletes it. GitHub sends a ``ping`` at once,
which the ingress answers 2xx (the instance is stored before registering). A
delivery is verified with the HMAC-SHA256 of its raw body under that secret,
in JSON or form (``payload=<json>``) encoding, and deduplicated on
``X-GitHub-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ValidationError
from valetkey.triggers.providers.base import (
    IngressRefused,
    IngressRequest,
    Parsed,
    Registered,
    Registration,
    upstream_problem,
)


def _repo_path(config: dict[str, Any]) -> str:
    return f"/repos/{quote(str(config['owner']), safe='')}/{quote(str(config['repo']), safe='')}"


class GitHub:
    async def register(self, registration: Registration) -> Registered:
        body = {
            "name": "web",
            "active": True,
            "events": list(registration.trigger.source.get("events", [])),
            "config": {
                "url": registration.ingress_url,
                "content_type": "json",
                "secret": registration.secret,
                "insecure_ssl": "0",
            },
        }
        path = _repo_path(registration.config) + "/hooks"
        outcome = await registration.call("POST", path, body, None)
        response = outcome.response
        if response is None or response.status not in (200, 201):
            raise upstream_problem(f"Creating the webhook on {path.removeprefix('/repos/')}", outcome)
        hook = json.loads(response.content)
        return Registered({"hook_id": hook["id"]})

    async def deregister(self, registration: Registration) -> None:
        hook_id = registration.provider_state.get("hook_id")
        if hook_id is None:
            return
        path = f"{_repo_path(registration.config)}/hooks/{int(hook_id)}"
        outcome = await registration.call("DELETE", path, None, None)
        status = outcome.status
        # Gone already, or the account lost access (its owner removes the hook in GitHub): nothing to undo here.
        if status is not None and (200 <= status < 300 or status in (401, 403, 404)):
            return
        raise upstream_problem(f"Deleting webhook {hook_id} on {path.removeprefix('/repos/')}", outcome)

    def verify(self, request: IngressRequest, secret: str) -> None:
        given = request.headers.get("x-hub-signature-256", "")
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not given:
            raise IngressRefused("The request has no X-Hub-Signature-256 header")
        if not hmac.compare_digest(given.strip(), expected):
            raise IngressRefused("X-Hub-Signature-256 does not match the body")

    def parse(self, request: IngressRequest, trigger: TriggerType, config: dict[str, Any]) -> Parsed:
        delivery = request.headers.get("x-github-delivery") or None
        event = request.headers.get("x-github-event", "")
        payload = _payload(request)
        if event == "ping" or event not in trigger.source.get("events", []):
            return Parsed(delivery, [], {"ok": True, "ignored": event or "unknown"})
        actions = trigger.source.get("actions")
        if actions and payload.get("action") not in actions:
            return Parsed(delivery, [], {"ok": True, "ignored": f"{event}.{payload.get('action')}"})
        shape = SHAPES[trigger.slug]
        return Parsed(delivery, shape(event, payload))


def _payload(request: IngressRequest) -> dict[str, Any]:
    try:
        if request.content_type.startswith("application/x-www-form-urlencoded"):
            values = parse_qs(request.body.decode(), strict_parsing=True).get("payload")
            if not values:
                raise ValueError("no payload field")
            data = json.loads(values[0])
        else:
            data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"The delivery body is not a GitHub event: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError("The delivery body is not a GitHub event object")
    return data


def _login(value: Any) -> str:
    return str(value.get("login", "")) if isinstance(value, dict) else ""


def _commits(event: str, p: dict[str, Any]) -> list[dict[str, Any]]:
    branch = str(p.get("ref", "")).removeprefix("refs/heads/")
    return [
        {
            "id": str(c.get("id", "")),
            "message": str(c.get("message", "")),
            "author": str((c.get("author") or {}).get("name", "")),
            "timestamp": str(c.get("timestamp", "")),
            "url": str(c.get("url", "")),
            "branch": branch,
        }
        for c in p.get("commits") or []
        if isinstance(c, dict)
    ]


def _issue(event: str, p: dict[str, Any]) -> list[dict[str, Any]]:
    issue = p.get("issue") or {}
    return [
        {
            "action": str(p.get("action", "")),
            "issue_id": issue.get("id"),
            "number": issue.get("number"),
            "title": str(issue.get("title", "")),
            "description": issue.get("body"),
            "createdBy": _login(issue.get("user")),
            "createdAt": str(issue.get("created_at", "")),
            "url": str(issue.get("html_url", "")),
        }
    ]


def _pull(event: str, p: dict[str, Any]) -> list[dict[str, Any]]:
    pr = p.get("pull_request") or {}
    return [
        {
            "action": str(p.get("action", "")),
            "id": pr.get("id"),
            "number": pr.get("number", p.get("number")),
            "title": str(pr.get("title", "")),
            "description": pr.get("body"),
            "createdBy": _login(pr.get("user")),
            "createdAt": str(pr.get("created_at", "")),
            "url": str(pr.get("html_url", "")),
        }
    ]


def _star(event: str, p: dict[str, Any]) -> list[dict[str, Any]]:
    repo = p.get("repository") or {}
    return [
        {
            "action": str(p.get("action", "")),
            "repository_id": repo.get("id"),
            "repository_name": str(repo.get("full_name", "")),
            "repository_url": str(repo.get("html_url", "")),
            "starred_at": p.get("starred_at"),
            "starred_by": _login(p.get("sender")),
        }
    ]


def _label(event: str, p: dict[str, Any]) -> list[dict[str, Any]]:
    item = p.get("issue") if event == "issues" else p.get("pull_request")
    item = item or {}
    return [
        {
            "action": str(p.get("action", "")),
            "label": str((p.get("label") or {}).get("name", "")),
            "number": item.get("number"),
            "title": str(item.get("title", "")),
            "kind": "issue" if event == "issues" else "pull_request",
            "labeledBy": _login(p.get("sender")),
            "url": str(item.get("html_url", "")),
        }
    ]


SHAPES: dict[str, Callable[[str, dict[str, Any]], list[dict[str, Any]]]] = {
    "GITHUB_COMMIT_EVENT": _commits,
    "GITHUB_ISSUE_ADDED_EVENT": _issue,
    "GITHUB_PULL_REQUEST_EVENT": _pull,
    "GITHUB_STAR_ADDED_EVENT": _star,
    "GITHUB_LABEL_ADDED_EVENT": _label,
}
