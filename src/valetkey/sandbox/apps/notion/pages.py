"""Search, pages, page properties, databases and data sources (API version 2025-09-03)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .blocks import new_children
from .kit import Call, Notion, invalid, not_found
from .render import data_source_json, database_json, page_json
from .state import Database, DataSource, Page, new_id, now, plain
from .values import checked_value, matches


def _page(call: Call, page_id: str) -> Page:
    page = call.state.pages.get(page_id)
    if page is None:
        raise not_found("page", page_id)
    return page


def _source(call: Call, source_id: str) -> DataSource:
    source = call.state.data_sources.get(source_id)
    if source is None:
        raise not_found("data_source", source_id)
    return source


def _properties(call: Call, page: Page, given: Any) -> None:
    if not isinstance(given, dict):
        raise invalid("body.properties should be an object.")
    source_id = page.parent.get("data_source_id")
    for name, value in given.items():
        if source_id:
            schema = call.state.data_sources[source_id].properties
            key = next((n for n, s in schema.items() if name in (n, s["id"])), None)
            page.properties[key or name] = checked_value(
                name, schema.get(key) if key is not None else None, value
            )
        elif name != "title" or not isinstance(value, dict) or "title" not in value:
            raise invalid("Pages whose parent is a page can only have a `title` property.")
        else:
            page.properties["title"] = checked_value(name, {"id": "title", "type": "title"}, value)


def search(call: Call) -> dict:
    query = str(call.body.get("query") or "").lower()
    wanted = (call.body.get("filter") or {}).get("value")
    if wanted not in (None, "page", "data_source"):
        raise invalid("body.filter.value should be `page` or `data_source`.")
    results = []
    if wanted in (None, "page"):
        results += [
            (p.last_edited_time, page_json(p))
            for p in call.state.pages.values()
            if not p.in_trash and query in p.title.lower()
        ]
    if wanted in (None, "data_source"):
        results += [
            (s.last_edited_time, data_source_json(s))
            for s in call.state.data_sources.values()
            if query in s.title.lower()
        ]
    ascending = (call.body.get("sort") or {}).get("direction") == "ascending"
    results.sort(key=lambda r: r[0], reverse=not ascending)
    return call.page_of([r[1] for r in results], "page_or_data_source")


def create_page(call: Call) -> dict:
    parent = call.body.get("parent")
    if not isinstance(parent, dict):
        raise invalid("body.parent should be an object.")
    if parent.get("page_id"):
        _page(call, parent["page_id"])
        parent = {"type": "page_id", "page_id": parent["page_id"]}
    elif parent.get("data_source_id") or parent.get("database_id"):
        source_id = parent.get("data_source_id")
        if not source_id:
            database = call.state.databases.get(parent["database_id"])
            if database is None:
                raise not_found("database", parent["database_id"])
            source_id = database.data_sources[0]
        source = _source(call, source_id)
        parent = {"type": "data_source_id", "data_source_id": source.id, "database_id": source.database_id}
    else:
        raise invalid("body.parent.page_id or body.parent.data_source_id should be defined.")
    page = Page(new_id(), parent, {}, call.user.id, icon=call.body.get("icon"))
    _properties(call, page, call.body.get("properties") or {})
    if "data_source_id" in parent:  # every schema property has a value, empty by default
        for name, schema in call.state.data_sources[parent["data_source_id"]].properties.items():
            page.properties.setdefault(
                name,
                {
                    "id": schema["id"],
                    "type": schema["type"],
                    schema["type"]: []
                    if schema["type"] in ("title", "rich_text", "multi_select")
                    else False
                    if schema["type"] == "checkbox"
                    else None,
                },
            )
    page.children = new_children(
        call, {"type": "page_id", "page_id": page.id}, call.body.get("children") or []
    )
    call.state.pages[page.id] = page
    return page_json(page)


def get_page(call: Call) -> dict:
    return page_json(_page(call, call.params["page_id"]))


def update_page(call: Call) -> dict:
    page = _page(call, call.params["page_id"])
    if page.in_trash and call.body.get("in_trash", call.body.get("archived")) is not False:
        raise invalid("Can't edit block that is archived. You must unarchive the block before editing.")
    if "properties" in call.body:
        _properties(call, page, call.body["properties"])
    for flag in ("in_trash", "archived"):
        if flag in call.body:
            if not isinstance(call.body[flag], bool):
                raise invalid(f"body.{flag} should be a boolean.")
            page.in_trash = call.body[flag]
    if "icon" in call.body:
        page.icon = call.body["icon"]
    page.last_edited_time = now()
    return page_json(page)


def get_page_property(call: Call) -> dict:
    page = _page(call, call.params["page_id"])
    wanted = unquote(call.params["property_id"])
    value = next((v for n, v in page.properties.items() if wanted in (n, unquote(v.get("id", "")))), None)
    if value is None:
        raise not_found("property", wanted)
    if value["type"] in ("title", "rich_text"):
        items = [
            {"object": "property_item", "id": value["id"], "type": value["type"], value["type"]: part}
            for part in value[value["type"]]
        ]
        for number, item in enumerate(items):
            item["id"] = f"{value['id']}-{number}" if number else value["id"]
        listing = call.page_of(items, "property_item", source=dict(call.request.query_params))
        listing["property_item"] = {"id": value["id"], "type": value["type"], value["type"]: {}}
        return listing
    return {"object": "property_item", **value}


def get_database(call: Call) -> dict:
    database = call.state.databases.get(call.params["database_id"])
    if database is None:
        raise not_found("database", call.params["database_id"])
    return database_json(call.state, database)


def create_database(call: Call) -> dict:
    parent = call.body.get("parent") or {}
    _page(call, parent.get("page_id") or "")
    initial = call.body.get("initial_data_source") or {}
    schema = initial.get("properties") or {}
    if (
        not isinstance(schema, dict)
        or sum(1 for s in schema.values() if isinstance(s, dict) and "title" in s) != 1
    ):
        raise invalid("body.initial_data_source.properties should have exactly one title property.")
    title = plain(call.body.get("title")) or "Untitled"
    database = Database(new_id(), {"type": "page_id", "page_id": parent["page_id"]}, title, [], call.user.id)
    properties = {}
    for name, spec in schema.items():
        kind = next(iter(spec))
        config = spec[kind] or {}
        if kind in ("select", "multi_select", "status"):
            config = {
                "options": [
                    {"id": new_id()[:4], "name": o["name"], "color": o.get("color", "default")}
                    for o in config.get("options", [])
                ]
            }
        properties[name] = {
            "id": "title" if kind == "title" else new_id()[:8],
            "name": name,
            "type": kind,
            kind: config,
        }
    source = DataSource(new_id(), database.id, title, properties)
    database.data_sources.append(source.id)
    call.state.databases[database.id] = database
    call.state.data_sources[source.id] = source
    return database_json(call.state, database)


def get_data_source(call: Call) -> dict:
    return data_source_json(_source(call, call.params["data_source_id"]))


def _sort_key(prop: str | None, timestamp: str) -> Callable[[Page], Any]:
    """How one query sort orders pages: by a property's value as text, else by a timestamp attribute."""
    if prop:
        return lambda p: (str(p.properties[prop].get(p.properties[prop]["type"]) or ""),)
    return lambda p: getattr(p, timestamp)


