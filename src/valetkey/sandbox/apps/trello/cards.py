"""Trello card, list, checklist, label, member and search routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.routing import Route

from .boards import CARD_FILTERS, LIST_FILTERS, actions_matching, board_ref
from .kit import (
    Call,
    Trello,
    TrelloError,
    action_json,
    board_json,
    card_json,
    checklist_json,
    denied,
    invalid,
    label_json,
    list_json,
    member_json,
    not_found,
    pick,
    window,
)
from .state import ALL_COLORS, Card, CheckItem, Checklist, TrelloList, add_card, add_list, is_id, new_id, now

DELETED: dict[str, Any] = {"limits": {}}


def card_ref(card: Card) -> dict[str, Any]:
    return {"id": card.id, "name": card.name, "idShort": card.idShort, "shortLink": card.shortLink}


def card_context(call: Call, card: Card) -> dict[str, Any]:
    item = call.state.lists[card.idList]
    return {
        "card": card_ref(card),
        "board": board_ref(call.state.boards[card.idBoard]),
        "list": {"id": item.id, "name": item.name},
    }


def next_pos(siblings: list[float]) -> float:
    return max(siblings, default=0) + 16384.0


def card_positions(call: Call, list_id: str, exclude: str | None = None) -> list[float]:
    return [c.pos for c in call.state.cards.values() if c.idList == list_id and c.id != exclude]


def check_due(call: Call) -> str | None:
    due = call.get("due")
    if due in (None, "null", ""):
        return None
    try:
        dt.datetime.fromisoformat(str(due).replace("Z", "+00:00"))
    except ValueError:
        raise invalid("due") from None
    return str(due)


def board_labels_ids(call: Call, board_id: str, ids: list[str]) -> list[str]:
    for label_id in ids:
        label = call.state.labels.get(label_id)
        if label is None or label.idBoard != board_id:
            raise invalid("idLabels")
    return ids


def board_member_ids(call: Call, board_id: str, ids: list[str], field: str = "idMembers") -> list[str]:
    board = call.state.boards[board_id]
    for member_id in ids:
        if board.membership_of(member_id) is None:
            raise invalid(field)
    return ids


# -- cards ------------------------------------------------------------------------------------------


def create_card(call: Call) -> dict[str, Any]:
    list_id = call.get("idList")
    if not isinstance(list_id, str) or not is_id(list_id):
        raise invalid("idList")
    item = call.state.lists.get(list_id)
    if item is None:
        raise invalid("idList")
    call.check_board(call.state.boards[item.idBoard], write=True)
    name = call.text("name") or ""
    desc = call.text("desc") or ""
    source = call.get("idCardSource")
    if source is not None:
        original = call.card(str(source))
        name, desc = name or original.name, desc or original.desc
    pos = call.position("pos", card_positions(call, item.id))
    card = add_card(
        call.state,
        item,
        name,
        pos if pos is not None else next_pos(card_positions(call, item.id)),
        desc=desc,
        due=check_due(call),
        idMembers=board_member_ids(call, item.idBoard, call.ids("idMembers") or []),
        idLabels=board_labels_ids(call, item.idBoard, call.ids("idLabels") or []),
    )
    call.record("createCard", card_context(call, card))
    return card_json(call.state, card)


def get_card(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"))
    out = pick(card_json(call.state, card), call.get("fields"))
    if call.choice("checklists", ("all", "none"), "none") == "all":
        out["checklists"] = [checklist_json(c) for c in call.state.checklists.values() if c.idCard == card.id]
    if call.flag("members"):
        out["members"] = [member_json(call.state, call.state.members[m]) for m in card.idMembers]
    if call.flag("board"):
        out["board"] = pick(board_json(call.state.boards[card.idBoard]), call.get("board_fields"))
    if call.flag("list"):
        out["list"] = list_json(call.state.lists[card.idList])
    if call.get("actions") is not None:
        out["actions"] = actions_matching(
            Call(call.request, call.state, call.member, call.token, {"filter": call.get("actions")}),
            lambda a: a.data.get("card", {}).get("id") == card.id,
            "all",
        )
    return out


def update_card(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"), write=True)
    old: dict[str, Any] = {}
    if (name := call.text("name")) is not None:
        if not name.strip():
            raise invalid("name")
        old["name"], card.name = card.name, name
    if (desc := call.text("desc")) is not None:
        old["desc"], card.desc = card.desc, desc
    if (closed := call.flag("closed")) is not None:
        old["closed"], card.closed = card.closed, closed
    if (subscribed := call.flag("subscribed")) is not None:
        card.subscribed = subscribed
    if "due" in call.args:
        old["due"], card.due = card.due, check_due(call)
    target_board = call.get("idBoard")
    if target_board is not None and target_board != card.idBoard:
        board = call.board(str(target_board), write=True)
        if call.get("idList") is None:
            raise invalid("idList")
        old["idBoard"], card.idBoard = card.idBoard, board.id
        card.idLabels, card.idMembers = [], [m for m in card.idMembers if board.membership_of(m)]
    if (list_id := call.get("idList")) is not None:
        item = call.state.lists.get(str(list_id)) if is_id(str(list_id)) else None
        if item is None or item.idBoard != card.idBoard:
            raise invalid("idList")
        if item.id != card.idList:
            old["idList"], card.idList = card.idList, item.id
            card.pos = next_pos(card_positions(call, item.id, card.id))
    if (pos := call.position("pos", card_positions(call, card.idList, card.id))) is not None:
        card.pos = pos
    if (members := call.ids("idMembers")) is not None:
        card.idMembers = board_member_ids(call, card.idBoard, members)
    if (labels := call.ids("idLabels")) is not None:
        card.idLabels = board_labels_ids(call, card.idBoard, labels)
    card.dateLastActivity = now()
    call.record("updateCard", {**card_context(call, card), "old": old})
    return card_json(call.state, card)


def delete_card(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"), write=True)
    context = card_context(call, card)
    del call.state.cards[card.id]
    for checklist in [c for c in call.state.checklists.values() if c.idCard == card.id]:
        del call.state.checklists[checklist.id]
    call.record("deleteCard", {"board": context["board"], "list": context["list"], "card": {"id": card.id}})
    return DELETED


def card_actions(call: Call) -> list[dict[str, Any]]:
    card = call.card(call.path("idCard"))
    return actions_matching(
        call, lambda a: a.data.get("card", {}).get("id") == card.id, "commentCard,updateCard:idList"
    )


def add_comment(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"))
    board = call.state.boards[card.idBoard]
    membership = board.membership_of(call.member.id)
    if board.prefs["comments"] == "disabled" or membership is None or "write" not in call.token.scopes:
        raise denied()
    text = call.text("text", required=True) or ""
    action = call.record("commentCard", {"text": text, **card_context(call, card)})
    card.dateLastActivity = action.date
    return action_json(call.state, action)


def comment_of(call: Call) -> Any:
    card = call.card(call.path("idCard"))
    action = call.state.actions.get(call.path("idAction"))
    if action is None or action.type != "commentCard" or action.data.get("card", {}).get("id") != card.id:
        raise not_found()
    if action.idMemberCreator != call.member.id:
        raise denied()
    return action


def update_comment(call: Call) -> dict[str, Any]:
    action = comment_of(call)
    action.data = {**action.data, "text": call.text("text", required=True), "dateLastEdited": now()}
    return action_json(call.state, action)


def delete_comment(call: Call) -> dict[str, Any]:
    action = comment_of(call)
    del call.state.actions[action.id]
    return DELETED


def add_card_label(call: Call) -> list[str]:
    card = call.card(call.path("idCard"), write=True)
    label_id = call.text("value", required=True) or ""
    if not is_id(label_id):
        raise invalid("value")
    board_labels_ids(call, card.idBoard, [label_id])
    if label_id in card.idLabels:
        raise TrelloError(400, "that label is already on the card")
    card.idLabels.append(label_id)
    return list(card.idLabels)


def remove_card_label(call: Call) -> list[str]:
    card = call.card(call.path("idCard"), write=True)
    label_id = call.path("idLabel")
    if label_id not in card.idLabels:
        raise not_found()
    card.idLabels.remove(label_id)
    return list(card.idLabels)


def add_card_member(call: Call) -> list[dict[str, Any]]:
    card = call.card(call.path("idCard"), write=True)
    member = call.other_member(call.text("value", required=True) or "")
    board_member_ids(call, card.idBoard, [member.id], "value")
    if member.id in card.idMembers:
        raise TrelloError(400, "member is already on the card")
    card.idMembers.append(member.id)
    call.record("addMemberToCard", {**card_context(call, card), "idMember": member.id})
    return [member_json(call.state, call.state.members[m]) for m in card.idMembers]


def remove_card_member(call: Call) -> list[dict[str, Any]]:
    card = call.card(call.path("idCard"), write=True)
    member = call.other_member(call.path("idMember"))
    if member.id not in card.idMembers:
        raise not_found()
    card.idMembers.remove(member.id)
    call.record("removeMemberFromCard", {**card_context(call, card), "idMember": member.id})
    return [member_json(call.state, call.state.members[m]) for m in card.idMembers]


def card_checklists(call: Call) -> list[dict[str, Any]]:
    card = call.card(call.path("idCard"))
    found = [c for c in call.state.checklists.values() if c.idCard == card.id]
    return [pick(checklist_json(c), call.get("fields")) for c in sorted(found, key=lambda c: c.pos)]


def add_card_checklist(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"), write=True)
    source_id = call.get("idChecklistSource")
    source = call.checklist(str(source_id)) if source_id is not None else None
    name = call.text("name") or (source.name if source else "Checklist")
    siblings = [c.pos for c in call.state.checklists.values() if c.idCard == card.id]
    checklist = Checklist(new_id(), card.idBoard, card.id, name, next_pos(siblings))
    if source is not None:
        checklist.checkItems = [CheckItem(new_id(), i.name, i.pos) for i in source.checkItems]
    call.state.checklists[checklist.id] = checklist
    call.record(
        "addChecklistToCard", {**card_context(call, card), "checklist": {"id": checklist.id, "name": name}}
    )
    return checklist_json(checklist)


def set_check_item_state(call: Call) -> dict[str, Any]:
    card = call.card(call.path("idCard"), write=True)
    checklist = call.checklist(call.path("idChecklist"))
    if checklist.idCard != card.id:
        raise not_found()
    item = next((i for i in checklist.checkItems if i.id == call.path("idCheckItem")), None)
    if item is None:
        raise not_found()
    value = call.get("value")
    states = {"complete": "complete", "true": "complete", True: "complete", "incomplete": "incomplete"}
    states.update({"false": "incomplete", False: "incomplete"})
    if value not in states:
        raise invalid("value")
    item.state = states[value]
    call.record(
        "updateCheckItemStateOnCard",
        {**card_context(call, card), "checkItem": {"id": item.id, "name": item.name, "state": item.state}},
    )
    return {
        "id": item.id,
        "name": item.name,
        "state": item.state,
        "pos": item.pos,
        "idChecklist": checklist.id,
    }


# -- lists ------------------------------------------------------------------------------------------


def create_list(call: Call) -> dict[str, Any]:
    board_id = call.get("idBoard")
    if not isinstance(board_id, str) or not is_id(board_id) or board_id not in call.state.boards:
        raise invalid("idBoard")
    board = call.board(board_id, write=True)
    name = call.text("name", required=True) or ""
    siblings = [i.pos for i in call.state.lists.values() if i.idBoard == board.id]
    pos = call.position("pos", siblings)
    item = add_list(call.state, board, name, pos if pos is not None else next_pos(siblings))
    source_id = call.get("idListSource")
    if source_id is not None:
        for card in [c for c in call.state.cards.values() if c.idList == call.list(str(source_id)).id]:
            add_card(call.state, item, card.name, card.pos, desc=card.desc)
    call.record("createList", {"board": board_ref(board), "list": {"id": item.id, "name": item.name}})
    return list_json(item)


def get_list(call: Call) -> dict[str, Any]:
    item = call.list(call.path("idList"))
    out = pick(list_json(item), call.get("fields"))
    cards = call.choice("cards", ("all", "closed", "none", "open"), "none")
    if cards != "none":
        out["cards"] = [
            pick(card_json(call.state, c), call.get("card_fields"))
            for c in list_cards_sorted(call, item)
            if cards == "all" or c.closed == (cards == "closed")
        ]
    if call.flag("board"):
        out["board"] = pick(board_json(call.state.boards[item.idBoard]), call.get("board_fields"))
    return out


def list_cards_sorted(call: Call, item: TrelloList) -> list[Card]:
    return sorted((c for c in call.state.cards.values() if c.idList == item.id), key=lambda c: c.pos)


def update_list(call: Call) -> dict[str, Any]:
    item = call.list(call.path("idList"), write=True)
    if (name := call.text("name")) is not None:
        if not name.strip():
            raise invalid("name")
        item.name = name
    if (closed := call.flag("closed")) is not None:
        item.closed = closed
    if (subscribed := call.flag("subscribed")) is not None:
        item.subscribed = subscribed
    if (board_id := call.get("idBoard")) is not None and board_id != item.idBoard:
        board = call.board(str(board_id), write=True)
        item.idBoard = board.id
        for card in list_cards_sorted(call, item):
            card.idBoard, card.idLabels = board.id, []
    siblings = [i.pos for i in call.state.lists.values() if i.idBoard == item.idBoard and i.id != item.id]
    if (pos := call.position("pos", siblings)) is not None:
        item.pos = pos
    call.record("updateList", {"board": board_ref(call.state.boards[item.idBoard]), "list": list_json(item)})
    return list_json(item)


def list_cards(call: Call) -> list[dict[str, Any]]:
    item = call.list(call.path("idList"))
    filter_ = call.choice("filter", CARD_FILTERS, "open")
    cards = list_cards_sorted(call, item)
    if filter_ == "none":
        cards = []
    elif filter_ in ("open", "visible"):
        cards = [c for c in cards if not c.closed]
    elif filter_ == "closed":
        cards = [c for c in cards if c.closed]
    return [
        pick(card_json(call.state, c), call.get("fields")) for c in window(call, cards, default_limit=None)
    ]


# -- checklists and labels --------------------------------------------------------------------------


def get_checklist(call: Call) -> dict[str, Any]:
    checklist = call.checklist(call.path("idChecklist"))
    out = pick(checklist_json(checklist), call.get("fields"))
    if call.choice("checkItems", ("all", "none"), "all") == "none":
        out.pop("checkItems", None)
    return out


def add_check_item(call: Call) -> dict[str, Any]:
    checklist = call.checklist(call.path("idChecklist"), write=True)
    name = call.text("name", required=True) or ""
    pos = call.position("pos", [i.pos for i in checklist.checkItems])
    item = CheckItem(
        new_id(), name, pos if pos is not None else next_pos([i.pos for i in checklist.checkItems])
    )
    if call.flag("checked"):
        item.state = "complete"
    checklist.checkItems.append(item)
    return {
        "id": item.id,
        "name": item.name,
        "state": item.state,
        "pos": item.pos,
        "idChecklist": checklist.id,
    }


def delete_checklist(call: Call) -> dict[str, Any]:
    checklist = call.checklist(call.path("idChecklist"), write=True)
    del call.state.checklists[checklist.id]
    return DELETED


def update_label(call: Call) -> dict[str, Any]:
    label = call.label(call.path("idLabel"), write=True)
    if (name := call.text("name")) is not None:
        label.name = name
    if "color" in call.args:
        color = call.get("color")
        if color in (None, "null", ""):
            label.color = None
        elif color not in ALL_COLORS:
            raise invalid("color")
        else:
            label.color = str(color)
    return label_json(label)


def delete_label(call: Call) -> dict[str, Any]:
    label = call.label(call.path("idLabel"), write=True)
    del call.state.labels[label.id]
    for card in call.state.cards.values():
        if label.id in card.idLabels:
            card.idLabels.remove(label.id)
    return DELETED


# -- members and search -----------------------------------------------------------------------------


def get_member(call: Call) -> dict[str, Any]:
    member = call.other_member(call.path("idMember"))
    return pick(member_json(call.state, member, self_view=member.id == call.member.id), call.get("fields"))


def member_boards(call: Call) -> list[dict[str, Any]]:
    member = call.other_member(call.path("idMember"))
    filter_ = call.choice(
        "filter", ("all", "closed", "members", "open", "organization", "public", "pinned", "starred"), "all"
    )
    boards = [b for b in call.state.boards.values() if b.membership_of(member.id)]
    if member.id != call.member.id:  # another member's boards: only those the caller may see too
        boards = [
            b for b in boards if b.membership_of(call.member.id) or b.prefs["permissionLevel"] == "public"
        ]
    if filter_ in ("open", "closed"):
        boards = [b for b in boards if b.closed == (filter_ == "closed")]
    elif filter_ == "starred":
        boards = [b for b in boards if b.id in member.starred.values()]
    elif filter_ == "public":
        boards = [b for b in boards if b.prefs["permissionLevel"] == "public"]
    elif filter_ == "pinned":
        boards = [b for b in boards if b.pinned]
    elif filter_ == "organization":
        boards = [b for b in boards if b.idOrganization]
    out = []
    for board in boards:
        rendered = pick(board_json(board), call.get("fields"))
        if call.choice("lists", LIST_FILTERS, "none") != "none":
            wanted = call.get("lists")
            rendered["lists"] = [
                list_json(i)
                for i in sorted(call.state.lists.values(), key=lambda i: i.pos)
                if i.idBoard == board.id and (wanted == "all" or i.closed == (wanted == "closed"))
            ]
        out.append(rendered)
    return out


def search(call: Call) -> dict[str, Any]:
    query = call.text("query", required=True, max_length=16384) or ""
    terms = [t.lower() for t in query.split() if t.strip()]
    partial = bool(call.flag("partial"))
    model_types = str(call.get("modelTypes", "all"))
    kinds = (
        {"actions", "boards", "cards", "members", "organizations"}
        if model_types == "all"
        else set(model_types.split(","))
    )
    if not kinds <= {"actions", "boards", "cards", "members", "organizations"}:
        raise invalid("modelTypes")
    visible = [b for b in call.state.boards.values() if b.membership_of(call.member.id)]
    wanted_boards = call.get("idBoards", "mine")
    if wanted_boards != "mine":
        ids = call.ids("idBoards") or []
        visible = [call.board(i) for i in ids]
    if (orgs := call.get("idOrganizations")) is not None:
        wanted_orgs = {o.strip() for o in str(orgs).split(",") if o.strip()}
        visible = [b for b in visible if b.idOrganization in wanted_orgs]
    board_ids = {b.id for b in visible}

    def matches(*texts: str) -> bool:
        words = " ".join(texts).lower().split()
        return all(
            any(w == t or (partial and w.startswith(t)) or (len(t) > 2 and t in w) for w in words)
            for t in terms
        )

    out: dict[str, Any] = {
        "options": {"terms": [{"text": t} for t in terms], "modelTypes": sorted(kinds), "partial": partial}
    }
    if "boards" in kinds:
        limit = call.integer("boards_limit", 10, 1000)
        out["boards"] = [
            pick(board_json(b), call.get("board_fields")) for b in visible if matches(b.name, b.desc)
        ][:limit]
    if "cards" in kinds:
        limit, page = call.integer("cards_limit", 10, 1000), call.integer("cards_page", 0, 100)
        cards = [c for c in call.state.cards.values() if c.idBoard in board_ids and matches(c.name, c.desc)]
        cards.sort(key=lambda c: c.dateLastActivity, reverse=True)
        out["cards"] = [
            pick(card_json(call.state, c), call.get("card_fields"))
            for c in cards[page * limit : page * limit + limit]
        ]
    if "members" in kinds:
        limit = call.integer("members_limit", 8, 1000)
        seen = {m.idMember for b in visible for m in b.memberships}
        out["members"] = [
            member_json(call.state, call.state.members[m])
            for m in sorted(seen)
            if matches(call.state.members[m].fullName, call.state.members[m].username)
        ][:limit]
    if "actions" in kinds:
        out["actions"] = [
            action_json(call.state, a)
            for a in call.state.actions.values()
            if a.type == "commentCard"
            and a.data.get("board", {}).get("id") in board_ids
            and matches(a.data.get("text", ""))
        ][:10]
    if "organizations" in kinds:
        out["organizations"] = []
    return out


def routes(trello: Trello) -> list[Route]:
    r = trello.route
    return [
        r("POST", "/cards", create_card, write=True),
        r("GET", "/cards/{idCard}", get_card),
        r("PUT", "/cards/{idCard}", update_card, write=True),
        r("DELETE", "/cards/{idCard}", delete_card, write=True),
        r("GET", "/cards/{idCard}/actions", card_actions),
        r("POST", "/cards/{idCard}/actions/comments", add_comment),
        r("PUT", "/cards/{idCard}/actions/{idAction}/comments", update_comment, write=True),
        r("DELETE", "/cards/{idCard}/actions/{idAction}/comments", delete_comment, write=True),
        r("POST", "/cards/{idCard}/idLabels", add_card_label, write=True),
        r("DELETE", "/cards/{idCard}/idLabels/{idLabel}", remove_card_label, write=True),
        r("POST", "/cards/{idCard}/idMembers", add_card_member, write=True),
        r("DELETE", "/cards/{idCard}/idMembers/{idMember}", remove_card_member, write=True),
        r("GET", "/cards/{idCard}/checklists", card_checklists),
        r("POST", "/cards/{idCard}/checklists", add_card_checklist, write=True),
        r(
            "PUT",
            "/cards/{idCard}/checklist/{idChecklist}/checkItem/{idCheckItem}/state",
            set_check_item_state,
            write=True,
        ),
        r("POST", "/lists", create_list, write=True),
        r("GET", "/lists/{idList}", get_list),
        r("PUT", "/lists/{idList}", update_list, write=True),
        r("GET", "/lists/{idList}/cards", list_cards),
        r("GET", "/checklists/{idChecklist}", get_checklist),
        r("POST", "/checklists/{idChecklist}/checkItems", add_check_item, write=True),
        r("DELETE", "/checklists/{idChecklist}", delete_checklist, write=True),
        r("PUT", "/labels/{idLabel}", update_label, write=True),
        r("DELETE", "/labels/{idLabel}", delete_label, write=True),
        r("GET", "/members/{idMember}", get_member),
        r("GET", "/members/{idMember}/boards", member_boards),
        r("GET", "/search", search),
    ]
