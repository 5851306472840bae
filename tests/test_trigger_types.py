"""Trigger types as catalog data: the definition format, and the routes through the official SDK."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.errors import assert_error
from valetkey.catalog.loader import CatalogError, load_toolkit

COMPOSIO_NAMES = Path("/work/shared/reference/composio-names/triggers.txt")


def test_the_sdk_lists_and_gets_trigger_types(composio):
    page = composio.triggers.list(toolkit_slugs=["github"])
    slugs = [item.slug for item in page.items]
    assert slugs == [
        "GITHUB_COMMIT_EVENT",
        "GITHUB_ISSUE_ADDED_EVENT",
        "GITHUB_PULL_REQUEST_EVENT",
        "GITHUB_STAR_ADDED_EVENT",
        "GITHUB_LABEL_ADDED_EVENT",
    ]
    star = composio.triggers.get_type("GITHUB_STAR_ADDED_EVENT")
    assert star.type == "webhook" and star.toolkit.slug == "github" and star.version == "20250801_00"
    assert star.config["required"] == ["owner", "repo"] and "starred_by" in star.payload["properties"]
    gmail = composio.triggers.get_type("GMAIL_NEW_GMAIL_MESSAGE")
    assert gmail.type == "poll" and "labelIds" in gmail.config["properties"]
    enum = composio.triggers.list_enum()
    assert "GMAIL_NEW_GMAIL_MESSAGE" in enum and "GITHUB_COMMIT_EVENT" in enum


#: Valetkey's own trigger slugs, for apps Composio publishes no trigger of (each named here on purpose).
VALETKEY_ONLY_TRIGGERS = frozenset(
    {
        "HACKERNEWS_NEW_POST",  # Composio has no Hacker News trigger
    }
)


def test_every_built_in_trigger_slug_is_a_composio_name(composio):
    known = set(COMPOSIO_NAMES.read_text().split()) if COMPOSIO_NAMES.exists() else None
    if known is None:
        pytest.skip("the Composio names list is not on this machine")
    assert not VALETKEY_ONLY_TRIGGERS & known, "a Valetkey-only slug is now a Composio name: use Composio's"
    assert set(composio.triggers.list_enum()) - VALETKEY_ONLY_TRIGGERS <= known
    assert VALETKEY_ONLY_TRIGGERS <= set(composio.triggers.list_enum())


def test_pages_and_unknown_names(client):
    first = client.get("/api/v3.1/triggers_types", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(
        "/api/v3.1/triggers_types", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert {i["slug"] for i in first["items"]}.isdisjoint(i["slug"] for i in second["items"])
    assert_error(client.get("/api/v3.1/triggers_types/GITHUB_NO_SUCH_EVENT"), 404)
    assert_error(client.get("/api/v3.1/triggers_types", params={"toolkit_slugs": "nosuchkit"}), 400)


def test_toolkits_report_their_triggers_count(client):
    github = client.get("/api/v3.1/toolkits/github").json()
    assert github["meta"]["triggers_count"] == 5
    gmail = client.get("/api/v3.1/toolkits", params={"category": "email"}).json()
    counts = {t["slug"]: t["meta"]["triggers_count"] for t in gmail["items"]}
    assert counts.get("gmail", 1) == 1


def _toolkit(tmp_path: Path, triggers: str) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "toolkit.yaml").write_text(
        "slug: demo\nname: Demo\ndescription: A demo.\nversions: [20250101_00]\n"
    )
    (folder / "triggers.yaml").write_text(triggers)
    return folder


@pytest.mark.parametrize(
    ("triggers", "fragment"),
    [
        ("- {slug: OTHER_EVENT, name: X, description: Y, kind: poll}\n", "prefix"),
        ("- {slug: DEMO_EVENT, name: X, description: Y, kind: push}\n", "kind"),
        (
            "- {slug: DEMO_EVENT, name: X, description: Y, kind: poll, config: {type: array}}\n",
            "config schema",
        ),
        (
            "- {slug: DEMO_EVENT, name: X, description: Y, kind: poll, payload: {type: object, required: [a]}}\n",
            "payload schema",
        ),
        ("- {slug: DEMO_EVENT, name: X, description: Y, kind: poll, colour: red}\n", "colour"),
        ("- {slug: DEMO_EVENT, name: X, description: Y, kind: poll, added_in: 20990101_00}\n", "added_in"),
        (
            "- {slug: DEMO_EVENT, name: X, description: Y, kind: poll}\n- {slug: DEMO_EVENT, name: X, description: Y, kind: poll}\n",
            "defined twice",
        ),
    ],
)
def test_broken_trigger_definitions_fail_at_load(tmp_path, triggers, fragment):
    with pytest.raises(CatalogError, match=fragment):
        load_toolkit(_toolkit(tmp_path, triggers))


def test_a_good_definition_loads(tmp_path):
    toolkit = load_toolkit(
        _toolkit(tmp_path, "- {slug: DEMO_EVENT, name: Demo event, description: Fires., kind: webhook}\n")
    )
    [trigger] = toolkit.triggers
    assert trigger.slug == "DEMO_EVENT" and trigger.kind == "webhook" and trigger.added_in == "20250101_00"
