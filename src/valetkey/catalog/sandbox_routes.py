"""Where every toolkit's API lives in `valetkey sandbox serve`: upstream overrides for ``VALETKEY_SANDBOX_URL``.

The sandbox serves each app's real paths under ``/<toolkit slug>``
(``https://api.github.com/user`` is ``{sandbox}/github/user``; both Hacker
News hosts are under ``{sandbox}/hackernews``). One toolkit may sit on a path
of a host another toolkit shares (Google Calendar at
``https://www.googleapis.com/calendar/v3``, Drive at ``https://www.googleapis.com``),
so a route is a URL prefix, not only an origin, and longer prefixes come first:
`valetkey.execution.reroute` takes the first that matches.
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
    order), so the result never depends on set ordering.
    """
    base = sandbox_url.rstrip("/")
    routes: dict[str, str] = {}
    for toolkit in toolkits:
        for root in api_roots(toolkit):
            routes.setdefault(root, f"{base}/{toolkit.slug}{urlsplit(root).path}")
    return tuple(sorted(routes.items(), key=lambda item: -len(item[0])))
