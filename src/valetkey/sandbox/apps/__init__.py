"""App emulators, one module (or package) each, found by walking this package.

Adding an emulator means adding `apps/<slug>.py` (or `apps/<slug>/`) with a
``create_app() -> SandboxApp`` function; no registry to edit. Names starting
with ``_`` are private helpers and are skipped.
"""

from __future__ import annotations

import importlib
import pkgutil

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from valetkey.sandbox.admin import oauth2_admin_routes
from valetkey.sandbox.emulator import SandboxApp, recording
from valetkey.sandbox.http import BadRequest, error_response, read_json


def discover_apps() -> list[SandboxApp]:
    """A fresh `SandboxApp` from every emulator module, in slug order."""
    apps = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        factory = getattr(module, "create_app", None)
        if factory is None:
            raise RuntimeError(f"sandbox app module {module.__name__} has no create_app()")
        apps.append(factory())
    slugs = [a.slug for a in apps]
    if len(slugs) != len(set(slugs)):
        raise RuntimeError(f"two sandbox apps share a slug: {slugs}")
    return apps


def app_mount(app: SandboxApp) -> Mount:
    """The app's API and OAuth routes under ``/<slug>``, with every request recorded."""
    from starlette.applications import Starlette

    inner = Starlette(routes=app.routes)
    prefix = f"/{app.slug}"
    return Mount(prefix, app=recording(inner, app.requests, prefix))


def app_admin_routes(app: SandboxApp) -> list[BaseRoute]:
    """``/_sandbox/<slug>/``: ``reset``, ``seed``, ``requests``, ``tokens`` and the OAuth admin."""

    async def reset(request: Request) -> Response:
        app.reset()
        return JSONResponse({"reset": app.slug})

    async def seed(request: Request) -> Response:
        try:
            summary = app.seed_with(await read_json(request))
        except (BadRequest, ValueError, KeyError, TypeError) as exc:
            return error_response("invalid_request", str(exc))
        return JSONResponse(summary, 201)

    async def requests(request: Request) -> Response:
        items = [
            {
                "method": r.method,
                "path": r.path,
                "query": [list(p) for p in r.query],
                "headers": r.headers,
                "body": r.body,
            }
            for r in app.requests.all()
        ]
        return JSONResponse({"requests": items})

    async def token(request: Request) -> Response:
        try:
            body = await read_json(request)
            subject = str(body["subject"])
            scopes = tuple(str(s) for s in body.get("scopes") or ())
            return JSONResponse({"access_token": app.issue_token(subject, scopes)}, 201)
        except (BadRequest, ValueError, KeyError) as exc:
            return error_response("invalid_request", str(exc))

    routes: list[BaseRoute] = [
        Route("/reset", reset, methods=["POST"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/requests", requests, methods=["GET"]),
        Route("/token", token, methods=["POST"]),
    ]
    if app.oauth2 is not None:
        routes.append(Mount("/oauth2", routes=oauth2_admin_routes(app.oauth2)))
    return [Mount(f"/_sandbox/{app.slug}", routes=routes)]
