"""Every Trello tool through the official SDK, a real server and the stateful Trello emulator.

Trello's REST API takes two credentials on every request, the application's
API key and the member's token (``?key=...&token=...``), so the account is
connected with both through the SDK (``API_KEY`` scheme, fields ``api_key``
and ``token``) and Valetkey's verification request (``GET /members/me``)
runs against the emulator. The shared `connect` harness fills one secret
field, hence the `trello_account` helper below: the same steps, both fields,
and the tool runs recorded for the module's coverage check. Each test checks
the tool's answer and the emulator's state.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.toolkits import ToolkitConnection, tool_runs
from valetkey.sandbox.apps.trello import issue_token
from valetkey.sandbox.apps.trello.state import SANDBOX_KEY, SANDBOX_SECRET

V3 = "/api/v3.1"


def trello_account(
    sandbox, server, request, *, member: str = "ada", scopes=("read", "write"), reset: bool = True
) -> ToolkitConnection:
    from composio import Composio

    emulator = sandbox.emulator("trello")
    if reset:
        emulator.reset()
    project = server.new_project()
    composio = Composio(api_key=project.api_key, base_url=server.url)
    user_id = "user-" + uuid.uuid4().hex[:8]
    toolkit = server.state.catalog.toolkit("trello")
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        created = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "trello"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "API_KEY",
                    "credentials": dict(sandbox.endpoints(toolkit)),
                },
            },
        )
        assert created.status_code == 201, created.text
    config_id = created.json()["auth_config"]["id"]
    token = issue_token(emulator, member, tuple(scopes))
    initiated = composio.connected_accounts.initiate(
        user_id, config_id, config={"auth_scheme": "API_KEY", "val": {"api_key": SANDBOX_KEY, "token": token}}
    )
    account = composio.connected_accounts.wait_for_connection(initiated.id, timeout=10)
    assert account.status == "ACTIVE", account
    connection = ToolkitConnection(
        composio, user_id, initiated.id, config_id, "API_KEY", "trello", emulator, server, project
    )
    connection.executed = tool_runs(request.config).executed(str(request.path), "trello")
    return connection


def oauth1_account(sandbox, server, request, *, member: str = "ada") -> ToolkitConnection:
    """The OAuth 1.0a scheme end to end: request token, Trello's authorize page, Valetkey's callback, access token."""
    from composio import Composio

    emulator = sandbox.emulator("trello")
    emulator.reset()
    project = server.new_project()
    composio = Composio(api_key=project.api_key, base_url=server.url)
    user_id = "user-" + uuid.uuid4().hex[:8]
    root = f"{sandbox.url}/trello/1"
    credentials = {
        "base_url": root,
        "consumer_key": SANDBOX_KEY,
        "consumer_secret": SANDBOX_SECRET,
        "request_token_url": f"{root}/OAuthGetRequestToken",
        "authorization_url": f"{root}/OAuthAuthorizeToken",
        "access_token_url": f"{root}/OAuthGetAccessToken",
    }
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as client:
        created = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "trello"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "OAUTH1",
                    "credentials": credentials,
                },
            },
        )
        assert created.status_code == 201, created.text
    config_id = created.json()["auth_config"]["id"]
    initiated = composio.connected_accounts.initiate(user_id, config_id)
    url = httpx.URL(initiated.redirect_url)
    assert url.path == "/trello/1/OAuthAuthorizeToken"
    assert (url.params["scope"], url.params["expiration"], url.params["name"]) == (
        "read,write",
        "never",
        "Valetkey",
    )
    url = url.copy_merge_params({"sandbox_user": member})
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        for _ in range(10):
            response = browser.get(url)
            if not response.is_redirect:
                break
            url = response.next_request.url
        assert response.status_code < 400, response.text
    account = composio.connected_accounts.wait_for_connection(initiated.id, timeout=10)
    assert account.status == "ACTIVE", account
    connection = ToolkitConnection(
        composio, user_id, initiated.id, config_id, "OAUTH1", "trello", emulator, server, project
    )
    connection.executed = tool_runs(request.config).executed(str(request.path), "trello")
    return connection


@pytest.fixture
def connect_trello(sandbox, toolkit_server, request):
    def make(**options) -> ToolkitConnection:
        return trello_account(sandbox, toolkit_server, request, **options)

    return make


@pytest.fixture
def trello(connect_trello):
    """ada's account (read, write)."""
    return connect_trello()


