"""What one running server holds, every part typed and built once by `valetkey.api.app.create_app`.

Nothing here is created on first use or looked up by a string key: each field is
built by the app factory (`build_state`), so two apps in one process (as the
tests run them) never share a client, a writer or a cache. The caches are
`cachetools` caches owned by the state for the same reason; pure-function
memoization (stemming, address parsing) stays on `functools.lru_cache`.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache, TTLCache
from starlette.requests import HTTPConnection

from valetkey.api.ratelimit import RateLimiter
from valetkey.core.settings import Settings
from valetkey.net.egress import EgressPolicy
from valetkey.store.db import Database

if TYPE_CHECKING:  # the parts' modules import this one: only their names are needed here
    import httpx
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from valetkey.api.auth import KeyCache
    from valetkey.catalog.overlay import ProjectCatalogs
    from valetkey.catalog.registry import Catalog
    from valetkey.connections.managed import ManagedApps
    from valetkey.connections.refresh import RefreshOutcome
    from valetkey.execution.logs import LogWriter
    from valetkey.execution.validation import ValidatorCache
    from valetkey.files.access import FileService
    from valetkey.net.upstream import UpstreamTransport
    from valetkey.vault import Vault

# Compiled argument validators kept per (tool slug, version): the catalog's tools in use, with room.
VALIDATOR_CACHE_SIZE = 4096
# Per account, the refresh this process just made (see `valetkey.connections.refresh`): short-lived, bounded.
REFRESH_MEMO_SIZE = 1000
REFRESH_MEMO_SECONDS = 10.0


def refresh_memo() -> TTLCache[str, tuple[str, RefreshOutcome]]:
    return TTLCache(maxsize=REFRESH_MEMO_SIZE, ttl=REFRESH_MEMO_SECONDS)


def validator_cache() -> LRUCache[tuple[str, str], tuple[Any, Any, Any]]:
    return LRUCache(maxsize=VALIDATOR_CACHE_SIZE)


@dataclass
class AppState:
    settings: Settings
    db: Database
    limiter: RateLimiter
    # Wrong API keys per client address (api.auth): bounds key guessing.
    auth_failures: RateLimiter
    # Where outbound calls may connect (VALETKEY_EGRESS_ALLOW); every client a project key drives uses it.
    egress: EgressPolicy
    # The global catalog; a project's own view (with its custom toolkits) is `catalog_for(project_id)`.
    catalog: Catalog
    catalogs: ProjectCatalogs
    vault: Vault  # seals credentials at rest
    # Every upstream call (tools, proxy, verification): the egress-guarded aiohttp client, maybe rerouted.
    http: UpstreamTransport
    # Provider registrations of triggers (GitHub hooks...): the webhook egress policy, maybe rerouted.
    trigger_http: UpstreamTransport
    # OAuth token, revocation and request-token endpoints (sync httpx: called from worker threads).
    oauth_http: httpx.Client
    files: FileService
    managed_apps: ManagedApps
    log_writer: LogWriter
    key_cache: KeyCache
    # Failed dashboard sign-ins per client address and per email (api.routers.dashboard).
    login_failures: RateLimiter
    # Requests per trigger (or app endpoint) at the public ingress (VALETKEY_INGRESS_RATE_LIMIT); None: none.
    ingress_limiter: RateLimiter | None = None
    # Set while the MCP router's lifespan runs the MCP SDK's session manager.
    mcp_manager: StreamableHTTPSessionManager | None = None
    # Per-account locks so one refresh per account runs in this process; dropped when nobody holds one.
    refresh_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    refresh_memo: TTLCache[str, tuple[str, RefreshOutcome]] = field(default_factory=refresh_memo)
    validators: ValidatorCache = field(default_factory=validator_cache)  # an LRU cache

    def catalog_for(self, project_id: str) -> Catalog:
        """The catalog as this project sees it: the global one plus the project's custom toolkits."""
        return self.catalogs.for_project(project_id)


def state_of(conn: HTTPConnection) -> AppState:
    state: AppState = conn.app.state.valetkey
    return state


async def app_state(conn: HTTPConnection) -> AppState:
    """The server's state as a FastAPI dependency (async: sync dependencies cost a thread hop)."""
    state: AppState = conn.app.state.valetkey
    return state
