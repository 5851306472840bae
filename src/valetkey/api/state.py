"""What one running server holds: settings, database, catalog, HTTP client, limiter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from valetkey.api.ratelimit import RateLimiter
from valetkey.config import Settings
from valetkey.net.egress import EgressPolicy
from valetkey.store.db import Database


@dataclass
class AppState:
    settings: Settings
    db: Database
    limiter: RateLimiter
    catalog: Any = None  # valetkey.catalog.registry.Catalog
    http: Any = None  # valetkey.execution.http.UpstreamClient
    vault: Any = None  # valetkey.vault.Vault: seals credentials at rest
    extras: dict[str, Any] = field(default_factory=dict)
    # Where outbound calls may connect (VALETKEY_EGRESS_ALLOW); every client a project key drives uses it.
    egress: EgressPolicy = field(default_factory=EgressPolicy)


def state_of(conn: HTTPConnection) -> AppState:
    return conn.app.state.valetkey


async def app_state(conn: HTTPConnection) -> AppState:
    """The server's state as a FastAPI dependency (async: sync dependencies cost a thread hop)."""
    return conn.app.state.valetkey
