"""Presigned URLs without an object store: HMAC-signed, expiring tokens naming one action on one key.

A token is ``base64url(json) + "." + base64url(hmac_sha256)``; the JSON holds
the action (``put`` or ``get``), the object key and the expiry. Anyone holding
the URL may do that one thing until it expires, which is what an S3 presigned
URL grants. The key is random, kept in ``VALETKEY_HOME/files/signing.key``
(0600) so every process of one installation accepts the others' URLs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Grant:
    action: str
    key: str
    expires_at: int


def load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, key)
    finally:
        os.close(descriptor)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, action: str, key: str, ttl_seconds: int, clock=time.time) -> str:
    payload = _b64(
        json.dumps({"a": action, "k": key, "e": int(clock()) + ttl_seconds}, separators=(",", ":")).encode()
    )
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify(secret: bytes, token: str, action: str, clock=time.time) -> Grant:
    payload, _, mac = token.partition(".")
    try:
        expected = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidToken("bad signature")
        data = json.loads(_unb64(payload))
    except (ValueError, TypeError) as exc:
        raise InvalidToken("malformed token") from exc
    if data.get("a") != action:
        raise InvalidToken("token is for another action")
    if int(data.get("e", 0)) < clock():
        raise InvalidToken("token expired")
    return Grant(action, str(data["k"]), int(data["e"]))
