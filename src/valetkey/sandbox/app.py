"""The sandbox server: generic OAuth 2.0 / 1.0a providers, every app emulator, admin routes.

`create_sandbox_app` is what ``valetkey sandbox serve`` runs. Both providers
come with a pre-registered client so an auth config can point at the sandbox
without setup (see `DEFAULT_OAUTH2_CLIENT`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from valetkey.sandbox.admin import oauth1_admin_routes, oauth2_admin_routes
from valetkey.sandbox.emulator import SandboxApp
from valetkey.sandbox.oauth1 import OAuth1Consumer, OAuth1Provider
from valetkey.sandbox.oauth1_routes import oauth1_routes
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Client

#: A confidential client usable with no setup. It accepts any loopback
#: redirect URI because Valetkey and test servers listen on ports chosen at
#: start; that cannot send a code off the machine. Clients you register keep
#: exact redirect URI matching.
DEFAULT_OAUTH2_CLIENT = OAuth2Client(
    client_id="sandbox-client",
    client_secret="sandbox-secret",
    default_scopes=("read",),
    allow_loopback_redirects=True,
)
#: Its public twin (no secret, PKCE required), for native-app style flows.
DEFAULT_OAUTH2_PUBLIC_CLIENT = OAuth2Client(
    client_id="sandbox-public-client",
    default_scopes=("read",),
    allow_loopback_redirects=True,
)
DEFAULT_OAUTH1_CONSUMER = OAuth1Consumer(
    key="sandbox-consumer",
    secret="sandbox-consumer-secret",
    allow_loopback_callbacks=True,
)


@dataclass
class Sandbox:
    """The providers a sandbox app serves; kept on ``app.state.sandbox`` for tests."""

    oauth2: OAuth2Provider = field(default_factory=OAuth2Provider)
    oauth1: OAuth1Provider = field(default_factory=OAuth1Provider)
    #: App emulators by slug (``sandbox.apps["github"]``), mounted at ``/<slug>``.
    apps: dict[str, SandboxApp] = field(default_factory=dict)


def create_sandbox_app(
    sandbox: Sandbox | None = None, *, register_defaults: bool = True, with_apps: bool = True
) -> Starlette:
    """The sandbox: ``/oauth2/*``, ``/oauth1/*``, each app at ``/<slug>/*``, ``/_sandbox/*``, ``/health``.

    `with_apps` mounts every emulator in `valetkey.sandbox.apps` (discovered,
    see `discover_apps`) unless the `sandbox` passed in already lists apps.
    """
    from valetkey.sandbox.apps import app_admin_routes, app_mount, discover_apps

    sandbox = sandbox or Sandbox()
    if with_apps and not sandbox.apps:
        sandbox.apps = {app.slug: app for app in discover_apps()}
    if register_defaults:
        sandbox.oauth2.register_client(DEFAULT_OAUTH2_CLIENT)
        sandbox.oauth2.register_client(DEFAULT_OAUTH2_PUBLIC_CLIENT)
        sandbox.oauth1.register_consumer(DEFAULT_OAUTH1_CONSUMER)
        for emulated in sandbox.apps.values():
            if emulated.oauth2 is not None:
                emulated.oauth2.register_client(DEFAULT_OAUTH2_CLIENT)
                emulated.oauth2.register_client(DEFAULT_OAUTH2_PUBLIC_CLIENT)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/health", health, methods=["GET"]),
        *oauth2_routes(sandbox.oauth2, prefix="/oauth2"),
        *oauth1_routes(sandbox.oauth1, prefix="/oauth1"),
        Mount("/_sandbox/oauth2", routes=oauth2_admin_routes(sandbox.oauth2)),
        Mount("/_sandbox/oauth1", routes=oauth1_admin_routes(sandbox.oauth1)),
    ]
    for emulated in sandbox.apps.values():
        routes += app_admin_routes(emulated)
    routes += [app_mount(emulated) for emulated in sandbox.apps.values()]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app
