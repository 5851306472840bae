"""The official Scalekit SDK (scalekit-sdk-python) against `valetkey serve` with VALETKEY_SCALEKIT_LISTEN.

Real processes and sockets on loopback: the sandbox's emulators, `valetkey serve --sandbox`
with the Scalekit origin on TLS from a certificate authority made for the test, the CLI
issuing client credentials, and the migration guide's code (tests/scalekit_guide.py) in a
process of its own that trusts that CA through GRPC_DEFAULT_SSL_ROOTS_FILE_PATH and
REQUESTS_CA_BUNDLE, as a team would run it.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.mcp import mcp_session, text_of
from tests.support.sandbox_events import gmail_deliver
from tests.support.servers import _free_port
from tests.support.tls import LocalTls, make_local_tls
from tests.support.toolkits import SANDBOX_CLIENT_SECRET, start_emulators
from tests.test_first_run import _cli, _env
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkits
from valetkey.sandbox.emulator import SANDBOX_CLIENT_ID

pytest.importorskip("scalekit")
REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "tests" / "scalekit_guide.py"
V3 = "/api/v3"


@dataclass
class Stack:
    url: str  # the REST API
    env_url: str  # the Scalekit origin (https)
    env: dict[str, str]  # the server's and the CLI's environment
    tls: LocalTls
    sandbox: str
    gmail_user: str
    tmp: Path

    def project(self, name: str) -> tuple[str, str]:
        made = _cli(self.env, "projects", "create", name, "--json")
        assert made.returncode == 0, made.stderr
        body = json.loads(made.stdout)
        return body["id"], body["api_key"]

    def credentials(self, project_id: str) -> dict[str, str]:
        issued = _cli(self.env, "projects", "credentials", project_id, "--json")
        assert issued.returncode == 0, issued.stderr
        return json.loads(issued.stdout)

    def sdk_env(self, pair: dict[str, str]) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("VALETKEY_", "SCALEKIT_"))},
            "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}",
            "SCALEKIT_CLIENT_ID": pair["client_id"],
            "SCALEKIT_CLIENT_SECRET": pair["client_secret"],
            "SCALEKIT_ENV_URL": self.env_url,
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(self.tls.ca),
            "REQUESTS_CA_BUNDLE": str(self.tls.ca),
        }

    def run_sdk(self, pair: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], env=self.sdk_env(pair), capture_output=True, text=True, timeout=120
        )

    def guide(self, pair: dict[str, str], step: str) -> list[dict]:
        run = self.run_sdk(pair, str(GUIDE), step)
        assert run.returncode == 0, f"guide step {step} failed:\n{run.stdout}\n{run.stderr}"
        return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]

    def gmail_config(self, api_key: str, name: str = "gmail") -> str:
        toolkit = next(t for t in load_toolkits([BUILTIN_DIR]) if t.slug == "gmail")
        scheme = toolkit.scheme("OAUTH2")
        assert scheme is not None
        root = f"{self.sandbox}/gmail"
        from urllib.parse import urlsplit

        credentials = {
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "authorization_url": root + urlsplit(scheme.oauth["authorization_url"]).path,
            "token_url": root + urlsplit(scheme.oauth["token_url"]).path,
        }
        r = httpx.post(
            f"{self.url}{V3}/auth_configs",
            headers={"x-api-key": api_key},
            json={
                "toolkit": {"slug": "gmail"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "OAUTH2",
                    "name": name,
                    "credentials": credentials,
                },
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
        return r.json()["auth_config"]["id"]


def _start(args: list[str], env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    """`valetkey ARGS` started and answering `url` (a loaded machine takes a while to build the catalog)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "valetkey", *args], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    for _ in range(3000):
        if proc.poll() is not None:
            raise AssertionError(f"{args} exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"{args} did not start: {log.read_text()[-2000:]}")


def play_browser(link: str) -> None:
    """The user opens the authorization link and approves: Continue, the provider, back to Valetkey."""
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        page = browser.get(link)
        assert page.status_code == 200, page.text
        response = browser.post(link + "/continue")
        for _ in range(10):
            if not response.is_redirect:
                break
            response = browser.get(response.headers["location"])
        assert response.status_code < 400, response.text


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scalekit")
    tls = make_local_tls(tmp / "tls")
    threaded, emulators = start_emulators()
    port, origin = _free_port(), _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(
        tmp,
        VALETKEY_PUBLIC_URL=url,
        VALETKEY_SCALEKIT_LISTEN=f"127.0.0.1:{origin}",
        VALETKEY_TLS_CERT=str(tls.cert),
        VALETKEY_TLS_KEY=str(tls.key),
    )
    server = _start(
        ["serve", "--port", str(port), "--sandbox", emulators.url], env, f"{url}/health", tmp / "serve.log"
    )
    gmail = emulators.emulator("gmail")
    user = gmail.oauth2.config.default_subject if gmail.oauth2 else "sandbox-user"
    try:
        yield Stack(url, f"https://127.0.0.1:{origin}", env, tls, emulators.url, user, tmp)
    finally:
        server.terminate()
        server.wait(timeout=20)
        threaded.stop()


def test_the_migration_guide_runs_unchanged(stack):
    project_id, api_key = stack.project("guide")
    stack.gmail_config(api_key)
    pair = stack.credentials(project_id)
    assert set(pair) == {"client_id", "client_secret"}
    gmail_deliver(stack.sandbox, stack.gmail_user, sender="bob@example.com", subject="Scalekit says hi")

    (first,) = stack.guide(pair, "connect")
    assert first["status"] == "PENDING_AUTH" and first["link"].startswith(stack.url + "/link/"), first
    play_browser(first["link"])

    steps = {s["step"]: s for s in stack.guide(pair, "use")}
    account = steps["account"]
    assert account["status"] == "ACTIVE" and account["account"]["id"] == first["id"], account
    assert account["account"]["connector"] == "gmail" and account["account"]["provider"] == "gmail"
    # The project masks account secrets (the default): GetConnectedAccountAuth follows the same rule.
    token = account["account"]["authorization_details"]["oauth_token"]["access_token"]
    assert token.endswith("...") or token == "REDACTED", token

    assert "gmail_fetch_emails" in steps["tools"]["names"], steps["tools"]
    assert steps["tools"]["total"] == len(steps["tools"]["names"]) > 5
    mails = json.dumps(steps["execute"]["data"])
    assert "Scalekit says hi" in mails, mails
    assert steps["proxy"]["status"] == 200 and steps["proxy"]["body"]["messages"], steps["proxy"]
    mcp = steps["mcp"]
    mapping = mcp["config"]["config"]["connection_tool_mappings"][0]
    assert mapping["connection_name"] == "gmail" and mapping["tools"] == ["gmail_fetch_emails"], mapping
    url = mcp["instance"]["instance"]["url"]
    assert url.startswith(stack.url + "/"), url
    # The per-user URL works with no key: an MCP client lists the config's tool there and runs it.

    async def through_mcp() -> tuple[list[str], str]:
        async with mcp_session(url) as session:
            listed = await session.list_tools()
            ran = await session.call_tool("GMAIL_FETCH_EMAILS", {"query": "is:unread", "max_results": 5})
            return [t.name for t in listed.tools], text_of(ran)

    names, text = asyncio.run(through_mcp())
    assert names == ["GMAIL_FETCH_EMAILS"], names
    assert "Scalekit says hi" in text, text


# -- credentials, isolation, errors --------------------------------------------------------------


def _token(stack: Stack, **form: str) -> httpx.Response:
    return httpx.post(
        f"{stack.env_url}/oauth/token",
        data=form,
        verify=ssl.create_default_context(cafile=str(stack.tls.ca)),
        timeout=30,
    )


def _grpc_channel(stack: Stack, token: str | None):
    import grpc

    credentials = grpc.ssl_channel_credentials(root_certificates=stack.tls.ca.read_bytes())
    if token:
        credentials = grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(token)
        )
    return grpc.secure_channel(stack.env_url.removeprefix("https://"), credentials)


