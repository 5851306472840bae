"""Every built-in tool's input schema is one OpenAI, Anthropic and Gemini all accept.

Each rule is a small function ``rule(tool_name, schema) -> [problem, ...]``
whose docstring says which provider needs it and why. The test runs every
rule over every tool of every built-in toolkit; the `bad` cases at the end
prove each rule can fail.

OpenAI is checked *after* the rewrite the SDK's OpenAI Responses provider
applies in strict mode (`composio.utils.strict_schema.to_strict_json_schema`:
optional properties become nullable and required, objects closed, `default`
dropped); that rewrite must be lossless, otherwise the provider falls back to
non-strict for the tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from composio.utils.strict_schema import to_strict_json_schema
from jsonschema import Draft202012Validator

from valetkey.catalog.loader import BUILTIN_DIR, load_toolkits

Schema = dict[str, Any]
Rule = Callable[[str, Schema], list[str]]


def nodes(schema: Any, path: str = "$") -> Iterator[tuple[str, Schema]]:
    """Every sub-schema with a JSONPath-ish location (properties, items, combinators, definitions)."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from nodes(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from nodes(schema["items"], f"{path}[]")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from nodes(sub, f"{path}.{key}[{i}]")
    for key in ("$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            yield from nodes(sub, f"{path}.{key}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from nodes(schema["additionalProperties"], f"{path}.additionalProperties")


def depth(schema: Any) -> int:
    if not isinstance(schema, dict):
        return 0
    children = list((schema.get("properties") or {}).values())
    children += [schema["items"]] if isinstance(schema.get("items"), dict) else []
    children += [s for k in ("anyOf", "oneOf", "allOf") for s in schema.get(k) or []]
    inner = max((depth(c) for c in children), default=0)
    return inner + (1 if schema.get("type") == "object" or "properties" in schema else 0)


# -- shared by all three -------------------------------------------------------


def tool_name_is_portable(name: str, schema: Schema) -> list[str]:
    """Anthropic and OpenAI: ^[a-zA-Z0-9_-]{1,64}$. Gemini: starts with a letter or _, at most 64."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,63}", name):
        return []
    return [f"name {name!r} does not match ^[A-Za-z_][A-Za-z0-9_-]{{0,63}}$"]


def root_is_an_object(name: str, schema: Schema) -> list[str]:
    """All three take an object schema at the root; Anthropic rejects oneOf/anyOf/allOf there."""
    problems = [] if schema.get("type") == "object" else ["root type is not 'object'"]
    problems += [f"root uses {k}" for k in ("oneOf", "anyOf", "allOf") if k in schema]
    return problems


def is_valid_json_schema(name: str, schema: Schema) -> list[str]:
    """Anthropic validates input_schema as JSON Schema (2020-12); so does our executor."""
    return [
        f"invalid JSON Schema: {e.message}"
        for e in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema)
    ]


def every_property_is_typed(name: str, schema: Schema) -> list[str]:
    """An untyped property leaves the model guessing, and Gemini requires `type` on every schema."""
    return [
        f"{path} has no type"
        for path, node in nodes(schema)
        if path != "$" and "type" not in node and not any(k in node for k in ("anyOf", "enum"))
    ]


def properties_are_described(name: str, schema: Schema) -> list[str]:
    """A model picks arguments by their descriptions; an undocumented top-level argument gets misused."""
    return [
        f"$.{prop} has no description"
        for prop, sub in (schema.get("properties") or {}).items()
        if not str(sub.get("description", "")).strip()
    ]


def required_names_exist(name: str, schema: Schema) -> list[str]:
    """OpenAI strict and Gemini reject `required` entries that are not properties."""
    return [
        f"{path} requires unknown {missing}"
        for path, node in nodes(schema)
        for missing in set(node.get("required") or []) - set(node.get("properties") or {})
    ]


# -- OpenAI strict function calling --------------------------------------------


def openai_strict_rewrite_is_lossless(name: str, schema: Schema) -> list[str]:
    """The SDK's strict rewrite must not give up; otherwise the tool is sent non-strict (or rejected)."""
    return [
        f"strict mode cannot express {u.path or '$'}: {u.keyword} ({u.detail})"
        for u in to_strict_json_schema(schema).unsupported
    ]


def openai_strict_objects_are_closed_and_fully_required(name: str, schema: Schema) -> list[str]:
    """Strict mode needs additionalProperties: false and every property in `required`, at every depth."""
    strict = to_strict_json_schema(schema).schema
    problems = []
    for path, node in nodes(strict):
        kinds = node.get("type")
        if kinds == "object" or (isinstance(kinds, list) and "object" in kinds):
            if node.get("additionalProperties") is not False:
                problems.append(f"{path} is not closed after the strict rewrite")
            if set(node.get("required") or []) != set(node.get("properties") or {}):
                problems.append(f"{path} does not require all its properties after the strict rewrite")
    return problems


def openai_size_limits(name: str, schema: Schema) -> list[str]:
    """Structured outputs allow at most 10 levels of object nesting and 5000 properties in total."""
    total = sum(len(node.get("properties") or {}) for _, node in nodes(schema))
    problems = [f"{total} properties (limit 5000)"] if total > 5000 else []
    return problems + ([f"nesting depth {depth(schema)} (limit 10)"] if depth(schema) > 10 else [])


# -- Gemini function declarations (OpenAPI 3.0 Schema subset) ------------------

GEMINI_KEYWORDS = {
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
}
GEMINI_TYPES = {"string", "number", "integer", "boolean", "array", "object"}
#: Composio's file markers on tool schemas: the SDK reads them to stage files, and with automatic file
#: handling on it turns a `file_uploadable` object into a path string before a provider sees the schema
#: (`composio.core.models._files.FileHelper`). Real Composio tools carry them the same way.
SDK_FILE_MARKERS = {"file_uploadable", "file_downloadable"}
GEMINI_FORMATS = {
    "string": {"enum", "date-time"},
    "number": {"float", "double"},
    "integer": {"int32", "int64"},
}


def gemini_uses_only_supported_keywords(name: str, schema: Schema) -> list[str]:
    """Gemini's Schema is an OpenAPI 3.0 subset: no $ref, $defs, additionalProperties, oneOf, allOf, const, not.

    One exception: a tool without arguments may close its root (`additionalProperties: false`, which
    OpenAI strict mode needs to tell "no arguments" from "any object"), because a Gemini function
    declaration omits `parameters` altogether for a function that takes none.
    """
    no_arguments = not schema.get("properties") and schema.get("additionalProperties") is False
    return [
        f"{path} uses {key!r}"
        for path, node in nodes(schema)
        for key in node
        if key not in GEMINI_KEYWORDS | SDK_FILE_MARKERS
        and not (path == "$" and key == "additionalProperties" and no_arguments)
    ]


def gemini_types_are_single_and_known(name: str, schema: Schema) -> list[str]:
    """Gemini's `type` is one enum value; nullability is `nullable: true`, not a type list."""
    return [
        f"{path} has type {node['type']!r}"
        for path, node in nodes(schema)
        if "type" in node and (not isinstance(node["type"], str) or node["type"] not in GEMINI_TYPES)
    ]


def gemini_formats_and_enums_fit_their_type(name: str, schema: Schema) -> list[str]:
    """Gemini accepts only a few formats per type, and `enum` only on strings."""
    problems = []
    for path, node in nodes(schema):
        kind = node.get("type")
        if "format" in node and node["format"] not in GEMINI_FORMATS.get(kind, set()):
            problems.append(f"{path} has format {node['format']!r} on {kind}")
        if "enum" in node and kind != "string":
            problems.append(f"{path} has an enum on {kind}")
    return problems


def gemini_arrays_declare_items(name: str, schema: Schema) -> list[str]:
    """Gemini rejects an ARRAY schema without `items`."""
    return [
        f"{path} is an array without items"
        for path, node in nodes(schema)
        if node.get("type") == "array" and not isinstance(node.get("items"), dict)
    ]


RULES: list[Rule] = [
    tool_name_is_portable,
    root_is_an_object,
    is_valid_json_schema,
    every_property_is_typed,
    properties_are_described,
    required_names_exist,
    openai_strict_rewrite_is_lossless,
    openai_strict_objects_are_closed_and_fully_required,
    openai_size_limits,
    gemini_uses_only_supported_keywords,
    gemini_types_are_single_and_known,
    gemini_formats_and_enums_fit_their_type,
    gemini_arrays_declare_items,
]


@pytest.fixture(scope="module")
def builtin_tools():
    tools = [tool for toolkit in load_toolkits([BUILTIN_DIR]) for tool in toolkit.tools]
    assert len(tools) > 40
    return tools


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_every_builtin_tool_input_schema_passes(rule, builtin_tools):
    problems = [f"{tool.slug}: {p}" for tool in builtin_tools for p in rule(tool.slug, tool.input_schema)]
    assert not problems, f"{rule.__name__}: {rule.__doc__}\n" + "\n".join(problems)


BAD: list[tuple[Rule, str, Schema]] = [
    (tool_name_is_portable, "GITHUB CREATE", {"type": "object"}),
    (tool_name_is_portable, "X" * 65, {"type": "object"}),
    (root_is_an_object, "T", {"anyOf": [{"type": "object"}]}),
    (is_valid_json_schema, "T", {"type": "object", "properties": {"a": {"type": "strin"}}}),
    (every_property_is_typed, "T", {"type": "object", "properties": {"a": {"description": "x"}}}),
    (properties_are_described, "T", {"type": "object", "properties": {"a": {"type": "string"}}}),
    (required_names_exist, "T", {"type": "object", "properties": {}, "required": ["a"]}),
    (
        openai_strict_rewrite_is_lossless,
        "T",
        {"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}},
    ),
    (
        openai_size_limits,
        "T",
        {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(5001)}},
    ),
    (
        gemini_uses_only_supported_keywords,
        "T",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"a": {"type": "string", "description": "x"}},
        },
    ),
    (
        gemini_uses_only_supported_keywords,
        "T",
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}},
    ),
    (
        gemini_types_are_single_and_known,
        "T",
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
    ),
    (
        gemini_formats_and_enums_fit_their_type,
        "T",
        {"type": "object", "properties": {"a": {"type": "string", "format": "uri"}}},
    ),
    (
        gemini_formats_and_enums_fit_their_type,
        "T",
        {"type": "object", "properties": {"a": {"type": "integer", "enum": [1]}}},
    ),
    (gemini_arrays_declare_items, "T", {"type": "object", "properties": {"a": {"type": "array"}}}),
]


@pytest.mark.parametrize(
    "rule, name, schema", BAD, ids=[f"{r.__name__}-{i}" for i, (r, _, _) in enumerate(BAD)]
)
def test_each_rule_catches_what_it_exists_for(rule, name, schema):
    assert rule(name, schema)


def test_the_strict_rewrite_check_sees_optional_arguments_made_nullable():
    schema = {"type": "object", "properties": {"a": {"type": "string", "description": "x"}}}
    assert openai_strict_objects_are_closed_and_fully_required("T", schema) == []
    assert to_strict_json_schema(schema).schema["properties"]["a"]["type"] == ["string", "null"]
