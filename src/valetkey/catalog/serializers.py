"""The Composio v3 wire format of toolkits and tools, computed once per catalog.

The catalog never changes while a process runs, so each tool and toolkit is
turned into its JSON shape once, per version, when the catalog loads; routes
only pick and paginate ready-made dictionaries. The shapes follow the models
in `composio_client.types` (tool_list_response, toolkit_retrieve_response...),
which the tests parse every response with. Treat the dictionaries as
read-only: they are shared between requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from valetkey.catalog.model import AuthField, AuthScheme, Tool, Toolkit, TriggerType

if TYPE_CHECKING:
    from valetkey.catalog.registry import Catalog


@dataclass
class Wire:
    """Ready-made response items, keyed by (slug, version)."""

    tools: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    toolkit_items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    toolkit_details: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def precompute(catalog: Catalog) -> Wire:
    """Serialize every tool and toolkit of `catalog` at every version; stored as `catalog.wire`."""
    wire = Wire()
    for toolkit in catalog.toolkits.values():
        for version in toolkit.versions:
            tools = catalog.tools_at(toolkit, version)
            for tool in tools:
                wire.tools[(tool.slug, version)] = tool_item(
                    tool, toolkit, version, catalog.tool_versions(tool.slug)
                )
            wire.toolkit_items[(toolkit.slug, version)] = toolkit_item(toolkit, version, len(tools))
            wire.toolkit_details[(toolkit.slug, version)] = toolkit_detail(toolkit, version, len(tools))
    catalog.wire = wire
    return wire


def version_timestamp(version: str) -> str:
    """20250601_00 -> 2025-06-01T00:00:00.000Z: a release's date is in its version."""
    return f"{version[:4]}-{version[4:6]}-{version[6:8]}T00:00:00.000Z"


def output_parameters(tool: Tool) -> dict[str, Any]:
    """The result envelope every execution returns, with the tool's `data` schema inside."""
    data = {"title": "Data", "description": "Data from the action execution", **tool.output_schema}
    return {
        "type": "object",
        "title": "".join(p.capitalize() for p in tool.slug.split("_")) + "Response",
        "properties": {
            "data": data,
            "error": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "title": "Error",
                "description": "Error if any occurred during the execution of the action",
            },
            "successful": {
                "type": "boolean",
                "title": "Successful",
                "description": "Whether or not the action execution was successful or not",
            },
        },
        "required": ["data", "successful"],
    }


def tool_item(tool: Tool, toolkit: Toolkit, version: str, available: tuple[str, ...]) -> dict[str, Any]:
    return {
        "slug": tool.slug,
        "name": tool.name,
        "description": tool.description,
        "human_description": tool.human_description,
        "input_parameters": tool.input_schema,
        "output_parameters": output_parameters(tool),
        "no_auth": tool.no_auth,
        "scopes": list(tool.scopes),
        "scope_requirements": {"all_of": list(tool.scopes)} if tool.scopes else None,
        "tags": list(tool.tags),
        "toolkit": {"slug": toolkit.slug, "name": toolkit.name, "logo": toolkit.logo},
        "version": version,
        "available_versions": list(available),
        "is_deprecated": tool.deprecated,
        "deprecated": {
            "available_versions": list(available),
            "displayName": tool.name,
            "is_deprecated": tool.deprecated,
            "toolkit": {"logo": toolkit.logo},
            "version": version,
        },
    }


def _meta(toolkit: Toolkit, version: str, tools_count: int) -> dict[str, Any]:
    return {
        "app_url": toolkit.app_url or None,
        "created_at": version_timestamp(toolkit.versions[0]),
        "updated_at": version_timestamp(toolkit.latest_version),
        "description": toolkit.description,
        "logo": toolkit.logo,
        "tools_count": tools_count,
        "triggers_count": sum(
            1
            for t in toolkit.triggers
            if t.added_in <= version and (t.removed_in is None or version < t.removed_in)
        ),
        "version": version,
    }


PROJECT_TIER = "project"


def _base(toolkit: Toolkit) -> dict[str, Any]:
    return {
        "slug": toolkit.slug,
        "name": toolkit.name,
        # A project's custom toolkit (`valetkey.customkits`) is "custom"; the catalog's are "native".
        "type": "custom" if toolkit.tier == PROJECT_TIER else "native",
        "is_local_toolkit": False,
        "no_auth": toolkit.no_auth,
        "auth_schemes": [s.mode for s in toolkit.auth_schemes],
        # Operator-managed OAuth apps are configured at runtime, not in the catalog.
        "composio_managed_auth_schemes": [],
        "auth_guide_url": toolkit.auth_guide_url or None,
    }