def board_named(trello, name: str):
    return next(b for b in trello.state.boards.values() if b.name == name)


def list_named(trello, board, name: str):
    return next(i for i in trello.state.lists.values() if i.idBoard == board.id and i.name == name)


def card_named(trello, name: str):
    return next(c for c in trello.state.cards.values() if c.name == name)


def member(trello, username: str):
    return trello.state.member_by_name(username)


def test_connected_member_and_their_boards(trello):
    me = trello.ok("TRELLO_GET_MEMBERS_BY_ID_MEMBER", {"idMember": "me"})
    assert me["username"] == "ada" and me["email"] == "ada@example.com" and len(me["idBoards"]) == 2
    grace = trello.ok("TRELLO_GET_MEMBERS_BY_ID_MEMBER", {"idMember": "grace", "fields": "username,fullName"})
    assert grace == {"id": member(trello, "grace").id, "username": "grace", "fullName": "Grace Hopper"}
    boards = trello.ok(
        "TRELLO_GET_MEMBERS_BOARDS_BY_ID_MEMBER", {"idMember": "me", "filter": "open", "lists": "open"}
    )
    by_name = {b["name"]: b for b in boards["data"]}
    assert set(by_name) == {"Roadmap", "Personal"}
    assert [item["name"] for item in by_name["Roadmap"]["lists"]] == ["To Do", "Doing", "Done"]
    starred = trello.ok("TRELLO_GET_MEMBERS_BOARDS_BY_ID_MEMBER", {"idMember": "me", "filter": "starred"})
    assert [b["name"] for b in starred["data"]] == ["Roadmap"]


def test_board_lifecycle_and_settings(trello):
    created = trello.ok(
        "TRELLO_ADD_BOARDS", {"name": "Launch", "desc": "Go-to-market", "prefs_permissionLevel": "private"}
    )
    board = trello.state.boards[created["id"]]
    assert board.name == "Launch" and board.membership_of(member(trello, "ada").id).memberType == "admin"
    got = trello.ok(
        "TRELLO_GET_BOARDS_BY_ID_BOARD", {"idBoard": created["shortLink"], "lists": "open", "labels": "all"}
    )
    assert [item["name"] for item in got["lists"]] == ["To Do", "Doing", "Done"] and len(got["labels"]) == 6

    updated = trello.ok(
        "TRELLO_UPDATE_BOARDS_BY_ID_BOARD",
        {
            "idBoard": board.id,
            "name": "Launch 2027",
            "prefs_voting": "members",
            "prefs_selfJoin": False,
            "label_names_green": "Done",
        },
    )
    assert updated["name"] == "Launch 2027" and updated["prefs"]["voting"] == "members"
    assert board.prefs["selfJoin"] is False and board.labelNames["green"] == "Done"
    trello.ok("TRELLO_UPDATE_BOARDS_DESC_BY_ID_BOARD", {"idBoard": board.id, "value": "New plan"})
    trello.ok("TRELLO_UPDATE_BOARDS_ID_ORGANIZATION_BY_ID_BOARD", {"idBoard": board.id, "value": "acme"})
    assert (board.desc, board.idOrganization) == ("New plan", "acme")
    for color in ("blue", "green", "orange", "purple", "red", "yellow"):
        trello.ok(
            f"TRELLO_UPDATE_BOARDS_LABEL_NAMES_{color.upper()}_BY_ID_BOARD",
            {"idBoard": board.id, "value": f"{color}!"},
        )
    labels = {label.color: label.name for label in trello.state.labels.values() if label.idBoard == board.id}
    assert labels == {c: f"{c}!" for c in ("blue", "green", "orange", "purple", "red", "yellow")}

    archived = trello.ok("TRELLO_UPDATE_BOARDS_CLOSED_BY_ID_BOARD", {"idBoard": board.id, "value": True})
    assert archived["closed"] is True and board.closed
    trello.ok("TRELLO_UPDATE_BOARDS_CLOSED_BY_ID_BOARD", {"idBoard": board.id, "value": False})
    assert not board.closed

    keys = trello.ok("TRELLO_ADD_BOARDS_CALENDAR_KEY_GENERATE_BY_ID_BOARD", {"idBoard": board.id})
    assert keys["calendarKey"] == board.calendarKey and len(board.calendarKey) == 32
    email = trello.ok("TRELLO_ADD_BOARDS_EMAIL_KEY_GENERATE_BY_ID_BOARD", {"idBoard": board.id})
    assert email["emailKey"] == board.emailKey
    viewed = trello.ok("TRELLO_ADD_BOARDS_MARK_AS_VIEWED_BY_ID_BOARD", {"idBoard": board.id})
    assert viewed["dateLastView"] == board.dateLastView is not None
    prefs = trello.ok("TRELLO_GET_BOARDS_MY_PREFS_BY_ID_BOARD", {"idBoard": board.id})
    assert prefs["showSidebar"] is True and prefs["emailPosition"] == "bottom"
    stars = trello.ok(
        "TRELLO_GET_BOARDS_BOARD_STARS_BY_ID_BOARD", {"idBoard": board_named(trello, "Roadmap").id}
    )
    assert len(stars["data"]) == 1
    assert trello.ok("TRELLO_GET_BOARDS_BOARD_STARS_BY_ID_BOARD", {"idBoard": board.id})["data"] == []

    activity = trello.ok(
        "TRELLO_GET_BOARDS_ACTIONS_BY_ID_BOARD", {"idBoard": board.id, "filter": "updateBoard", "limit": 3}
    )
    assert len(activity["data"]) == 3 and all(a["type"] == "updateBoard" for a in activity["data"])
    older = trello.ok(
        "TRELLO_GET_BOARDS_ACTIONS_BY_ID_BOARD",
        {"idBoard": board.id, "filter": "updateBoard", "limit": 3, "before": activity["data"][-1]["id"]},
    )
    assert older["data"] and {a["id"] for a in older["data"]}.isdisjoint(a["id"] for a in activity["data"])
    deltas = trello.ok(
        "TRELLO_GET_BOARDS_DELTAS_BY_ID_BOARD", {"idBoard": board.id, "tags": "updates", "ixLastUpdate": 0}
    )
    newest = max(d["ix"] for d in deltas["data"])
    trello.ok("TRELLO_UPDATE_BOARDS_DESC_BY_ID_BOARD", {"idBoard": board.id, "value": ""})
    since = trello.ok(
        "TRELLO_GET_BOARDS_DELTAS_BY_ID_BOARD",
        {"idBoard": board.id, "tags": "updates", "ixLastUpdate": newest},
    )
    assert [d["ix"] for d in since["data"]] == [newest + 1]


