"""One session's running sandbox: start, one call at a time, the helper broker, stop.

The server listens on two Unix sockets in a private run folder (mounted read-only in
the sandbox): ``control.sock``, which the bridge connects to once and over which every
call goes, and ``broker.sock``, which the kernel's helpers connect to per call with the
session's capability. The server never connects to a path inside the sandbox. Its own
wall-clock limit backs the bridge's: a sandbox that stops answering is killed whole
(its process group; bwrap's PID namespace takes everything inside with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valetkey.sessions.workbench import cgroups, disk, sandbox, seccomp

log = logging.getLogger("valetkey.workbench")

Broker = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
START_TIMEOUT = 90.0
GRACE_SECONDS = 15.0
MAX_LINE = 32 * 1024 * 1024


class WorkbenchError(Exception):
    """The sandbox could not start or stopped answering; the message is for the agent."""


@dataclass
class HelperCall:
    helper: str
    duration_ms: float
    successful: bool
    tool: str | None = None
    packages: list[str] | None = None  # install_packages: the requirements asked for


@dataclass
class Workbench:
    layout: sandbox.Layout
    broker: Broker
    unsafe: bool = False
    files_quota: int | None = None  # a hard /mnt/files bound of this many bytes (disk.py), or None
    process: asyncio.subprocess.Process | None = None
    control: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    capability: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_used: float = field(default_factory=time.monotonic)
    helper_calls: list[HelperCall] = field(default_factory=list)
    _servers: list[asyncio.AbstractServer] = field(default_factory=list)
    _connected: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _stderr: bytearray = field(default_factory=bytearray)
    _groups: cgroups.Groups | None = None
    _volume: disk.Volume | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None and self.control is not None

    async def start(self) -> None:
        run = self.layout.run
        run.mkdir(mode=0o755, exist_ok=True)
        self.layout.files.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.layout.packages.mkdir(parents=True, exist_ok=True, mode=0o755)
        sandbox.write_identity(run)
        (run / "capability").write_text(self.capability)
        os.chmod(run / "capability", 0o644)  # the sandbox's uid maps to the server's: readable inside only
        if self.files_quota is not None:
            try:
                self._volume = await asyncio.to_thread(disk.attach, self.layout.files, self.files_quota)
            except (disk.DiskUnavailable, OSError) as exc:  # OSError: the folder's files do not fit the quota
                await self.stop()
                raise WorkbenchError(
                    f"The workbench could not put /mnt/files on its size-limited disk: {exc}"
                ) from None
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        self._servers = [
            await asyncio.start_unix_server(self._on_control, path=str(run / "control.sock"), limit=MAX_LINE),
            await asyncio.start_unix_server(self._on_helper, path=str(run / "broker.sock"), limit=MAX_LINE),
        ]
        if self.unsafe:
            command, env = sandbox.unsafe_command(self.layout)
            self.process = await asyncio.create_subprocess_exec(
                *command,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                env=env,
                cwd=str(self.layout.files),
            )
        else:
            fd = seccomp.program_fd()
            self._groups = cgroups.create(
                self.layout.run.name, self.layout.size.processes, self.layout.size.vcpus
            )
            try:
                self.process = await asyncio.create_subprocess_exec(
                    *sandbox.argv(self.layout, fd),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                    stdin=asyncio.subprocess.DEVNULL,
                    pass_fds=(fd,),
                    preexec_fn=sandbox.limiter(self.layout.size, self.layout.max_file_bytes, self._groups),
                    start_new_session=True,
                    env={},
                    cwd="/",
                )
            finally:
                os.close(fd)
        stderr_task = asyncio.ensure_future(self._drain_stderr())
        exited = asyncio.ensure_future(self.process.wait())
        waiting: set[asyncio.Future[Any]] = {self._connected, exited}
        done, _ = await asyncio.wait(waiting, timeout=START_TIMEOUT, return_when="FIRST_COMPLETED")
        if self._connected in done:
            self.control = self._connected.result()
            ready = await asyncio.wait_for(self.control[0].readline(), 60)
            if json.loads(ready or b"{}").get("ready"):
                exited.cancel()
                return
        exited.cancel()
        await asyncio.sleep(0.05)
        stderr_task.cancel()
        detail = self._stderr.decode("utf-8", "replace").strip()[-1500:]
        await self.stop()
        raise WorkbenchError(f"The workbench sandbox did not start: {detail or 'no answer'}")

    async def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self._stderr += chunk
            del self._stderr[:-8192]

    async def _on_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._connected is None or self._connected.done():
            writer.close()  # one control connection per sandbox, made by the bridge
            return
        self._connected.set_result((reader, writer))

    async def _on_helper(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        started = time.monotonic()
        helper, tool, answer = "?", None, {"data": None, "error": "malformed helper request"}
        requested: list[str] | None = None
        try:
            request = json.loads(await reader.readline())
            helper = str(request.get("helper"))
            arguments = request.get("arguments") if isinstance(request.get("arguments"), dict) else {}
            if not hmac.compare_digest(str(request.get("capability", "")), self.capability):
                answer = {"data": None, "error": "The helper's capability is not this session's."}
            else:
                tool = arguments.get("slug") if helper == "run_composio_tool" else None
                asked = arguments.get("requirements")
                if helper == "install_packages" and isinstance(asked, list):
                    requested = [str(item)[:200] for item in asked[:32]]
                answer = await self.broker(helper, arguments)
        except Exception as exc:  # an answer always goes back; the kernel must not hang
            log.exception("workbench helper %s failed", helper)
            answer = {"data": None, "error": f"The helper failed on the server: {type(exc).__name__}"}
        self.helper_calls.append(
            HelperCall(
                helper, (time.monotonic() - started) * 1000, answer.get("error") is None, tool, requested
            )
        )
        with contextlib.suppress(Exception):
            writer.write(json.dumps(answer, default=str).encode() + b"\n")
            await writer.drain()
            writer.close()

    async def call(self, request: dict[str, Any], limit: float) -> dict[str, Any]:
        """One request to the bridge; WorkbenchError (and a stopped sandbox) when it does not answer in time."""
        async with self._lock:
            self.last_used = time.monotonic()
            self.helper_calls = []
            if not self.running or self.control is None:
                raise WorkbenchError("The workbench sandbox is not running.")
            reader, writer = self.control
            writer.write(json.dumps({**request, "timeout": limit}).encode() + b"\n")
            try:
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), limit + GRACE_SECONDS)
            except (TimeoutError, ConnectionError, asyncio.LimitOverrunError, ValueError):
                line = b""
            self.last_used = time.monotonic()
            if not line:
                await self.stop()
                raise WorkbenchError(
                    "The workbench sandbox stopped answering and was stopped; the next call starts a fresh one "
                    "(variables are gone; files in /mnt/files are kept)."
                )
            return json.loads(line)

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            sandbox.kill_group(process.pid)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), 10)
        if self.control is not None:
            with contextlib.suppress(Exception):
                self.control[1].close()
            self.control = None
        for server in self._servers:
            server.close()
        self._servers = []
        for _ in range(100):
            if cgroups.remove(self._groups):
                break
            await asyncio.sleep(0.05)
        self._groups = None
        volume, self._volume = self._volume, None
        if volume is not None:
            try:
                await asyncio.to_thread(disk.detach, volume)
            except Exception:  # the files stay in the image; the next start's disk.recover copies them out
                log.exception("could not copy the session's files out of %s", volume.image)
        shutil.rmtree(self.layout.run, ignore_errors=True)


def new_run_dir() -> Path:
    """A private folder for one sandbox's sockets (short: Unix socket paths are limited to 108 bytes)."""
    return Path(tempfile.mkdtemp(prefix="vkwb-"))