TIMESTAMPS = ("created_time", "last_edited_time")
DATE_CONDITIONS = ("equals", "before", "after", "on_or_before", "on_or_after", "is_empty", "is_not_empty")
#: Relative date conditions (operand ``{}``): the window around now they stand for.
RELATIVE = {
    "past_week": (-7, 0),
    "past_month": (-30, 0),
    "past_year": (-365, 0),
    "next_week": (0, 7),
    "next_month": (0, 30),
    "next_year": (0, 365),
}


def _instant(text: Any, where: str) -> dt.datetime:
    """A filter's date operand: an ISO 8601 date or date-time (a date means its midnight UTC)."""
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{where} should be a valid ISO 8601 date string, instead was `{text!r}`.") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _timestamp_matches(filter_: dict[str, Any], page: Page) -> bool:
    """A timestamp filter: ``{"timestamp": "last_edited_time", "last_edited_time": {"after": ...}}``."""
    kind = filter_["timestamp"]
    if kind not in TIMESTAMPS:
        raise invalid(
            f"body.filter.timestamp should be `created_time` or `last_edited_time`, instead was `{kind}`."
        )
    condition = filter_.get(kind)
    if set(filter_) != {"timestamp", kind} or not isinstance(condition, dict) or len(condition) != 1:
        raise invalid(f"body.filter.{kind} should be a date condition with exactly one operator.")
    ((operator, operand),) = condition.items()
    if operator not in DATE_CONDITIONS and operator not in RELATIVE:
        raise invalid(f"body.filter.{kind}: unsupported condition `{operator}`.")
    value = _instant(getattr(page, kind), kind)
    if operator in RELATIVE:
        if operand != {}:
            raise invalid(f"body.filter.{kind}.{operator} should be an empty object.")
        low, high = RELATIVE[operator]
        current = dt.datetime.now(dt.UTC)
        return current + dt.timedelta(days=low) <= value <= current + dt.timedelta(days=high)
    if operator == "is_empty":
        return False
    if operator == "is_not_empty":
        return True
    bound = _instant(operand, f"body.filter.{kind}.{operator}")
    date_only = isinstance(operand, str) and "T" not in operand
    if operator == "equals":
        return value.date() == bound.date() if date_only else value == bound
    return {
        "before": value < bound,
        "after": value > bound,
        "on_or_before": value <= bound,
        "on_or_after": value >= bound,
    }[operator]


