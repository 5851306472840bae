"""The one seam between sessions and the tool search engine.

Sessions find tools only through `search_tools`, which ranks with the search
engine (`valetkey.search.session_engine`, BM25 with agent-phrasing aliases).

`allowed` is the session's filter (toolkits, tools, tags). The engine must
only return tools it admits: a session's search never reveals a tool the
session cannot execute; `search_tools` filters once more to be sure.
"""

from __future__ import annotations

from collections.abc import Callable

from valetkey.catalog.model import Tool
from valetkey.catalog.registry import Catalog
from valetkey.search import Hit, session_engine


def search_tools(catalog: Catalog, query: str, allowed: Callable[[Tool], bool], limit: int) -> list[Hit]:
    """At most `limit` allowed tools for a free-text use case, best first."""
    return [hit for hit in session_engine(catalog, query, allowed, limit) if allowed(hit.tool)][:limit]
