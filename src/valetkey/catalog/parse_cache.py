"""A content-addressed cache of parsed definition files.

Parsing YAML is most of a catalog load: the imported toolkits' generated files
hold about 4 MB of YAML, and even libyaml's parser leaves PyYAML's constructor
and resolver in Python, about 2.5 s of CPU at every server start. This cache
keeps each large file's parse as JSON, which loads some fifty times faster.

An entry is named by the SHA-256 of the file's bytes and of `PARSER_VERSION`,
so an edited file is a new key and a stale entry is never read; bump
`PARSER_VERSION` whenever the loader's YAML rules change. Only parses that JSON
represents exactly are kept (no dates, no non-string keys, no NaN). Entries are
written atomically (a temporary file renamed into place) in a folder created
0700, each file 0600. The cache is an optimisation only: any error reading or
writing it falls back to parsing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# Part of every key: bump it when the definition loader parses YAML differently.
PARSER_VERSION = f"1/pyyaml-{yaml.__version__}"
# Smaller files parse in a few milliseconds: not worth an entry.
MIN_CACHED_BYTES = 16 * 1024


class ParseCache:
    """Parsed files by content; `ParseCache(None)` parses every time."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def load(self, text: str, parse: Callable[[str], Any]) -> Any:
        """`parse(text)`, from the cache when this exact text was parsed before."""
        raw = text.encode("utf-8")
        if self.directory is None or len(raw) < MIN_CACHED_BYTES:
            return parse(text)
        digest = hashlib.sha256(PARSER_VERSION.encode() + b"\0" + raw).hexdigest()
        entry = self.directory / digest[:2] / f"{digest}.json"
        with contextlib.suppress(OSError, ValueError):
            return json.loads(entry.read_bytes())
        value = parse(text)
        encoded = _exact_json(value)
        if encoded is not None:
            with contextlib.suppress(OSError):
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                _write_atomically(entry, encoded)
        return value


def _exact_json(value: Any) -> bytes | None:
    """`value` as JSON, or None when JSON would not give back an equal value."""
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return encoded.encode("utf-8") if json.loads(encoded) == value else None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
