"""The sandbox's generic OAuth providers on loopback, for the auth, refresh and Connect Link tests."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from tests.support.servers import ThreadedServer


@dataclass
class SandboxServer:
    """The sandbox OAuth providers on loopback; `providers.oauth2` has the fault switches and stats."""

    url: str
    providers: Any
    app: Any


def start_sandbox(port: int | None = None) -> tuple[ThreadedServer, SandboxServer]:
    """The sandbox without its app emulators (the toolkit tests start those: `tests.support.toolkits`)."""
    from valetkey.sandbox.app import create_sandbox_app

    # Only the generic providers: app emulators are not needed by the auth tests.
    options = {"with_apps": False} if "with_apps" in inspect.signature(create_sandbox_app).parameters else {}
    app = create_sandbox_app(**options)
    threaded = ThreadedServer(app, port=port).start()
    return threaded, SandboxServer(threaded.url, app.state.sandbox, app)
