"""Tool search: BM25F over the catalog with agent-phrasing aliases and app boosting.

- `text`: identifiers split, stop words dropped, Snowball stems.
- `aliases`: "DM" -> "direct message", "repo" -> "repository"... (query side).
- `bm25`: the BM25F index, impacts precomputed into postings lists.
- `tool_index`: tool definitions as documents; one index per loaded catalog.
- `engine`: scoring, app boosting, filtering, top k; the RRF fusion seam (`fusion`).
- `seams`: what `GET /tools?search=` and sessions' COMPOSIO_SEARCH_TOOLS call.

See docs/search.md for the design and benchmarks/search.py for its figures.
"""

from valetkey.search.engine import Hit, search
from valetkey.search.seams import rank_tools, session_engine
from valetkey.search.tool_index import ToolIndex, build_tool_index, index_for

__all__ = ["Hit", "ToolIndex", "build_tool_index", "index_for", "rank_tools", "search", "session_engine"]
