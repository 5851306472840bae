"""Who is calling: a project (x-api-key) or an organization (x-org-api-key).

Resolved keys are cached briefly in this process so the hot path (tool
execution) does not hit the database on every call. Revoking or regenerating a
key through this process evicts it at once; other processes notice within
KEY_CACHE_SECONDS (a lookup per key per second per process is cheap).

Wrong keys are counted per client address in the shared rate-limit counters;
past `auth_failure_limit` in the window, that address gets 429 for every
key it tries, the right one included, so guessing a key is bounded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from valetkey.api.ratelimit import Decision
from valetkey.api.state import AppState, app_state
from valetkey.core.context import OrgContext, ProjectContext
from valetkey.core.errors import TooManyRequests, Unauthorized
from valetkey.core.ids import hash_secret
from valetkey.core.single_flight import SingleFlight
from valetkey.tenancy import service

KEY_CACHE_SECONDS = 1.0


# Resolved keys held at most: past it the least recently resolved go first.
KEY_CACHE_SIZE = 10_000


class KeyCache:
    """Resolved keys (by digest) for KEY_CACHE_SECONDS; one per app (`AppState.key_cache`)."""

    def __init__(self, ttl: float = KEY_CACHE_SECONDS, maxsize: int = KEY_CACHE_SIZE) -> None:
        self._entries: TTLCache[str, Any] = TTLCache(maxsize=maxsize, ttl=ttl)
        # Lookups in flight, so a burst of requests with a just-expired key
        # makes one database query, not one each.
        self._lookups: SingleFlight[str, Any] = SingleFlight()
        # Wrong-key checks in flight per client address (`_refuse_blocked_client`), for the same reason.
        self.block_checks: SingleFlight[str, bool] = SingleFlight()

    async def resolve(self, digest: str, lookup: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value for `digest`, else `await lookup()` once for all concurrent callers."""
        value = self.get(digest)
        if value is not None:
            return value
        return await self._lookups.run(digest, lambda: self._look_up(digest, lookup))

    async def _look_up(self, digest: str, lookup: Callable[[], Awaitable[Any]]) -> Any:
        value = await lookup()
        if value is not None:
            self.put(digest, value)
        return value

    def get(self, digest: str) -> Any:
        return self._entries.get(digest)

    def put(self, digest: str, value: Any) -> None:
        self._entries[digest] = value

    def evict_project(self, project_id: str) -> None:
        for digest, value in list(self._entries.items()):
            if isinstance(value, ProjectContext) and value.project_id == project_id:
                self._entries.pop(digest, None)

    def clear(self) -> None:
        self._entries.clear()


def key_cache(state: AppState) -> KeyCache:
    return state.key_cache


def _lookup_project(state: AppState, secret: str) -> ProjectContext | None:
    with state.db.session() as db:
        project = service.project_for_key(db, secret)
        if project is None:
            return None
        return ProjectContext(
            project.id, project.org_id, {**service.DEFAULT_PROJECT_CONFIG, **(project.config or {})}
        )


def _lookup_org(state: AppState, secret: str) -> OrgContext | None:
    with state.db.session() as db:
        org = service.org_for_key(db, secret)
        return OrgContext(org.id) if org else None


async def enforce_rate_limit(request: Request, state: AppState, key: str) -> None:
    """Count the request against `key`'s limit (a leased slot, or a shared counter off the event loop)."""
    if not state.limiter.enabled:
        return
    decision = state.limiter.hit_locally(key)
    if decision is None:
        decision = await run_in_threadpool(state.limiter.hit, key)
    request.scope.setdefault("state", {})["rate_limit"] = decision
    if not decision.allowed:
        raise _too_many(decision)


async def enforce_ingress_limit(request: Request, state: AppState, key: str) -> None:
    """Count a public ingress request against its trigger's (or app endpoint's) own limit, shared across
    processes like the project limit: a flood at one URL is refused before it costs a lookup."""
    limiter = state.ingress_limiter
    if limiter is None or not limiter.enabled:
        return
    decision = limiter.hit_locally(key)
    if decision is None:
        decision = await run_in_threadpool(limiter.hit, key)
    if not decision.allowed:
        raise _too_many(decision, "Ingress rate limit exceeded for this trigger URL")


def _too_many(decision: Decision, what: str = "Rate limit exceeded") -> TooManyRequests:
    return TooManyRequests(
        f"{what}. Limit: {decision.limit} requests per {decision.window_seconds} seconds",
        suggested_fix=f"Wait {decision.retry_after} seconds (Retry-After) and back off exponentially.",
        headers=decision.headers(),
    )


def _client_key(request: Request) -> str:
    return "badkey:" + (request.client.host if request.client else "unknown")


async def _refuse_blocked_client(request: Request, state: AppState) -> None:
    """429 before a key is looked up if this address has used up its wrong-key allowance."""
    failures = state.auth_failures
    if failures is None or not failures.enabled:
        return
    key = _client_key(request)
    remembered = failures.hit_locally(key)  # leases of one slot: only a fresh refusal is remembered
    if remembered is not None and not remembered.allowed:
        raise _too_many(remembered, _GUESSING)
    blocked = await key_cache(state).block_checks.run(
        key, lambda: run_in_threadpool(failures.is_blocked, key)
    )
    if blocked:
        decision = await run_in_threadpool(failures.hit, key)  # counts as one more attempt
        if not decision.allowed:
            raise _too_many(decision, _GUESSING)


async def _count_wrong_key(request: Request, state: AppState) -> None:
    failures = state.auth_failures
    if failures is None or not failures.enabled:
        return
    decision = await run_in_threadpool(failures.hit, _client_key(request))
    if not decision.allowed:
        raise _too_many(decision, _GUESSING)


_GUESSING = "Too many requests with invalid API keys from this address"


async def _resolve(request: Request, state: AppState, digest: str, lookup: Any) -> Any:
    cache = key_cache(state)
    value = cache.get(digest)
    if value is not None:
        return value
    await _refuse_blocked_client(request, state)
    value = await cache.resolve(digest, lookup)
    if value is None:
        await _count_wrong_key(request, state)
    return value


async def require_project(request: Request, state: AppState = Depends(app_state)) -> ProjectContext:
    secret = request.headers.get("x-api-key")
    if not secret:
        if request.headers.get("x-org-api-key"):
            raise Unauthorized(
                "This endpoint needs a project API key",
                suggested_fix="Send the project's key in the x-api-key header; org keys manage projects only.",
            )
        raise Unauthorized(
            "No authentication provided", suggested_fix="Send your project API key in the x-api-key header."
        )
    project = await _resolve(
        request, state, hash_secret(secret), lambda: run_in_threadpool(_lookup_project, state, secret)
    )
    if project is None:
        raise Unauthorized(
            "Invalid API key", suggested_fix="Check the key, or regenerate it with the org key."
        )
    request.scope.setdefault("state", {})["project_id"] = project.project_id
    await enforce_rate_limit(request, state, project.project_id)
    return project


async def require_org(request: Request, state: AppState = Depends(app_state)) -> OrgContext:
    secret = request.headers.get("x-org-api-key")
    if not secret:
        raise Unauthorized(
            "No authentication provided",
            suggested_fix="Send an organization API key in the x-org-api-key header (see `valetkey orgs create`).",
        )
    org = await _resolve(
        request, state, "org:" + hash_secret(secret), lambda: run_in_threadpool(_lookup_org, state, secret)
    )
    if org is None:
        raise Unauthorized("Invalid organization key", suggested_fix="Check the x-org-api-key value.")
    await enforce_rate_limit(request, state, "org:" + org.org_id)
    return org
