"""How every Trello emulator route behaves: credentials, arguments, errors, rendering, cursors.

Trello answers errors in plain text, not JSON: 401 ``invalid key`` (unknown
or missing API key), 401 ``invalid token`` (unknown token, or a token of
another key), 401 ``unauthorized permission requested`` (a token without the
scope, or a member without access to the board), 400 ``invalid id`` (not a
24-hex id), 404 ``The requested resource was not found.`` and 400 ``invalid
value for <field>``. Arguments travel in the query string or in the body
(JSON or form) and are read from both, as Trello does. Values are strings on
the wire; booleans are ``true``/``false``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import json_response
from valetkey.sandbox.oauth1 import OAuth1Error, OAuth1Provider
from valetkey.sandbox.oauth1_routes import signed_url

from .state import (
    Action,
    Board,
    Card,
    Checklist,
    Label,
    Member,
    Membership,
    Token,
    TrelloList,
    TrelloState,
    is_id,
)

APP_URL = "https://trello.com"
NOT_FOUND = "The requested resource was not found."
_OAUTH_PAIR = re.compile(r'(\w+)="([^"]*)"')


class TrelloError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def invalid(field: str) -> TrelloError:
    return TrelloError(400, f"invalid value for {field}")


def not_found() -> TrelloError:
    return TrelloError(404, NOT_FOUND)


def denied() -> TrelloError:
    return TrelloError(401, "unauthorized permission requested")


@dataclass
class Call:
    request: Request
    state: TrelloState
    member: Member
    token: Token
    args: dict[str, Any]

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def text(self, name: str, *, required: bool = False, max_length: int = 16384) -> str | None:
        value = self.args.get(name)
        if value is None:
            if required:
                raise invalid(name)
            return None
        if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
            raise invalid(name)
        return value

    def flag(self, name: str) -> bool | None:
        value = self.args.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise invalid(name)

    def integer(self, name: str, default: int, maximum: int) -> int:
        value = self.args.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid(name) from None
        if not 0 <= number <= maximum:
            raise invalid(name)
        return number

    def choice(self, name: str, allowed: Iterable[str], default: str) -> str:
        value = self.args.get(name, default)
        if value not in set(allowed):
            raise invalid(name)
        return str(value)

    def ids(self, name: str) -> list[str] | None:
        """A comma-separated id list (or a JSON array) argument."""
        value = self.args.get(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else [v for v in str(value).split(",") if v.strip()]
        items = [str(v).strip() for v in items]
        if not all(is_id(v) for v in items):
            raise invalid(name)
        return items

    def position(self, name: str, siblings: list[float]) -> float | None:
        """``top``, ``bottom`` or a positive number, as Trello takes ``pos``."""
        value = self.args.get(name)
        if value is None:
            return None
        if value == "top":
            return (min(siblings) / 2) if siblings else 16384.0
        if value == "bottom":
            return (max(siblings) + 16384.0) if siblings else 16384.0
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(name) from None
        if number <= 0:
            raise invalid(name)
        return number

    # -- access -----------------------------------------------------------------------------------

    def board(self, board_id: str, *, write: bool = False) -> Board:
        board = self.state.boards.get(_id(board_id)) or next(
            (b for b in self.state.boards.values() if b.id[-8:] == board_id), None
        )
        if board is None:
            raise not_found()
        self.check_board(board, write=write)
        return board

    def check_board(self, board: Board, *, write: bool = False) -> None:
        membership = board.membership_of(self.member.id)
        if membership is None and not (not write and board.prefs["permissionLevel"] == "public"):
            raise denied()
        if write and (membership is None or membership.memberType == "observer"):
            raise denied()

    def card(self, card_id: str, *, write: bool = False) -> Card:
        card = self.state.cards.get(_id(card_id)) or next(
            (c for c in self.state.cards.values() if c.shortLink == card_id), None
        )
        if card is None:
            raise not_found()
        self.check_board(self.state.boards[card.idBoard], write=write)
        return card

    def list(self, list_id: str, *, write: bool = False) -> TrelloList:
        item = self.state.lists.get(_id(list_id))
        if item is None:
            raise not_found()
        self.check_board(self.state.boards[item.idBoard], write=write)
        return item

    def label(self, label_id: str, *, write: bool = False) -> Label:
        label = self.state.labels.get(_id(label_id))
        if label is None:
            raise not_found()
        self.check_board(self.state.boards[label.idBoard], write=write)
        return label

    def checklist(self, checklist_id: str, *, write: bool = False) -> Checklist:
        checklist = self.state.checklists.get(_id(checklist_id))
        if checklist is None:
            raise not_found()
        self.check_board(self.state.boards[checklist.idBoard], write=write)
        return checklist

    def other_member(self, ref: str) -> Member:
        if ref == "me":
            return self.member
        found = self.state.member_by_name(ref)
        if found is None:
            raise not_found()
        return found

    def record(self, kind: str, data: dict[str, Any]) -> Action:
        return self.state.record(kind, self.member.id, data)


def _id(value: str) -> str:
    if not is_id(value) and not (len(value) == 8 and value.isalnum()):
        raise TrelloError(400, "invalid id")
    return value


Handler = Callable[[Call], Any]


class Trello:
    """Routes with Trello's credential check, argument parsing and plain-text errors."""

    def __init__(self, store: StateStore[TrelloState], oauth1: OAuth1Provider):
        self.store, self.oauth1 = store, oauth1

    def route(self, method: str, path: str, handler: Handler, *, write: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            args, ok = await _arguments(request)
            if not ok:
                return PlainTextResponse("invalid JSON", 400)
            try:
                signed = await self._signed_grant(request, args)
                with self.store.transaction() as state:
                    member, token = (
                        signed_member(state, signed) if signed else _authenticate(request, state, args)
                    )
                    if write and "write" not in token.scopes:
                        raise denied()
                    result = handler(Call(request, state, member, token, args))
            except TrelloError as error:
                return PlainTextResponse(error.message, error.status)
            if isinstance(result, Response):
                return result
            return json_response(result)

        return Route("/1" + path, endpoint, methods=[method])

    async def _signed_grant(self, request: Request, args: dict[str, Any]) -> tuple[str, str] | None:
        """(consumer key, subject) of an OAuth 1.0a-signed request; None when it is not signed."""
        header = request.headers.get("authorization", "")
        if "oauth_signature=" not in header:
            return None
        form: list[tuple[str, str]] = []
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        try:
            grant = self.oauth1.validate_request(request.method, signed_url(request), header, form)
        except OAuth1Error as error:
            raise TrelloError(401, "invalid token") from error
        for name in [k for k in args if k.startswith("oauth_")]:
            del args[name]
        return grant.consumer_key, grant.subject


def signed_member(state: TrelloState, signed: tuple[str, str]) -> tuple[Member, Token]:
    """The member an OAuth 1.0a token acts for: its subject is ``username:scope,scope``."""
    key, subject = signed
    username, _, scopes = subject.partition(":")
    member = state.member_by_name(username)
    if member is None or key not in state.keys:
        raise TrelloError(401, "invalid token")
    return member, Token(key, member.id, tuple(s for s in scopes.split(",") if s) or ("read",))


def _authenticate(request: Request, state: TrelloState, args: dict[str, Any]) -> tuple[Member, Token]:
    key, token_value = args.pop("key", None), args.pop("token", None)
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "oauth ":
        pairs = dict(_OAUTH_PAIR.findall(header[6:]))
        key, token_value = pairs.get("oauth_consumer_key", key), pairs.get("oauth_token", token_value)
    if not key or key not in state.keys:
        raise TrelloError(401, "invalid key")
    if not token_value:
        raise TrelloError(401, "unauthorized permission requested")
    token = state.tokens.get(str(token_value))
    if token is None or token.key != key or token.idMember not in state.members:
        raise TrelloError(401, "invalid token")
    return state.members[token.idMember], token


async def _arguments(request: Request) -> tuple[dict[str, Any], bool]:
    args: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw.strip():
        content_type = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in content_type:
            args.update(parse_qsl(raw.decode(), keep_blank_values=True))
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                return args, False
            if not isinstance(body, dict):
                return args, False
            args.update(body)
    return args, True


# -- rendering --------------------------------------------------------------------------------------


def pick(rendered: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Trello's ``fields``: ``all`` or a comma-separated list (the id always comes back)."""
    if fields is None or fields == "all":
        return rendered
    wanted = {f.strip() for f in fields.split(",") if f.strip()}
    return {k: v for k, v in rendered.items() if k == "id" or k in wanted}


def board_json(board: Board) -> dict[str, Any]:
    short = board.id[-8:]
    return {
        "id": board.id,
        "name": board.name,
        "desc": board.desc,
        "descData": None,
        "closed": board.closed,
        "idOrganization": board.idOrganization,
        "pinned": board.pinned,
        "subscribed": board.subscribed,
        "url": f"{APP_URL}/b/{short}/{_slugify(board.name)}",
        "shortUrl": f"{APP_URL}/b/{short}",
        "shortLink": short,
        "prefs": dict(board.prefs),
        "labelNames": dict(board.labelNames),
        "dateLastActivity": board.dateLastActivity,
        "dateLastView": board.dateLastView,
        "memberships": [membership_json(m) for m in board.memberships],
    }


def membership_json(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.id,
        "idMember": membership.idMember,
        "memberType": membership.memberType,
        "unconfirmed": membership.unconfirmed,
        "deactivated": membership.deactivated,
    }


def list_json(item: TrelloList) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "closed": item.closed,
        "idBoard": item.idBoard,
        "pos": item.pos,
        "subscribed": item.subscribed,
    }


def label_json(label: Label) -> dict[str, Any]:
    return {"id": label.id, "idBoard": label.idBoard, "name": label.name, "color": label.color}


def card_json(state: TrelloState, card: Card) -> dict[str, Any]:
    checklists = [c for c in state.checklists.values() if c.idCard == card.id]
    items = [i for c in checklists for i in c.checkItems]
    comments = sum(
        1
        for a in state.actions.values()
        if a.type == "commentCard" and a.data.get("card", {}).get("id") == card.id
    )
    return {
        "id": card.id,
        "name": card.name,
        "desc": card.desc,
        "closed": card.closed,
        "idBoard": card.idBoard,
        "idList": card.idList,
        "idShort": card.idShort,
        "idMembers": list(card.idMembers),
        "idLabels": list(card.idLabels),
        "labels": [label_json(state.labels[i]) for i in card.idLabels if i in state.labels],
        "idChecklists": [c.id for c in checklists],
        "pos": card.pos,
        "due": card.due,
        "dueComplete": card.dueComplete,
        "subscribed": card.subscribed,
        "shortLink": card.shortLink,
        "shortUrl": f"{APP_URL}/c/{card.shortLink}",
        "url": f"{APP_URL}/c/{card.shortLink}/{card.idShort}-{_slugify(card.name)}",
        "dateLastActivity": card.dateLastActivity,
        "badges": {
            "comments": comments,
            "checkItems": len(items),
            "checkItemsChecked": sum(1 for i in items if i.state == "complete"),
            "description": bool(card.desc),
            "due": card.due,
        },
    }


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    return {
        "id": checklist.id,
        "name": checklist.name,
        "idBoard": checklist.idBoard,
        "idCard": checklist.idCard,
        "pos": checklist.pos,
        "checkItems": [
            {"id": i.id, "name": i.name, "state": i.state, "pos": i.pos, "idChecklist": checklist.id}
            for i in sorted(checklist.checkItems, key=lambda i: i.pos)
        ],
    }


def member_json(state: TrelloState, member: Member, *, self_view: bool = False) -> dict[str, Any]:
    out = {
        "id": member.id,
        "username": member.username,
        "fullName": member.fullName,
        "initials": member.initials,
        "bio": member.bio,
        "confirmed": member.confirmed,
        "memberType": member.memberType,
        "url": f"{APP_URL}/{member.username}",
        "idBoards": [b.id for b in state.boards.values() if b.membership_of(member.id)],
    }
    if self_view:
        out["email"] = member.email
    return out


def action_json(state: TrelloState, action: Action) -> dict[str, Any]:
    creator = state.members.get(action.idMemberCreator)
    return {
        "id": action.id,
        "idMemberCreator": action.idMemberCreator,
        "type": action.type,
        "date": action.date,
        "data": action.data,
        "memberCreator": None
        if creator is None
        else {
            "id": creator.id,
            "username": creator.username,
            "fullName": creator.fullName,
            "initials": creator.initials,
        },
    }


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def window(call: Call, items: list[Any], *, default_limit: int | None, maximum: int = 1000) -> list[Any]:
    """Trello's cursors: ``before``/``since`` (an id or a date), then ``limit`` and ``page``."""
    before, since = call.get("before"), call.get("since")
    if before is not None:
        items = [i for i in items if _cursor_key(i) < _bound(str(before))]
    if since is not None:
        items = [i for i in items if _cursor_key(i) > _bound(str(since))]
    limit = call.integer("limit", default_limit if default_limit is not None else maximum, maximum)
    page = call.integer("page", 0, 100)
    return items[page * limit : page * limit + limit]


def _cursor_key(item: Any) -> str:
    return str(item.id)


def _bound(value: str) -> str:
    if is_id(value):
        return value
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("before/since") from None
    return f"{int(moment.timestamp()):08x}" + "0" * 16
