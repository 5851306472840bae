"""Tool arguments from a sentence: `POST /tools/execute/{tool_slug}/input` (the SDK's `tools.get_input`).

The operator's model (`valetkey.net.llm`) is asked, with the tool's input schema as the
answer's schema, for the arguments that do what the text asks. Its answer is checked against
that schema here, like any caller's arguments: arguments that do not validate come back with
an `error` saying what is wrong, never as if they were good. No model configured is a 400 that
names the settings; a model that fails is a 502.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.catalog.registry import Catalog
from valetkey.core.errors import ApiError, BadRequest
from valetkey.execution.validation import validate_arguments
from valetkey.net.llm import LlmConfig, LlmError, chat_json

SYSTEM_PROMPT = (
    "You fill in the arguments of one API tool from what a user asks for. Answer with a JSON object "
    'whose "arguments" member holds the tool\'s arguments and follows its input schema exactly: use '
    "only the properties the schema names, include every required one, and leave out optional ones the "
    "request does not mention. Never invent identifiers the request does not give."
)


def not_configured() -> BadRequest:
    return BadRequest(
        "Natural-language tool input needs a model, and this server has none configured",
        slug="LlmNotConfigured",
        suggested_fix="The operator sets VALETKEY_LLM_BASE_URL, VALETKEY_LLM_MODEL (and VALETKEY_LLM_API_KEY) "
        "to an OpenAI-compatible chat completions API; or pass the arguments yourself.",
    )


def arguments_from_text(
    catalog: Catalog,
    llm: LlmConfig | None,
    tool_slug: str,
    text: str,
    *,
    version: str | None = None,
    custom_description: str | None = None,
    system_prompt: str | None = None,
) -> dict[str, Any]:
    """`{"arguments": ..., "error": None}`, or the model's arguments with the reason they are not valid."""
    resolved = catalog.resolve_tool(tool_slug, version)  # an unknown tool is a 404 before any model call
    if llm is None:
        raise not_configured()
    tool = resolved.tool
    request = {
        "tool": tool.slug,
        "description": custom_description or tool.description,
        "input_schema": tool.input_schema,
        "request": text,
    }
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT + (f"\n\n{system_prompt}" if system_prompt else "")},
        {"role": "user", "content": json.dumps(request)},
    ]
    schema = {"type": "object", "properties": {"arguments": tool.input_schema}, "required": ["arguments"]}
    try:
        answer = chat_json(llm, messages, schema_name="tool_arguments", schema=schema)
    except LlmError as exc:
        raise ApiError(
            f"The model could not generate arguments for {tool.slug}: {exc}",
            status=502,
            slug="LlmFailed",
            suggested_fix="Try again; if it persists, the operator checks the VALETKEY_LLM_* settings.",
        ) from None
    arguments = answer.get("arguments")
    if not isinstance(arguments, dict):
        return {"arguments": None, "error": "The model's answer has no arguments object"}
    problem = validate_arguments(tool, resolved.version, arguments)
    if problem is not None:
        return {"arguments": arguments, "error": f"{problem.field}: {problem.message}"}
    return {"arguments": arguments, "error": None}
