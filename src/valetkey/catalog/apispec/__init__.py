"""Published API descriptions (OpenAPI 3.x, Google discovery documents) in one shape.

An `ApiDescription` is a list of `Operation`s, each with its method, path
template, parameters (name, location, required, JSON Schema) and request body
schema, `$ref`s already resolved. Two things read it: the importer
(`valetkey catalog import-openapi`), which drafts a tool from an operation,
and the fidelity tests, which check that the requests our tools send are
ones the description allows. Each format has one adapter module that
produces this shape (`openapi.from_openapi`, `discovery.from_discovery`);
`load_description` picks the adapter from the document.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

Location = str  # "path" | "query" | "header" | "cookie"


@dataclass(frozen=True)
class Param:
    name: str
    location: Location
    required: bool = False
    schema: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    # How arrays travel in the query: OpenAPI "form" + explode (a=1&a=2) or not (a=1,2).
    explode: bool = True


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    params: tuple[Param, ...] = ()
    body_schema: dict[str, Any] | None = None
    body_required: bool = False
    body_media_types: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    docs_url: str = ""
    deprecated: bool = False
    # OAuth scopes the description says the operation needs (discovery documents list them).
    scopes: tuple[str, ...] = ()

    def param(self, name: str, location: Location) -> Param | None:
        wanted = name.lower() if location == "header" else name
        for p in self.params:
            if p.location == location and (p.name.lower() if location == "header" else p.name) == wanted:
                return p
        return None

    def match_path(self, path: str) -> dict[str, str] | None:
        """Path parameter values when `path` (percent-encoded, as sent) fits the template; else None.

        Segments are compared one by one, so a value carrying ``/`` must be
        encoded as ``%2F`` (as the executor does) to count as one parameter.
        A segment may mix a placeholder with literal text (Google's
        ``{spreadsheetId}:batchUpdate``), and ``{+name}`` (RFC 6570 reserved
        expansion, in discovery documents) spans one or more whole segments.
        """
        actual = [unquote(s).replace("/", "%2F") for s in path.split("?")[0].strip("/").split("/")]
        regex, names = _template_regex(self.path)
        match = regex.fullmatch("/".join(actual))
        if match is None:
            return None
        values = {}
        for group, value in match.groupdict().items():
            if not value:
                return None
            values[names[group]] = value.replace("%2F", "/")
        return values

    @property
    def literal_segments(self) -> int:
        return sum(not s.startswith("{") for s in self.path.strip("/").split("/"))


@dataclass(frozen=True)
class ApiDescription:
    title: str
    version: str
    operations: tuple[Operation, ...]
    # Path the API root adds before every operation path (a discovery servicePath, an OpenAPI server path).
    base_path: str = ""
    source: str = ""

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.id == operation_id:
                return op
        raise KeyError(f"no operation {operation_id!r} in {self.title} {self.version}")

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a request goes to, preferring literal segments (``/releases/latest``)."""
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :]
        candidates = []
        for op in self.operations:
            if op.method == method.upper() and (values := op.match_path(path)) is not None:
                candidates.append((op.literal_segments, op, values))
        if not candidates:
            return None
        _, op, values = max(candidates, key=lambda c: c[0])
        return op, values


# A pure function of the template, so process-wide memoization is right (templates are the catalog's: bounded).
@functools.lru_cache(maxsize=16384)
def _template_regex(template: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex for a path template, and the placeholder each group captures.

    ``{name}`` is one segment's worth, ``{+name}`` any number of them.
    """
    names: dict[str, str] = {}
    out, position = [], 0
    for found in re.finditer(r"\{(\+?)([^}]+)\}", template.strip("/")):
        out.append(re.escape(template.strip("/")[position : found.start()]))
        group = f"p{len(names)}"
        names[group] = found.group(2)
        out.append(f"(?P<{group}>{'.+' if found.group(1) else '[^/]+'})")
        position = found.end()
    out.append(re.escape(template.strip("/")[position:]))
    return re.compile("".join(out)), names


def read_document(path: Path | str) -> dict[str, Any]:
    """A JSON document, gzip-compressed or not."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def load_description(path: Path | str) -> ApiDescription:
    """Read an API description file, whatever its format."""
    document = read_document(path)
    if "openapi" in document:
        from valetkey.catalog.apispec.openapi import from_openapi

        return from_openapi(document, source=str(path))
    if document.get("kind") == "discovery#restDescription":
        from valetkey.catalog.apispec.discovery import from_discovery

        return from_discovery(document, source=str(path))
    raise ValueError(f"{path}: neither an OpenAPI 3.x document nor a discovery document")
