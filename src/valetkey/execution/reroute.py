"""Operator-level upstream overrides: send calls for one API origin to another URL.

``VALETKEY_UPSTREAM_OVERRIDES="https://hn.algolia.com=http://127.0.0.1:8001/hackernews"``
makes every upstream request of every project (tool calls, Python handlers'
calls, verification requests) whose URL starts with that origin go to the
replacement instead, keeping the rest of the URL. It exists for sandboxes
(`valetkey sandbox serve` serves each app under ``/<slug>``), mirrors and
egress proxies, and is the one way to move a tool that has no connected
account to configure (no-auth toolkits) or that sits on a second host of its
service (`http.base_url`). Auth-config ``base_url`` overrides stay the
per-project way to move an API.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from valetkey.net.request import UpstreamRequest
from valetkey.net.retry import NO_RETRY, RetryPolicy
from valetkey.net.upstream import UpstreamOutcome, UpstreamTransport


def reroute(url: str, overrides: tuple[tuple[str, str], ...]) -> str:
    """`url` with its origin replaced when an override names exactly that origin.

    ``https://hn.algolia.com/api/v1/search`` with ``("https://hn.algolia.com",
    "http://127.0.0.1:8001/hackernews")`` becomes
    ``http://127.0.0.1:8001/hackernews/api/v1/search``; ``https://hn.algolia.com.evil.test``
    is another origin and is left alone.

    A prefix may hold ``{name}`` placeholders, each standing for one path
    segment's text (the sandbox routes one operation path of a base URL that
    several toolkits share: ``https://graph.microsoft.com/v1.0/drives/{drive-id}/items/{item-id}/workbook``).
    Its target stands for the literal part before the first placeholder, and
    the rest of the URL is kept after it.
    """
    for origin, target in overrides:
        if "{" in origin:
            matched = _pattern(origin).match(url)
            if matched is not None:
                literal = origin[: origin.index("{")]
                return target + url[len(literal) :]
        elif url == origin or url.startswith((origin + "/", origin + "?")):
            return target + url[len(origin) :]
    return url


@lru_cache(maxsize=4096)
def _pattern(prefix: str) -> re.Pattern[str]:
    """A prefix with ``{name}`` placeholders as a regex: each placeholder is text without ``/``, ``?`` or ``#``."""
    parts = re.split(r"\{[^{}]*\}", prefix)
    body = "[^/?#]+".join(re.escape(part) for part in parts)
    return re.compile(f"{body}(?=$|[/?#])")


class ReroutingClient:
    """Wraps the shared upstream client; `send` rewrites the request URL first, the rest is delegated."""

    def __init__(self, client: UpstreamTransport, overrides: tuple[tuple[str, str], ...]):
        self._client = client
        self.overrides = tuple(overrides)

    async def send(self, request: UpstreamRequest, retry: RetryPolicy = NO_RETRY) -> UpstreamOutcome:
        return await self._client.send(replace(request, url=reroute(request.url, self.overrides)), retry)

    async def aclose(self) -> None:
        await self._client.aclose()
