"""Managed auth: OAuth apps the operator configures once for the whole installation.

Composio's "use_composio_managed_auth" means "use the platform's OAuth app".
In Valetkey the platform is the operator, who registers an OAuth app per
toolkit and gives its credentials to the server, in a file or the environment:

``$VALETKEY_HOME/managed_auth.yaml``::

    toolkits:
      github:
        client_id: Iv1.0123
        client_secret: 7f3c...
        scopes: [repo, read:user]            # optional: overrides the toolkit's defaults
        auth_scheme: OAUTH2                  # optional: the toolkit's first OAuth scheme
        base_url: https://ghe.example.com/api/v3   # optional endpoint overrides:
        authorization_url: ...               # (GitHub Enterprise, self-hosted GitLab...)
        token_url: ...

Environment (wins over the file, field by field)::

    VALETKEY_MANAGED_AUTH_GITHUB_CLIENT_ID=Iv1.0123
    VALETKEY_MANAGED_AUTH_GITHUB_CLIENT_SECRET=7f3c...
    VALETKEY_MANAGED_AUTH_GITHUB_SCOPES="repo,read:user"
    (also _AUTH_SCHEME, _BASE_URL, _AUTHORIZATION_URL, _TOKEN_URL)

Managed auth configs never copy these secrets into the database: they are
read here when a flow needs them, so rotating the operator's app takes
effect everywhere at once. The file is re-read when it changes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from valetkey.connections.state import ConnectionsState

log = logging.getLogger("valetkey.connections")

MANAGED_AUTH_FILENAME = "managed_auth.yaml"
ENV_PREFIX = "VALETKEY_MANAGED_AUTH_"
_ENV_FIELDS = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "SCOPES",
    "AUTH_SCHEME",
    "BASE_URL",
    "AUTHORIZATION_URL",
    "TOKEN_URL",
)
_FILE_FIELDS = {f.lower() for f in _ENV_FIELDS} | {"consumer_key", "consumer_secret"}


class ManagedAuthError(ValueError):
    """The operator's managed-auth configuration is unusable. Never quotes secret values."""


@dataclass(frozen=True)
class ManagedApp:
    """One operator-registered OAuth app. `client_secret` is kept out of repr so it never reaches a log."""

    toolkit: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_scheme: str | None = None
    scopes: tuple[str, ...] | None = None
    base_url: str | None = None
    authorization_url: str | None = None
    token_url: str | None = None

    def credentials(self) -> dict[str, str]:
        """The app as auth-config credentials (what a custom config would have stored)."""
        values = {"client_id": self.client_id, "client_secret": self.client_secret}
        for name in ("base_url", "authorization_url", "token_url"):
            if getattr(self, name):
                values[name] = getattr(self, name)
        return values


def _scopes(value: Any, origin: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(s for s in value.replace(",", " ").split() if s)
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(value)
    raise ManagedAuthError(f"{origin}: scopes must be a list of strings or a comma-separated string")


def _app(toolkit: str, entry: Mapping[str, Any], origin: str) -> ManagedApp:
    client_id = entry.get("client_id") or entry.get("consumer_key")
    client_secret = entry.get("client_secret") or entry.get("consumer_secret")
    if not client_id or not client_secret:
        raise ManagedAuthError(f"{origin}: toolkit '{toolkit}' needs both client_id and client_secret")
    scheme = entry.get("auth_scheme")
    return ManagedApp(
        toolkit=toolkit,
        client_id=str(client_id),
        client_secret=str(client_secret),
        auth_scheme=str(scheme).upper() if scheme else None,
        scopes=_scopes(entry.get("scopes"), origin),
        base_url=entry.get("base_url") or None,
        authorization_url=entry.get("authorization_url") or None,
        token_url=entry.get("token_url") or None,
    )


def read_file_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The raw per-toolkit entries of a managed_auth.yaml (empty when there is no file)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        # The parser's message may quote a line holding a secret.
        raise ManagedAuthError(f"{path} is not valid YAML") from None
    toolkits = document.get("toolkits") if isinstance(document, dict) else None
    if not isinstance(toolkits, dict):
        raise ManagedAuthError(
            f"{path} must have a top-level 'toolkits:' mapping of toolkit slug to OAuth app"
        )
    entries: dict[str, dict[str, Any]] = {}
    for slug, entry in toolkits.items():
        if not isinstance(entry, dict):
            raise ManagedAuthError(f"{path}: toolkits.{slug} must be a mapping")
        unknown = set(entry) - _FILE_FIELDS
        if unknown:
            raise ManagedAuthError(
                f"{path}: toolkits.{slug} has unknown field(s) {', '.join(sorted(unknown))}"
            )
        entries[str(slug).lower()] = dict(entry)
    return entries


def read_env_entries(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per-toolkit entries from VALETKEY_MANAGED_AUTH_<TOOLKIT>_<FIELD> variables."""
    entries: dict[str, dict[str, Any]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or not value:
            continue
        rest = name[len(ENV_PREFIX) :]
        for suffix in _ENV_FIELDS:  # longest-first is not needed: no field is a suffix of another
            if rest.endswith("_" + suffix) and len(rest) > len(suffix) + 1:
                toolkit = rest[: -len(suffix) - 1].lower()
                entries.setdefault(toolkit, {})[suffix.lower()] = value
                break
    return entries


def load_managed_apps(path: Path, environ: Mapping[str, str]) -> dict[str, ManagedApp]:
    merged = read_file_entries(path)
    for toolkit, entry in read_env_entries(environ).items():
        merged[toolkit] = {**merged.get(toolkit, {}), **entry}
    return {
        toolkit: _app(toolkit, entry, f"managed auth for '{toolkit}'") for toolkit, entry in merged.items()
    }


class ManagedApps:
    """The operator's apps, re-read when the file changes (a stat per lookup; lookups are rare)."""

    def __init__(self, path: Path, environ: Mapping[str, str] | None = None):
        self.path = Path(path)
        self._environ = environ
        self._stamp: tuple[int, int] | None = None
        self._apps: dict[str, ManagedApp] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size

    def _refresh(self) -> None:
        stamp = self._current_stamp()
        with self._lock:
            if self._loaded and stamp == self._stamp:
                return
            environ = self._environ if self._environ is not None else os.environ
            self._apps = load_managed_apps(self.path, environ)
            self._stamp = stamp
            self._loaded = True

    def get(self, toolkit: str) -> ManagedApp | None:
        self._refresh()
        return self._apps.get(toolkit.lower())

    def toolkits(self) -> tuple[str, ...]:
        self._refresh()
        return tuple(sorted(self._apps))


def managed_scheme(toolkit: Any, app: ManagedApp | None) -> str | None:
    """The scheme a managed config of `toolkit` uses, or None when the installation has no managed auth for it.

    A toolkit that needs no auth is always "managed": there is nothing to configure.
    """
    if toolkit.no_auth:
        return "NO_AUTH"
    if app is None:
        return None
    modes = [s.mode for s in toolkit.auth_schemes]
    if app.auth_scheme:
        return app.auth_scheme if app.auth_scheme in modes else None
    return next((m for m in modes if m in ("OAUTH2", "OAUTH1")), None)


def managed_schemes(state: ConnectionsState, toolkit: Any) -> list[str]:
    """For the toolkit endpoint's `composio_managed_auth_schemes`."""
    try:
        scheme = managed_scheme(toolkit, state.managed_apps.get(toolkit.slug))
    except ManagedAuthError as exc:
        log.warning("managed auth configuration error: %s", exc)
        return []
    return [scheme] if scheme and scheme != "NO_AUTH" else []
