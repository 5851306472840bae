"""Masking of secrets in API responses.

Composio shows connected-account secrets masked when the project asks for it;
a masked value lets a person recognise which token is which (``gho_...``)
without being usable. The two shapes are Composio's documented ones (first
four characters and ``...``, or ``REDACTED``); we only reveal the prefix of
longer values than Composio does, since four characters of a short password
are most of it.
"""

from __future__ import annotations

# Below this length even four characters are too large a share of the secret.
_REVEAL_MIN_LENGTH = 12
_REVEALED = 4
_MASK = "REDACTED"


def mask_secret(value: str) -> str:
    """``abcd...`` for long values, ``REDACTED`` for short ones; the length is never revealed."""
    if not isinstance(value, str) or len(value) < _REVEAL_MIN_LENGTH:
        return _MASK
    return value[:_REVEALED] + "..."
