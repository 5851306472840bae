"""Bounds on what one request may send: body size, JSON depth, body read time, the URL's text.

`EdgeLimits` is read from the settings once; `EdgeGuard` (api/middleware.py)
applies it to every route before routing, so a route added tomorrow is
bounded too. The checks here are plain functions over bytes, cheap enough for
the hottest path: the depth scan touches only brackets and string quotes, and
the surrogate scan runs only when the body holds a ``\\ud8..``-``\\udf..``
escape at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from valetkey.core.settings import Settings

MiB = 1024 * 1024


@dataclass(frozen=True)
class EdgeLimits:
    """What `EdgeGuard` enforces. See the README's configuration table for the settings."""

    # Largest request body, except on `upload_prefixes`.
    max_body_bytes: int = 10 * MiB
    # Largest body on `upload_prefixes` (presigned file uploads).
    max_upload_bytes: int = 100 * MiB
    # Deepest nesting of arrays and objects in a JSON body.
    max_json_depth: int = 64
    # Seconds a client has to send the whole body once the request head arrived.
    body_read_timeout: float = 30.0
    upload_prefixes: tuple[str, ...] = ()

    def max_bytes_for(self, path: str) -> int:
        if self.upload_prefixes and path.startswith(self.upload_prefixes):
            return self.max_upload_bytes
        return self.max_body_bytes


def edge_limits(settings: Settings, api_prefix: str) -> EdgeLimits:
    """The limits the settings ask for; presigned file uploads (``PUT .../files/storage/``) get their own bound."""
    return EdgeLimits(
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        max_json_depth=settings.max_json_depth,
        body_read_timeout=settings.body_read_timeout,
        upload_prefixes=(api_prefix + "/files/storage/",),
    )


# A JSON string (with its escapes), or one bracket outside strings.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def json_depth_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in `body` nest deeper than `max_depth` (brackets in strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def lone_surrogate_path(body: bytes) -> str | None:
    """The dotted path of the first string in a JSON body holding a lone surrogate, or None.

    Such a string (``"\\ud800"`` without its pair) is valid JSON but not
    Unicode text: no database or UTF-8 encoder takes it. Call after the depth
    check, which keeps `json.loads` off pathological nesting.
    """
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own parser answers that
    return _find_surrogate(value, "body")


def _find_surrogate(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                return f"{path}.{key.encode('utf-8', 'replace').decode()}"
            found = _find_surrogate(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_surrogate(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def url_problem(raw_path: bytes, query_string: bytes) -> tuple[str, str] | None:
    """(where, why) when the URL holds text no route can use: NUL or control bytes, or invalid UTF-8.

    `where` names the query parameter, or "path". Checked on the raw bytes,
    before any decoding replaces bad bytes with U+FFFD.
    """
    if b"%" in raw_path or _has_control(raw_path):
        for segment in raw_path.split(b"/"):
            problem = _text_problem(unquote_to_bytes(segment))
            if problem:
                return f"path segment {segment.decode('ascii', 'replace')!r}", problem
    if query_string:
        for pair in query_string.split(b"&"):
            name, _, value = pair.partition(b"=")
            problem = _text_problem(unquote_to_bytes(value.replace(b"+", b" ")))
            if problem:
                name_text = unquote_to_bytes(name).decode("utf-8", "replace") or "query"
                return f"query parameter {name_text}", problem
    return None


_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


def _has_control(raw: bytes) -> bool:
    return _CONTROL.search(raw) is not None


def _text_problem(raw: bytes) -> str | None:
    if b"\x00" in raw:
        return "contains a NUL byte"
    if _has_control(raw):
        return "contains a control character"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "is not valid UTF-8 (a lone surrogate?)"
    return None
