"""The workbench escape suite: hostile code in the sandbox, each attempt refused, the server unharmed.

Every case runs its code through COMPOSIO_REMOTE_WORKBENCH while the same project
executes a normal GitHub tool on the server (`attempt`): the escape must fail AND the
normal execute must succeed meanwhile.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import pytest

from tests.support.workbench import call, needs_sandbox, workbench_session
from valetkey.sessions.workbench import disk

pytestmark = needs_sandbox
HELLO = {"owner": "octocat", "repo": "Hello-World"}


@pytest.fixture
def attempt(wb_github):
    session = workbench_session(wb_github)

    def run(code: str, **arguments):
        outcome: dict = {}
        worker = threading.Thread(target=lambda: outcome.update(result=call(session, code, **arguments)))
        worker.start()
        normal = wb_github.execute("GITHUB_GET_A_REPOSITORY", HELLO)  # the server keeps answering meanwhile
        worker.join(120)
        assert normal["successful"] is True, normal
        return outcome["result"]

    run.session = session
    return run


def _port(url: str) -> int:
    return urlsplit(url).port or 80


def test_no_tcp_to_the_server_the_emulator_or_the_internet(attempt, wb_server, emulators):
    for host, port in [
        ("127.0.0.1", _port(wb_server.url)),
        ("127.0.0.1", _port(emulators.url)),
        ("1.1.1.1", 80),
    ]:
        result = attempt(f"import socket\nsocket.create_connection(({host!r}, {port}), timeout=3)")
        assert result.data["error"].split(":")[0] in ("ConnectionRefusedError", "OSError", "TimeoutError"), (
            result.data
        )
    interfaces = attempt("import socket\n[name for _, name in socket.if_nameindex()]")
    assert interfaces.data["results"] == "['lo']"


def test_no_dns(attempt):
    result = attempt("import socket\nsocket.getaddrinfo('example.com', 443)")
    assert result.data["error"].startswith("gaierror"), result.data


def test_nothing_of_the_server_is_visible(attempt, wb_server, wb_github):
    home = str(wb_server.settings.home)
    result = attempt(
        "import os\n"
        f"(os.path.exists({home!r}), os.path.exists({home + '/keyring.json'!r}), os.path.exists('/root'), "
        "sorted(os.environ))"
    )
    seen = "".join(result.data["results"].split())
    assert seen.startswith("(False,False,False,")
    assert "VALETKEY" not in seen and "COMPOSIO" not in seen
    environ = attempt("open('/proc/1/environ').read()")
    assert "VALETKEY" not in str(environ.data) and wb_github.project.api_key not in str(environ.data)
    server = attempt(f"open('/proc/{os.getpid()}/environ').read()")
    assert server.data["error"] and server.data["error"].startswith(("FileNotFoundError", "PermissionError"))
    processes = attempt("import os\nsorted(int(p) for p in os.listdir('/proc') if p.isdigit())")
    assert max(eval(processes.data["results"])) < 100  # a PID namespace of its own


def test_another_sessions_files_are_out_of_reach(attempt, wb_github, wb_server):
    other = workbench_session(wb_github)
    call(other, "open('/mnt/files/secret.txt', 'w').write('theirs')")
    root = wb_server.settings.home / "files" / "sessions"
    result = attempt(
        f"import os\n(os.listdir('/mnt'), os.listdir('/mnt/files'), os.path.exists({str(root)!r}))"
    )
    assert result.data["results"] == "(['files'], [], False)"


def test_nothing_outside_mnt_files_is_writable(attempt):
    for path in ("/usr/evil", "/opt/workbench/venv/evil.py", "/opt/workbench/runtime/workbench_helpers.py",
                 "/opt/workbench/packages/evil.py", "/opt/workbench/runtime/bin/pip",
                 "/run/workbench/capability", "/etc/passwd", "/evil"):  # fmt: skip
        result = attempt(f"open({path!r}, 'w').write('x')")
        assert result.data["error"].startswith(("OSError", "PermissionError", "FileNotFoundError")), (
            path,
            result.data,
        )
        assert (
            "Read-only" in result.data["error"]
            or "Permission" in result.data["error"]
            or "No such" in result.data["error"]
        )


def test_ptrace_and_namespaces_are_denied(attempt):
    result = attempt(
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "(libc.ptrace(16, 1, 0, 0), ctypes.get_errno(), libc.unshare(0x10000000), ctypes.get_errno())"
    )
    assert result.data["results"] == "(-1, 1, -1, 1)"  # EPERM, EPERM


def test_a_fork_bomb_hits_the_process_limit(attempt):
    result = attempt(
        "import os, time\nchildren, refused = [], None\n"
        "for _ in range(2000):\n"
        "    try:\n        pid = os.fork()\n    except OSError as exc:\n        refused = type(exc).__name__; break\n"
        "    if pid == 0:\n        time.sleep(3); os._exit(0)\n    children.append(pid)\n"
        "for pid in children: os.kill(pid, 9); os.waitpid(pid, 0)\n(len(children) < 2000, refused)"
    )
    assert result.data["results"] == "(True, 'BlockingIOError')", result.data


def test_a_memory_bomb_is_a_memory_error(attempt):
    result = attempt("hog = bytearray(16 * 1024**3)")
    assert result.data["error"].startswith("MemoryError")
    assert attempt("1 + 1").data["results"] == "2"  # the kernel is still there


FILL = (
    "import errno\nwritten, failure = 0, None\n"
    "for i in range(64):\n"
    "    try:\n"
    "        with open(f'/mnt/files/part{i}.bin', 'wb') as file:\n"
    "            file.write(b'0' * (1024 * 1024))\n"
    "    except OSError as exc:\n"
    "        failure = errno.errorcode[exc.errno]\n"
    "        break\n"
    "    written += 1024 * 1024\n"
    "import os\n"
    "(sum(e.stat().st_size for e in os.scandir('/mnt/files') if e.is_file()), failure)"
)


def test_filling_the_disk_is_bounded(attempt, wb_server):
    big = attempt("open('/mnt/files/big.bin', 'wb').write(b'0' * (5 * 1024 * 1024))")
    assert "File too large" in big.data["error"]  # one file: RLIMIT_FSIZE (4 MiB here)
    tmp = attempt("open('/tmp/fill', 'wb').write(b'0' * (300 * 1024 * 1024))")
    assert "No space left" in tmp.data["error"] or "File too large" in tmp.data["error"]
    # Many files: the session's folder is a filesystem of the quota's size (10 MiB here) while the sandbox runs.
    quota = wb_server.settings.session_files_max_bytes
    reason = disk.unavailable()
    if reason is not None:
        pytest.skip(f"no hard /mnt/files bound on this host ({reason}); docs/workbench.md: the soft bound")
    fill = attempt(FILL)
    held, failure = eval(fill.data["results"])
    assert failure == "ENOSPC", fill.data
    assert quota <= held <= disk.image_size(quota), (held, quota)  # the quota fits; past the image, nothing
    assert "over the session's limit" in fill.error  # the exact quota, measured after the call
    files = attempt.session.experimental.files
    with pytest.raises(Exception, match=r"(?i)may hold|quota|413"):
        files.upload(b"more", remote_path="more.txt", mimetype="text/plain")
    # A second attempt finds the disk as full (the bound is the filesystem, not one call's accounting).
    again = attempt("open('/mnt/files/more.bin', 'wb').write(b'0' * (2 * 1024 * 1024))")
    assert "No space left" in again.data["error"], again.data


def test_an_infinite_loop_is_interrupted(attempt):
    result = attempt("while True:\n    pass", timeout=2)
    assert "time limit of 2 s" in result.error


def test_helpers_only_do_what_the_session_may(attempt, wb_server):
    result = attempt(
        "run_composio_tool('GMAIL_SEND_EMAIL', {'recipient_email': 'a@example.com', 'body': 'x'})"
    )
    assert "not enabled in this session" in result.data["results"]
    forged = attempt(
        "import json, socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/run/workbench/broker.sock')\n"
        "s.sendall(json.dumps({'capability': 'guess', 'helper': 'run_composio_tool', "
        "'arguments': {'slug': 'GITHUB_GET_A_REPOSITORY', 'arguments': {}}}).encode() + b'\\n')\n"
        "s.recv(65536).decode()"
    )
    assert "capability is not this session" in forged.data["results"]
