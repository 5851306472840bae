"""The part of a discovery document a toolkit uses: its methods and the schemas they reference.

`scripts/extract_spec_subset.py` calls `discovery_subset` for Google APIs, so
the checked-in fidelity description holds only what the tools call. Methods
are matched by HTTP method and path: a tool's placeholder matches any
template placeholder (``{message_id}`` fits ``{id}``) and a template
placeholder also takes a tool's literal segment (``/users/me/...`` fits
``/users/{userId}/...``); the method's path under ``servicePath``, its flat
path and its media-upload path are tried, the most literal match wins. The document-level keys
(``rootUrl``, ``servicePath``, shared ``parameters``, ``auth``...) are kept;
``response`` references are dropped with the schemas only they need.
"""

from __future__ import annotations

import re
from typing import Any

from valetkey.catalog.apispec.discovery import method_paths

_KEPT = (
    "kind",
    "discoveryVersion",
    "id",
    "name",
    "version",
    "revision",
    "title",
    "description",
    "ownerDomain",
    "ownerName",
    "documentationLink",
    "protocol",
    "rootUrl",
    "servicePath",
    "basePath",
    "baseUrl",
    "batchPath",
    "parameters",
    "auth",
)


def discovery_subset(
    document: dict[str, Any], wanted: list[tuple[str, str]], prefix: str = ""
) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """(subset document, {(METHOD, tool path): method id}) for the `wanted` (METHOD, path) pairs."""
    index: list[tuple[str, str, tuple[str, ...]]] = []
    _index(document, document.get("resources") or {}, (), index)
    keep: set[tuple[str, ...]] = set()
    matched: dict[tuple[str, str], str] = {}
    for method, tool_path in wanted:
        where = _best_match(index, method.upper(), prefix + tool_path)
        if where is not None:
            keep.add(where)
            matched[(method, tool_path)] = _method_at(document, where)["id"]
    resources: dict[str, Any] = {}
    for where in sorted(keep):
        _copy_method(document, where, resources)
    out = {key: document[key] for key in _KEPT if key in document}
    out["resources"] = resources
    out["schemas"] = _referenced_schemas(document.get("schemas") or {}, resources)
    return out, matched


def _index(document, resources, trail, index) -> None:
    for name, resource in resources.items():
        for method_name, method in (resource.get("methods") or {}).items():
            for path in method_paths(document, method):
                index.append((method["httpMethod"].upper(), path, (*trail, name, method_name)))
        _index(document, resource.get("resources") or {}, (*trail, name), index)


def _best_match(index, method: str, tool_path: str) -> tuple[str, ...] | None:
    """The method whose template fits `tool_path` with the most literal text; None when none does."""
    concrete = re.sub(r"\{[^}]*\}", "x", "/" + tool_path.strip("/"))
    best, best_score = None, -1
    for verb, template, where in index:
        if verb != method:
            continue
        pattern = re.sub(r"\\\{\\\+[^}]*\\\}", ".+", re.escape("/" + template.strip("/")))
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", pattern)
        if re.fullmatch(pattern, concrete):
            score = len(re.sub(r"\{[^}]*\}", "", template))
            if score > best_score:
                best, best_score = where, score
    return best


def _method_at(document: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    node: dict[str, Any] = {"resources": document["resources"]}
    for name in where[:-1]:
        node = node["resources"][name]
    return node["methods"][where[-1]]


def _copy_method(document: dict[str, Any], where: tuple[str, ...], resources: dict[str, Any]) -> None:
    """Copy one method (without its response reference) into `resources`, creating its resource chain."""
    target: dict[str, Any] = {"resources": resources}
    for name in where[:-1]:
        target = target.setdefault("resources", {}).setdefault(name, {})
    method = {k: v for k, v in _method_at(document, where).items() if k != "response"}
    target.setdefault("methods", {})[where[-1]] = method


def _referenced_schemas(schemas: dict[str, Any], resources: dict[str, Any]) -> dict[str, Any]:
    pending, kept = _refs(resources), {}
    while pending:
        name = pending.pop()
        if name in kept or name not in schemas:
            continue
        kept[name] = schemas[name]
        pending |= _refs(schemas[name])
    return dict(sorted(kept.items()))


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()
