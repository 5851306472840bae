"""Every Trello tool's request against Trello's published OpenAPI description (APIs.guru, Trello 1.0).

As for Slack: statically (``test_fidelity.py`` with ``profiles/trello.py``), the
request the executor builds for each tool with every argument and with only
the required ones; live (here), what the Trello emulator received when each
tool ran through the SDK and a real server, with the account's real key and
token in the query string. The profile's one body adaptation (booleans as
the strings the scraped description types them as) applies to both; the
live check adds no credentials, they must be on the wire.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.fidelity.checker import TRANSPORT_HEADERS, check_request
from tests.fidelity.profiles.trello import UNDESCRIBED, check, tolerated
from tests.fidelity.support import description, from_recorded, tool_by_slug, tool_request
from tests.toolkits_e2e.test_trello import trello_account
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.sandbox.apps.trello.state import SANDBOX_KEY


@pytest.fixture(scope="module")
def spec():
    return description("trello", "trello.com.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "trello")


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    used = {}
    for tool in toolkit.tools:
        found = spec.find(tool.operation.method, tool.operation.path)
        assert found is not None, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}
    assert not UNDESCRIBED


def test_without_the_account_the_description_demands_key_and_token(spec, toolkit):
    """The credentials are the account's: a request built from arguments alone lacks them."""
    request = tool_request(tool_by_slug(toolkit, "TRELLO_GET_MEMBERS_BY_ID_MEMBER"), {"idMember": "me"})
    problems = check_request(spec, request, transport_headers=TRANSPORT_HEADERS)
    assert problems == [
        "GET /members/me (getMembersByIdMember): required query parameter 'key' is missing",
        "GET /members/me (getMembersByIdMember): required query parameter 'token' is missing",
    ]


Ids = dict[str, Any]


