"""Blocks (a page's content), comments and users."""

from __future__ import annotations

from typing import Any

from .kit import Call, Notion, NotionError, invalid, not_found
from .render import block_json, bot_json, comment_json, user_json
from .state import Block, Comment, new_id, now

TEXT_BLOCKS = {
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "quote",
    "callout",
    "toggle",
    "code",
}


def new_children(call: Call, parent: dict[str, Any], children: Any) -> list[str]:
    """Blocks from a `children` array (at most 100), stored and returned as IDs."""
    if not isinstance(children, list) or len(children) > 100:
        raise invalid("body.children should be an array of at most 100 blocks.")
    ids = []
    for number, spec in enumerate(children):
        kind = spec.get("type") if isinstance(spec, dict) else None
        kind = (
            kind or next((k for k in (spec or {}) if k in TEXT_BLOCKS), None)
            if isinstance(spec, dict)
            else None
        )
        if kind not in TEXT_BLOCKS or not isinstance(spec.get(kind), dict):
            raise invalid(f"body.children[{number}] should be a block of a supported type, e.g. paragraph.")
        content = dict(spec[kind])
        if not isinstance(content.get("rich_text"), list):
            raise invalid(
                f"body.children[{number}].{kind}.rich_text should be defined, instead was `undefined`."
            )
        content["rich_text"] = [
            {**p, "plain_text": (p.get("text") or {}).get("content", "")} for p in content["rich_text"]
        ]
        content.setdefault("color", "default")
        if kind == "to_do":
            content.setdefault("checked", False)
        block = call.state.add_block(parent, kind, content, call.user.id)
        ids.append(block.id)
    return ids


def _container(call: Call, block_id: str) -> tuple[Any, list[str]]:
    page = call.state.pages.get(block_id)
    if page is not None:
        return page, page.children
    block = call.state.blocks.get(block_id)
    if block is None or block.in_trash:
        raise not_found("block", block_id)
    return block, block.children


def _block(call: Call) -> Block:
    block = call.state.blocks.get(call.params["block_id"])
    if block is None:
        raise not_found("block", call.params["block_id"])
    return block


def get_children(call: Call) -> dict:
    _owner, children = _container(call, call.params["block_id"])
    live = [block_json(call.state.blocks[b]) for b in children if not call.state.blocks[b].in_trash]
    return call.page_of(live, "block", source=dict(call.request.query_params))


def append_children(call: Call) -> dict:
    block_id = call.params["block_id"]
    owner, children = _container(call, block_id)
    kind = "page_id" if block_id in call.state.pages else "block_id"
    added = new_children(call, {"type": kind, kind: block_id}, call.body.get("children"))
    after = call.body.get("after")
    position = children.index(after) + 1 if after in children else len(children)
    children[position:position] = added
    owner.last_edited_time = now()
    return call.page_of([block_json(call.state.blocks[b]) for b in added], "block", source={})


def get_block(call: Call) -> dict:
    return block_json(_block(call))


def update_block(call: Call) -> dict:
    block = _block(call)
    if block.in_trash and call.body.get("in_trash", call.body.get("archived")) is not False:
        raise invalid("Can't edit block that is archived. You must unarchive the block before editing.")
    for key, value in call.body.items():
        if key in ("archived", "in_trash"):
            block.in_trash = bool(value)
        elif key == block.type and isinstance(value, dict):
            if "rich_text" in value:
                value = {
                    **value,
                    "rich_text": [
                        {**p, "plain_text": (p.get("text") or {}).get("content", "")}
                        for p in value["rich_text"]
                    ],
                }
            block.content.update(value)
        elif key == "type":
            continue
        else:
            raise invalid(f"body.{key}: a {block.type} block cannot be updated with `{key}`.")
    block.last_edited_time = now()
    return block_json(block)


def delete_block(call: Call) -> dict:
    block = _block(call)
    block.in_trash = True
    return block_json(block)


def list_comments(call: Call) -> dict:
    block_id = call.query("block_id")
    if not block_id:
        raise invalid("block_id should be defined, instead was `undefined`.")
    _container(call, block_id)
    found = [
        comment_json(c)
        for c in call.state.comments.values()
        if block_id in (c.parent.get("page_id"), c.parent.get("block_id"))
    ]
    return call.page_of(found, "comment", source=dict(call.request.query_params))


def create_comment(call: Call) -> dict:
    rich = call.body.get("rich_text")
    if not isinstance(rich, list) or not rich:
        raise invalid("body.rich_text should be a non-empty array.")
    rich = [{**p, "plain_text": (p.get("text") or {}).get("content", "")} for p in rich]
    discussion = call.body.get("discussion_id")
    parent = call.body.get("parent") or {}
    if discussion:
        first = next((c for c in call.state.comments.values() if c.discussion_id == discussion), None)
        if first is None:
            raise not_found("discussion", discussion)
        parent = first.parent
    elif parent.get("page_id"):
        if parent["page_id"] not in call.state.pages:
            raise not_found("page", parent["page_id"])
        parent, discussion = {"type": "page_id", "page_id": parent["page_id"]}, new_id()
    else:
        raise invalid("body.parent.page_id or body.discussion_id should be defined.")
    comment = Comment(new_id(), parent, discussion, rich, call.user.id)
    call.state.comments[comment.id] = comment
    return comment_json(comment)


def list_users(call: Call) -> dict:
    return call.page_of(
        [user_json(u) for u in call.state.users.values()], "user", source=dict(call.request.query_params)
    )


def get_user(call: Call) -> dict:
    user = call.state.users.get(call.params["user_id"])
    if user is None:
        raise not_found("user", call.params["user_id"])
    return user_json(user)


def get_self(call: Call) -> dict:
    return bot_json()


def routes(notion: Notion) -> list:
    return [
        notion.route("GET", "/v1/blocks/{block_id}/children", get_children),
        notion.route("PATCH", "/v1/blocks/{block_id}/children", append_children),
        notion.route("GET", "/v1/blocks/{block_id}", get_block),
        notion.route("PATCH", "/v1/blocks/{block_id}", update_block),
        notion.route("DELETE", "/v1/blocks/{block_id}", delete_block),
        notion.route("GET", "/v1/comments", list_comments),
        notion.route("POST", "/v1/comments", create_comment),
        notion.route("GET", "/v1/users/me", get_self),
        notion.route("GET", "/v1/users", list_users),
        notion.route("GET", "/v1/users/{user_id}", get_user),
    ]


__all__ = ["NotionError", "new_children", "routes"]