def test_labels(trello):
    roadmap = board_named(trello, "Roadmap")
    labels = trello.ok("TRELLO_GET_BOARDS_LABELS_BY_ID_BOARD", {"idBoard": roadmap.id})
    assert {"Bug"} <= {label["name"] for label in labels["data"]} and len(labels["data"]) == 6
    created = trello.ok(
        "TRELLO_ADD_BOARDS_LABELS_BY_ID_BOARD", {"idBoard": roadmap.id, "name": "Docs", "color": "sky"}
    )
    assert trello.state.labels[created["id"]].color == "sky"
    got = trello.ok(
        "TRELLO_GET_BOARDS_LABELS_BY_ID_BOARD_BY_ID_LABEL",
        {"idBoard": roadmap.id, "idLabel": created["id"], "fields": "name"},
    )
    assert got == {"id": created["id"], "name": "Docs"}
    renamed = trello.ok(
        "TRELLO_UPDATE_LABELS_BY_ID_LABEL",
        {"idLabel": created["id"], "name": "Documentation", "color": "null"},
    )
    assert renamed["color"] is None and trello.state.labels[created["id"]].name == "Documentation"
    card = card_named(trello, "Write the launch post")
    assert trello.ok("TRELLO_ADD_CARDS_ID_LABELS_BY_ID_CARD", {"idCard": card.id, "value": created["id"]})[
        "data"
    ] == [created["id"]]
    trello.ok("TRELLO_DELETE_LABELS_BY_ID_LABEL", {"idLabel": created["id"]})
    assert created["id"] not in trello.state.labels and card.idLabels == []
    trello.fails("TRELLO_UPDATE_LABELS_BY_ID_LABEL", {"idLabel": created["id"], "name": "x"}, status=404)
    failed = trello.fails(
        "TRELLO_GET_BOARDS_LABELS_BY_ID_BOARD_BY_ID_LABEL",
        {"idBoard": roadmap.id, "idLabel": "x"},
        status=400,
    )
    assert failed["data"]["message"] == "invalid id"


