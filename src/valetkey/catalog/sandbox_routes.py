"""Where every toolkit's API lives in `valetkey sandbox serve`: upstream overrides for ``VALETKEY_SANDBOX_URL``.

The sandbox serves each app's real paths under ``/<toolkit slug>``
(``https://api.github.com/user`` is ``{sandbox}/github/user``; both Hacker
News hosts are under ``{sandbox}/hackernews``). One toolkit may sit on a path
of a host another toolkit shares (Google Calendar at
``https://www.googleapis.com/calendar/v3``, Drive at ``https://www.googleapis.com``),
so a route is a URL prefix, not only an origin, and longer prefixes come first:
`valetkey.execution.reroute` takes the first that matches.

A base URL several toolkits share (Microsoft Graph's, for Outlook, OneDrive,
Teams, SharePoint and Excel) is routed by operation path: each tool's path
template (``/me/messages/{message-id}``) is a prefix with placeholders that
sends the call to its own toolkit's emulator; the base URL itself stays with
the first of them, so a path no tool has still stays in the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from valetkey.catalog.model import Toolkit


def api_roots(toolkit: Toolkit) -> list[str]:
    """The toolkit's API roots: its `base_url` and every tool's own `http.base_url`, without duplicates."""
    roots = [toolkit.base_url] + [
        t.operation.base_url for t in toolkit.tools if t.operation and t.operation.base_url
    ]
    return list(dict.fromkeys(root.rstrip("/") for root in roots if root))


def sandbox_routes(toolkits: Iterable[Toolkit], sandbox_url: str) -> tuple[tuple[str, str], ...]:
    """``(prefix, target)`` pairs sending each root of each toolkit to ``{sandbox_url}/<slug>`` + the root's path.

    A prefix two toolkits both claim keeps the first toolkit's target (catalog
    order), so the result never depends on set ordering. Roots claimed by more
    than one toolkit also get one route per operation path (module docstring).
    """
    base = sandbox_url.rstrip("/")
    toolkits = list(toolkits)
    claims: dict[str, list[str]] = {}
    for toolkit in toolkits:
        for root in api_roots(toolkit):
            claims.setdefault(root, []).append(toolkit.slug)
    routes: dict[str, str] = {}
    for toolkit in toolkits:
        for tool in toolkit.tools:
            root = ((tool.operation.base_url if tool.operation else None) or toolkit.base_url or "").rstrip(
                "/"
            )
            if tool.operation is None or len(claims.get(root, ())) < 2:
                continue
            path = tool.operation.path.rstrip("/")
            if not path.startswith("/"):
                continue
            literal = path.split("{", 1)[0]
            routes.setdefault(root + path, f"{base}/{toolkit.slug}{urlsplit(root).path}{literal}")
    for toolkit in toolkits:
        for root in api_roots(toolkit):
            routes.setdefault(root, f"{base}/{toolkit.slug}{urlsplit(root).path}")
    return tuple(sorted(routes.items(), key=lambda item: (-_specificity(item[0]), -len(item[0]), item[0])))


def _specificity(prefix: str) -> int:
    """Literal path segments of a route prefix: ``/me/drive/root`` beats ``/me/drive/items/{id}``... and ``/me``."""
    return sum(1 for segment in urlsplit(prefix).path.split("/") if segment and "{" not in segment)
