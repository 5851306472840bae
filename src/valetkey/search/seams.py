"""The engine behind its two callers: `GET /tools?search=` and sessions' tool search.

- `rank_tools` ranks `GET /tools?search=` (the route passes it to the catalog service): the route has already picked tool
  definitions (toolkit filter, version selector, tags, scopes); it ranks
  exactly those and drops the ones matching no word of the query.
- `session_engine` has the signature of `sessions.tool_search.Engine`: the
  latest version of every tool the session's `allowed` predicate admits, best
  first. The predicate is asked only about tools that matched, best first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from valetkey.catalog.model import Tool
from valetkey.search.aliases import query_weights
from valetkey.search.engine import Hit, search
from valetkey.search.tool_index import build_tool_index, index_for

if TYPE_CHECKING:
    from valetkey.catalog.registry import Catalog


def rank_tools(catalog: Catalog, tools: Iterable[Tool], query: str) -> list[Tool]:
    """`tools` matching `query`, best first, ties in catalog order; all of them for a query of no words."""
    tools = list(tools)
    if not query_weights(query):
        return tools
    index = index_for(catalog)
    docs = [doc for tool in tools if (doc := index.doc_of.get(id(tool))) is not None]
    if len(docs) < len(tools):
        # Definitions the catalog does not hold (a hand-built list): index just these.
        index = build_tool_index((tool, catalog.toolkit(tool.toolkit), True) for tool in tools)
        docs = list(range(len(tools)))
    wanted = np.zeros(index.bm25.size, dtype=bool)
    wanted[docs] = True
    return [hit.tool for hit in search(index, query, limit=len(tools), mask=wanted)]


def session_engine(catalog: Catalog, query: str, allowed: Callable[[Tool], bool], limit: int) -> list[Hit]:
    """At most `limit` tools of the latest versions that `allowed` admits, best first."""
    index = index_for(catalog)
    tools = index.tools
    return search(index, query, limit=limit, mask=index.latest, admits=lambda doc: allowed(tools[doc]))
