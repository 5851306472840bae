"""Tool search over HTTP: `GET /api/v3.1/tools?search=` and `?query=` rank with the search engine."""

from __future__ import annotations

import pytest

V = "/api/v3.1"


def slugs(client, **params) -> list[str]:
    response = client.get(f"{V}/tools", params=params)
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


@pytest.mark.xfail(
    strict=True,
    reason="known regression since the silver catalog landed: SHORTCUT_GETS_RELEASE_NOTES outranks "
    "SLACK_SEND_MESSAGE on its two literal words despite the write intent (issue 15, item 5: search "
    "on the bigger catalog); strict, so it fails once fixed and this mark must go",
)
def test_a_direct_message_finds_slack_first(client):
    assert slugs(client, search="DM alice the release notes")[0] == "SLACK_SEND_MESSAGE"


def test_agent_phrasing_finds_the_right_tool_first(client):
    assert slugs(client, query="open a PR from my feature branch")[0] == "GITHUB_CREATE_A_PULL_REQUEST"
    assert slugs(client, search="what's on my calendar tomorrow")[0] == "GOOGLECALENDAR_EVENTS_LIST"


def test_search_keeps_the_other_filters_and_drops_non_matches(client):
    found = slugs(client, search="create an issue", toolkit_slug="linear")
    assert found[0] == "LINEAR_CREATE_LINEAR_ISSUE"
    assert all(slug.startswith("LINEAR_") for slug in found)
    assert slugs(client, search="zzqx qqvv") == []


def test_search_pages_through_ranked_results(client):
    first = client.get(f"{V}/tools", params={"search": "list", "limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(
        f"{V}/tools", params={"search": "list", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert not {i["slug"] for i in first["items"]} & {i["slug"] for i in second["items"]}
