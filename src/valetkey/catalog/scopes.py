"""Scope advice for a connection: which OAuth scopes a set of a toolkit's tools needs.

`toolkits.recommend_scopes()` and `toolkits.list_grant_contexts()` in the SDK. The catalog
documents one scope list per tool (`scopes:` in tools.yaml, every one of them needed), so the
least-privilege set and the fewest-scopes set are the same: the union over the tools asked
about. The catalog documents no alternatives and no grant-context dimensions (Google
Workspace versus consumer accounts...), so an `exclude` that removes a needed scope, an
`available_scopes` that lacks one, or any `grant_context` is refused with a 400 that says
why, never solved around silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from valetkey.catalog.model import Toolkit
from valetkey.catalog.registry import Catalog
from valetkey.core.errors import BadRequest, ValidationError

SCOPED_SCHEMES = ("OAUTH2", "OAUTH1")


@dataclass(frozen=True)
class ScopeRequest:
    tools: Sequence[str] = ()
    auth_scheme: str | None = None
    toolkit_version: str | None = None
    grant_context: Mapping[str, str] = field(default_factory=dict)
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    available_scopes: Sequence[str] | None = None


def recommend(catalog: Catalog, toolkit_slug: str, request: ScopeRequest) -> dict[str, Any]:
    """The scopes to request for `request.tools` of the toolkit (all its tools when empty)."""
    toolkit = catalog.toolkit(toolkit_slug)
    scheme = _scheme(toolkit, request.auth_scheme)
    version = catalog.resolve_version(toolkit, request.toolkit_version)
    if request.grant_context:
        raise ValidationError(
            f"grant_context: toolkit {toolkit.slug!r} has no grant-context dimensions "
            f"(got {', '.join(sorted(request.grant_context))})",
            suggested_fix="Omit grant_context; GET /toolkits/{toolkit_slug}/scopes/grant_context lists none.",
        )
    tools = _tools(catalog, toolkit, version, request.tools)
    needed: dict[str, list[str]] = {}  # scope -> tools that need it
    if scheme in SCOPED_SCHEMES:
        for tool in tools:
            for scope in tool.scopes:
                needed.setdefault(scope, []).append(tool.slug)
    for scope in request.exclude:
        if scope in needed:
            raise BadRequest(
                f"exclude: {scope!r} is the only documented scope for {', '.join(needed[scope])}",
                slug="ScopeNotAvailable",
                suggested_fix="Keep the scope, or leave those tools out of the request.",
            )
    scopes = sorted(set(needed) | (set(request.include) - set(request.exclude)))
    if request.available_scopes is not None:
        missing = [s for s in scopes if s not in set(request.available_scopes)]
        if missing:
            users = sorted({t for s in missing for t in needed.get(s, ["include"])})
            raise BadRequest(
                f"available_scopes lacks {', '.join(missing)}, needed by {', '.join(users)}",
                slug="ScopeNotAvailable",
                suggested_fix="Add those scopes to your OAuth app (and to available_scopes), or drop the tools.",
            )
    return {
        "auth_scheme": scheme,
        "toolkit_version": version,
        "grant_context": {},
        "scopes": {"least_privilege": scopes, "fewest": scopes, "conditional": []},
    }


def grant_contexts(
    catalog: Catalog, toolkit_slug: str, auth_scheme: str | None, toolkit_version: str | None
) -> dict[str, Any]:
    """The grant-context dimensions the toolkit's scopes depend on: none, in this catalog."""
    toolkit = catalog.toolkit(toolkit_slug)
    return {
        "auth_scheme": _scheme(toolkit, auth_scheme),
        "toolkit_version": catalog.resolve_version(toolkit, toolkit_version),
        "grant_context_dimensions": [],
        "default_grant_context": {},
    }


def _scheme(toolkit: Toolkit, requested: str | None) -> str:
    modes = [s.mode for s in toolkit.auth_schemes]
    if requested is None:
        return "OAUTH2" if "OAUTH2" in modes else (modes[0] if modes else "NO_AUTH")
    if requested not in modes and not (requested == "NO_AUTH" and not modes):
        raise ValidationError(
            f"auth_scheme: toolkit {toolkit.slug!r} has no {requested} scheme",
            suggested_fix=f"Use one of: {', '.join(modes) or 'none (the toolkit needs no auth)'}.",
        )
    return requested


def _tools(catalog: Catalog, toolkit: Toolkit, version: str, slugs: Sequence[str]) -> list[Any]:
    available = catalog.tools_at(toolkit, version)
    if not slugs:
        return list(available)
    by_slug = {t.slug: t for t in available}
    tools, foreign = [], []
    for slug in slugs:
        tool = by_slug.get(catalog.canonical_tool_slug(slug) or slug)
        if tool is None:
            foreign.append(slug)
        else:
            tools.append(tool)
    if foreign:
        raise ValidationError(
            f"tools: {', '.join(foreign)} not in version {version} of toolkit {toolkit.slug!r}",
            suggested_fix=f"List the toolkit's tools with GET /tools?toolkit_slug={toolkit.slug}.",
        )
    return tools
