"""A loopback fake of an OpenAI-compatible chat completions API: records what it is asked, answers as told.

Answers come from `answers` (a queue of `(status, content)`) when it has any, else from `rule`
(a function of the request body answering `(status, content)`), else it is a 500.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import ThreadedServer


class FakeModel:
    def __init__(self) -> None:
        self.url = ""
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.answers: deque = deque()
        self.rule: Callable[[dict[str, Any]], tuple[int, str]] | None = None

    async def completions(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.answers:
            status, content = self.answers.popleft()
        elif self.rule is not None:
            status, content = self.rule(body)
        else:
            status, content = 500, "no answer queued"
        return JSONResponse({"choices": [{"message": {"role": "assistant", "content": content}}]}, status)


@contextmanager
def running_fake_model() -> Iterator[FakeModel]:
    fake = FakeModel()
    threaded = ThreadedServer(
        Starlette(routes=[Route("/v1/chat/completions", fake.completions, methods=["POST"])])
    )
    threaded.start()
    fake.url = threaded.url
    try:
        yield fake
    finally:
        threaded.stop()
