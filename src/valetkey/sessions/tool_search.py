"""The one seam between sessions and the tool search engine.

Sessions find tools only through `search_tools`. Today it ranks with the
catalog's small keyword search (`valetkey.catalog.search`); the search engine
(`valetkey.search`, BM25 plus optional embeddings) plugs in with
`use_engine(engine)` at startup, without touching the session code. An engine
is any callable with the signature of `keyword_engine`.

`allowed` is the session's filter (toolkits, tools, tags). The engine must
only return tools it admits: a session's search never reveals a tool the
session cannot execute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.registry import Catalog
from valetkey.catalog.search import search_tools as keyword_rank


@dataclass(frozen=True)
class ScoredTool:
    tool: Tool
    toolkit: Toolkit
    # Higher is better; only the order is meaningful across engines.
    score: float


Engine = Callable[[Catalog, str, Callable[[Tool], bool], int], list[ScoredTool]]


def keyword_engine(
    catalog: Catalog, query: str, allowed: Callable[[Tool], bool], limit: int
) -> list[ScoredTool]:
    """The latest version of every allowed tool, ranked by the catalog's keyword search."""
    candidates = [
        tool for toolkit in catalog.toolkits.values() for tool in catalog.tools_at(toolkit) if allowed(tool)
    ]
    ranked = keyword_rank(candidates, query)[:limit]
    return [
        ScoredTool(tool, catalog.toolkit(tool.toolkit), float(len(ranked) - i))
        for i, tool in enumerate(ranked)
    ]


_engine: Engine = keyword_engine


def use_engine(engine: Engine | None) -> None:
    """Route every session search through `engine` (None restores the keyword engine)."""
    global _engine
    _engine = engine or keyword_engine


def search_tools(
    catalog: Catalog, query: str, allowed: Callable[[Tool], bool], limit: int
) -> list[ScoredTool]:
    """At most `limit` allowed tools for a free-text use case, best first."""
    return [hit for hit in _engine(catalog, query, allowed, limit) if allowed(hit.tool)][:limit]
