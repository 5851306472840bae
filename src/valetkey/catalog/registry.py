"""The loaded catalog: O(1) lookups of toolkits, tools and versions.

A `Catalog` is built once per process from the toolkit definitions and never
changes afterwards, so everything a lookup needs is indexed up front. Tool
execution calls `resolve_tool` on every request; it is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from valetkey.catalog.loader import BUILTIN_DIR, active_in, load_toolkits
from valetkey.catalog.model import Tool, Toolkit, TriggerType
from valetkey.catalog.parse_cache import ParseCache
from valetkey.catalog.serializers import Wire, precompute
from valetkey.core.errors import BadRequest, NotFound

LATEST = "latest"


@dataclass(frozen=True)
class ResolvedTool:
    """A tool definition as it exists in one version of its toolkit."""

    tool: Tool
    toolkit: Toolkit
    version: str


class Catalog:
    """Every toolkit and tool definition, indexed by slug and version."""

    def __init__(self, toolkits: Iterable[Toolkit] = ()):
        self.toolkits: dict[str, Toolkit] = {t.slug: t for t in toolkits}
        self._toolkits_by_lower = {slug.lower(): t for slug, t in self.toolkits.items()}
        # (toolkit slug, version) -> tools in that version, in definition order.
        self._tools_at: dict[tuple[str, str], tuple[Tool, ...]] = {}
        # (tool slug, version) -> the definition active in that version.
        self._resolved: dict[tuple[str, str], ResolvedTool] = {}
        # tool slug -> versions of its toolkit the slug exists in, oldest first.
        self._tool_versions: dict[str, tuple[str, ...]] = {}
        self._tool_toolkit: dict[str, Toolkit] = {}
        # alias -> the slug it stands for (Composio's spelling of one of our tools).
        self._aliases: dict[str, str] = {
            alias: tool.slug
            for toolkit in self.toolkits.values()
            for tool in toolkit.tools
            for alias in tool.aliases
        }
        # Ready-made wire-format items, filled by serializers.precompute when the catalog loads.
        self.wire = Wire()
        # (toolkit slug, version) -> trigger types in that version; trigger slug -> its toolkit.
        self._triggers_at: dict[tuple[str, str], tuple[TriggerType, ...]] = {}
        self._trigger_toolkit: dict[str, Toolkit] = {}
        for toolkit in self.toolkits.values():
            for version in toolkit.versions:
                self._triggers_at[(toolkit.slug, version)] = tuple(
                    t for t in toolkit.triggers if active_in(t, version)
                )
            for trigger in toolkit.triggers:
                self._trigger_toolkit[trigger.slug] = toolkit
        for toolkit in self.toolkits.values():
            for version in toolkit.versions:
                tools = tuple(t for t in toolkit.tools if active_in(t, version))
                self._tools_at[(toolkit.slug, version)] = tools
                for tool in tools:
                    self._resolved[(tool.slug, version)] = ResolvedTool(tool, toolkit, version)
                    self._tool_versions[tool.slug] = (*self._tool_versions.get(tool.slug, ()), version)
                    self._tool_toolkit[tool.slug] = toolkit

    # -- toolkits ---------------------------------------------------------

    def find_toolkit(self, slug: str) -> Toolkit | None:
        """The toolkit with this slug, in any case, or None."""
        return self._toolkits_by_lower.get(slug.lower())

    def toolkit(self, slug: str) -> Toolkit:
        """The toolkit with this slug, in any case; NotFound otherwise."""
        toolkit = self._toolkits_by_lower.get(slug.lower())
        if toolkit is None:
            raise NotFound(
                f"Toolkit {slug!r} not found",
                slug="ToolkitNotFound",
                suggested_fix="List toolkits with GET /api/v3/toolkits and use one of their slugs.",
            )
        return toolkit

    def resolve_version(self, toolkit: Toolkit | str, version: str | None = None) -> str:
        """A concrete version of `toolkit`: `None` and "latest" mean the latest one.

        BadRequest naming the available versions when `version` does not exist.
        """
        if isinstance(toolkit, str):
            toolkit = self.toolkit(toolkit)
        if version is None or version == LATEST or version == "":
            return toolkit.latest_version
        if version not in toolkit.versions:
            raise BadRequest(
                f"Version {version!r} of toolkit {toolkit.slug!r} does not exist; "
                f"available versions: {', '.join(toolkit.versions)}",
                slug="ToolkitVersionNotFound",
                suggested_fix=f"Use one of {', '.join(toolkit.versions)} or 'latest'.",
            )
        return version

    def tools_at(self, toolkit: Toolkit | str, version: str | None = None) -> tuple[Tool, ...]:
        """The tools of `toolkit` in `version` (default latest), in definition order."""
        if isinstance(toolkit, str):
            toolkit = self.toolkit(toolkit)
        return self._tools_at[(toolkit.slug, self.resolve_version(toolkit, version))]

    # -- trigger types ----------------------------------------------------

    def triggers_at(self, toolkit: Toolkit | str, version: str | None = None) -> tuple[TriggerType, ...]:
        """The trigger types of `toolkit` in `version` (default latest), in definition order."""
        if isinstance(toolkit, str):
            toolkit = self.toolkit(toolkit)
        return self._triggers_at[(toolkit.slug, self.resolve_version(toolkit, version))]

    def trigger_type(self, slug: str, version: str | None = None) -> tuple[TriggerType, Toolkit, str]:
        """Trigger type `slug` (any case) as it exists in its toolkit's `version`; NotFound otherwise."""
        toolkit = self._trigger_toolkit.get(slug.upper())
        if toolkit is None:
            raise NotFound(
                f"Trigger type {slug!r} not found",
                slug="TriggerTypeNotFound",
                suggested_fix="List trigger types with GET /api/v3/triggers_types?toolkit_slugs=...",
            )
        concrete = self.resolve_version(toolkit, version)
        for trigger in self._triggers_at[(toolkit.slug, concrete)]:
            if trigger.slug == slug.upper():
                return trigger, toolkit, concrete
        raise NotFound(
            f"Trigger type {slug.upper()} does not exist in version {concrete} of toolkit {toolkit.slug!r}",
            slug="TriggerTypeNotFound",
        )

    def all_trigger_slugs(self) -> list[str]:
        return sorted(self._trigger_toolkit)

    # -- tools ------------------------------------------------------------

    def canonical_tool_slug(self, slug: str) -> str | None:
        """The catalog's spelling of a tool slug (or of an alias of one) given in any case, or None."""
        if slug in self._tool_versions:
            return slug
        upper = case_folded_slug(slug)
        if upper in self._tool_versions:
            return upper
        return self._aliases.get(upper)

    def aliases(self) -> dict[str, str]:
        """Every alias and the tool slug it resolves to."""
        return dict(self._aliases)

    def toolkit_of_tool(self, slug: str) -> Toolkit:
        canonical = self.canonical_tool_slug(slug)
        if canonical is None:
            raise self._tool_not_found(slug)
        return self._tool_toolkit[canonical]

    def tool_versions(self, slug: str) -> tuple[str, ...]:
        """Versions of its toolkit in which the tool exists, oldest first (empty if unknown)."""
        canonical = self.canonical_tool_slug(slug)
        return self._tool_versions[canonical] if canonical else ()

    def resolve_tool(self, slug: str, version: str | None = None) -> ResolvedTool:
        """The definition of tool `slug` in toolkit `version` (None or "latest": the latest).

        NotFound for an unknown slug or one absent from that version;
        BadRequest naming the available versions for a version that does not exist.
        """
        canonical = self.canonical_tool_slug(slug)
        if canonical is None:
            raise self._tool_not_found(slug)
        toolkit = self._tool_toolkit[canonical]
        concrete = self.resolve_version(toolkit, version)
        resolved = self._resolved.get((canonical, concrete))
        if resolved is None:
            exists_in = self._tool_versions[canonical]
            raise NotFound(
                f"Tool {canonical} does not exist in version {concrete} of toolkit {toolkit.slug!r}; "
                f"it exists in {', '.join(exists_in)}",
                slug="ToolNotFound",
                suggested_fix=f"Pin toolkit {toolkit.slug!r} to one of {', '.join(exists_in)}.",
            )
        return resolved

    def _tool_not_found(self, slug: str) -> NotFound:
        return NotFound(
            f"Tool {slug!r} not found",
            slug="ToolNotFound",
            suggested_fix="Tool slugs look like GITHUB_CREATE_ISSUE; list them with GET /api/v3/tools?toolkit_slug=...",
        )


def case_folded_slug(slug: str) -> str:
    """The lookup seam's case rule: Scalekit's lower-case tool names (`gmail_fetch_mails`) and any
    mixed spelling are Composio's upper-case slugs (`GMAIL_FETCH_MAILS`)."""
    return slug.upper()


def load_catalog(
    extra_dirs: Iterable[Path | str] = (), *, builtin: bool = True, cache_dir: Path | None = None
) -> Catalog:
    """Load the built-in toolkits, then those in `extra_dirs`; CatalogError if any is broken.

    `cache_dir` keeps large files' parses between loads (catalog/parse_cache.py).
    """
    dirs = ([BUILTIN_DIR] if builtin else []) + [Path(d) for d in extra_dirs]
    catalog = Catalog(load_toolkits(dirs, ParseCache(cache_dir)))
    precompute(catalog)
    return catalog
