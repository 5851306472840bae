"""Which project a Scalekit SDK call acts for: its bearer access token (from `/oauth/token`).

gRPC calls carry the token in `authorization` metadata; the SDK sends it twice after it
fetched a new one (once from the channel's call credentials, fixed when the channel was
made, once in the metadata of each call), so every value is tried. Resolved tokens are
cached for TOKEN_CACHE_SECONDS, as API keys are (`api.auth`), so a revoked pair stops
working within that time in every process.
"""

from __future__ import annotations

from collections.abc import Iterable

from cachetools import TTLCache
from starlette.concurrency import run_in_threadpool

from valetkey.api.state import AppState
from valetkey.core.context import ProjectContext
from valetkey.core.ids import hash_secret
from valetkey.tenancy import clients, service

TOKEN_CACHE_SECONDS = 1.0


class TokenCache:
    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self._entries: TTLCache[str, ProjectContext] = TTLCache(maxsize=10_000, ttl=ttl)

    def get(self, token: str) -> ProjectContext | None:
        return self._entries.get(hash_secret(token))

    def put(self, token: str, project: ProjectContext) -> None:
        self._entries[hash_secret(token)] = project


def bearer_tokens(values: Iterable[str]) -> list[str]:
    out = []
    for value in values:
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            out.append(token.strip())
    return out


def _lookup(state: AppState, token: str) -> ProjectContext | None:
    with state.db.session() as db:
        project = clients.project_for_token(db, token)
        if project is None:
            return None
        return ProjectContext(
            project.id, project.org_id, {**service.DEFAULT_PROJECT_CONFIG, **(project.config or {})}
        )


async def project_for(
    state: AppState, cache: TokenCache, authorizations: Iterable[str]
) -> ProjectContext | None:
    """The project of the first live token among `authorizations` (header or metadata values)."""
    for token in bearer_tokens(authorizations):
        project = cache.get(token)
        if project is None:
            project = await run_in_threadpool(_lookup, state, token)
            if project is not None:
                cache.put(token, project)
        if project is not None:
            return project
    return None
