"""Every Linear tool's GraphQL request against the Linear schema the emulator serves.

Linear publishes no API description file (its schema is only available by
introspection and inside `@linear/sdk`), so the reference here is the
hand-written SDL subset in `valetkey.sandbox.apps.linear.sdl`, which keeps
Linear's own type, field and argument names (see specs/linear/PROVENANCE.md).
Each tool's document must parse and validate against it, and the variables
the executor builds from the tool's arguments must coerce to the declared
types: statically for every argument, and live for what the emulator received
during the end-to-end tests of this session.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/linear.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.graphql_checker import assert_graphql_request_valid
from tests.fidelity.profiles.linear import BASE, UNDESCRIBED, arguments, schema
from tests.fidelity.support import from_recorded, tool_request
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "linear")


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
