"""Every tool of every imported (silver) toolkit, end to end: the official SDK, a real server, the generic emulator.

One server and one emulator for the whole module (the session fixtures
`toolkit_server` and `emulators`); one connected account per toolkit, made
with the toolkit's first auth scheme (OAuth 2 through the emulator's
provider, or tokens the emulator minted for every secret field). Each tool
runs with example arguments for *every* argument (`imports.examples`), so
each binding reaches the emulator, which checks the request against the
published description (method, path, parameters, body, credential
placement) and answers from the response schema. A tool passes when the
call succeeds and its `data` validates against the tool's output schema.

Also here: regenerating each toolkit from its `api.json` and `import.yaml`
gives the committed files, and the emulator refuses a bad credential (401)
and a request that does not fit the operation (400, documented error shape).
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest

from tests.support.toolkits import SandboxHandle, _create_auth_config, _oauth2_connect
from valetkey.catalog.imports.examples import example_arguments
from valetkey.catalog.imports.files import imported_folders, stale
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import Toolkit

FOLDERS = imported_folders(BUILTIN_DIR)
TOOLKITS = {folder.name: load_toolkit(folder) for folder in FOLDERS}
# Every shipped tool runs end to end: a tool that does not is hidden in its import.yaml
# (`hide: true`, with the reason), never listed here as an expected failure.
TOOLS = [
    pytest.param(slug, tool.slug, id=tool.slug)
    for slug, toolkit in TOOLKITS.items()
    for tool in toolkit.tools
]


def test_there_are_silver_toolkits():
    assert len(TOOLKITS) >= 1 and all(t.tier == "silver" for t in TOOLKITS.values())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_generated_files_are_what_regenerating_gives(folder):
    assert stale(folder) == [], f"run: valetkey catalog import {folder}"


class Connections:
    """One connected account per silver toolkit, made on first use."""

    def __init__(self, sandbox: SandboxHandle, server: Any):
        from composio import Composio

        self.sandbox, self.server = sandbox, server
        self.project = server.new_project()
        self.composio = Composio(api_key=self.project.api_key, base_url=server.url)
        self.users: dict[str, str] = {}

    def user_for(self, slug: str) -> str:
        if slug not in self.users:
            self.users[slug] = self._connect(TOOLKITS[slug])
        return self.users[slug]

    def _connect(self, toolkit: Toolkit) -> str:
        user_id = "user-" + uuid.uuid4().hex[:8]
        if not toolkit.auth_schemes:
            return user_id
        scheme = toolkit.auth_schemes[0]
        emulator = self.sandbox.emulator(toolkit.slug)
        credentials: dict[str, Any] = dict(self.sandbox.endpoints(toolkit))
        with httpx.Client(base_url=self.server.url, headers={"x-api-key": self.project.api_key}) as client:
            if scheme.mode == "OAUTH2":
                credentials.update(
                    client_id="sandbox-client",
                    client_secret="sandbox-secret",
                    scopes=list(scheme.default_scopes),
                )
                config_id = _create_auth_config(client, toolkit.slug, "OAUTH2", credentials)
                account_id = _oauth2_connect(self.composio, user_id, config_id, None)
            else:
                credentials.pop("authorization_url", None)
                credentials.pop("token_url", None)
                config_id = _create_auth_config(client, toolkit.slug, scheme.mode, credentials)
                values = {
                    f.name: emulator.issue_token("sandbox-user") if f.secret else "sandbox"
                    for f in scheme.account_fields
                }
                account_id = self.composio.connected_accounts.initiate(
                    user_id, config_id, config={"auth_scheme": scheme.mode, "val": values}
                ).id
        account = self.composio.connected_accounts.wait_for_connection(account_id, timeout=10)
        assert account.status == "ACTIVE", account
        return user_id


@pytest.fixture(scope="module")
def connections(emulators, toolkit_server) -> Connections:
    return Connections(emulators, toolkit_server)


@cache
def output_validator(slug: str, tool: str) -> jsonschema.Draft202012Validator:
    schema = next(t for t in TOOLKITS[slug].tools if t.slug == tool).output_schema
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(("toolkit", "tool"), TOOLS)
def test_every_silver_tool_runs_through_the_sdk(connections, toolkit, tool):
    definition = next(t for t in TOOLKITS[toolkit].tools if t.slug == tool)
    result = connections.composio.tools.execute(
        tool,
        example_arguments(definition.input_schema),
        user_id=connections.user_for(toolkit),
        dangerously_skip_version_check=True,
    )
    assert result["successful"] is True, f"{tool}: {result['error']} {result['data']}"
    problems = [e.message for e in output_validator(toolkit, tool).iter_errors(result["data"])]
    assert not problems, f"{tool}: data does not fit the output schema: {problems[:3]}"


def test_the_generic_emulator_refuses_bad_credentials_and_bad_requests(emulators):
    slug = next(s for s, t in TOOLKITS.items() if t.auth_schemes)
    toolkit = TOOLKITS[slug]
    tool = next(
        t
        for t in toolkit.tools
        if t.operation and t.operation.method == "GET" and "{" not in t.operation.path
    )
    root = emulators.endpoints(toolkit)["base_url"]
    url = root + tool.operation.path
    token = emulators.emulator(slug).issue_token("sandbox-user")
    placement = toolkit.auth_schemes[0].placements[0] if toolkit.auth_schemes[0].placements else None
    good = {"Authorization": f"Bearer {token}"}
    if placement is not None and placement.name.lower() != "authorization":
        good = {placement.name: token} if placement.location == "header" else {}
    with httpx.Client(timeout=10) as client:
        refused = client.get(url, headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        wrong = client.get(url, params={"not_a_parameter": "1"}, headers=good)
        assert wrong.status_code == 400, wrong.text
        body = wrong.json()["error"]
        assert body["code"] == "invalid_request" and "not_a_parameter" in " ".join(body["problems"])
        missing = client.get(root + "/no/such/path/at/all", headers=good)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
