"""A hard bound on a sandbox's /mnt/files: the session's folder on a size-limited ext4 image while the sandbox runs.

RLIMIT_FSIZE bounds one file, not how many. What bounds the disk is a filesystem of
a fixed size: when the server may mount (it runs as root; `mkfs.ext4` and loop
devices exist), a sandbox's start builds a sparse ext4 image of the session's quota
(`VALETKEY_SESSION_FILES_MAX_BYTES`, plus room for ext4's own tables), mounts it over
the session's folder (``nosuid,nodev``) and copies the folder's files in; the sandbox
then writes into that image and gets ENOSPC at its end. The files API writes to the
same path, so it sees the same files while the sandbox runs. When the sandbox stops
the image is made read-only (a files-API write in that instant fails instead of being
lost), its files are copied back to the folder on the host's disk, and the image is
unmounted and deleted. A server killed in between leaves the mount or the image;
`recover` (at the next start of that session's sandbox) copies the files out first.

Without those means (`mode` ``auto``) the bound stays the one measured after each
call (docs/workbench.md says so); ``hard`` refuses to start a sandbox instead.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("valetkey.workbench")
MiB = 1024**2
IMAGE = "mount.img"
CHUNK = 1024 * 1024
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _lock(mount: Path) -> threading.Lock:
    """One attach or detach at a time per folder (a stopping sandbox's copy-out before the next one's start)."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(mount, threading.Lock())


class DiskUnavailable(Exception):
    """A hard /mnt/files bound cannot be made here (not root, no loop devices, no mkfs.ext4)."""


@dataclass(frozen=True)
class Volume:
    mount: Path  # the session's folder, with the image mounted over it
    image: Path
    size: int


