"""The keyring file in ``VALETKEY_HOME``, used when ``VALETKEY_ENCRYPTION_KEYS`` is unset.

A single-machine install must work with zero configuration, so the first start
generates a key and writes it here; a warning tells the operator to back it up,
because losing it means losing every stored credential.

Format (``keyring.json``, mode 0600)::

    {"version": 1, "keys": [{"id": "k20250611ab12cd", "key": "<base64url 32 bytes>"}, ...]}

The first key is the primary, as in the env variable.

Writes are atomic: the content goes to a private temporary file that is then
hard-linked (first creation: fails if another process won the race, so two
workers starting at once can never end up with different keys) or renamed over
the old file (rotation: readers see the old or the new keyring, never half).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from valetkey.vault.keyring import KEY_ID_PATTERN, Key, Keyring, KeyringError, decode_key, generate_key

KEYRING_FILENAME = "keyring.json"
_COMMENT = (
    "Valetkey encryption keyring. The first key encrypts new secrets; the others still decrypt. "
    "Back this file up: without it, stored credentials cannot be recovered."
)
log = logging.getLogger("valetkey.vault")
_warned: set[tuple[str, str]] = set()


def keyring_path(home: Path) -> Path:
    return Path(home) / KEYRING_FILENAME


def _warn_once(kind: str, path: Path, message: str, *args: object) -> None:
    """One warning per (kind, file) per process: a loud signal, not log spam from every worker thread."""
    if (kind, str(path)) in _warned:
        return
    _warned.add((kind, str(path)))
    log.warning(message, *args)


@dataclass(frozen=True)
class FileStamp:
    """Enough of stat() to notice that the file was replaced or rewritten."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


def read_keyring_file(path: Path) -> Keyring:
    """Parse and validate a keyring file. Errors name the file and key ids, not key material."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        _warn_once(
            "mode",
            path,
            "keyring file %s is accessible to other users (mode %o); run: chmod 600 %s",
            path,
            mode,
            path,
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        # Do not chain the exception: a JSON error message quotes the offending text.
        raise KeyringError(f"keyring file {path} is not valid JSON") from None
    if not isinstance(document, dict) or document.get("version") != 1:
        raise KeyringError(f"keyring file {path} has an unknown format (expected version 1)")
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise KeyringError(f"keyring file {path} has no keys")
    keys = []
    for position, entry in enumerate(entries, start=1):
        kid = entry.get("id") if isinstance(entry, dict) else None
        encoded = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(kid, str) or not KEY_ID_PATTERN.match(kid) or not isinstance(encoded, str):
            raise KeyringError(f"keyring file {path}: entry {position} needs a valid 'id' and a base64 'key'")
        keys.append(Key(kid, decode_key(kid, encoded)))
    return Keyring(tuple(keys))


def _render(keyring: Keyring) -> bytes:
    document = {
        "_comment": _COMMENT,
        "version": 1,
        "keys": [{"id": key.kid, "key": key.encoded()} for key in keyring.keys],
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _write_private_temp(path: Path, content: bytes) -> Path:
    """Write ``content`` to a new 0600 file next to ``path`` and flush it to disk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    # O_EXCL + explicit mode: the key is never readable by others, not even for an instant.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask could only remove bits, but be explicit
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere; best effort
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_keyring_file(path: Path, keyring: Keyring, *, replace: bool) -> None:
    """Atomically write the keyring. With ``replace=False``, raise FileExistsError if the file exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = _write_private_temp(path, _render(keyring))
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic create-if-absent with the full content already in place
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def load_or_create_keyring_file(path: Path) -> Keyring:
    """Read the keyring file, generating it with one fresh key the first time."""
    path = Path(path)
    try:
        return read_keyring_file(path)
    except FileNotFoundError:
        pass
    keyring = Keyring((generate_key(),))
    try:
        write_keyring_file(path, keyring, replace=False)
    except FileExistsError:
        # Another process created it first: use theirs, so everyone shares one key.
        return read_keyring_file(path)
    _warn_once(
        "generated",
        path,
        "VALETKEY_ENCRYPTION_KEYS is not set: generated a new encryption keyring at %s (key id %s). "
        "Back this file up now; without it stored credentials cannot be decrypted. "
        "For production, set VALETKEY_ENCRYPTION_KEYS instead (see docs/security.md).",
        path,
        keyring.primary.kid,
    )
    return keyring


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Serialize read-modify-write of the keyring file between processes (two concurrent rotations)."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def add_primary_key(path: Path, key: Key | None = None) -> Keyring:
    """Put a new key (generated when not given) first in the keyring file, keeping the old keys."""
    path = Path(path)
    with _exclusive(path):
        current = read_keyring_file(path)
        key = key or generate_key()
        if current.get(key.kid) is not None:
            raise KeyringError(f"key id {key.kid} is already in {path}")
        updated = current.with_primary(key)
        write_keyring_file(path, updated, replace=True)
    return updated


class KeyringFileWatcher:
    """Notices when the keyring file changes, so a running server picks up a rotated key."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: FileStamp | None = None

    def load(self) -> Keyring:
        keyring = load_or_create_keyring_file(self.path)
        self._stamp = FileStamp.of(self.path)
        return keyring

    def poll(self) -> Keyring | None:
        """The new keyring if the file changed since the last load, else None."""
        try:
            stamp = FileStamp.of(self.path)
        except FileNotFoundError:
            return None  # keep serving with the keys in memory; never regenerate under a running server
        if stamp == self._stamp:
            return None
        keyring = read_keyring_file(self.path)
        self._stamp = stamp
        return keyring
