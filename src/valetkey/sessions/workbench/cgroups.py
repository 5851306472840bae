"""A sandbox's cgroups, where this server may make them: a process ceiling (pids) and a real vCPU bound (cpu).

**Processes.** RLIMIT_NPROC (set too, in `sandbox.limiter`) is not a per-sandbox bound.
The kernel checks it at fork against the processes of the caller's *real uid* (the
sandbox's uid 1000 maps to the server's), and skips the check entirely when that uid
is root or the caller has CAP_SYS_RESOURCE or CAP_SYS_ADMIN in the initial user
namespace: for a server running as root it binds nothing; for a non-root server it
caps the processes of the server's user (its own and every sandbox's, as the kernel
counts them per user namespace since Linux 5.14), not one sandbox's. The bound that
holds per sandbox is the pids controller: ``pids.max`` = the tier's processes for a
group holding only the sandbox.

**vCPU.** RLIMIT_CPU is CPU *time* (a kernel's lifetime budget), not a share of the
machine. Where the cpu controller is available, the sandbox's group gets a CFS
bandwidth limit of its tier's vCPUs: ``cpu.max`` = ``<vcpus × period> <period>`` on
cgroup v2, ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` on v1, so a standard sandbox
never runs more than one CPU's worth, however many threads it starts.

Either controller is used from a cgroup v2 tree whose ``cgroup.controllers`` lists it
(``/sys/fs/cgroup``, or ``/sys/fs/cgroup/unified`` on a hybrid host, writable by the
server: root, or a delegated subtree) or from its v1 hierarchy (``/sys/fs/cgroup/pids``,
``/sys/fs/cgroup/cpu`` or ``cpu,cpuacct``). Where neither can be made, `Groups` says so
and the fall-backs apply: RLIMIT_NPROC (see above) and RLIMIT_CPU with thread-count
hints (``OMP_NUM_THREADS`` and the like). docs/workbench.md has the table.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
V2_ROOTS = (CGROUP, CGROUP / "unified")
V1_ROOTS = {"pids": (CGROUP / "pids",), "cpu": (CGROUP / "cpu", CGROUP / "cpu,cpuacct")}
PARENT = "valetkey-workbench"
PERIOD_US = 100_000


@dataclass
class Groups:
    """The groups one sandbox joins, and which bounds they hold."""

    paths: list[Path] = field(default_factory=list)
    pids: bool = False  # pids.max holds the tier's processes
    cpu: bool = False  # a CFS quota of the tier's vCPUs


def _controllers(root: Path) -> set[str]:
    try:
        return set((root / "cgroup.controllers").read_text().split())
    except OSError:
        return set()


def _v2(name: str, max_pids: int, vcpus: int, found: Groups) -> None:
    for root in V2_ROOTS:
        available = _controllers(root) & {"pids", "cpu"}
        if not available:
            continue
        try:
            parent = root / PARENT
            parent.mkdir(exist_ok=True)
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(available)))
            group = parent / name
            group.mkdir()
        except OSError:
            continue
        found.paths.append(group)
        with contextlib.suppress(OSError):
            if "pids" in available:
                (group / "pids.max").write_text(str(max_pids))
                found.pids = True
        with contextlib.suppress(OSError):
            if "cpu" in available:
                (group / "cpu.max").write_text(f"{vcpus * PERIOD_US} {PERIOD_US}")
                found.cpu = True
        return


def _v1(controller: str, name: str) -> Path | None:
    for root in V1_ROOTS[controller]:
        if not (root / "cgroup.procs").exists():
            continue
        try:
            parent = root / PARENT
            parent.mkdir(exist_ok=True)
            group = parent / name
            group.mkdir()
            return group
        except OSError:
            continue
    return None


def create(name: str, max_pids: int, vcpus: int) -> Groups:
    """The sandbox's groups (pids: at most `max_pids` tasks; cpu: at most `vcpus` CPUs), as far as this host allows."""
    found = Groups()
    _v2(name, max_pids, vcpus, found)
    if not found.pids and (group := _v1("pids", name)) is not None:
        found.paths.append(group)
        try:
            (group / "pids.max").write_text(str(max_pids))
            found.pids = True
        except OSError:
            pass
    if not found.cpu and (group := _v1("cpu", name)) is not None:
        found.paths.append(group)
        try:
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(vcpus * PERIOD_US))
            found.cpu = True
        except OSError:
            pass
    return found


def join(groups: Groups) -> None:
    """Move the calling process into every group (a preexec step: everything it starts stays there)."""
    for group in groups.paths:
        (group / "cgroup.procs").write_text(str(os.getpid()))


def remove(groups: Groups | None) -> bool:
    """Kill what is left in the groups and remove them; False while tasks are still exiting (call again)."""
    if groups is None:
        return True
    done = True
    for group in list(groups.paths):
        if not group.exists():
            groups.paths.remove(group)
            continue
        try:
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    os.kill(int(pid), 9)
            group.rmdir()
            groups.paths.remove(group)
        except OSError:
            done = False
    return done
