"""GitHub: its published OpenAPI description (``specs/github``), API version header allowed."""

from __future__ import annotations

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, rebound
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

GITHUB_HEADERS = TRANSPORT_HEADERS | {"x-github-api-version"}
#: Tools with no operation in GitHub's description, and why. Keep it empty when possible.
UNDESCRIBED: dict[str, str] = {}


def spec():
    return description("github", "api.github.com.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request, transport_headers=GITHUB_HEADERS)


ISSUE = {"owner": "o", "repo": "r", "title": "t"}

DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GITHUB_LIST_STARGAZERS"), "per_page", "query", "perPage"),
            {"owner": "o", "repo": "r", "per_page": 5},
        ),
        ("query parameter 'perPage' is not declared",),
    ),
    Drift(
        "wrong path",
        lambda tk: tool_request(
            drifted(tool_by_slug(tk, "GITHUB_CREATE_ISSUE"), path="/repos/{owner}/{repo}/issue"), ISSUE
        ),
        ("no operation",),
        first=True,
    ),
    Drift(
        "wrong method",
        lambda tk: tool_request(drifted(tool_by_slug(tk, "GITHUB_CREATE_ISSUE"), method="PUT"), ISSUE),
        ("no operation",),
        first=True,
    ),
    Drift(
        "renamed body field",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GITHUB_CREATE_ISSUE"), "body", "body", "description"),
            {**ISSUE, "body": "b"},
        ),
        ("body property 'description' is not declared",),
    ),
    Drift(
        "wrong enum value",
        lambda tk: tool_request(
            tool_by_slug(tk, "GITHUB_MERGE_A_PULL_REQUEST"),
            {"owner": "o", "repo": "r", "pull_number": 1, "merge_method": "fast-forward"},
        ),
        ("merge_method", "is not one of"),
    ),
    Drift(
        "undeclared header",
        lambda tk: _search_code_drifted(tk),
        ("header 'x-api-flavour' is not declared",),
    ),
    Drift(
        "missing required query parameter",
        lambda tk: _search_code_drifted(tk),
        ("required query parameter 'q' is missing",),
    ),
)


def _search_code_drifted(toolkit) -> WireRequest:
    tool = tool_by_slug(toolkit, "GITHUB_SEARCH_CODE")
    wrong = drifted(
        rebound(tool, "q", "query", "query"), headers={**tool.operation.headers, "X-Api-Flavour": "x"}
    )
    return tool_request(wrong, {"q": "x"})


FIDELITY = Fidelity("github", check, undescribed=UNDESCRIBED, drifts=DRIFTS)
