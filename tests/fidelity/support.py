"""Glue for fidelity tests: where checked-in descriptions live, and requests in the checker's shape.

Description subsets live in ``tests/fidelity/specs/<service>/`` with a
``PROVENANCE.md`` (made by ``scripts/extract_spec_subset.py``).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.fidelity.checker import WireRequest, check_request
from valetkey.catalog.apispec import ApiDescription, load_description
from valetkey.catalog.model import Tool, Toolkit
from valetkey.execution.request import build_request
from valetkey.net.request import UpstreamRequest

SPECS = Path(__file__).parent / "specs"


@functools.cache
def description(service: str, filename: str) -> ApiDescription:
    """A checked-in description subset, e.g. ``description("github", "api.github.com.subset.json")``."""
    return load_description(SPECS / service / filename)


def from_recorded(recorded: Any) -> WireRequest:
    """A `valetkey.sandbox.emulator.RecordedRequest` (what an emulator saw) as a `WireRequest`."""
    return WireRequest(
        recorded.method,
        recorded.path,
        tuple(recorded.query),
        dict(recorded.headers),
        recorded.body,
        recorded.content_type,
    )


def from_upstream(request: UpstreamRequest, base_url: str) -> WireRequest:
    """A request the executor *would* send (no server needed), relative to `base_url`."""
    url = urlsplit(request.url)
    root = urlsplit(base_url).path.rstrip("/")
    path = url.path[len(root) :] if url.path.startswith(root) else url.path
    headers = {k.lower(): v for k, v in request.headers.items()}
    content_type = {
        "json": "application/json",
        "form": "application/x-www-form-urlencoded",
        "multipart": "multipart/form-data",
    }.get(request.body_kind or "", headers.get("content-type", ""))
    if request.body_kind:
        headers.setdefault("content-type", content_type)
    return WireRequest(request.method, path or "/", request.query, headers, request.body, content_type)


def drifted(tool: Tool, **operation_changes: Any) -> Tool:
    """`tool` with its HTTP operation changed, for tests proving drift is caught."""
    return dataclasses.replace(tool, operation=dataclasses.replace(tool.operation, **operation_changes))


def tool_request(
    tool: Tool, arguments: dict[str, Any], base_url: str = "https://api.example.invalid"
) -> WireRequest:
    """The request `tool` sends for `arguments`, built by the executor's own `build_request`."""
    assert tool.operation is not None, f"{tool.slug} is a Python tool; record its requests instead"
    return from_upstream(build_request(tool.operation, base_url, arguments), base_url)


def sample_value(schema: dict[str, Any]) -> Any:
    """A plausible value for a JSON Schema: the first enum value, the default, or one of the type."""
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample_value(schema.get("items") or {"type": "string"})]
    if kind == "object":
        return {name: sample_value(sub) for name, sub in (schema.get("properties") or {}).items()}
    if schema.get("format") == "date-time":
        return "2025-01-31T12:00:00Z"
    if str(schema.get("pattern", "")).startswith("^refs/"):
        return "refs/heads/sample"
    return "sample"


def sample_arguments(tool: Tool, *, optional: bool = True) -> dict[str, Any]:
    """Arguments for every input property of `tool` (or only the required ones), so each wire name is checked."""
    schema = tool.input_schema
    required = set(schema.get("required") or ())
    return {
        name: sample_value(sub)
        for name, sub in (schema.get("properties") or {}).items()
        if optional or name in required
    }


#: Paths of Google's OAuth endpoints in the Google emulators: not API calls, never checked.
GOOGLE_OAUTH_PATHS = frozenset(
    {"/token", "/revoke", "/tokeninfo", "/oauth2/v3/userinfo", "/o/oauth2/v2/auth", "/o/oauth2/auth"}
)


def tool_by_slug(toolkit: Toolkit, slug: str) -> Tool:
    return next(t for t in toolkit.tools if t.slug == slug)


def sent_since(emulator: Any, before: int, *, skip_paths: frozenset[str] = GOOGLE_OAUTH_PATHS) -> list[Any]:
    """The API requests `emulator` recorded after its first `before` ones."""
    return [r for r in emulator.requests.all()[before:] if r.path not in skip_paths]


def problems_of_sent(
    spec: ApiDescription, slug: str, sent: list[Any], *, authorization_prefix: str
) -> list[str]:
    """Fidelity problems of the requests one tool sent; asserts it sent some, each with the right credential."""
    assert sent, f"{slug} sent no request"
    problems: list[str] = []
    for recorded in sent:
        problems += check_request(spec, from_recorded(recorded))
        assert recorded.header("authorization").startswith(authorization_prefix)
    return problems
