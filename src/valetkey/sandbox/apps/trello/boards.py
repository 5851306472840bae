"""Trello board routes: boards, their lists, cards, labels, checklists, members, memberships, actions."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.routing import Route

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
    membership_json,
    not_found,
    pick,
    window,
)
from .state import (
    ALL_COLORS,
    LABEL_COLORS,
    Board,
    Checklist,
    Label,
    Member,
    Membership,
    add_board,
    add_card,
    add_list,
    initials,
    new_id,
    now,
)

CARD_FILTERS = ("all", "closed", "none", "open", "visible")
LIST_FILTERS = ("all", "closed", "none", "open")
MEMBER_FILTERS = ("admins", "all", "none", "normal", "owners")
MEMBER_TYPES = ("admin", "normal", "observer")
#: Board settings a PUT /boards/{id} may change, by wire name.
BOARD_PREFS = {
    "prefs/permissionLevel": ("private", "org", "public"),
    "prefs/voting": ("disabled", "members", "observers", "org", "public"),
    "prefs/comments": ("disabled", "members", "observers", "org", "public"),
    "prefs/invitations": ("admins", "members"),
    "prefs/cardAging": ("pirate", "regular"),
    "prefs/background": ("blue", "orange", "green", "red", "purple", "pink", "lime", "sky", "grey"),
}
BOARD_FLAG_PREFS = ("prefs/selfJoin", "prefs/cardCovers", "prefs/calendarFeedEnabled")


def board_ref(board: Board) -> dict[str, Any]:
    return {"id": board.id, "name": board.name, "shortLink": board.id[-8:]}


def cards_of(call: Call, board: Board, filter_: str) -> list[dict[str, Any]]:
    state = call.state
    open_lists = {i.id for i in state.lists.values() if i.idBoard == board.id and not i.closed}
    cards = [c for c in state.cards.values() if c.idBoard == board.id]
    if filter_ == "none":
        cards = []
    elif filter_ == "open":
        cards = [c for c in cards if not c.closed]
    elif filter_ == "visible":
        cards = [c for c in cards if not c.closed and c.idList in open_lists]
    elif filter_ == "closed":
        cards = [c for c in cards if c.closed]
    list_pos = {i.id: i.pos for i in state.lists.values()}
    cards.sort(key=lambda c: (list_pos.get(c.idList, 0), c.pos))
    cards = window(call, cards, default_limit=None)
    return [pick(card_json(state, c), call.get("fields")) for c in cards]


def lists_of(call: Call, board: Board, filter_: str) -> list[dict[str, Any]]:
    items = sorted((i for i in call.state.lists.values() if i.idBoard == board.id), key=lambda i: i.pos)
    if filter_ == "none":
        items = []
    elif filter_ != "all":
        items = [i for i in items if i.closed == (filter_ == "closed")]
    cards = call.choice("cards", ("all", "closed", "none", "open"), "none")
    out = []
    for item in items:
        rendered = pick(list_json(item), call.get("fields"))
        if cards != "none":
            rendered["cards"] = [
                pick(card_json(call.state, c), call.get("card_fields"))
                for c in sorted(call.state.cards.values(), key=lambda c: c.pos)
                if c.idList == item.id and (cards == "all" or c.closed == (cards == "closed"))
            ]
        out.append(rendered)
    return out


def members_of(call: Call, board: Board, filter_: str) -> list[dict[str, Any]]:
    out = []
    for membership in board.memberships:
        if membership.unconfirmed or filter_ == "none":
            continue
        if filter_ in ("admins", "owners") and membership.memberType != "admin":
            continue
        if filter_ == "normal" and membership.memberType != "normal":
            continue
        member = call.state.members[membership.idMember]
        out.append(pick(member_json(call.state, member), call.get("fields")))
    return out


# -- handlers ---------------------------------------------------------------------------------------


def create_board(call: Call) -> dict[str, Any]:
    name = call.text("name", required=True, max_length=16384)
    source = call.get("idBoardSource")
    board = add_board(
        call.state, name or "", call.member, default_lists=source is None, desc=call.text("desc") or ""
    )
    board.idOrganization = call.text("idOrganization")
    apply_board_settings(call, board)
    if source is not None:
        original = call.board(str(source))
        keep_cards = call.get("keepFromSource") == "cards"
        for item in sorted(
            (i for i in call.state.lists.values() if i.idBoard == original.id), key=lambda i: i.pos
        ):
            copy = add_list(call.state, board, item.name, item.pos)
            for card in [c for c in call.state.cards.values() if c.idList == item.id] if keep_cards else []:
                add_card(call.state, copy, card.name, card.pos, desc=card.desc)
    call.record("createBoard", {"board": board_ref(board)})
    return board_json(board)


def apply_board_settings(call: Call, board: Board) -> None:
    for wire, allowed in BOARD_PREFS.items():
        if (value := call.get(wire)) is not None:
            if value not in allowed:
                raise invalid(wire)
            board.prefs[wire.split("/")[1]] = value
    for wire in BOARD_FLAG_PREFS:
        if (flag := call.flag(wire)) is not None:
            board.prefs[wire.split("/")[1]] = flag
    for color in LABEL_COLORS:
        if (label_name := call.text(f"labelNames/{color}")) is not None:
            set_label_name(call, board, color, label_name)


def set_label_name(call: Call, board: Board, color: str, name: str) -> None:
    board.labelNames[color] = name
    for label in call.state.labels.values():
        if label.idBoard == board.id and label.color == color:
            label.name = name
            break


def get_board(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"))
    out = pick(board_json(board), call.get("fields"))
    if (lists := call.choice("lists", LIST_FILTERS, "none")) != "none":
        out["lists"] = lists_of(Call(call.request, call.state, call.member, call.token, {}), board, lists)
    if (cards := call.choice("cards", CARD_FILTERS, "none")) != "none":
        out["cards"] = cards_of(Call(call.request, call.state, call.member, call.token, {}), board, cards)
    if call.choice("labels", ("all", "none"), "none") == "all":
        out["labels"] = [
            label_json(label) for label in call.state.labels.values() if label.idBoard == board.id
        ]
    if (members := call.choice("members", MEMBER_FILTERS, "none")) != "none":
        out["members"] = members_of(
            Call(call.request, call.state, call.member, call.token, {}), board, members
        )
    if call.choice("checklists", ("all", "none"), "none") == "all":
        out["checklists"] = [
            checklist_json(c) for c in call.state.checklists.values() if c.idBoard == board.id
        ]
    return out


def update_board(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    old = {"name": board.name, "desc": board.desc, "closed": board.closed}
    if (name := call.text("name")) is not None:
        if not name.strip():
            raise invalid("name")
        board.name = name
    if (desc := call.text("desc")) is not None:
        board.desc = desc
    if (closed := call.flag("closed")) is not None:
        board.closed = closed
    if (subscribed := call.flag("subscribed")) is not None:
        board.subscribed = subscribed
    if "idOrganization" in call.args:
        board.idOrganization = call.text("idOrganization") or None
    apply_board_settings(call, board)
    call.record("updateBoard", {"board": board_ref(board), "old": old})
    return board_json(board)


def board_field(field: str):
    """PUT /boards/{idBoard}/<field> with ``value``: one setting, as the old single-field routes take it."""

    def handler(call: Call) -> dict[str, Any]:
        board = call.board(call.path("idBoard"), write=True)
        if field == "closed":
            value = call.flag("value")
            if value is None:
                raise invalid("value")
            board.closed = value
        elif field == "idOrganization":
            board.idOrganization = call.text("value") or None
        else:
            text = call.text("value", required=field != "desc")
            if field.startswith("labelNames/"):
                set_label_name(call, board, field.split("/")[1], text or "")
            else:
                setattr(board, field, text or "")
        call.record("updateBoard", {"board": board_ref(board), "field": field})
        return board_json(board)

    return handler


def board_actions(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    return actions_matching(call, lambda a: a.data.get("board", {}).get("id") == board.id, "all")


def actions_matching(call: Call, belongs, default_filter: str) -> list[dict[str, Any]]:
    wanted = str(call.get("filter", default_filter))
    types = None if wanted == "all" else {t.strip() for t in wanted.split(",")}
    actions = [a for a in reversed(list(call.state.actions.values())) if belongs(a)]
    if types is not None:
        actions = [a for a in actions if a.type in types]
    actions.sort(key=lambda a: a.id, reverse=True)
    return [
        pick(action_json(call.state, a), call.get("fields")) for a in window(call, actions, default_limit=50)
    ]


def board_stars(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    if call.choice("filter", ("mine", "none"), "mine") == "none":
        return []
    stars = [star for star, board_id in call.member.starred.items() if board_id == board.id]
    return [{"id": star, "idBoard": board.id, "pos": 16384 * n} for n, star in enumerate(stars, start=1)]


def generate_key(field: str):
    def handler(call: Call) -> dict[str, Any]:
        board = call.board(call.path("idBoard"), write=True)
        setattr(board, field, secrets.token_hex(16))
        return {"id": board.id, field: getattr(board, field)}

    return handler


def board_cards(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    return cards_of(call, board, call.choice("filter", CARD_FILTERS, "visible"))


def board_cards_by_filter(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    filter_ = call.path("filter")
    if filter_ not in CARD_FILTERS:
        raise invalid("filter")
    return cards_of(call, board, filter_)


def board_checklists(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    if call.choice("filter", ("all", "none"), "all") == "none":
        return []
    return [
        pick(checklist_json(c), call.get("fields"))
        for c in call.state.checklists.values()
        if c.idBoard == board.id
    ]


def add_board_checklist(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    name = call.text("name", required=True) or ""
    checklist = Checklist(new_id(), board.id, None, name, 16384.0)
    call.state.checklists[checklist.id] = checklist
    return checklist_json(checklist)


def board_deltas(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    if call.get("tags") is None or call.get("ixLastUpdate") is None:
        raise invalid("tags" if call.get("tags") is None else "ixLastUpdate")
    since = call.integer("ixLastUpdate", 0, 2**31)
    changed = [
        a
        for a in call.state.actions.values()
        if a.ix > since and a.data.get("board", {}).get("id") == board.id
    ]
    return [{**action_json(call.state, a), "ix": a.ix} for a in changed]


def board_labels(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    labels = [label for label in call.state.labels.values() if label.idBoard == board.id]
    limit = call.integer("limit", 50, 1000)
    return [pick(label_json(label), call.get("fields")) for label in labels[:limit]]


def add_board_label(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    name = call.text("name", required=True) or ""
    color = call.get("color")
    if color in (None, "null", ""):
        color = None
    elif color not in ALL_COLORS:
        raise invalid("color")
    label = Label(new_id(), board.id, name, color)
    call.state.labels[label.id] = label
    return label_json(label)


def board_label(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"))
    label = call.label(call.path("idLabel"))
    if label.idBoard != board.id:
        raise not_found()
    return pick(label_json(label), call.get("fields"))


def board_lists(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    return lists_of(call, board, call.choice("filter", LIST_FILTERS, "open"))


def board_lists_by_filter(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    filter_ = call.path("filter")
    if filter_ not in LIST_FILTERS:
        raise invalid("filter")
    return lists_of(call, board, filter_)


def add_board_list(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    name = call.text("name", required=True) or ""
    siblings = [i.pos for i in call.state.lists.values() if i.idBoard == board.id]
    pos = call.position("pos", siblings)
    item = add_list(call.state, board, name, pos if pos is not None else (max(siblings, default=0) + 16384.0))
    call.record("createList", {"board": board_ref(board), "list": {"id": item.id, "name": item.name}})
    return list_json(item)


def mark_viewed(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"))
    board.dateLastView = now()
    return board_json(board)


def board_members(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    return members_of(call, board, call.choice("filter", MEMBER_FILTERS, "all"))


def board_members_by_filter(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    filter_ = call.path("filter")
    if filter_ not in MEMBER_FILTERS:
        raise invalid("filter")
    return members_of(call, board, filter_)


def require_admin(call: Call, board: Board) -> None:
    membership = board.membership_of(call.member.id)
    if membership is None or membership.memberType != "admin":
        raise denied()


def members_answer(call: Call, board: Board) -> dict[str, Any]:
    return {
        "id": board.id,
        "members": [member_json(call.state, call.state.members[m.idMember]) for m in board.memberships],
        "memberships": [membership_json(m) for m in board.memberships],
    }


def invite_member(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    email = call.text("email", required=True) or ""
    if "@" not in email:
        raise invalid("email")
    kind = call.choice("type", MEMBER_TYPES, "normal")
    member = next((m for m in call.state.members.values() if m.email.lower() == email.lower()), None)
    unconfirmed = member is None
    if member is None:
        full_name = call.text("fullName") or email.split("@")[0]
        username = email.split("@")[0].lower() + new_id()[-4:]
        member = Member(new_id(), username, full_name, email, initials=initials(full_name), confirmed=False)
        member.memberType = "ghost"
        call.state.members[member.id] = member
    set_membership(call, board, member, kind, unconfirmed=unconfirmed)
    return members_answer(call, board)


def set_membership(call: Call, board: Board, member: Member, kind: str, *, unconfirmed: bool = False) -> None:
    require_admin(call, board)
    existing = board.membership_of(member.id)
    if existing is not None:
        if existing.memberType == "admin" and kind != "admin" and admins(board) == 1:
            raise TrelloError(403, "Boards must have at least one admin")
        existing.memberType = kind
        return
    board.memberships.append(Membership(new_id(), member.id, kind, unconfirmed=unconfirmed))
    call.record(
        "addMemberToBoard", {"board": board_ref(board), "idMemberAdded": member.id, "memberType": kind}
    )


def admins(board: Board) -> int:
    return sum(1 for m in board.memberships if m.memberType == "admin")


def put_member(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    member = call.other_member(call.path("idMember"))
    if call.get("type") is None:
        raise invalid("type")
    set_membership(call, board, member, call.choice("type", MEMBER_TYPES, "normal"))
    return members_answer(call, board)


def remove_member(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    member = call.other_member(call.path("idMember"))
    membership = board.membership_of(member.id)
    if membership is None:
        raise not_found()
    if member.id != call.member.id:
        require_admin(call, board)
    if membership.memberType == "admin" and admins(board) == 1:
        raise TrelloError(403, "Boards must have at least one admin")
    board.memberships.remove(membership)
    for card in call.state.cards.values():
        if card.idBoard == board.id and member.id in card.idMembers:
            card.idMembers.remove(member.id)
    call.record("removeMemberFromBoard", {"board": board_ref(board), "idMemberRemoved": member.id})
    return members_answer(call, board)


def member_cards(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    member = call.other_member(call.path("idMember"))
    filter_ = call.choice("filter", CARD_FILTERS, "visible")
    return [c for c in cards_of(call, board, filter_) if member.id in c.get("idMembers", [])]


def members_invited(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    return [
        pick(member_json(call.state, call.state.members[m.idMember]), call.get("fields"))
        for m in board.memberships
        if m.unconfirmed
    ]


def members_invited_field(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    field = call.path("field")
    out = []
    for m in board.memberships:
        if m.unconfirmed:
            rendered = member_json(call.state, call.state.members[m.idMember])
            if field not in rendered:
                raise invalid("field")
            out.append({"id": rendered["id"], field: rendered[field]})
    return out


def memberships_json(call: Call, board: Board, memberships: list[Membership]) -> list[dict[str, Any]]:
    with_member = call.flag("member")
    out = []
    for m in memberships:
        rendered = membership_json(m)
        if with_member:
            rendered["member"] = pick(
                member_json(call.state, call.state.members[m.idMember]), call.get("member_fields")
            )
        out.append(rendered)
    return out


def board_memberships(call: Call) -> list[dict[str, Any]]:
    board = call.board(call.path("idBoard"))
    filter_ = call.choice("filter", ("active", "admin", "all", "deactivated", "me", "normal", "none"), "all")
    memberships = list(board.memberships)
    if filter_ == "none":
        memberships = []
    elif filter_ in ("admin", "normal"):
        memberships = [m for m in memberships if m.memberType == filter_]
    elif filter_ == "me":
        memberships = [m for m in memberships if m.idMember == call.member.id]
    elif filter_ == "active":
        memberships = [m for m in memberships if not m.deactivated and not m.unconfirmed]
    elif filter_ == "deactivated":
        memberships = [m for m in memberships if m.deactivated]
    return memberships_json(call, board, memberships)


def find_membership(call: Call, board: Board) -> Membership:
    membership_id = call.path("idMembership")
    found = next((m for m in board.memberships if m.id == membership_id), None)
    if found is None:
        raise not_found()
    return found


def board_membership(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"))
    return memberships_json(call, board, [find_membership(call, board)])[0]


def update_membership(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"), write=True)
    membership = find_membership(call, board)
    if call.get("type") is None:
        raise invalid("type")
    set_membership(
        call, board, call.state.members[membership.idMember], call.choice("type", MEMBER_TYPES, "normal")
    )
    rendered = membership_json(membership)
    rendered["member"] = pick(
        member_json(call.state, call.state.members[membership.idMember]), call.get("member_fields")
    )
    return rendered


def my_prefs(call: Call) -> dict[str, Any]:
    board = call.board(call.path("idBoard"))
    return dict(board.myPrefs)


def routes(trello: Trello) -> list[Route]:
    r = trello.route
    out = [
        r("POST", "/boards", create_board, write=True),
        r("GET", "/boards/{idBoard}", get_board),
        r("PUT", "/boards/{idBoard}", update_board, write=True),
        r("GET", "/boards/{idBoard}/actions", board_actions),
        r("GET", "/boards/{idBoard}/boardStars", board_stars),
        r("POST", "/boards/{idBoard}/calendarKey/generate", generate_key("calendarKey"), write=True),
        r("POST", "/boards/{idBoard}/emailKey/generate", generate_key("emailKey"), write=True),
        r("GET", "/boards/{idBoard}/cards", board_cards),
        r("GET", "/boards/{idBoard}/cards/{filter}", board_cards_by_filter),
        r("GET", "/boards/{idBoard}/checklists", board_checklists),
        r("POST", "/boards/{idBoard}/checklists", add_board_checklist, write=True),
        r("GET", "/boards/{idBoard}/deltas", board_deltas),
        r("GET", "/boards/{idBoard}/labels", board_labels),
        r("POST", "/boards/{idBoard}/labels", add_board_label, write=True),
        r("GET", "/boards/{idBoard}/labels/{idLabel}", board_label),
        r("GET", "/boards/{idBoard}/lists", board_lists),
        r("POST", "/boards/{idBoard}/lists", add_board_list, write=True),
        r("GET", "/boards/{idBoard}/lists/{filter}", board_lists_by_filter),
        r("POST", "/boards/{idBoard}/markAsViewed", mark_viewed),
        r("GET", "/boards/{idBoard}/members", board_members),
        r("PUT", "/boards/{idBoard}/members", invite_member, write=True),
        r("GET", "/boards/{idBoard}/members/{filter}", board_members_by_filter),
        r("PUT", "/boards/{idBoard}/members/{idMember}", put_member, write=True),
        r("DELETE", "/boards/{idBoard}/members/{idMember}", remove_member, write=True),
        r("GET", "/boards/{idBoard}/members/{idMember}/cards", member_cards),
        r("GET", "/boards/{idBoard}/membersInvited", members_invited),
        r("GET", "/boards/{idBoard}/membersInvited/{field}", members_invited_field),
        r("GET", "/boards/{idBoard}/memberships", board_memberships),
        r("GET", "/boards/{idBoard}/memberships/{idMembership}", board_membership),
        r("PUT", "/boards/{idBoard}/memberships/{idMembership}", update_membership, write=True),
        r("GET", "/boards/{idBoard}/myPrefs", my_prefs),
    ]
    for field in ("closed", "desc", "name", "idOrganization", *(f"labelNames/{c}" for c in LABEL_COLORS)):
        out.append(r("PUT", f"/boards/{{idBoard}}/{field}", board_field(field), write=True))
    return out
