"""Unit tests of the custom toolkit pieces that are easy to get subtly wrong: slugs, header templates,
versions, result mapping, and the per-project catalog view (isolation, invalidation, the shared base)."""

from __future__ import annotations

import datetime as dt

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.overlay import ProjectCatalogs, layered
from valetkey.catalog.registry import Catalog
from valetkey.catalog.serializers import PROJECT_TIER, precompute
from valetkey.catalog.service import list_toolkits
from valetkey.connections.request_auth import apply_credentials
from valetkey.customkits import store
from valetkey.customkits.remote import result_data
from valetkey.net.request import UpstreamRequest


def _toolkit(slug: str, tier: str = "gold", tools: tuple[str, ...] = ("RUN",)) -> Toolkit:
    return Toolkit(
        slug=slug,
        name=slug.title(),
        description="",
        logo="",
        categories=(),
        base_url="https://api.example.com",
        auth_schemes=(),
        versions=("20260101_00",),
        tools=tuple(
            Tool(f"{slug.upper()}_{name}", slug, name, "", {"type": "object"}, {}, handler="m:f")
            for name in tools
        ),
        tier=tier,
    )


def _base() -> Catalog:
    catalog = Catalog([_toolkit("github")])
    precompute(catalog)
    return catalog


def test_slugs_follow_composios_rule():
    assert store.toolkit_slug("my kit") == "CUSTOM_MY_KIT"
    assert store.toolkit_slug("Internal_API") == "CUSTOM_INTERNAL_API"
    assert store.toolkit_slug("custom_x") == "CUSTOM_X"  # not doubled
    assert store.tool_slug("CUSTOM_KIT", "get-weather.now") == "CUSTOM_KIT_GET_WEATHER_NOW"
    assert store.catalog_slug("CUSTOM_KIT") == "custom_kit"


def test_header_templates_put_only_the_key_in_and_keep_other_braces():
    scheme = store._scheme(
        {"mode": "API_KEY", "headers": {"Authorization": "Bearer {{generic_api_key}}", "X-Shape": "{json}"}}
    )
    signed = apply_credentials(
        UpstreamRequest("POST", "https://mcp.example.com/mcp", {}, ()), scheme, {"generic_api_key": "k-123"}
    )
    assert signed.headers["Authorization"] == "Bearer k-123"
    assert signed.headers["X-Shape"] == "{json}"
    assert [f.name for f in scheme.account_fields] == ["generic_api_key"] and scheme.account_fields[0].secret


def test_versions_count_the_syncs_of_a_day():
    day = dt.date(2026, 12, 3)
    assert store.next_version(None, day) == "20261203_00"
    assert store.next_version("20261203_00", day) == "20261203_01"
    assert store.next_version("20261202_07", day) == "20261203_00"


def test_mcp_results_become_composio_data():
    assert result_data({"a": 1}, ["ignored"]) == {"a": 1}
    assert result_data(None, ['{"city": "Oslo"}']) == {"city": "Oslo"}
    assert result_data(None, ["HELLO"]) == {"content": ["HELLO"]}
    assert result_data(None, ["a", "b"]) == {"content": ["a", "b"]}


def test_a_layered_view_adds_the_projects_toolkits_and_shares_the_base():
    base = _base()
    view = layered(base, [_toolkit("custom_kit", PROJECT_TIER, ("PING",))])
    assert view.find_toolkit("CUSTOM_KIT") is not None and view.find_toolkit("github") is not None
    assert view.resolve_tool("CUSTOM_KIT_PING").toolkit.slug == "custom_kit"
    assert view.wire.tools[("GITHUB_RUN", "20260101_00")] is base.wire.tools[("GITHUB_RUN", "20260101_00")]
    assert [t["slug"] for t in list_toolkits(view, managed_by="project")] == ["custom_kit"]
    assert [t["slug"] for t in list_toolkits(view, managed_by="composio")] == ["github"]
    assert list_toolkits(view, kind="custom")[0]["type"] == "custom"
    assert base.find_toolkit("custom_kit") is None  # the base is untouched
    # A project toolkit never replaces a built-in one of the same slug.
    clash = layered(base, [_toolkit("github", PROJECT_TIER, ("EVIL",))])
    assert clash.canonical_tool_slug("GITHUB_EVIL") is None


def test_project_views_are_separate_and_rebuilt_on_invalidate():
    base = _base()
    stamps = {"p1": (1, "t1"), "p2": None}
    kits = {"p1": [_toolkit("custom_one", PROJECT_TIER)]}
    loads: list[str] = []

    def load(project_id):
        loads.append(project_id)
        return kits[project_id]

    views = ProjectCatalogs(base, stamps.get, load)
    first = views.for_project("p1")
    assert first.find_toolkit("custom_one") is not None
    assert views.for_project("p2") is base  # no custom toolkits: the global catalog itself
    assert views.for_project("p1") is first and loads == ["p1"]  # cached
    kits["p1"] = [_toolkit("custom_two", PROJECT_TIER)]
    stamps["p1"] = (1, "t2")
    views.invalidate("p1")
    second = views.for_project("p1")
    assert second.find_toolkit("custom_two") is not None and second.find_toolkit("custom_one") is None
    # Another process's write: no invalidate here, but the stamp differs at the next recheck.
    kits["p1"] = [_toolkit("custom_three", PROJECT_TIER)]
    stamps["p1"] = (1, "t3")
    views._views["p1"].checked -= 60  # the recheck interval has passed
    assert views.for_project("p1").find_toolkit("custom_three") is not None
    assert loads == ["p1", "p1", "p1"]
