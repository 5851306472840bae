"""The workbench's seccomp filter, compiled with libseccomp (the system's libseccomp.so.2, through ctypes).

Default allow, with the system calls a sandboxed process has no business making
answered EPERM: tracing and reading other processes' memory, keyrings, mounts and
namespaces (a second line behind bubblewrap's own namespaces), kernel modules,
BPF, perf, reboot and friends, and sockets of any family but AF_UNIX, AF_INET and
AF_INET6 and AF_NETLINK (no raw packets, vsock, Bluetooth...). These stay because
ZeroMQ, under the kernel, opens them even over ``ipc://``; they reach nothing: the
network namespace holds only its own ``lo``, so the only way out is the broker's
Unix socket. bubblewrap loads the program from a file
descriptor (``--seccomp FD``) after it has set the sandbox up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import socket
import tempfile
from functools import cache

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "iopl",
    "ioperm",
    "personality",
    "settimeofday",
    "clock_settime",
    "adjtimex",
)
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_NE = 1
_SCMP_CMP_EQ = 4
_CLONE_NEWUSER = 0x10000000
_SCMP_CMP_MASKED_EQ = 7


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


class SeccompUnavailable(RuntimeError):
    pass


@cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SeccompUnavailable(
            f"libseccomp is not installed ({exc}); apt-get install libseccomp2"
        ) from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


@cache
def filter_program() -> bytes:
    """The compiled BPF program (built once per process)."""
    lib = _library()
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        deny = _errno_action(errno.EPERM)
        for name in DENIED:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                continue  # not a system call on this architecture
            _check(lib.seccomp_rule_add_array(ctx, deny, number, 0, None), name)
        # socket(family, ...) for any family but AF_UNIX, AF_INET, AF_INET6, AF_NETLINK (getifaddrs: ZeroMQ).
        sock = lib.seccomp_syscall_resolve_name(b"socket")
        for family in range(64):
            if family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK):
                continue
            cmp = (_ArgCmp * 1)(_ArgCmp(0, _SCMP_CMP_EQ, family, 0))
            _check(lib.seccomp_rule_add_array(ctx, _errno_action(errno.EACCES), sock, 1, cmp), "socket")
        # clone(CLONE_NEWUSER...) and clone3 (whose flags a filter cannot read: ENOSYS makes libc fall back to clone).
        clone = lib.seccomp_syscall_resolve_name(b"clone")
        userns = (_ArgCmp * 1)(_ArgCmp(0, _SCMP_CMP_MASKED_EQ, _CLONE_NEWUSER, _CLONE_NEWUSER))
        _check(lib.seccomp_rule_add_array(ctx, deny, clone, 1, userns), "clone")
        clone3 = lib.seccomp_syscall_resolve_name(b"clone3")
        if clone3 >= 0:
            _check(lib.seccomp_rule_add_array(ctx, _errno_action(errno.ENOSYS), clone3, 0, None), "clone3")
        with tempfile.TemporaryFile() as out:
            _check(lib.seccomp_export_bpf(ctx, out.fileno()), "export")
            out.seek(0)
            return out.read()
    finally:
        lib.seccomp_release(ctx)


def _check(result: int, what: str) -> None:
    if result < 0:
        raise SeccompUnavailable(f"libseccomp refused the rule for {what}: {os.strerror(-result)}")


def program_fd() -> int:
    """A readable descriptor holding the program, for ``bwrap --seccomp FD`` (the caller closes it)."""
    read, write = os.pipe()
    data = filter_program()
    if len(data) > 65536:
        raise SeccompUnavailable("the seccomp program does not fit a pipe")
    os.write(write, data)
    os.close(write)
    return read
