"""The operator's model: one JSON answer from an OpenAI-compatible chat completions API.

`VALETKEY_LLM_BASE_URL`, `VALETKEY_LLM_API_KEY` and `VALETKEY_LLM_MODEL` name it. The operator
configures it (like the database), so it is called directly, not through the egress policy that
guards every call a project key can cause. The answer is asked for with ``response_format``
``{"type": "json_schema", ...}`` and must be a JSON object; anything else is an `LlmError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from valetkey.core.settings import Settings


def llm_config(settings: Settings) -> LlmConfig | None:
    """The operator's model, or None when VALETKEY_LLM_BASE_URL or VALETKEY_LLM_MODEL is unset."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LlmConfig(settings.llm_base_url, settings.llm_model, key, timeout=settings.upstream_timeout)


class LlmError(Exception):
    """The model could not be reached, refused, or answered something other than the JSON asked for."""


@dataclass(frozen=True)
class LlmConfig:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0


def chat_json(
    config: LlmConfig,
    messages: list[dict[str, str]],
    *,
    schema_name: str,
    schema: dict[str, Any],
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """The JSON object the model answers `messages` with, asked to follow `schema`."""
    body = {
        "model": config.model,
        "messages": messages,
        "response_format": {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema}},
        "temperature": 0,
    }
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    url = config.base_url.rstrip("/") + "/chat/completions"
    try:
        with httpx.Client(timeout=config.timeout, transport=transport) as client:
            response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise LlmError(f"the model endpoint could not be reached ({type(exc).__name__})") from None
    if response.status_code >= 300:
        raise LlmError(f"the model endpoint answered HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmError("the model's answer is not the JSON object asked for") from None
    if not isinstance(answer, dict):
        raise LlmError("the model's answer is not a JSON object")
    return answer
