"""Repository webhooks: ``/repos/{owner}/{repo}/hooks...`` and the signed deliveries GitHub sends.

The hooks API as GitHub documents it: create (``name`` ``web``, ``config.url``
required, ``content_type`` ``form`` (default) or ``json``, ``secret``,
``insecure_ssl`` ``"0"``/``"1"``; ``events`` default ``["push"]``, ``"*"`` for
all; ``active`` default true), list, get, update (``config``, ``events``,
``add_events``, ``remove_events``, ``active``), delete, ``/config``,
``/pings``, ``/tests``, and the deliveries log (``/deliveries``,
``/deliveries/{id}``, ``/deliveries/{id}/attempts`` to redeliver). The secret is
never shown back (``"********"``). Managing hooks takes the repository's owner
with ``repo``, ``admin:repo_hook`` or ``write:repo_hook`` (``read:repo_hook``
to read); anyone else gets 404.

`HookSender.emit` is what the other handlers call when something happens: it
sends the event to every active hook of the repository subscribed to it, with
``X-GitHub-Event``, ``X-GitHub-Delivery`` (a GUID), ``X-GitHub-Hook-ID``,
``X-GitHub-Hook-Installation-Target-Type``/``-ID``, ``X-Hub-Signature`` (sha1)
and ``X-Hub-Signature-256`` (``sha256=`` hex HMAC of the body as sent) when the
hook has a secret, and the body as JSON or as ``payload=<urlencoded JSON>``. A
``ping`` goes out right after a hook is created. GitHub does not retry a
failed delivery; the deliveries API shows it and redelivers on request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlsplit

from starlette.responses import Response

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import int_param
from valetkey.sandbox.webhooks import Deliveries, Delivery, Outcome

from .events import push_payload
from .kit import Call, GitHub, GitHubError, not_found
from .render import repo_json, simple_user
from .state import GitHubState, Hook, Repo, now

USER_AGENT = "GitHub-Hookshot/5e1f6a2"
ZEN = "Keep it logically awesome."
#: The repository events a hook may subscribe to (GitHub's webhook event names).
EVENTS = frozenset(
    {
        "*",
        "branch_protection_rule",
        "check_run",
        "check_suite",
        "commit_comment",
        "create",
        "delete",
        "deployment",
        "deployment_status",
        "discussion",
        "discussion_comment",
        "fork",
        "gollum",
        "issue_comment",
        "issues",
        "label",
        "member",
        "meta",
        "milestone",
        "public",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "pull_request_review_thread",
        "push",
        "release",
        "repository",
        "star",
        "status",
        "watch",
        "workflow_dispatch",
        "workflow_job",
        "workflow_run",
    }
)
WRITE_SCOPES = {"repo", "admin:repo_hook", "write:repo_hook"}
READ_SCOPES = WRITE_SCOPES | {"read:repo_hook"}


def signature_256(secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256``: ``sha256=`` and the hex HMAC-SHA256 of the body with the hook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class HookSender:
    """Builds and queues GitHub's hook deliveries; one per emulator (it numbers the deliveries)."""

    deliveries: Deliveries
    store: StateStore[GitHubState]
    numbers: Any = field(default_factory=lambda: itertools.count(1))

    def emit(self, call: Call, repo: Repo, event: str, payload: dict[str, Any]) -> None:
        """Send `event` to every active hook of `repo` that wants it; `repository` and `sender` are added."""
        hooks = [h for h in repo.hooks.values() if h.wants(event)]
        if not hooks:
            return
        body = {**payload, "repository": repo_json(call.state, repo, call.api)}
        if call.login:
            body["sender"] = simple_user(call.state.user(call.login), call.api)
        for hook in hooks:
            self.deliver(call.state, repo, hook, event, body, call.api)

    def deliver(
        self, state: GitHubState, repo: Repo, hook: Hook, event: str, payload: dict[str, Any], api: str
    ) -> Delivery:
        raw = json.dumps(payload, separators=(",", ":")).encode()
        if hook.content_type == "json":
            body, content_type = raw, "application/json"
        else:
            body, content_type = b"payload=" + quote_plus(raw).encode(), "application/x-www-form-urlencoded"
        secret, hook_id, repo_id = hook.secret, hook.id, repo.id

        def prepare(attempt: int, previous: Outcome | None) -> tuple[bytes, dict[str, str]]:
            return body, self._headers(delivery_guid[0], event, hook_id, repo_id, content_type, secret, body)

        delivery_guid = [""]
        delivery = self.deliveries.send(
            hook.url,
            event,
            prepare,
            target=str(hook.id),
            meta={
                "number": next(self.numbers),
                "hook_id": hook.id,
                "repository_id": repo.id,
                "action": payload.get("action"),
                "redelivery": False,
                "payload": payload,
            },
            on_done=lambda d: self._record_response(hook, d),
        )
        delivery_guid[0] = delivery.id
        return delivery

    @staticmethod
    def _headers(
        guid: str,
        event: str,
        hook_id: int,
        repo_id: int,
        content_type: str,
        secret: str | None,
        body: bytes,
    ) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": content_type,
            "Accept": "*/*",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(hook_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": str(repo_id),
        }
        if secret:
            headers["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature-256"] = signature_256(secret, body)
        return headers

    def _record_response(self, hook: Hook, delivery: Delivery) -> None:
        outcome = delivery.attempts[-1].outcome if delivery.attempts else None
        if outcome is None:
            return
        with self.store.transaction():
            self._set_last_response(hook, outcome)

    @staticmethod
    def _set_last_response(hook: Hook, outcome: Outcome) -> None:
        if outcome.status is None:
            hook.last_response = {"code": None, "status": outcome.error, "message": _failure(outcome.error)}
        else:
            hook.last_response = {
                "code": outcome.status,
                "status": "active" if outcome.ok else "failed",
                "message": "OK" if outcome.ok else f"Invalid HTTP Response: {outcome.status}",
            }


