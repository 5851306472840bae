"""Structured (JSON lines) logging with the request id on every record.

Only fields explicitly passed in `extra` are emitted, so a secret can reach the
log only if code puts it there; the redaction below is a second line of defence
for values that look like our own keys or bearer tokens.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_SECRETISH = re.compile(
    r"\b(ak|oak|whsec|sk|ghp|gho|xox[abp])_[A-Za-z0-9_\-]{6,}"
    # Connect Link and MCP URL tokens (43 characters; ids with these prefixes have 12).
    r"|\b(lnk|vkm)_[A-Za-z0-9_\-]{32,}"
    r"|Bearer\s+[A-Za-z0-9._\-~+/=]{8,}"
)


REDACTED = "[redacted]"
# Query parameters whose value is a credential or one-time secret, whatever it looks like.
SECRET_PARAMS = (
    "code",
    "state",
    "oauth_token",
    "oauth_verifier",
    "id_token",
    "access_token",
    "refresh_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "client_secret",
    "password",
    "signature",
    "sig",
)
_QUERY_PARAM = re.compile(r"([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s\"]*", re.IGNORECASE)
# Any other query value that looks like a token: long, from a token alphabet, with digits and letters.
_QUERY_TOKENISH = re.compile(
    r"([?&][^=&#\s\"]+=)(?=[^&#\s\"]*\d)(?=[^&#\s\"]*[A-Za-z])[A-Za-z0-9_\-.~+/%]{24,}"
)
# Paths whose last segment is the only credential: Connect Links, per-user MCP URLs, signed file URLs.
_PATH_TOKEN = re.compile(r"(/link/|/mcp/u/|/files/storage/)[^/?#\s\"]+")


def redact_url(text: str) -> str:
    """`text` with path tokens and secret or token-like query values replaced by REDACTED."""
    text = _PATH_TOKEN.sub(r"\1" + REDACTED, text)
    text = _QUERY_PARAM.sub(r"\1" + REDACTED, text)
    return _QUERY_TOKENISH.sub(r"\1" + REDACTED, text)


def redact(text: str) -> str:
    """Our own key formats, bearer tokens and URL-borne secrets, wherever they appear in `text`."""
    return redact_url(_SECRETISH.sub(REDACTED, text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("valetkey")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
