"""Inline custom tools (`experimental.custom_tools` / `custom_toolkits`): validated, named, echoed, searched.

A custom tool is defined and *run* in the SDK's process (`composio.experimental.tool`):
the SDK sends its definition (slug, name, description, JSON Schemas) with
`create`, `use(..., custom_tools=...)` (`POST .../attach`) and every search and
execute, and routes calls of it to the local function itself. The server's
part, worked out from the SDK (`custom_tool.build_custom_tools_map_from_response`):

- check each definition and give it its final slug, `LOCAL_<SLUG>` (standalone),
  `LOCAL_<TOOLKIT>_<SLUG>` (extending a catalog toolkit, or in a custom toolkit),
  at most 60 characters, echoed with the `original_slug` the SDK maps back;
- find them with session search, with the connection status of the toolkit a
  tool extends (its `ctx.proxy_execute` calls use that connection);
- never pretend to run one: a `LOCAL_*` slug reaching the server (an
  `execute_meta` multi-execute, an MCP client, which has no SDK process) is a
  failed call saying where it runs.

The definitions of `create` are stored with the session's config (so `GET`
and `use(...)` echo them); those a request carries win for that request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from valetkey.catalog.model import Tool, Toolkit

PREFIX = "LOCAL_"
MAX_SLUG = 60
MAX_TOOLS = 100
SLUG_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
CUSTOM_TOOLKIT = "custom"  # the toolkit a standalone custom tool is listed under


class CustomToolError(ValueError):
    """A definition the server refuses; `field` is its dotted path in the request."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class CustomTool:
    slug: str  # the final slug, LOCAL_...
    original_slug: str
    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    extends_toolkit: str | None = None
    toolkit: str | None = None  # the custom toolkit it belongs to
    preload: bool | None = None

    @property
    def listed_toolkit(self) -> str:
        return self.extends_toolkit or self.toolkit or CUSTOM_TOOLKIT


@dataclass(frozen=True)
class CustomToolkit:
    slug: str
    name: str
    description: str
    tools: tuple[CustomTool, ...]
    preload: bool | None = None


@dataclass(frozen=True)
class CustomTools:
    """The inline definitions of a session or a request."""

    tools: tuple[CustomTool, ...] = ()
    toolkits: tuple[CustomToolkit, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tools or self.toolkits)

    def all_tools(self) -> list[CustomTool]:
        return [*self.tools, *(tool for toolkit in self.toolkits for tool in toolkit.tools)]

    def find(self, slug: str) -> CustomTool | None:
        wanted = slug.upper()
        return next((t for t in self.all_tools() if t.slug == wanted), None)


# -- parsing ------------------------------------------------------------------------------------


