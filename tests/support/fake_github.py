"""A loopback stand-in for GitHub's hooks API, until the sandbox's GitHub emulator has one.

It answers what trigger registration calls exactly as GitHub documents it
(``POST /repos/{owner}/{repo}/hooks`` -> 201 with the hook, ``DELETE .../hooks/{id}``
-> 204, ``GET /user`` for account verification), sends the ``ping`` GitHub sends
when a hook is created, and delivers events the way GitHub does: ``X-GitHub-Event``,
``X-GitHub-Delivery``, ``X-Hub-Signature-256`` over the raw body, JSON or form
(``payload=<json>``) encoded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer


@dataclass
class Hook:
    id: int
    repo: str
    events: list[str]
    url: str
    secret: str
    content_type: str
    ping_status: int | None = None
    deleted: bool = False


@dataclass
class FakeGitHub:
    hooks: dict[int, Hook] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    url: str = ""
    _next: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadedServer | None = None

    def app(self) -> Starlette:
        async def user(request: Request) -> Response:
            self.tokens.append(request.headers.get("authorization", ""))
            return JSONResponse({"login": "octocat", "id": 1})

        async def create_hook(request: Request) -> Response:
            body = await request.json()
            self.tokens.append(request.headers.get("authorization", ""))
            repo = f"{request.path_params['owner']}/{request.path_params['repo']}"
            with self._lock:
                self._next += 1
                hook = Hook(
                    self._next,
                    repo,
                    body["events"],
                    body["config"]["url"],
                    body["config"]["secret"],
                    body["config"].get("content_type", "form"),
                )
                self.hooks[hook.id] = hook
            # GitHub pings the new hook at once; the trigger must already exist to answer it.
            ping = await httpx.AsyncClient().post(
                hook.url,
                **self._signed(hook, "ping", {"zen": "Keep it logically awesome.", "hook_id": hook.id}),
            )
            hook.ping_status = ping.status_code
            return JSONResponse(
                {
                    "id": hook.id,
                    "type": "Repository",
                    "name": "web",
                    "active": True,
                    "events": hook.events,
                    "config": {"url": hook.url, "content_type": "json"},
                },
                status_code=201,
            )

        async def delete_hook(request: Request) -> Response:
            hook = self.hooks.get(int(request.path_params["hook_id"]))
            if hook is None or hook.deleted:
                return JSONResponse({"message": "Not Found"}, status_code=404)
            hook.deleted = True
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/user", user),
                Route("/repos/{owner}/{repo}/hooks", create_hook, methods=["POST"]),
                Route("/repos/{owner}/{repo}/hooks/{hook_id}", delete_hook, methods=["DELETE"]),
            ]
        )

    def start(self) -> FakeGitHub:
        self._server = ThreadedServer(self.app()).start()
        self.url = self._server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def live_hooks(self, repo: str | None = None) -> list[Hook]:
        return [h for h in self.hooks.values() if not h.deleted and (repo is None or h.repo == repo)]

    def _signed(
        self,
        hook: Hook,
        event: str,
        payload: dict[str, Any],
        *,
        form: bool = False,
        delivery: str | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        if form:
            body = urlencode({"payload": json.dumps(payload)}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(payload).encode()
            content_type = "application/json"
        signature = hmac.new((secret or hook.secret).encode(), body, hashlib.sha256).hexdigest()
        return {
            "content": body,
            "headers": {
                "Content-Type": content_type,
                "User-Agent": "GitHub-Hookshot/fake",
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                "X-GitHub-Hook-ID": str(hook.id),
                "X-Hub-Signature-256": "sha256=" + signature,
            },
        }

    def deliver(self, hook: Hook, event: str, payload: dict[str, Any], **options: Any) -> httpx.Response:
        """Send one event to the hook's URL as GitHub would; options: form, delivery, secret."""
        return httpx.post(hook.url, timeout=30, **self._signed(hook, event, payload, **options))
