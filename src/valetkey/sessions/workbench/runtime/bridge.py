"""Runs INSIDE the sandbox (the sandbox venv's Python): one Jupyter kernel, driven over a Unix socket.

Started by bubblewrap as the sandbox's only program. It starts an ipykernel at once
(`kernel.py`: ZeroMQ over ``ipc://`` sockets in the sandbox's private /tmp) and drives
it with a small client of its own (`Wire`: the Jupyter messaging protocol's shell and
IOPub channels, HMAC-signed, over pyzmq; jupyter_client's blocking client costs a
tenth of a second of imports, four threads and a once-a-second heartbeat per sandbox,
none of which a kernel in the same sandbox needs), and serves the server's requests,
one JSON object per line, over the connection it opens to
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

import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import zmq

RUN = os.environ.get("WORKBENCH_RUN", "/run/workbench")
FILES = os.environ.get("WORKBENCH_FILES", "/mnt/files")
SOCKET = RUN + "/control.sock"
RUNTIME = os.path.dirname(os.path.abspath(__file__))
MAX_OUTPUT = 256 * 1024
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
DELIMITER = b"<IDS|MSG>"
PROTOCOL = "5.3"


class Wire:
    """The client half of the Jupyter messaging protocol (v5.3): shell requests out, replies and IOPub in."""

    def __init__(self, endpoint: str, key: bytes) -> None:
        self.key = key
        self.session = uuid.uuid4().hex
        self.context = zmq.Context()
        self.shell = self.context.socket(zmq.DEALER)
        self.iopub = self.context.socket(zmq.SUB)
        for sock in (self.shell, self.iopub):
            sock.linger = 0
            sock.setsockopt(zmq.RECONNECT_IVL, 10)  # the kernel binds a moment after it starts: retry soon
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.shell.connect(endpoint + "-1")
        self.iopub.connect(endpoint + "-2")

    def close(self) -> None:
        self.context.destroy(linger=0)

    def _sign(self, parts: list[bytes]) -> bytes:
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part)
        return mac.hexdigest().encode()

    def send(self, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": "workbench",
            "session": self.session,
            "date": datetime.now(UTC).isoformat(),
            "version": PROTOCOL,
        }
        parts = [json.dumps(part).encode() for part in (header, {}, {}, content)]
        self.shell.send_multipart([DELIMITER, self._sign(parts), *parts])
        return msg_id

    def _parse(self, frames: list[bytes]) -> dict | None:
        try:
            at = frames.index(DELIMITER)
        except ValueError:
            return None
        signature, parts = frames[at + 1], frames[at + 2 : at + 6]
        if len(parts) != 4 or not hmac.compare_digest(signature, self._sign(parts)):
            return None
        header, parent, _metadata, content = (json.loads(part) for part in parts)
        return {"msg_type": header.get("msg_type"), "parent_id": parent.get("msg_id"), "content": content}

    def receive(self, sock: zmq.Socket, timeout: float) -> dict | None:
        """The next valid message on `sock` within `timeout` seconds, or None."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining < 0 or not sock.poll(max(0, int(remaining * 1000))):
                return None
            message = self._parse(sock.recv_multipart())
            if message is not None:
                return message

    def drain(self, sock: zmq.Socket) -> None:
        while sock.poll(0):
            sock.recv_multipart()


class Kernel:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.wire: Wire | None = None
        self.restarts = 0

    def _spawn(self) -> tuple[str, bytes]:
        folder = tempfile.mkdtemp(prefix="kernel-")
        key = secrets.token_hex(32)
        connection = {
            "transport": "ipc",
            "ip": folder + "/k",
            "shell_port": 1,
            "iopub_port": 2,
            "stdin_port": 3,
            "control_port": 4,
            "hb_port": 5,
            "key": key,
            "signature_scheme": "hmac-sha256",
            "kernel_name": "python3",
        }
        path = folder + "/connection.json"
        with open(path, "w") as file:
            json.dump(connection, file)
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(RUNTIME, "kernel.py"), path],
            cwd=FILES,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
        )
        return f"ipc://{folder}/k", key.encode()

    def start(self, timeout: float = 60) -> None:
        endpoint, key = self._spawn()
        wire = Wire(endpoint, key)
        deadline = time.monotonic() + timeout
        while True:  # ready: a kernel_info reply on shell, and IOPub delivering (its subscription is made)
            if not self.alive():
                wire.close()
                status = self.process.poll() if self.process is not None else None
                raise RuntimeError(f"the Python kernel exited at start (status {status})")
            if time.monotonic() > deadline:
                wire.close()
                raise RuntimeError(f"the Python kernel did not answer within {timeout:g} s")
            wire.send("kernel_info_request", {})
            reply = wire.receive(wire.shell, 1.0)
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if wire.receive(wire.iopub, 0.2) is not None:
                    break
        wire.drain(wire.shell)
        wire.drain(wire.iopub)
        self.wire = wire

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def interrupt(self) -> None:
        if self.alive() and self.process is not None:
            os.kill(self.process.pid, signal.SIGINT)

    def restart(self) -> None:
        self.restarts += 1
        try:
            if self.wire is not None:
                self.wire.close()
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
        except Exception:
            pass
        self.process, self.wire = None, None
        self.start()

    def _run(self, code: str, timeout: float) -> dict:
        wire = self.wire
        assert wire is not None
        wire.drain(wire.shell)  # earlier replies (the content is on IOPub)
        msg_id = wire.send(
            "execute_request",
            {"code": code, "silent": False, "store_history": True, "user_expressions": {},
             "allow_stdin": False, "stop_on_error": True},
        )  # fmt: skip
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
            msg = wire.receive(wire.iopub, min(max(remaining, 0.01), 0.5))
            if msg is None or msg["parent_id"] != msg_id:
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
