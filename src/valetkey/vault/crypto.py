"""AES-256-GCM sealing of secrets into self-describing text tokens.

A sealed value is ``v1.<key id>.<base64url(nonce | ciphertext | tag)>``: plain
ASCII that fits a Text column, names the key that can open it (so rotation and
multiple keys need no extra column) and carries a format version (so a later
algorithm can coexist with this one).

Every token is bound to *where it lives* through GCM's associated data: the
purpose (table and column), the project id and the record id. The associated
data is authenticated but not stored, so a token copied into another row,
another column or another project fails to decrypt instead of handing one
tenant's credentials to another.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from valetkey.vault.keyring import Keyring

TOKEN_VERSION = "v1"  # noqa: S105 (not a secret)
NONCE_BYTES = 12  # 96 bits: GCM's native nonce size; random per encryption
TAG_BYTES = 16
_AAD_PREFIX = b"valetkey:v1"
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_TOKEN = re.compile(r"^v1\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]+)$")
# Random 96-bit nonces stay safe for about 2**32 encryptions per key (NIST SP 800-38D);
# rotation resets the count long before that for any realistic install.


class VaultError(Exception):
    """A sealed value could not be opened. Says which key and record, never what was inside."""


class UnknownKeyError(VaultError):
    """The token names a key id that the keyring does not hold."""


@dataclass(frozen=True)
class AssociatedData:
    """Where a sealed value belongs: purpose (``table.column``), project id and record id.

    Use a fixed purpose per column, e.g. ``connected_account.state``. Secrets that
    belong to the whole installation rather than a project use project id ``-``.
    """

    purpose: str
    project_id: str
    record_id: str

    def __post_init__(self) -> None:
        if not _PURPOSE.match(self.purpose):
            raise ValueError(f"purpose {self.purpose!r} must look like 'table.column'")
        for name in ("project_id", "record_id"):
            value = getattr(self, name)
            # "|" separates the fields, so forbidding it keeps the encoding unambiguous.
            if not isinstance(value, str) or not value or "|" in value:
                raise ValueError(f"{name} must be a non-empty string without '|'")

    def encode(self, kid: str) -> bytes:
        """The bytes GCM authenticates. The key id is included so a token's header cannot be edited."""
        fields = (kid, self.purpose, self.project_id, self.record_id)
        return b"|".join((_AAD_PREFIX, *(field.encode("utf-8") for field in fields)))

    def describe(self) -> str:
        """Ids only, for error messages and logs."""
        return f"{self.purpose} of {self.record_id} (project {self.project_id})"


@dataclass(frozen=True)
class TokenParts:
    kid: str
    payload: bytes  # nonce | ciphertext | tag


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_token(token: str, aad: AssociatedData | None = None) -> TokenParts:
    """Split a token into key id and payload, rejecting anything malformed."""
    where = f" for {aad.describe()}" if aad else ""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if match is None:
        raise VaultError(f"not a sealed value{where} (expected {TOKEN_VERSION}.<key id>.<data>)")
    try:
        payload = _b64decode(match.group(2))
    except (binascii.Error, ValueError):
        raise VaultError(f"sealed value{where} is not valid base64") from None
    if len(payload) < NONCE_BYTES + TAG_BYTES:
        raise VaultError(f"sealed value{where} is truncated")
    return TokenParts(match.group(1), payload)


def token_kid(token: str) -> str:
    """The key id a token was sealed with, without decrypting it."""
    return parse_token(token).kid


def seal(keyring: Keyring, plaintext: bytes, aad: AssociatedData) -> str:
    """Encrypt under the keyring's primary key."""
    if not isinstance(plaintext, bytes | bytearray):
        raise TypeError("seal() takes bytes; use Vault.encrypt_json for dicts")
    key = keyring.primary
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, bytes(plaintext), aad.encode(key.kid))
    return f"{TOKEN_VERSION}.{key.kid}.{_b64encode(nonce + sealed)}"


def unseal(keyring: Keyring, token: str, aad: AssociatedData) -> bytes:
    """Decrypt a token sealed under any key of the keyring, checking it belongs to ``aad``."""
    parts = parse_token(token, aad)
    key = keyring.get(parts.kid)
    if key is None:
        raise UnknownKeyError(f"key {parts.kid} not in keyring (needed to decrypt {aad.describe()})")
    nonce, sealed = parts.payload[:NONCE_BYTES], parts.payload[NONCE_BYTES:]
    try:
        return AESGCM(key.secret).decrypt(nonce, sealed, aad.encode(key.kid))
    except InvalidTag:
        # GCM cannot tell tampering from a wrong record binding; say both, reveal neither.
        raise VaultError(
            f"cannot decrypt {aad.describe()} with key {parts.kid}: "
            "the value was modified or belongs to another record or project"
        ) from None
