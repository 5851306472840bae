"""A loopback stand-in for a third-party API, recording what it receives.

Routes:
- ``ANY /echo/{path}``: answers 200 with the request it saw as JSON.
- ``ANY /status/{code}``: answers that status with a JSON error body
  (``?retry_after=S`` adds a Retry-After header).
- ``ANY /flaky/{key}?fail=N&status=503``: fails N times per key, then echoes.
- ``GET /slow?ms=N``: sleeps, then echoes.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Upstream:
    requests: list[Seen] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def clear(self) -> None:
        self.requests.clear()
        self.failures.clear()

    async def _record(self, request: Request) -> Seen:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        query: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            query.setdefault(k, []).append(v)
        seen = Seen(
            request.method, request.url.path, query, {k.lower(): v for k, v in request.headers.items()}, body
        )
        self.requests.append(seen)
        return seen

    @staticmethod
    def _echo(seen: Seen) -> dict[str, Any]:
        return {
            "method": seen.method,
            "path": seen.path,
            "query": seen.query,
            "headers": seen.headers,
            "body": seen.body,
        }

    async def echo(self, request: Request):
        return JSONResponse(self._echo(await self._record(request)))

    async def status(self, request: Request):
        await self._record(request)
        code = int(request.path_params["code"])
        headers = {}
        if "retry_after" in request.query_params:
            headers["Retry-After"] = request.query_params["retry_after"]
        return JSONResponse(
            {"message": f"upstream says {code}", "documentation_url": "https://example.invalid"},
            status_code=code,
            headers=headers,
        )

    async def flaky(self, request: Request):
        seen = await self._record(request)
        key = request.path_params["key"]
        fail = int(request.query_params.get("fail", "1"))
        if self.failures[key] < fail:
            self.failures[key] += 1
            code = int(request.query_params.get("status", "503"))
            return JSONResponse({"message": "try again"}, status_code=code, headers={"Retry-After": "0"})
        return JSONResponse(self._echo(seen))

    async def slow(self, request: Request):
        await asyncio.sleep(int(request.query_params.get("ms", "100")) / 1000)
        return JSONResponse(self._echo(await self._record(request)))

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        return Starlette(
            routes=[
                Route("/echo/{path:path}", self.echo, methods=methods),
                Route("/status/{code:int}", self.status, methods=methods),
                Route("/flaky/{key}", self.flaky, methods=methods),
                Route("/slow", self.slow, methods=methods),
            ]
        )
