"""Identifiers and secrets.

Public ids are short, prefixed and random (``ca_...``, ``ac_...``) like the
Composio API's nano ids, so a leaked id says what it is and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def new_id(prefix: str, length: int = 12) -> str:
    # One urandom call per id; 256 % 62 bias is irrelevant for identifiers.
    return f"{prefix}_" + "".join(_ALPHABET[b % 62] for b in secrets.token_bytes(length))


def new_secret(prefix: str) -> str:
    """A bearer secret with about 190 bits of entropy."""
    return f"{prefix}_" + secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret; safe for lookup, useless for recovery."""
    return hashlib.sha256(secret.encode()).hexdigest()