def inodes(quota: int) -> int:
    """Files the image may hold: one per 16 KiB of quota, at least 4,096."""
    return max(4096, quota // (16 * 1024))


def image_size(quota: int) -> int:
    """The image for `quota` bytes of files: the inode tables (256 bytes each), ~2% for ext4's other tables
    and file tails, and 2 MiB. The disk a session's files take is bounded by this; the exact quota is
    measured after each call."""
    return quota + inodes(quota) * 256 + quota // 50 + 2 * MiB


def _argv(command: tuple[str, ...]) -> list[str]:
    return [shutil.which(command[0]) or command[0], *command[1:]]


def _run(*command: str) -> None:
    done = subprocess.run(_argv(command), capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise DiskUnavailable(f"{command[0]} failed: {(done.stderr or done.stdout).strip()[:300]}")


def _quiet(*command: str) -> None:
    """A clean-up step whose failure changes nothing (the next recover sees what is left)."""
    subprocess.run(_argv(command), capture_output=True, check=False, timeout=60)


@functools.cache
def unavailable() -> str | None:
    """Why a hard bound cannot be made on this host (None: it can), probed once per process."""
    if os.geteuid() != 0:
        return "the server is not root, so it cannot mount a size-limited filesystem"
    for tool in ("mkfs.ext4", "mount", "umount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not Path("/dev/loop-control").exists():
        return "there are no loop devices (/dev/loop-control)"
    probe = Path(tempfile.mkdtemp(prefix="vkwb-disk-probe-"))
    try:
        volume = attach(probe / "mount", 1 * MiB)
        detach(volume)
    except (DiskUnavailable, OSError) as exc:
        return f"mounting a loop image failed ({exc})"
    finally:
        with contextlib.suppress(Exception):
            _quiet("umount", str(probe / "mount"))
        shutil.rmtree(probe, ignore_errors=True)
    return None


def _copy_file(origin: Path, copy: Path) -> None:
    """A regular file with its holes kept: a sparse file the sandbox made must not grow on the host's disk."""
    source = os.open(origin, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        target = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            size, offset = os.fstat(source).st_size, 0
            while offset < size:
                try:
                    start = os.lseek(source, offset, os.SEEK_DATA)
                except OSError:  # ENXIO: only a hole is left
                    break
                end = os.lseek(source, start, os.SEEK_HOLE)
                while start < end:
                    chunk = os.pread(source, min(CHUNK, end - start), start)
                    if not chunk:
                        break
                    os.pwrite(target, chunk, start)
                    start += len(chunk)
                offset = end
            os.ftruncate(target, size)
        finally:
            os.close(target)
    finally:
        os.close(source)
    shutil.copystat(origin, copy, follow_symlinks=False)


def _copy_tree(source: Path, target: Path, *, keep_existing: bool = False) -> None:
    """Files, folders and symlinks (as links, never followed) of `source` into `target`; nothing else.

    A file's holes stay holes and hard links stay links (one copy per inode), so the copy takes no
    more of the host's disk than the image held: neither sparse files nor thousands of links to one
    file turn a bounded image into an unbounded copy.
    """
    copied: dict[tuple[int, int], Path] = {}
    for directory, dirs, files, _ in os.fwalk(source, follow_symlinks=False):
        rel = os.path.relpath(directory, source)
        into = target if rel == "." else target / rel
        into.mkdir(mode=0o700, exist_ok=True)
        for name in [*files, *dirs]:
            origin, copy = Path(directory) / name, into / name
            info = origin.lstat()
            if keep_existing and os.path.lexists(copy):
                continue
            if stat.S_ISLNK(info.st_mode):
                with contextlib.suppress(FileExistsError):
                    os.symlink(os.readlink(origin), copy)
            elif stat.S_ISREG(info.st_mode):
                first = copied.get((info.st_dev, info.st_ino))
                if first is not None:
                    os.link(first, copy)
                else:
                    _copy_file(origin, copy)
                    copied[(info.st_dev, info.st_ino)] = copy
            elif stat.S_ISDIR(info.st_mode):
                copy.mkdir(mode=stat.S_IMODE(info.st_mode) | 0o700, exist_ok=True)


def attach(mount: Path, quota: int) -> Volume:
    """Mount a fresh `quota`-sized image over `mount` holding `mount`'s files (DiskUnavailable when it cannot)."""
    with _lock(mount):
        return _attach(mount, quota)


def detach(volume: Volume) -> None:
    """Copy the image's files back to the folder on the host's disk, then unmount and delete the image."""
    with _lock(volume.mount):
        _detach(volume)


def _attach(mount: Path, quota: int) -> Volume:
    mount.mkdir(mode=0o700, parents=True, exist_ok=True)
    recover(mount)
    root, image = mount.parent, mount.parent / IMAGE
    size = image_size(quota)
    with open(image, "wb") as file:
        file.truncate(size)  # sparse: the disk holds only what is written
    os.chmod(image, 0o600)
    lower = root / "mount.lower"
    try:
        _run("mkfs.ext4", "-q", "-F", "-m", "0", "-N", str(inodes(quota)), "-O", "^has_journal,^resize_inode",
             "-E", f"lazy_itable_init=1,root_owner={os.getuid()}:{os.getgid()}", "-L", "vkfiles", str(image))  # fmt: skip
        lower.mkdir(mode=0o700, exist_ok=True)
        _run("mount", "--bind", str(mount), str(lower))  # the folder itself, seen while the image covers it
        try:
            _run("mount", "-o", "loop,nosuid,nodev", str(image), str(mount))
            os.chmod(mount, 0o700)
            with contextlib.suppress(OSError):
                (mount / "lost+found").rmdir()  # the session's folder shows only its files (fsck remakes it)
            # The folder's files, and those the API wrote while this ran (newer ones in the image kept).
            _copy_tree(lower, mount, keep_existing=True)
        finally:
            _quiet("umount", str(lower))
    except BaseException:
        if os.path.ismount(mount):
            _quiet("umount", str(mount))
        image.unlink(missing_ok=True)
        raise
    finally:
        with contextlib.suppress(OSError):
            lower.rmdir()
    return Volume(mount, image, size)


def _detach(volume: Volume) -> None:
    if os.path.ismount(volume.mount):
        _run("mount", "-o", "remount,ro", str(volume.mount))
        _copy_out(volume.mount)
        _run("umount", str(volume.mount))
    _swap(volume.mount)
    volume.image.unlink(missing_ok=True)


def _copy_out(source: Path) -> None:
    root = source.parent
    partial = root / "mount.new.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    _copy_tree(source, partial)
    lost = partial / "lost+found"
    if lost.is_dir() and not any(lost.iterdir()):
        lost.rmdir()
    partial.rename(root / "mount.new")  # complete: a crash after this point keeps it


def _swap(mount: Path) -> None:
    """Put a complete copy (mount.new) in place of the folder."""
    root = mount.parent
    new, old = root / "mount.new", root / "mount.old"
    if not new.is_dir():
        return
    shutil.rmtree(old, ignore_errors=True)
    if mount.exists():
        mount.rename(old)
    new.rename(mount)
    shutil.rmtree(old, ignore_errors=True)


def recover(mount: Path) -> None:
    """A server stopped without detaching: bring the image's files back to the folder first."""
    root, image = mount.parent, mount.parent / IMAGE
    if os.path.ismount(mount):
        _detach(Volume(mount, image, 0))
        return
    if (root / "mount.new").is_dir():
        _swap(mount)
        image.unlink(missing_ok=True)
        return
    if image.exists():
        view = root / "mount.volume"
        view.mkdir(mode=0o700, exist_ok=True)
        try:
            _run("mount", "-o", "loop,ro,nosuid,nodev", str(image), str(view))
            try:
                _copy_out(view)
            finally:
                _run("umount", str(view))
            _swap(mount)
        except DiskUnavailable:
            log.exception("could not read the files image %s left by an earlier server; it is kept", image)
            return
        finally:
            with contextlib.suppress(OSError):
                view.rmdir()
        image.unlink(missing_ok=True)
