"""What the Trello emulator remembers: members, boards, lists, cards, labels, checklists, actions, tokens.

Plain dataclasses under the app's `StateStore` lock. Ids are 24 hex digits
like Trello's (MongoDB ObjectIds): a timestamp prefix and a counter, so they
sort in creation order, which is what Trello's ``before``/``since`` cursors
rely on. Every change a tool makes is also an *action* (``createCard``,
``commentCard``, ``updateBoard``...), as Trello records them.

Credentials: an application has an API *key*; a member authorizes it and
gets a *token* with scopes (``read``, ``write``, ``account``). Both travel in
the query string (``?key=...&token=...``) or in ``Authorization: OAuth
oauth_consumer_key="...", oauth_token="..."``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

LABEL_COLORS = ("green", "yellow", "orange", "red", "purple", "blue")
ALL_COLORS = (*LABEL_COLORS, "sky", "lime", "pink", "black")
SANDBOX_KEY = "5a4db0c1d2e3f405a4db0c1d2e3f4050"  # the sandbox application's API key
SANDBOX_SECRET = "sandbox-trello-secret-0123456789abcdef0123456789abcdef"  # its OAuth 1.0a secret


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_counter = itertools.count(1)


def new_id() -> str:
    """An ObjectId-like id: 8 hex digits of time, 16 of a process-wide counter (increasing)."""
    return f"{int(time.time()):08x}{next(_counter):016x}"


def is_id(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


@dataclass
class Member:
    id: str
    username: str
    fullName: str
    email: str
    initials: str = ""
    bio: str = ""
    confirmed: bool = True
    memberType: str = "normal"  # "ghost" for an invited email that never signed up
    starred: dict[str, str] = field(default_factory=dict)  # idBoardStar -> idBoard


@dataclass
class Membership:
    id: str
    idMember: str
    memberType: str  # admin | normal | observer
    unconfirmed: bool = False
    deactivated: bool = False


@dataclass
class Label:
    id: str
    idBoard: str
    name: str
    color: str | None


@dataclass
class Board:
    id: str
    name: str
    desc: str = ""
    closed: bool = False
    idOrganization: str | None = None
    pinned: bool = False
    subscribed: bool = False
    labelNames: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LABEL_COLORS, ""))
    prefs: dict[str, Any] = field(
        default_factory=lambda: {
            "permissionLevel": "private",
            "voting": "disabled",
            "comments": "members",
            "invitations": "members",
            "selfJoin": True,
            "cardCovers": True,
            "cardAging": "regular",
            "calendarFeedEnabled": False,
            "background": "blue",
        }
    )
    memberships: list[Membership] = field(default_factory=list)
    calendarKey: str | None = None
    emailKey: str | None = None
    dateLastView: str | None = None
    dateLastActivity: str | None = None
    myPrefs: dict[str, Any] = field(
        default_factory=lambda: {
            "showSidebar": True,
            "showSidebarMembers": True,
            "showSidebarBoardActions": True,
            "showSidebarActivity": True,
            "showListGuide": False,
            "emailPosition": "bottom",
            "idEmailList": None,
        }
    )

    def membership_of(self, member_id: str) -> Membership | None:
        return next((m for m in self.memberships if m.idMember == member_id), None)


@dataclass
class TrelloList:
    id: str
    idBoard: str
    name: str
    pos: float
    closed: bool = False
    subscribed: bool = False


@dataclass
class CheckItem:
    id: str
    name: str
    pos: float
    state: str = "incomplete"  # complete | incomplete


@dataclass
class Checklist:
    id: str
    idBoard: str
    idCard: str | None
    name: str
    pos: float
    checkItems: list[CheckItem] = field(default_factory=list)


@dataclass
class Card:
    id: str
    idBoard: str
    idList: str
    name: str
    pos: float
    idShort: int
    desc: str = ""
    closed: bool = False
    due: str | None = None
    dueComplete: bool = False
    subscribed: bool = False
    idMembers: list[str] = field(default_factory=list)
    idLabels: list[str] = field(default_factory=list)
    dateLastActivity: str = field(default_factory=now)

    @property
    def shortLink(self) -> str:
        return self.id[-8:]


@dataclass
class Action:
    id: str
    type: str  # createCard, commentCard, updateCard, createList, addMemberToBoard, ...
    idMemberCreator: str
    data: dict[str, Any]
    date: str = field(default_factory=now)
    ix: int = 0  # the board's update counter at the time (for /deltas)


@dataclass
class Token:
    key: str
    idMember: str
    scopes: tuple[str, ...]
    dateCreated: str = field(default_factory=now)


@dataclass
class TrelloState:
    members: dict[str, Member] = field(default_factory=dict)
    boards: dict[str, Board] = field(default_factory=dict)
    lists: dict[str, TrelloList] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)  # in creation order
    keys: set[str] = field(default_factory=lambda: {SANDBOX_KEY})
    tokens: dict[str, Token] = field(default_factory=dict)
    ix: int = 0
    short_ids: dict[str, int] = field(default_factory=dict)  # idBoard -> last idShort

    def member_by_name(self, ref: str) -> Member | None:
        if ref in self.members:
            return self.members[ref]
        return next((m for m in self.members.values() if m.username == ref), None)

    def record(self, kind: str, creator: str, data: dict[str, Any]) -> Action:
        self.ix += 1
        action = Action(new_id(), kind, creator, data, ix=self.ix)
        self.actions[action.id] = action
        board = data.get("board", {}).get("id")
        if board in self.boards:
            self.boards[board].dateLastActivity = action.date
        return action

    def next_short_id(self, board_id: str) -> int:
        self.short_ids[board_id] = self.short_ids.get(board_id, 0) + 1
        return self.short_ids[board_id]

    def issue_token(
        self, member: str, scopes: tuple[str, ...] = ("read", "write"), key: str = SANDBOX_KEY
    ) -> str:
        found = self.member_by_name(member)
        if found is None:
            raise KeyError(f"no member {member!r}")
        token = "ATTA" + secrets.token_hex(30)
        self.tokens[token] = Token(key, found.id, tuple(scopes))
        return token


def initials(full_name: str) -> str:
    return "".join(part[0] for part in full_name.split()[:2]).upper()


def add_member(state: TrelloState, username: str, full_name: str, email: str, **extra: Any) -> Member:
    member = Member(new_id(), username, full_name, email, initials=initials(full_name), **extra)
    state.members[member.id] = member
    return member


def add_board(
    state: TrelloState, name: str, admin: Member, *, default_lists: bool = True, **extra: Any
) -> Board:
    board = Board(new_id(), name, **extra)
    board.memberships.append(Membership(new_id(), admin.id, "admin"))
    board.dateLastActivity = now()
    state.boards[board.id] = board
    for color in LABEL_COLORS:
        label = Label(new_id(), board.id, "", color)
        state.labels[label.id] = label
    if default_lists:
        for pos, list_name in enumerate(("To Do", "Doing", "Done"), start=1):
            add_list(state, board, list_name, pos * 16384.0)
    return board


def add_list(state: TrelloState, board: Board, name: str, pos: float) -> TrelloList:
    item = TrelloList(new_id(), board.id, name, pos)
    state.lists[item.id] = item
    return item


def add_card(state: TrelloState, item: TrelloList, name: str, pos: float, **extra: Any) -> Card:
    card = Card(new_id(), item.idBoard, item.id, name, pos, state.next_short_id(item.idBoard), **extra)
    state.cards[card.id] = card
    return card


def initial_state() -> TrelloState:
    """Ada (the default login, admin of both boards), Grace (member of Roadmap) and Linus (no board)."""
    state = TrelloState()
    ada = add_member(state, "ada", "Ada Lovelace", "ada@example.com")
    grace = add_member(state, "grace", "Grace Hopper", "grace@example.com")
    add_member(state, "linus", "Linus Torvalds", "linus@example.com")
    roadmap = add_board(state, "Roadmap", ada, desc="What we ship this quarter.")
    roadmap.memberships.append(Membership(new_id(), grace.id, "normal"))
    todo, doing, _ = (item for item in state.lists.values() if item.idBoard == roadmap.id)
    bug = next(
        label for label in state.labels.values() if label.idBoard == roadmap.id and label.color == "red"
    )
    bug.name = "Bug"
    roadmap.labelNames["red"] = "Bug"
    add_card(state, todo, "Write the launch post", 16384.0, desc="Draft for the blog.", idMembers=[ada.id])
    fix = add_card(state, todo, "Fix the login redirect", 32768.0, idLabels=[bug.id], idMembers=[grace.id])
    add_card(state, doing, "Ship the importer", 16384.0, desc="Silver toolkits first.")
    checklist = Checklist(new_id(), roadmap.id, fix.id, "Steps", 16384.0)
    checklist.checkItems = [
        CheckItem(new_id(), "Reproduce", 16384.0, "complete"),
        CheckItem(new_id(), "Patch", 32768.0),
    ]
    state.checklists[checklist.id] = checklist
    state.record(
        "commentCard",
        grace.id,
        {
            "text": "It loops on Safari.",
            "card": {"id": fix.id, "name": fix.name, "idShort": fix.idShort, "shortLink": fix.shortLink},
            "board": {"id": roadmap.id, "name": roadmap.name},
            "list": {"id": todo.id, "name": todo.name},
        },
    )
    ada.starred[new_id()] = roadmap.id
    add_board(state, "Personal", ada, default_lists=False)
    return state


def seed(state: TrelloState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"boards": [{"name", "member"?: username, "lists": [{"name", "cards": [name, ...]}]}]}``."""
    created: dict[str, list[str]] = {"boards": [], "lists": [], "cards": []}
    for spec in payload.get("boards", []):
        owner = state.member_by_name(spec.get("member", "ada"))
        if owner is None:
            raise ValueError(f"unknown member {spec.get('member')!r}")
        board = add_board(state, spec["name"], owner, default_lists=False)
        created["boards"].append(board.id)
        for pos, list_spec in enumerate(spec.get("lists", []), start=1):
            item = add_list(state, board, list_spec["name"], pos * 16384.0)
            created["lists"].append(item.id)
            for card_pos, card_name in enumerate(list_spec.get("cards", []), start=1):
                created["cards"].append(add_card(state, item, card_name, card_pos * 16384.0).id)
    return created