def live_calls(ids: Ids) -> list[tuple[str, Any]]:
    """Every tool, in an order where each finds what it needs; values are filled from `ids` as they come."""
    b = lambda **extra: lambda: {"idBoard": ids["board"], **extra}  # noqa: E731
    c = lambda **extra: lambda: {"idCard": ids["card"], **extra}  # noqa: E731
    calls: list[tuple[str, Any]] = [
        ("TRELLO_GET_MEMBERS_BY_ID_MEMBER", lambda: {"idMember": "me", "fields": "username,fullName"}),
        (
            "TRELLO_GET_MEMBERS_BOARDS_BY_ID_MEMBER",
            lambda: {"idMember": "me", "filter": "open", "lists": "open"},
        ),
        ("TRELLO_ADD_BOARDS", lambda: {"name": "Fidelity", "desc": "d", "prefs_permissionLevel": "private"}),
        ("TRELLO_GET_BOARDS_BY_ID_BOARD", b(lists="open", cards="visible", labels="all", members="all")),
        (
            "TRELLO_UPDATE_BOARDS_BY_ID_BOARD",
            b(name="Fid", closed=False, prefs_selfJoin=True, label_names_red="R"),
        ),
        ("TRELLO_UPDATE_BOARDS_CLOSED_BY_ID_BOARD", b(value=False)),
        ("TRELLO_UPDATE_BOARDS_DESC_BY_ID_BOARD", b(value="desc")),
        ("TRELLO_UPDATE_BOARDS_ID_ORGANIZATION_BY_ID_BOARD", b(value="acme")),
        *[
            (f"TRELLO_UPDATE_BOARDS_LABEL_NAMES_{color}_BY_ID_BOARD", b(value=color.lower()))
            for color in ("BLUE", "GREEN", "ORANGE", "PURPLE", "RED", "YELLOW")
        ],
        ("TRELLO_ADD_BOARDS_CALENDAR_KEY_GENERATE_BY_ID_BOARD", b()),
        ("TRELLO_ADD_BOARDS_EMAIL_KEY_GENERATE_BY_ID_BOARD", b()),
        ("TRELLO_ADD_BOARDS_MARK_AS_VIEWED_BY_ID_BOARD", b()),
        ("TRELLO_GET_BOARDS_MY_PREFS_BY_ID_BOARD", b()),
        ("TRELLO_GET_BOARDS_BOARD_STARS_BY_ID_BOARD", b(filter="mine")),
        ("TRELLO_GET_BOARDS_DELTAS_BY_ID_BOARD", b(tags="updates", ixLastUpdate=0)),
        ("TRELLO_GET_BOARDS_ACTIONS_BY_ID_BOARD", b(filter="all", limit=5, page=0, fields="type,date")),
        ("TRELLO_ADD_BOARDS_LISTS_BY_ID_BOARD", b(name="Inbox", pos="top")),
        ("TRELLO_ADD_LISTS", lambda: {"idBoard": ids["board"], "name": "Later", "pos": "bottom"}),
        (
            "TRELLO_GET_BOARDS_LISTS_BY_ID_BOARD",
            b(filter="open", cards="open", fields="name", card_fields="name"),
        ),
        ("TRELLO_GET_BOARDS_LISTS_BY_ID_BOARD_BY_FILTER", b(filter="all")),
        ("TRELLO_GET_LISTS_BY_ID_LIST", lambda: {"idList": ids["list"], "cards": "all", "board": True}),
        (
            "TRELLO_UPDATE_LISTS_BY_ID_LIST",
            lambda: {"idList": ids["list"], "name": "Inbox 2", "subscribed": True},
        ),
        ("TRELLO_ADD_BOARDS_LABELS_BY_ID_BOARD", b(name="L", color="lime")),
        ("TRELLO_GET_BOARDS_LABELS_BY_ID_BOARD", b(fields="name,color", limit=10)),
        ("TRELLO_GET_BOARDS_LABELS_BY_ID_BOARD_BY_ID_LABEL", b(idLabel="{label}")),
        (
            "TRELLO_UPDATE_LABELS_BY_ID_LABEL",
            lambda: {"idLabel": ids["label"], "name": "L2", "color": "pink"},
        ),
        (
            "TRELLO_ADD_CARDS",
            lambda: {
                "idList": ids["list"],
                "name": "C",
                "desc": "d",
                "pos": "top",
                "due": "2026-12-31T00:00:00.000Z",
            },
        ),
        (
            "TRELLO_GET_CARDS_BY_ID_CARD",
            c(checklists="all", members=True, board=True, list=True, actions="all"),
        ),
        ("TRELLO_UPDATE_CARDS_BY_ID_CARD", c(name="C2", closed=False, subscribed=True, pos="bottom")),
        ("TRELLO_GET_LISTS_CARDS_BY_ID_LIST", lambda: {"idList": ids["list"], "filter": "open", "limit": 5}),
        ("TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD", b(filter="visible", fields="name", limit=10)),
        ("TRELLO_GET_BOARDS_CARDS_BY_ID_BOARD_BY_FILTER", b(filter="open")),
        ("TRELLO_ADD_CARDS_ID_LABELS_BY_ID_CARD", c(value="{label}")),
        ("TRELLO_DELETE_CARDS_ID_LABELS_BY_ID_CARD_BY_ID_LABEL", c(idLabel="{label}")),
        ("TRELLO_ADD_CARDS_ID_MEMBERS_BY_ID_CARD", c(value="me")),
        ("TRELLO_GET_BOARDS_MEMBERS_CARDS_BY_ID_BOARD_BY_ID_MEMBER", b(idMember="me", filter="open")),
        ("TRELLO_DELETE_CARDS_ID_MEMBERS_BY_ID_CARD_BY_ID_MEMBER", c(idMember="me")),
        ("TRELLO_ADD_CARDS_ACTIONS_COMMENTS_BY_ID_CARD", c(text="hello")),
        ("TRELLO_GET_CARDS_ACTIONS_BY_ID_CARD", c(filter="commentCard", limit=5)),
        (
            "TRELLO_UPDATE_CARDS_ACTIONS_COMMENTS_BY_ID_CARD_BY_ID_ACTION",
            c(idAction="{action}", text="edited"),
        ),
        ("TRELLO_DELETE_CARDS_ACTIONS_COMMENTS_BY_ID_CARD_BY_ID_ACTION", c(idAction="{action}")),
        ("TRELLO_ADD_BOARDS_CHECKLISTS_BY_ID_BOARD", b(name="Loose")),
        ("TRELLO_ADD_CARDS_CHECKLISTS_BY_ID_CARD", c(name="Steps")),
        (
            "TRELLO_ADD_CHECKLISTS_CHECK_ITEMS_BY_ID_CHECKLIST",
            lambda: {"idChecklist": ids["checklist"], "name": "a", "checked": False, "pos": "bottom"},
        ),
        (
            "TRELLO_UPDATE_CARD_CHECKLIST_ITEM_STATE_BY_IDS",
            c(idChecklist="{checklist}", idCheckItem="{item}", value="complete"),
        ),
        (
            "TRELLO_GET_CHECKLISTS_BY_ID_CHECKLIST",
            lambda: {"idChecklist": ids["checklist"], "checkItems": "all"},
        ),
        ("TRELLO_GET_CARDS_CHECKLISTS_BY_ID_CARD", c(fields="name")),
        ("TRELLO_GET_BOARDS_CHECKLISTS_BY_ID_BOARD", b(filter="all")),
        ("TRELLO_DELETE_CHECKLISTS_BY_ID_CHECKLIST", lambda: {"idChecklist": ids["checklist"]}),
        (
            "TRELLO_GET_SEARCH",
            lambda: {"query": "C2", "modelTypes": "cards,boards", "partial": True, "cards_limit": 5},
        ),
        (
            "TRELLO_UPDATE_BOARDS_MEMBERS_BY_ID_BOARD",
            b(email="new@example.org", fullName="New", type="normal"),
        ),
        ("TRELLO_GET_BOARDS_MEMBERS_INVITED_BY_ID_BOARD", b(fields="fullName")),
        ("TRELLO_GET_BOARDS_MEMBERS_INVITED_BY_ID_BOARD_BY_FIELD", b(field="fullName")),
        ("TRELLO_UPDATE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER", b(idMember="grace", type="normal")),
        ("TRELLO_GET_BOARDS_MEMBERS_BY_ID_BOARD", b(filter="all", fields="username")),
        ("TRELLO_GET_BOARDS_MEMBERS_BY_ID_BOARD_BY_FILTER", b(filter="normal")),
        ("TRELLO_GET_BOARDS_MEMBERSHIPS_BY_ID_BOARD", b(filter="all", member=True, member_fields="username")),
        (
            "TRELLO_GET_BOARDS_MEMBERSHIPS_BY_ID_BOARD_BY_ID_MEMBERSHIP",
            b(idMembership="{membership}", member=True),
        ),
        (
            "TRELLO_UPDATE_BOARDS_MEMBERSHIPS_BY_ID_BOARD_BY_ID_MEMBERSHIP",
            b(idMembership="{membership}", type="observer"),
        ),
        ("TRELLO_DELETE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER", b(idMember="grace")),
        ("TRELLO_DELETE_LABELS_BY_ID_LABEL", lambda: {"idLabel": ids["label"]}),
        ("TRELLO_DELETE_CARDS_BY_ID_CARD", c()),
    ]
    return calls


