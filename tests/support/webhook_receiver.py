"""A loopback webhook receiver for the sandbox event tests: records every POST, answers as told.

``receiver = WebhookReceiver().start()`` listens on 127.0.0.1; ``receiver.url``
(plus any path) is what a test registers at an emulator. ``receiver.received``
lists each request (headers lower-cased, raw body); ``receiver.answer(503, times=2)``
makes the next two answers 503; `responder` replaces the answer logic (the
Slack ``url_verification`` echo is `echo_challenge`). `wait_for(n)` waits until
`n` requests arrived.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Received], Answer | None]


def echo_challenge(request: Received) -> Answer | None:
    """Answer Slack's ``url_verification`` with its challenge, as a Slack app must."""
    try:
        body = request.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("type") == "url_verification":
        return Answer(
            200, json.dumps({"challenge": body["challenge"]}).encode(), {"content-type": "application/json"}
        )
    return None


class WebhookReceiver:
    def __init__(self, responder: Responder | None = None):
        self.received: list[Received] = []
        self.responder = responder
        self._queue: list[Answer] = []
        self._lock = threading.Condition()
        self._server = ThreadedServer(
            Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["POST", "GET", "PUT"])])
        )

    def start(self) -> WebhookReceiver:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def answer(
        self,
        status: int,
        *,
        times: int = 1,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        with self._lock:
            self._queue += [Answer(status, body, dict(headers or {}), delay) for _ in range(times)]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} webhook requests, got {len(self.received)}")
                self._lock.wait(left)
            return list(self.received)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self._queue.clear()

    async def _endpoint(self, request: Request) -> Response:
        got = Received(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        answer = self.responder(got) if self.responder else None
        with self._lock:
            if answer is None and self._queue:
                answer = self._queue.pop(0)
            self.received.append(got)
            self._lock.notify_all()
        answer = answer or Answer()
        if answer.delay:
            import asyncio

            await asyncio.sleep(answer.delay)
        return Response(answer.body, answer.status, headers=answer.headers)
