"""Tool search over HTTP: `GET /api/v3.1/tools?search=` and `?query=` rank with the search engine."""

from __future__ import annotations

import pytest

V = "/api/v3.1"


def slugs(client, **params) -> list[str]:
    response = client.get(f"{V}/tools", params=params)
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


def test_a_direct_message_finds_a_tool_that_sends_one_first(client):
    # Two toolkits send direct messages (Slack, and X/Twitter's DM conversations); either answers, and a
    # tool that reads release notes must not (the mislabelled Clubhouse "shortcut" toolkit once did).
    found = slugs(client, search="DM alice the release notes")
    assert found[0] in {"SLACK_SEND_MESSAGE", "TWITTER_SEND_A_NEW_MESSAGE_TO_A_DM_CONVERSATION",
                        "TWITTER_SEND_A_NEW_MESSAGE_TO_A_USER"}  # fmt: skip


@pytest.mark.xfail(
    strict=True,
    reason="known weakness of the mixed catalog: LISTENNOTES_SUBMIT_A_PODCAST_TO_LISTEN_NOTES_DATABASE "
    "comes second on the shared word 'notes' and Slack's sender falls below the top 3 (issue 15, item 5); "
    "strict, so it fails once fixed and this mark must go",
)
def test_slacks_sender_is_among_the_first_three_for_a_dm(client):
    assert "SLACK_SEND_MESSAGE" in slugs(client, search="DM alice the release notes")[:3]


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