def learn(slug: str, data: Any, ids: Ids, state: Any) -> None:
    """Remember the ids later calls need."""
    if slug == "TRELLO_ADD_BOARDS":
        ids["board"] = data["id"]
    elif slug == "TRELLO_ADD_BOARDS_LISTS_BY_ID_BOARD":
        ids["list"] = data["id"]
    elif slug == "TRELLO_ADD_BOARDS_LABELS_BY_ID_BOARD":
        ids["label"] = data["id"]
    elif slug == "TRELLO_ADD_CARDS":
        ids["card"] = data["id"]
    elif slug == "TRELLO_ADD_CARDS_ACTIONS_COMMENTS_BY_ID_CARD":
        ids["action"] = data["id"]
    elif slug == "TRELLO_ADD_CARDS_CHECKLISTS_BY_ID_CARD":
        ids["checklist"] = data["id"]
    elif slug == "TRELLO_ADD_CHECKLISTS_CHECK_ITEMS_BY_ID_CHECKLIST":
        ids["item"] = data["id"]
    elif slug == "TRELLO_UPDATE_BOARDS_MEMBERS_BY_ID_BOARD_BY_ID_MEMBER":
        grace = state.member_by_name("grace")
        ids["membership"] = next(m["id"] for m in data["memberships"] if m["idMember"] == grace.id)


def test_live_requests_of_every_tool_match_the_description(sandbox, toolkit_server, request, toolkit):
    trello = trello_account(sandbox, toolkit_server, request)
    trello.emulator.requests.clear()
    ids: Ids = {}
    problems, calls = [], live_calls(ids)
    for slug, arguments in calls:
        values = {
            k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in arguments().items()
        }
        before = len(trello.emulator.requests)
        result = trello.execute(slug, values)
        assert result["successful"], (slug, result["error"])
        learn(slug, result["data"], ids, trello.state)
        sent = trello.emulator.requests.all()[before:]
        assert len(sent) == 1, f"{slug} sent {len(sent)} requests"
        query = dict(sent[0].query)
        assert query["key"] == SANDBOX_KEY and query["token"].startswith("ATTA"), slug
        recorded = from_recorded(sent[0])  # the mount-relative path keeps the API root's /1
        wire = dataclasses.replace(recorded, path=recorded.path.removeprefix("/1"))
        tool = tool_by_slug(toolkit, slug)
        problems += [f"{slug}: {p}" for p in check(wire) if not tolerated(tool, True, p)]
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in calls} == {t.slug for t in toolkit.tools}
