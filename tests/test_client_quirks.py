"""What real clients ran into (issue 10, item 6): each was a failure a client met, tested as it met it.

The TypeScript SDK asks for limit=9999 and types several fields as strings; CrewAI sends null for
every optional argument; a user's FAILED account must say why; suggested fixes are for any client.
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

from tests.support.execution import make_account
from tests.support.oauth import V3


@pytest.mark.parametrize(
    "path",
    [
        "/tools",
        "/toolkits",
        "/auth_configs",
        "/connected_accounts",
        "/triggers_types",
        "/trigger_instances/active",
        "/mcp/servers",
    ],
)
def test_a_limit_above_the_maximum_is_clamped_not_refused(client, path):
    response = client.get(f"{V3}{path}", params={"limit": 9999})
    assert response.status_code == 200, response.text


def test_tools_get_by_slugs_as_the_typescript_sdk_sends_it(client):
    response = client.get(f"{V3}/tools", params={"tool_slugs": "LOOPBACK_ECHO_GET", "limit": 9999})
    assert response.status_code == 200, response.text
    assert [item["slug"] for item in response.json()["items"]] == ["LOOPBACK_ECHO_GET"]


def _strings_where_typescript_wants_strings(value, where=""):
    """(path, None) for every null at a key the TypeScript SDK's models type as a string."""
    wanted = {
        "get_current_user_endpoint",
        "get_current_user_endpoint_method",
        "legacy_template_name",
        "created_by",
        "test_request_endpoint",
    }
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in wanted and item is None:
                found.append(f"{where}.{key}")
            found += _strings_where_typescript_wants_strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _strings_where_typescript_wants_strings(item, f"{where}[{index}]")
    return found


def test_fields_the_typescript_models_type_as_strings_are_never_null(client, server, project):
    account = make_account(server, project.id, user_id="ts-user", secrets={"api_key": "k"})
    bodies = {
        "toolkit": client.get(f"{V3}/toolkits/loopback").json(),
        "toolkit keyed": client.get(f"{V3}/toolkits/keyed").json(),
        "toolkits": client.get(f"{V3}/toolkits").json(),
        "auth configs": client.get(f"{V3}/auth_configs").json(),
        "account": client.get(f"{V3}/connected_accounts/{account}").json(),
        "accounts": client.get(f"{V3}/connected_accounts").json(),
    }
    nulls = {name: _strings_where_typescript_wants_strings(body) for name, body in bodies.items()}
    assert all(not found for found in nulls.values()), nulls


def test_null_for_an_optional_argument_is_treated_as_absent(client, upstream):
    upstream.clear()
    body = {
        "arguments": {"item_id": "7", "page_size": None, "filter": None, "trace_id": None},
        "user_id": "crew",
    }
    response = client.post(f"{V3}/tools/execute/LOOPBACK_ECHO_GET", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["successful"] is True, response.json()
    seen = upstream.requests[-1]
    assert seen.query == {} and "x-trace-id" not in seen.headers


def test_null_for_a_required_argument_is_still_refused(client):
    body = {"arguments": {"item_id": None}, "user_id": "crew"}
    response = client.post(f"{V3}/tools/execute/LOOPBACK_ECHO_GET", json=body)
    assert response.status_code == 400 and "item_id" in response.text


def test_a_failed_account_says_why_in_the_execute_error(client, server, project):
    from valetkey.connections.models import ConnectedAccount

    account = make_account(server, project.id, user_id="failing", status="FAILED")
    with server.state.db.session() as db:
        failed = db.get(ConnectedAccount, account)
        failed.status_reason = "Verification request GET /me was refused (HTTP 401)"
    response = client.post(f"{V3}/tools/execute/KEYED_WHOAMI", json={"arguments": {}, "user_id": "failing"})
    body = response.json()
    text = str(body)
    assert "FAILED" in text and "Verification request GET /me was refused (HTTP 401)" in text, body


PYTHON_CALL = re.compile(r"\b(composio|session|sessions|client|toolkit)\.[a-z_.]+\(|\b[a-z_]+\([a-z_]+=")


def _messages(tree):
    """The string constants of a module that are not docstrings (the text it can send)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def test_messages_and_suggested_fixes_are_not_written_in_python():
    """Every message the server's code holds (error text, suggested fixes): none is a Python call."""
    root = pathlib.Path(__file__).resolve().parent.parent / "src" / "valetkey"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if "sandbox" in path.parts or "cli" in path.parts or "migrations" in path.parts:
            continue
        for text in _messages(ast.parse(path.read_text(encoding="utf-8"))):
            if PYTHON_CALL.search(text):
                offenders.append(f"{path.relative_to(root)}: {text[:110]}")
    assert offenders == [], "\n".join(offenders)
