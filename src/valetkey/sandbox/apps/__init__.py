"""App emulators, one module (or package) each, found by walking this package.

Adding an emulator means adding `apps/<slug>.py` (or `apps/<slug>/`) with a
``create_app() -> SandboxApp`` function; no registry to edit. Names starting
with ``_`` are private helpers and are skipped.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from valetkey.sandbox.admin import oauth2_admin_routes
from valetkey.sandbox.emulator import SandboxApp, recording
from valetkey.sandbox.http import BadRequest, error_response, read_json
from valetkey.sandbox.webhooks import FLUSH_TIMEOUT


def discover_apps(catalog_dirs: Sequence[Path] = ()) -> list[SandboxApp]:
    """A fresh `SandboxApp` from every emulator module, in slug order, then a generic emulator
    (`valetkey.sandbox.generic`) for every imported toolkit, built-in or in `catalog_dirs`."""
    from valetkey.catalog.loader import BUILTIN_DIR
    from valetkey.sandbox.generic import imported_apps

    apps = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        factory = getattr(module, "create_app", None)
        if factory is None:
            raise RuntimeError(f"sandbox app module {module.__name__} has no create_app()")
        apps.append(factory())
    for root in (BUILTIN_DIR, *catalog_dirs):
        apps += imported_apps(Path(root))
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
    """``/_sandbox/<slug>/``: ``reset``, ``seed``, ``requests``, ``token``, ``deliveries`` and the OAuth admin.

    ``GET deliveries`` lists the events the app sent to registered URLs with every
    attempt; ``POST deliveries/flush`` (``{"timeout"?: 30, "retries"?: true}``) waits
    until none is in flight, running scheduled retries at once unless ``retries`` is
    false, and answers the same list (504 when they are still running at the timeout).
    """

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

    async def deliveries(request: Request) -> Response:
        return JSONResponse({"deliveries": [d.to_json() for d in app.deliveries.all()]})

    async def flush(request: Request) -> Response:
        try:
            body = await read_json(request)
            timeout = float(body.get("timeout", FLUSH_TIMEOUT))
            retries = body.get("retries", True)
            if not isinstance(retries, bool):
                raise BadRequest("retries must be a boolean")
        except (BadRequest, ValueError, TypeError) as exc:
            return error_response("invalid_request", str(exc))
        try:
            done = await asyncio.to_thread(app.deliveries.flush, timeout, retries=retries)
        except TimeoutError as exc:
            return error_response("timeout", str(exc), 504)
        return JSONResponse({"deliveries": [d.to_json() for d in done]})

    routes: list[BaseRoute] = [
        Route("/reset", reset, methods=["POST"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/requests", requests, methods=["GET"]),
        Route("/token", token, methods=["POST"]),
        Route("/deliveries", deliveries, methods=["GET"]),
        Route("/deliveries/flush", flush, methods=["POST"]),
        *app.admin_routes,
    ]
    if app.oauth2 is not None:
        routes.append(Mount("/oauth2", routes=oauth2_admin_routes(app.oauth2)))
    return [Mount(f"/_sandbox/{app.slug}", routes=routes)]
