"""The hard /mnt/files bound (sessions/workbench/disk.py): a quota-sized image over the session's folder.

Real loop mounts (the server runs as root where this is available; skipped with the reason otherwise).
"""

from __future__ import annotations

import errno
import os
import subprocess

import pytest

from valetkey.sessions.workbench import disk

MiB = 1024**2
REASON = disk.unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no hard /mnt/files bound here: {REASON}")


def _fill(folder, chunk=MiB, most=64):
    for index in range(most):
        try:
            with open(folder / f"fill{index}.bin", "wb") as file:
                file.write(b"0" * chunk)
        except OSError as exc:
            return exc.errno
    return None


def test_the_image_bounds_the_folder_and_its_files_come_back(tmp_path):
    mount = tmp_path / "mount"
    (mount / "sub").mkdir(parents=True)
    (mount / "kept.txt").write_text("before")
    (mount / "sub" / "data.bin").write_bytes(b"x" * 1000)
    os.symlink("/etc/passwd", mount / "link")  # kept as a link, never followed
    volume = disk.attach(mount, 4 * MiB)
    assert os.path.ismount(mount)
    assert sorted(os.listdir(mount)) == ["kept.txt", "link", "sub"]  # no lost+found
    assert _fill(mount) == errno.ENOSPC
    used = sum(entry.stat().st_size for entry in os.scandir(mount) if entry.is_file(follow_symlinks=False))
    assert 4 * MiB <= used <= disk.image_size(4 * MiB)
    disk.detach(volume)
    assert not os.path.ismount(mount)
    assert not volume.image.exists()
    assert (mount / "kept.txt").read_text() == "before"
    assert (mount / "sub" / "data.bin").stat().st_size == 1000
    assert os.readlink(mount / "link") == "/etc/passwd"
    assert (mount / "fill0.bin").stat().st_size == MiB
    assert sorted(os.listdir(tmp_path)) == ["mount"]  # no staging left beside it


def test_a_server_that_died_mounted_is_recovered_at_the_next_attach(tmp_path):
    mount = tmp_path / "mount"
    disk.attach(mount, 2 * MiB)
    (mount / "written.txt").write_text("while mounted")
    # The server is killed here: the image stays mounted over the folder. The next start recovers first.
    volume = disk.attach(mount, 2 * MiB)
    assert (mount / "written.txt").read_text() == "while mounted"
    disk.detach(volume)
    assert (mount / "written.txt").read_text() == "while mounted"


def test_an_image_left_unmounted_is_read_back(tmp_path):
    mount = tmp_path / "mount"
    volume = disk.attach(mount, 2 * MiB)
    (mount / "only-in-image.txt").write_text("here")
    subprocess.run(["umount", str(mount)], check=True)  # the state a reboot leaves
    assert not (mount / "only-in-image.txt").exists() and volume.image.exists()
    disk.recover(mount)
    assert (mount / "only-in-image.txt").read_text() == "here"
    assert not volume.image.exists()


def test_sparse_files_and_hard_links_do_not_grow_on_the_way_out(tmp_path):
    """Copying the image back must not turn a bounded image into an unbounded copy on the host's disk."""
    mount = tmp_path / "mount"
    volume = disk.attach(mount, 4 * MiB)
    with open(mount / "sparse.bin", "wb") as file:
        file.truncate(1024 * MiB)  # 1 GiB apparent, no blocks
        file.seek(512 * MiB)
        file.write(b"data")
    (mount / "real.bin").write_bytes(b"r" * MiB)
    for index in range(200):  # 200 names for one 1 MiB file
        os.link(mount / "real.bin", mount / f"link{index}.bin")
    disk.detach(volume)
    sparse = (mount / "sparse.bin").stat()
    assert sparse.st_size == 1024 * MiB and sparse.st_blocks * 512 <= 1 * MiB
    with open(mount / "sparse.bin", "rb") as file:
        file.seek(512 * MiB)
        assert file.read(4) == b"data"
    real = (mount / "real.bin").stat()
    assert real.st_nlink == 201 and (mount / "link199.bin").stat().st_ino == real.st_ino
    assert (mount / "link7.bin").read_bytes() == b"r" * MiB
