"""`toolkits.recommend_scopes()` and `toolkits.list_grant_contexts()` through the SDK, on the built-in catalog."""

from __future__ import annotations

import httpx
import pytest
from composio import Composio
from composio_client import BadRequestError, NotFoundError

from tests.support.errors import assert_error

V3 = "/api/v3.1"


@pytest.fixture(scope="module")
def keys(toolkit_server):
    return toolkit_server.new_project()


@pytest.fixture
def sdk(toolkit_server, keys):
    return Composio(api_key=keys.api_key, base_url=toolkit_server.url)


@pytest.fixture
def http(toolkit_server, keys):
    with httpx.Client(base_url=toolkit_server.url, headers={"x-api-key": keys.api_key}, timeout=30) as client:
        yield client


def test_the_recommendation_is_the_union_of_the_tools_scopes(sdk, toolkit_server):
    catalog = toolkit_server.state.catalog
    tools = ["GITHUB_DELETE_A_REPOSITORY", "GITHUB_CREATE_ISSUE"]
    expected = sorted({s for slug in tools for s in catalog.resolve_tool(slug).tool.scopes})
    assert expected == ["delete_repo", "repo"]
    answer = sdk.toolkits.recommend_scopes("github", tools=tools)
    assert answer.scopes.least_privilege == expected and answer.scopes.fewest == expected
    assert answer.scopes.conditional == [] and answer.grant_context == {}
    assert (
        answer.auth_scheme == "OAUTH2" and answer.toolkit_version == catalog.toolkit("github").latest_version
    )

    everything = sdk.toolkits.recommend_scopes("github", tools=[])  # [] covers every tool of the toolkit
    every_scope = sorted({s for t in catalog.tools_at("github") for s in t.scopes})
    assert everything.scopes.fewest == every_scope and set(expected) <= set(every_scope)

    widened = sdk.toolkits.recommend_scopes("github", tools=["GITHUB_CREATE_ISSUE"], include=["read:org"])
    assert widened.scopes.fewest == ["read:org", "repo"]


def test_what_cannot_be_honoured_is_refused(sdk, http):
    with pytest.raises(BadRequestError, match="only documented scope"):
        sdk.toolkits.recommend_scopes("github", tools=["GITHUB_CREATE_ISSUE"], exclude=["repo"])
    with pytest.raises(BadRequestError, match="available_scopes lacks repo"):
        sdk.toolkits.recommend_scopes(
            "github", tools=["GITHUB_CREATE_ISSUE"], available_scopes=["public_repo"]
        )
    with pytest.raises(BadRequestError, match="no grant-context dimensions"):
        sdk.toolkits.recommend_scopes("gmail", tools=[], grant_context={"account_type": "Google Workspace"})
    with pytest.raises(BadRequestError, match="GMAIL_SEND_EMAIL"):
        sdk.toolkits.recommend_scopes("github", tools=["GMAIL_SEND_EMAIL"])
    with pytest.raises(NotFoundError):
        sdk.toolkits.recommend_scopes("no_such_toolkit", tools=[])
    url = f"{V3}/toolkits/github/scopes/recommended"
    assert_error(
        http.post(url, json={"tools": [], "auth_scheme": "API_KEY"}), 400, contains="no API_KEY scheme"
    )
    assert_error(
        http.post(url, json={"tools": [], "toolkit_version": "19990101_00"}), 400, contains="19990101_00"
    )
    assert_error(http.post(url, json={"tools": [], "surprise": True}), 400, contains="surprise")
    assert_error(http.post(url, json={}), 400, contains="tools")


def test_grant_contexts_are_none_in_this_catalog(sdk, toolkit_server, http):
    answer = sdk.toolkits.list_grant_contexts("googledrive")
    assert answer.grant_context_dimensions == [] and answer.default_grant_context == {}
    assert answer.auth_scheme == "OAUTH2"
    assert answer.toolkit_version == toolkit_server.state.catalog.toolkit("googledrive").latest_version
    assert_error(http.get(f"{V3}/toolkits/no_such_toolkit/scopes/grant_context"), 404)
    anonymous = httpx.get(f"{toolkit_server.url}{V3}/toolkits/github/scopes/grant_context", timeout=10)
    assert_error(anonymous, 401)
