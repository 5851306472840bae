"""Runtime settings: every ``VALETKEY_*`` variable declared once, with its default, type and meaning.

`Settings.from_env()` reads the environment (the server and CLI entry point); a
bad value stops the start with a message naming the variable. `Settings(...)`
with keyword arguments is exactly those arguments over the defaults and never
reads the environment, so tests are not steered by the shell they run in.

A field ``name`` is the variable ``VALETKEY_NAME`` unless its ``validation_alias``
says otherwise. Every name here is part of the operator contract in PRODUCT.md;
the README configuration table lists each one (tests/test_settings.py checks it).
To add a setting: one field below with ``Field(default, description=...)``, and
its README row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "VALETKEY_"


def _split(raw: Any, separator: str | None) -> Any:
    """A variable's text as a tuple of its non-blank items; a tuple or list given in code stays itself."""
    if isinstance(raw, str):
        return tuple(item.strip() for item in raw.split(separator) if item.strip())
    return raw


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
    )

    home: Path = Field(
        Path("~/.valetkey"), description="Data folder: SQLite database, generated encryption keyring."
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL, e.g. postgresql://user:pass@host/db; empty: SQLite in `home`."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="URL browsers and OAuth providers reach the server at."
    )
    encryption_keys: str | None = Field(
        None, description="Keyring for secrets at rest; unset: generated into `home`."
    )
    rate_limit: int = Field(
        20_000, description="Requests allowed per project in one rolling window; 0 disables the limit."
    )
    rate_limit_window_seconds: int = Field(
        600, validation_alias="VALETKEY_RATE_LIMIT_WINDOW", description="The rolling window, in seconds."
    )
    ingress_rate_limit: int = Field(
        600,
        ge=0,
        description="Requests each trigger's (or app endpoint's) ingress URL accepts per window; 0: no limit.",
    )
    ingress_rate_limit_window_seconds: int = Field(
        60, gt=0, validation_alias="VALETKEY_INGRESS_RATE_LIMIT_WINDOW", description="Its window, in seconds."
    )
    catalog_dirs: Annotated[tuple[Path, ...], NoDecode] = Field(
        (),
        description=f"Extra toolkit definition folders ({os.pathsep!r}-separated), after the built-in ones.",
    )
    catalog_cache: Path | None = Field(
        Path("~/.cache/valetkey/catalog"),
        description="Cache of parsed toolkit definitions (content-addressed, safe to delete); empty: none.",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING...")
    upstream_timeout: float = Field(30.0, description="Upstream HTTP timeout for tool execution, in seconds.")
    # OAuth token refresh: how often the background job looks for tokens expiring within
    # `refresh_margin` (0 turns the job off), and after how many failed refreshes in a row
    # (network errors, 5xx) an account is marked EXPIRED.
    refresh_interval: float = Field(60.0, description="Seconds between background token-refresh sweeps.")
    refresh_margin: float = Field(
        300.0, description="Refresh OAuth tokens expiring within this many seconds."
    )
    refresh_failure_limit: int = Field(
        5, description="Consecutive transient refresh failures before an account is EXPIRED."
    )
    # "https://hn.algolia.com" -> "http://127.0.0.1:8001/hackernews" sends
    # https://hn.algolia.com/api/v1/search to http://127.0.0.1:8001/hackernews/api/v1/search.
    # For sandboxes, mirrors and egress proxies; applies to all projects, so operator-only.
    upstream_overrides: Annotated[tuple[tuple[str, str], ...], NoDecode] = Field(
        (),
        description="ORIGIN=URL pairs (comma- or space-separated) rerouting every project's upstream calls.",
    )
    # `valetkey serve --sandbox URL`: every toolkit's API roots go to `valetkey sandbox serve` at URL
    # (catalog/sandbox_routes.py), after `upstream_overrides`; the egress policy allows it.
    sandbox_url: str = Field(
        "", description="URL of a running `valetkey sandbox serve` every toolkit's API calls are routed to."
    )
    # The Scalekit SDK's origin (valetkey.api.scalekit): its token endpoint, proxy and gRPC services on
    # one TLS listener, opened by the server when set.
    scalekit_listen: str = Field(
        "",
        description="HOST:PORT where the Scalekit-compatible TLS origin listens (token endpoint and gRPC).",
    )
    tls_cert: Path | None = Field(None, description="PEM certificate (chain) of the Scalekit origin.")
    tls_key: Path | None = Field(None, description="PEM private key of the Scalekit origin.")
    # Parsed and checked by valetkey.net.egress (a bad entry stops the start there).
    egress_allow: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Host names, addresses or CIDRs (optional :port) outbound calls may reach although not public.",
    )
    # The operator's model (an OpenAI-compatible chat completions API): natural-language tool input
    # (`valetkey.net.llm`). Operator-configured, so exempt from the egress policy, like the database.
    llm_base_url: str = Field(
        "", description="Base URL of an OpenAI-compatible API (…/v1); empty: model features answer an error."
    )
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for that API (sent only to it).")
    llm_model: str = Field("", description="Model name sent in each chat completions request.")
    hooks_fail_open: bool = Field(
        False,
        description="Session hooks whose model fails report 'unavailable' and let the call go on (default: block).",
    )

    # Triggers and webhooks (valetkey.webhooks, valetkey.triggers; docs/triggers.md).
    poll_interval: float | None = Field(
        None,
        description="Seconds between polls of every polling trigger, overriding each trigger's own interval.",
    )
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        (0, 5, 300, 1800, 7200, 18000, 36000, 36000),
        description="Comma-separated delays, in seconds, before each webhook delivery attempt in turn.",
    )
    webhook_retention_days: float = Field(
        30.0,
        gt=0,
        description="Days delivered, skipped and failed webhook events and every delivery attempt are kept.",
    )
    webhook_purge_interval: float = Field(
        3600.0,
        gt=0,
        description="Seconds between the delivery worker's purges of what is past the retention.",
    )
    webhook_allow_private: bool = Field(
        False,
        description="1: webhook URLs and provider registrations may use loopback and private addresses.",
    )

    # Request bounds every route enforces before routing (api/limits.py).
    max_body_bytes: int = Field(
        10 * 1024 * 1024, description="Largest request body any route accepts (larger: a 413)."
    )
    max_upload_bytes: int = Field(
        100 * 1024 * 1024, description="Largest file sent to a presigned upload URL."
    )
    # Session files (`session.experimental.files`, the workbench's /mnt/files; files/session_files.py).
    session_file_max_bytes: int = Field(
        100 * 1024 * 1024, gt=0, description="Largest single file in a session's files."
    )
    session_files_max_bytes: int = Field(
        1024 * 1024 * 1024, gt=0, description="Most bytes one session's files may take in all."
    )
    # The workbench (sessions/workbench; docs/workbench.md).
    workbench_venv: Path | None = Field(
        None,
        description="The sandbox's Python venv (`valetkey workbench setup`); unset: `home`/workbench/venv.",
    )
    workbench_python: str = Field(
        "/usr/bin/python3",
        description="Interpreter `valetkey workbench setup` builds the venv with (under /usr).",
    )
    workbench_unsafe_no_sandbox: bool = Field(
        False,
        description="1: run workbench code WITHOUT the sandbox (development only; logged at every start).",
    )
    workbench_call_timeout: float = Field(
        120.0, gt=0, description="Longest a workbench call may run, in seconds (a call may ask for less)."
    )
    workbench_idle_timeout: float = Field(
        900.0, gt=0, description="Seconds after its last call an idle session's sandbox is stopped."
    )
    workbench_files_quota: Literal["auto", "hard", "soft"] = Field(
        "auto",
        description="How /mnt/files is bounded: `hard` on a size-limited image (root, loop devices), `soft` measured "
        "after each call, `auto` hard where possible.",
    )
    workbench_max_sandboxes: int = Field(
        16, ge=1, description="Most sandboxes running at once; past it the least recently used is stopped."
    )
    # Workbench package installs (sessions/workbench/packages.py): only allow-listed, only wheels, outside the sandbox.
    workbench_packages_allow: str = Field(
        "",
        description="Comma-separated requirement specifiers the workbench may install (`tabulate==0.9.0,"
        "python-dateutil>=2.8`), dependencies included; empty: no installs.",
    )
    workbench_package_index: str = Field(
        "",
        description="The package index URL (PEP 503 simple API) workbench installs use; operator-configured.",
    )
    workbench_package_find_links: Path | None = Field(
        None,
        description="A local folder of wheels workbench installs use instead of an index (`--no-index`).",
    )
    workbench_package_timeout: float = Field(
        120.0, gt=0, description="Longest one workbench package install (pip) may run, in seconds."
    )
    workbench_packages_max_bytes: int = Field(
        512 * 1024 * 1024, gt=0, description="Most bytes one session's installed packages may take."
    )
    web_search_url: str = Field(
        "",
        description="SearXNG-compatible search URL (…/search) for the workbench's web_search; empty: none.",
    )
    max_json_depth: int = Field(64, description="Deepest nesting of arrays and objects in a JSON body.")
    body_read_timeout: float = Field(
        30.0, description="Seconds a client has to send a whole request body (then a 408)."
    )
    # Wrong API keys are counted per client address, so key guessing is bounded.
    auth_failure_limit: int = Field(
        100, description="Requests with a wrong key allowed per client address in one window."
    )
    auth_failure_window_seconds: int = Field(
        60, validation_alias="VALETKEY_AUTH_FAILURE_WINDOW", description="That window, in seconds."
    )

    # Dashboard sign-ins (/dashboard/login) per client address and per email, in the shared counters.
    dashboard_login_limit: int = Field(
        10, description="Failed dashboard sign-ins allowed per client address (and per email) in one window."
    )
    dashboard_login_window_seconds: int = Field(
        300, validation_alias="VALETKEY_DASHBOARD_LOGIN_WINDOW", description="That window, in seconds."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment only through from_env()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """The settings `environ` (default: the process environment) gives; SystemExit naming a bad variable."""
        source = EnvSettingsSource(cls)
        if environ is not None:
            source.env_vars = {k.lower(): v for k, v in environ.items()}
        # A variable set to blanks counts as unset, as it always has.
        values = {name: value for name, value in source().items() if str(value).strip() != ""}
        try:
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = env_name(str(error["loc"][0])) if error["loc"] else ENV_PREFIX
            message = error["msg"].removeprefix("Value error, ")
            if "got" not in message:
                message += f", got {error.get('input')!r}"
            raise SystemExit(f"{name}: {message}") from None

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def workbench_venv_path(self) -> Path:
        return (self.workbench_venv or self.home / "workbench" / "venv").expanduser()

    @field_validator("public_url", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return value or None

    @field_validator("sandbox_url", mode="after")
    @classmethod
    def _sandbox_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(
                f"expected an http:// or https:// URL such as http://127.0.0.1:8001, got {value!r}"
            )
        return value

    @field_validator("scalekit_listen", mode="after")
    @classmethod
    def _scalekit_listen(cls, value: str) -> str:
        value = value.strip()
        if value:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"expected HOST:PORT such as 127.0.0.1:8443, got {value!r}")
        return value

    @model_validator(mode="after")
    def _tls_for_scalekit(self) -> Settings:
        if self.scalekit_listen and not (self.tls_cert and self.tls_key):
            raise ValueError(
                "VALETKEY_SCALEKIT_LISTEN needs VALETKEY_TLS_CERT and VALETKEY_TLS_KEY (PEM files): "
                "the Scalekit SDK speaks only TLS"
            )
        return self

    @field_validator("log_level", mode="after")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("catalog_dirs", mode="before")
    @classmethod
    def _catalog_dirs(cls, value: Any) -> Any:
        return _split(value, os.pathsep)

    @field_validator("catalog_cache", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None

    @field_validator("catalog_cache", mode="after")
    @classmethod
    def _expand_cache(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value else None

    @field_validator("catalog_dirs", mode="after")
    @classmethod
    def _expand_dirs(cls, value: tuple[Path, ...]) -> tuple[Path, ...]:
        return tuple(path.expanduser() for path in value)

    @field_validator("egress_allow", mode="before")
    @classmethod
    def _egress_allow(cls, value: Any) -> Any:
        return _split(value, ",")

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _retry_schedule(cls, value: Any) -> Any:
        return _split(value, ",")

    @field_validator("webhook_retry_schedule", mode="after")
    @classmethod
    def _schedule_is_sane(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(delay < 0 for delay in value):
            raise ValueError("expected comma-separated delays in seconds, none negative, at least one")
        return value

    @field_validator("poll_interval", mode="after")
    @classmethod
    def _positive_poll(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("expected a number of seconds above 0")
        return value

    @field_validator("workbench_packages_allow", mode="after")
    @classmethod
    def _package_allow_list(cls, value: str) -> str:
        """Every item a requirement specifier (a name and an optional version specifier, no URL or marker)."""
        from packaging.requirements import InvalidRequirement, Requirement

        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                requirement = Requirement(item)
            except InvalidRequirement:
                raise ValueError(
                    f"expected requirement specifiers like tabulate==0.9.0, got {item!r}"
                ) from None
            if requirement.url or requirement.marker or requirement.extras:
                raise ValueError(f"expected a name and a version specifier only, got {item!r}")
        return value

    @field_validator("workbench_package_find_links", mode="after")
    @classmethod
    def _one_package_source(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and info.data.get("workbench_package_index"):
            raise ValueError(
                "set VALETKEY_WORKBENCH_PACKAGE_INDEX or VALETKEY_WORKBENCH_PACKAGE_FIND_LINKS, not both"
            )
        return value

    @field_validator("upstream_overrides", mode="before")
    @classmethod
    def _upstream_overrides(cls, value: Any) -> Any:
        """``ORIGIN=URL`` items separated by commas or whitespace, as (origin, target) pairs."""
        if not isinstance(value, str):
            return value
        pairs = []
        for item in value.replace(",", " ").split():
            origin, sep, target = item.partition("=")
            if (
                not sep
                or not origin.startswith(("http://", "https://"))
                or not target.startswith(("http://", "https://"))
            ):
                raise ValueError(f"expected ORIGIN=URL, got {item!r}")
            pairs.append((origin.rstrip("/"), target.rstrip("/")))
        return tuple(pairs)

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, data: Any) -> Any:
        """No database URL: the SQLite file in `home`."""
        if isinstance(data, dict) and not data.get("database_url"):
            home = Path(data.get("home") or cls.model_fields["home"].default).expanduser()
            data = {**data, "database_url": f"sqlite:///{home / 'valetkey.db'}"}
        return data


def env_name(field: str) -> str:
    """The environment variable a `Settings` field (or its alias) is read from."""
    if field.startswith(ENV_PREFIX):
        return field
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias
    return ENV_PREFIX + field.upper()


def variables() -> dict[str, str]:
    """Every ``VALETKEY_*`` variable `Settings` reads, with its description."""
    return {env_name(name): info.description or "" for name, info in Settings.model_fields.items()}