def test_lists_and_cards(trello):
    roadmap = board_named(trello, "Roadmap")
    lists = trello.ok(
        "TRELLO_GET_BOARDS_LISTS_BY_ID_BOARD", {"idBoard": roadmap.id, "cards": "open", "card_fields": "name"}
    )
    assert [item["name"] for item in lists["data"]] == ["To Do", "Doing", "Done"]
    assert [c["name"] for c in lists["data"][0]["cards"]] == [
        "Write the launch post",
        "Fix the login redirect",
    ]
    review = trello.ok(
        "TRELLO_ADD_BOARDS_LISTS_BY_ID_BOARD", {"idBoard": roadmap.id, "name": "Review", "pos": "top"}
    )
    backlog = trello.ok("TRELLO_ADD_LISTS", {"idBoard": roadmap.id, "name": "Backlog"})
    assert trello.state.lists[review["id"]].pos < list_named(trello, roadmap, "To Do").pos
    assert backlog["pos"] > list_named(trello, roadmap, "Done").pos

    card = trello.ok(
        "TRELLO_ADD_CARDS",
        {
            "idList": review["id"],
            "name": "Proofread",
            "desc": "Two readers",
            "due": "2026-12-31T17:00:00.000Z",
            "idMembers": member(trello, "grace").id,
        },
    )
    stored = trello.state.cards[card["id"]]
    assert stored.idList == review["id"] and stored.idMembers == [member(trello, "grace").id]
    got = trello.ok(
        "TRELLO_GET_CARDS_BY_ID_CARD", {"idCard": card["shortLink"], "list": True, "members": True}
    )
    assert (
        got["list"]["name"] == "Review"
        and got["members"][0]["username"] == "grace"
        and got["due"].startswith("2026-12-31")
    )

    moved = trello.ok(
        "TRELLO_UPDATE_CARDS_BY_ID_CARD",
        {"idCard": card["id"], "idList": backlog["id"], "name": "Proofread twice", "due": "null"},
    )
    assert moved["idList"] == backlog["id"] and stored.name == "Proofread twice" and stored.due is None
    in_backlog = trello.ok("TRELLO_GET_LISTS_CARDS_BY_ID_LIST", {"idList": backlog["id"], "fields": "name"})
    assert in_backlog["data"] == [{"id": card["id"], "name": "Proofread twice"}]
    got_list = trello.ok(
        "TRELLO_GET_LISTS_BY_ID_LIST",
        {"idList": backlog["id"], "cards": "open", "board": True, "board_fields": "name"},
    )
    assert got_list["board"]["name"] == "Roadmap" and len(got_list["cards"]) == 1
    renamed = trello.ok(
        "TRELLO_UPDATE_LISTS_BY_ID_LIST", {"idList": review["id"], "name": "In review", "closed": True}
    )
    assert renamed["closed"] is True and trello.state.lists[review["id"]].name == "In review"
    closed = trello.ok(
        "TRELLO_GET_BOARDS_LISTS_BY_ID_BOARD_BY_FILTER", {"idBoard": roadmap.id, "filter": "closed"}
    )
    assert [item["id"] for item in closed["data"]] == [review["id"]]

    first = trello.ok(
        "TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD", {"idBoard": roadmap.id, "limit": 2, "fields": "name"}
    )
    assert len(first["data"]) == 2
    everything = trello.ok("TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD", {"idBoard": roadmap.id, "fields": "name"})
    newest = max(c["id"] for c in everything["data"])
    older = trello.ok(
        "TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD", {"idBoard": roadmap.id, "before": newest, "fields": "name"}
    )
    assert len(older["data"]) == len(everything["data"]) - 1 and newest not in {
        c["id"] for c in older["data"]
    }

    trello.ok("TRELLO_UPDATE_CARDS_BY_ID_CARD", {"idCard": card["id"], "closed": True})
    archived = trello.ok(
        "TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD_BY_FILTER", {"idBoard": roadmap.id, "filter": "closed"}
    )
    assert [c["id"] for c in archived["data"]] == [card["id"]]
    trello.ok("TRELLO_DELETE_CARDS_BY_ID_CARD", {"idCard": card["id"]})
    assert card["id"] not in trello.state.cards
    trello.fails("TRELLO_GET_CARDS_BY_ID_CARD", {"idCard": card["id"]}, status=404)
    trello.fails("TRELLO_GET_CARDS_BY_ID_CARD", {"idCard": "not-an-id"}, status=400)
    trello.fails("TRELLO_ADD_CARDS", {"idList": "0" * 24, "name": "x"}, status=400)


