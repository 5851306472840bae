"""The building blocks of an app emulator: `SandboxApp`, its state store and its request log.

An app emulator (GitHub, Slack, ...) is a module or package under
`valetkey.sandbox.apps` whose `create_app()` returns a `SandboxApp`. The sandbox
server mounts every one of them under ``/<slug>`` and adds admin routes under
``/_sandbox/<slug>/`` (reset, seed, recorded requests, the app's OAuth admin).
Nothing here knows about any particular app; HTTP helpers every emulator needs
(pagination links, rate-limit headers, JSON errors) live in `emulator_http`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from starlette.routing import BaseRoute

from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.webhooks import Deliveries

S = TypeVar("S")

#: The confidential client every app's OAuth provider knows with no setup (see docs/sandbox.md).
SANDBOX_CLIENT_ID = "sandbox-client"


class StateStore(Generic[S]):
    """One app's mutable state behind a lock, rebuilt from `factory` on reset.

    Handlers hold the lock for the whole read-modify-write of a request
    (``with store.transaction() as state: ...``), so concurrent tool calls see
    the same serial order a real API would give them.
    """

    def __init__(self, factory: Callable[[], S]):
        self._factory = factory
        self.lock = threading.RLock()
        self.state: S = factory()

    @contextmanager
    def transaction(self) -> Iterator[S]:
        with self.lock:
            yield self.state

    def reset(self) -> None:
        with self.lock:
            self.state = self._factory()


@dataclass(frozen=True)
class RecordedRequest:
    """A request as it reached an emulator: what a fidelity test checks against an API description.

    `path` is relative to the app's mount (``/repos/o/r/issues``), still
    percent-encoded as sent; `query` keeps repeats and order; header names are
    lower-case; `body` is the decoded JSON value, the form pairs, the raw text,
    or None when there was no body.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: Any
    content_type: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class RequestLog:
    """Every request an app received since the last reset, in arrival order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, request: RecordedRequest) -> None:
        with self._lock:
            self._items.append(request)

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


@dataclass
class SandboxApp:
    """One emulated app, as `create_app()` of a module in `valetkey.sandbox.apps` returns it.

    `routes` are relative to the app's mount (``/repos/{owner}/{repo}``); the
    OAuth endpoints are usually among them, at the app's real paths. `seed`
    receives the state and a JSON payload and returns a JSON summary of what
    it created; it backs ``POST /_sandbox/<slug>/seed`` and test fixtures.
    """

    slug: str
    routes: Sequence[BaseRoute]
    store: StateStore[Any]
    oauth2: OAuth2Provider | None = None
    seed: Callable[[Any, dict[str, Any]], Any] | None = None
    requests: RequestLog = field(default_factory=RequestLog)
    #: The events it sent to registered URLs (webhooks), see `valetkey.sandbox.webhooks`.
    deliveries: Deliveries = field(default_factory=Deliveries)
    #: The app's own admin routes, mounted under ``/_sandbox/<slug>/`` next to the common ones.
    admin_routes: Sequence[BaseRoute] = ()
    # Extra things to forget on reset (rate-limit windows, ...).
    on_reset: tuple[Callable[[], None], ...] = ()

    def reset(self) -> None:
        """Back to the initial state with empty request and delivery logs. Tokens issued stay valid."""
        self.store.reset()
        self.requests.clear()
        self.deliveries.clear()
        for hook in self.on_reset:
            hook()

    def seed_with(self, payload: dict[str, Any]) -> Any:
        if self.seed is None:
            raise ValueError(f"the {self.slug} emulator takes no seed data")
        with self.store.transaction() as state:
            return self.seed(state, payload)

    def issue_token(
        self, subject: str, scopes: tuple[str, ...] = (), client_id: str = SANDBOX_CLIENT_ID
    ) -> str:
        """An access token for `subject`, as if they had approved the sandbox client (or made a PAT)."""
        if self.oauth2 is None:
            raise ValueError(f"the {self.slug} emulator has no OAuth provider")
        return self.oauth2.issue_tokens(client_id, subject, tuple(scopes))["access_token"]


def recording(app: Any, log: RequestLog, prefix: str) -> Any:
    """ASGI middleware: record each HTTP request into `log`, then pass it on unchanged.

    The body is read whole and replayed to `app`; emulator payloads are small.
    """

    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        log.add(_recorded(scope, raw, prefix))
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await app(scope, replay, send)

    return middleware


def _recorded(scope: dict, raw: bytes, prefix: str) -> RecordedRequest:
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?")[0]
    path = raw_path[len(prefix) :] if raw_path.startswith(prefix) else raw_path
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    query = tuple(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return RecordedRequest(
        scope["method"], path or "/", query, headers, _decode_body(raw, content_type), content_type
    )


def _decode_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if content_type == "application/x-www-form-urlencoded":
        return parse_qsl(text, keep_blank_values=True)
    if "json" in content_type or text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text
