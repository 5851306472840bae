"""The session-create body as a pydantic model, validated into the frozen `SessionConfig` values.

The body follows `composio_client.types.tool_router.session_create_params` (what
`composio.create(...)` sends): every top-level field the SDK may send is declared
here, and any other is refused with a 400 naming it. Each field's validator turns
the accepted shapes (a list, or ``{enable}``/``{disable}``...) into the value the
session keeps, normalizing slugs once (toolkits lower case, tools upper case).
Whether toolkits, tools, auth configs and accounts exist is checked later by
`validation.py`, which needs the catalog and the database.

A problem is raised as `invalid(field, problem, fix)` and comes out of
`parse_create_body` as the documented ``ValidationError`` error object,
``"<field>: <problem>"`` with the suggested fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from valetkey.core.errors import BadRequest
from valetkey.core.validation import USER_ID_MAX
from valetkey.sessions.body_checks import PROBLEM, clean, flag, invalid, lower, only_keys, strings, upper
from valetkey.sessions.config import (
    PRELOAD_ALL,
    TAGS,
    ManageConnections,
    MultiAccount,
    SessionConfig,
    TagFilter,
    ToolFilter,
    ToolkitFilter,
)
from valetkey.sessions.custom_tools import CustomTools
from valetkey.sessions.experimental import experimental_block
from valetkey.sessions.hooks import Hook, parse_hooks


def _one_of_enable_disable(value: Mapping[str, Any], field_name: str) -> None:
    if "enable" in value and "disable" in value:
        raise invalid(
            field_name,
            "give either 'enable' or 'disable', not both",
            'Use {"enable": [...]} for an allowlist or {"disable": [...]} for a denylist.',
        )


def tag_filter(value: Any, field_name: str = "tags") -> TagFilter | None:
    """A list (the tags to enable) or {enable, disable}; unknown tag names are refused."""
    if value is None:
        return None
    disabled: tuple[str, ...] = ()
    if isinstance(value, list):
        enabled = strings(value, field_name)
    elif isinstance(value, Mapping):
        only_keys(value, ("enable", "disable"), field_name)
        enabled = strings(value.get("enable") or [], f"{field_name}.enable")
        disabled = strings(value.get("disable") or [], f"{field_name}.disable")
    else:
        raise invalid(field_name, "must be a list of tags or {'enable': [...], 'disable': [...]}")
    unknown = [t for t in (*enabled, *disabled) if t not in TAGS]
    if unknown:
        raise invalid(field_name, f"unknown tag(s) {', '.join(unknown)}", f"Use any of {', '.join(TAGS)}.")
    return TagFilter(enabled, disabled)


def tool_filter(toolkit: str, value: Any) -> ToolFilter:
    where = f"tools.{toolkit}"
    if isinstance(value, list):
        return ToolFilter(enabled=upper(strings(value, where)))
    if not isinstance(value, Mapping):
        raise invalid(where, "must be a list of tool slugs, or {'enable'|'disable'|'tags': ...}")
    only_keys(value, ("enable", "disable", "tags"), where)
    _one_of_enable_disable(value, where)
    enabled = upper(strings(value["enable"], f"{where}.enable")) if "enable" in value else None
    disabled = upper(strings(value.get("disable") or [], f"{where}.disable"))
    return ToolFilter(enabled, disabled, tag_filter(value.get("tags"), f"{where}.tags"))


SANDBOX_SIZES = ("standard", "medium", "large", "xlarge")


def workbench_settings(value: Any) -> dict[str, Any]:
    """The `workbench` (or `sandbox`) block as stored: {} when off, else every setting with its default."""
    if value in (None, False, {}):
        return {}
    if value is True:
        value = {"enable": True}
    if not isinstance(value, Mapping):
        raise invalid("workbench", "must be an object such as {'enable': true, 'sandbox_size': 'standard'}")
    only_keys(
        value,
        (
            "enable",
            "sandbox_size",
            "enable_proxy_execution",
            "enable_tool_execution",
            "auto_offload_threshold",
        ),
        "workbench",
    )
    if value.get("auto_offload_threshold") is not None:
        raise invalid(
            "workbench.auto_offload_threshold",
            "is not supported by this server (workbench results are never offloaded)",
            "Leave it out.",
        )
    if not flag(value.get("enable"), "workbench.enable", True):
        return {}
    size = value.get("sandbox_size") or "standard"
    if size not in SANDBOX_SIZES:
        raise invalid("workbench.sandbox_size", f"must be one of {', '.join(SANDBOX_SIZES)}")
    proxy = value.get("enable_proxy_execution")
    return {
        "enable": True,
        "sandbox_size": size,
        # None: follows proxy_execute (on unless the session turns proxy execution off).
        "enable_proxy_execution": None
        if proxy is None
        else flag(proxy, "workbench.enable_proxy_execution", True),
        "enable_tool_execution": flag(
            value.get("enable_tool_execution"), "workbench.enable_tool_execution", True
        ),
    }


class SessionCreateBody(BaseModel):
    """``POST /tool_router/session``: field order is the order problems are reported in."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    user_id: str
    # Scalekit's stateless spelling: `identifier` is the user id; `connection_name` one auth config name
    # or a list of them, each pinning the user's account on that auth config (`validation.resolve_connection_names`).
    identifier: str | None = None
    connection_name: tuple[str, ...] = ()
    toolkits: ToolkitFilter = ToolkitFilter()
    tools: dict[str, ToolFilter] = {}
    tags: TagFilter | None = None
    auth_configs: dict[str, str] = {}
    # Read by `connected_accounts`: several pinned accounts per toolkit need {"enable": true}.
    multi_account: MultiAccount | None = None
    connected_accounts: dict[str, tuple[str, ...]] = {}
    manage_connections: ManageConnections = ManageConnections()
    # The workbench (sessions/workbench): {} when off; else enable, sandbox_size, enable_proxy_execution,
    # enable_tool_execution (`workbench_settings`).
    workbench: dict[str, Any] = {}
    preload: tuple[str, ...] | str = ()
    search: bool = True  # search.enable
    execute: bool = True  # execute.enable_multi_execute
    proxy_execute: bool | None = None  # proxy_execute.enable
    experimental: CustomTools = CustomTools()  # experimental.custom_tools / custom_toolkits
    # Declared by the SDK; this server does not act on it, so only its "off" value is accepted.
    instant: Any = None
    hooks: tuple[Hook, ...] = ()  # SDK 0.30 session hooks (`hooks.py`)

    @model_validator(mode="before")
    @classmethod
    def _identifier(cls, value: Any) -> Any:
        if not isinstance(value, Mapping) or value.get("identifier") is None:
            return value
        identifier, user_id = value["identifier"], value.get("user_id")
        if user_id is not None and user_id != identifier:
            raise invalid(
                "identifier",
                "names the session's user, and user_id names another one",
                "Send user_id or identifier (the same id), not two different ones.",
            )
        return {**value, "user_id": identifier}

    @field_validator("connection_name", mode="before")
    @classmethod
    def _connection_name(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        names = strings([value] if isinstance(value, str) else value, "connection_name")
        return tuple(clean(n, "connection_name", 200) for n in names)

    @field_validator("user_id", mode="before")
    @classmethod
    def _user_id(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise invalid("user_id", "is required: the id of the end user whose accounts the session uses")
        return clean(value, "user_id", USER_ID_MAX)

    @field_validator("toolkits", mode="before")
    @classmethod
    def _toolkits(cls, value: Any) -> ToolkitFilter:
        if value is None:
            return ToolkitFilter()
        if isinstance(value, list):
            return ToolkitFilter(enabled=lower(strings(value, "toolkits")))
        if not isinstance(value, Mapping):
            raise invalid(
                "toolkits", "must be a list of toolkit slugs, {'enable': [...]} or {'disable': [...]}"
            )
        only_keys(value, ("enable", "disable"), "toolkits")
        _one_of_enable_disable(value, "toolkits")
        if "enable" in value:
            return ToolkitFilter(enabled=lower(strings(value["enable"], "toolkits.enable")))
        return ToolkitFilter(disabled=lower(strings(value.get("disable") or [], "toolkits.disable")))

    @field_validator("tools", mode="before")
    @classmethod
    def _tools(cls, value: Any) -> dict[str, ToolFilter]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise invalid("tools", "must map toolkit slugs to tool rules")
        return {str(k).lower(): tool_filter(str(k).lower(), v) for k, v in value.items()}

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> TagFilter | None:
        return tag_filter(value)

    @field_validator("auth_configs", mode="before")
    @classmethod
    def _auth_configs(cls, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(v, str) and v for v in value.values()):
            raise invalid("auth_configs", "must map toolkit slugs to auth config ids")
        return {
            clean(str(k), "auth_configs").lower(): clean(v, f"auth_configs.{k}") for k, v in value.items()
        }

    @field_validator("multi_account", mode="before")
    @classmethod
    def _multi_account(cls, value: Any) -> MultiAccount | None:
        if value is None or (isinstance(value, Mapping) and not value):
            return None
        if not isinstance(value, Mapping):
            raise invalid(
                "multi_account",
                "must be {'enable', 'max_accounts_per_toolkit', 'require_explicit_selection'}",
            )
        only_keys(
            value, ("enable", "max_accounts_per_toolkit", "require_explicit_selection"), "multi_account"
        )
        limit = value.get("max_accounts_per_toolkit")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or not 2 <= limit <= 10
        ):
            raise invalid("multi_account.max_accounts_per_toolkit", "must be an integer from 2 to 10")
        return MultiAccount(
            enable=flag(value.get("enable"), "multi_account.enable", False),
            max_accounts_per_toolkit=limit,
            require_explicit_selection=flag(
                value.get("require_explicit_selection"), "multi_account.require_explicit_selection", False
            ),
        )

    @field_validator("connected_accounts", mode="before")
    @classmethod
    def _connected_accounts(cls, value: Any, info: ValidationInfo) -> dict[str, tuple[str, ...]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise invalid("connected_accounts", "must map toolkit slugs to connected account ids")
        multi_account = info.data.get("multi_account")
        multi = bool(multi_account and multi_account.enable)
        out: dict[str, tuple[str, ...]] = {}
        for key, ids in value.items():
            toolkit = str(key).lower()
            ids = strings([ids] if isinstance(ids, str) else ids, f"connected_accounts.{toolkit}")
            if not ids:
                continue
            if len(ids) > 1 and not multi:
                raise invalid(
                    f"connected_accounts.{toolkit}",
                    "only one account per toolkit without multi_account",
                    'Pin one account, or create the session with "multi_account": {"enable": true}.',
                )
            if multi_account is not None and len(ids) > multi_account.limit:
                raise invalid(
                    f"connected_accounts.{toolkit}",
                    f"more than multi_account.max_accounts_per_toolkit ({multi_account.limit}) accounts",
                    "Pin fewer accounts, or raise max_accounts_per_toolkit (at most 10).",
                )
            out[toolkit] = tuple(ids)
        return out

    @field_validator("manage_connections", mode="before")
    @classmethod
    def _manage_connections(cls, value: Any) -> ManageConnections:
        if value is None or isinstance(value, bool):
            return ManageConnections(enabled=value is not False)
        if not isinstance(value, Mapping):
            raise invalid("manage_connections", "must be a boolean or {'enable', 'callback_url'}")
        only_keys(
            value,
            (
                "enable",
                "callback_url",
                "enable_wait_for_connections",
                "wait_for_connections",
                "enable_connection_removal",
            ),
            "manage_connections",
        )
        if value.get("enable_connection_removal"):
            raise invalid(
                "manage_connections.enable_connection_removal",
                "is not supported by this server: COMPOSIO_MANAGE_CONNECTIONS cannot remove accounts",
                "Leave it out (or false); delete accounts with DELETE /api/v3/connected_accounts/{id}.",
            )
        callback = value.get("callback_url")
        if callback is not None and (
            not isinstance(callback, str) or not callback.startswith(("http://", "https://"))
        ):
            raise invalid("manage_connections.callback_url", "must be an absolute http(s) URL")
        wait = value.get("enable_wait_for_connections", value.get("wait_for_connections"))
        return ManageConnections(
            enabled=flag(value.get("enable"), "manage_connections.enable", True),
            callback_url=callback or None,
            wait_for_connections=flag(wait, "manage_connections.enable_wait_for_connections", False),
        )

    @model_validator(mode="after")
    def _workbench_proxy(self) -> SessionCreateBody:
        if self.proxy_execute is False and self.workbench.get("enable_proxy_execution") is True:
            raise invalid(
                "workbench.enable_proxy_execution",
                "cannot be true while proxy_execute.enable is false",
                "Leave workbench.enable_proxy_execution out, or enable proxy_execute.",
            )
        return self

    @field_validator("proxy_execute", mode="before")
    @classmethod
    def _proxy_execute(cls, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        if not isinstance(value, Mapping):
            raise invalid("proxy_execute", "must be true, false or {'enable': true|false}")
        only_keys(value, ("enable",), "proxy_execute")
        if not isinstance(value.get("enable"), bool):
            raise invalid("proxy_execute.enable", "is required: true or false")
        return bool(value["enable"])

    @field_validator("instant", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> None:
        if value not in (None, False):
            raise invalid(
                "instant",
                "is not supported by this server: Composio Instant (accounts billed by Composio) does not "
                "exist on a self-hosted installation",
                "Leave instant out, or pass false; connect the user's own accounts instead.",
            )
        return None

    @field_validator("hooks", mode="before")
    @classmethod
    def _hooks(cls, value: Any) -> tuple[Hook, ...]:
        return parse_hooks(value)

    @field_validator("experimental", mode="before")
    @classmethod
    def _experimental(cls, value: Any) -> CustomTools:
        return experimental_block(value)

    @field_validator("workbench", mode="before")
    @classmethod
    def _workbench(cls, value: Any) -> dict[str, Any]:
        return workbench_settings(value)

    @field_validator("preload", mode="before")
    @classmethod
    def _preload(cls, value: Any) -> tuple[str, ...] | str:
        if isinstance(value, Mapping):
            only_keys(value, ("tools",), "preload")
        tools = (value or {}).get("tools") if isinstance(value, Mapping) else None
        if tools is None:
            return ()
        if tools == PRELOAD_ALL:
            return PRELOAD_ALL
        return upper(strings(tools, "preload.tools"))

    @field_validator("search", mode="before")
    @classmethod
    def _search(cls, value: Any) -> bool:
        if isinstance(value, Mapping):
            only_keys(value, ("enable",), "search")
        return (value or {}).get("enable") is not False

    @field_validator("execute", mode="before")
    @classmethod
    def _execute(cls, value: Any) -> bool:
        if isinstance(value, Mapping):
            only_keys(value, ("enable_multi_execute",), "execute")
        return (value or {}).get("enable_multi_execute") is not False

    @model_validator(mode="after")
    def _preload_all_needs_an_allowlist(self) -> SessionCreateBody:
        if (
            self.preload == PRELOAD_ALL
            and self.toolkits.enabled is None
            and not any(f.enabled for f in self.tools.values())
        ):
            raise invalid(
                "preload.tools",
                "'all' needs a toolkit or tool allowlist",
                'Pass "toolkits": [...] or "tools": {"<toolkit>": [...]} with "preload": {"tools": "all"}.',
            )
        return self

    def config(self) -> SessionConfig:
        return SessionConfig(
            user_id=self.user_id,
            connection_names=self.connection_name,
            toolkits=self.toolkits,
            tools=dict(self.tools),
            tags=self.tags,
            auth_configs=dict(self.auth_configs),
            connected_accounts=dict(self.connected_accounts),
            manage_connections=self.manage_connections,
            workbench=dict(self.workbench),
            multi_account=self.multi_account,
            preload=self.preload,
            search_enabled=self.search,
            multi_execute_enabled=self.execute,
            proxy_execute=self.proxy_execute,
            custom=self.experimental,
            hooks=self.hooks,
        )


def parse_create_body(body: Mapping[str, Any]) -> SessionConfig:
    """The session configuration a create body asks for; BadRequest naming the field at fault."""
    try:
        return SessionCreateBody.model_validate(body).config()
    except ValidationError as exc:
        raise _bad_request(exc.errors(include_url=False)[0]) from None


def _bad_request(error: Any) -> BadRequest:
    if error["type"] == PROBLEM:
        ctx = error["ctx"]
        return BadRequest(
            f"{ctx['field']}: {ctx['problem']}", slug="ValidationError", suggested_fix=ctx["fix"]
        )
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return BadRequest(
            f"{where}: is not a session setting",
            slug="ValidationError",
            suggested_fix=f"Pass only {', '.join(SessionCreateBody.model_fields)}.",
        )
    if error["type"] == "missing" and where == "user_id":
        return BadRequest(
            "user_id: is required: the id of the end user whose accounts the session uses",
            slug="ValidationError",
        )
    return BadRequest(f"{where}: {error['msg']}", slug="ValidationError")
