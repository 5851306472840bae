"""The running sandboxes of one server: one per session, started on first use, stopped when idle.

`sandbox_for(ctx)` answers the session's running sandbox or starts one (refusing
clearly when the venv is missing or the host cannot build the sandbox); an idle
sandbox is stopped after `VALETKEY_WORKBENCH_IDLE_TIMEOUT` (its /mnt/files stays,
being the session's files); past `VALETKEY_WORKBENCH_MAX_SANDBOXES` the least
recently used one is stopped. Deleting a session stops its sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.core.context import ProjectContext
from valetkey.execution.state import ExecutionState
from valetkey.sessions.files import session_files
from valetkey.sessions.records import SessionContext, load_session
from valetkey.sessions.workbench import broker, disk, packages, sandbox, setup
from valetkey.sessions.workbench.process import Workbench, WorkbenchError, new_run_dir

log = logging.getLogger("valetkey.workbench")
_ATTRIBUTE = "_workbench_pool"


class Pool:
    def __init__(self, state: ExecutionState):
        self.state = state
        self.sandboxes: dict[str, tuple[Workbench, str]] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self._reaper: asyncio.Task[None] | None = None
        # Why a session's previous sandbox went, told on the first call of the next one.
        self.notices: dict[str, str] = {}
        self._warned_soft = False

    async def sandbox_for(self, ctx: SessionContext) -> Workbench:
        size_name = str(ctx.config.workbench.get("sandbox_size") or "standard")
        lock = self._starting.setdefault(ctx.session.id, asyncio.Lock())
        async with lock:
            found = self.sandboxes.get(ctx.session.id)
            if found is not None:
                workbench, size = found
                if workbench.running and size == size_name:
                    return workbench
                reason = "was resized" if workbench.running else "had stopped"
                await self.stop(ctx.session.id, notice=f"The session's sandbox {reason}")
            await self._make_room()
            workbench = await self._start(ctx, size_name)
            self.sandboxes[ctx.session.id] = (workbench, size_name)
            self._ensure_reaper()
            return workbench

    async def _start(self, ctx: SessionContext, size_name: str) -> Workbench:
        settings = self.state.settings
        unsafe = settings.workbench_unsafe_no_sandbox
        venv = settings.workbench_venv_path
        if not setup.is_ready(venv):
            raise WorkbenchError(
                f"The workbench's Python is not set up at {venv}: the operator runs `valetkey workbench setup`."
            )
        if not unsafe:
            try:
                await run_in_threadpool(sandbox.check_available)
            except sandbox.SandboxUnavailable as exc:
                raise WorkbenchError(f"The workbench cannot start on this server: {exc}") from None
        files = session_files(self.state, ctx.project_id, ctx.session.id)
        mount = await run_in_threadpool(files.ensure)
        layout = sandbox.Layout(
            venv=venv,
            files=mount,
            run=new_run_dir(),
            packages=packages.folder(settings, ctx.project_id, ctx.session.id),
            max_file_bytes=settings.session_file_max_bytes,
            size=sandbox.SIZES[size_name],
        )
        project, session_id = ctx.project, ctx.session.id

        async def helper(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return await broker.handle(await self._fresh(project, session_id), name, arguments)

        workbench = Workbench(layout, helper, unsafe=unsafe, files_quota=await self._files_quota())
        await workbench.start()
        return workbench

    async def _files_quota(self) -> int | None:
        """The hard /mnt/files bound (disk.py) where the operator's mode and this host allow it."""
        settings = self.state.settings
        if settings.workbench_files_quota == "soft":
            return None
        reason = await run_in_threadpool(disk.unavailable)
        if reason is None:
            return settings.session_files_max_bytes
        if settings.workbench_files_quota == "hard":
            raise WorkbenchError(
                f"The workbench cannot bound /mnt/files on this server ({reason}) and "
                "VALETKEY_WORKBENCH_FILES_QUOTA=hard: run the server as root with loop devices, or set it to soft."
            )
        if not self._warned_soft:
            self._warned_soft = True
            log.warning(
                "workbench /mnt/files quota is soft (measured after each call): %s. "
                "VALETKEY_WORKBENCH_FILES_QUOTA=hard refuses instead (docs/workbench.md).",
                reason,
            )
        return None

    async def _fresh(self, project: ProjectContext, session_id: str) -> SessionContext:
        """The session as it is now (its policy may have been updated since the sandbox started)."""
        record = await run_in_threadpool(load_session, self.state, project.project_id, session_id)
        return SessionContext(self.state, project, record, None)

    async def _make_room(self) -> None:
        limit = self.state.settings.workbench_max_sandboxes
        while len(self.sandboxes) >= limit:
            oldest = min(self.sandboxes, key=lambda key: self.sandboxes[key][0].last_used)
            await self.stop(oldest, notice="The session's sandbox was stopped to make room for others")

    def _ensure_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.ensure_future(self._reap())

    async def _reap(self) -> None:
        idle = self.state.settings.workbench_idle_timeout
        while self.sandboxes:
            await asyncio.sleep(min(30.0, idle / 4))
            now = time.monotonic()
            for key, (workbench, _) in list(self.sandboxes.items()):
                if now - workbench.last_used > idle and not workbench._lock.locked():
                    log.info("stopping the idle workbench of session %s", key)
                    await self.stop(key, notice=f"The session's sandbox was stopped after {idle:g} s idle")

    async def stop(self, session_id: str, notice: str | None = None) -> None:
        found = self.sandboxes.pop(session_id, None)
        if found is not None:
            await found[0].stop()
            if notice:
                self.notices[session_id] = notice

    def take_notice(self, session_id: str) -> str | None:
        """Why the session's previous sandbox went (once), for the first call of the new one."""
        notice = self.notices.pop(session_id, None)
        if notice is None:
            return None
        return f"{notice} and a fresh one started: variables from earlier calls are gone; /mnt/files is kept."

    async def stop_all(self) -> None:
        for key in list(self.sandboxes):
            await self.stop(key)
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(BaseException):
                await self._reaper


def pool(state: ExecutionState) -> Pool:
    """The server's pool (one per application state, made on first use)."""
    found = getattr(state, _ATTRIBUTE, None)
    if found is None:
        found = Pool(state)
        setattr(state, _ATTRIBUTE, found)
    return found


async def stop_session(state: ExecutionState, session_id: str) -> None:
    found = getattr(state, _ATTRIBUTE, None)
    if found is not None:
        await found.stop(session_id)


async def stop_all(state: ExecutionState) -> None:
    found = getattr(state, _ATTRIBUTE, None)
    if found is not None:
        await found.stop_all()
