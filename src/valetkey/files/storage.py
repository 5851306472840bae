"""Bytes and metadata of staged files on disk, one folder per project.

Keys look like Composio's object keys,
``projects/<project>/requests/<toolkit>/<TOOL>/<random>/<filename>`` for
uploads and ``.../responses/...`` for files tools return; the project in the
key is what scopes it. Metadata (name, mimetype, md5, tool) sits next to the
bytes in ``<file>.meta.json``. Paths are built only from validated parts, so a
key can never leave the storage root.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KEY = re.compile(
    r"^projects/[A-Za-z0-9_-]+/(requests|responses)/[a-z0-9_]+/[A-Z0-9_]+/[0-9a-f]{32}/[A-Za-z0-9._-]+$"
)


class FileNotStaged(Exception):
    """No such file, or not one of this project's."""


class ChecksumMismatch(Exception):
    pass


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    mimetype: str
    data: bytes


def safe_name(filename: str) -> str:
    name = _SAFE.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "file"
    return name[-100:]


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (users' files are as private as their tokens)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on open
        file.write(data)


def project_of_key(key: str) -> str | None:
    """The project id an object key belongs to (keys start ``projects/{id}/``); None if malformed."""
    if not _KEY.match(key):
        return None
    return key.split("/", 2)[1]


class FileStorage:
    def __init__(self, root: Path):
        self.root = root

    def new_key(self, project_id: str, kind: str, toolkit: str, tool: str, filename: str) -> str:
        key = "/".join(
            (
                "projects",
                project_id,
                kind,
                _SAFE.sub("_", toolkit.lower()) or "unknown",
                _SAFE.sub("_", tool.upper()) or "UNKNOWN",
                secrets.token_hex(16),
                safe_name(filename),
            )
        )
        if not _KEY.match(key):
            raise ValueError(f"cannot build a storage key from {project_id!r}, {toolkit!r}, {tool!r}")
        return key

    def reserve(self, key: str, *, name: str, mimetype: str, md5: str | None) -> None:
        """Record what a presigned upload will carry; the bytes come with `put`."""
        meta = self._path(key).with_name(self._path(key).name + ".meta.json")
        self._private_dirs(meta.parent)
        write_private(meta, json.dumps({"name": name, "mimetype": mimetype, "md5": md5}).encode())

    def put(self, key: str, data: bytes) -> None:
        meta = self._meta(key)
        if meta.get("md5") and hashlib.md5(data, usedforsecurity=False).hexdigest() != meta["md5"]:
            raise ChecksumMismatch(
                "the uploaded bytes do not match the md5 given when the upload was requested"
            )
        write_private(self._path(key), data)

    def save(self, key: str, *, name: str, mimetype: str, data: bytes) -> None:
        self.reserve(key, name=name, mimetype=mimetype, md5=None)
        write_private(self._path(key), data)

    def _private_dirs(self, directory: Path) -> None:
        """Create `directory` and its missing parents 0700 (`mkdir(parents=True)` ignores the mode for parents)."""
        for folder in [*reversed(directory.relative_to(self.root).parents), directory.relative_to(self.root)]:
            (self.root / folder).mkdir(exist_ok=True, mode=0o700)

    def read(self, key: str, project_id: str | None = None) -> StoredFile:
        if project_id is not None and not key.startswith(f"projects/{project_id}/"):
            raise FileNotStaged(key)
        path = self._path(key)
        if not path.is_file():
            raise FileNotStaged(key)
        meta = self._meta(key)
        return StoredFile(
            key,
            meta.get("name") or path.name,
            meta.get("mimetype") or "application/octet-stream",
            path.read_bytes(),
        )

    def _meta(self, key: str) -> dict:
        path = self._path(key)
        try:
            return json.loads(path.with_name(path.name + ".meta.json").read_text())
        except (OSError, ValueError):
            raise FileNotStaged(key) from None

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise FileNotStaged(key)
        return self.root.joinpath(*key.split("/"))
