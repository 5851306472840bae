"""Notion's JSON shapes for users, pages, databases, data sources, blocks and comments."""

from __future__ import annotations

from typing import Any

from .state import BOT_ID, WORKSPACE_NAME, Block, Comment, Database, DataSource, NotionState, Page, User, text


def url_of(title: str, object_id: str) -> str:
    slug = "-".join(title.split()) or "Untitled"
    return f"https://www.notion.so/{slug}-{object_id.replace('-', '')}"


def user_json(user: User) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "user",
        "id": user.id,
        "type": user.type,
        "name": user.name,
        "avatar_url": None,
    }
    if user.type == "person":
        body["person"] = {"email": user.email}
    else:
        body["bot"] = {"owner": {"type": "workspace", "workspace": True}, "workspace_name": WORKSPACE_NAME}
    return body


def partial_user(user_id: str) -> dict[str, str]:
    return {"object": "user", "id": user_id}


def page_json(page: Page) -> dict[str, Any]:
    return {
        "object": "page",
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "created_by": partial_user(page.created_by),
        "last_edited_by": partial_user(page.created_by),
        "cover": None,
        "icon": page.icon,
        "parent": page.parent,
        "archived": page.in_trash,
        "in_trash": page.in_trash,
        "properties": page.properties,
        "url": url_of(page.title, page.id),
        "public_url": None,
    }


def database_json(state: NotionState, database: Database) -> dict[str, Any]:
    return {
        "object": "database",
        "id": database.id,
        "title": text(database.title),
        "description": [],
        "parent": database.parent,
        "is_inline": False,
        "in_trash": database.in_trash,
        "created_time": database.created_time,
        "last_edited_time": database.last_edited_time,
        "data_sources": [{"id": s, "name": state.data_sources[s].title} for s in database.data_sources],
        "icon": None,
        "cover": None,
        "url": url_of(database.title, database.id),
    }


def data_source_json(source: DataSource) -> dict[str, Any]:
    return {
        "object": "data_source",
        "id": source.id,
        "title": text(source.title),
        "description": [],
        "parent": {"type": "database_id", "database_id": source.database_id},
        "database_parent": {"type": "workspace", "workspace": True},
        "properties": source.properties,
        "created_time": source.created_time,
        "last_edited_time": source.last_edited_time,
        "archived": False,
        "in_trash": False,
    }


def block_json(block: Block) -> dict[str, Any]:
    return {
        "object": "block",
        "id": block.id,
        "parent": block.parent,
        "type": block.type,
        block.type: block.content,
        "has_children": bool(block.children),
        "archived": block.in_trash,
        "in_trash": block.in_trash,
        "created_time": block.created_time,
        "last_edited_time": block.last_edited_time,
        "created_by": partial_user(block.created_by),
        "last_edited_by": partial_user(block.created_by),
    }


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "object": "comment",
        "id": comment.id,
        "parent": comment.parent,
        "discussion_id": comment.discussion_id,
        "rich_text": comment.rich_text,
        "created_time": comment.created_time,
        "last_edited_time": comment.created_time,
        "created_by": partial_user(comment.created_by),
    }


def bot_json() -> dict[str, Any]:
    return {
        "object": "user",
        "id": BOT_ID,
        "type": "bot",
        "name": "Valetkey Integration",
        "avatar_url": None,
        "bot": {"owner": {"type": "workspace", "workspace": True}, "workspace_name": WORKSPACE_NAME},
    }
