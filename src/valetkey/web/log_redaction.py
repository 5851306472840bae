"""Keep one-time secrets that travel in URLs out of the access log.

The OAuth callback's query carries the authorization code and our `state`
(OAuth 1: the request token and verifier); a Connect Link's path carries
its token. All are single-use, but an access log outlives them and is read
by more people than the database: uvicorn's access records are rewritten
before any handler formats them.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("code", "state", "oauth_token", "oauth_verifier", "id_token", "access_token")
_QUERY = re.compile(r"([?&](?:{})=)[^&#\s]*".format("|".join(SECRET_PARAMS)))
_LINK = re.compile(r"(/link/lnk_)[A-Za-z0-9_\-]+")
REDACTED = "[redacted]"


def redact_url(text: str) -> str:
    return _LINK.sub(r"\1" + REDACTED, _QUERY.sub(r"\1" + REDACTED, text))


class AccessLogRedaction(logging.Filter):
    """Rewrites the path argument of uvicorn access records (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        return True


def install() -> None:
    """Idempotently attach the filter to uvicorn's access logger."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
