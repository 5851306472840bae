"""Rendering the operator dashboard: templates, static files and the headers every page carries.

The pages are Jinja2 templates with autoescaping on, progressively enhanced by
htmx (a vendored, pinned file served from `/dashboard/static/`). Every page
says, besides no-store and no-referrer:

- a Content-Security-Policy with scripts only from this origin (`script-src
  'self'`: no inline script, no eval), styles only from this origin (the
  stylesheet file; htmx's own indicator style is turned off in its config
  meta tag, so nothing needs `unsafe-inline`), forms posting only to us and
  no framing;
- `X-Frame-Options: DENY` and `nosniff` for older browsers.

No secret reaches a page except at the one moment it is made (a new API key,
a new Connect Link), and then only in the response to the POST that made it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

HTMX_FILE = "htmx-2.0.11.min.js"
STATIC_TYPES = {
    HTMX_FILE: "text/javascript; charset=utf-8",
    "htmx-LICENSE.txt": "text/plain; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}
# htmx, configured from a meta tag (no inline script): no inline indicator <style>, no eval, no
# <script> in swapped content, requests only to this origin.
HTMX_CONFIG = json.dumps(
    {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        "selfRequestsOnly": True,
        "historyCacheSize": 0,
    }
)
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("valetkey.web", "templates/dashboard"),
        autoescape=select_autoescape(["html", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(htmx_file=HTMX_FILE, htmx_config=HTMX_CONFIG)
    env.filters["pretty"] = lambda value: json.dumps(value, indent=2, sort_keys=True, default=str)
    return env


def render(template: str, context: Mapping[str, Any], *, status: int = 200) -> HTMLResponse:
    html = environment().get_template(template).render(dict(context))
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers.update({k: HEADERS[k] for k in ("Cache-Control", "Referrer-Policy")})
    return response


def static_file(name: str) -> Response | None:
    """A vendored static file by exact name; None for any other name."""
    media_type = STATIC_TYPES.get(name)
    if media_type is None:
        return None
    body = resources.files("valetkey.web").joinpath("static", name).read_bytes()
    return Response(
        body,
        media_type=media_type,
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
