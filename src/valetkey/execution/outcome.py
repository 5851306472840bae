"""From an upstream outcome to the `{data, error, successful}` of a tool result.

Composio reports a failed upstream call as a normal 200 answer with
``successful: false``: `error` is one line a person or an LLM can act on
("404 Not Found: Requested entity was not found."), and `data` keeps the
details (``{"status_code": 404, "message": ...}``), as in the troubleshooting
guide. Our own status codes are reserved for our own errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from valetkey.net.upstream import UpstreamOutcome, UpstreamResponse

MAX_MESSAGE = 500


@dataclass(frozen=True)
class ToolResult:
    data: dict[str, Any]
    error: str | None
    successful: bool


def decode_body(response: UpstreamResponse) -> Any:
    """JSON when the upstream says (or the body looks like) JSON, else text; None when empty."""
    content = response.content
    if not content:
        return None
    kind = response.headers.get("content-type", "")
    if "json" in kind or content[:1] in (b"{", b"["):
        try:
            return json.loads(content)
        except ValueError:
            pass
    return content.decode(_charset(kind), "replace")


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                "".encode(value.strip('"'))
                return value.strip('"')
            except LookupError:
                break
    return "utf-8"


def error_message(body: Any) -> str | None:
    """The human message in the error shapes APIs commonly use."""
    if isinstance(body, str):
        return body.strip()[:MAX_MESSAGE] or None
    if not isinstance(body, dict):
        return None
    for key in ("message", "error_description", "detail", "title", "error_message", "msg"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value[:MAX_MESSAGE]
    error = body.get("error")
    if isinstance(error, str) and error:
        return error[:MAX_MESSAGE]
    if isinstance(error, dict):
        return error_message(error)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        return first[:MAX_MESSAGE] if isinstance(first, str) else error_message(first)
    return None


def select(data: Any, path: str | None) -> Any:
    """The part of a response a dotted `response_path` names ("data.items"); all of it if absent."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def as_data(value: Any) -> dict[str, Any]:
    """`data` is always an object on the wire; other values are wrapped under "data"."""
    return value if isinstance(value, dict) else {"data": value}


def reported_failure(body: Any, success_path: str | None) -> str | None:
    """Why a 2xx answer is still a failure: the flag at `success_path` is not `true`.

    Some APIs answer every call with HTTP 200 and say in the body whether it
    worked (Slack: ``{"ok": false, "error": "channel_not_found"}``); their tools
    declare `success_path` and such answers become ``successful: false``.
    """
    if not success_path:
        return None
    flag = select(body, success_path)
    if flag is True:
        return None
    message = error_message(body) or "the API reported a failure"
    return f"{message} (HTTP 200 answer with {success_path} = {json.dumps(flag)})"


def reported_errors(body: Any, error_path: str | None) -> str | None:
    """Why a 2xx answer is still a failure: something non-empty sits at `error_path`.

    GraphQL servers answer HTTP 200 ``{"data": null, "errors": [{"message": ...}]}``
    when a resolver fails (an entity not found); tools declare ``error_path: errors``
    (implied for `graphql` tools) and such answers become ``successful: false``.
    """
    if not error_path:
        return None
    found = select(body, error_path)
    if found in (None, False, "", [], {}):
        return None
    message = error_message({"errors": found} if isinstance(found, list) else {"error": found})
    return f"{message or 'the API reported an error'} (HTTP 200 answer with {error_path})"


def tool_result(
    outcome: UpstreamOutcome,
    response_path: str | None = None,
    success_path: str | None = None,
    error_path: str | None = None,
) -> ToolResult:
    response = outcome.response
    if response is None:
        return ToolResult({"status_code": None, "message": outcome.message}, outcome.message, False)
    body = decode_body(response)
    if response.status_code < 400:
        failure = reported_failure(body, success_path) or reported_errors(body, error_path)
        if failure is not None:
            detail = body if isinstance(body, str) else json.dumps(body)
            return ToolResult(
                {"status_code": response.status_code, "message": detail[:10_000]}, failure, False
            )
        return ToolResult(as_data(select(body, response_path)), None, True)
    status = response.status_code
    message = error_message(body)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    summary = f"{status} {reason}" + (f": {message}" if message else "")
    detail = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return ToolResult({"status_code": status, "message": detail[:10_000]}, summary, False)
