"""Tools in the shapes model APIs take, and a model's tool calls read back.

- OpenAI Chat Completions: ``{"type": "function", "function": {name, description, parameters, strict}}``
- OpenAI Responses: ``{"type": "function", name, description, parameters, strict}``
- Anthropic Messages: ``{name, description, input_schema}``
- MCP ``tools/list``: ``{name, description, inputSchema}``

``strict=True`` (OpenAI) rewrites the schema the way strict mode demands: every object closed
(``additionalProperties: false``) with every property required, the optional ones made
nullable, ``default`` dropped. A schema strict mode cannot express (a free-form object, a
``oneOf``...) is sent non-strict rather than changed in meaning: `strict_schema` returns None.

`read_tool_call` accepts a tool call from any of the three (a dict, or the SDKs' objects) and
`tool_result` answers it in the same provider's shape.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from valetkey.client.models import ExecuteResult, Tool

Provider = Literal["openai", "openai_responses", "anthropic"]

# Keywords OpenAI's strict mode refuses; a schema using one is sent non-strict.
STRICT_UNSUPPORTED = frozenset(
    {
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
    }
)
# Annotations strict mode does not take; they are dropped (they never change what validates).
STRICT_DROPPED = ("default", "examples", "title", "nullable", "readOnly", "writeOnly", "deprecated")


def _parameters(tool: Tool) -> dict[str, Any]:
    schema = copy.deepcopy(tool.input_parameters) or {}
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


class _NotStrict(Exception):
    pass


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        if kind != "null":
            schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
    elif "anyOf" in schema:
        if not any(isinstance(s, dict) and s.get("type") == "null" for s in schema["anyOf"]):
            schema["anyOf"] = [*schema["anyOf"], {"type": "null"}]
        return schema
    elif "$ref" in schema or "const" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    elif "enum" not in schema:
        raise _NotStrict("an untyped optional property")
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _strict(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    used = STRICT_UNSUPPORTED.intersection(node)
    if used:
        raise _NotStrict(", ".join(sorted(used)))
    out = {k: v for k, v in node.items() if k not in STRICT_DROPPED}
    kind = out.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in out
    if is_object:
        extra = out.get("additionalProperties")
        properties = out.get("properties") or {}
        if extra is not False and (extra is not None or not properties):
            # {"type": "object"} alone, or additionalProperties: any keys at all; closing it changes its meaning.
            raise _NotStrict("a free-form object")
        required = set(out.get("required") or [])
        new_properties = {}
        for name, sub in properties.items():
            converted = _strict(sub)
            new_properties[name] = converted if name in required else _nullable(dict(converted))
        out["properties"] = new_properties
        out["required"] = list(new_properties)
        out["additionalProperties"] = False
    if isinstance(out.get("items"), dict):
        out["items"] = _strict(out["items"])
    if "anyOf" in out:
        out["anyOf"] = [_strict(s) for s in out["anyOf"]]
    for key in ("$defs", "definitions"):
        if isinstance(out.get(key), dict):
            out[key] = {name: _strict(s) for name, s in out[key].items()}
    return out


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """`schema` as OpenAI strict mode takes it, or None when strict mode cannot say the same thing."""
    try:
        result = _strict(copy.deepcopy(dict(schema)))
    except _NotStrict:
        return None
    return result if isinstance(result, dict) else None


def _openai_function(tool: Tool, strict: bool) -> dict[str, Any]:
    parameters = _parameters(tool)
    rewritten = strict_schema(parameters) if strict else None
    function: dict[str, Any] = {
        "name": tool.slug,
        "description": tool.description,
        "parameters": rewritten or parameters,
    }
    if strict:
        function["strict"] = rewritten is not None
    return function


def to_openai(tool: Tool, *, strict: bool = False) -> dict[str, Any]:
    """Chat Completions `tools` entry."""
    return {"type": "function", "function": _openai_function(tool, strict)}


def to_openai_responses(tool: Tool, *, strict: bool = True) -> dict[str, Any]:
    """Responses API `tools` entry (strict by default there, as OpenAI's own SDK does)."""
    return {"type": "function", **_openai_function(tool, strict)}


def to_anthropic(tool: Tool) -> dict[str, Any]:
    return {"name": tool.slug, "description": tool.description, "input_schema": _parameters(tool)}


def to_mcp(tool: Tool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": tool.slug,
        "description": tool.description,
        "inputSchema": _parameters(tool),
    }
    if tool.output_parameters:
        entry["outputSchema"] = copy.deepcopy(tool.output_parameters)
    return entry


@dataclass(frozen=True)
class ToolCall:
    """One tool call a model made, whichever provider it came from."""

    provider: Provider
    id: str
    name: str
    arguments: dict[str, Any]


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _arguments(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"the tool call's arguments are not JSON: {exc}") from None
    if not isinstance(value, Mapping):
        raise ValueError("the tool call's arguments are not a JSON object")
    return dict(value)


def read_tool_call(call: Any) -> ToolCall:
    """A tool call from OpenAI Chat (`message.tool_calls[i]`), OpenAI Responses (a `function_call`
    output item) or Anthropic (a `tool_use` content block), as a dict or the provider SDK's object."""
    kind = _get(call, "type")
    if kind == "tool_use":
        return ToolCall(
            "anthropic", str(_get(call, "id")), str(_get(call, "name")), _arguments(_get(call, "input"))
        )
    if kind == "function_call":
        return ToolCall(
            "openai_responses",
            str(_get(call, "call_id") or _get(call, "id")),
            str(_get(call, "name")),
            _arguments(_get(call, "arguments")),
        )
    function = _get(call, "function")
    if function is not None:
        return ToolCall(
            "openai",
            str(_get(call, "id")),
            str(_get(function, "name")),
            _arguments(_get(function, "arguments")),
        )
    raise ValueError("not a tool call of OpenAI (chat or responses) or Anthropic")


def _content(result: ExecuteResult) -> str:
    if result.successful:
        return json.dumps(result.data, default=str)
    return json.dumps({"error": result.error, "data": result.data}, default=str)


def tool_result(call: ToolCall, result: ExecuteResult) -> dict[str, Any]:
    """The message that answers `call` with `result`, in the provider's shape."""
    if call.provider == "anthropic":
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call.id, "content": _content(result)}
        if not result.successful:
            block["is_error"] = True
        return block
    if call.provider == "openai_responses":
        return {"type": "function_call_output", "call_id": call.id, "output": _content(result)}
    return {"role": "tool", "tool_call_id": call.id, "content": _content(result)}
