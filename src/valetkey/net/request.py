"""One HTTP request to a third-party API, as a plain value.

The upstream client sends it; execution builds it from a tool definition;
connections put credentials on it. It knows nothing of tools or accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

BodyKind = Literal["json", "form", "multipart", "raw"]


@dataclass(frozen=True)
class UpstreamRequest:
    """One HTTP request to a third-party API, before credentials or after."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    body_kind: BodyKind | None = None
    # json: any JSON value; form: list of (name, value); multipart: (fields, files);
    # raw: bytes or str.
    body: Any = None

    def with_header(self, name: str, value: str) -> UpstreamRequest:
        headers = {k: v for k, v in self.headers.items() if k.lower() != name.lower()}
        headers[name] = value
        return replace(self, headers=headers)

    def with_query(self, name: str, value: str) -> UpstreamRequest:
        kept = tuple((k, v) for k, v in self.query if k != name)
        return replace(self, query=kept + ((name, value),))


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
