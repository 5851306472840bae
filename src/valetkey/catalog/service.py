"""Catalog queries behind the HTTP routes: filter, version-select, search, paginate.

Functions here take plain values (already parsed from the request) and return
wire-format dictionaries from `catalog.wire`. Problems a client can fix raise
BadRequest naming the parameter at fault.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.registry import LATEST, Catalog
from valetkey.catalog.search import search_toolkits
from valetkey.catalog.serializers import PROJECT_TIER, changelog_item, trigger_type_item
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import ApiError, BadRequest

# A version selector, as the SDK sends it: "latest", one version for every
# toolkit, or a mapping of toolkit slug to version.
VersionSelector = str | dict[str, str] | None
# Orders tools by relevance to a free-text query and drops those that do not match.
ToolRanker = Callable[[list[Tool], str], list[Tool]]

DEFAULT_TOOLS_LIMIT = 20
DEFAULT_TOOLKITS_LIMIT = 50
MAX_LIMIT = 1000


def page(items: Sequence[Any], limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of `items` in the paginated envelope every list endpoint uses."""
    offset = decode_cursor(cursor)
    chunk = list(items[offset : offset + limit])
    following = offset + limit
    return {
        "items": chunk,
        "next_cursor": encode_cursor(following) if following < len(items) else None,
        "total_items": len(items),
        "current_page": offset // limit + 1,
        "total_pages": max(1, math.ceil(len(items) / limit)),
    }


def version_for(
    catalog: Catalog, toolkit: Toolkit, selector: VersionSelector, param: str = "toolkit_versions"
) -> str:
    """The concrete version `selector` picks for `toolkit`; BadRequest naming `param` if it does not exist."""
    if isinstance(selector, dict):
        wanted = selector.get(toolkit.slug) or LATEST
    else:
        wanted = selector or LATEST
    try:
        return catalog.resolve_version(toolkit, wanted)
    except ApiError as exc:
        raise BadRequest(f"{param}: {exc.message}", slug=exc.slug, suggested_fix=exc.suggested_fix) from None


def _toolkits_named(catalog: Catalog, slugs: Sequence[str], param: str) -> list[Toolkit]:
    unknown = [s for s in slugs if catalog.find_toolkit(s) is None]
    if unknown:
        raise BadRequest(
            f"{param}: unknown toolkit {', '.join(repr(s) for s in unknown)}",
            slug="ToolkitNotFound",
            suggested_fix="List toolkits with GET /api/v3/toolkits and use their slugs.",
        )
    by_slug = {toolkit.slug: toolkit for toolkit in map(catalog.toolkit, slugs)}
    return list(by_slug.values())


# -- toolkits ---------------------------------------------------------------


