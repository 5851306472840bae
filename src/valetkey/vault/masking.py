"""Masking of secrets in API responses.

Composio shows connected-account secrets masked when the project asks for it;
a masked value lets a person recognise which token is which (``gho_...``)
without being usable.
"""

from __future__ import annotations

# Below this length even four characters are too large a share of the secret.
_REVEAL_MIN_LENGTH = 12
_REVEALED = 4
_MASK = "****"


def mask_secret(value: str) -> str:
    """``abcd...`` for long values, ``****`` for short ones; the length is never revealed."""
    if not isinstance(value, str) or len(value) < _REVEAL_MIN_LENGTH:
        return _MASK
    return value[:_REVEALED] + "..."
