"""How a workbench sandbox is started: bubblewrap's arguments, the rlimits, the environment from scratch.

Deny by default, enforced outside the sandbox (docs/workbench.md has the threat model):

- new user, mount, PID, IPC, network, UTS and cgroup namespaces; the sandbox's user is
  1000 inside, with no capabilities; ``--disable-userns`` and the seccomp filter stop
  it making namespaces of its own;
- a filesystem of read-only ``/usr`` (system libraries, bash, coreutils), the sandbox venv
  read-only at ``/opt/workbench/venv``, the helpers read-only at ``/opt/workbench/runtime``,
  the session's installed packages read-only at ``/opt/workbench/packages`` (on PYTHONPATH),
  a size-limited private ``/tmp``, a fresh ``/proc`` (only the sandbox's processes) and
  ``/dev``; the session's own files at ``/mnt/files`` (the only writable host folder);
  ``/run/workbench`` read-only, holding the two Unix sockets the server listens on (the
  bridge's control connection and the helper broker) and the session's capability;
- the network namespace has only ``lo``, and the seccomp filter refuses every socket
  family but AF_UNIX, so nothing leaves except through the broker;
- rlimits on CPU time, address space, processes, open files and file size;
- an environment built from nothing (``--clearenv``): no variable of the server's.
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from valetkey.sessions.workbench import cgroups, seccomp

log = logging.getLogger("valetkey.workbench")

RUNTIME = Path(__file__).with_name("runtime")
VENV_IN_SANDBOX = "/opt/workbench/venv"
RUNTIME_IN_SANDBOX = "/opt/workbench/runtime"
PACKAGES_IN_SANDBOX = "/opt/workbench/packages"
RUN_IN_SANDBOX = "/run/workbench"
FILES_IN_SANDBOX = "/mnt/files"
SANDBOX_UID = 1000
GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class Size:
    """A sandbox size: Composio's vCPU and memory tiers, as limits this host can enforce."""

    vcpus: int
    memory_bytes: int
    tmp_bytes: int
    processes: int


SIZES = {
    "standard": Size(1, 1 * GiB, 256 * MiB, 64),
    "medium": Size(2, 2 * GiB, 512 * MiB, 128),
    "large": Size(4, 4 * GiB, 1 * GiB, 256),
    "xlarge": Size(8, 8 * GiB, 2 * GiB, 512),
}
# Address space is virtual memory: the interpreter, ZeroMQ's threads and numpy map far more than they use,
# so the limit is the tier's memory plus a fixed allowance for those mappings.
ADDRESS_SPACE_ALLOWANCE = 1 * GiB
CPU_SECONDS_PER_VCPU = 3600  # a kernel's lifetime CPU budget; past it the kernel is killed and restarts
OPEN_FILES = 1024


class SandboxUnavailable(Exception):
    """Namespaces (or bubblewrap, or libseccomp) are not available: the workbench refuses to start."""


@dataclass(frozen=True)
class Layout:
    venv: Path  # the sandbox venv on the host
    files: Path  # the session's mount folder on the host (-> /mnt/files)
    run: Path  # the session's run folder on the host (-> /run/workbench, read-only)
    packages: Path  # the session's installed packages on the host (-> /opt/workbench/packages, read-only)
    max_file_bytes: int
    size: Size


