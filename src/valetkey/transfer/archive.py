"""The export file: a snapshot sealed to a passphrase.

Layout: the line ``VALETKEY-EXPORT 1``, a JSON header line (KDF and cipher
parameters, base64 salt and nonce), then the ciphertext. The key is scrypt
(N=2^15, r=8, p=1: about 32 MiB and a fraction of a second, per file, not per
guess) over the passphrase and a random 16-byte salt; the content is the
gzipped snapshot JSON under AES-256-GCM with a random 96-bit nonce, the
header as associated data, so a changed header, a wrong passphrase or a
flipped byte all fail to open.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"VALETKEY-EXPORT 1\n"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSPHRASE = 8


class ArchiveError(ValueError):
    pass


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def seal(document: dict[str, Any], passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": base64.b64encode(salt).decode(),
        "cipher": "AES-256-GCM",
        "nonce": base64.b64encode(nonce).decode(),
        "content": "gzip+json",
    }
    head = json.dumps(header, sort_keys=True).encode() + b"\n"
    key = _key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    plain = gzip.compress(json.dumps(document).encode(), mtime=0)
    return MAGIC + head + AESGCM(key).encrypt(nonce, plain, MAGIC + head)


def open_sealed(blob: bytes, passphrase: str) -> dict[str, Any]:
    if not blob.startswith(MAGIC):
        raise ArchiveError("not a Valetkey export file")
    rest = blob[len(MAGIC) :]
    end = rest.find(b"\n")
    if end < 0:
        raise ArchiveError("the export file is truncated")
    head, body = rest[: end + 1], rest[end + 1 :]
    try:
        header = json.loads(head)
        if header.get("kdf") != "scrypt" or header.get("cipher") != "AES-256-GCM":
            raise ArchiveError("unknown KDF or cipher in the export file")
        n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
        if not (2**10 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
            raise ArchiveError("scrypt parameters out of range")
        salt, nonce = base64.b64decode(header["salt"]), base64.b64decode(header["nonce"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"the export file's header is damaged: {exc}") from None
    try:
        plain = AESGCM(_key(passphrase, salt, n, r, p)).decrypt(nonce, body, MAGIC + head)
    except InvalidTag:
        raise ArchiveError("wrong passphrase, or the file was changed") from None
    document = json.loads(gzip.decompress(plain))
    if not isinstance(document, dict):
        raise ArchiveError("the export file holds no snapshot")
    return document
