"""What the connections layer needs of the running server (a Protocol: this layer cannot import `api`).

`valetkey.api.state.AppState` has every one of these attributes, so the app's
state is passed as it is; a test may pass any object that has them.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Protocol

import httpx
from cachetools import TTLCache

from valetkey.catalog.registry import Catalog
from valetkey.core.settings import Settings
from valetkey.net.egress import EgressPolicy
from valetkey.net.upstream import UpstreamTransport
from valetkey.store.db import Database
from valetkey.vault import Vault

if TYPE_CHECKING:  # these modules import this one
    from valetkey.connections.managed import ManagedApps
    from valetkey.connections.refresh import RefreshOutcome


class ConnectionsState(Protocol):
    settings: Settings
    db: Database
    egress: EgressPolicy
    catalog: Catalog
    vault: Vault
    # Verification requests of auth configs and accounts (the egress-guarded upstream client).
    http: UpstreamTransport
    # Token, revocation and request-token endpoints, under the egress policy.
    oauth_http: httpx.Client
    managed_apps: ManagedApps
    refresh_locks: weakref.WeakValueDictionary[str, asyncio.Lock]
    refresh_memo: TTLCache[str, tuple[str, RefreshOutcome]]

    def catalog_for(self, project_id: str) -> Catalog:
        """The global catalog plus the project's own custom toolkits (`valetkey.catalog.overlay`)."""
        ...