def environment(
    size: Size,
    *,
    run: str = RUN_IN_SANDBOX,
    files: str = FILES_IN_SANDBOX,
    venv: str = VENV_IN_SANDBOX,
    runtime: str = RUNTIME_IN_SANDBOX,
    packages: str = PACKAGES_IN_SANDBOX,
) -> dict[str, str]:
    """The sandbox's whole environment: nothing of the server's."""
    threads = str(size.vcpus)
    return {
        # runtime/bin first: its `pip` sends `pip install` to the broker (install_packages).
        "PATH": f"{runtime}/bin:{venv}/bin:/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": packages,
        "HOME": "/tmp",
        "USER": "workbench",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "IPYTHONDIR": "/tmp/.ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "MALLOC_ARENA_MAX": "2",
        "OPENBLAS_NUM_THREADS": threads,
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "WORKBENCH_RUN": run,
        "WORKBENCH_FILES": files,
        "WORKBENCH_PACKAGES": packages,
    }


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def check_available() -> None:
    """Refuse clearly when this host cannot build the sandbox (checked once per process)."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed (apt-get install bubblewrap); the workbench does not run code unsandboxed"
        )
    try:
        seccomp.filter_program()
    except seccomp.SeccompUnavailable as exc:
        raise SandboxUnavailable(str(exc)) from None
    probe = subprocess.run(
        [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/usr", "/usr",
         "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
         "--proc", "/proc", "--dev", "/dev", "--", "/bin/true"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        raise SandboxUnavailable(
            "this host does not allow the namespaces the workbench needs (user, mount, PID, network): "
            f"bwrap said {probe.stderr.strip()[:300]!r}. Allow unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1) or run the server where they are available."
        )


def argv(layout: Layout, seccomp_fd: int) -> list[str]:
    bwrap = bwrap_path() or "bwrap"
    args = [
        bwrap,
        "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--disable-userns",
        "--hostname", "workbench",
        "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
        "--ro-bind-try", "/etc/localtime", "/etc/localtime",
        "--ro-bind", str(layout.run / "passwd"), "/etc/passwd",
        "--ro-bind", str(layout.run / "group"), "/etc/group",
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(layout.size.tmp_bytes), "--tmpfs", "/tmp",
        "--ro-bind", str(layout.venv), VENV_IN_SANDBOX,
        "--ro-bind", str(RUNTIME), RUNTIME_IN_SANDBOX,
        "--ro-bind", str(layout.packages), PACKAGES_IN_SANDBOX,
        "--ro-bind", str(layout.run), RUN_IN_SANDBOX,
        "--bind", str(layout.files), FILES_IN_SANDBOX,
        "--remount-ro", "/",
        "--chdir", FILES_IN_SANDBOX,
        "--seccomp", str(seccomp_fd),
    ]  # fmt: skip
    for name, value in environment(layout.size).items():
        args += ["--setenv", name, value]
    return [*args, "--", f"{VENV_IN_SANDBOX}/bin/python", f"{RUNTIME_IN_SANDBOX}/bridge.py"]


def write_identity(run: Path) -> None:
    """The sandbox user's /etc/passwd and /etc/group (libraries ask who they run as)."""
    (run / "passwd").write_text(f"workbench:x:{SANDBOX_UID}:{SANDBOX_UID}:workbench:/tmp:/bin/bash\n")
    (run / "group").write_text(f"workbench:x:{SANDBOX_UID}:\n")


def limiter(size: Size, max_file_bytes: int, groups: cgroups.Groups | None = None):
    """A preexec function setting the sandbox's rlimits (inherited through bwrap by everything inside)."""
    cpu = CPU_SECONDS_PER_VCPU * size.vcpus
    address_space = size.memory_bytes + ADDRESS_SPACE_ALLOWANCE

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_NPROC, (size.processes, size.processes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if groups is not None:
            cgroups.join(groups)

    return apply


def unsafe_command(layout: Layout) -> tuple[list[str], dict[str, str]]:
    """VALETKEY_WORKBENCH_UNSAFE_NO_SANDBOX=1: the bridge run directly on the host (logged loudly)."""
    log.warning(
        "WORKBENCH RUNNING WITHOUT A SANDBOX (VALETKEY_WORKBENCH_UNSAFE_NO_SANDBOX=1): code an agent sends runs "
        "as the server's user with the server's network and files. Never do this in production."
    )
    env = environment(
        layout.size,
        run=str(layout.run),
        files=str(layout.files),
        venv=str(layout.venv),
        runtime=str(RUNTIME),
        packages=str(layout.packages),
    )
    env["HOME"] = str(layout.run)
    return [str(layout.venv / "bin" / "python"), str(RUNTIME / "bridge.py")], env


def popen_kwargs() -> dict[str, object]:
    return {"start_new_session": True, "close_fds": True, "cwd": "/", "env": {}}


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except (ProcessLookupError, PermissionError):
        pass