def row_matches(filter_: dict[str, Any], page: Page) -> bool:
    """A query filter over one row: compounds, timestamp filters, and property filters (`values.matches`)."""
    if "and" in filter_:
        return all(row_matches(f, page) for f in filter_["and"])
    if "or" in filter_:
        return any(row_matches(f, page) for f in filter_["or"])
    if "timestamp" in filter_:
        return _timestamp_matches(filter_, page)
    return matches(filter_, page.properties)


def query_data_source(call: Call) -> dict:
    source = _source(call, call.params["data_source_id"])
    rows = [
        p
        for p in call.state.pages.values()
        if p.parent.get("data_source_id") == source.id and p.in_trash == bool(call.body.get("in_trash"))
    ]
    if call.body.get("filter"):
        rows = [p for p in rows if row_matches(call.body["filter"], p)]
    for sort in reversed(call.body.get("sorts") or []):
        if sort.get("property") and sort["property"] not in source.properties:
            raise invalid(f"Could not find sort property with name or id: {sort['property']}")
        if not sort.get("property") and sort.get("timestamp") not in TIMESTAMPS:
            raise invalid("body.sorts[].timestamp should be `created_time` or `last_edited_time`.")
        if sort.get("direction", "ascending") not in ("ascending", "descending"):
            raise invalid("body.sorts[].direction should be `ascending` or `descending`.")
        rows.sort(
            key=_sort_key(sort.get("property"), sort.get("timestamp", "created_time")),
            reverse=sort.get("direction") == "descending",
        )
    if not call.body.get("sorts"):
        rows.sort(key=lambda p: p.created_time, reverse=True)
    return call.page_of([page_json(p) for p in rows], "page_or_data_source")


def routes(notion: Notion) -> list:
    return [
        notion.route("POST", "/v1/search", search),
        notion.route("POST", "/v1/pages", create_page),
        notion.route("GET", "/v1/pages/{page_id}", get_page),
        notion.route("PATCH", "/v1/pages/{page_id}", update_page),
        notion.route("GET", "/v1/pages/{page_id}/properties/{property_id}", get_page_property),
        notion.route("GET", "/v1/databases/{database_id}", get_database),
        notion.route("POST", "/v1/databases", create_database),
        notion.route("GET", "/v1/data_sources/{data_source_id}", get_data_source),
        notion.route("POST", "/v1/data_sources/{data_source_id}/query", query_data_source),
    ]
