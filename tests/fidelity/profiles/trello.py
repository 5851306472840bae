"""Trello: its published OpenAPI description (APIs.guru, Trello 1.0, ``specs/trello``).

The description was scraped from Trello's HTML reference (``x-unofficialSpec``),
which shows in three places; `as_described` and `tolerated` bridge exactly these,
and PROVENANCE.md lists them:

- every operation declares the credentials as required ``key`` and ``token``
  query parameters. The executor adds them from the connected account (the
  scheme's placements), not from tool arguments, so a request built without an
  account gets them added before checking, as the account would;
- every body field is typed ``string`` ("true or false" for booleans), since the
  HTML pages show form values. Trello's JSON API takes JSON booleans, and the
  tools declare booleans as booleans: `as_described` writes them as the strings
  ``"true"``/``"false"`` before checking, so the field names and every other
  type are checked unchanged;
- every request body is marked ``required``, even where every field is optional
  (PUT /cards/{idCard} with nothing to change). A body left out because no
  optional argument was given is tolerated; a body with undeclared or mistyped
  fields is not;
- GET /search marks ``idOrganizations`` required; it only narrows the search to
  Workspaces (Trello's reference lists it as optional, and the search tool
  takes it as an optional argument), so its absence is tolerated there alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, renamed
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request
from valetkey.catalog.model import Tool

#: Tools with no operation in Trello's description, and why. None today.
UNDESCRIBED: dict[str, str] = {}
CREDENTIALS = (("key", "sample-key"), ("token", "sample-token"))


def spec():
    return description("trello", "trello.com.subset.json")


def as_described(request: WireRequest) -> WireRequest:
    """The request with the account's key and token in the query and booleans as the strings Trello's pages show."""
    query = request.query
    if not any(name == "key" for name, _ in query):
        query = (*query, *CREDENTIALS)
    body = request.body
    if isinstance(body, dict):
        body = {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in body.items()}
    return dataclasses.replace(request, query=query, body=body)


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), as_described(request), transport_headers=TRANSPORT_HEADERS)


def tolerated(tool: Tool, optional: bool, problem: str) -> bool:
    """A body-less PUT/POST whose schema requires no field: the description marks every body required."""
    if tool.slug == "TRELLO_GET_SEARCH":
        return "required query parameter 'idOrganizations' is missing" in problem
    return not optional and "the request body is required" in problem


CARD = {"idList": "5a0000000000000000000001", "name": "Card"}


def _create_card(toolkit, tool: Tool | None = None, arguments: dict[str, Any] | None = None) -> WireRequest:
    return tool_request(tool or tool_by_slug(toolkit, "TRELLO_ADD_CARDS"), arguments or CARD)


DRIFTS = (
    Drift(
        "renamed body field",
        lambda tk: _create_card(tk, renamed(tool_by_slug(tk, "TRELLO_ADD_CARDS"), "idList", "listId")),
        ("body property 'listId' is not declared",),
    ),
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            renamed(tool_by_slug(tk, "TRELLO_GET_SEARCH"), "modelTypes", "types"),
            {"query": "x", "modelTypes": "cards"},
        ),
        ("query parameter 'types' is not declared",),
    ),
    Drift(
        "wrong path",
        lambda tk: _create_card(tk, drifted(tool_by_slug(tk, "TRELLO_ADD_CARDS"), path="/card")),
        ("no operation",),
        first=True,
    ),
    Drift(
        "wrong method",
        lambda tk: _create_card(tk, drifted(tool_by_slug(tk, "TRELLO_ADD_CARDS"), method="PUT")),
        ("no operation",),
        first=True,
    ),
    Drift(
        "a number where the description takes a string",
        lambda tk: tool_request(
            tool_by_slug(tk, "TRELLO_ADD_BOARDS_LISTS_BY_ID_BOARD"), {"idBoard": "b", "name": "L", "pos": 3}
        ),
        ("body.pos",),
    ),
    Drift("control: a clean request", lambda tk: _create_card(tk), exact=()),
)

FIDELITY = Fidelity("trello", check, undescribed=UNDESCRIBED, tolerated=tolerated, drifts=DRIFTS)
