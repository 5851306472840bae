"""`PATCH /tool_router/session/{id}`: a partial update, validated as a whole new configuration.

An update never edits a configuration in place. The current config is turned
back into the create body that makes it (`config_body`), the patch is applied
to that body with the SDK's PATCH contract (`apply_patch`), and the result is
validated exactly as a create body is (`parse_create_body` plus the catalog
and reference checks), so an update can never produce a configuration a
create would have refused. It is then stored as the next config version,
conditionally on the version it was read at (`records.replace_config`).

The PATCH contract, from the SDK's `session.update` documentation: a field
left out keeps its value; `null` removes the stored override (back to the
default); a value replaces it whole (`tools`, `auth_configs` and
`connected_accounts` maps included). `manage_connections`, `multi_account` and `experimental`
merge field by field instead, a `null` field removing only that field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from valetkey.core.errors import BadRequest
from valetkey.sessions import custom_tools, hooks
from valetkey.sessions.config import PRELOAD_ALL, SessionConfig, TagFilter, ToolFilter

REPLACED = (
    "toolkits",
    "tools",
    "tags",
    "auth_configs",
    "connected_accounts",
    "instant",
    "workbench",
    "proxy_execute",
    "preload",
    "search",
    "execute",
    "hooks",
)
MERGED = ("manage_connections", "multi_account", "experimental")
PRECONDITION = "expected_config_version"
PATCH_FIELDS = (*REPLACED, *MERGED, PRECONDITION)


def _tags(tags: TagFilter) -> dict[str, list[str]]:
    return {"enable": list(tags.enabled), "disable": list(tags.disabled)}


def _tool_rules(rules: ToolFilter) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if rules.enabled is not None:
        body["enable"] = list(rules.enabled)
    if rules.disabled:
        body["disable"] = list(rules.disabled)
    if rules.tags is not None:
        body["tags"] = _tags(rules.tags)
    return body


def config_body(config: SessionConfig) -> dict[str, Any]:
    """The create body that `parse_create_body` turns into `config` (the inverse of parsing)."""
    body: dict[str, Any] = {"user_id": config.user_id}
    if config.toolkits.enabled is not None:
        body["toolkits"] = {"enable": list(config.toolkits.enabled)}
    elif config.toolkits.disabled:
        body["toolkits"] = {"disable": list(config.toolkits.disabled)}
    if config.tools:
        body["tools"] = {slug: _tool_rules(rules) for slug, rules in config.tools.items()}
    if config.tags is not None:
        body["tags"] = _tags(config.tags)
    if config.auth_configs:
        body["auth_configs"] = dict(config.auth_configs)
    if config.connected_accounts:
        body["connected_accounts"] = {k: list(v) for k, v in config.connected_accounts.items()}
    manage = config.manage_connections
    body["manage_connections"] = {
        "enable": manage.enabled,
        "enable_wait_for_connections": manage.wait_for_connections,
    }
    if manage.callback_url:
        body["manage_connections"]["callback_url"] = manage.callback_url
    if config.multi_account is not None:
        multi = config.multi_account
        body["multi_account"] = {
            "enable": multi.enable,
            "require_explicit_selection": multi.require_explicit_selection,
        }
        if multi.max_accounts_per_toolkit is not None:
            body["multi_account"]["max_accounts_per_toolkit"] = multi.max_accounts_per_toolkit
    if config.preload:
        body["preload"] = {"tools": config.preload if config.preload == PRELOAD_ALL else list(config.preload)}
    body["search"] = {"enable": config.search_enabled}
    body["execute"] = {"enable_multi_execute": config.multi_execute_enabled}
    if config.proxy_execute is not None:
        body["proxy_execute"] = {"enable": config.proxy_execute}
    if config.workbench:  # an unset setting (None: follows the session) is left out, as it came
        body["workbench"] = {k: v for k, v in config.workbench.items() if v is not None}
    if config.custom:
        body["experimental"] = custom_tools.request_body(config.custom)
    if config.hooks:
        body["hooks"] = hooks.wire(config.hooks)
    return body


def _bad(field: str, problem: str, fix: str) -> BadRequest:
    return BadRequest(f"{field}: {problem}", slug="ValidationError", suggested_fix=fix)


def expected_version(patch: Mapping[str, Any]) -> int | None:
    """The patch's `expected_config_version` precondition, or None when it sends none."""
    value = patch.get(PRECONDITION)
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _bad(
            PRECONDITION, "must be a positive integer", "Pass the session's config_version, or leave it out."
        )
    return value


def apply_patch(body: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with the patch applied under the PATCH contract (see the module docstring)."""
    if "user_id" in patch:
        raise _bad(
            "user_id",
            "cannot be changed: a session acts for one user",
            "Create a new session for the other user (POST /api/v3/tool_router/session with their user_id).",
        )
    unknown = [str(k) for k in patch if k not in PATCH_FIELDS]
    if unknown:
        raise _bad(unknown[0], "is not a session setting", f"Pass only {', '.join(PATCH_FIELDS)}.")
    merged = dict(body)
    for key, value in patch.items():
        if key == PRECONDITION:
            continue
        if value is None:
            merged.pop(key, None)
        elif key in MERGED and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            fields = dict(value)
            if key == "manage_connections" and "wait_for_connections" in fields:
                fields["enable_wait_for_connections"] = fields.pop("wait_for_connections")
            combined = {**merged[key], **fields}
            merged[key] = {k: v for k, v in combined.items() if v is not None}
        else:
            merged[key] = value
    return merged
