"""The execute fast path (`api.fast_routes`) takes exactly the requests FastAPI's route table gives the
generic execute route, and answers them as that route does (the error object included)."""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from tests.support.app import make_settings
from valetkey.api.app import API_PREFIX, create_app
from valetkey.api.fast_routes import fast_slug
from valetkey.api.routers.execution import execute

SLUGS = [
    "GITHUB_STAR_A_REPOSITORY",
    "proxy",
    "COMPOSIO_SEARCH_TOOLS",
    "COMPOSIO_MULTI_EXECUTE_TOOL",
    "COMPOSIO",
    "composio_search_tools",
    "x",
    "a.b-c",
    "proxy2",
]
PATHS = [f"{API_PREFIX}/tools/execute/{s}" for s in SLUGS] + [
    f"{API_PREFIX}/tools/execute/GITHUB_STAR_A_REPOSITORY/input",
    f"{API_PREFIX}/tools/execute/",
    f"{API_PREFIX}/tools/execute",
    f"{API_PREFIX}/tools/GITHUB_STAR_A_REPOSITORY",
    "/api/v3/tools/execute/GITHUB_STAR_A_REPOSITORY",  # rewritten to /api/v3.1 before the fast path
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    home = tmp_path_factory.mktemp("fast-routes")
    return create_app(make_settings(home, f"sqlite:///{home}/v.db", 8000))


def _first_post_route(app, path: str):
    """The endpoint FastAPI's routing picks for POST `path`: the first route, in table order, that fits."""
    for route in iter_route_contexts(app.router.routes):
        if route.path and route.methods and "POST" in route.methods:
            if compile_path(route.path)[0].match(path):
                return route.endpoint
    return None


@pytest.mark.parametrize("path", PATHS)
def test_fast_path_takes_what_the_route_table_gives_the_execute_route(app, path):
    taken = fast_slug(path, API_PREFIX + "/tools/execute/") is not None
    assert taken == (_first_post_route(app, path) is execute), path


def test_the_fast_path_is_in_the_stack(app):
    from valetkey.api.fast_routes import ExecuteFastPath

    assert any(m.cls is ExecuteFastPath for m in app.user_middleware)