def list_toolkits(
    catalog: Catalog,
    *,
    slugs: Sequence[str] | None = None,
    category: str | None = None,
    managed_by: str | None = None,
    kind: str | None = None,
    sort_by: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Toolkit list items at their latest version, filtered and ordered."""
    toolkits = _toolkits_named(catalog, slugs, "toolkits") if slugs else list(catalog.toolkits.values())
    # The catalog's toolkits are native and operator-managed; a project's custom toolkits are its own.
    if managed_by == "project" or kind == "custom":
        toolkits = [t for t in toolkits if t.tier == PROJECT_TIER]
    elif managed_by == "composio" or kind == "native":
        toolkits = [t for t in toolkits if t.tier != PROJECT_TIER]
    if category:
        wanted = category.lower()
        toolkits = [
            t
            for t in toolkits
            if any(wanted in (c, t.category_names.get(c, "").lower()) for c in t.categories)
        ]
    if sort_by == "alphabetically":
        toolkits.sort(key=lambda t: t.name.lower())
    elif not slugs:
        toolkits.sort(key=lambda t: (-t.popularity, t.name.lower()))
    if search:
        toolkits = search_toolkits(toolkits, search)
    return [catalog.wire.toolkit_items[(t.slug, t.latest_version)] for t in toolkits]


def toolkit_detail(catalog: Catalog, slug: str, version: str | None) -> dict[str, Any]:
    toolkit = catalog.toolkit(slug)
    return catalog.wire.toolkit_details[(toolkit.slug, version_for(catalog, toolkit, version, "version"))]


def categories(catalog: Catalog) -> list[dict[str, str]]:
    found: dict[str, str] = {}
    for toolkit in catalog.toolkits.values():
        for category in toolkit.categories:
            found.setdefault(category, toolkit.category_names.get(category, category))
    return [{"id": cid, "name": name} for cid, name in sorted(found.items(), key=lambda kv: kv[1].lower())]


def changelog(catalog: Catalog) -> list[dict[str, Any]]:
    return [changelog_item(t) for t in sorted(catalog.toolkits.values(), key=lambda t: t.slug)]


# -- tools ------------------------------------------------------------------


def list_tools(
    catalog: Catalog,
    *,
    toolkit_slugs: Sequence[str] = (),
    tool_slugs: Sequence[str] = (),
    search: str | None = None,
    rank: ToolRanker | None = None,
    tags: Sequence[str] = (),
    scopes: Sequence[str] = (),
    important: bool = False,
    include_deprecated: bool = True,
    versions: VersionSelector = None,
) -> list[dict[str, Any]]:
    """Tool items, each at the version `versions` selects for its toolkit.

    `tool_slugs` overrides the other filters and keeps the order asked for.
    Otherwise tools come toolkit by toolkit in definition order, important
    ones first, and a search query ranks them with `rank` (the search engine,
    `valetkey.search.rank_tools`, which sits above the catalog and is passed in).
    """
    if tool_slugs:
        return [_tool_item(catalog, slug, versions) for slug in dict.fromkeys(tool_slugs)]

    toolkits = (
        _toolkits_named(catalog, toolkit_slugs, "toolkit_slug")
        if toolkit_slugs
        else catalog.toolkits.values()
    )
    selected: list[tuple[Tool, str]] = []
    for toolkit in toolkits:
        version = version_for(catalog, toolkit, versions)
        selected += [(tool, version) for tool in catalog.tools_at(toolkit, version)]

    def keep(tool: Tool) -> bool:
        return (
            (include_deprecated or not tool.deprecated)
            and (not important or "important" in tool.tags)
            and (not tags or any(t in tool.tags for t in tags))
            and (not scopes or any(s in tool.scopes for s in scopes))
        )

    selected = [(tool, version) for tool, version in selected if keep(tool)]
    if search:
        if rank is None:
            raise TypeError("list_tools needs a ranker for a search query")
        version_of = {tool.slug: version for tool, version in selected}
        selected = [(tool, version_of[tool.slug]) for tool in rank([t for t, _ in selected], search)]
    else:
        selected.sort(key=lambda entry: "important" not in entry[0].tags)
    return [catalog.wire.tools[(tool.slug, version)] for tool, version in selected]


def _tool_item(catalog: Catalog, slug: str, versions: VersionSelector) -> dict[str, Any]:
    canonical = catalog.canonical_tool_slug(slug)
    if canonical is None:
        raise BadRequest(
            f"tool_slugs: unknown tool {slug!r}",
            slug="ToolNotFound",
            suggested_fix="List tools with GET /api/v3/tools?toolkit_slug=... and use their slugs.",
        )
    return tool_detail(catalog, canonical, None, versions)


def tool_detail(
    catalog: Catalog, slug: str, version: str | None, versions: VersionSelector
) -> dict[str, Any]:
    """One tool at `version`, else the version `versions` selects for its toolkit, else latest."""
    toolkit = catalog.toolkit_of_tool(slug)
    concrete = (
        version_for(catalog, toolkit, version, "version")
        if version
        else version_for(catalog, toolkit, versions)
    )
    resolved = catalog.resolve_tool(slug, concrete)
    return catalog.wire.tools[(resolved.tool.slug, resolved.version)]


def tool_enum(catalog: Catalog) -> list[str]:
    return sorted(t.slug for toolkit in catalog.toolkits.values() for t in catalog.tools_at(toolkit))


def required_scopes(catalog: Catalog, tool_slugs: Sequence[str], version: str | None) -> dict[str, Any]:
    """The scopes a set of tools of one toolkit needs, combined and per tool."""
    toolkits = {catalog.toolkit_of_tool(slug).slug for slug in tool_slugs}
    if len(toolkits) > 1:
        raise BadRequest(
            f"tools: all tools must belong to one toolkit, got tools of {', '.join(sorted(toolkits))}",
            suggested_fix="Ask once per toolkit.",
        )
    resolved = [catalog.resolve_tool(slug, version) for slug in tool_slugs]
    combined = sorted({scope for r in resolved for scope in r.tool.scopes})
    return {
        "scopes_required": combined,
        "per_tool_requirements": [
            {
                "tool": r.tool.slug,
                "scope_requirements": {"all_of": list(r.tool.scopes)} if r.tool.scopes else None,
            }
            for r in resolved
        ],
    }


# -- trigger types ----------------------------------------------------------


def list_trigger_types(
    catalog: Catalog, *, toolkit_slugs: Sequence[str] = (), versions: VersionSelector = None
) -> list[dict[str, Any]]:
    """Trigger types of the named toolkits (all when none), each at the version `versions` selects."""
    toolkits = (
        _toolkits_named(catalog, toolkit_slugs, "toolkit_slugs")
        if toolkit_slugs
        else sorted(catalog.toolkits.values(), key=lambda t: t.slug)
    )
    items = []
    for toolkit in toolkits:
        version = version_for(catalog, toolkit, versions)
        items += [trigger_type_item(t, toolkit, version) for t in catalog.triggers_at(toolkit, version)]
    return items


def trigger_type_detail(catalog: Catalog, slug: str, versions: VersionSelector) -> dict[str, Any]:
    trigger, toolkit, _ = catalog.trigger_type(slug)
    version = version_for(catalog, toolkit, versions)
    trigger, toolkit, version = catalog.trigger_type(slug, version)
    return trigger_type_item(trigger, toolkit, version)


def trigger_enum(catalog: Catalog) -> list[str]:
    return sorted(t.slug for toolkit in catalog.toolkits.values() for t in catalog.triggers_at(toolkit))
