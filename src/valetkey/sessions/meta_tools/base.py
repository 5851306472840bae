"""What a meta tool is, and the registry the session's tool list and dispatch read.

A meta tool (`COMPOSIO_*`) is a schema plus an async `run(context, arguments)`.
Each built-in lives in its own module and registers itself on import; a
feature adding meta tools (the workbench) calls `register` the same way and
is listed in `meta_tools/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from valetkey.sessions.config import SessionConfig

# Every meta tool takes the session id, so calls made outside a session route
# (POST /tools/execute/COMPOSIO_*) find the session and share its context.
SESSION_ID_PROPERTY = {
    "type": "string",
    "description": "The session id (trs_...) returned by COMPOSIO_SEARCH_TOOLS; pass it on every COMPOSIO_* call "
    "of this conversation so the calls share the session's configuration and connections.",
}


@dataclass(frozen=True)
class MetaResult:
    data: dict[str, Any]
    error: str | None = None

    @property
    def successful(self) -> bool:
        return self.error is None


Runner = Callable[[Any, dict[str, Any]], Awaitable[MetaResult]]


@dataclass(frozen=True)
class MetaTool:
    slug: str
    name: str
    description: str
    # Properties other than session_id, and which of them are required.
    properties: dict[str, Any]
    required: tuple[str, ...]
    run: Runner
    # Whether a session with this config offers the tool.
    offered: Callable[[SessionConfig], bool] = lambda config: True
    tags: tuple[str, ...] = ()
    output_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})

    def input_schema(self, session_id: str | None = None) -> dict[str, Any]:
        """The JSON Schema of the arguments; with `session_id`, the session's own id is the default."""
        session_property = dict(SESSION_ID_PROPERTY)
        if session_id:
            session_property["default"] = session_id
            session_property["description"] += f" For this session: {session_id}."
        return {
            "type": "object",
            "properties": {**self.properties, "session_id": session_property},
            "required": list(self.required),
        }


REGISTRY: dict[str, MetaTool] = {}


def register(tool: MetaTool) -> MetaTool:
    REGISTRY[tool.slug] = tool
    return tool


def find(slug: str) -> MetaTool | None:
    return REGISTRY.get(slug.upper()) if isinstance(slug, str) else None


def offered(config: SessionConfig) -> list[MetaTool]:
    return [tool for tool in REGISTRY.values() if tool.offered(config)]
