"""Runs INSIDE the sandbox (the sandbox venv's Python): one Jupyter kernel, driven over a Unix socket.

Started by bubblewrap as the sandbox's only program. It starts an ipykernel at once
(ZeroMQ over ``ipc://`` sockets in the sandbox's private /tmp), drives it with
jupyter_client's blocking client (imported while the kernel boots: that overlap is
most of the cold start saved), imports the helpers into it, and
serves the server's requests, one JSON object per line, over the connection it opens to
``/run/workbench/control.sock`` (the server listens; it never connects to a path the
sandbox could have replaced):

- ``{"op": "python", "code", "timeout"}``: run in the kernel; stdout, stderr, the last
  expression's value, display outputs, and the error with its traceback. A call past
  its time limit is interrupted (SIGINT); a kernel that does not stop is restarted.
- ``{"op": "bash", "command", "timeout"}``: ``bash -c`` in /mnt/files, killed with its
  process group at the limit.

The server trusts nothing this program says: it keeps its own wall-clock limit and
kills the whole sandbox when this program stops answering.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

RUN = os.environ.get("WORKBENCH_RUN", "/run/workbench")
FILES = os.environ.get("WORKBENCH_FILES", "/mnt/files")
SOCKET = RUN + "/control.sock"
RUNTIME = os.path.dirname(os.path.abspath(__file__))
MAX_OUTPUT = 256 * 1024
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STARTUP = (
    "import sys as _sys\n"
    f"_sys.path.insert(0, {RUNTIME!r})\n"
    "from workbench_helpers import *  # noqa\n"
    "del _sys\n"
)


class Kernel:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.client = None
        self.restarts = 0

    def _spawn(self) -> str:
        folder = tempfile.mkdtemp(prefix="kernel-")
        connection = {
            "transport": "ipc",
            "ip": folder + "/k",
            "shell_port": 1,
            "iopub_port": 2,
            "stdin_port": 3,
            "control_port": 4,
            "hb_port": 5,
            "key": secrets.token_hex(32),
            "signature_scheme": "hmac-sha256",
            "kernel_name": "python3",
        }
        path = folder + "/connection.json"
        with open(path, "w") as file:
            json.dump(connection, file)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ipykernel_launcher", "-f", path],
            cwd=FILES,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
        )
        return path

    def start(self) -> None:
        path = self._spawn()
        from jupyter_client.blocking import BlockingKernelClient

        client = BlockingKernelClient(connection_file=path)
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        self.client = client
        self._run(STARTUP, 60)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def interrupt(self) -> None:
        if self.alive() and self.process is not None:
            os.kill(self.process.pid, signal.SIGINT)

    def restart(self) -> None:
        self.restarts += 1
        try:
            if self.client is not None:
                self.client.stop_channels()
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
        except Exception:
            pass
        self.process = self.client = None
        self.start()

    def _run(self, code: str, timeout: float) -> dict:
        client = self.client
        assert client is not None
        msg_id = client.execute(code, store_history=True, allow_stdin=False)
        out: dict = {"stdout": "", "stderr": "", "result": None, "display": [], "error": None}
        deadline = time.monotonic() + timeout
        interrupted = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not interrupted:
                self.interrupt()
                interrupted = True
                deadline = time.monotonic() + 5
                continue
            if remaining <= 0 and interrupted:
                out["timed_out"] = True
                out["restart_needed"] = True
                return out
            if not self.alive():
                out["crashed"] = True
                return out
            try:
                msg = client.get_iopub_msg(timeout=min(max(remaining, 0.01), 0.5))
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                key = "stdout" if content.get("name") == "stdout" else "stderr"
                if len(out[key]) < MAX_OUTPUT:
                    out[key] += content.get("text", "")
            elif kind == "execute_result":
                out["result"] = content.get("data", {}).get("text/plain")
            elif kind == "display_data":
                data = content.get("data", {})
                out["display"].append({k: v for k, v in data.items() if k in ("text/plain", "image/png")})
            elif kind == "error":
                out["error"] = {
                    "name": content.get("ename"),
                    "value": content.get("evalue"),
                    "traceback": ANSI.sub("", "\n".join(content.get("traceback", []))),
                }
            elif kind == "status" and content.get("execution_state") == "idle":
                if interrupted:
                    out["timed_out"] = True
                return out

    def run(self, code: str, timeout: float) -> dict:
        notice = None
        if not self.alive():
            self.restart()
            notice = "The Python kernel had stopped and was restarted: variables from earlier calls are gone."
        out = self._run(code, timeout)
        if out.get("crashed"):
            code_ = self.process.poll() if self.process is not None else None
            self.restart()
            out["error"] = out["error"] or {
                "name": "KernelDied",
                "value": f"The Python kernel crashed (exit status {code_}) and was restarted: variables from "
                "earlier calls are gone. A memory or process limit may have been hit.",
                "traceback": "",
            }
            out["restarted"] = True
        elif out.get("restart_needed"):
            self.restart()
            out["restarted"] = True
        if out.get("timed_out"):
            message = f"The code ran past its time limit of {timeout:g} s and was interrupted"
            if out.get("restarted"):
                message += (
                    "; the kernel did not stop, so it was restarted (variables from earlier calls are gone)"
                )
            out["error"] = {"name": "TimeoutError", "value": message + ".", "traceback": ""}
        if notice:
            out["notice"] = notice
        out.pop("restart_needed", None)
        out.pop("crashed", None)
        return out


def run_bash(command: str, timeout: float) -> dict:
    process = subprocess.Popen(
        ["/bin/bash", "-c", command],
        cwd=FILES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        timed_out = True
    return {
        "stdout": stdout[:MAX_OUTPUT].decode("utf-8", "replace"),
        "stderr": stderr[:MAX_OUTPUT].decode("utf-8", "replace"),
        "exit_code": process.returncode,
        "timed_out": timed_out,
    }


def serve() -> None:
    kernel = Kernel()
    kernel.start()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(SOCKET)
    with conn, conn.makefile("rwb") as stream:
        stream.write(b'{"ready": true}\n')
        stream.flush()
        while True:
            line = stream.readline()
            if not line:
                return
            try:
                request = json.loads(line)
                timeout = float(request.get("timeout") or 60)
                if request.get("op") == "python":
                    answer = kernel.run(str(request["code"]), timeout)
                elif request.get("op") == "bash":
                    answer = run_bash(str(request["command"]), timeout)
                else:
                    answer = {"ok": True, "kernel_alive": kernel.alive()}
            except Exception as exc:  # the server reports it; the bridge keeps serving
                answer = {"error": {"name": type(exc).__name__, "value": str(exc), "traceback": ""}}
            answer["kernel_restarts"] = kernel.restarts
            stream.write(json.dumps(answer).encode() + b"\n")
            stream.flush()


if __name__ == "__main__":
    serve()
