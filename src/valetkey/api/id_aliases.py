"""The one seam where imported resources' source ids become their Valetkey ids.

A project imported from Composio (`valetkey import composio`) keeps every
source id (``ca_...``, ``ac_...``, a trigger's or MCP server's id) as an alias
(`valetkey.tenancy.aliases`). This middleware runs before any route: it finds
the id-shaped tokens a request carries (path segments, query values, JSON body
strings) and, when some are aliases in the calling project, rewrites them to
the ids they stand for. So every endpoint, the SDK's calls, sessions and MCP
accept the old ids with no per-route code. On an installation without
aliases (never imported) a request costs nothing: whether any alias exists
is asked at most every NONE_RECHECK seconds. Otherwise a request without
id-shaped tokens costs one regular expression per token; one with them, a
single indexed query.

Tool arguments and connection values (`arguments`, `val`, `text`, `trigger_config`)
are the user's data, never rewritten, and only bodies sent with a project key
are read. MCP URLs (which carry no API key) resolve an MCP server alias in
their path when exactly one project has it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from valetkey.core.ids import hash_secret
from valetkey.tenancy.aliases import IdAlias
from valetkey.tenancy.models import ProjectApiKey

# What an id at Composio or here looks like: a short lower-case prefix, '_', a nano id; or a UUID
# (MCP servers, and the `uuid` spellings of the others).
ID_SHAPE = re.compile(
    r"^(?:[a-z]{1,10}_[A-Za-z0-9_-]{4,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
# Body keys whose subtrees are user data, never ids to rewrite.
OPAQUE_KEYS = frozenset({"arguments", "val", "text", "trigger_config", "input", "custom_auth_params"})
MAX_BODY = 2_000_000
NONE_RECHECK = 5.0


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        if ID_SHAPE.match(value):
            found.add(value)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in OPAQUE_KEYS:
                _walk(item, found)


def _rewrite(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_rewrite(item, mapping) for item in value]
    if isinstance(value, dict):
        return {k: (v if k in OPAQUE_KEYS else _rewrite(v, mapping)) for k, v in value.items()}
    return value


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class IdAliases:
    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ("/api/", "/mcp/servers/", "/v3/mcp/")):
        self.app = app
        self.prefixes = prefixes
        # An installation that never imported has no aliases: it asks again every NONE_RECHECK seconds
        # (so an import run meanwhile is seen that soon), and costs nothing per request until then.
        self._none_until = 0.0

    def _any_alias(self, scope: Scope) -> bool:
        state = scope["app"].state.valetkey
        with state.db.session() as db:
            return db.scalar(select(IdAlias.alias).limit(1)) is not None

    async def _aliases_exist(self, scope: Scope) -> bool:
        """False while the installation has no alias at all (asked again every NONE_RECHECK seconds)."""
        if self._none_until < 0:
            return True
        now = time.monotonic()
        if now < self._none_until:
            return False
        self._none_until = now + NONE_RECHECK  # concurrent requests do not ask again meanwhile
        try:
            exists = await run_in_threadpool(self._any_alias, scope)
        except Exception:
            self._none_until = 0.0  # unknown (the database failed): the next request asks again
            raise
        if exists:
            self._none_until = -1.0  # aliases exist: look every time from now on
            return True
        return False

    def _lookup(self, scope: Scope, tokens: Iterable[str]) -> dict[str, str]:
        state = scope["app"].state.valetkey
        wanted = sorted(set(tokens))
        key = _header(scope, b"x-api-key")
        with state.db.session() as db:
            if key:
                rows = db.execute(
                    select(IdAlias.alias, IdAlias.target_id)
                    .join(ProjectApiKey, ProjectApiKey.project_id == IdAlias.project_id)
                    .where(ProjectApiKey.key_hash == hash_secret(key), IdAlias.alias.in_(wanted))
                )
                return {alias: target for alias, target in rows}
            # No project key (an MCP URL): only MCP server aliases one project alone has.
            rows = db.execute(
                select(IdAlias.alias, func.min(IdAlias.target_id))
                .where(IdAlias.alias.in_(wanted), IdAlias.kind == "mcp_server")
                .group_by(IdAlias.alias)
                .having(func.count() == 1)
            )
            return {alias: target for alias, target in rows}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(self.prefixes)
            or not await self._aliases_exist(scope)
        ):
            # Not an API path, or no alias exists (checked at most every NONE_RECHECK seconds): nothing to read.
            await self.app(scope, receive, send)
            return
        found = {part for part in path.split("/") if ID_SHAPE.match(part)}
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = parse_qsl(query, keep_blank_values=True) if query else []
        for _, value in pairs:
            for part in value.split(","):
                if ID_SHAPE.match(part):
                    found.add(part)
        body: bytes | None = None
        document: Any = None
        content_type = _header(scope, b"content-type") or ""
        # Bodies only of calls made with a project key: a signed provider webhook (ingress) or an
        # MCP URL's JSON-RPC is passed on byte for byte.
        keyed = _header(scope, b"x-api-key") is not None
        if keyed and scope.get("method") in ("POST", "PUT", "PATCH") and "json" in content_type:
            body, complete = await _read_body(receive)
            if not complete:  # too large or cut short: passed on as it came, left to the edge guard
                await self.app(scope, _replay(body, receive, more=True), send)
                return
            if body:
                try:
                    document = json.loads(body) if body else None
                except ValueError:
                    document = None
                _walk(document, found)
        mapping = await run_in_threadpool(self._lookup, scope, found) if found else {}
        if mapping:
            parts = path.split("/")
            if any(p in mapping for p in parts):
                scope = dict(scope)
                scope["path"] = "/".join(mapping.get(p, p) for p in parts)
                scope["raw_path"] = scope["path"].encode()
            if pairs and any(any(x in mapping for x in v.split(",")) for _, v in pairs):
                scope = dict(scope)
                rewritten = [(k, ",".join(mapping.get(x, x) for x in v.split(","))) for k, v in pairs]
                scope["query_string"] = urlencode(rewritten).encode()
            if document is not None:
                new_body = json.dumps(_rewrite(document, mapping)).encode()
                if new_body != body:
                    body = new_body
                    scope = dict(scope)
                    scope["headers"] = [
                        (k, str(len(body)).encode() if k == b"content-length" else v)
                        for k, v in scope["headers"]
                    ]
        if body is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive, more=False), send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), size <= MAX_BODY
        if size > MAX_BODY:  # left to the edge guard and the route to refuse
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive, *, more: bool) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
