"""Runtime settings, read once from the environment.

Every name here is part of the operator contract in PRODUCT.md; keep them in
step with the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def _paths(raw: str | None) -> tuple[Path, ...]:
    if not raw:
        return ()
    return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())


def _upstream_overrides(raw: str | None) -> tuple[tuple[str, str], ...]:
    """``ORIGIN=URL`` pairs separated by commas or whitespace (see `Settings.upstream_overrides`)."""
    pairs = []
    for item in (raw or "").replace(",", " ").split():
        origin, sep, target = item.partition("=")
        if (
            not sep
            or not origin.startswith(("http://", "https://"))
            or not target.startswith(("http://", "https://"))
        ):
            raise SystemExit(f"VALETKEY_UPSTREAM_OVERRIDES: expected ORIGIN=URL, got {item!r}")
        pairs.append((origin.rstrip("/"), target.rstrip("/")))
    return tuple(pairs)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    public_url: str
    encryption_keys: str | None
    # Requests allowed per project in one rolling window; 0 disables the limit.
    rate_limit: int
    rate_limit_window_seconds: int
    # Extra toolkit definition folders, searched after the built-in catalog.
    catalog_dirs: tuple[Path, ...] = field(default_factory=tuple)
    log_level: str = "INFO"
    # Upstream HTTP timeout for tool execution, in seconds.
    upstream_timeout: float = 30.0
    # OAuth token refresh: how often the background job looks for tokens expiring within
    # `refresh_margin` (0 turns the job off), and after how many failed refreshes in a row
    # (network errors, 5xx) an account is marked EXPIRED.
    refresh_interval: float = 60.0
    refresh_margin: float = 300.0
    refresh_failure_limit: int = 5
    # Upstream origins rerouted for every tool call and verification request, as
    # (origin, replacement URL) pairs: "https://hn.algolia.com" -> "http://127.0.0.1:8001/hackernews"
    # sends https://hn.algolia.com/api/v1/search to http://127.0.0.1:8001/hackernews/api/v1/search.
    # For sandboxes, mirrors and egress proxies; applies to all projects, so operator-only.
    upstream_overrides: tuple[tuple[str, str], ...] = ()
    # VALETKEY_EGRESS_ALLOW entries (host, address or CIDR, optional :port) the egress policy lets
    # outbound calls reach although not public; parsed and checked by valetkey.net.egress.
    egress_allow: tuple[str, ...] = ()
    # Request bounds every route enforces before routing (api/limits.py): body bytes, the
    # larger bound of presigned file uploads, JSON nesting depth, and seconds to send a body.
    max_body_bytes: int = 10 * 1024 * 1024
    max_upload_bytes: int = 100 * 1024 * 1024
    max_json_depth: int = 64
    body_read_timeout: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("VALETKEY_HOME") or "~/.valetkey").expanduser()
        database_url = os.environ.get("VALETKEY_DATABASE_URL") or f"sqlite:///{home / 'valetkey.db'}"
        return cls(
            home=home,
            database_url=database_url,
            public_url=(os.environ.get("VALETKEY_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
            encryption_keys=os.environ.get("VALETKEY_ENCRYPTION_KEYS") or None,
            rate_limit=_int("VALETKEY_RATE_LIMIT", 20_000),
            rate_limit_window_seconds=_int("VALETKEY_RATE_LIMIT_WINDOW", 600),
            catalog_dirs=_paths(os.environ.get("VALETKEY_CATALOG_DIRS")),
            log_level=(os.environ.get("VALETKEY_LOG_LEVEL") or "INFO").upper(),
            upstream_timeout=float(os.environ.get("VALETKEY_UPSTREAM_TIMEOUT") or 30.0),
            refresh_interval=float(os.environ.get("VALETKEY_REFRESH_INTERVAL") or 60.0),
            refresh_margin=float(os.environ.get("VALETKEY_REFRESH_MARGIN") or 300.0),
            refresh_failure_limit=_int("VALETKEY_REFRESH_FAILURE_LIMIT", 5),
            upstream_overrides=_upstream_overrides(os.environ.get("VALETKEY_UPSTREAM_OVERRIDES")),
            egress_allow=tuple(
                e.strip() for e in (os.environ.get("VALETKEY_EGRESS_ALLOW") or "").split(",") if e.strip()
            ),
            max_body_bytes=_int("VALETKEY_MAX_BODY_BYTES", 10 * 1024 * 1024),
            max_upload_bytes=_int("VALETKEY_MAX_UPLOAD_BYTES", 100 * 1024 * 1024),
            max_json_depth=_int("VALETKEY_MAX_JSON_DEPTH", 64),
            body_read_timeout=float(os.environ.get("VALETKEY_BODY_READ_TIMEOUT") or 30.0),
        )