def _failure(error: str | None) -> str:
    return {"timeout": "timed out", "connection_failed": "failed to connect to host"}.get(
        error or "", error or "unknown error"
    )


# -- the hooks API ---------------------------------------------------------------------------------


def _hook_repo(call: Call, *, write: bool) -> Repo:
    """The repository if the caller may manage its hooks (its owner with a hook scope); else 404."""
    login = call.require_login()
    repo = call.readable_repo()
    if login != repo.owner or not (WRITE_SCOPES if write else READ_SCOPES) & set(call.scopes):
        raise not_found()
    return repo


def _hook(call: Call, repo: Repo) -> Hook:
    try:
        hook = repo.hooks.get(int(call.params["hook_id"]))
    except ValueError:
        hook = None
    if hook is None:
        raise not_found()
    return hook


def hook_json(repo: Repo, hook: Hook, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/hooks/{hook.id}"
    return {
        "type": "Repository",
        "id": hook.id,
        "name": "web",
        "active": hook.active,
        "events": list(hook.events),
        "config": config_json(hook),
        "updated_at": hook.updated_at,
        "created_at": hook.created_at,
        "url": url,
        "test_url": url + "/test",
        "ping_url": url + "/pings",
        "deliveries_url": url + "/deliveries",
        "last_response": dict(hook.last_response),
    }


def config_json(hook: Hook) -> dict[str, Any]:
    config: dict[str, Any] = {
        "content_type": hook.content_type,
        "insecure_ssl": hook.insecure_ssl,
        "url": hook.url,
    }
    if hook.secret:
        config["secret"] = "********"
    return config


def _invalid_hook(message: str) -> GitHubError:
    return GitHubError(422, "Validation Failed", [{"resource": "Hook", "code": "custom", "message": message}])


def _apply_config(hook: Hook, config: Any, *, partial: bool) -> None:
    if not isinstance(config, dict):
        raise GitHubError(422, "Invalid request.\n\nFor 'properties/config', it is not an object.")
    unknown = set(config) - {"url", "content_type", "secret", "insecure_ssl"}
    if unknown:
        raise GitHubError(
            422, f"Invalid request.\n\n{', '.join(sorted(unknown))} are not permitted keys for config."
        )
    if "url" in config or not partial:
        url = config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise _invalid_hook("Config must contain URL for webhooks")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GitHubError(
                422,
                "Validation Failed",
                [{"resource": "Hook", "code": "custom", "field": "url", "message": "url is not supported"}],
            )
        hook.url = url
    if "content_type" in config:
        if config["content_type"] not in ("json", "form"):
            raise _invalid_hook("content_type must be json or form")
        hook.content_type = config["content_type"]
    if "secret" in config:
        secret = config["secret"]
        if secret is not None and not isinstance(secret, str):
            raise GitHubError(422, "Invalid request.\n\nFor 'properties/secret', it is not a string.")
        hook.secret = secret or None
    if "insecure_ssl" in config:
        value = str(config["insecure_ssl"])
        if value not in ("0", "1"):
            raise _invalid_hook("insecure_ssl must be 0 or 1")
        hook.insecure_ssl = value


def _event_names(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
        raise GitHubError(422, f"Invalid request.\n\nFor 'properties/{name}', it is not an array of strings.")
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        raise GitHubError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "Hook",
                    "code": "invalid",
                    "field": "events",
                    "message": f"{unknown[0]} is not a valid event",
                }
            ],
        )
    return list(dict.fromkeys(value))