def test_comments(trello):
    card = card_named(trello, "Fix the login redirect")
    actions = trello.ok("TRELLO_GET_CARDS_ACTIONS_BY_ID_CARD", {"idCard": card.id, "filter": "commentCard"})
    [grace_comment] = actions["data"]
    assert (
        grace_comment["data"]["text"] == "It loops on Safari."
        and grace_comment["memberCreator"]["username"] == "grace"
    )
    posted = trello.ok("TRELLO_ADD_CARDS_ACTIONS_COMMENTS_BY_ID_CARD", {"idCard": card.id, "text": "On it."})
    assert trello.state.actions[posted["id"]].data["text"] == "On it."
    edited = trello.ok(
        "TRELLO_UPDATE_CARDS_ACTIONS_COMMENTS_BY_ID_CARD_BY_ID_ACTION",
        {"idCard": card.id, "idAction": posted["id"], "text": "On it, today."},
    )
    assert edited["data"]["text"] == "On it, today."
    assert trello.ok("TRELLO_GET_CARDS_BY_ID_CARD", {"idCard": card.id})["badges"]["comments"] == 2
    trello.fails(  # only the author edits a comment
        "TRELLO_UPDATE_CARDS_ACTIONS_COMMENTS_BY_ID_CARD_BY_ID_ACTION",
        {"idCard": card.id, "idAction": grace_comment["id"], "text": "no"},
        status=401,
    )
    trello.ok(
        "TRELLO_DELETE_CARDS_ACTIONS_COMMENTS_BY_ID_CARD_BY_ID_ACTION",
        {"idCard": card.id, "idAction": posted["id"]},
    )
    assert posted["id"] not in trello.state.actions


def test_card_labels_and_members(trello):
    card = card_named(trello, "Ship the importer")
    bug = next(label for label in trello.state.labels.values() if label.name == "Bug")
    assert trello.ok("TRELLO_ADD_CARDS_ID_LABELS_BY_ID_CARD", {"idCard": card.id, "value": bug.id})[
        "data"
    ] == [bug.id]
    trello.fails("TRELLO_ADD_CARDS_ID_LABELS_BY_ID_CARD", {"idCard": card.id, "value": bug.id}, status=400)
    assert (
        trello.ok(
            "TRELLO_DELETE_CARDS_ID_LABELS_BY_ID_CARD_BY_ID_LABEL", {"idCard": card.id, "idLabel": bug.id}
        )["data"]
        == []
    )
    assigned = trello.ok("TRELLO_ADD_CARDS_ID_MEMBERS_BY_ID_CARD", {"idCard": card.id, "value": "grace"})
    assert [m["username"] for m in assigned["data"]] == ["grace"] and card.idMembers == [
        member(trello, "grace").id
    ]
    trello.fails(
        "TRELLO_ADD_CARDS_ID_MEMBERS_BY_ID_CARD", {"idCard": card.id, "value": "linus"}, status=400
    )  # not on the board
    left = trello.ok(
        "TRELLO_DELETE_CARDS_ID_MEMBERS_BY_ID_CARD_BY_ID_MEMBER",
        {"idCard": card.id, "idMember": member(trello, "grace").id},
    )
    assert left["data"] == [] and card.idMembers == []


