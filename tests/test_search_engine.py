"""The search engine's parts on small hand-made catalogs: analysis, aliases, BM25F, filters, boosts, fusion."""

from __future__ import annotations

import numpy as np
import pytest

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.registry import Catalog
from valetkey.search import build_tool_index, rank_tools, search, session_engine
from valetkey.search.aliases import ALIAS_WEIGHT, build_alias_map, query_weights
from valetkey.search.bm25 import FieldSpec, build_bm25, score
from valetkey.search.fusion import reciprocal_rank_fusion
from valetkey.search.text import stem, terms, words


def tool(slug: str, name: str, description: str, args=(), tags=()) -> Tool:
    return Tool(
        slug=slug,
        toolkit=slug.split("_")[0].lower(),
        name=name,
        description=description,
        input_schema={"type": "object", "properties": {a: {"type": "string"} for a in args}},
        output_schema={},
        tags=tuple(tags),
    )


def toolkit(slug: str, name: str, tools: list[Tool]) -> Toolkit:
    return Toolkit(
        slug=slug,
        name=name,
        description=f"{name} toolkit",
        logo="",
        categories=(),
        base_url="",
        auth_schemes=(),
        versions=("20250101_00",),
        tools=tuple(tools),
    )


TOOLS = {
    "chat": [
        tool(
            "CHAT_SEND_MESSAGE",
            "Send a message",
            "Posts a message to a channel or a direct message.",
            ["channel", "text"],
            ["important"],
        ),
        tool("CHAT_LIST_CHANNELS", "List channels", "Lists the channels of the workspace.", ["limit"]),
        tool(
            "CHAT_DELETE_MESSAGE", "Delete a message", "Deletes a message from a channel.", ["channel", "ts"]
        ),
    ],
    "code": [
        tool(
            "CODE_CREATE_ISSUE",
            "Create an issue",
            "Opens a new issue in a repository to report a bug.",
            ["owner", "repo", "title"],
            ["important"],
        ),
        tool(
            "CODE_CREATE_A_PULL_REQUEST",
            "Create a pull request",
            "Opens a pull request from a branch.",
            ["owner", "repo", "head", "base"],
        ),
        tool(
            "CODE_LIST_ISSUES",
            "List issues",
            "Lists the issues of a repository. See CODE_CREATE_ISSUE.",
            ["owner", "repo"],
        ),
    ],
    "tracker": [
        tool("TRACKER_CREATE_ISSUE", "Create issue", "Creates an issue in a team.", ["team_id", "title"]),
    ],
}
NAMES = {"chat": "Chat", "code": "Code Host", "tracker": "Tracker"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(toolkit(slug, NAMES[slug], tools) for slug, tools in TOOLS.items())


def slugs(hits) -> list[str]:
    return [getattr(hit, "tool", hit).slug for hit in hits]


# -- text ------------------------------------------------------------------------------


def test_words_split_identifiers_of_every_case():
    assert words("GITHUB_CREATE_ISSUE") == ["github", "create", "issue"]
    assert words("timeMin issue_number HTTPServer ENG-42") == [
        "time",
        "min",
        "issue",
        "number",
        "http",
        "server",
        "eng",
        "42",
    ]


def test_terms_drop_stop_words_and_stray_letters_and_stem():
    assert terms("What's on my calendar for the meetings?") == ["my", "calendar", stem("meetings")]
    assert (
        stem("issues") == stem("issue") and stem("labelling") == stem("label") and stem("starred") == "star"
    )
    assert stem("users") == "user" and stem("news") == "news"


# -- aliases ---------------------------------------------------------------------------


def test_aliases_expand_agent_words_at_a_lower_weight():
    weights = query_weights("DM alice the PR")
    assert weights["dm"] == 1.0 and weights["alic"] == 1.0
    for term in ("direct", "messag", "pull", "request"):
        assert weights[term] == ALIAS_WEIGHT
    assert query_weights("open the repo")["repositori"] == ALIAS_WEIGHT
    assert query_weights("a new spreadsheet")["sheet"] == ALIAS_WEIGHT


def test_aliases_match_phrases_longest_first_and_never_lower_own_words():
    aliases = build_alias_map(synonyms=[("pr", "pull request")], implies={"pull": ("drag",)})
    assert query_weights("pull request", aliases) == {"pull": 1.0, "request": 1.0, "pr": ALIAS_WEIGHT}
    assert query_weights("pull", aliases) == {"pull": 1.0, "drag": ALIAS_WEIGHT}


# -- BM25F -----------------------------------------------------------------------------


def test_bm25_orders_by_term_rarity_frequency_and_field_weight():
    fields = [FieldSpec("title", 3.0, b=0.0), FieldSpec("body", 1.0)]
    docs = [
        [["send", "message"], ["post", "a", "message"]],
        [["list", "channel"], ["channel", "message", "list"]],
        [["delete", "message"], ["remove", "message"]],
        [["list", "user"], ["user", "profile"]],
    ]
    index = build_bm25(docs, fields)
    only = score(index, {"send": 1.0})
    assert only[0] > 0 and not only[1:].any()
    # "channel" is rarer than "message" and sits in doc 1's title: doc 1 first.
    both = score(index, {"channel": 1.0, "message": 1.0})
    assert int(np.argmax(both)) == 1
    # A title match beats the same word in the body.
    title_vs_body = score(build_bm25([[["user"], []], [[], ["user"]], [[], []]], fields), {"user": 1.0})
    assert title_vs_body[0] > title_vs_body[1] > 0


def test_bm25_weights_scale_a_terms_contribution():
    index = build_bm25([[["a", "b"]], [["b", "c"]], [["d"]]], [FieldSpec("f", 1.0)])
    assert score(index, {"a": 2.0})[0] == pytest.approx(2 * score(index, {"a": 1.0})[0])


# -- engine ----------------------------------------------------------------------------


def test_search_ranks_the_right_tool_first(catalog):
    assert slugs(session_engine(catalog, "send a DM", lambda t: True, 3))[0] == "CHAT_SEND_MESSAGE"
    assert slugs(session_engine(catalog, "open a PR from my branch", lambda t: True, 3))[0] == (
        "CODE_CREATE_A_PULL_REQUEST"
    )
    assert session_engine(catalog, "zzzz qqqq", lambda t: True, 3) == []
    assert session_engine(catalog, "the of a", lambda t: True, 3) == []


def test_naming_an_app_boosts_its_tools(catalog):
    assert slugs(session_engine(catalog, "create an issue in the tracker", lambda t: True, 2))[0] == (
        "TRACKER_CREATE_ISSUE"
    )
    assert slugs(session_engine(catalog, "create an issue in the code host", lambda t: True, 2))[0] == (
        "CODE_CREATE_ISSUE"
    )


def test_slug_mentions_in_descriptions_are_not_indexed(catalog):
    # CODE_LIST_ISSUES mentions CODE_CREATE_ISSUE; "create" must not reach it through that mention.
    assert "CODE_LIST_ISSUES" not in slugs(session_engine(catalog, "create", lambda t: True, 10))


def test_the_session_filter_is_applied_and_asked_only_about_matches(catalog):
    asked = []

    def allowed(t: Tool) -> bool:
        asked.append(t.slug)
        return t.toolkit != "code"

    hits = session_engine(catalog, "create an issue", allowed, 5)
    assert slugs(hits) == ["TRACKER_CREATE_ISSUE"]
    assert set(asked) <= {
        "CODE_CREATE_ISSUE",
        "TRACKER_CREATE_ISSUE",
        "CODE_CREATE_A_PULL_REQUEST",
        "CODE_LIST_ISSUES",
        "CHAT_SEND_MESSAGE",
    }
    assert session_engine(catalog, "create an issue", lambda t: False, 5) == []


def test_a_filter_admitting_few_of_many_matches_still_finds_them():
    many = [tool(f"BIG_LIST_THING_{i}", f"List things {i}", "Lists things.") for i in range(300)]
    rare = tool("SMALL_LIST_THINGS", "List things", "Lists things too.")
    cat = Catalog([toolkit("big", "Big", many), toolkit("small", "Small", [rare])])
    assert slugs(session_engine(cat, "list things", lambda t: t.toolkit == "small", 3)) == [
        "SMALL_LIST_THINGS"
    ]


def test_limit_and_tie_order(catalog):
    hits = session_engine(catalog, "message", lambda t: True, 1)
    assert len(hits) == 1
    assert session_engine(catalog, "message", lambda t: True, 0) == []
    twins = Catalog(
        [toolkit("twin", "Twin", [tool("TWIN_A", "Ping", "Ping."), tool("TWIN_B", "Ping", "Ping.")])]
    )
    assert slugs(session_engine(twins, "ping", lambda t: True, 2)) == ["TWIN_A", "TWIN_B"]


def test_rank_tools_ranks_only_the_given_tools_and_keeps_them_all_for_an_empty_query(catalog):
    chat = list(TOOLS["chat"])
    assert slugs(rank_tools(catalog, chat, "delete a message")) == [
        "CHAT_DELETE_MESSAGE",
        "CHAT_SEND_MESSAGE",
    ]
    assert rank_tools(catalog, chat, "   ") == chat
    assert rank_tools(catalog, chat, "repository") == []
    # Definitions the catalog does not hold are indexed on the fly.
    stranger = tool("CHAT_ARCHIVE_CHANNEL", "Archive a channel", "Archives a channel.")
    assert slugs(rank_tools(catalog, [*chat, stranger], "archive channel"))[0] == "CHAT_ARCHIVE_CHANNEL"


def test_only_latest_definitions_are_searched_by_sessions():
    old = Tool(
        slug="KIT_PING",
        toolkit="kit",
        name="Ping",
        description="Ping old.",
        input_schema={},
        output_schema={},
        added_in="20250101_00",
        removed_in="20250601_00",
    )
    new = Tool(
        slug="KIT_PONG",
        toolkit="kit",
        name="Pong",
        description="Ping new.",
        input_schema={},
        output_schema={},
        added_in="20250601_00",
    )
    kit = Toolkit(
        slug="kit",
        name="Kit",
        description="",
        logo="",
        categories=(),
        base_url="",
        auth_schemes=(),
        versions=("20250101_00", "20250601_00"),
        tools=(old, new),
    )
    cat = Catalog([kit])
    assert slugs(session_engine(cat, "ping", lambda t: True, 5)) == ["KIT_PONG"]
    assert slugs(rank_tools(cat, [old], "ping")) == ["KIT_PING"]


def test_index_arrays_are_read_only(catalog):
    index = build_tool_index((t, catalog.toolkit(t.toolkit), True) for ts in TOOLS.values() for t in ts)
    with pytest.raises(ValueError):
        index.latest[0] = False
    with pytest.raises(ValueError):
        next(iter(index.bm25.postings.values())).impacts[0] = 0.0


# -- fusion ----------------------------------------------------------------------------


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([[1, 2, 3], [2, 4]])
    assert [doc for doc, _ in fused] == [2, 1, 4, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_a_semantic_ranker_is_fused_and_filtered(catalog):
    index = build_tool_index((t, catalog.toolkit(t.toolkit), True) for ts in TOOLS.values() for t in ts)
    channels = index.tools.index(TOOLS["chat"][1])
    hits = search(index, "remove a message", limit=3, semantic=lambda query, depth: [channels])
    assert {h.tool.slug for h in hits} >= {"CHAT_DELETE_MESSAGE", "CHAT_LIST_CHANNELS"}
    mask = np.ones(index.bm25.size, dtype=bool)
    mask[channels] = False
    masked = search(index, "remove a message", limit=3, mask=mask, semantic=lambda query, depth: [channels])
    assert "CHAT_LIST_CHANNELS" not in {h.tool.slug for h in masked}


# -- intent and the sessions seam ------------------------------------------------------


def test_query_intent_follows_the_first_cue_word():
    from valetkey.search.intent import query_intent

    assert query_intent("what gmail labels do I have") == "read"
    assert query_intent("create a label and then list them") == "write"
    assert query_intent("draft an email but don't send it") == "write"
    assert query_intent("quarterly numbers") is None


def test_sessions_search_through_the_engine(catalog):
    from valetkey.sessions import tool_search

    hits = tool_search.search_tools(catalog, "send a DM", lambda t: t.toolkit == "chat", 2)
    assert next(h.tool.slug for h in hits) == "CHAT_SEND_MESSAGE"
    assert all(h.toolkit.slug == "chat" for h in hits)
