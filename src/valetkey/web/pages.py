"""Rendering a page, with the headers every end-user page carries.

Pages are Jinja2 templates with autoescaping on: provider error text and
user input only ever reach the HTML escaped. Every response says:

- `Cache-Control: no-store`: link pages hold one-time tokens and form values;
- `Referrer-Policy: no-referrer`: the link token in our URL must not leak to
  the provider or to image hosts through the Referer header;
- a Content-Security-Policy with `frame-ancestors 'none'` (no clickjacking of
  the consent button), no scripts at all, styles only with this response's
  nonce, and forms posting only to us (plus the origins a form's redirect
  legitimately continues to, which Chromium checks against `form-action`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import httpx
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("valetkey.web", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of an absolute URL, for a CSP source list; None if there is none."""
    if not url:
        return None
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    port = f":{parsed.port}" if parsed.port else ""
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"{parsed.scheme}://{host}{port}"


def security_headers(nonce: str, form_targets: Iterable[str | None] = ()) -> dict[str, str]:
    sources = " ".join(dict.fromkeys(o for o in (origin_of(t) for t in form_targets) if o))
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src 'nonce-{nonce}'",
            "img-src https: http: data:",
            f"form-action 'self' {sources}".strip(),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )
    return {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }


def render(
    template: str, context: Mapping[str, Any], *, status: int = 200, form_targets: Iterable[str | None] = ()
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = environment().get_template(template).render({**context, "nonce": nonce})
    return HTMLResponse(html, status_code=status, headers=security_headers(nonce, form_targets))


def redirect(url: str, *, status: int = 303) -> Response:
    """A redirect carrying the same no-store / no-referrer headers as the pages."""
    response = RedirectResponse(url, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def message(
    title: str, text: str, *, status: int = 200, tone: str = "info", branding: Mapping[str, Any] | None = None
) -> HTMLResponse:
    """A page with one message: link used or expired, connection done, flow refused."""
    return render(
        "message.html", {"title": title, "text": text, "tone": tone, "brand": branding or {}}, status=status
    )


def landing_url(callback_url: str, *, success: bool, account_id: str) -> str:
    """The bound callback URL with `status` and `connected_account_id` added; its own query and fragment kept."""
    url = httpx.URL(callback_url)
    return str(
        url.copy_merge_params(
            {"status": "success" if success else "failed", "connected_account_id": account_id}
        )
    )


def landing(
    callback_url: str | None,
    account_id: str,
    toolkit_name: str,
    *,
    success: bool,
    reason: str | None = None,
    brand: Mapping[str, Any] | None = None,
) -> Response:
    """Where a finished flow goes: the bound callback URL, or a page saying how it went."""
    if callback_url:
        return redirect(landing_url(callback_url, success=success, account_id=account_id))
    if success:
        return message(
            f"{toolkit_name} connected",
            "You can close this window and return to the app.",
            tone="ok",
            branding=brand,
        )
    return message(
        f"Could not connect {toolkit_name}",
        reason or "The connection failed.",
        status=400,
        tone="error",
        branding=brand,
    )