def test_checklists(trello):
    roadmap = board_named(trello, "Roadmap")
    card = card_named(trello, "Fix the login redirect")
    on_board = trello.ok("TRELLO_GET_BOARDS_CHECKLISTS_BY_ID_BOARD", {"idBoard": roadmap.id})
    [steps] = on_board["data"]
    assert [i["state"] for i in steps["checkItems"]] == ["complete", "incomplete"]
    loose = trello.ok("TRELLO_ADD_BOARDS_CHECKLISTS_BY_ID_BOARD", {"idBoard": roadmap.id, "name": "Ideas"})
    assert trello.state.checklists[loose["id"]].idCard is None
    added = trello.ok(
        "TRELLO_ADD_CARDS_CHECKLISTS_BY_ID_CARD",
        {"idCard": card.id, "name": "QA", "idChecklistSource": steps["id"]},
    )
    assert [i["name"] for i in added["checkItems"]] == ["Reproduce", "Patch"]
    item = trello.ok(
        "TRELLO_ADD_CHECKLISTS_CHECK_ITEMS_BY_ID_CHECKLIST",
        {"idChecklist": added["id"], "name": "Release", "checked": True},
    )
    assert item["state"] == "complete"
    patch = added["checkItems"][1]
    done = trello.ok(
        "TRELLO_UPDATE_CARD_CHECKLIST_ITEM_STATE_BY_IDS",
        {"idCard": card.id, "idChecklist": added["id"], "idCheckItem": patch["id"], "value": "complete"},
    )
    assert done["state"] == "complete"
    on_card = trello.ok("TRELLO_GET_CARDS_CHECKLISTS_BY_ID_CARD", {"idCard": card.id})
    assert [c["name"] for c in on_card["data"]] == ["Steps", "QA"]
    got = trello.ok("TRELLO_GET_CHECKLISTS_BY_ID_CHECKLIST", {"idChecklist": added["id"]})
    assert [i["state"] for i in got["checkItems"]] == ["incomplete", "complete", "complete"]
    assert "checkItems" not in trello.ok(
        "TRELLO_GET_CHECKLISTS_BY_ID_CHECKLIST", {"idChecklist": added["id"], "checkItems": "none"}
    )
    assert trello.ok("TRELLO_GET_CARDS_BY_ID_CARD", {"idCard": card.id})["badges"]["checkItemsChecked"] == 3
    trello.ok("TRELLO_DELETE_CHECKLISTS_BY_ID_CHECKLIST", {"idChecklist": added["id"]})
    assert added["id"] not in trello.state.checklists


def test_board_members_and_memberships(trello):
    roadmap = board_named(trello, "Roadmap")
    members = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERS_BY_ID_BOARD", {"idBoard": roadmap.id, "fields": "username"}
    )
    assert {m["username"] for m in members["data"]} == {"ada", "grace"}
    admins = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERS_BY_ID_BOARD_BY_FILTER", {"idBoard": roadmap.id, "filter": "admins"}
    )
    assert [m["username"] for m in admins["data"]] == ["ada"]

    invited = trello.ok(
        "TRELLO_UPDATE_BOARDS_MEMBERS_BY_ID_BOARD",
        {"idBoard": roadmap.id, "email": "new@example.org", "fullName": "New Person"},
    )
    assert any(m["unconfirmed"] for m in invited["memberships"])
    pending = trello.ok("TRELLO_GET_BOARDS_MEMBERS_INVITED_BY_ID_BOARD", {"idBoard": roadmap.id})
    assert [m["fullName"] for m in pending["data"]] == ["New Person"]
    names = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERS_INVITED_BY_ID_BOARD_BY_FIELD", {"idBoard": roadmap.id, "field": "fullName"}
    )
    assert [m["fullName"] for m in names["data"]] == ["New Person"]

    added = trello.ok(
        "TRELLO_UPDATE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER",
        {"idBoard": roadmap.id, "idMember": "linus", "type": "observer"},
    )
    linus = member(trello, "linus")
    assert roadmap.membership_of(linus.id).memberType == "observer" and linus.id in {
        m["id"] for m in added["members"]
    }
    memberships = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERSHIPS_BY_ID_BOARD",
        {"idBoard": roadmap.id, "filter": "active", "member": True},
    )
    assert {m["member"]["username"] for m in memberships["data"]} == {"ada", "grace", "linus"}
    grace_membership = roadmap.membership_of(member(trello, "grace").id)
    got = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERSHIPS_BY_ID_BOARD_BY_ID_MEMBERSHIP",
        {
            "idBoard": roadmap.id,
            "idMembership": grace_membership.id,
            "member": True,
            "member_fields": "username",
        },
    )
    assert got["memberType"] == "normal" and got["member"]["username"] == "grace"
    promoted = trello.ok(
        "TRELLO_UPDATE_BOARDS_MEMBERSHIPS_BY_ID_BOARD_BY_ID_MEMBERSHIP",
        {"idBoard": roadmap.id, "idMembership": grace_membership.id, "type": "admin"},
    )
    assert promoted["memberType"] == "admin" and grace_membership.memberType == "admin"

    cards = trello.ok(
        "TRELLO_GET_BOARDS_MEMBERS_CARDS_BY_ID_BOARD_BY_ID_MEMBER",
        {"idBoard": roadmap.id, "idMember": "grace"},
    )
    assert [c["name"] for c in cards["data"]] == ["Fix the login redirect"]
    trello.ok(
        "TRELLO_DELETE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER", {"idBoard": roadmap.id, "idMember": "grace"}
    )
    assert roadmap.membership_of(member(trello, "grace").id) is None
    assert card_named(trello, "Fix the login redirect").idMembers == []
    trello.fails(
        "TRELLO_DELETE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER",
        {"idBoard": roadmap.id, "idMember": "ada"},
        status=403,
    )


