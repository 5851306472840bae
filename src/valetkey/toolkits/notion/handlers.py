"""Notion tools whose friendly inputs become Notion's nested JSON: pages, rows, blocks, comments, databases.

Notion's bodies are deep, free-form objects (a page's `properties` are keyed
by the database's own column names; blocks nest rich text). Function-calling
schemas cannot describe free-form objects, so these tools take flat inputs
(`properties: [{name, value}]`, `content` as lines of Markdown-like text) and
build the real request, reading the data source's schema first when a value's
shape depends on its column type. Every call goes through `context.request`
with the Notion-Version this toolkit pins.
"""

from __future__ import annotations

import json
import re
from typing import Any

from valetkey.execution.handlers import ToolContext, ToolError

VERSION = {"Notion-Version": "2025-09-03"}
LINE_BLOCKS = (
    ("### ", "heading_3"),
    ("## ", "heading_2"),
    ("# ", "heading_1"),
    ("- [ ] ", "to_do"),
    ("- [x] ", "to_do"),
    ("- ", "bulleted_list_item"),
    ("* ", "bulleted_list_item"),
    ("> ", "quote"),
)
NUMBERED = re.compile(r"^\d+[.)] ")


async def notion(context: ToolContext, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
    """One Notion call; a Notion error becomes a ToolError like "404 object_not_found: Could not find..."."""
    outcome = await context.request(method, path, headers=VERSION, json=body)
    response = outcome.response
    if response is None:
        raise ToolError(outcome.message)
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        data = {}
    if response.status_code >= 400:
        raise ToolError(
            f"{response.status_code} {data.get('code', 'error')}: {data.get('message', '')}".strip()
        )
    return data


def rich_text(text: str) -> list[dict[str, Any]]:
    """Notion caps one text object at 2000 characters: longer text is split."""
    return [
        {"type": "text", "text": {"content": text[i : i + 2000]}} for i in range(0, max(len(text), 1), 2000)
    ]


def blocks_from(content: str) -> list[dict[str, Any]]:
    """Lines to blocks: "# " headings, "- " bullets, "1. " numbers, "- [ ] "/"- [x] " to-dos, "> " quotes."""
    blocks = []
    for line in content.splitlines():
        if not line.strip():
            continue
        kind, text, extra = "paragraph", line, {}
        for prefix, block_type in LINE_BLOCKS:
            if line.startswith(prefix):
                kind, text = block_type, line[len(prefix) :]
                if block_type == "to_do":
                    extra = {"checked": prefix == "- [x] "}
                break
        else:
            if NUMBERED.match(line):
                kind, text = "numbered_list_item", NUMBERED.sub("", line, count=1)
        blocks.append({"object": "block", "type": kind, kind: {"rich_text": rich_text(text), **extra}})
    return blocks


def property_value(kind: str, name: str, value: str) -> dict[str, Any]:
    """A column value in Notion's shape for a column of type `kind`, from its text form."""
    if kind in ("title", "rich_text"):
        return {kind: rich_text(value)}
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            raise ToolError(f"Property {name!r} is a number; {value!r} is not one") from None
        return {"number": int(number) if number.is_integer() else number}
    if kind in ("select", "status"):
        return {kind: {"name": value} if value else None}
    if kind == "multi_select":
        return {"multi_select": [{"name": v.strip()} for v in value.split(",") if v.strip()]}
    if kind == "checkbox":
        return {"checkbox": value.strip().lower() in ("true", "yes", "1", "x", "checked")}
    if kind == "date":
        start, _, end = value.partition("/")
        return {"date": {"start": start.strip(), "end": end.strip() or None} if value else None}
    if kind in ("url", "email", "phone_number"):
        return {kind: value or None}
    if kind == "people":
        return {"people": [{"object": "user", "id": v.strip()} for v in value.split(",") if v.strip()]}
    if kind == "relation":
        return {"relation": [{"id": v.strip()} for v in value.split(",") if v.strip()]}
    raise ToolError(f"Property {name!r} has type {kind}, which this tool cannot set")


def properties_body(schema: dict[str, str], given: list[dict[str, str]]) -> dict[str, Any]:
    """`[{name, value}]` -> Notion `properties`, typed by `schema` (column name -> type)."""
    out = {}
    for item in given:
        name = item["name"]
        if name not in schema:
            raise ToolError(f"No property named {name!r}; the columns are: {', '.join(schema)}")
        out[name] = property_value(schema[name], name, item.get("value", ""))
    return out


async def _schema_of_parent(
    context: ToolContext, parent_type: str, parent_id: str
) -> tuple[dict, dict[str, str]]:
    if parent_type == "page_id":
        return {"page_id": parent_id}, {"title": "title"}
    if parent_type == "database_id":
        database = await notion(context, "GET", f"/databases/{parent_id}")
        if not database.get("data_sources"):
            raise ToolError("The database has no data source")
        parent_id = database["data_sources"][0]["id"]
    source = await notion(context, "GET", f"/data_sources/{parent_id}")
    return {"data_source_id": parent_id}, {n: p["type"] for n, p in source.get("properties", {}).items()}


async def create_page(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    parent, schema = await _schema_of_parent(
        context, arguments.get("parent_type", "page_id"), arguments["parent_id"]
    )
    title_column = next((n for n, kind in schema.items() if kind == "title"), "title")
    given = [{"name": title_column, "value": arguments["title"]}] + list(arguments.get("properties") or [])
    body: dict[str, Any] = {"parent": parent, "properties": properties_body(schema, given)}
    if arguments.get("content"):
        body["children"] = blocks_from(arguments["content"])[:100]
    if arguments.get("icon_emoji"):
        body["icon"] = {"type": "emoji", "emoji": arguments["icon_emoji"]}
    return await notion(context, "POST", "/pages", body)


async def update_page(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    page_id = arguments["page_id"]
    page = await notion(context, "GET", f"/pages/{page_id}")
    schema = {name: value["type"] for name, value in page.get("properties", {}).items()}
    given = list(arguments.get("properties") or [])
    if arguments.get("title"):
        given.insert(
            0,
            {
                "name": next((n for n, k in schema.items() if k == "title"), "title"),
                "value": arguments["title"],
            },
        )
    body: dict[str, Any] = {"properties": properties_body(schema, given)}
    if arguments.get("icon_emoji"):
        body["icon"] = {"type": "emoji", "emoji": arguments["icon_emoji"]}
    return await notion(context, "PATCH", f"/pages/{page_id}", body)


FILTER_KEYS = {
    "title": "title",
    "rich_text": "rich_text",
    "number": "number",
    "select": "select",
    "status": "status",
    "multi_select": "multi_select",
    "checkbox": "checkbox",
    "date": "date",
    "url": "url",
    "email": "email",
    "phone_number": "phone_number",
}


def _condition(kind: str, condition: str, value: str) -> dict[str, Any]:
    if condition in ("is_empty", "is_not_empty"):
        return {condition: True}
    if kind == "number":
        return {condition: property_value("number", "filter", value)["number"]}
    if kind == "checkbox":
        return {condition: property_value("checkbox", "filter", value)["checkbox"]}
    return {condition: value}


async def query_data_source(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    source_id = arguments["data_source_id"]
    body: dict[str, Any] = {}
    filters = arguments.get("filters") or []
    if filters:
        source = await notion(context, "GET", f"/data_sources/{source_id}")
        schema = {n: p["type"] for n, p in source.get("properties", {}).items()}
        parts = []
        for item in filters:
            kind = schema.get(item["property"])
            if kind not in FILTER_KEYS:
                raise ToolError(
                    f"Cannot filter on {item['property']!r}; the columns are: {', '.join(schema)}"
                )
            parts.append(
                {
                    "property": item["property"],
                    FILTER_KEYS[kind]: _condition(kind, item["condition"], item.get("value", "")),
                }
            )
        body["filter"] = (
            parts[0] if len(parts) == 1 else {"or" if arguments.get("match") == "any" else "and": parts}
        )
    if arguments.get("sorts"):
        body["sorts"] = [
            {"property": s["property"], "direction": s.get("direction", "ascending")}
            for s in arguments["sorts"]
        ]
    for name in ("start_cursor", "page_size"):
        if arguments.get(name) is not None:
            body[name] = arguments[name]
    return await notion(context, "POST", f"/data_sources/{source_id}/query", body)


async def append_block_children(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    children = blocks_from(arguments["content"])
    if not children:
        raise ToolError("`content` has no non-empty line to add")
    if len(children) > 100:
        raise ToolError("Notion appends at most 100 blocks at once; split `content`")
    body: dict[str, Any] = {"children": children}
    if arguments.get("after"):
        body["after"] = arguments["after"]
    return await notion(context, "PATCH", f"/blocks/{arguments['block_id']}/children", body)


async def update_block(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    block_id = arguments["block_id"]
    block = await notion(context, "GET", f"/blocks/{block_id}")
    kind = block.get("type", "")
    if "rich_text" not in (block.get(kind) or {}):
        raise ToolError(f"A {kind} block has no text to update")
    change: dict[str, Any] = {}
    if arguments.get("text") is not None:
        change["rich_text"] = rich_text(arguments["text"])
    if arguments.get("checked") is not None:
        if kind != "to_do":
            raise ToolError("`checked` applies to to_do blocks only")
        change["checked"] = arguments["checked"]
    if not change:
        raise ToolError("Pass `text` and/or `checked`")
    return await notion(context, "PATCH", f"/blocks/{block_id}", {kind: change})


async def create_comment(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    body: dict[str, Any] = {"rich_text": rich_text(arguments["text"])}
    if arguments.get("discussion_id"):
        body["discussion_id"] = arguments["discussion_id"]
    elif arguments.get("page_id"):
        body["parent"] = {"page_id": arguments["page_id"]}
    else:
        raise ToolError("Pass `page_id` for a new discussion or `discussion_id` to reply")
    return await notion(context, "POST", "/comments", body)


async def create_database(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for column in arguments.get("properties") or []:
        kind = column["type"]
        config: dict[str, Any] = {}
        if kind in ("select", "multi_select"):
            config = {
                "options": [
                    {"name": o.strip()} for o in (column.get("options") or "").split(",") if o.strip()
                ]
            }
        properties[column["name"]] = {kind: config}
    if not any("title" in spec for spec in properties.values()):
        properties = {"Name": {"title": {}}, **properties}
    body = {
        "parent": {"type": "page_id", "page_id": arguments["parent_page_id"]},
        "title": rich_text(arguments["title"]),
        "initial_data_source": {"properties": properties},
    }
    return await notion(context, "POST", "/databases", body)
