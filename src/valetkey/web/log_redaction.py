"""Keep one-time secrets that travel in URLs out of the access log.

The OAuth callback's query carries the authorization code and our `state`
(OAuth 1: the request token and verifier); the paths of Connect Links,
per-user MCP URLs and signed file URLs carry their tokens. An access log
outlives them and is read by more people than the database: uvicorn's access
records are rewritten (`valetkey.core.log_setup.redact`) before any handler formats them.
"""

from __future__ import annotations

import logging

from valetkey.core.log_setup import REDACTED, redact, redact_url

__all__ = ["REDACTED", "AccessLogRedaction", "install", "redact_url"]


class AccessLogRedaction(logging.Filter):
    """Rewrites the path argument of uvicorn access records (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Idempotently attach the filter to uvicorn's access logger."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
