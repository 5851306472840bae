"""The verification request: does this key actually work before the account goes ACTIVE?

A toolkit's auth scheme may define `verification` (method, path relative to
the toolkit's base URL, extra headers and query, and a dotted path naming the
account in the response). The credentials are placed on it exactly as for a
tool call, and it travels through the shared upstream client. A 2xx answer
makes the account ACTIVE; anything else makes it FAILED with a reason that
says what happened without quoting the upstream body (which may echo the key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from valetkey.catalog.model import AuthScheme, Toolkit
from valetkey.connections.request_auth import CredentialError, apply_credentials
from valetkey.net.request import UpstreamRequest


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: str | None = None
    # A human label for the account from the response ("octocat"), if the scheme names one.
    account_label: str | None = None


def verification_url(toolkit: Toolkit, path: str, values: Mapping[str, Any]) -> str:
    base = str(values.get("base_url") or toolkit.base_url or "")
    return base.rstrip("/") + path


def _dig(document: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


async def verify_credentials(
    http: Any, toolkit: Toolkit, scheme: AuthScheme, values: Mapping[str, Any]
) -> VerificationResult:
    """Run the scheme's verification request; schemes without one pass at once."""
    spec = scheme.verification
    if not spec:
        return VerificationResult(ok=True)
    method = str(spec.get("method") or "GET").upper()
    path = str(spec.get("path") or "/")
    url = verification_url(toolkit, path, values)
    if not url.startswith(("http://", "https://")):
        return VerificationResult(ok=False, reason=f"Cannot verify: toolkit '{toolkit.slug}' has no base URL")
    request = UpstreamRequest(
        method=method,
        url=url,
        headers={str(k): str(v) for k, v in (spec.get("headers") or {}).items()},
        query=tuple((str(k), str(v)) for k, v in (spec.get("query") or {}).items()),
        body_kind="json" if spec.get("body") is not None else None,
        body=spec.get("body"),
    )
    try:
        request = apply_credentials(request, scheme, values)
    except CredentialError as exc:
        return VerificationResult(ok=False, reason=f"Verification could not be sent: {exc}")
    outcome = await http.send(request)
    if outcome.response is None:
        return VerificationResult(
            ok=False, reason=f"Verification request {method} {path} failed: {outcome.message}"
        )
    status = outcome.response.status_code
    if not 200 <= status < 300:
        kind = "rejected the credentials" if status in (401, 403) else "answered an error"
        return VerificationResult(
            ok=False, reason=f"Verification request {method} {path} {kind} (HTTP {status})"
        )
    try:
        document = json.loads(outcome.response.content or b"null")
    except ValueError:
        document = None
    if spec.get("success_path") and _dig(document, str(spec["success_path"])) is not True:
        # APIs like Slack answer HTTP 200 {"ok": false, "error": "invalid_auth"} to a bad token.
        error = _dig(document, "error")
        detail = f": {error}" if isinstance(error, str) and len(error) < 100 else ""
        return VerificationResult(
            ok=False, reason=f"Verification request {method} {path} was refused{detail}"
        )
    label = None
    if spec.get("account_label_path"):
        found = _dig(document, str(spec["account_label_path"]))
        label = str(found)[:200] if isinstance(found, (str, int)) else None
    return VerificationResult(ok=True, account_label=label)
