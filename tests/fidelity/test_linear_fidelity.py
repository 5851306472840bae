"""Every Linear tool's GraphQL request against the Linear schema the emulator serves.

Linear publishes no API description file (its schema is only available by
introspection and inside `@linear/sdk`), so the reference here is the
hand-written SDL subset in `valetkey.sandbox.apps.linear.sdl`, which keeps
Linear's own type, field and argument names (see specs/linear/PROVENANCE.md).
Each tool's document must parse and validate against it, and the variables
the executor builds from the tool's arguments must coerce to the declared
types: statically for every argument, and live for what the emulator received
during the end-to-end tests of this session. Negative tests prove drift fails.
"""

from __future__ import annotations

import functools

import pytest

from tests.fidelity.graphql_checker import assert_graphql_request_valid, check_graphql_request
from tests.fidelity.support import drifted, from_recorded, sample_arguments, tool_request
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding
from valetkey.sandbox.apps.linear.resolvers import build

#: Tools with no counterpart in the schema, and why. Every Linear tool is checked.
UNDESCRIBED: dict[str, str] = {}
BASE = "https://api.linear.app"


@functools.cache
def schema():
    return build()


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "linear")


def tool(toolkit, slug):
    return next(t for t in toolkit.tools if t.slug == slug)


def arguments(tool, *, optional=True):
    """Sample arguments, with YYYY-MM-DD where a date is asked for."""
    values = sample_arguments(tool, optional=optional)
    for name, sub in tool.input_schema.get("properties", {}).items():
        if name in values and "\\d{4}" in str(sub.get("pattern", "")):
            values[name] = "2030-01-31"
    return values


def test_every_tool_with_every_argument_sends_a_valid_graphql_request(toolkit):
    problems = []
    for each in toolkit.tools:
        for optional in (True, False):
            request = tool_request(each, arguments(each, optional=optional), BASE)
            problems += [f"{each.slug}: {p}" for p in check_graphql_request(schema(), request)]
    assert not problems, "\n".join(problems)


def test_every_argument_reaches_a_declared_variable(toolkit):
    for each in toolkit.tools:
        sent = tool_request(each, arguments(each), BASE).body["variables"]
        for binding in each.operation.params:
            node = sent
            for part in binding.upstream_name.split(".")[1:]:
                node = node[part]
        assert each.operation.response_path.startswith("data."), each.slug


def test_response_paths_name_the_operation_field(toolkit):
    for each in toolkit.tools:
        field = each.operation.response_path.split(".")[1]
        assert (
            f"{field}(" in each.operation.graphql
            or f"{field} " in each.operation.graphql
            or f"{field} {{" in each.operation.graphql
        ), each.slug


def test_requests_the_emulator_received_were_valid(sandbox, connect):
    """Live: the session's recorded GraphQL calls (verification included) all validate."""
    linear = connect("linear", "API_KEY")
    linear.ok("LINEAR_LIST_ISSUES", {"team_id": "x", "assigned_to_me": True, "first": 3})
    linear.ok("LINEAR_CREATE_COMMENT", {"issue_id": "ENG-1", "body": "hello"})
    recorded = [r for r in linear.emulator.requests.all() if r.path == "/graphql"]
    assert len(recorded) >= 3
    for request in recorded:
        assert_graphql_request_valid(schema(), from_recorded(request))


def test_coverage_every_tool_is_checked_or_listed(toolkit):
    assert {t.slug for t in toolkit.tools if t.operation and t.operation.graphql} | set(UNDESCRIBED) == {
        t.slug for t in toolkit.tools
    }


# --- drift is caught -------------------------------------------------------------------------


def test_a_renamed_field_fails(toolkit):
    create = tool(toolkit, "LINEAR_CREATE_LINEAR_ISSUE")
    broken = drifted(create, graphql=create.operation.graphql.replace("issueCreate(", "createIssue("))
    problems = check_graphql_request(schema(), tool_request(broken, arguments(broken), BASE))
    assert any("createIssue" in p for p in problems)


def test_a_wrong_variable_type_fails(toolkit):
    update = tool(toolkit, "LINEAR_UPDATE_ISSUE")
    broken = drifted(update, graphql=update.operation.graphql.replace("$priority: Int", "$priority: String"))
    problems = check_graphql_request(schema(), tool_request(broken, arguments(broken), BASE))
    assert any("priority" in p for p in problems)


def test_a_filter_bound_to_a_field_linear_lacks_fails(toolkit):
    listing = tool(toolkit, "LINEAR_LIST_ISSUES")
    params = tuple(
        ParamBinding(b.arg, b.location, "variables.filter.teams.id.eq") if b.arg == "team_id" else b
        for b in listing.operation.params
    )
    problems = check_graphql_request(
        schema(), tool_request(drifted(listing, params=params), {"team_id": "t"}, BASE)
    )
    assert any("teams" in p for p in problems)


def test_a_wrong_method_path_or_undeclared_variable_fails(toolkit):
    viewer = tool(toolkit, "LINEAR_GET_VIEWER")
    assert check_graphql_request(schema(), tool_request(drifted(viewer, method="GET"), {}, BASE))
    assert check_graphql_request(schema(), tool_request(drifted(viewer, path="/graphql/v2"), {}, BASE))
    teams = tool(toolkit, "LINEAR_LIST_TEAMS")
    params = tuple(
        ParamBinding(b.arg, b.location, "variables.limit") if b.arg == "first" else b
        for b in teams.operation.params
    )
    problems = check_graphql_request(
        schema(), tool_request(drifted(teams, params=params), {"first": 5}, BASE)
    )
    assert problems == ["variable $limit is sent but not declared"]
