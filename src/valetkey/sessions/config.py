"""A session's configuration: parsed once from the create body into frozen values.

The body follows `composio_client.types.tool_router.session_create_params`
(what `composio.create(...)` sends). Parsing checks shapes only; whether
toolkits, tools, auth configs and accounts exist is checked by
`validation.py`, which needs the catalog and the database.

Slugs are normalized here, once: toolkit slugs lower case, tool slugs upper
case, so every later comparison is a plain `in`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from valetkey.api.errors import BadRequest
from valetkey.api.validation import ID_MAX, USER_ID_MAX, text_problem

TAGS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "createHint", "updateHint")
PRELOAD_ALL = "all"


@dataclass(frozen=True)
class TagFilter:
    """`enabled`: a tool needs at least one of these tags; `disabled`: it may have none of these."""

    enabled: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()

    def admits(self, tags: tuple[str, ...] | list[str]) -> bool:
        if self.enabled and not any(tag in tags for tag in self.enabled):
            return False
        return not any(tag in tags for tag in self.disabled)


@dataclass(frozen=True)
class ToolkitFilter:
    """Which toolkits a session reaches: an allowlist (`enabled`), else all but `disabled`."""

    enabled: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()

    def admits(self, toolkit: str) -> bool:
        if self.enabled is not None:
            return toolkit in self.enabled
        return toolkit not in self.disabled


@dataclass(frozen=True)
class ToolFilter:
    """Per-toolkit tool rules. Explicit lists win over tags (the spec's precedence)."""

    enabled: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()
    tags: TagFilter | None = None


@dataclass(frozen=True)
class ManageConnections:
    enabled: bool = True
    callback_url: str | None = None
    wait_for_connections: bool = False


@dataclass(frozen=True)
class SessionConfig:
    """Everything `composio.create(...)` fixed for the session's lifetime. Treat the dicts as read-only."""

    user_id: str
    toolkits: ToolkitFilter = ToolkitFilter()
    tools: dict[str, ToolFilter] = field(default_factory=dict)
    tags: TagFilter | None = None
    auth_configs: dict[str, str] = field(default_factory=dict)
    connected_accounts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    manage_connections: ManageConnections = ManageConnections()
    # Echoed back as given; the workbench feature reads it.
    workbench: dict[str, Any] = field(default_factory=dict)
    multi_account: dict[str, Any] | None = None
    preload: tuple[str, ...] | str = ()
    search_enabled: bool = True
    multi_execute_enabled: bool = True


# -- parsing the create body --------------------------------------------------------------------


def _invalid(field_name: str, problem: str, fix: str | None = None) -> BadRequest:
    return BadRequest(f"{field_name}: {problem}", slug="ValidationError", suggested_fix=fix)


def _strings(value: Any, field_name: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise _invalid(field_name, "must be a list of non-empty strings")
    for item in value:
        _clean(item, field_name)
    return tuple(dict.fromkeys(value))


def _clean(value: str, field_name: str, max_length: int = ID_MAX) -> str:
    problem = text_problem(value, max_length)
    if problem:
        raise _invalid(field_name, problem, "Pass printable text without NUL bytes or control characters.")
    return value


def _lower(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.lower() for v in values))


def _upper(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.upper() for v in values))


def _one_of_enable_disable(value: Mapping[str, Any], field_name: str) -> None:
    if "enable" in value and "disable" in value:
        raise _invalid(
            field_name,
            "give either 'enable' or 'disable', not both",
            "Use {'enable': [...]} for an allowlist or {'disable': [...]} for a denylist.",
        )


def parse_tags(value: Any, field_name: str = "tags") -> TagFilter | None:
    """A list (the tags to enable) or {enable, disable}; unknown tag names are refused."""
    if value is None:
        return None
    if isinstance(value, list):
        enabled, disabled = _strings(value, field_name), ()
    elif isinstance(value, Mapping):
        enabled = _strings(value.get("enable") or [], f"{field_name}.enable")
        disabled = _strings(value.get("disable") or [], f"{field_name}.disable")
    else:
        raise _invalid(field_name, "must be a list of tags or {'enable': [...], 'disable': [...]}")
    unknown = [t for t in (*enabled, *disabled) if t not in TAGS]
    if unknown:
        raise _invalid(field_name, f"unknown tag(s) {', '.join(unknown)}", f"Use any of {', '.join(TAGS)}.")
    return TagFilter(enabled, disabled)


def parse_toolkits(value: Any) -> ToolkitFilter:
    if value is None:
        return ToolkitFilter()
    if isinstance(value, list):
        return ToolkitFilter(enabled=_lower(_strings(value, "toolkits")))
    if not isinstance(value, Mapping):
        raise _invalid("toolkits", "must be a list of toolkit slugs, {'enable': [...]} or {'disable': [...]}")
    _one_of_enable_disable(value, "toolkits")
    if "enable" in value:
        return ToolkitFilter(enabled=_lower(_strings(value["enable"], "toolkits.enable")))
    return ToolkitFilter(disabled=_lower(_strings(value.get("disable") or [], "toolkits.disable")))


def parse_tool_filter(toolkit: str, value: Any) -> ToolFilter:
    where = f"tools.{toolkit}"
    if isinstance(value, list):
        return ToolFilter(enabled=_upper(_strings(value, where)))
    if not isinstance(value, Mapping):
        raise _invalid(where, "must be a list of tool slugs, or {'enable'|'disable'|'tags': ...}")
    _one_of_enable_disable(value, where)
    enabled = _upper(_strings(value["enable"], f"{where}.enable")) if "enable" in value else None
    disabled = _upper(_strings(value.get("disable") or [], f"{where}.disable"))
    return ToolFilter(enabled, disabled, parse_tags(value.get("tags"), f"{where}.tags"))


