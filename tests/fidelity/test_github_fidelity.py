"""Every GitHub tool's request against GitHub's published OpenAPI description.

Two views of the same property: statically, the request the executor builds
for each tool with *every* argument set (so each wire name and type meets the
description); live, the requests the GitHub emulator actually received when
each tool ran through the SDK and a real server (so injected headers and
credentials count too).

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/github.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import check_request
from tests.fidelity.profiles.github import GITHUB_HEADERS, UNDESCRIBED
from tests.fidelity.support import (
    description,
    from_recorded,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def spec():
    return description("github", "api.github.com.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "github")


def test_each_tool_maps_to_one_operation_and_the_subset_is_exactly_what_tools_use(spec, toolkit):
    used = {}
    for tool in toolkit.tools:
        found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
        assert found is not None or tool.slug in UNDESCRIBED, f"{tool.slug}: no operation in the description"
        used[tool.slug] = found[0].id
    assert len(set(used.values())) == len(used), "two tools call the same operation"
    assert set(used.values()) == {op.id for op in spec.operations}


# Arguments for a live run of every tool against the emulator's starting state, in order.
HELLO = {"owner": "octocat", "repo": "Hello-World"}
LIVE_CALLS = [
    ("GITHUB_GET_THE_AUTHENTICATED_USER", {}),
    ("GITHUB_GET_A_USER", {"username": "hubot"}),
    ("GITHUB_LIST_REPOSITORIES_FOR_THE_AUTHENTICATED_USER", {"visibility": "all", "per_page": 5, "page": 1}),
    ("GITHUB_LIST_REPOSITORIES_FOR_A_USER", {"username": "octocat", "type": "owner", "sort": "updated"}),
    (
        "GITHUB_CREATE_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER",
        {"name": "fidelity", "auto_init": True, "private": False},
    ),
    ("GITHUB_GET_A_REPOSITORY", HELLO),
    (
        "GITHUB_UPDATE_A_REPOSITORY",
        {"owner": "octocat", "repo": "fidelity", "description": "d", "has_issues": True},
    ),
    (
        "GITHUB_CREATE_ISSUE",
        {**HELLO, "title": "t", "body": "b", "labels": ["bug"], "assignees": ["octocat"]},
    ),
    ("GITHUB_GET_AN_ISSUE", {**HELLO, "issue_number": 1}),
    (
        "GITHUB_LIST_REPOSITORY_ISSUES",
        {
            **HELLO,
            "state": "all",
            "labels": "bug",
            "sort": "updated",
            "direction": "asc",
            "since": "2020-01-01T00:00:00Z",
            "per_page": 2,
        },
    ),
    ("GITHUB_LIST_ISSUES_ASSIGNED_TO_THE_AUTHENTICATED_USER", {"filter": "all", "state": "open"}),
    ("GITHUB_UPDATE_AN_ISSUE", {**HELLO, "issue_number": 1, "state": "closed", "state_reason": "completed"}),
    ("GITHUB_CREATE_AN_ISSUE_COMMENT", {**HELLO, "issue_number": 1, "body": "c"}),
    ("GITHUB_LIST_ISSUE_COMMENTS", {**HELLO, "issue_number": 1, "per_page": 10}),
    ("GITHUB_LIST_LABELS_FOR_A_REPOSITORY", HELLO),
    ("GITHUB_CREATE_A_LABEL", {**HELLO, "name": "triage", "color": "aabbcc", "description": "d"}),
    ("GITHUB_ADD_LABELS_TO_AN_ISSUE", {**HELLO, "issue_number": 1, "labels": ["triage"]}),
    ("GITHUB_REMOVE_A_LABEL_FROM_AN_ISSUE", {**HELLO, "issue_number": 1, "name": "triage"}),
    ("GITHUB_GET_REPOSITORY_CONTENT", {**HELLO, "path": "README.md", "ref": "main"}),
    ("GITHUB_GET_A_BRANCH", {**HELLO, "branch": "main"}),
    ("GITHUB_CREATE_A_REFERENCE", {**HELLO, "ref": "refs/heads/feature", "sha": "0" * 40}),
    (
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {**HELLO, "path": "docs/new.md", "message": "m", "content": "aGk=", "branch": "main"},
    ),
    (
        "GITHUB_DELETE_A_FILE",
        {**HELLO, "path": "docs/new.md", "message": "m", "sha": "0" * 40, "branch": "main"},
    ),
    ("GITHUB_LIST_BRANCHES", {**HELLO, "protected": False, "per_page": 10}),
    ("GITHUB_LIST_COMMITS", {**HELLO, "sha": "main", "path": "README.md", "since": "2020-01-01T00:00:00Z"}),
    ("GITHUB_GET_A_COMMIT", {**HELLO, "ref": "main"}),
    (
        "GITHUB_LIST_PULL_REQUESTS",
        {**HELLO, "state": "all", "base": "main", "sort": "created", "direction": "desc"},
    ),
    (
        "GITHUB_CREATE_A_PULL_REQUEST",
        {**HELLO, "title": "p", "head": "feature", "base": "main", "draft": False},
    ),
    ("GITHUB_GET_A_PULL_REQUEST", {**HELLO, "pull_number": 1}),
    (
        "GITHUB_CREATE_A_REVIEW_COMMENT_FOR_A_PULL_REQUEST",
        {
            **HELLO,
            "pull_number": 1,
            "body": "r",
            "commit_id": "0" * 40,
            "path": "README.md",
            "line": 1,
            "side": "RIGHT",
        },
    ),
    ("GITHUB_LIST_REVIEW_COMMENTS_ON_A_PULL_REQUEST", {**HELLO, "pull_number": 1, "sort": "created"}),
    (
        "GITHUB_MERGE_A_PULL_REQUEST",
        {**HELLO, "pull_number": 1, "merge_method": "squash", "commit_title": "c"},
    ),
    (
        "GITHUB_CREATE_A_RELEASE",
        {**HELLO, "tag_name": "v1", "name": "One", "body": "notes", "prerelease": False},
    ),
    ("GITHUB_LIST_RELEASES", {**HELLO, "per_page": 5}),
    ("GITHUB_GET_THE_LATEST_RELEASE", HELLO),
    ("GITHUB_GET_A_RELEASE", {**HELLO, "release_id": 1}),
    ("GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", HELLO),
    ("GITHUB_CHECK_IF_REPO_IS_STARRED_BY_THE_AUTHENTICATED_USER", HELLO),
    ("GITHUB_LIST_STARGAZERS", {**HELLO, "page": 1, "per_page": 10}),
    ("GITHUB_LIST_REPOSITORIES_STARRED_BY_THE_AUTHENTICATED_USER", {"sort": "created", "direction": "desc"}),
    ("GITHUB_UNSTAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", HELLO),
    ("GITHUB_SEARCH_REPOSITORIES", {"q": "hello user:octocat", "sort": "stars", "order": "desc"}),
    (
        "GITHUB_SEARCH_ISSUES_AND_PULL_REQUESTS",
        {"q": "bug repo:octocat/Hello-World is:issue", "sort": "created"},
    ),
    ("GITHUB_SEARCH_CODE", {"q": "hello repo:octocat/Hello-World", "per_page": 5}),
    ("GITHUB_DELETE_A_REPOSITORY", {"owner": "octocat", "repo": "fidelity"}),
]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    github = connect("github", scopes=["repo", "read:user", "user:email", "delete_repo"])
    github.emulator.requests.clear()
    problems = []
    for slug, arguments in LIVE_CALLS:
        before = len(github.emulator.requests)
        github.execute(slug, arguments)
        sent = github.emulator.requests.all()[before:]
        assert len(sent) == 1, f"{slug} sent {len(sent)} requests"
        problems += check_request(spec, from_recorded(sent[0]), transport_headers=GITHUB_HEADERS)
        assert (
            sent[0]
            .header(
                "authorization",
            )
            .startswith("Bearer ")
        )
        assert sent[0].header("accept") == "application/vnd.github+json"
    assert not problems, "\n".join(problems)
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools} - set(UNDESCRIBED)
