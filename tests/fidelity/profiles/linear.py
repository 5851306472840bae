"""Linear: the GraphQL schema the emulator serves (Linear publishes no description file).

Its schema is only available by introspection and inside `@linear/sdk`, so
the reference is the hand-written SDL subset in
`valetkey.sandbox.apps.linear.sdl`, which keeps Linear's own type, field and
argument names (see specs/linear/PROVENANCE.md). A tool's document must parse
and validate against it, and the variables the executor builds from the
tool's arguments must coerce to the declared types.
"""

from __future__ import annotations

import functools
from typing import Any

from tests.fidelity.checker import WireRequest
from tests.fidelity.graphql_checker import check_graphql_request
from tests.fidelity.profile import Drift, Fidelity, renamed
from tests.fidelity.support import drifted, sample_arguments, tool_by_slug, tool_request
from valetkey.catalog.model import Tool
from valetkey.sandbox.apps.linear.resolvers import build

#: Tools with no counterpart in the schema, and why. Every Linear tool is checked.
UNDESCRIBED: dict[str, str] = {}
BASE = "https://api.linear.app"


@functools.cache
def schema():
    return build()


def check(request: WireRequest) -> list[str]:
    return check_graphql_request(schema(), request)


def sent(tool: Tool, arguments: dict[str, Any]) -> WireRequest:
    return tool_request(tool, arguments, BASE)


def arguments(tool: Tool, optional: bool = True) -> dict[str, Any]:
    """Sample arguments, with YYYY-MM-DD where a date is asked for."""
    values = sample_arguments(tool, optional=optional)
    for name, sub in tool.input_schema.get("properties", {}).items():
        if name in values and "\\d{4}" in str(sub.get("pattern", "")):
            values[name] = "2030-01-31"
    return values


def _graphql(toolkit, slug: str, old: str, new: str) -> WireRequest:
    tool = tool_by_slug(toolkit, slug)
    broken = drifted(tool, graphql=tool.operation.graphql.replace(old, new))
    return sent(broken, arguments(broken))


DRIFTS = (
    Drift(
        "renamed field",
        lambda tk: _graphql(tk, "LINEAR_CREATE_LINEAR_ISSUE", "issueCreate(", "createIssue("),
        ("createIssue",),
    ),
    Drift(
        "wrong variable type",
        lambda tk: _graphql(tk, "LINEAR_UPDATE_ISSUE", "$priority: Int", "$priority: String"),
        ("priority",),
    ),
    Drift(
        "filter bound to a field Linear lacks",
        lambda tk: sent(
            renamed(tool_by_slug(tk, "LINEAR_LIST_ISSUES"), "team_id", "variables.filter.teams.id.eq"),
            {"team_id": "t"},
        ),
        ("teams",),
    ),
    Drift("wrong method", lambda tk: sent(drifted(tool_by_slug(tk, "LINEAR_GET_VIEWER"), method="GET"), {})),
    Drift(
        "wrong path", lambda tk: sent(drifted(tool_by_slug(tk, "LINEAR_GET_VIEWER"), path="/graphql/v2"), {})
    ),
    Drift(
        "undeclared variable",
        lambda tk: sent(
            renamed(tool_by_slug(tk, "LINEAR_LIST_TEAMS"), "first", "variables.limit"), {"first": 5}
        ),
        exact=("variable $limit is sent but not declared",),
    ),
)

FIDELITY = Fidelity(
    "linear", check, request=sent, arguments=arguments, undescribed=UNDESCRIBED, drifts=DRIFTS
)
