"""`POST /tools/execute/{tool_slug}/input`: tool arguments from natural language (`execution.nl_input`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import platform as r
from valetkey.api.state import AppState, app_state
from valetkey.core.validation import QueryText
from valetkey.execution.nl_input import arguments_from_text
from valetkey.net.llm import llm_config

router = APIRouter(tags=["tools"], dependencies=[Depends(require_project)])
TEXT_MAX = 20_000


class ToolInputBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=TEXT_MAX)
    custom_description: str | None = Field(None, max_length=TEXT_MAX)
    system_prompt: str | None = Field(None, max_length=TEXT_MAX)
    version: QueryText | None = None


@router.post("/tools/execute/{tool_slug}/input", responses=documented(r.ToolInput, 404, 502))
async def tool_input(tool_slug: str, body: ToolInputBody, state: AppState = Depends(app_state)):
    return await run_in_threadpool(
        arguments_from_text,
        state.catalog,
        llm_config(state.settings),
        tool_slug,
        body.text,
        version=body.version,
        custom_description=body.custom_description,
        system_prompt=body.system_prompt,
    )