def test_search(trello):
    found = trello.ok("TRELLO_GET_SEARCH", {"query": "login", "modelTypes": "cards,boards"})
    assert [c["name"] for c in found["cards"]] == ["Fix the login redirect"] and found["boards"] == []
    partial = trello.ok("TRELLO_GET_SEARCH", {"query": "road", "partial": True, "modelTypes": "boards"})
    assert [b["name"] for b in partial["boards"]] == ["Roadmap"]
    comments = trello.ok("TRELLO_GET_SEARCH", {"query": "safari", "modelTypes": "actions"})
    assert comments["actions"][0]["data"]["text"] == "It loops on Safari."
    paged = trello.ok(
        "TRELLO_GET_SEARCH", {"query": "the", "modelTypes": "cards", "cards_limit": 1, "cards_page": 1}
    )
    assert len(paged["cards"]) == 1


def test_private_boards_read_only_tokens_and_bad_credentials(connect_trello):
    grace = connect_trello(member="grace", scopes=("read",))
    personal = next(b for b in grace.state.boards.values() if b.name == "Personal")
    failed = grace.fails("TRELLO_GET_BOARDS_BY_ID_BOARD", {"idBoard": personal.id}, status=401)
    assert "unauthorized permission requested" in str(failed["data"])
    roadmap = next(b for b in grace.state.boards.values() if b.name == "Roadmap")
    assert grace.ok("TRELLO_GET_BOARDS_BY_ID_BOARD", {"idBoard": roadmap.id})["name"] == "Roadmap"
    grace.fails("TRELLO_ADD_BOARDS_LISTS_BY_ID_BOARD", {"idBoard": roadmap.id, "name": "Nope"}, status=401)
    assert not any(i.name == "Nope" for i in grace.state.lists.values())


def test_a_wrong_token_does_not_connect(sandbox, toolkit_server):
    from composio import Composio

    project = toolkit_server.new_project()
    composio = Composio(api_key=project.api_key, base_url=toolkit_server.url)
    toolkit = toolkit_server.state.catalog.toolkit("trello")
    with httpx.Client(
        base_url=toolkit_server.url, headers={"x-api-key": project.api_key}, timeout=30
    ) as client:
        created = client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "trello"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "API_KEY",
                    "credentials": dict(sandbox.endpoints(toolkit)),
                },
            },
        )
    config_id = created.json()["auth_config"]["id"]
    request = composio.connected_accounts.initiate(
        "someone",
        config_id,
        config={"auth_scheme": "API_KEY", "val": {"api_key": SANDBOX_KEY, "token": "ATTAnope"}},
    )
    with pytest.raises(
        Exception, match="FAILED"
    ):  # the verification request got Trello's 401 "invalid token"
        composio.connected_accounts.wait_for_connection(request.id, timeout=5)
    verification = sandbox.emulator("trello").requests.all()[-1]
    assert verification.path == "/1/members/me" and ("token", "ATTAnope") in verification.query


def test_oauth1_account_signs_every_request(sandbox, toolkit_server, request):
    grace = oauth1_account(sandbox, toolkit_server, request, member="grace")
    assert grace.ok("TRELLO_GET_MEMBERS_BY_ID_MEMBER", {"idMember": "me"})["username"] == "grace"
    todo = next(i for i in grace.state.lists.values() if i.name == "To Do")
    card = grace.ok("TRELLO_ADD_CARDS", {"idList": todo.id, "name": "Signed"})
    assert grace.state.cards[card["id"]].name == "Signed"
    sent = grace.emulator.requests.all()[-1]
    assert sent.header("authorization").startswith("OAuth ") and "oauth_signature=" in sent.header(
        "authorization"
    )
    assert not {name for name, _ in sent.query} & {"key", "token"}
