"""A session's configuration: frozen values, fixed for one config version.

`create_body.py` validates the create body (a pydantic model) into a
`SessionConfig`; slugs are normalized there, once: toolkit slugs lower case,
tool slugs upper case, so every later comparison is a plain `in`. An update
(`update.py`) builds a whole new `SessionConfig` the same way and stores it as
the next version; a value is never changed in place. `to_json` and
`from_json` store it in the sessions tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from valetkey.sessions import custom_tools, hooks
from valetkey.sessions.custom_tools import CustomTools
from valetkey.sessions.hooks import Hook

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
class MultiAccount:
    """`multi_account`: several accounts per toolkit, and how a call picks among them.

    `max_accounts_per_toolkit` (2 to 10) caps the accounts a session pins and
    the connections it starts; `require_explicit_selection` makes a call fail,
    instead of using the newest account, while the user has several usable ones.
    """

    enable: bool = False
    max_accounts_per_toolkit: int | None = None
    require_explicit_selection: bool = False

    @property
    def limit(self) -> int:
        return self.max_accounts_per_toolkit or DEFAULT_MAX_ACCOUNTS


DEFAULT_MAX_ACCOUNTS = 5


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
    # {} when off; else enable, sandbox_size, enable_proxy_execution, enable_tool_execution (create_body).
    workbench: dict[str, Any] = field(default_factory=dict)
    multi_account: MultiAccount | None = None
    preload: tuple[str, ...] | str = ()
    search_enabled: bool = True
    multi_execute_enabled: bool = True
    # `proxy_execute.enable`: True offers COMPOSIO_PROXY_EXECUTE; False also refuses `POST .../proxy_execute`.
    proxy_execute: bool | None = None
    # experimental.custom_tools / custom_toolkits: run by the SDK, named, echoed and searched here.
    custom: CustomTools = field(default_factory=CustomTools)
    # SDK 0.30 `hooks`: checks run on every app tool call of the session (`hooks.guarded`).
    hooks: tuple[Hook, ...] = ()
    # Auth config names from the create body, before `validation.resolve_connection_names` turns them
    # into `auth_configs` and `connected_accounts` pins; never stored (always () in a stored config).
    connection_names: tuple[str, ...] = ()

    @property
    def workbench_proxy_enabled(self) -> bool:
        """Proxy execution inside the workbench: off when the session or its workbench turns it off."""
        return self.proxy_execute is not False and self.workbench.get("enable_proxy_execution") is not False

    @property
    def multi_account_enabled(self) -> bool:
        return bool(self.multi_account and self.multi_account.enable)


# -- storage ------------------------------------------------------------------------------------


def to_json(config: SessionConfig) -> dict[str, Any]:
    """The config as plain JSON for the `tool_router_sessions.config` column."""
    data = asdict(config)
    del data["connection_names"]  # resolved before a config is stored
    data["custom"] = custom_tools.to_json(config.custom)
    data["hooks"] = hooks.to_json(config.hooks)
    return data


def _tuple(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value is not None else None


def _tags_from(data: Mapping[str, Any] | None) -> TagFilter | None:
    return TagFilter(tuple(data["enabled"]), tuple(data["disabled"])) if data else None


def _multi_account_from(data: Mapping[str, Any] | None) -> MultiAccount | None:
    if not data:
        return None
    return MultiAccount(
        enable=bool(data.get("enable")),
        max_accounts_per_toolkit=data.get("max_accounts_per_toolkit"),
        require_explicit_selection=bool(data.get("require_explicit_selection")),
    )


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
        multi_account=_multi_account_from(data.get("multi_account")),
        preload=preload if isinstance(preload, str) else tuple(preload),
        search_enabled=data.get("search_enabled", True),
        multi_execute_enabled=data.get("multi_execute_enabled", True),
        proxy_execute=data.get("proxy_execute"),
        custom=custom_tools.from_json(data.get("custom")),
        hooks=hooks.from_json(data.get("hooks")),
    )
