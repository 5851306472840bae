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
from valetkey.search.engine import search
from valetkey.search.fusion import reciprocal_rank_fusion
from valetkey.search.tool_index import build_tool_index
from valetkey.sessions import custom_tools
from valetkey.sessions.custom_tools import CustomTools


def search_tools(catalog: Catalog, query: str, allowed: Callable[[Tool], bool], limit: int) -> list[Hit]:
    """At most `limit` allowed tools for a free-text use case, best first."""
    return [hit for hit in session_engine(catalog, query, allowed, limit) if allowed(hit.tool)][:limit]


def with_custom_tools(
    catalog: Catalog, hits: list[Tool], custom: CustomTools, query: str, limit: int
) -> list[Tool]:
    """`hits` (the catalog's, best first) fused with the custom tools matching `query`, at most `limit`.

    Custom tools are ranked by the same engine over an index of just them
    (BM25 scores of two indexes are not comparable), and the two rankings are
    merged by reciprocal rank fusion, so a well-matching custom tool leads
    and a weak one does not push the catalog's best out.
    """
    tools = [custom_tools.as_catalog_tool(t) for t in custom.all_tools()]
    index = build_tool_index(
        (
            tool,
            catalog.find_toolkit(tool.toolkit) or custom_tools.as_catalog_toolkit(custom, tool.toolkit),
            True,
        )
        for tool in tools
    )
    matched = [hit.tool for hit in search(index, query, limit=limit)]
    if not matched:
        return hits
    pool = {tool.slug: tool for tool in (*hits, *matched)}
    slugs = list(pool)
    order = {slug: number for number, slug in enumerate(slugs)}
    fused = reciprocal_rank_fusion([[order[t.slug] for t in matched], [order[t.slug] for t in hits]])
    return [pool[slugs[number]] for number, _ in fused][:limit]