def toolkit_item(toolkit: Toolkit, version: str, tools_count: int) -> dict[str, Any]:
    """An item of GET /toolkits and POST /toolkits/multi."""
    categories = [{"id": c, "name": toolkit.category_names.get(c, c)} for c in toolkit.categories]
    return {
        **_base(toolkit),
        "deprecated": {"toolkitId": toolkit.slug},
        "meta": {**_meta(toolkit, version, tools_count), "categories": categories},
    }


def toolkit_detail(toolkit: Toolkit, version: str, tools_count: int) -> dict[str, Any]:
    """The body of GET /toolkits/{slug}."""
    categories = [{"slug": c, "name": toolkit.category_names.get(c, c)} for c in toolkit.categories]
    verification = next((s.verification for s in toolkit.auth_schemes if s.verification), None)
    return {
        **_base(toolkit),
        "enabled": True,
        "base_url": toolkit.base_url or None,
        # A string in the TypeScript SDK's model (null fails its transform): "" when there is none.
        "get_current_user_endpoint": verification["path"] if verification else "",
        "get_current_user_endpoint_method": verification["method"] if verification else "",
        "composio_managed_auth": [],
        "deprecated": {
            "toolkitId": toolkit.slug,
            "rawProxyInfoByAuthSchemes": [],
            # Typed as a string by the TypeScript SDK (null fails its transform): "" when there is none.
            "getCurrentUserEndpoint": verification["path"] if verification else "",
        },
        "auth_config_details": [auth_config_detail(s, toolkit) for s in toolkit.auth_schemes],
        "meta": {
            **_meta(toolkit, version, tools_count),
            "categories": categories,
            "available_versions": list(reversed(toolkit.versions)),
        },
    }


def auth_config_detail(scheme: AuthScheme, toolkit: Toolkit) -> dict[str, Any]:
    """One auth scheme with the fields an auth config and a connected account need."""
    detail: dict[str, Any] = {
        "mode": scheme.mode,
        "name": scheme.name,
        "auth_hint_url": scheme.auth_hint_url or None,
        "required_scopes": list(scheme.default_scopes),
        "fields": {
            "auth_config_creation": _split_fields(scheme.config_fields),
            "connected_account_initiation": _split_fields(scheme.account_fields),
        },
        "proxy": {"base_url": toolkit.base_url} if toolkit.base_url else None,
    }
    if scheme.oauth:
        detail["deprecated_auth_provider_details"] = {
            "authorization_url": scheme.oauth.get("authorization_url")
            or scheme.oauth.get("request_token_url"),
            "token_url": scheme.oauth.get("token_url") or scheme.oauth.get("access_token_url"),
        }
    return detail


def _split_fields(fields: tuple[AuthField, ...]) -> dict[str, list[dict[str, Any]]]:
    return {
        "required": [_auth_field(f) for f in fields if f.required],
        "optional": [_auth_field(f) for f in fields if not f.required],
    }


def _auth_field(f: AuthField) -> dict[str, Any]:
    return {
        "name": f.name,
        "displayName": f.display_name,
        "type": f.type,
        "description": f.description,
        "required": f.required,
        "default": f.default,
        "is_secret": f.secret,
        "user_visible": True,
        "legacy_template_name": "",  # a string in the TypeScript SDK's model
    }


def changelog_item(toolkit: Toolkit, last: int = 10) -> dict[str, Any]:
    """A toolkit's last `last` versions, newest first, with what changed in each."""
    versions = list(reversed(toolkit.versions))[:last]
    return {
        "slug": toolkit.slug,
        "name": toolkit.name,
        "display_name": toolkit.name,
        "versions": [{"version": v, "changelog": toolkit.changelog.get(v, "")} for v in versions],
    }


def trigger_type_item(trigger: TriggerType, toolkit: Toolkit, version: str) -> dict[str, Any]:
    """A trigger type as GET /triggers_types and /triggers_types/{slug} answer it."""
    return {
        "slug": trigger.slug,
        "name": trigger.name,
        "description": trigger.description,
        "instructions": trigger.instructions,
        "type": trigger.kind,
        "toolkit": {"slug": toolkit.slug, "name": toolkit.name, "logo": toolkit.logo},
        "config": trigger.config_schema,
        "payload": trigger.payload_schema,
        "version": version,
        "requires_webhook_endpoint_setup": False,
    }
