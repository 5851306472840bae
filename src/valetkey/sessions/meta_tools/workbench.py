"""COMPOSIO_REMOTE_WORKBENCH and COMPOSIO_REMOTE_BASH_TOOL: Python and bash in the session's sandbox.

Offered when the session was created with ``workbench: {"enable": true}``. Both run
in the session's one sandbox (`sessions.workbench`): a persistent Jupyter kernel,
and bash in the same filesystem, with the session's files at /mnt/files. Each call
is an execution log entry: the code's hash, duration, exit state and the helper
calls it made (never the code itself: it may hold data the project keeps out of logs).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.core.ids import new_id
from valetkey.files.session_files import SANDBOX_MOUNT_PREFIX
from valetkey.sessions.files import session_files
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.records import SessionContext
from valetkey.sessions.workbench.pool import pool
from valetkey.sessions.workbench.process import Workbench, WorkbenchError
from valetkey.store.db import utcnow

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"
MAX_CODE_CHARS = 1_000_000


def _enabled(config: Any) -> bool:
    return bool(config.workbench.get("enable"))


def _timeout(ctx: SessionContext, arguments: dict[str, Any]) -> float | str:
    limit = ctx.state.settings.workbench_call_timeout
    asked = arguments.get("timeout")
    if asked is None:
        return limit
    if isinstance(asked, bool) or not isinstance(asked, int | float) or asked <= 0:
        return "timeout: a number of seconds above 0"
    return min(float(asked), limit)


def _snapshot(ctx: SessionContext) -> dict[str, tuple[int, float]]:
    files = session_files(ctx.state, ctx.project_id, ctx.session.id)
    return {entry.path: (entry.size, entry.modified) for entry in files.entries()}


async def _run(
    ctx: SessionContext, tool: str, request: dict[str, Any], limit: float, text: str
) -> tuple[dict[str, Any], str | None, Workbench | None]:
    before = await run_in_threadpool(_snapshot, ctx)
    started = time.monotonic()
    workbench: Workbench | None = None
    sandboxes = pool(ctx.state)
    try:
        workbench = await sandboxes.sandbox_for(ctx)
        notice = sandboxes.take_notice(ctx.session.id)
        answer = await workbench.call(request, limit)
        if notice and not answer.get("notice"):
            answer["notice"] = notice
        failure = None
    except WorkbenchError as exc:
        answer, failure = {}, str(exc)
        if workbench is not None:  # it started, then stopped answering (and was stopped)
            sandboxes.notices[ctx.session.id] = "The session's sandbox stopped answering"
    after = await run_in_threadpool(_snapshot, ctx)
    written = sorted(path for path, stamp in after.items() if before.get(path) != stamp)
    answer["files_written"] = [f"{SANDBOX_MOUNT_PREFIX}/{path}" for path in written]
    answer["execution_time_ms"] = round((time.monotonic() - started) * 1000, 1)
    limit = ctx.state.settings.session_files_max_bytes
    used = sum(size for size, _ in after.values())
    if used > limit:
        failure = (failure + " " if failure else "") + (
            f"/mnt/files holds {used} bytes, over the session's limit of {limit}: delete files before writing more "
            "(uploads are refused until then)."
        )
    _log(ctx, tool, text, answer, failure, workbench)
    return answer, failure, workbench


def _log(
    ctx: SessionContext,
    tool: str,
    text: str,
    answer: dict[str, Any],
    failure: str | None,
    workbench: Workbench | None,
) -> None:
    calls = workbench.helper_calls if workbench else []
    problem = answer.get("error") if isinstance(answer.get("error"), dict) else None
    error = failure or (f"{problem.get('name')}: {problem.get('value')}" if problem else None)
    state = (
        "timeout"
        if answer.get("timed_out")
        else "crashed"
        if answer.get("restarted")
        else "error"
        if error
        else "ok"
    )
    if tool == BASH and not failure and answer.get("exit_code") not in (0, None):
        state, error = "error", f"exit status {answer.get('exit_code')}"
    ctx.state.log_writer.submit(
        {
            "id": new_id("log"),
            "project_id": ctx.project_id,
            "tool_slug": tool,
            "toolkit_slug": "composio",
            "toolkit_version": None,
            "user_id": ctx.config.user_id,
            "connected_account_id": None,
            "kind": "workbench",
            "credential_source": None,
            "request_id": ctx.request_id,
            "successful": state == "ok",
            "error": error,
            "upstream_status": None,
            "duration_ms": answer.get("execution_time_ms", 0.0),
            "request": {
                "session_id": ctx.session.id,
                "code_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "code_chars": len(text),
            },
            "response": {
                "exit_state": state,
                "helper_calls": [
                    {
                        "helper": c.helper,
                        "tool": c.tool,
                        "successful": c.successful,
                        "duration_ms": round(c.duration_ms, 1),
                        **({"packages": c.packages} if c.packages is not None else {}),
                    }
                    for c in calls
                ],
                "files_written": answer.get("files_written", []),
            },
            "created_at": utcnow(),
        }
    )


async def run_python(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    code = arguments.get("code_to_execute", arguments.get("code"))
    if not isinstance(code, str) or not code.strip():
        return MetaResult({}, "code_to_execute: the Python code to run")
    if len(code) > MAX_CODE_CHARS:
        return MetaResult({}, f"code_to_execute: longer than {MAX_CODE_CHARS} characters")
    timeout = _timeout(ctx, arguments)
    if isinstance(timeout, str):
        return MetaResult({}, timeout)
    answer, failure, _ = await _run(ctx, WORKBENCH, {"op": "python", "code": code}, timeout, code)
    problem = answer.get("error") if isinstance(answer.get("error"), dict) else None
    data = {
        "stdout": answer.get("stdout", ""),
        "stderr": answer.get("stderr", ""),
        "results": answer.get("result"),
        "display": [d.get("text/plain") for d in answer.get("display", []) if d.get("text/plain")],
        "error": None,
        "traceback": None,
        "files_written": answer["files_written"],
        "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX,
        "kernel_restarted": bool(answer.get("restarted") or answer.get("notice")),
        "execution_time_ms": answer["execution_time_ms"],
    }
    if answer.get("notice"):
        data["notice"] = answer["notice"]
    message = failure
    if problem:
        data["error"] = f"{problem.get('name')}: {problem.get('value')}"
        data["traceback"] = problem.get("traceback") or None
        message = data["error"] + (f" {failure}" if failure else "")
    return MetaResult(data, message)


async def run_bash(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    command = arguments.get("command")
    if not isinstance(command, str) or not command.strip():
        return MetaResult({}, "command: the bash command to run")
    if len(command) > MAX_CODE_CHARS:
        return MetaResult({}, f"command: longer than {MAX_CODE_CHARS} characters")
    timeout = _timeout(ctx, arguments)
    if isinstance(timeout, str):
        return MetaResult({}, timeout)
    answer, failure, _ = await _run(ctx, BASH, {"op": "bash", "command": command}, timeout, command)
    data = {
        "stdout": answer.get("stdout", ""),
        "stderr": answer.get("stderr", ""),
        "exit_code": answer.get("exit_code"),
        **({"notice": answer["notice"]} if answer.get("notice") else {}),
        "files_written": answer["files_written"],
        "sandbox_mount_prefix": SANDBOX_MOUNT_PREFIX,
        "execution_time_ms": answer["execution_time_ms"],
    }
    message = failure
    if not message and answer.get("timed_out"):
        message = f"The command ran past its time limit of {timeout:g} s and was killed."
    elif not message and isinstance(answer.get("error"), dict):
        message = f"{answer['error'].get('name')}: {answer['error'].get('value')}"
    elif not message and answer.get("exit_code") not in (0, None):
        message = f"The command exited with status {answer.get('exit_code')}."
    return MetaResult(data, message)


TIMEOUT = {
    "type": "number",
    "description": "Seconds the call may run before it is interrupted (at most the server's limit).",
}
OUTPUT_COMMON = {
    "stdout": {"type": "string"},
    "stderr": {"type": "string"},
    "files_written": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Files created or changed under /mnt/files.",
    },
    "sandbox_mount_prefix": {"type": "string"},
    "execution_time_ms": {"type": "number"},
}

register(
    MetaTool(
        slug=WORKBENCH,
        name="Remote workbench",
        description=(
            "Run Python in a persistent Jupyter kernel in this session's sandbox: variables, imports and files "
            "persist across calls. Use it for bulk operations, data processing and multi-step logic. Pre-imported "
            "helpers: run_composio_tool(slug, arguments) -> (data, error); proxy_execute(method, endpoint, "
            "toolkit, body=None, parameters=None) -> (data, error); upload_local_file(path) -> {download_url, ...}; "
            "invoke_llm(prompt) -> (text, error); web_search(query) -> (results, error); "
            'smart_file_extract(path) -> (text, error); install_packages(["name==version"]) -> (data, error) '
            "(also %pip install): packages the server allow-lists only. pandas, numpy, matplotlib, Pillow and "
            "reportlab are installed. Files in /mnt/files are the session's files (they persist); there is no network access."
        ),
        properties={
            "code_to_execute": {
                "type": "string",
                "description": "The Python code; the last expression's value is returned.",
            },
            "thought": {"type": "string", "description": "What the code is for (not executed)."},
            "timeout": TIMEOUT,
        },
        required=("code_to_execute",),
        run=run_python,
        offered=_enabled,
        tags=("openWorldHint",),
        output_schema={
            "type": "object",
            "properties": {
                **OUTPUT_COMMON,
                "results": {"description": "The last expression's value (its text form), or null."},
                "display": {"type": "array", "items": {"type": "string"}},
                "error": {"type": ["string", "null"], "description": "The exception, e.g. 'KeyError: 1'."},
                "traceback": {"type": ["string", "null"]},
                "kernel_restarted": {
                    "type": "boolean",
                    "description": "True when earlier variables are gone.",
                },
            },
        },
    )
)

register(
    MetaTool(
        slug=BASH,
        name="Remote bash tool",
        description=(
            "Run a bash command in this session's sandbox, in the same filesystem as COMPOSIO_REMOTE_WORKBENCH "
            "(the working directory is /mnt/files, the session's files). There is no network access."
        ),
        properties={
            "command": {"type": "string", "description": "The command, run with bash -c in /mnt/files."},
            "timeout": TIMEOUT,
        },
        required=("command",),
        run=run_bash,
        offered=_enabled,
        tags=("openWorldHint",),
        output_schema={
            "type": "object",
            "properties": {**OUTPUT_COMMON, "exit_code": {"type": ["integer", "null"]}},
        },
    )
)
