"""Opaque cursors for list endpoints.

A cursor is a base64url token over a small JSON payload, so clients cannot
mistake it for a page number and we can change what it carries.
"""

from __future__ import annotations

import base64
import json

from valetkey.core.errors import ValidationError


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded.encode()))["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except Exception:
        raise ValidationError(
            "Invalid cursor",
            suggested_fix="Pass the next_cursor value from the previous page.",
        ) from None