def parse_tools(value: Any) -> dict[str, ToolFilter]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid("tools", "must map toolkit slugs to tool rules")
    return {str(k).lower(): parse_tool_filter(str(k).lower(), v) for k, v in value.items()}


def parse_auth_configs(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) and v for v in value.values()):
        raise _invalid("auth_configs", "must map toolkit slugs to auth config ids")
    return {_clean(str(k), "auth_configs").lower(): _clean(v, f"auth_configs.{k}") for k, v in value.items()}


def parse_connected_accounts(value: Any, *, multi_account: bool) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid("connected_accounts", "must map toolkit slugs to connected account ids")
    out: dict[str, tuple[str, ...]] = {}
    for key, ids in value.items():
        toolkit = str(key).lower()
        ids = (ids,) if isinstance(ids, str) else _strings(ids, f"connected_accounts.{toolkit}")
        if not ids:
            continue
        if len(ids) > 1 and not multi_account:
            raise _invalid(
                f"connected_accounts.{toolkit}",
                "only one account per toolkit without multi_account",
                "Pin one account, or create the session with multi_account={'enable': True}.",
            )
        out[toolkit] = tuple(ids)
    return out


def parse_manage_connections(value: Any) -> ManageConnections:
    if value is None or isinstance(value, bool):
        return ManageConnections(enabled=value is not False)
    if not isinstance(value, Mapping):
        raise _invalid("manage_connections", "must be a boolean or {'enable', 'callback_url'}")
    callback = value.get("callback_url")
    if callback is not None and (
        not isinstance(callback, str) or not callback.startswith(("http://", "https://"))
    ):
        raise _invalid("manage_connections.callback_url", "must be an absolute http(s) URL")
    return ManageConnections(
        enabled=value.get("enable") is not False,
        callback_url=callback or None,
        wait_for_connections=bool(
            value.get("enable_wait_for_connections") or value.get("wait_for_connections")
        ),
    )


def parse_preload(value: Any) -> tuple[str, ...] | str:
    tools = (value or {}).get("tools") if isinstance(value, Mapping) else None
    if tools is None:
        return ()
    if tools == PRELOAD_ALL:
        return PRELOAD_ALL
    return _upper(_strings(tools, "preload.tools"))


def parse_create_body(body: Mapping[str, Any]) -> SessionConfig:
    """The session configuration a create body asks for; BadRequest naming the field at fault."""
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 255:
        raise _invalid("user_id", "is required: the id of the end user whose accounts the session uses")
    _clean(user_id, "user_id", USER_ID_MAX)
    multi_account = body.get("multi_account") if isinstance(body.get("multi_account"), Mapping) else None
    config = SessionConfig(
        user_id=user_id,
        toolkits=parse_toolkits(body.get("toolkits")),
        tools=parse_tools(body.get("tools")),
        tags=parse_tags(body.get("tags")),
        auth_configs=parse_auth_configs(body.get("auth_configs")),
        connected_accounts=parse_connected_accounts(
            body.get("connected_accounts"), multi_account=bool(multi_account and multi_account.get("enable"))
        ),
        manage_connections=parse_manage_connections(body.get("manage_connections")),
        workbench=dict(body.get("workbench") or {}),
        multi_account=dict(multi_account) if multi_account else None,
        preload=parse_preload(body.get("preload")),
        search_enabled=(body.get("search") or {}).get("enable") is not False,
        multi_execute_enabled=(body.get("execute") or {}).get("enable_multi_execute") is not False,
    )
    if (
        config.preload == PRELOAD_ALL
        and config.toolkits.enabled is None
        and not any(f.enabled for f in config.tools.values())
    ):
        raise _invalid(
            "preload.tools",
            "'all' needs a toolkit or tool allowlist",
            "Pass toolkits=[...] or tools={toolkit: [...]} with preload={'tools': 'all'}.",
        )
    return config


# -- storage ------------------------------------------------------------------------------------


def to_json(config: SessionConfig) -> dict[str, Any]:
    """The config as plain JSON for the `tool_router_sessions.config` column."""
    return asdict(config)


def _tuple(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value is not None else None


def _tags_from(data: Mapping[str, Any] | None) -> TagFilter | None:
    return TagFilter(tuple(data["enabled"]), tuple(data["disabled"])) if data else None


def from_json(data: Mapping[str, Any]) -> SessionConfig:
    """Inverse of `to_json`."""
    preload = data.get("preload") or ()
    return SessionConfig(
        user_id=data["user_id"],
        toolkits=ToolkitFilter(_tuple(data["toolkits"]["enabled"]), tuple(data["toolkits"]["disabled"])),
        tools={
            k: ToolFilter(_tuple(v["enabled"]), tuple(v["disabled"]), _tags_from(v.get("tags")))
            for k, v in (data.get("tools") or {}).items()
        },
        tags=_tags_from(data.get("tags")),
        auth_configs=dict(data.get("auth_configs") or {}),
        connected_accounts={k: tuple(v) for k, v in (data.get("connected_accounts") or {}).items()},
        manage_connections=ManageConnections(**data["manage_connections"]),
        workbench=dict(data.get("workbench") or {}),
        multi_account=data.get("multi_account"),
        preload=preload if isinstance(preload, str) else tuple(preload),
        search_enabled=data.get("search_enabled", True),
        multi_execute_enabled=data.get("multi_execute_enabled", True),
    )
