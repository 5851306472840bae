"""Composio's tool slugs resolve to ours: aliases in the definition format, checked at load, used everywhere.

Code written against Composio calls `SLACK_SENDS_A_MESSAGE_TO_A_SLACK_CHANNEL`;
our tool for that operation is `SLACK_SEND_MESSAGE` and lists the Composio
slug under `aliases:`. The catalog resolves an alias wherever a slug is
accepted (execute, get, tool lists, sessions, MCP servers, search). The
report test prints, per built-in toolkit, how many of the slugs Composio
lists for it (`../shared/reference/composio-names/tools.txt`, vendored as
`src/valetkey/catalog/imports/composio_tool_slugs.txt`) resolve here.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from valetkey.catalog.imports.names import COMPOSIO_SLUGS_FILE
from valetkey.catalog.loader import CatalogError, load_toolkits
from valetkey.catalog.registry import Catalog, load_catalog

V3 = "/api/v3.1"
COMPOSIO_SLUGS = COMPOSIO_SLUGS_FILE

# How many of Composio's listed slugs resolve, per gold toolkit: (resolving, listed).
# A drop is a regression; a rise means updating the figure (and the docs table).
EXPECTED_RESOLVING = {
    "asana": (26, 189),
    "github": (45, 952),
    "gmail": (14, 17),
    "googlecalendar": (8, 12),
    "googledrive": (9, 11),
    "googlesheets": (6, 8),
    "hackernews": (5, 6),
    "jira": (35, 528),
    "linear": (7, 13),
    "notion": (17, 19),
    "slack": (25, 186),
    "stripe": (11, 19),
    "trello": (80, 341),
}


def composio_slugs() -> set[str]:
    return set(COMPOSIO_SLUGS.read_text().split())


def resolution_table(catalog: Catalog, listed: set[str]) -> dict[str, tuple[int, int]]:
    """Per toolkit: (Composio slugs of its prefix that resolve to one of its tools, Composio slugs listed)."""
    table = {}
    for toolkit in catalog.toolkits.values():
        theirs = [s for s in listed if s.startswith(toolkit.slug.upper() + "_")]
        resolving = [
            s
            for s in theirs
            if (c := catalog.canonical_tool_slug(s)) and catalog.toolkit_of_tool(c) is toolkit
        ]
        table[toolkit.slug] = (len(resolving), len(theirs))
    return table


def test_composio_slug_resolution_per_toolkit(capsys):
    catalog = load_catalog()
    table = resolution_table(catalog, composio_slugs())
    with capsys.disabled():
        print("\nComposio slugs resolving, per built-in toolkit:")
        for slug, (resolving, listed) in sorted(table.items()):
            print(
                f"  {slug:16} {resolving:4} of {listed:4} listed ({len(catalog.tools_at(slug))} tools here)"
            )
    assert {slug: table[slug] for slug in EXPECTED_RESOLVING} == EXPECTED_RESOLVING
    silver = [t.slug for t in catalog.toolkits.values() if t.tier == "silver"]
    # 351 before trello, jira and asana went gold (their slugs now count under gold) and shortcut and
    # gitlab were taken out; 234 after.
    assert sum(table[s][0] for s in silver) >= 230, "imported toolkits answer to Composio's slugs"


def test_every_builtin_alias_is_a_listed_composio_slug_of_a_live_tool():
    catalog = load_catalog()
    listed = composio_slugs()
    aliases = catalog.aliases()
    assert aliases, "the built-in toolkits declare aliases"
    for alias, slug in aliases.items():
        assert alias in listed, f"alias {alias} of {slug} is not a slug Composio lists"
        resolved = catalog.resolve_tool(alias)
        assert resolved.tool.slug == slug and resolved.toolkit.slug == catalog.toolkit_of_tool(slug).slug
        assert catalog.tools_at(resolved.toolkit), f"alias {alias} points at nothing"
        assert alias not in {t.slug for k in catalog.toolkits.values() for t in k.tools}


def test_alias_resolves_in_any_case():
    catalog = load_catalog()
    assert catalog.canonical_tool_slug("slack_sends_a_message_to_a_slack_channel") == "SLACK_SEND_MESSAGE"
    assert catalog.resolve_tool("SLACK_CHAT_POST_MESSAGE").tool.slug == "SLACK_SEND_MESSAGE"
    assert catalog.canonical_tool_slug("SLACK_NOT_A_TOOL") is None


# -- checked at load ------------------------------------------------------------------------------


def write_toolkit(root: Path, slug: str, tools: list[dict]) -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "toolkit.yaml").write_text(
        yaml.safe_dump(
            {"slug": slug, "name": slug.title(), "description": "Test.", "versions": ["20250101_00"]}
        )
    )
    (folder / "tools.yaml").write_text(yaml.safe_dump(tools))
    return folder


def tool(slug: str, aliases: list[str] | None = None) -> dict:
    out = {"slug": slug, "description": "Does it.", "http": {"method": "GET", "path": "/x"}}
    if aliases is not None:
        out["aliases"] = aliases
    return out


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ([tool("ACME_A", ["ACME_B"]), tool("ACME_B")], "alias ACME_B is the slug of another tool of acme"),
        ([tool("ACME_A", ["ACME_X"]), tool("ACME_B", ["ACME_X"])], "alias ACME_X already names ACME_A"),
        ([tool("ACME_A", ["OTHER_A"])], "alias OTHER_A must start with the toolkit prefix 'ACME_'"),
        ([tool("ACME_A", ["ACME_A"])], "alias ACME_A is the tool's own slug"),
        ([tool("ACME_A", ["ACME_X", "ACME_X"])], "aliases repeat a value"),
        ([tool("ACME_A", ["acme_x"])], "aliases.0: String should match pattern"),
    ],
)
def test_bad_aliases_fail_at_load(tmp_path, tools, message):
    write_toolkit(tmp_path, "acme", tools)
    with pytest.raises(CatalogError) as failure:
        load_toolkits([tmp_path])
    assert message in str(failure.value)


def test_an_alias_may_not_take_a_slug_of_another_toolkit(tmp_path):
    # Toolkit `acme_x` owns ACME_X_GET; toolkit `acme` may not claim it as an alias (prefix ACME_ fits).
    write_toolkit(tmp_path, "acme", [tool("ACME_A", ["ACME_X_GET"])])
    write_toolkit(tmp_path, "acme_x", [tool("ACME_X_GET")])
    with pytest.raises(CatalogError, match="tool ACME_X_GET is already an alias of ACME_A"):
        load_toolkits([tmp_path])
    write_toolkit(tmp_path / "other", "acme", [tool("ACME_A")])
    write_toolkit(tmp_path / "other", "acme_x", [tool("ACME_X_GET"), tool("ACME_X_B", ["ACME_X_GET2"])])
    loaded = Catalog(load_toolkits([tmp_path / "other"]))
    assert loaded.resolve_tool("ACME_X_GET2").tool.slug == "ACME_X_B"


def test_the_same_slug_in_two_versions_may_repeat_its_alias(tmp_path):
    folder = write_toolkit(tmp_path, "acme", [])
    (folder / "toolkit.yaml").write_text(
        yaml.safe_dump(
            {"slug": "acme", "name": "Acme", "description": "T.", "versions": ["20250101_00", "20250201_00"]}
        )
    )
    first = {**tool("ACME_A", ["ACME_OLD_NAME"]), "removed_in": "20250201_00"}
    second = {**tool("ACME_A", ["ACME_OLD_NAME"]), "added_in": "20250201_00", "description": "New."}
    (folder / "tools.yaml").write_text(yaml.safe_dump([first, second]))
    catalog = Catalog(load_toolkits([tmp_path]))
    assert catalog.resolve_tool("ACME_OLD_NAME", "20250101_00").tool.description == "Does it."
    assert catalog.resolve_tool("ACME_OLD_NAME").tool.description == "New."


# -- everywhere a slug is accepted, through the running server --------------------------------------

ALIAS, OURS = "SLACK_SENDS_A_MESSAGE_TO_A_SLACK_CHANNEL", "SLACK_SEND_MESSAGE"


@pytest.fixture
def slack(connect):
    return connect("slack")


@pytest.fixture
def api(slack):
    with httpx.Client(
        base_url=slack.server.url, headers={"x-api-key": slack.project.api_key}, timeout=30
    ) as client:
        yield client


def test_sdk_executes_and_gets_a_tool_by_its_composio_slug(slack):
    sent = slack.ok(ALIAS, {"channel": "#general", "text": "sent by Composio's name"})
    assert slack.state.channels[sent["channel"]].messages[sent["ts"]].text == "sent by Composio's name"
    fetched = slack.composio.tools.get_raw_composio_tool_by_slug(ALIAS)
    assert fetched.slug == OURS
    slack.executed.add(OURS)


def test_http_get_list_search_by_alias(api):
    got = api.get(f"{V3}/tools/{ALIAS}")
    assert got.status_code == 200, got.text
    assert got.json()["slug"] == OURS
    listed = api.get(f"{V3}/tools", params={"tool_slugs": f"{ALIAS},SLACK_USERS_LIST"})
    assert [t["slug"] for t in listed.json()["items"]] == [OURS, "SLACK_LIST_USERS"]
    found = api.get(f"{V3}/tools", params={"search": ALIAS})
    assert found.json()["items"][0]["slug"] == OURS
    assert api.get(f"{V3}/tools/SLACK_NOT_A_TOOL").status_code == 404


def test_sessions_accept_aliases_in_rules_preload_and_execute(slack, api):
    created = api.post(
        f"{V3}/tool_router/session",
        json={
            "user_id": slack.user_id,
            "toolkits": ["slack"],
            "tools": {"slack": {"enable": [ALIAS, "SLACK_USERS_LIST"]}},
            "preload": {"tools": [ALIAS]},
        },
    )
    assert created.status_code == 201, created.text
    session = created.json()["session_id"]
    tools = api.get(f"{V3}/tool_router/session/{session}/tools")
    assert tools.status_code == 200, tools.text
    assert OURS in [t["slug"] for t in tools.json()["items"]]
    for slug in (ALIAS, OURS):
        run = api.post(
            f"{V3}/tool_router/session/{session}/execute",
            json={"tool_slug": slug, "arguments": {"channel": "#general", "text": f"via {slug}"}},
        )
        assert run.status_code == 200, run.text
        assert run.json()["error"] is None, run.json()
    blocked = api.post(
        f"{V3}/tool_router/session/{session}/execute",
        json={"tool_slug": "SLACK_RETRIEVE_DETAILED_USER_INFORMATION", "arguments": {"user": "U01ALICE00"}},
    )
    assert "is not enabled in this session" in blocked.json()["error"]


def test_mcp_servers_accept_aliases(slack):
    created = slack.composio.mcp.create("aliases", toolkits=["slack"], allowed_tools=[ALIAS])
    assert created.allowed_tools == [OURS]
