"""A process-count ceiling for one sandbox through the cgroup pids controller, where this server may use it.

RLIMIT_NPROC does not bind a sandbox whose host uid is root (the kernel exempts
processes of the initial user), so a server running as root puts each sandbox in a
pids cgroup of its own (cgroup v1 ``/sys/fs/cgroup/pids`` or a writable v2 tree) with
``pids.max`` set to the tier's process count. Without a writable controller the
RLIMIT_NPROC set in `sandbox.limiter` is the bound, which holds for a non-root server.
`docs/workbench.md` says which applies where.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
PARENT = "valetkey-workbench"


def _usable(root: Path) -> bool:
    if root.name == "pids":
        return (root / "cgroup.procs").exists()
    controllers = root / "cgroup.controllers"
    return controllers.exists() and "pids" in controllers.read_text().split()


def create(name: str, max_pids: int) -> Path | None:
    """A new pids cgroup holding at most `max_pids` tasks, or None where none can be made."""
    for root in ROOTS:
        try:
            if not _usable(root):
                continue
            parent = root / PARENT
            parent.mkdir(exist_ok=True)
            if root.name != "pids":
                (parent / "cgroup.subtree_control").write_text("+pids")
            group = parent / name
            group.mkdir()
            (group / "pids.max").write_text(str(max_pids))
            return group
        except OSError:
            continue
    return None


def join(group: Path) -> None:
    """Move the calling process into `group` (a preexec step: everything it starts stays there)."""
    (group / "cgroup.procs").write_text(str(os.getpid()))


def remove(group: Path | None) -> bool:
    """Kill what is left in `group` and remove it; False while tasks are still exiting (call again)."""
    if group is None or not group.exists():
        return True
    try:
        for pid in (group / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(pid), 9)
        group.rmdir()
    except OSError:
        return False
    return True
