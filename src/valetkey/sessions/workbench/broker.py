"""The helpers' server side: each call from a kernel, checked against its session's policy.

The capability was checked by `process.Workbench`; here each helper does what the
session may do and nothing else: `run_composio_tool` is `sessions.execution.run_tool`
(the session's toolkits and tools filter, its accounts), `proxy_execute` is the
session's proxy (off when the session or its workbench turns proxy execution off),
`upload_local_file` signs a download URL for a file of this session's mount,
`invoke_llm` and `web_search` call what the operator configured, or answer an error
that says so.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.concurrency import run_in_threadpool

from valetkey.net.llm import LlmError, chat_json, llm_config
from valetkey.sessions.execution import run_tool
from valetkey.sessions.files import download_url_for, session_files
from valetkey.sessions.meta_tools import proxy as proxy_tool
from valetkey.sessions.records import SessionContext
from valetkey.sessions.workbench import packages

LLM_SCHEMA = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
MAX_PROMPT_CHARS = 200_000


def _answer(data: Any = None, error: str | None = None) -> dict[str, Any]:
    return {"data": data, "error": error}


async def handle(ctx: SessionContext, helper: str, arguments: dict[str, Any]) -> dict[str, Any]:
    handler = HELPERS.get(helper)
    if handler is None:
        return _answer(error=f"No helper {helper!r}; the helpers are {', '.join(sorted(HELPERS))}.")
    return await handler(ctx, arguments)


async def run_composio_tool(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    slug, tool_arguments = arguments.get("slug"), arguments.get("arguments") or {}
    if not isinstance(slug, str) or not isinstance(tool_arguments, dict):
        return _answer(error="run_composio_tool(slug, arguments): slug is a tool slug, arguments a dict")
    if ctx.config.workbench.get("enable_tool_execution") is False:
        return _answer(error="Tool execution from the workbench is turned off in this session.")
    if slug.upper().startswith("COMPOSIO_"):
        return _answer(error=f"{slug} is a meta tool; run_composio_tool runs app tools.")
    result = await run_tool(ctx, slug, tool_arguments)
    return _answer(
        result.get("data"), result.get("error") or (None if result.get("successful") else "failed")
    )


async def proxy_execute(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    if not ctx.config.workbench_proxy_enabled:
        return _answer(error="Proxy execution is turned off in this session (proxy_execute or workbench).")
    result = await proxy_tool.run(
        ctx,
        {
            "toolkit_slug": arguments.get("toolkit"),
            "endpoint": arguments.get("endpoint"),
            "method": arguments.get("method"),
            "body": arguments.get("body"),
            "parameters": arguments.get("parameters"),
        },
    )
    return _answer(result.data, result.error)


async def upload_local_file(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    path = arguments.get("path")
    if not isinstance(path, str):
        return _answer(error="upload_local_file(path): a path in /mnt/files")
    files = session_files(ctx.state, ctx.project_id, ctx.session.id)
    try:
        found = await run_in_threadpool(files.is_file, path)
    except Exception as exc:
        return _answer(error=str(getattr(exc, "message", exc)))
    if not found:
        return _answer(error=f"No file {path!r} in /mnt/files")
    grant = download_url_for(ctx, path)
    return _answer({**grant, "s3url": grant["download_url"]})


async def invoke_llm(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    prompt = arguments.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return _answer(error="invoke_llm(prompt): the prompt is a non-empty string")
    if len(prompt) > MAX_PROMPT_CHARS:
        return _answer(error=f"invoke_llm: the prompt is longer than {MAX_PROMPT_CHARS} characters")
    config = llm_config(ctx.state.settings)
    if config is None:
        return _answer(
            error="invoke_llm needs a model and this server has none configured (the operator sets "
            "VALETKEY_LLM_BASE_URL and VALETKEY_LLM_MODEL)."
        )
    messages = [
        {"role": "system", "content": 'Answer the user. Reply with a JSON object {"text": "<your answer>"}.'},
        {"role": "user", "content": prompt},
    ]
    try:
        answer = await run_in_threadpool(chat_json, config, messages, schema_name="answer", schema=LLM_SCHEMA)
    except LlmError as exc:
        return _answer(error=f"invoke_llm: {exc}")
    return _answer(str(answer.get("text", "")))


async def web_search(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    query = arguments.get("query")
    if not isinstance(query, str) or not query.strip():
        return _answer(error="web_search(query): the query is a non-empty string")
    url = ctx.state.settings.web_search_url
    if not url:
        return _answer(
            error="web_search needs a search provider and this server has none configured (the operator sets "
            "VALETKEY_WEB_SEARCH_URL to a SearXNG-compatible /search URL)."
        )
    try:
        async with httpx.AsyncClient(timeout=ctx.state.settings.upstream_timeout) as client:
            response = await client.get(url, params={"q": query, "format": "json"})
        results = response.json().get("results", []) if response.status_code < 300 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        results = None
    if not isinstance(results, list):
        return _answer(error="web_search: the search provider did not answer a result list")
    return _answer(
        [
            {"title": r.get("title"), "url": r.get("url"), "content": r.get("content")}
            for r in results[:20]
            if isinstance(r, dict)
        ]
    )


async def install_packages(ctx: SessionContext, arguments: dict[str, Any]) -> dict[str, Any]:
    """Allow-listed wheels into the session's packages folder, by pip outside the sandbox (packages.py)."""
    target = packages.folder(ctx.state.settings, ctx.project_id, ctx.session.id)
    try:
        result = await run_in_threadpool(
            packages.install, ctx.state.settings, target, arguments.get("requirements")
        )
    except packages.PackageRefused as exc:
        return _answer(error=str(exc))
    return _answer(result)


HELPERS = {
    "run_composio_tool": run_composio_tool,
    "proxy_execute": proxy_execute,
    "upload_local_file": upload_local_file,
    "invoke_llm": invoke_llm,
    "web_search": web_search,
    "install_packages": install_packages,
}
