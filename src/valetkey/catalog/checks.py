"""Checks on a tool definition that look at more than one field.

Each check raises ValueError with a sentence a toolkit author can act on; the
loader adds the file and the tool slug. Shape checks (types, unknown keys)
already happened in `format`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import SchemaError

from valetkey.catalog.format import ToolkitSpec, ToolSpec, TriggerSpec
from valetkey.catalog.model import BEHAVIOUR_TAGS

# Tags every toolkit may use; a toolkit declares any others in its `tags:`.
WELL_KNOWN_TAGS = (*BEHAVIOUR_TAGS, "important")

# Every keyword of JSON Schema 2020-12 (core, applicator, validation, format,
# content, meta-data) plus OpenAPI's `nullable`/`example` and our `file_uploadable`
# / `file_downloadable` markers. A key outside this set is almost always YAML
# gone wrong: `{description: a, b}` in a flow mapping silently makes a key "b".
SCHEMA_KEYWORDS = frozenset(
    """$schema $id $ref $defs $anchor $dynamicRef $dynamicAnchor $comment $vocabulary definitions
    type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength
    pattern maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required
    dependentRequired properties patternProperties additionalProperties propertyNames unevaluatedProperties
    items prefixItems contains unevaluatedItems allOf anyOf oneOf not if then else dependentSchemas
    format contentEncoding contentMediaType contentSchema title description default deprecated readOnly
    writeOnly examples example nullable file_uploadable file_downloadable""".split()
)
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMAS = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)


# Where subschemas sit, in the order their findings are reported.
_NESTED = {key: i for i, key in enumerate((*_SUBSCHEMA_MAPS, *_SUBSCHEMA_LISTS, *_SUBSCHEMAS))}


def unknown_keywords(schema: Any, path: str = "$") -> list[str]:
    """Paths of keys that are not JSON Schema keywords, anywhere in `schema`."""
    if not isinstance(schema, dict):
        return []
    found = [
        f"{path}.{key}" for key in schema if key not in SCHEMA_KEYWORDS and not str(key).startswith("x-")
    ]
    # Only the keys present (the loader's hottest path: a catalog has some 35,000 schemas).
    for key in sorted(schema.keys() & _NESTED.keys(), key=_NESTED.__getitem__):
        value = schema[key]
        if key in _SUBSCHEMA_MAPS:
            for name, sub in (value or {}).items():
                found += unknown_keywords(sub, f"{path}.{name}")
        elif key in _SUBSCHEMA_LISTS:
            for index, sub in enumerate(value or []):
                found += unknown_keywords(sub, f"{path}.{key}[{index}]")
        elif isinstance(value, dict):
            found += unknown_keywords(value, f"{path}.{key}")
    return found


def check_schema(schema: dict[str, Any], what: str) -> None:
    """A valid JSON Schema (its own `$schema`, else draft 2020-12) describing an object."""
    if schema.get("type") != "object":
        raise ValueError(f"{what} schema must have `type: object`")
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        # The compiled metaschema check first (imported toolkits have big schemas; the Python
        # check is ~100x slower); the Python one only to word a problem.
        if not _meta_valid(schema):
            validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ValueError(f"{what} schema is not valid JSON Schema at {where}: {exc.message}") from None
    strays = unknown_keywords(schema)
    if strays:
        raise ValueError(
            f"{what} schema has keys that are not JSON Schema keywords: {', '.join(strays[:5])} "
            "(a comma inside an unquoted YAML flow-mapping value makes such keys; quote the value)"
        )
    required = schema.get("required") or []
    properties = schema.get("properties") or {}
    missing = [name for name in required if name not in properties]
    if missing:
        raise ValueError(f"{what} schema requires {missing}, which are not among its properties")


def _meta_valid(schema: dict[str, Any]) -> bool:
    try:
        return bool(jsonschema_rs.meta.is_valid(schema))
    except (ValueError, jsonschema_rs.ReferencingError):
        return False


def check_slug(tool: ToolSpec | TriggerSpec, toolkit: ToolkitSpec) -> None:
    prefix = toolkit.slug.upper() + "_"
    if not tool.slug.startswith(prefix) or tool.slug == prefix.rstrip("_"):
        raise ValueError(f"slug must start with the toolkit prefix {prefix!r} (TOOLKIT_ACTION)")
    for alias in getattr(tool, "aliases", ()):
        if not alias.startswith(prefix) or alias == prefix.rstrip("_"):
            raise ValueError(f"alias {alias} must start with the toolkit prefix {prefix!r}")
        if alias == tool.slug:
            raise ValueError(f"alias {alias} is the tool's own slug")
    aliases = list(getattr(tool, "aliases", ()))
    if len(set(aliases)) != len(aliases):
        raise ValueError(f"aliases repeat a value: {aliases}")


def check_aliases(toolkit_slug: str, tools: Iterable[Any], taken: Mapping[str, str]) -> dict[str, str]:
    """alias -> slug for one toolkit's tools; each alias names one slug and is no tool's real slug.

    `taken` maps every slug already claimed elsewhere (real slugs and aliases of other toolkits)
    to who claims it. Definitions of the same slug in several versions may repeat an alias.
    """
    slugs = {tool.slug for tool in tools}
    found: dict[str, str] = {}
    for tool in tools:
        for alias in tool.aliases:
            if alias in slugs:
                raise ValueError(
                    f"tool {tool.slug}: alias {alias} is the slug of another tool of {toolkit_slug}"
                )
            if found.get(alias, tool.slug) != tool.slug:
                raise ValueError(f"tool {tool.slug}: alias {alias} already names {found[alias]}")
            if alias in taken:
                raise ValueError(f"tool {tool.slug}: alias {alias} is already {taken[alias]}")
            found[alias] = tool.slug
    return found


def check_tags(tool: ToolSpec, toolkit: ToolkitSpec) -> None:
    known = set(WELL_KNOWN_TAGS) | set(toolkit.tags)
    unknown = [t for t in tool.tags if t not in known]
    if unknown:
        raise ValueError(
            f"unknown tags {unknown}; use {', '.join(WELL_KNOWN_TAGS)} or declare them in toolkit.yaml `tags:`"
        )
    if len(set(tool.tags)) != len(tool.tags):
        raise ValueError(f"tags repeat a value: {tool.tags}")
    if "readOnlyHint" in tool.tags and "destructiveHint" in tool.tags:
        raise ValueError("a tool cannot be both readOnlyHint and destructiveHint")


def version_window(tool: ToolSpec | TriggerSpec, toolkit: ToolkitSpec) -> tuple[str, str | None]:
    """[added_in, removed_in) with the default filled in, checked against the toolkit's versions."""
    added = tool.added_in or toolkit.versions[0]
    for key, value in (("added_in", added), ("removed_in", tool.removed_in)):
        if value is not None and value not in toolkit.versions:
            raise ValueError(f"{key} {value!r} is not one of the toolkit's versions {toolkit.versions}")
    if tool.removed_in is not None and tool.removed_in <= added:
        raise ValueError(f"removed_in {tool.removed_in} must come after added_in {added}")
    return added, tool.removed_in


def import_handler(path: str) -> Callable[..., Any]:
    """Import "package.module:function" and make sure it is callable."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(
            f"handler module {module_name!r} cannot be imported: {exc.__class__.__name__}: {exc}"
        ) from None
    func = getattr(module, attr, None)
    if func is None:
        raise ValueError(f"handler {path!r}: module {module_name!r} has no attribute {attr!r}")
    if not callable(func):
        raise ValueError(f"handler {path!r} is not callable")
    return func
