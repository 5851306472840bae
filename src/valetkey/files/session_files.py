"""A session's files: the ``files`` mount of `session.experimental.files`, and the workbench's ``/mnt/files``.

One folder per session, ``<files root>/sessions/<project>/<session>/``
(`session_root`): ``mount/`` holds the bytes exactly as the workbench sees them
at ``/mnt/files`` (it bind-mounts that folder), ``meta/`` the mimetype an upload
declared, out of the sandbox's reach. Deleting the session deletes the folder.

The workbench writes into ``mount/`` too, so nothing in it is trusted: every
path is checked (`clean_path`: no ``..``, no empty or dot segments, no NUL or
backslash) and then opened one component at a time relative to the mount's
descriptor with ``O_NOFOLLOW``, so a symlink the sandbox planted (``ln -s
/etc/passwd x``) is refused instead of followed out of the folder.
"""

from __future__ import annotations

import errno
import hashlib
import json
import mimetypes
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from valetkey.core.errors import ApiError, NotFound, ValidationError
from valetkey.files.storage import write_private

MOUNT_ID = "files"
SANDBOX_MOUNT_PREFIX = "/mnt/files"
MAX_PATH_CHARS = 1024
MAX_SEGMENT_CHARS = 255
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def session_root(files_root: Path, project_id: str, session_id: str) -> Path:
    """The folder of one session's files (the mount and its metadata); the one place that names it."""
    for part in (project_id, session_id):
        if not part or "/" in part or part in (".", "..") or "\x00" in part:
            raise ValueError(f"not an id: {part!r}")
    return files_root / "sessions" / project_id / session_id