def _text(value: Any, field: str, max_length: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CustomToolError(field, "is required: a non-empty string")
    if len(value) > max_length:
        raise CustomToolError(field, f"is longer than {max_length} characters")
    return value


def _slug(value: Any, field: str) -> str:
    slug = _text(value, field, MAX_SLUG)
    if not SLUG_PATTERN.match(slug):
        raise CustomToolError(field, "may hold only letters, digits, '_' and '-'")
    if slug.upper().startswith((PREFIX, "COMPOSIO_")):
        raise CustomToolError(field, "must not start with LOCAL_ or COMPOSIO_ (the server adds LOCAL_)")
    return slug


def _schema(value: Any, field: str, *, required: bool) -> dict[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping) or value.get("type") != "object":
        raise CustomToolError(field, 'must be a JSON Schema object with "type": "object"')
    if required and not isinstance(value.get("properties"), Mapping):
        raise CustomToolError(field, 'needs a "properties" object')
    return dict(value)


def _preload(value: Any, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise CustomToolError(field, "must be true or false")
    return value


def _only(value: Mapping[str, Any], allowed: tuple[str, ...], field: str) -> None:
    unknown = [str(k) for k in value if k not in allowed]
    if unknown:
        raise CustomToolError(f"{field}.{unknown[0]}", "is not a custom tool setting")


def final_slug(slug: str, toolkit: str | None) -> str:
    return f"{PREFIX}{toolkit.upper()}_{slug.upper()}" if toolkit else f"{PREFIX}{slug.upper()}"


def _tool(value: Any, field: str, *, toolkit: str | None, may_extend: bool) -> CustomTool:
    if not isinstance(value, Mapping):
        raise CustomToolError(field, "must be an object")
    allowed = ("slug", "name", "description", "input_schema", "output_schema", "preload")
    _only(value, (*allowed, "extends_toolkit") if may_extend else allowed, field)
    slug = _slug(value.get("slug"), f"{field}.slug")
    extends = value.get("extends_toolkit") if may_extend else None
    if extends is not None:
        extends = _slug(extends, f"{field}.extends_toolkit").lower()
    final = final_slug(slug, extends or toolkit)
    if len(final) > MAX_SLUG:
        raise CustomToolError(
            f"{field}.slug", f"makes the final slug {final}, longer than {MAX_SLUG} characters"
        )
    return CustomTool(
        slug=final,
        original_slug=slug,
        name=_text(value.get("name"), f"{field}.name", 200),
        description=_text(value.get("description"), f"{field}.description"),
        input_schema=_schema(value.get("input_schema"), f"{field}.input_schema", required=True) or {},
        output_schema=_schema(value.get("output_schema"), f"{field}.output_schema", required=False),
        extends_toolkit=extends,
        toolkit=toolkit,
        preload=_preload(value.get("preload"), f"{field}.preload"),
    )


def _list(value: Any, field: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CustomToolError(field, "must be a list")
    return value


def parse(experimental: Mapping[str, Any], where: str = "experimental") -> CustomTools:
    """The custom tools and toolkits of an `experimental` block (its other keys are the caller's business)."""
    tools = tuple(
        _tool(item, f"{where}.custom_tools[{i}]", toolkit=None, may_extend=True)
        for i, item in enumerate(_list(experimental.get("custom_tools"), f"{where}.custom_tools"))
    )
    toolkits = []
    for i, item in enumerate(_list(experimental.get("custom_toolkits"), f"{where}.custom_toolkits")):
        field = f"{where}.custom_toolkits[{i}]"
        if not isinstance(item, Mapping):
            raise CustomToolError(field, "must be an object")
        _only(item, ("slug", "name", "description", "tools", "preload"), field)
        slug = _slug(item.get("slug"), f"{field}.slug")
        members = _list(item.get("tools"), f"{field}.tools")
        if not members:
            raise CustomToolError(f"{field}.tools", "needs at least one tool")
        toolkits.append(
            CustomToolkit(
                slug=slug,
                name=_text(item.get("name"), f"{field}.name", 200),
                description=_text(item.get("description"), f"{field}.description"),
                tools=tuple(
                    _tool(tool, f"{field}.tools[{j}]", toolkit=slug, may_extend=False)
                    for j, tool in enumerate(members)
                ),
                preload=_preload(item.get("preload"), f"{field}.preload"),
            )
        )
    found = CustomTools(tools, tuple(toolkits))
    slugs = [t.slug for t in found.all_tools()]
    if len(slugs) > MAX_TOOLS:
        raise CustomToolError(where, f"at most {MAX_TOOLS} custom tools, got {len(slugs)}")
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise CustomToolError(where, f"custom tool slug collision: {', '.join(twice)}")
    names = [t.slug.lower() for t in found.toolkits]
    if len(set(names)) != len(names):
        raise CustomToolError(f"{where}.custom_toolkits", "toolkit slugs must be unique")
    return found


def check_catalog(found: CustomTools, known_toolkit: Any, where: str = "experimental") -> None:
    """Extended toolkits exist; custom toolkit slugs do not take a catalog toolkit's name."""
    for i, tool in enumerate(found.tools):
        if tool.extends_toolkit and known_toolkit(tool.extends_toolkit) is None:
            raise CustomToolError(
                f"{where}.custom_tools[{i}].extends_toolkit", f"unknown toolkit {tool.extends_toolkit}"
            )
    for i, toolkit in enumerate(found.toolkits):
        if known_toolkit(toolkit.slug) is not None or toolkit.slug.lower() == CUSTOM_TOOLKIT:
            raise CustomToolError(
                f"{where}.custom_toolkits[{i}].slug", f"{toolkit.slug} is the name of an existing toolkit"
            )


# -- storage and the wire -----------------------------------------------------------------------


def to_json(found: CustomTools) -> dict[str, Any] | None:
    if not found:
        return None
    return {
        "tools": [_tool_json(t) for t in found.tools],
        "toolkits": [_toolkit_json(k) for k in found.toolkits],
    }


def _tool_json(tool: CustomTool) -> dict[str, Any]:
    return {
        "slug": tool.slug,
        "original_slug": tool.original_slug,
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.input_schema,
        "output_schema": tool.output_schema,
        "extends_toolkit": tool.extends_toolkit,
        "toolkit": tool.toolkit,
        "preload": tool.preload,
    }


def _toolkit_json(toolkit: CustomToolkit) -> dict[str, Any]:
    return {
        "slug": toolkit.slug,
        "name": toolkit.name,
        "description": toolkit.description,
        "preload": toolkit.preload,
        "tools": [_tool_json(t) for t in toolkit.tools],
    }


def from_json(data: Mapping[str, Any] | None) -> CustomTools:
    if not data:
        return CustomTools()
    return CustomTools(
        tuple(CustomTool(**t) for t in data.get("tools") or ()),
        tuple(
            CustomToolkit(
                k["slug"],
                k["name"],
                k["description"],
                tuple(CustomTool(**t) for t in k["tools"]),
                k.get("preload"),
            )
            for k in data.get("toolkits") or ()
        ),
    )


def _wire_tool(tool: CustomTool, *, with_extends: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": tool.slug,
        "original_slug": tool.original_slug,
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.input_schema,
        "output_schema": tool.output_schema,
        "preload": tool.preload,
    }
    if with_extends:
        entry["extends_toolkit"] = tool.extends_toolkit
    return entry


def wire(found: CustomTools) -> dict[str, Any]:
    """`experimental.custom_tools` / `custom_toolkits` of a session response, as the SDK reads them."""
    return {
        "custom_tools": [_wire_tool(t, with_extends=True) for t in found.tools],
        "custom_toolkits": [
            {
                "slug": k.slug,
                "name": k.name,
                "description": k.description,
                "preload": k.preload,
                "tools": [_wire_tool(t, with_extends=False) for t in k.tools],
            }
            for k in found.toolkits
        ],
    }


def request_body(found: CustomTools) -> dict[str, Any]:
    """The definitions as a create body's `experimental` sends them (for `update.config_body`)."""

    def one(tool: CustomTool, *, with_extends: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "slug": tool.original_slug,
            "name": tool.name,
            "description": tool.description,
            "input_schema": tool.input_schema,
        }
        if tool.output_schema is not None:
            entry["output_schema"] = tool.output_schema
        if with_extends and tool.extends_toolkit:
            entry["extends_toolkit"] = tool.extends_toolkit
        if tool.preload is not None:
            entry["preload"] = tool.preload
        return entry

    body: dict[str, Any] = {}
    if found.tools:
        body["custom_tools"] = [one(t, with_extends=True) for t in found.tools]
    if found.toolkits:
        body["custom_toolkits"] = [
            {
                "slug": k.slug,
                "name": k.name,
                "description": k.description,
                "tools": [one(t, with_extends=False) for t in k.tools],
                **({"preload": k.preload} if k.preload is not None else {}),
            }
            for k in found.toolkits
        ]
    return body


# -- search -------------------------------------------------------------------------------------


def as_catalog_tool(tool: CustomTool) -> Tool:
    """A catalog `Tool` for the search engine and the schemas it answers with (never executed here)."""
    return Tool(
        slug=tool.slug,
        toolkit=tool.listed_toolkit,
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema or {},
        no_auth=tool.extends_toolkit is None,
    )


def as_catalog_toolkit(found: CustomTools, slug: str) -> Toolkit:
    """The no-auth `Toolkit` a custom toolkit (or the standalone tools' "custom") is listed as."""
    custom = next((k for k in found.toolkits if k.slug == slug), None)
    return Toolkit(
        slug=slug,
        name=custom.name if custom else "Custom tools",
        description=custom.description if custom else "Tools defined in the application's SDK process.",
        logo="",
        categories=(),
        base_url="",
        auth_schemes=(),
        versions=("latest",),
    )


def runs_in_the_sdk(slug: str) -> str:
    return (
        f"{slug} is a custom tool: it runs in the application's SDK process, not on the server. Execute it "
        f"with the SDK session's execute method (tool slug {slug}) or through the SDK's provider tools (which "
        f"run it locally)."
    )