def test_bad_and_revoked_client_credentials_are_refused(stack):
    project_id, _ = stack.project("creds")
    pair = stack.credentials(project_id)
    other = stack.credentials(project_id)
    assert other["client_id"] != pair["client_id"] and other["client_secret"] != pair["client_secret"]

    wrong = _token(
        stack, grant_type="client_credentials", client_id=pair["client_id"], client_secret="vks_wrong"
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client", wrong.text
    assert _token(stack, grant_type="password", client_id="x", client_secret="y").status_code == 400
    extra = _token(stack, grant_type="client_credentials", audience="x", **pair)
    assert extra.status_code == 400 and "audience" in extra.json()["error_description"]

    good = _token(stack, grant_type="client_credentials", **pair)
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 3600
    access = body["access_token"]
    # The SDK refuses to start with a wrong secret: its token request is answered 401.
    run = stack.run_sdk(
        {**pair, "client_secret": "vks_wrong"},
        "-c",
        "import os, scalekit.client\n"
        "scalekit.client.ScalekitClient(client_id=os.getenv('SCALEKIT_CLIENT_ID'),"
        " client_secret=os.getenv('SCALEKIT_CLIENT_SECRET'), env_url=os.getenv('SCALEKIT_ENV_URL'))",
    )
    assert run.returncode != 0 and "401" in run.stderr + run.stdout, run.stderr

    from scalekit.v1.tools import tools_pb2, tools_pb2_grpc

    with _grpc_channel(stack, access) as channel:
        stub = tools_pb2_grpc.ToolServiceStub(channel)
        listed = stub.ListScopedTools(tools_pb2.ListScopedToolsRequest(identifier="nobody"), timeout=20)
        assert list(listed.tools) == [] and listed.total_size == 0

    revoked = _cli(stack.env, "projects", "credentials", project_id, "--revoke", pair["client_id"], "--json")
    assert revoked.returncode == 0, revoked.stderr
    assert _token(stack, grant_type="client_credentials", **pair).status_code == 401
    assert _token(stack, grant_type="client_credentials", **other).status_code == 200  # the other pair lives
    import grpc

    # The revoked pair's token stops working (after at most the one-second token cache).
    deadline_codes = []
    for _ in range(30):
        with _grpc_channel(stack, access) as channel:
            try:
                tools_pb2_grpc.ToolServiceStub(channel).ListScopedTools(
                    tools_pb2.ListScopedToolsRequest(identifier="nobody"), timeout=20
                )
                deadline_codes.append("OK")
            except grpc.RpcError as exc:
                deadline_codes.append(exc.code().name)
                break
        time.sleep(0.2)
    assert deadline_codes[-1] == "UNAUTHENTICATED", deadline_codes
    proxied = httpx.get(
        f"{stack.env_url}/proxy/gmail/v1/users/me/messages",
        headers={"authorization": f"Bearer {access}", "connection_name": "gmail", "identifier": "u"},
        verify=ssl.create_default_context(cafile=str(stack.tls.ca)),
        timeout=30,
    )
    assert proxied.status_code == 401, proxied.text
    unknown = _cli(stack.env, "projects", "credentials", project_id, "--revoke", "vkc_nope", "--json")
    assert unknown.returncode != 0


def test_calls_without_a_token_and_unhonoured_fields_are_refused(stack):
    import grpc
    from scalekit.v1.tools import tools_pb2, tools_pb2_grpc

    project_id, _ = stack.project("errors")
    access = _token(stack, grant_type="client_credentials", **stack.credentials(project_id)).json()[
        "access_token"
    ]
    for token in (None, "vkat_forged"):
        with _grpc_channel(stack, token) as channel:
            with pytest.raises(grpc.RpcError) as caught:
                tools_pb2_grpc.ToolServiceStub(channel).ListScopedTools(
                    tools_pb2.ListScopedToolsRequest(identifier="u"), timeout=20
                )
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with _grpc_channel(stack, access) as channel:
        stub = tools_pb2_grpc.ToolServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.ExecuteTool(
                tools_pb2.ExecuteToolRequest(
                    tool_name="gmail_fetch_mails", identifier="u", connector="gmail", organization_id="org_1"
                ),
                timeout=20,
            )
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "organization_id" in (caught.value.details() or "")
        with pytest.raises(grpc.RpcError) as caught:
            stub.ExecuteTool(
                tools_pb2.ExecuteToolRequest(tool_name="gmail_fetch_mails", identifier="u", connector="nope"),
                timeout=20,
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND, caught.value.details()
        with pytest.raises(grpc.RpcError) as caught:
            stub.ExecuteTool(
                tools_pb2.ExecuteToolRequest(tool_name="no_such_tool_at_all", identifier="u"), timeout=20
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND, caught.value.details()


ISOLATION = """
import json, os, scalekit.client
from scalekit.common.exceptions import ScalekitNotFoundException
client = scalekit.client.ScalekitClient(client_id=os.getenv("SCALEKIT_CLIENT_ID"),
    client_secret=os.getenv("SCALEKIT_CLIENT_SECRET"), env_url=os.getenv("SCALEKIT_ENV_URL"))
seen = {}
for name, kwargs in {"by_id": {"connected_account_id": os.environ["OTHER_ACCOUNT"]},
                     "by_name": {"connection_name": "gmail", "identifier": "user_123"}}.items():
    try:
        seen[name] = client.actions.get_connected_account(**kwargs).connected_account.id
    except ScalekitNotFoundException:
        seen[name] = "not found"
tools = client.actions.tools.list_scoped_tools(identifier="user_123")[0]
seen["tools"] = len(tools.tools)
details = client.actions.get_connected_account(connection_name="gmail", identifier="me").connected_account
seen["mine"] = details.model_dump()
print(json.dumps(seen, default=str))
"""


def test_another_projects_accounts_are_never_visible_and_masking_follows_the_project(stack):
    # Project A: user_123 with an ACTIVE gmail account (through the SDK and the link, as in the guide).
    a_id, a_key = stack.project("iso-a")
    stack.gmail_config(a_key)
    a_pair = stack.credentials(a_id)
    (first,) = stack.guide(a_pair, "connect")
    play_browser(first["link"])
    import grpc
    from google.protobuf import struct_pb2
    from scalekit.v1.connected_accounts import connected_accounts_pb2 as ca
    from scalekit.v1.connected_accounts import connected_accounts_pb2_grpc as ca_grpc

    access = _token(stack, grant_type="client_credentials", **a_pair).json()["access_token"]
    values = struct_pb2.Struct()
    values.update({"access_token": "gho_not_from_a_user"})
    with _grpc_channel(stack, access) as channel:
        stub = ca_grpc.ConnectedAccountServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:  # Scalekit's one account per connection and user
            stub.CreateConnectedAccount(
                ca.CreateConnectedAccountRequest(connector="gmail", identifier="user_123")
            )
        assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS, caught.value.details()
        with pytest.raises(grpc.RpcError) as caught:  # an OAuth connection is authorized by its user
            stub.CreateConnectedAccount(
                ca.CreateConnectedAccountRequest(
                    connector="gmail",
                    identifier="someone",
                    connected_account=ca.CreateConnectedAccount(
                        authorization_details=ca.AuthorizationDetails(
                            static_auth=ca.StaticAuth(details=values)
                        )
                    ),
                )
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
        with pytest.raises(grpc.RpcError) as caught:
            stub.VerifyConnectedAccountUser(
                ca.VerifyConnectedAccountUserRequest(auth_request_id="x", identifier="y")
            )
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED

    # Project B: a connection of the same name, its own user "me" connected, secrets not masked.
    b_id, b_key = stack.project("iso-b")
    stack.gmail_config(b_key)
    r = httpx.patch(
        f"{stack.url}{V3}/org/project/config",
        headers={"x-api-key": b_key},
        json={"mask_secret_keys_in_connected_account": False},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    b_pair = stack.credentials(b_id)
    run = stack.run_sdk(
        b_pair,
        "-c",
        "import os, scalekit.client\n"
        "c = scalekit.client.ScalekitClient(client_id=os.getenv('SCALEKIT_CLIENT_ID'),"
        " client_secret=os.getenv('SCALEKIT_CLIENT_SECRET'), env_url=os.getenv('SCALEKIT_ENV_URL'))\n"
        "c.actions.get_or_create_connected_account(connection_name='gmail', identifier='me')\n"
        "print(c.actions.get_authorization_link(connection_name='gmail', identifier='me').link)",
    )
    assert run.returncode == 0, run.stderr
    play_browser(run.stdout.strip().splitlines()[-1])

    env = {**stack.sdk_env(b_pair), "OTHER_ACCOUNT": first["id"]}
    seen = subprocess.run(
        [sys.executable, "-c", ISOLATION], env=env, capture_output=True, text=True, timeout=120
    )
    assert seen.returncode == 0, seen.stderr
    found = json.loads(seen.stdout.strip().splitlines()[-1])
    assert found["by_id"] == "not found" and found["by_name"] == "not found" and found["tools"] == 0, found
    mine = found["mine"]
    assert mine["status"] == "ACTIVE"
    access = mine["authorization_details"]["oauth_token"]["access_token"]
    assert access and not access.endswith("...") and access != "REDACTED", mine  # B does not mask