def mount_dir(files_root: Path, project_id: str, session_id: str) -> Path:
    """What the workbench mounts at ``/mnt/files``."""
    return session_root(files_root, project_id, session_id) / "mount"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_total_bytes: int


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    modified: float

    @property
    def last_modified(self) -> str:
        return datetime.fromtimestamp(self.modified, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Content:
    path: str
    mimetype: str
    data: bytes


def file_not_found(path: str) -> NotFound:
    return NotFound(
        f"No file or directory {path!r} in the session's files",
        slug="SessionFileNotFound",
        suggested_fix="List the mount's items for the paths it holds.",
    )


def clean_path(raw: str, *, allow_root: bool = False) -> str:
    """`raw` as ``a/b/c``: leading ``/`` and ``/mnt/files/`` dropped; anything that could leave the mount refused."""
    text = raw.strip()
    if text == SANDBOX_MOUNT_PREFIX or text.startswith(SANDBOX_MOUNT_PREFIX + "/"):
        text = text[len(SANDBOX_MOUNT_PREFIX) :]
    text = text.strip("/")
    if not text:
        if allow_root:
            return ""
        raise ValidationError(
            "mount_relative_path names no file", suggested_fix="Pass a path such as data/report.csv."
        )
    if len(text) > MAX_PATH_CHARS:
        raise ValidationError(f"mount_relative_path is longer than {MAX_PATH_CHARS} characters")
    parts = text.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise ValidationError(
                f"mount_relative_path {raw!r} has an empty, '.' or '..' segment",
                suggested_fix="Use a plain relative path inside the mount, such as data/report.csv.",
            )
        if len(part) > MAX_SEGMENT_CHARS or "\\" in part or any(ord(c) < 32 or ord(c) == 127 for c in part):
            raise ValidationError(
                f"mount_relative_path {raw!r} has a segment with a backslash, a control character, "
                f"or more than {MAX_SEGMENT_CHARS} characters"
            )
    return "/".join(parts)


class SessionFiles:
    """The files of one session (plain blocking calls: run them in a worker thread)."""

    def __init__(self, files_root: Path, project_id: str, session_id: str, limits: Limits):
        self.root = session_root(files_root, project_id, session_id)
        self.mount = self.root / "mount"
        self.limits = limits

    def ensure(self) -> Path:
        """Create the session's folders (0700) and answer the mount folder."""
        for folder in (self.root.parent.parent, self.root.parent, self.root, self.mount, self.root / "meta"):
            folder.mkdir(mode=0o700, exist_ok=True, parents=folder is self.root.parent.parent)
        return self.mount

    # -- reading ----------------------------------------------------------------------------------

    def entries(self, prefix: str = "") -> list[Entry]:
        """Every regular file under the mount whose path starts with `prefix`, by path (symlinks skipped)."""
        prefix = clean_path(prefix, allow_root=True) if prefix else ""
        if not self.mount.is_dir():
            return []
        found: list[Entry] = []
        for directory, dirs, files, dir_fd in os.fwalk(self.mount, follow_symlinks=False):
            rel = os.path.relpath(directory, self.mount)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            dirs.sort()
            for name in sorted(files):
                path = base + name
                if prefix and not path.startswith(prefix):
                    continue
                try:
                    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append(Entry(path, info.st_size, info.st_mtime))
        found.sort(key=lambda e: e.path)
        return found

    def usage(self) -> int:
        """Bytes the session's files take."""
        return sum(entry.size for entry in self.entries())

    def read(self, path: str) -> Content:
        path = clean_path(path)
        *parents, name = path.split("/")
        with self._directory(parents, create=False, missing=path) as dir_fd:
            try:
                # O_NONBLOCK: a FIFO the sandbox made must not block the server (it is refused just below).
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError as exc:
                raise file_not_found(path) from exc
            with os.fdopen(fd, "rb") as file:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise file_not_found(path)
                data = file.read()
        return Content(path, self._mimetype(path), data)

    def is_file(self, path: str) -> bool:
        """Whether `path` is a regular file in the mount (a symlink is not)."""
        try:
            return stat.S_ISREG(self._lstat(clean_path(path)).st_mode)
        except NotFound:
            return False

    # -- writing ----------------------------------------------------------------------------------

    def check_room(self, path: str, size: int) -> None:
        """Refuse a file of `size` bytes at `path` beyond the per-file or per-session limit (413)."""
        if size > self.limits.max_file_bytes:
            raise ApiError(
                f"The file is {size} bytes; a session's file may have at most {self.limits.max_file_bytes}",
                status=413,
                slug="SessionFileTooLarge",
                suggested_fix="Upload a smaller file, or ask the operator to raise VALETKEY_SESSION_FILE_MAX_BYTES.",
            )
        others = sum(entry.size for entry in self.entries() if entry.path != path)
        if others + size > self.limits.max_total_bytes or (
            size == 0 and others >= self.limits.max_total_bytes
        ):
            raise ApiError(
                f"The session's files would take {others + size} bytes; the session may hold "
                f"{self.limits.max_total_bytes}",
                status=413,
                slug="SessionFilesQuotaExceeded",
                suggested_fix="Delete files the session no longer needs, or ask the operator to raise "
                "VALETKEY_SESSION_FILES_MAX_BYTES.",
            )

    def write(self, path: str, data: bytes, mimetype: str | None = None) -> Entry:
        path = clean_path(path)
        self.check_room(path, len(data))
        self.ensure()
        *parents, name = path.split("/")
        temp = f".upload-{os.urandom(8).hex()}"
        with self._directory(parents, create=True, missing=path) as dir_fd:
            fd = os.open(
                temp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
                dir_fd=dir_fd,
            )
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                try:
                    existing = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except FileNotFoundError:
                    existing = None
                if existing is not None and stat.S_ISDIR(existing.st_mode):
                    raise ValidationError(f"{path!r} is a directory in the session's files")
                os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a file or a symlink
            except BaseException:
                try:
                    os.unlink(temp, dir_fd=dir_fd)
                except OSError:
                    pass
                raise
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        self._set_mimetype(path, mimetype)
        return Entry(path, info.st_size, info.st_mtime)

    def delete(self, path: str) -> None:
        """Remove a file or a whole directory; NotFound when there is neither."""
        path = clean_path(path)
        *parents, name = path.split("/")
        with self._directory(parents, create=False, missing=path) as dir_fd:
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as exc:
                raise file_not_found(path) from exc
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(name, dir_fd=dir_fd)  # fd-based on Linux: never follows a symlink out
            else:
                os.unlink(name, dir_fd=dir_fd)
        self._set_mimetype(path, None)

    def remove_all(self) -> None:
        """The session is gone: its files go too."""
        shutil.rmtree(self.root, ignore_errors=True)

    # -- internals --------------------------------------------------------------------------------

    @contextmanager
    def _directory(self, parts: list[str], *, create: bool, missing: str) -> Iterator[int]:
        """A descriptor of mount/<parts...>, walked with O_NOFOLLOW (created 0700 when `create`)."""
        try:
            fd = os.open(self.mount, _DIR_FLAGS)
        except OSError as exc:
            raise file_not_found(missing) from exc
        try:
            for part in parts:
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise file_not_found(missing) from None
                    os.mkdir(part, 0o700, dir_fd=fd)
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise ValidationError(
                            f"{missing!r} passes through something that is not a directory in the session's files"
                        ) from None
                    raise
                os.close(fd)
                fd = child
            yield fd
        finally:
            os.close(fd)

    def _lstat(self, path: str) -> os.stat_result:
        *parents, name = path.split("/")
        with self._directory(parents, create=False, missing=path) as dir_fd:
            try:
                return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as exc:
                raise file_not_found(path) from exc

    def _meta_path(self, path: str) -> Path:
        return self.root / "meta" / (hashlib.sha256(path.encode()).hexdigest() + ".json")

    def _set_mimetype(self, path: str, mimetype: str | None) -> None:
        meta = self._meta_path(path)
        if mimetype:
            meta.parent.mkdir(mode=0o700, exist_ok=True)
            write_private(meta, json.dumps({"path": path, "mimetype": mimetype}).encode())
        else:
            meta.unlink(missing_ok=True)

    def _mimetype(self, path: str) -> str:
        try:
            meta = json.loads(self._meta_path(path).read_text())
            if meta.get("path") == path and isinstance(meta.get("mimetype"), str):
                return meta["mimetype"]
        except (OSError, ValueError):
            pass
        return mimetypes.guess_type(path)[0] or "application/octet-stream"
