"""Python tools of the hackernews toolkit: the requests its `http:` format cannot spell.

HACKERNEWS_GET_STORY_COMMENTS filters Algolia by ``tags=comment,story_<id>``:
the story id is an argument but the tag is a composed string, so the request
is built here. It answers exactly as the HTTP tools do: Algolia's page
envelope on success, ``{"status_code", "message"}`` on an upstream error.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.execution.handlers import ToolError


async def story_comments(arguments: dict[str, Any], context: Any) -> dict[str, Any]:
    """Comments of one story, newest first, a page at a time (Algolia ``/search_by_date``)."""
    params = {
        "tags": f"comment,story_{int(arguments['story_id'])}",
        "hitsPerPage": arguments.get("size", 50),
        "page": arguments.get("page", 0),
    }
    outcome = await context.request("GET", "/search_by_date", params=params)
    response = outcome.response
    if response is None:
        raise ToolError(outcome.message, {"status_code": None, "message": outcome.message})
    text = response.content.decode("utf-8", "replace")
    if response.status_code >= 400:
        raise ToolError(
            f"{response.status_code} from the Hacker News search API: {text[:200]}",
            {"status_code": response.status_code, "message": text[:10_000]},
        )
    return json.loads(text)