def _ping(call: Call, repo: Repo, hook: Hook, sender: HookSender) -> None:
    payload: dict[str, Any] = {
        "zen": ZEN,
        "hook_id": hook.id,
        "hook": hook_json(repo, hook, call.api),
        "repository": repo_json(call.state, repo, call.api),
    }
    if call.login:
        payload["sender"] = simple_user(call.state.user(call.login), call.api)
    sender.deliver(call.state, repo, hook, "ping", payload, call.api)


def routes(github: GitHub, sender: HookSender) -> list:
    base = "/repos/{owner}/{repo}/hooks"

    def list_hooks(call: Call) -> Response:
        repo = _hook_repo(call, write=False)
        page = call.page(sorted(repo.hooks.values(), key=lambda h: h.id))
        return call.reply([hook_json(repo, h, call.api) for h in page.items])

    def create_hook(call: Call) -> Response:
        repo = _hook_repo(call, write=True)
        name = call.body.get("name", "web")
        if name != "web":
            raise _invalid_hook(f"Name {name} is not a valid hook name")
        hook = Hook(call.state.next_id(), "")
        _apply_config(hook, call.body.get("config"), partial=False)
        if "events" in call.body:
            hook.events = _event_names(call.body["events"], "events")
        active = call.body.get("active", True)
        if not isinstance(active, bool):
            raise GitHubError(422, "Invalid request.\n\nFor 'properties/active', it is not a boolean.")
        hook.active = active
        if any(h.url == hook.url for h in repo.hooks.values()):
            raise _invalid_hook("Hook already exists on this repository")
        repo.hooks[hook.id] = hook
        _ping(call, repo, hook, sender)
        return call.reply(hook_json(repo, hook, call.api), 201)

    def get_hook(call: Call) -> Response:
        repo = _hook_repo(call, write=False)
        return call.reply(hook_json(repo, _hook(call, repo), call.api))

    def update_hook(call: Call) -> Response:
        repo = _hook_repo(call, write=True)
        hook = _hook(call, repo)
        unknown = set(call.body) - {"config", "events", "add_events", "remove_events", "active"}
        if unknown:
            raise GitHubError(
                422, f"Invalid request.\n\n{', '.join(sorted(unknown))} are not permitted keys."
            )
        if "config" in call.body:
            _apply_config(hook, call.body["config"], partial=False)
        if "events" in call.body:
            hook.events = _event_names(call.body["events"], "events")
        if "add_events" in call.body:
            hook.events = list(
                dict.fromkeys(hook.events + _event_names(call.body["add_events"], "add_events"))
            )
        if "remove_events" in call.body:
            removed = set(_event_names(call.body["remove_events"], "remove_events"))
            hook.events = [e for e in hook.events if e not in removed]
        if "active" in call.body:
            if not isinstance(call.body["active"], bool):
                raise GitHubError(422, "Invalid request.\n\nFor 'properties/active', it is not a boolean.")
            hook.active = call.body["active"]
        hook.updated_at = now()
        return call.reply(hook_json(repo, hook, call.api))

    def delete_hook(call: Call) -> Response:
        repo = _hook_repo(call, write=True)
        del repo.hooks[_hook(call, repo).id]
        return call.reply(None, 204)

    def get_config(call: Call) -> Response:
        repo = _hook_repo(call, write=False)
        return call.reply(config_json(_hook(call, repo)))

    def update_config(call: Call) -> Response:
        repo = _hook_repo(call, write=True)
        hook = _hook(call, repo)
        _apply_config(hook, call.body, partial=True)
        hook.updated_at = now()
        return call.reply(config_json(hook))

    def ping(call: Call) -> Response:
        repo = _hook_repo(call, write=True)
        _ping(call, repo, _hook(call, repo), sender)
        return call.reply(None, 204)

    def test_push(call: Call) -> Response:
        """GitHub sends the latest push to the hook if it subscribes to push; nothing otherwise."""
        repo = _hook_repo(call, write=True)
        hook = _hook(call, repo)
        head = repo.head()
        if hook.wants("push") and head is not None:
            payload = push_payload(
                call, repo, repo.default_branch, head.parents[0] if head.parents else None, head
            )
            payload["repository"] = repo_json(call.state, repo, call.api)
            if call.login:
                payload["sender"] = simple_user(call.state.user(call.login), call.api)
            sender.deliver(call.state, repo, hook, "push", payload, call.api)
        return call.reply(None, 204)

    def _hook_deliveries(hook: Hook) -> list[Delivery]:
        return [d for d in sender.deliveries.all() if d.meta.get("hook_id") == hook.id]

    def list_deliveries(call: Call) -> Response:
        repo = _hook_repo(call, write=False)
        items = sorted(_hook_deliveries(_hook(call, repo)), key=lambda d: -d.meta["number"])
        per_page = int_param(call.request, "per_page", 30, maximum=100)
        return call.reply([delivery_json(d) for d in items[:per_page]])

    def _delivery(call: Call) -> Delivery:
        repo = _hook_repo(call, write=False)
        hook = _hook(call, repo)
        wanted = call.params["delivery_id"]
        found = next((d for d in _hook_deliveries(hook) if str(d.meta["number"]) == wanted), None)
        if found is None:
            raise not_found()
        return found

    def get_delivery(call: Call) -> Response:
        delivery = _delivery(call)
        body = delivery_json(delivery)
        attempt = delivery.attempts[-1] if delivery.attempts else None
        body["request"] = {
            "headers": attempt.request_headers if attempt else {},
            "payload": delivery.meta["payload"],
        }
        body["response"] = {
            "headers": dict(attempt.outcome.headers) if attempt else {},
            "payload": attempt.outcome.body if attempt else None,
        }
        body["url"] = delivery.url
        return call.reply(body)

    def redeliver(call: Call) -> Response:
        _hook_repo(call, write=True)
        original = _delivery(call)
        sender.deliveries.redeliver(original, number=next(sender.numbers))
        return call.reply({}, 202)

    return [
        github.route("GET", base, list_hooks),
        github.route("POST", base, create_hook),
        github.route("GET", base + "/{hook_id}", get_hook),
        github.route("PATCH", base + "/{hook_id}", update_hook),
        github.route("DELETE", base + "/{hook_id}", delete_hook),
        github.route("GET", base + "/{hook_id}/config", get_config),
        github.route("PATCH", base + "/{hook_id}/config", update_config),
        github.route("POST", base + "/{hook_id}/pings", ping),
        github.route("POST", base + "/{hook_id}/tests", test_push),
        github.route("GET", base + "/{hook_id}/deliveries", list_deliveries),
        github.route("GET", base + "/{hook_id}/deliveries/{delivery_id}", get_delivery),
        github.route("POST", base + "/{hook_id}/deliveries/{delivery_id}/attempts", redeliver),
    ]


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """One entry of ``GET .../hooks/{id}/deliveries``, GitHub's shape."""
    attempt = delivery.attempts[-1] if delivery.attempts else None
    status_code = attempt.outcome.status if attempt and attempt.outcome.status is not None else 0
    if attempt is None:
        status = "Pending"
    elif attempt.outcome.ok:
        status = "OK"
    elif attempt.outcome.status is None:
        status = _failure(attempt.outcome.error)
    else:
        status = f"Invalid HTTP Response: {attempt.outcome.status}"
    return {
        "id": delivery.meta["number"],
        "guid": delivery.id,
        "delivered_at": _iso(attempt.started_at) if attempt else _iso(delivery.created_at),
        "redelivery": bool(delivery.meta.get("redelivery")),
        "duration": round(attempt.duration_ms / 1000, 3) if attempt else 0,
        "status": status,
        "status_code": status_code,
        "event": delivery.event,
        "action": delivery.meta.get("action"),
        "installation_id": None,
        "repository_id": delivery.meta.get("repository_id"),
        "throttled_at": None,
    }


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
