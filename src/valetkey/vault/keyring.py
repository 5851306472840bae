"""The keyring: named 256-bit keys, the first of which is the primary.

Operators write a keyring into ``VALETKEY_ENCRYPTION_KEYS`` as comma-separated
``KEY_ID:KEY`` entries::

    VALETKEY_ENCRYPTION_KEYS="k20250611ab12cd:q0k8...43 chars...,k20240101zz99yy:Vb3..."

- ``KEY_ID`` is 1 to 40 characters from ``A-Z a-z 0-9 _ -``. It is stored in
  every sealed value, so it must never change once used.
- ``KEY`` is 32 random bytes in base64 (URL-safe or standard alphabet, padding
  optional), e.g. the output of ``valetkey keys generate`` or
  ``openssl rand -base64 32``.
- The FIRST entry is the primary key: every new encryption uses it. The other
  entries only decrypt values sealed before a rotation.
- Whitespace and newlines around entries are ignored.

Error messages name entries by position and key id, never by key material, so
a typo in a deployment manifest cannot leak a key into a log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass, field

KEY_BYTES = 32  # AES-256
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_BASE64_PATTERN = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
_KEY_ID_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class KeyringError(ValueError):
    """The keyring configuration is unusable. The message never contains key material."""


@dataclass(frozen=True)
class Key:
    """One named AES-256 key. ``secret`` is excluded from repr so it never lands in a log."""

    kid: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.match(self.kid):
            raise KeyringError(f"invalid key id {self.kid!r}: use 1 to 40 characters from A-Z a-z 0-9 _ -")
        if len(self.secret) != KEY_BYTES:
            raise KeyringError(f"key {self.kid} must be exactly {KEY_BYTES} bytes, got {len(self.secret)}")

    def encoded(self) -> str:
        """The key as unpadded base64url, as written in the env variable and the keyring file."""
        return base64.urlsafe_b64encode(self.secret).rstrip(b"=").decode("ascii")

    def entry(self) -> str:
        """The ``KEY_ID:KEY`` form for ``VALETKEY_ENCRYPTION_KEYS``. Contains the key: never log it."""
        return f"{self.kid}:{self.encoded()}"


@dataclass(frozen=True)
class Keyring:
    """An ordered, non-empty set of keys with unique ids; ``keys[0]`` is the primary."""

    keys: tuple[Key, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("the keyring is empty: it needs at least one KEY_ID:KEY entry")
        seen: set[str] = set()
        for key in self.keys:
            if key.kid in seen:
                raise KeyringError(f"key id {key.kid} appears more than once in the keyring")
            seen.add(key.kid)

    @property
    def primary(self) -> Key:
        return self.keys[0]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(key.kid for key in self.keys)

    def get(self, kid: str) -> Key | None:
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def with_primary(self, key: Key) -> Keyring:
        """A keyring where ``key`` is the primary and every existing key still decrypts."""
        return Keyring((key, *(k for k in self.keys if k.kid != key.kid)))

    def to_env(self) -> str:
        """The whole keyring in ``VALETKEY_ENCRYPTION_KEYS`` form. Contains keys: never log it."""
        return ",".join(key.entry() for key in self.keys)


def decode_key(kid: str, encoded: str) -> bytes:
    """Strict base64 decoding of one key; errors name the key id only."""
    text = encoded.strip()
    if not _BASE64_PATTERN.match(text):
        raise KeyringError(f"key {kid} is not valid base64 (expected 32 random bytes, base64-encoded)")
    # Accept both alphabets (`openssl rand -base64 32` gives the standard one),
    # but refuse a string that mixes them: that is a sign of a mangled value.
    if re.search(r"[+/]", text) and re.search(r"[-_]", text):
        raise KeyringError(f"key {kid} mixes the standard and URL-safe base64 alphabets")
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise KeyringError(f"key {kid} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key {kid} decodes to {len(raw)} bytes; AES-256 needs exactly {KEY_BYTES}")
    return raw


def parse_keyring(text: str) -> Keyring:
    """Parse the ``VALETKEY_ENCRYPTION_KEYS`` format (see the module docstring)."""
    entries = [part.strip() for part in (text or "").split(",")]
    if not any(entries):
        raise KeyringError("VALETKEY_ENCRYPTION_KEYS is empty: set it to KEY_ID:KEY[,KEY_ID:KEY...]")
    keys: list[Key] = []
    for position, entry in enumerate(entries, start=1):
        if not entry:
            raise KeyringError(f"VALETKEY_ENCRYPTION_KEYS entry {position} is empty (stray comma?)")
        kid, sep, encoded = entry.partition(":")
        kid = kid.strip()
        if not sep:
            # The entry may be a bare key: say where, not what.
            raise KeyringError(
                f"VALETKEY_ENCRYPTION_KEYS entry {position} has no ':' between key id and key; "
                "expected KEY_ID:BASE64KEY"
            )
        if not KEY_ID_PATTERN.match(kid):
            raise KeyringError(
                f"VALETKEY_ENCRYPTION_KEYS entry {position} has an invalid key id: "
                "use 1 to 40 characters from A-Z a-z 0-9 _ -"
            )
        keys.append(Key(kid, decode_key(kid, encoded)))
    return Keyring(tuple(keys))


def new_key_id(now: dt.datetime | None = None) -> str:
    """``k`` + UTC date + 6 random characters: sortable by eye, unique across hosts."""
    now = now or dt.datetime.now(dt.UTC)
    suffix = "".join(secrets.choice(_KEY_ID_SUFFIX_ALPHABET) for _ in range(6))
    return f"k{now:%Y%m%d}{suffix}"


def generate_key(kid: str | None = None) -> Key:
    """A fresh key from the OS CSPRNG."""
    return Key(kid or new_key_id(), os.urandom(KEY_BYTES))
