"""The Vault: what the rest of Valetkey uses to seal and open secrets.

Callers pass an :class:`AssociatedData` naming the column, project and record
the value lives in, and store the returned string in that column::

    aad = AssociatedData(CONNECTED_ACCOUNT_STATE, account.project_id, account.id)
    account.state_encrypted = vault.encrypt_json({"access_token": ...}, aad=aad)
    state = vault.decrypt_json(account.state_encrypted, aad=aad)

A vault built from the keyring file also watches that file, so a key added by
``valetkey keys rotate`` reaches running servers without a restart.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from valetkey.vault.crypto import AssociatedData, UnknownKeyError, VaultError, seal, token_kid, unseal
from valetkey.vault.keyfile import KeyringFileWatcher, keyring_path, log, read_keyring_file
from valetkey.vault.keyring import Keyring, KeyringError, parse_keyring

# How often an encrypting process looks at the keyring file for a new primary key.
REFRESH_SECONDS = 5.0


class Vault:
    """Seals and opens secrets with a keyring; thread-safe."""

    def __init__(
        self,
        keyring: Keyring,
        *,
        refresh: Callable[[], Keyring | None] | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
        source: str = "memory",
    ):
        self._keyring = keyring
        self._refresh = refresh
        self._refresh_seconds = refresh_seconds
        self._checked_at = time.monotonic()
        self._lock = threading.Lock()
        self.source = source  # "env", "file:<path>" or "memory"; for status output

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def primary_kid(self) -> str:
        return self._keyring.primary.kid

    def reload(self) -> bool:
        """Pick up a changed keyring file now. Returns True if the keyring changed."""
        if self._refresh is None:
            return False
        with self._lock:
            self._checked_at = time.monotonic()
            try:
                fresh = self._refresh()
            except (OSError, KeyringError) as exc:
                # A half-edited or unreadable file must not take a serving process down:
                # keep the keys already in memory and say so (the message holds no key material).
                log.error("could not reload the keyring, keeping the keys in memory: %s", exc)
                return False
            if fresh is None:
                return False
            self._keyring = fresh
            return True

    def _maybe_reload(self) -> None:
        if self._refresh is not None and time.monotonic() - self._checked_at >= self._refresh_seconds:
            self.reload()

    def encrypt(self, plaintext: bytes, *, aad: AssociatedData) -> str:
        """Seal bytes under the primary key."""
        self._maybe_reload()
        return seal(self._keyring, plaintext, aad)

    def decrypt(self, token: str, *, aad: AssociatedData) -> bytes:
        """Open a token sealed under any key in the keyring; raises VaultError."""
        try:
            return unseal(self._keyring, token, aad)
        except UnknownKeyError:
            # Another process may have rotated to a key we have not loaded yet.
            if not self.reload():
                raise
            return unseal(self._keyring, token, aad)

    def encrypt_json(self, payload: Mapping[str, Any], *, aad: AssociatedData) -> str:
        """Seal a JSON object (credentials and account state are dicts)."""
        if not isinstance(payload, Mapping):
            raise TypeError("encrypt_json takes a mapping")
        return self.encrypt(json.dumps(dict(payload), separators=(",", ":")).encode("utf-8"), aad=aad)

    def decrypt_json(self, token: str, *, aad: AssociatedData) -> dict[str, Any]:
        """Open a token made by :meth:`encrypt_json`."""
        raw = self.decrypt(token, aad=aad)
        try:
            value = json.loads(raw)
        except ValueError:
            raise VaultError(f"{aad.describe()} does not hold a JSON object") from None
        if not isinstance(value, dict):
            raise VaultError(f"{aad.describe()} does not hold a JSON object")
        return value

    def is_current(self, token: str) -> bool:
        """True if the token is already sealed under the primary key (rotation skips it)."""
        self._maybe_reload()
        return token_kid(token) == self.primary_kid

    def reencrypt(self, token: str, *, aad: AssociatedData) -> str:
        """Open with whichever key sealed it and seal again under the primary key."""
        return self.encrypt(self.decrypt(token, aad=aad), aad=aad)


def vault_from_env_value(value: str) -> Vault:
    """A vault over ``VALETKEY_ENCRYPTION_KEYS``; raises KeyringError on a bad value."""
    return Vault(parse_keyring(value), source="env")


def vault_from_settings(settings: Any) -> Vault:
    """The vault for a running server or CLI command.

    ``settings.encryption_keys`` (``VALETKEY_ENCRYPTION_KEYS``) wins; when unset,
    the keyring file in ``settings.home`` is loaded, or generated on first start
    (with a one-time warning to back it up). Raises KeyringError on bad config.
    """
    if settings.encryption_keys:
        vault = vault_from_env_value(settings.encryption_keys)
        _warn_about_orphaned_file_keys(keyring_path(settings.home), vault.keyring)
        return vault
    path = keyring_path(settings.home)
    watcher = KeyringFileWatcher(path)
    return Vault(watcher.load(), refresh=watcher.poll, source=f"file:{path}")


def _warn_about_orphaned_file_keys(path: Path, env_keyring: Keyring) -> None:
    """Moving from the generated file to the env variable must carry the file's keys over."""
    try:
        missing = [kid for kid in read_keyring_file(path).kids if env_keyring.get(kid) is None]
    except (OSError, KeyringError):
        return
    if missing:
        log.warning(
            "keyring file %s holds key(s) %s that are not in VALETKEY_ENCRYPTION_KEYS; secrets sealed with "
            "them cannot be decrypted. Copy those entries into the variable after the primary key.",
            path,
            ", ".join(missing),
        )
